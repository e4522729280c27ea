import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain: each entry's hash covers its own content and the previous entry's hash,
 * so rewriting or removing any entry breaks every hash after it.
 */

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

export function entryHash(prevHash: string, e: ChainedContent): string {
  const body = canonicalJson([
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
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
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
