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
  // SQL text, not built: every event of the hub is written here.
  const { rows } = await sql<{ id: number }>`
    insert into outbox (topic, aggregate_type, aggregate_id, payload) values (${topic}, ${aggregate.type}, ${aggregate.id}, ${JSON.stringify(payload)})
    returning id`.execute(trx);
  return rows[0]!.id;
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

/**
 * Claims up to `limit` unpublished rows and marks them published, in one statement (the relay's one round
 * trip per batch instead of a select and an update): the rows stay locked, and unpublished to everyone else,
 * until the caller's transaction commits, so a relay whose queue add fails rolls the mark back with it.
 * Concurrent relays skip each other's rows. Returned in id order.
 */
export async function claimAndMarkPublished(trx: Handle, limit: number): Promise<OutboxRow[]> {
  const { rows } = await sql<OutboxRow>`
    update outbox set published_at = now()
    where id in (select id from outbox where published_at is null order by id limit ${limit} for update skip locked)
    returning *`.execute(trx);
  return rows.sort((a, b) => a.id - b.id);
}

export async function countUnpublished(db: Handle): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
