import type { HubDeps } from '../deps.js';
import type { EventHandler, EventHandlers } from '../modules/outbox/outbox.jobs.js';
import { escalationsTopicHandlers } from '../modules/escalations/escalations.topics.js';
import { subscriptionsTopicHandlers } from '../modules/subscriptions/subscriptions.topics.js';
import { sessionsTopicHandlers } from '../modules/sessions/sessions.topics.js';
import { publicReportsTopicHandlers } from '../modules/publicreports/publicreports.topics.js';

/**
 * Every module's outbox topic handlers, merged the way src/graphql/resolvers.ts merges resolvers: each
 * module exports one map of topic → handlers; adding a module is one entry below. Handlers of one topic run
 * in this order (routing first: a page must not wait for alert matching).
 */
export function eventHandlers(deps: Pick<HubDeps, 'engine' | 'subscriptionJobs' | 'services'>): EventHandlers {
  return mergeEventHandlers([
    escalationsTopicHandlers(deps),
    subscriptionsTopicHandlers(deps),
    sessionsTopicHandlers(deps),
    publicReportsTopicHandlers({ claims: deps.services.claims, rumor: deps.services.rumor }),
  ]);
}

export function mergeEventHandlers(maps: readonly EventHandlers[]): EventHandlers {
  const merged: Record<string, EventHandler[]> = {};
  for (const map of maps) for (const [topic, handlers] of Object.entries(map)) (merged[topic] ??= []).push(...handlers);
  return merged;
}
