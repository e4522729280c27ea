/**
 * The escalations module's front door: routing rules, escalations and their pages as the API shows
 * them, and what routing would reach. escalations.repository.ts is private to the module.
 */

export { createEscalationsService, type EscalationsService } from './escalations.service.js';
export type { EscalationEngine } from './escalations.engine.js';
export { seedRoutingRules } from './escalations.seed.js';
export { suppressedRoutingTargets, type SuppressedTarget } from './suppressed.js';
export type { EscalationPolicy, Target } from './policy.js';
export type { DeliveryAttemptRow, EscalationRow, NotificationRow, RoutingRuleRow } from './escalations.repository.js';
/** A per-hub secret kept in the database (generated once): the ack links' key. */
export { hubSecret } from './escalations.repository.js';
