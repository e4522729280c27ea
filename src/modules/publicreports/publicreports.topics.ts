import type { DomainEvent, EventHandlers } from '../outbox/index.js';
import type { ClaimsService } from './claims.service.js';
import { TOPIC_REPORT_RECEIVED } from './publicreports.service.js';

/** The module's outbox topics (merged by src/worker/handlers.ts): a report received is clustered into a claim. */
export function publicReportsTopicHandlers(deps: { claims: Pick<ClaimsService, 'clusterReport'> }): EventHandlers {
  return {
    [TOPIC_REPORT_RECEIVED]: [
      async (e: DomainEvent) => {
        await deps.claims.clusterReport(e.aggregateId);
      },
    ],
  };
}
