import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Handle } from '../../infra/handle.js';
import { findPageByAckTokenHash, hubSecret } from './escalations.repository.js';

/**
 * Acknowledgement links: each page carries a link whose token is derived from a hub key, so that any
 * process can rebuild it; only its hash is stored (notifications.ack_token_hash), with its expiry.
 */

export const ACK_LINK_LIFETIME_MS = 24 * 3_600_000;

export type AckLinks = ReturnType<typeof createAckLinks>;

/** The hash stored for a token: what a link is looked up by. */
export function hashAckToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The link token of a page, under the hub's acknowledgement-link key. */
export function ackTokenFor(key: string, notificationId: string): string {
  return createHmac('sha256', key).update(`ack:${notificationId}`).digest('base64url');
}

/**
 * The page behind a link, for the confirmation page: null when the token is malformed or unknown, or
 * the link is used or expired. Whether its recipient may still see the incident is the caller's check.
 */
export async function findPageByAckToken(h: Handle, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const n = await findPageByAckTokenHash(h, hashAckToken(token));
  if (!n || n.ack_used_at || !n.ack_expires_at || n.ack_expires_at < new Date()) return null;
  return n;
}

export function createAckLinks(deps: { db: Handle }) {
  let ackKey: string | null = null;
  /**
   * The acknowledgement-link key, read through the caller's handle: fire and deliver already hold a
   * connection, and asking the pool for a second one deadlocks when a burst of them holds the whole pool
   * (each waits for a connection only the others can free). Cached once read; a failure is not cached.
   */
  const ackSecret = async (h: Handle) => (ackKey ??= await hubSecret(h, 'ack-link-key', () => randomBytes(32).toString('base64url')));

  /** The link token of a page: derived from a hub key, so any process can rebuild it; only its hash is stored. */
  async function ackTokenOf(notificationId: string, h: Handle = deps.db): Promise<string> {
    return ackTokenFor(await ackSecret(h), notificationId);
  }

  /** What a new page row stores of its link: the token's hash and its expiry. */
  async function ackColumnsOf(notificationId: string, h: Handle, now: Date): Promise<{ ack_token_hash: Buffer; ack_expires_at: Date }> {
    return { ack_token_hash: hashAckToken(await ackTokenOf(notificationId, h)), ack_expires_at: new Date(now.getTime() + ACK_LINK_LIFETIME_MS) };
  }

  return { ackTokenOf, ackColumnsOf };
}
