import { createHash, createHmac } from 'node:crypto';

/**
 * The audit log's hash chain: each entry's hash covers its own content and the previous entry's hash,
 * so rewriting or removing any entry breaks every hash after it.
 *
 * Scheme 1 (entries written before the keyed chain) is plain SHA-256: whoever can write the table can
 * recompute it, so it only shows accidents. Scheme 2 is HMAC-SHA256 with the audit key, which is kept
 * outside PostgreSQL (audit.key.ts): a rewrite re-hashed without the key does not verify. Removing the
 * newest entries leaves a valid chain; the signed checkpoints (audit.checkpoints.ts) catch that.
 */

export const CURRENT_SCHEME = 2;

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedContent {
  seq: number;
  at: Date;
  actorUserId: string | null;
  actorEmail: string | null;
  actorOrganizationId: string | null;
  actorOrganizationSlug: string | null;
  tokenPrefix: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  change: unknown;
  requestId: string | null;
  clientAddress: string | null;
}

/** Scheme 1: kept only to verify the entries written with it. */
export function entryHash(prevHash: string, e: ChainedContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(entryBody(e)).digest('hex');
}

/** Scheme 2: the chain keyed with the audit key. */
export function entryMac(key: Buffer, prevHash: string, e: ChainedContent): string {
  return createHmac('sha256', key).update('estf-audit-v2\n').update(prevHash).update('\n').update(entryBody(e)).digest('hex');
}

function entryBody(e: ChainedContent): string {
  return canonicalJson([
    e.seq,
    e.at.toISOString(),
    e.actorUserId,
    e.actorEmail,
    e.actorOrganizationId,
    e.actorOrganizationSlug,
    e.tokenPrefix,
    e.action,
    e.objectType,
    e.objectId,
    e.change ?? null,
    e.requestId,
    e.clientAddress,
  ]);
}

/** JSON with object keys sorted: jsonb reorders keys, so the hash must not depend on their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}
