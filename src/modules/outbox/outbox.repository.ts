import { sql, type Selectable } from 'kysely';
import type { OutboxTable } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import { takeLogAppendLock } from '../audit/index.js';

export type OutboxRow = Selectable<OutboxTable>;

/**
 * Records an event in the caller's transaction: it is relayed to the queues only if the change commits.
 * Payloads carry ids, never incident content: Redis is not where sensitive data lives.
 *
 * The outbox is also the hub's ordered event log (`events(after:)`, live subscriptions): its id is the
 * cursor. Ids come from a sequence at insert time, so without more, a transaction holding id 10 could
 * commit after one holding id 11, and a reader that saw 11 would skip 10 for good. Holding the log
 * append lock from the insert to the commit makes ids become visible in increasing order: every reader
 * that sees id N already sees every committed id below it. It is the audit log's lock, which every
 * audited change holds already (so it costs those nothing), and one lock cannot deadlock with itself.
 * Write outbox rows only through this function.
 */
export async function addOutboxEvent(
  trx: Handle,
  topic: string,
  aggregate: { type: string; id: string },
  payload: Record<string, unknown> = {},
): Promise<number> {
  await takeLogAppendLock(trx);
  const row = await trx
    .insertInto('outbox')
    .values({ topic, aggregate_type: aggregate.type, aggregate_id: aggregate.id, payload: JSON.stringify(payload) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Several events in one statement, in the order given (ids ascending), under the same lock as
 * addOutboxEvent: a batch of timer fires records one `page.sent` per escalation it paged.
 */
export async function addOutboxEvents(
  trx: Handle,
  events: ReadonlyArray<{ topic: string; aggregate: { type: string; id: string }; payload?: Record<string, unknown> }>,
): Promise<number[]> {
  if (events.length === 0) return [];
  await takeLogAppendLock(trx);
  const rows = await trx
    .insertInto('outbox')
    .values(events.map((e) => ({ topic: e.topic, aggregate_type: e.aggregate.type, aggregate_id: e.aggregate.id, payload: JSON.stringify(e.payload ?? {}) })))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
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
