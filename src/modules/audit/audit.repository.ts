import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { AuditLogTable, Database } from '../../infra/db-types.js';
import { hot, hotText, type HotText } from '../../infra/hot-sql.js';
import { CURRENT_SCHEME, entryHash, entryMac, GENESIS_HASH, type ChainedContent } from './audit.chain.js';
import type { Checkpoint } from './audit.checkpoints.js';
import { auditKey } from './audit.key.js';

export type AuditRow = Selectable<AuditLogTable>;
type Handle = Kysely<Database>;

// Serialises appends: entries form one chain in one order even under concurrent writers. The outbox
// takes the same lock (outbox.repository.ts): one lock, so no two writers can take them in opposite orders.
export const AUDIT_APPEND_LOCK_KEY = 7_364_002;

export type NewAuditEntry = Omit<ChainedContent, 'seq' | 'at'>;

// Transactions that hold the lock already: taking it again is a round trip that changes nothing.
const holdingAppendLock = new WeakSet<object>();

/** Takes the log append lock (held to the end of the transaction), once per transaction. */
export async function takeLogAppendLock(trx: Handle): Promise<void> {
  if (holdingAppendLock.has(trx)) return;
  await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY})`.execute(trx);
  // Outside a transaction the lock ends with the statement: nothing to remember.
  if (trx.isTransaction) holdingAppendLock.add(trx);
}

/**
 * The log append lock as a CTE of the caller's next statement (`with ${appendLockCte(trx)} insert …
 * select … from append_lock …`), so that a writer that needs the lock only from that statement on (an
 * outbox insert) does not spend a round trip on taking it: a one-row CTE named `append_lock` that takes
 * the lock when first read, unless this transaction holds it already. The statement must read the CTE
 * before it writes anything that needs the lock (an outbox id): select its rows from it.
 * Only for a statement that reads nothing under the lock: its snapshot is taken before the lock is.
 */
export function appendLockCte(trx: Handle): RawBuilder<unknown> {
  if (holdingAppendLock.has(trx)) return sql`append_lock as materialized (select 1)`;
  if (trx.isTransaction) holdingAppendLock.add(trx);
  return sql`append_lock as materialized (select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY}))`;
}

/**
 * The chain's head as this process last appended or read it: a guess, never trusted. An append checks it
 * against the log in its inserting statement (under the append lock, so the log cannot move meanwhile) and
 * inserts only if it is still the head; otherwise the same statement answers the real head and the entry
 * is hashed again and inserted. One round trip per entry while this process is the only writer, two when
 * another wrote since (as before the guess). A transaction that rolled back leaves a guess the log lacks:
 * the check fails and the real head is used.
 */
let headGuess: { seq: number; hash: string } | null = null;

/**
 * The append lock's key, for a statement of `trx` that takes the lock itself (`pg_advisory_xact_lock(key)`
 * read before anything that needs it, as appendLockCte says): the transaction counts as holding it from then on.
 */
export function appendLockKeyTakenBy(trx: Handle): number {
  if (trx.isTransaction) holdingAppendLock.add(trx);
  return AUDIT_APPEND_LOCK_KEY;
}

/** Whether this transaction holds the log append lock (a statement that needs it held may rely on it). */
export function holdsLogAppendLock(trx: Handle): boolean {
  return holdingAppendLock.has(trx);
}

/**
 * Work written by the statement of an audit entry, under the append lock: fixed SQL text for a CTE (from
 * the code, never from a request) around its one value. The change's outbox events (outboxEventsPart).
 */
export interface AuditStatementPart {
  before: HotText;
  value: unknown;
  after: HotText;
}

/**
 * Appends one entry to the chain. Call inside the transaction that makes the change. `also`: a CTE the
 * appending statement runs too, under the append lock (the change's outbox events): one round trip for both.
 */
export async function appendAuditEntry(trx: Handle, entry: NewAuditEntry, also?: () => AuditStatementPart | undefined): Promise<AuditRow> {
  await takeLogAppendLock(trx);
  // Made once the lock is held; runs with the first statement below, whichever it is, and only with it.
  const part = also?.();
  // Normalise through JSON so the stored jsonb and the hashed value are the same data.
  const change = entry.change === undefined || entry.change === null ? null : JSON.parse(JSON.stringify(entry.change));
  const changeJson = change === null ? null : JSON.stringify(change);
  // Millisecond precision so that the stored time reads back exactly as hashed.
  const at = new Date(Math.floor(Date.now()));
  const chained = (prev: { seq: number; hash: string } | undefined) => {
    const seq = (prev?.seq ?? 0) + 1;
    const prevHash = prev?.hash ?? GENESIS_HASH;
    return { seq, prevHash, hash: entryMac(auditKey(), prevHash, { ...entry, change, seq, at }) };
  };
  const e = entry;
  let head: { seq: number; hash: string } | undefined;
  const guess = headGuess;
  if (guess) {
    // Inserted only if the guessed head is the log's head (read under the lock taken above); the answer
    // carries the head either way. `hot` (infra/hot-sql.ts): every audited change runs this, and building
    // it at each call cost more CPU than its round trip.
    const c = chained(guess);
    const { rows } = part
      ? await hot<AuditRow & { head_seq: number; head_hash: string }>`
      with head as (select seq, hash from audit_log order by seq desc limit 1), ${part.before}${part.value}${part.after},
      appended as (
        insert into audit_log (${AUDIT_COLUMNS})
        select ${c.seq}, ${at}, ${e.actorUserId}, ${e.actorEmail}, ${e.actorOrganizationId}, ${e.actorOrganizationSlug}, ${e.tokenPrefix}, ${e.action},
               ${e.objectType}, ${e.objectId}, ${changeJson}, ${e.requestId}, ${e.clientAddress}, ${c.prevHash}, ${c.hash}, ${CURRENT_SCHEME}
          from head where head.seq = ${guess.seq} and head.hash = ${guess.hash}
        returning *)
      select appended.*, head.seq as head_seq, head.hash as head_hash from head left join appended on true`.execute(trx)
      : await hot<AuditRow & { head_seq: number; head_hash: string }>`
      with head as (select seq, hash from audit_log order by seq desc limit 1),
      appended as (
        insert into audit_log (${AUDIT_COLUMNS})
        select ${c.seq}, ${at}, ${e.actorUserId}, ${e.actorEmail}, ${e.actorOrganizationId}, ${e.actorOrganizationSlug}, ${e.tokenPrefix}, ${e.action},
               ${e.objectType}, ${e.objectId}, ${changeJson}, ${e.requestId}, ${e.clientAddress}, ${c.prevHash}, ${c.hash}, ${CURRENT_SCHEME}
          from head where head.seq = ${guess.seq} and head.hash = ${guess.hash}
        returning *)
      select appended.*, head.seq as head_seq, head.hash as head_hash from head left join appended on true`.execute(trx);
    const r = rows[0];
    if (r && r.seq !== null) {
      headGuess = { seq: c.seq, hash: c.hash };
      const { head_seq: _s, head_hash: _h, ...row } = r;
      return row;
    }
    head = r ? { seq: r.head_seq, hash: r.head_hash } : undefined;
  } else {
    // The first append of this process (or after a failed one): the head is read first.
    head = part
      ? (await hot<{ seq: number; hash: string }>`with head as (select seq, hash from audit_log order by seq desc limit 1), ${part.before}${part.value}${part.after} select seq, hash from head`.execute(trx)).rows[0]
      : (await sql<{ seq: number; hash: string }>`select seq, hash from audit_log order by seq desc limit 1`.execute(trx)).rows[0];
  }
  const c = chained(head);
  const { rows } = await hot<AuditRow>`
    insert into audit_log (${AUDIT_COLUMNS})
    values (${c.seq}, ${at}, ${e.actorUserId}, ${e.actorEmail}, ${e.actorOrganizationId}, ${e.actorOrganizationSlug}, ${e.tokenPrefix}, ${e.action},
            ${e.objectType}, ${e.objectId}, ${changeJson}, ${e.requestId}, ${e.clientAddress}, ${c.prevHash}, ${c.hash}, ${CURRENT_SCHEME})
    returning *`.execute(trx);
  headGuess = { seq: c.seq, hash: c.hash };
  return rows[0]!;
}

const AUDIT_COLUMNS = hotText(
  'seq, at, actor_user_id, actor_email, actor_organization_id, actor_organization_slug, token_prefix, action, object_type, object_id, change, request_id, client_address, prev_hash, hash, scheme',
);

export function rowToChained(r: AuditRow): ChainedContent {
  return {
    seq: r.seq,
    at: r.at,
    actorUserId: r.actor_user_id,
    actorEmail: r.actor_email,
    actorOrganizationId: r.actor_organization_id,
    actorOrganizationSlug: r.actor_organization_slug,
    tokenPrefix: r.token_prefix,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    change: r.change,
    requestId: r.request_id,
    clientAddress: r.client_address,
  };
}

export interface AuditFilter {
  actions?: readonly string[] | null;
  objectType?: string | null;
  objectId?: string | null;
  actorEmail?: string | null;
  /** By the acting user's id (indexed): for limits counted from the log. */
  actorUserId?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/** Newest first, keyset-paginated on seq. */
export async function listAuditEntries(db: Handle, filter: AuditFilter, limit: number, beforeSeq: number | null): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (filter.actions?.length) q = q.where('action', 'in', [...filter.actions]);
  if (filter.objectType) q = q.where('object_type', '=', filter.objectType);
  if (filter.objectId) q = q.where('object_id', '=', filter.objectId);
  if (filter.actorEmail) q = q.where('actor_email', '=', filter.actorEmail.toLowerCase());
  if (filter.since) q = q.where('at', '>=', filter.since);
  if (filter.until) q = q.where('at', '<', filter.until);
  if (beforeSeq !== null) q = q.where('seq', '<', beforeSeq);
  return q.orderBy('seq', 'desc').limit(limit).execute();
}

export async function countAuditEntries(db: Handle, filter: AuditFilter): Promise<number> {
  let q = db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n'));
  if (filter.actions?.length) q = q.where('action', 'in', [...filter.actions]);
  if (filter.objectType) q = q.where('object_type', '=', filter.objectType);
  if (filter.objectId) q = q.where('object_id', '=', filter.objectId);
  if (filter.actorEmail) q = q.where('actor_email', '=', filter.actorEmail.toLowerCase());
  if (filter.actorUserId) q = q.where('actor_user_id', '=', filter.actorUserId);
  if (filter.since) q = q.where('at', '>=', filter.since);
  if (filter.until) q = q.where('at', '<', filter.until);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

export type VerifyResult =
  | { ok: true; entries: number; checkpoints: number; head: string }
  | { ok: false; entries: number; brokenSeq: number; reason: string };

/**
 * Walks the whole chain in seq order, in pages, in constant memory: scheme-1 entries by their SHA-256,
 * keyed entries by their HMAC (key: the process's audit key), and the head hash each checkpoint
 * recorded at its seq. A checkpoint beyond the last entry means entries were removed from the end.
 */
export async function verifyAuditChain(
  db: Handle,
  // start: a head already verified (entries up to start.seq are taken as read), for incremental checks.
  opts: { key?: Buffer; checkpoints?: readonly Checkpoint[]; pageSize?: number; start?: { seq: number; head: string } } = {},
): Promise<VerifyResult> {
  const key = opts.key ?? auditKey();
  const pageSize = opts.pageSize ?? 5_000;
  const anchors = new Map<number, Checkpoint>();
  for (const c of opts.checkpoints ?? []) if (c.seq > 0) anchors.set(c.seq, c);
  let prevHash = opts.start?.seq ? opts.start.head : GENESIS_HASH;
  let expectedSeq = (opts.start?.seq ?? 0) + 1;
  let count = expectedSeq - 1;
  // After a verified head, every entry was appended by this version of the hub: keyed.
  let keyed = opts.start !== undefined;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(pageSize).execute();
    for (const r of rows) {
      if (r.seq !== expectedSeq) return { ok: false, entries: count, brokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing` };
      if (r.prev_hash !== prevHash) return { ok: false, entries: count, brokenSeq: r.seq, reason: 'prev_hash does not match the previous entry' };
      // Downgrading a keyed entry to the unkeyed scheme would let it be re-hashed without the key.
      if (r.scheme === 1 && keyed) return { ok: false, entries: count, brokenSeq: r.seq, reason: 'an unkeyed (scheme 1) entry follows keyed ones' };
      if (r.scheme !== 1 && r.scheme !== 2) return { ok: false, entries: count, brokenSeq: r.seq, reason: `unknown scheme ${r.scheme}` };
      keyed ||= r.scheme === 2;
      const h = r.scheme === 1 ? entryHash(prevHash, rowToChained(r)) : entryMac(key, prevHash, rowToChained(r));
      if (h !== r.hash) return { ok: false, entries: count, brokenSeq: r.seq, reason: 'content does not match its hash' };
      const anchor = anchors.get(r.seq);
      if (anchor && anchor.head !== r.hash) {
        return { ok: false, entries: count, brokenSeq: r.seq, reason: `the chain differs from the checkpoint of ${anchor.at} at this entry` };
      }
      prevHash = r.hash;
      expectedSeq++;
      count++;
    }
    if (rows.length < pageSize) break;
  }
  const newest = [...anchors.values()].reduce<Checkpoint | null>((a, c) => (a === null || c.seq > a.seq ? c : a), null);
  if (newest && newest.seq > count) {
    return {
      ok: false,
      entries: count,
      brokenSeq: count + 1,
      reason: `the checkpoint of ${newest.at} recorded ${newest.seq} entries: entries ${count + 1} to ${newest.seq} were removed`,
    };
  }
  return { ok: true, entries: count, checkpoints: anchors.size, head: count === 0 ? '' : prevHash };
}
