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
  return eventHandlersWithMatcher(deps).handlers;
}

/**
 * The handlers, and the topics the alert matcher alone handles (incident.escalated, incident.commented, …):
 * those the relay may settle in its own transaction when no immediate subscription exists
 * (subscriptionJobs.settleInRelay), instead of a job per event that would only mark it matched; and the
 * topics it handles with others, whose job the relay marks matched then, instead of a statement per event.
 */
export function eventHandlersWithMatcher(deps: Pick<HubDeps, 'engine' | 'subscriptionJobs' | 'services'>): {
  handlers: EventHandlers;
  matcherOnly: ReadonlySet<string>;
  /** Topics the matcher handles with other handlers (incident.filed: the router too). */
  matcherShared: ReadonlySet<string>;
} {
  const matcher = subscriptionsTopicHandlers(deps);
  const handlers = mergeEventHandlers([
    escalationsTopicHandlers(deps),
    matcher,
    sessionsTopicHandlers(deps),
    publicReportsTopicHandlers({ claims: deps.services.claims, rumor: deps.services.rumor }),
  ]);
  const matcherOnly = new Set(Object.entries(handlers).filter(([topic, hs]) => hs.length === 1 && hs[0] === matcher[topic]?.[0]).map(([topic]) => topic));
  const matcherShared = new Set(Object.entries(handlers).filter(([topic, hs]) => hs.length > 1 && matcher[topic] !== undefined && hs.includes(matcher[topic]![0]!)).map(([topic]) => topic));
  return { handlers, matcherOnly, matcherShared };
}

export function mergeEventHandlers(maps: readonly EventHandlers[]): EventHandlers {
  const merged: Record<string, EventHandler[]> = {};
  for (const map of maps) for (const [topic, handlers] of Object.entries(map)) (merged[topic] ??= []).push(...handlers);
  return merged;
}
