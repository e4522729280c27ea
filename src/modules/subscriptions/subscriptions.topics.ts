import type { DomainEvent, EventHandler, EventHandlers } from '../outbox/index.js';
import type { SubscriptionJobs } from './subscriptions.jobs.js';

/** Every incident topic a saved alert subscription may match (the filter's `topics`, schema.graphql). */
const INCIDENT_TOPICS = ['filed', 'updated', 'severity_changed', 'status_changed', 'commented', 'assigned', 'shared', 'tlp_changed', 'les_changed', 'escalated', 'acknowledged'];

/**
 * The outbox topics saved alert subscriptions are matched against (subscriptions.jobs.ts onEvent): every
 * incident event, indicators reported and sighted. Merged with the other modules' in src/worker/handlers.ts.
 */
/** The topics subscriptionsTopicHandlers hands to the matcher (an alert waits only for earlier events of these). */
export const MATCHED_TOPICS: readonly string[] = [...INCIDENT_TOPICS.map((t) => `incident.${t}`), 'indicator.reported', 'indicator.sighted'];

export function subscriptionsTopicHandlers(deps: { subscriptionJobs: SubscriptionJobs }): EventHandlers {
  const match = async (e: DomainEvent) => deps.subscriptionJobs.onEvent(e);
  const handlers: Record<string, EventHandler[]> = {};
  for (const t of INCIDENT_TOPICS) handlers[`incident.${t}`] = [match];
  handlers['indicator.reported'] = [match];
  handlers['indicator.sighted'] = [match];
  return handlers;
}
