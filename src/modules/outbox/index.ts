/**
 * The outbox module's front door: a domain change adds its event inside its own transaction. The relay
 * and the events worker (outbox.jobs.ts) are started by the worker runtime; only their types are
 * re-exported here, so that a service importing this door does not load BullMQ.
 */

export { addOutboxEvent, addOutboxEvents, outboxEventsPart, type OutboxEventInput } from './outbox.repository.js';
export type { DomainEvent, EventHandler, EventHandlers } from './outbox.jobs.js';
