import type { DomainEvent, EventHandlers } from '../outbox/index.js';
import { TOPIC_CLAIM_REPORT_ADDED, type ClaimsService } from './claims.service.js';
import { TOPIC_RUMOR_PUBLISHED, type RumorService } from './rumor.service.js';
import { TOPIC_REPORT_RECEIVED } from './publicreports.service.js';

/** The module's outbox topics (merged by src/worker/handlers.ts): a report received is clustered into a claim; a claim that grew is checked for promotion to an incident. */
export function publicReportsTopicHandlers(deps: { claims: Pick<ClaimsService, 'clusterReport' | 'checkPromotion'>; rumor: Pick<RumorService, 'sendFollowups'> }): EventHandlers {
  return {
    [TOPIC_REPORT_RECEIVED]: [
      async (e: DomainEvent) => {
        await deps.claims.clusterReport(e.aggregateId);
      },
    ],
    // A claim that grew (a report joined, a claim was merged into it) may now pass the promotion thresholds.
    [TOPIC_CLAIM_REPORT_ADDED]: [
      async (e: DomainEvent) => {
        await deps.claims.checkPromotion(e.aggregateId);
        // A reporter who joins a claim already answered hears back too (as Meedan Check's tiplines do).
        await deps.rumor.sendFollowups(e.aggregateId);
      },
    ],
    // A published answer: one e-mail to each reporter of the claim who asked for one.
    [TOPIC_RUMOR_PUBLISHED]: [
      async (e: DomainEvent) => {
        await deps.rumor.sendFollowups(e.aggregateId);
      },
    ],
  };
}
