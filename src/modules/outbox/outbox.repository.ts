import type { Selectable } from 'kysely';
import type { OutboxTable } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import { appendLockKeyTakenBy, holdsLogAppendLock, type AuditStatementPart } from '../audit/index.js';
import { hot, hotText, type HotText } from '../../infra/hot-sql.js';

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
  return (await addOutboxEvents(trx, [{ topic, aggregate, payload }]))[0]!;
}

/**
 * Several events in one statement, in the order given (ids ascending), under the same lock as
 * addOutboxEvent: a batch of timer fires records one `page.sent` per escalation it paged. The lock is taken
 * by the inserting statement itself, before any id is drawn (the rows are selected from the lock's CTE);
 * taking it again in a transaction that holds it changes nothing.
 */
export async function addOutboxEvents(trx: Handle, events: readonly OutboxEventInput[]): Promise<number[]> {
  if (events.length === 0) return [];
  // `hot` (infra/hot-sql.ts): every event of the hub is written here. The events go as one JSON value.
  const { rows } = await hot<{ id: number }>`
    with append_lock as materialized (select pg_advisory_xact_lock(${appendLockKeyTakenBy(trx)}))
    insert into outbox (topic, aggregate_type, aggregate_id, payload)
    select e.el->>'topic', e.el->>'aggregate_type', e.el->>'aggregate_id', e.el->'payload'
      from append_lock cross join jsonb_array_elements(${eventsJson(events)}::jsonb) with ordinality as e (el, n) order by e.n
    returning id`.execute(trx);
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export type OutboxEventInput = { topic: string; aggregate: { type: string; id: string }; payload?: Record<string, unknown> };

const eventsJson = (events: readonly OutboxEventInput[]) =>
  JSON.stringify(events.map((e) => ({ topic: e.topic, aggregate_type: e.aggregate.type, aggregate_id: e.aggregate.id, payload: e.payload ?? {} })));

const EVENTS_PART_BEFORE = hotText(`outbox_events as (
      insert into outbox (topic, aggregate_type, aggregate_id, payload)
      select e.el->>'topic', e.el->>'aggregate_type', e.el->>'aggregate_id', e.el->'payload' from jsonb_array_elements(`);
const EVENTS_PART_AFTER = hotText(`::jsonb) with ordinality as e (el, n) order by e.n
      returning id)`);

/**
 * The events as a CTE (`outbox_events`) of the audit entry's statement of the same change (recordAudit's
 * `also`): one round trip for both, under the append lock the audit entry holds.
 */
export function outboxEventsPart(trx: Handle, events: readonly OutboxEventInput[]): AuditStatementPart | undefined {
  if (events.length === 0) return undefined;
  if (!holdsLogAppendLock(trx)) throw new Error('outboxEventsPart: the transaction must hold the log append lock');
  return { before: EVENTS_PART_BEFORE, value: eventsJson(events), after: EVENTS_PART_AFTER };
}

/**
 * Work of another module done by the claiming statement itself (the relay's settling, outbox.jobs.ts):
 * fixed SQL text of CTEs that read the ids to work on from the CTE `settle_ids`, and of an expression the
 * statement answers with every row.
 */
export type ClaimParts = { ctes: HotText; answer: HotText };

/**
 * Takes the relay lock (`lockKey`), claims up to `limit` unpublished rows and marks them published, in one
 * statement (the relay's one round trip per batch instead of a lock, a select and an update): the rows stay
 * locked, and unpublished to everyone else, until the caller's transaction commits, so a relay whose queue
 * add fails rolls the mark back with it. Concurrent relays skip each other's rows. Returned in id order.
 *
 * The lock is taken inside the statement, after its snapshot: a relay that waited for another reads the
 * rows as they were before that one committed. That loses nothing and keeps the order: a row the other
 * relay marked is re-read by the row lock (READ COMMITTED re-checks `published_at is null` on the newest
 * version and skips it), and ids become visible in increasing order (addOutboxEvent), so the rows this
 * snapshot sees unpublished are the next ones after the other relay's; later ones wait for the next wake-up.
 * No unpublished row seen: the lock is never taken.
 *
 * With `also` (rows of `also.topics` only, as `settle_ids`), the same statement does that work too and
 * each row carries its answer (`also`).
 */
export async function claimAndMarkPublished(
  trx: Handle,
  limit: number,
  lockKey: number,
  also?: { topics: readonly string[]; parts: ClaimParts },
): Promise<Array<OutboxRow & { also?: unknown }>> {
  // `hot` (infra/hot-sql.ts): every relayed batch runs this.
  const { rows } = also
    ? await hot<OutboxRow & { also?: unknown }>`
    with relay_lock as materialized (select pg_advisory_xact_lock(${lockKey})),
    claimed as (
      update outbox set published_at = now()
      where id in (select o.id from outbox o cross join relay_lock where o.published_at is null order by o.id limit ${limit} for update of o skip locked)
      returning *),
    settle_ids as (select id from claimed where topic = any(${[...also.topics]}::text[])),
    ${also.parts.ctes}
    select claimed.*, ${also.parts.answer} as also from claimed`.execute(trx)
    : await hot<OutboxRow>`
    with relay_lock as materialized (select pg_advisory_xact_lock(${lockKey})),
    claimed as (
      update outbox set published_at = now()
      where id in (select o.id from outbox o cross join relay_lock where o.published_at is null order by o.id limit ${limit} for update of o skip locked)
      returning *)
    select claimed.* from claimed`.execute(trx);
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
