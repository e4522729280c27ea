/**
 * The notifications module's front door: the webhook address guard, and the senders' types. createSenders
 * (nodemailer, standardwebhooks) stays behind senders.ts for the composition root, so that a module
 * importing this door (on-call checks webhook addresses) does not load the mail stack into every CLI command.
 */

export type { SendOutcome, Senders } from './senders.js';
export { addressInNetwork, isLocalhostName, nonPublicAddress, nonPublicHost, parseWebhookAllowList, refusedWebhookHost, type WebhookAllowList } from './webhook-guard.js';

// The one delivery pipeline (pipeline.ts): escalation pages and alert deliveries are kinds plugged into it.
export { heldJobReplacer, LEASED_ROW, type LeasedRow, type AttemptRecord, type DeliveryExpectation, type DeliveryKind, type DeliveryPipeline, type DeliveryStore, type KindDelivery, type RowPatch } from './pipeline.js';
export type { Outgoing } from './channels.js';
// What a message says: the same words for every channel (what leaves the hub, access-policy.md).
export { consoleIncidentUrl, EXERCISE_BANNER, MESSAGE_TEXT_LIMITS, mayCarryContent, smsOf, subjectOf, textOf, webhookPayloadOf, type MessageContext, type MessageIncident } from './messages.js';
