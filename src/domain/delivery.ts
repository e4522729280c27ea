/**
 * The states and kinds of paging and alert delivery, as the migrations' CHECK constraints allow them: the
 * table types (src/infra/db-types.ts) type their columns with these, so a row read is already the union.
 */

/** Where a page goes (contact_methods.kind, notifications.channel). */
export const CONTACT_METHOD_KINDS = ['EMAIL', 'WEBHOOK', 'SMS'] as const;
export type ContactMethodKind = (typeof CONTACT_METHOD_KINDS)[number];

export const ESCALATION_STATES = ['ACTIVE', 'ACKNOWLEDGED', 'RESOLVED', 'EXHAUSTED'] as const;
export type EscalationState = (typeof ESCALATION_STATES)[number];

/** A page asks for an acknowledgement; a notice only informs. */
export const NOTIFICATION_KINDS = ['PAGE', 'NOTIFY'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The status of one message, a page or an alert delivery alike (notifications.status, alert_deliveries.status). */
export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED', 'CANCELLED', 'SUPPRESSED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The outcome of one attempt (delivery_attempts.outcome, alert_delivery_attempts.outcome). */
export const DELIVERY_OUTCOMES = ['DELIVERED', 'HTTP_ERROR', 'TIMEOUT', 'NETWORK_ERROR', 'REFUSED', 'GONE'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const ALERT_CHANNELS = ['WEBHOOK', 'EMAIL'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export const ALERT_MODES = ['IMMEDIATE', 'HOURLY_DIGEST', 'DAILY_DIGEST'] as const;
export type AlertMode = (typeof ALERT_MODES)[number];

/** One event, or a digest of many. */
export const ALERT_DELIVERY_KINDS = ['EVENT', 'DIGEST'] as const;
export type AlertDeliveryKind = (typeof ALERT_DELIVERY_KINDS)[number];
