/**
 * The notifications module's front door: the webhook address guard, and the senders' types. createSenders
 * (nodemailer, standardwebhooks) stays behind senders.ts for the composition root, so that a module
 * importing this door (on-call checks webhook addresses) does not load the mail stack into every CLI command.
 */

export type { SendOutcome, Senders } from './senders.js';
export { addressInNetwork, isLocalhostName, nonPublicAddress, parseWebhookAllowList, type WebhookAllowList } from './webhook-guard.js';
