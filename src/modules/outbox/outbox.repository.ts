import { sql, type Selectable } from 'kysely';
import type { OutboxTable } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';

export type OutboxRow = Selectable<OutboxTable>;

/**
 * Records an event in the caller's transaction: it is relayed to the queues only if the change commits.
 * Payloads carry ids, never incident content: Redis is not where sensitive data lives.
 */
export async function addOutboxEvent(
  trx: Handle,
  topic: string,
  aggregate: { type: string; id: string },
  payload: Record<string, unknown> = {},
): Promise<number> {
  const row = await trx
    .insertInto('outbox')
    .values({ topic, aggregate_type: aggregate.type, aggregate_id: aggregate.id, payload: JSON.stringify(payload) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Locks up to `limit` unpublished rows; concurrent relays skip each other's rows. */
export function claimUnpublished(trx: Handle, limit: number): Promise<OutboxRow[]> {
  return trx
    .selectFrom('outbox')
    .selectAll()
    .where('published_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markPublished(trx: Handle, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.updateTable('outbox').set({ published_at: sql`now()` }).where('id', 'in', [...ids]).execute();
}

export async function countUnpublished(db: Handle): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
