import type { Config } from '../../config.js';
import type { Senders, SendOutcome } from './senders.js';

/**
 * What leaves the hub, once a kind of delivery (a page, an alert) has built it: one message on one
 * channel. The pipeline sends it through the senders and counts it against its endpoint.
 */
export type Outgoing =
  | { channel: 'EMAIL'; to: string; subject: string; text: string }
  | { channel: 'SMS'; to: string; text: string }
  /** `url` null: a subscription without a webhook URL (refused, nothing is sent). */
  | { channel: 'WEBHOOK'; url: string | null; secret: string; payload: Record<string, unknown> };

/** The endpoint a message goes to (a webhook's origin, the SMS gateway, the SMTP server): what a share of sends is counted by. */
export function endpointOf(config: Config, o: Outgoing): string {
  if (o.channel === 'WEBHOOK') {
    try {
      return new URL(o.url ?? '').origin;
    } catch {
      return 'webhook:invalid';
    }
  }
  if (o.channel === 'SMS') return config.delivery.smsGatewayUrl ? 'sms-gateway' : 'sms-files';
  return config.delivery.smtpUrl ? 'smtp' : 'mail-files';
}

/** One send of one message; `messageId` names it to the receiver (the same on every attempt). */
export function dispatch(senders: Senders, o: Outgoing, messageId: string): Promise<SendOutcome> {
  if (o.channel === 'EMAIL') return senders.email(o.to, o.subject, o.text, messageId);
  if (o.channel === 'SMS') return senders.sms(o.to, o.text, messageId);
  // The sender checks the address it connects to (a refused target comes back as REFUSED).
  if (o.url === null) return Promise.resolve({ outcome: 'REFUSED', httpStatus: null, error: 'no webhook URL', latencyMs: 0 });
  return senders.webhook(o.url, o.secret, messageId, o.payload);
}
