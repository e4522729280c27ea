import type { DomainEvent, EventHandlers } from '../outbox/index.js';
import type { SessionsService } from './sessions.service.js';

/**
 * The outbox topics the sessions module acts on: a deactivated user's console sessions are revoked (they
 * already end at the next request; revoked, a reactivation does not bring them back). Merged with the other
 * modules' in src/worker/handlers.ts.
 */
export function sessionsTopicHandlers(deps: { services: { sessions: SessionsService } }): EventHandlers {
  const end = async (e: DomainEvent) => {
    const userId = typeof e.payload.userId === 'string' ? e.payload.userId : e.aggregateId;
    const at = typeof e.payload.deactivatedAt === 'string' ? new Date(e.payload.deactivatedAt) : null;
    await deps.services.sessions.endSessionsOfDeactivatedUser(userId, at && !Number.isNaN(at.getTime()) ? at : null);
  };
  return { 'access.user_deactivated': [end] };
}
