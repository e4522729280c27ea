import os from 'node:os';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { createLogThrottle, type Logger } from '../../infra/logger.js';
import { UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { dispatch, endpointOf, type Outgoing } from './channels.js';
import type { Senders, SendOutcome } from './senders.js';

/**
 * The one delivery pipeline: every message the hub sends to a person or a receiver (escalation pages
 * and notices, alert-subscription alerts and digests) is a row in PostgreSQL that this pipeline claims,
 * sends and records. PostgreSQL holds every decision (status, attempts, due time); Redis holds only jobs
 * that point at rows, so the reconciler can rebuild everything Redis lost. Jobs carry ids, never content.
 *
 * A kind of delivery (escalations/page-delivery.ts, subscriptions/subscriptions.jobs.ts) plugs in what
 * only it knows: how to load its row and build the message under the recipient's rights of now, where
 * its rows and attempts are stored, what GONE means (disable a contact method, pause a subscription) and
 * what follows when one ends FAILED. The pipeline owns the rest: channel dispatch, the claim and its
 * lease, the per-endpoint share of sends, outcome → status and backoff, enqueueing and the reconcile.
 */

/** What the pipeline reads of a row to decide whether a job may act on it. */
export interface RowState {
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
}

/** One attempt, as stored. */
export interface AttemptRecord {
  at: Date;
  outcome: SendOutcome['outcome'];
  http_status: number | null;
  error: string | null;
  latency_ms: number;
}

/** How a row moves on after an attempt (the claim, if the kind keeps one, is cleared with it). */
export interface RowPatch {
  status?: 'DELIVERED' | 'FAILED';
  attempts: number;
  delivered_at?: Date;
  next_attempt_at: Date | null;
  status_reason: string | null;
}

/** A row the kind ends at claim time, without a send. `afterCommit` runs after the commit. */
export interface Finish {
  finish: 'CANCELLED' | 'SUPPRESSED' | 'FAILED';
  reason: string;
  afterCommit?: () => Promise<void>;
}

/** A message ready to send, and what the kind needs again when the attempt is recorded. */
export interface Built<C> {
  outgoing: Outgoing;
  context: C;
  /** Fields of the log lines about this delivery (ids the operator looks up). */
  log: Record<string, unknown>;
}

/** Where a kind keeps its rows and their attempts. */
export interface DeliveryStore {
  /** The row, locked for update; null when another worker holds it (skip locked) or it does not exist. */
  exists(trx: Handle, id: string): Promise<boolean>;
  /** Ends a row at claim time. */
  finish(trx: Handle, id: string, status: Finish['finish'], reason: string): Promise<void>;
  /** Moves the due time to the lease's end (and notes who holds it, where the kind keeps that). */
  lease(trx: Handle, id: string, until: Date, ownerId: string): Promise<void>;
  /** The row, locked, for recording an attempt. */
  lockState(trx: Handle, id: string): Promise<RowState | undefined>;
  recordAttempt(trx: Handle, id: string, a: AttemptRecord): Promise<void>;
  recordAttemptAndSet(trx: Handle, id: string, a: AttemptRecord, patch: RowPatch): Promise<void>;
  /**
   * recordAttemptAndSet in one statement, only if the row is still PENDING at the claim's attempt and
   * lease (the claim owns it); false, with nothing written, otherwise. Optional: without it every attempt
   * is recorded in a transaction that locks the row first.
   */
  recordIfOwned?(db: Handle, id: string, claim: { attempts: number; leaseUntil: Date }, a: AttemptRecord, patch: RowPatch): Promise<boolean>;
  /** Pending rows due by `before` (the reconciler's view of what Redis should hold). */
  due(db: Handle, before: Date, limit: number): Promise<Array<{ id: string; attempts: number; next_attempt_at: Date | null }>>;
  /** Claims of workers whose heartbeat stopped, made due now; how many (kinds that keep no claim owner have none). */
  releaseDeadClaims?(db: Handle, deadAfterMs: number): Promise<number>;
}

export interface DeliveryKind<L extends RowState, C> {
  /** The job name and the job's data field that carries the row id (a job is routed to its kind by that field). */
  jobName: string;
  idField: string;
  /** Prefix of job ids: distinct per kind. */
  jobPrefix: string;
  /** What an unknown id names, in the error of a job this hub's database lacks. */
  objectName: string;
  /** In the abandoned line: "<label> abandoned: no further attempt will be made". */
  label: string;
  /** First attempts started in this process at once, up to this many at a time (0: always through the queue). */
  directStarts: number;
  /** Claims of this kind in progress at once per process (a claim that reads much holds a connection long). */
  claimSlots: number;
  /**
   * BullMQ priority of this kind's queued jobs (1 is first). Pages go before alerts: on election night a flood
   * of alert deliveries must not stand between an on-call officer and the page waiting behind it.
   */
  priority: number;
  store: DeliveryStore;
  /** The row, locked (skip locked), with what build needs; null when held by another worker or absent. */
  load(trx: Handle, id: string): Promise<L | null>;
  /**
   * load and the claim's lease in one statement, without a transaction, for the attempt a job expects (the
   * row PENDING at that attempt and due time, and due); null, with nothing written, when that does not hold.
   * Optional: the claim's transaction (load, checks, lease) decides otherwise, and whenever this says null.
   */
  leaseAndLoad?(db: Handle, id: string, expected: DeliveryExpectation, leaseUntil: Date, ownerId: string): Promise<L | null>;
  /** Gives back a lease taken by leaseAndLoad that was not used (the endpoint was busy): due again at `dueAt`. */
  releaseLease?(db: Handle, id: string, leaseUntil: Date, dueAt: Date): Promise<void>;
  /** The message under the recipient's rights of now; or the row's end; or 'waiting' (not its turn yet). */
  build(trx: Handle, row: L): Promise<Built<C> | Finish | 'waiting'>;
  /** The receiver said the address is gone for good (410). */
  onGone(trx: Handle, context: C, reason: string, at: Date): Promise<void>;
  /** In the transaction that records a row DELIVERED (what the kind notes of a delivered message). */
  onDelivered?(trx: Handle, id: string, context: C): Promise<void>;
  /** After the commit of a row that ended FAILED at an attempt. */
  onFailed?(id: string, context: C): Promise<void>;
  /** The status reason of a row given up after its last attempt. */
  givenUpReason(attempts: number, error: string): string;
}

/** What a job expects of its row (absent for jobs enqueued before job ids carried it). */
export interface DeliveryExpectation {
  attempt: number;
  dueMs: number;
}

export type DeliverResult = 'done' | 'busy' | 'waiting' | 'skipped';

/**
 * A row handed to enqueue may carry, under this key, what its kind's load would read and the lease its
 * creating transaction wrote (next_attempt_at = leaseUntil, claimed by this process; see leaseTerms): its
 * first attempt is then sent without a claim of its own. The key is a symbol: it never reaches JSON or SQL.
 */
export const LEASED_ROW = Symbol('leased row');
export type LeasedRow<L> = { row: L; leaseUntil: Date };

/** A send in flight per endpoint and process at most this many: a hanging endpoint keeps to its share. */
const MAX_SENDS_PER_ENDPOINT = 4;

/** At most `n` of the calls run at once; the others wait their turn. */
function semaphore(n: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing call hands its slot straight to the next in line.
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * For one reconciler round: a row overdue by more than an interval whose job is active is held by a
 * worker that died (BullMQ would only notice at its stalled-job check, 30 s or more later) or is stuck.
 * `replace` adds a second job under another id (the id + the round's suffix), which does the work now.
 */
export function heldJobReplacer(config: Config) {
  const stuckBefore = Date.now() - config.intervals.reconcileMs;
  const round = `-r${Math.floor(Date.now() / config.intervals.reconcileMs)}`;
  return async (queue: Queue, jobId: string, dueAt: Date, replace: (suffix: string) => Promise<unknown>): Promise<void> => {
    if (dueAt.getTime() < stuckBefore && (await (await queue.getJob(jobId))?.getState()) === 'active') await replace(round);
  };
}

export type DeliveryPipeline = ReturnType<typeof createDeliveryPipeline>;
/** A kind plugged into the pipeline: what its module calls. */
export type KindDelivery = ReturnType<DeliveryPipeline['register']>;

export function createDeliveryPipeline(deps: { db: Db; queues: Queues; config: Config; logger: Logger; senders: Senders }) {
  const { db, queues, config, logger, senders } = deps;
  /** This process's identity: its claims carry it, and a worker's heartbeat is written under it. */
  const ownerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const kinds: Array<{ kind: DeliveryKind<any, any>; deliver: (id: string, expected: DeliveryExpectation | null) => Promise<DeliverResult> }> = [];
  const direct = new Set<Promise<void>>();
  /** Sends in flight in this process, by endpoint (a webhook's origin, the SMS gateway, the SMTP server). */
  const sending = new Map<string, number>();
  /** The endpoint of a row, learned on first load: a busy endpoint defers a job without a query. */
  const endpointOfRow = new Map<string, string>();
  const throttle = createLogThrottle(10_000);
  const endpointBusy = (endpoint: string) => (sending.get(endpoint) ?? 0) >= MAX_SENDS_PER_ENDPOINT;
  const takeSlot = (endpoint: string) => sending.set(endpoint, (sending.get(endpoint) ?? 0) + 1);
  /** A send ended: its endpoint has one more slot. */
  const giveSlot = (endpoint: string) => {
    const left = (sending.get(endpoint) ?? 1) - 1;
    if (left > 0) sending.set(endpoint, left);
    else sending.delete(endpoint);
  };
  /** Takes a slot of `endpoint`'s share if one is free. */
  const takeFreeSlot = (endpoint: string): boolean => {
    if (endpointBusy(endpoint)) return false;
    takeSlot(endpoint);
    return true;
  };
  /**
   * How long a claimed attempt owns its row: the longest a send may take, and a margin. A process that
   * dies mid-send leaves a row whose due time is the lease's end; the reconciler then enqueues it again.
   */
  const leaseMs = () => config.delivery.webhookTimeoutMs + 1_000;
  /** What a transaction writes into a row it creates for this process to send at once (LEASED_ROW). */
  const leaseTerms = () => ({ until: new Date(Date.now() + leaseMs()), ownerId });
  const backoffMs = (attempts: number) => config.delivery.backoffBaseMs * 2 ** Math.max(0, attempts - 1);

  function register<L extends RowState, C>(kind: DeliveryKind<L, C>) {
    if (kinds.some((k) => k.kind.idField === kind.idField || k.kind.jobPrefix === kind.jobPrefix)) throw new Error(`delivery kind ${kind.label} registered twice`);
    const claimSlot = semaphore(kind.claimSlots);
    const cacheKey = (id: string) => `${kind.jobPrefix}${id}`;
    /** The endpoint a row's send goes to, remembered for its later jobs (a bounded cache). */
    const rememberEndpoint = (id: string, outgoing: Outgoing): string => {
      const endpoint = endpointOf(config, outgoing);
      if (endpointOfRow.size > 50_000) endpointOfRow.clear();
      endpointOfRow.set(cacheKey(id), endpoint);
      return endpoint;
    };

    /**
     * A delivery job is named after the state of its row it acts on: the attempt number and the due time
     * (next_attempt_at). Any other state (an attempt made since, a retry rescheduled, a send in flight whose
     * lease moved the due time) makes the job a no-op, and the job for the row's real state has another id:
     * a stale or duplicate job can never burn the id of the one that must run.
     */
    const jobId = (id: string, attempt: number, dueMs: number) => `${kind.jobPrefix}-${id}-${attempt}-${dueMs}`;

    async function schedule(id: string, attempt: number, dueAt: Date, suffix = ''): Promise<void> {
      await queues.delivery.add(
        kind.jobName,
        { [kind.idField]: id, attempt, dueMs: dueAt.getTime() },
        // Removed once done: the id is the row's state, so no later job needs the completed one to exist.
        { jobId: jobId(id, attempt, dueAt.getTime()) + suffix, delay: Math.max(0, dueAt.getTime() - Date.now()), removeOnComplete: true, priority: kind.priority },
      );
    }

    type Claimed = { id: string; attempts: number; built: Built<C>; endpoint: string; leaseUntil: Date };

    /**
     * Claims the attempt the job expects, in a short transaction: the row must be PENDING, at that attempt
     * and due time, and due. The claim moves the due time to the end of a lease, so that no other job
     * takes the row while the send is in flight; no connection is held during the send itself.
     */
    async function claim(id: string, expected: DeliveryExpectation | null): Promise<Claimed | Finish | 'busy' | 'waiting' | 'skipped' | { earlyMs: number }> {
      const known = endpointOfRow.get(cacheKey(id));
      if (known && endpointBusy(known)) return 'busy';
      if (expected && kind.leaseAndLoad && kind.releaseLease) {
        const fast = await claimSlot(() => leaseAndBuild(id, expected));
        if (fast) return fast;
      }
      return claimSlot(() =>
        db.transaction().execute(async (trx) => {
          const row = await kind.load(trx, id);
          if (!row) {
            // Absent because another worker holds the row (skip locked), or because there is no such row.
            if (!(await kind.store.exists(trx, id))) throw new UnknownJobObjectError(kind.objectName, id);
            return 'skipped' as const;
          }
          if (row.status !== 'PENDING') return 'skipped' as const;
          const due = row.next_attempt_at?.getTime() ?? null;
          // A job for another attempt or another due time (stale, or a duplicate of one that already ran).
          if (expected && (row.attempts !== expected.attempt || due !== expected.dueMs)) return 'skipped' as const;
          if (due === null) return 'skipped' as const;
          if (due > Date.now()) return expected ? { earlyMs: due - Date.now() } : ('skipped' as const);
          const built = await kind.build(trx, row);
          if (built === 'waiting') return built;
          if (!('outgoing' in built)) {
            await kind.store.finish(trx, id, built.finish, built.reason);
            return built;
          }
          const endpoint = rememberEndpoint(id, built.outgoing);
          if (endpointBusy(endpoint)) return 'busy' as const;
          const leaseUntil = new Date(Date.now() + leaseMs());
          await kind.store.lease(trx, id, leaseUntil, ownerId);
          return { id, attempts: row.attempts, built, endpoint, leaseUntil };
        }),
      );
    }

    /**
     * The claim in one statement where the kind can (the page kind): load and lease together, then build.
     * The lease keeps every other job off the row meanwhile, as the claim's transaction does; a row that
     * ends without a send is finished, a busy endpoint gets its lease back. Null: the row is not the one
     * the job expects as it stands (held, stale, early, unknown), and the claim's transaction tells why.
     */
    async function leaseAndBuild(id: string, expected: DeliveryExpectation): Promise<Claimed | Finish | 'busy' | 'waiting' | null> {
      const leaseUntil = new Date(Date.now() + leaseMs());
      const row = await kind.leaseAndLoad!(db, id, expected, leaseUntil, ownerId);
      if (!row) return null;
      const giveBack = () => kind.releaseLease!(db, id, leaseUntil, new Date(expected.dueMs));
      const built = await kind.build(db, row);
      if (built === 'waiting') {
        await giveBack();
        return built;
      }
      if (!('outgoing' in built)) {
        await kind.store.finish(db, id, built.finish, built.reason);
        return built;
      }
      const endpoint = rememberEndpoint(id, built.outgoing);
      if (endpointBusy(endpoint)) {
        await giveBack();
        return 'busy';
      }
      return { id, attempts: row.attempts, built, endpoint, leaseUntil };
    }

    /** Records an attempt; moves the row on only if the claim still owns it (its lease did not run out). */
    async function record(c: Claimed, result: SendOutcome): Promise<{ attempts: number; at: Date } | 'failed' | null> {
      const now = new Date();
      const attempts = c.attempts + 1;
      const log = { ...c.built.log, channel: c.built.outgoing.channel, endpoint: c.endpoint, attempt: attempts };
      if (result.outcome !== 'DELIVERED') {
        // One line per failed attempt, at most one per endpoint every 10 s (a receiver down fails every send).
        const suppressed = throttle(c.endpoint);
        if (suppressed !== null) logger.warn({ ...log, outcome: result.outcome, error: result.error, suppressed }, 'delivery attempt failed');
      }
      const attempt: AttemptRecord = {
        at: now,
        outcome: result.outcome,
        http_status: result.httpStatus,
        error: 'error' in result ? result.error.slice(0, 500) : null,
        latency_ms: result.latencyMs,
      };
      // How the row moves on if the claim still owns it, and what the caller does next.
      const finalFailure = result.outcome === 'GONE' || result.outcome === 'REFUSED' || attempts >= config.delivery.maxAttempts;
      const reason = result.outcome === 'DELIVERED' ? null : result.outcome === 'GONE' || result.outcome === 'REFUSED' ? result.error : kind.givenUpReason(attempts, result.error);
      const retryAt = new Date(now.getTime() + backoffMs(attempts));
      const patch: RowPatch =
        result.outcome === 'DELIVERED'
          ? { status: 'DELIVERED', attempts, delivered_at: now, next_attempt_at: null, status_reason: null }
          : finalFailure
            ? { status: 'FAILED', attempts, status_reason: reason, next_attempt_at: null }
            : { attempts, next_attempt_at: retryAt, status_reason: 'error' in result ? result.error : null };
      const outcome = (): { attempts: number; at: Date } | 'failed' | null => {
        if (result.outcome === 'DELIVERED') return null;
        if (finalFailure) {
          logger.error({ ...log, reason }, `${kind.label} abandoned: no further attempt will be made`);
          return 'failed';
        }
        return { attempts, at: retryAt };
      };
      // The common case in one statement, no transaction: the row is still this claim's (same attempt, the
      // lease's due time), so the attempt and the row's move are written together or not at all. Where the
      // kind has more to write with it (onDelivered, onGone), or the claim no longer owns the row, the
      // transaction below decides.
      const hooked = (result.outcome === 'DELIVERED' && kind.onDelivered) || (finalFailure && result.outcome === 'GONE');
      if (kind.store.recordIfOwned && !hooked && (await kind.store.recordIfOwned(db, c.id, { attempts: c.attempts, leaseUntil: c.leaseUntil }, attempt, patch))) {
        return outcome();
      }
      return db.transaction().execute(async (trx) => {
        const row = await kind.store.lockState(trx, c.id);
        const owned = row?.status === 'PENDING' && row.attempts === c.attempts && row.next_attempt_at?.getTime() === c.leaseUntil.getTime();
        if (!owned) {
          // The lease ran out (another attempt may be in flight) or the row was cancelled meanwhile: the
          // attempt is on record all the same, and a message that went out is delivered.
          if (row?.status === 'PENDING' && result.outcome === 'DELIVERED') {
            await kind.store.recordAttemptAndSet(trx, c.id, attempt, { status: 'DELIVERED', attempts: row.attempts + 1, delivered_at: now, next_attempt_at: null, status_reason: null });
            await kind.onDelivered?.(trx, c.id, c.built.context);
          } else await kind.store.recordAttempt(trx, c.id, attempt);
          return null;
        }
        if (result.outcome === 'GONE') await kind.onGone(trx, c.built.context, result.error, now);
        await kind.store.recordAttemptAndSet(trx, c.id, attempt, patch);
        if (result.outcome === 'DELIVERED') await kind.onDelivered?.(trx, c.id, c.built.context);
        return outcome();
      });
    }

    /**
     * One delivery attempt: claim (a short transaction), send (no transaction, no connection held), record
     * (a short transaction). An acknowledgement waits only for claims in progress, never for a send, and
     * once it commits no attempt is claimed; a send claimed before it still goes out (same message id).
     * Returns 'busy' when the endpoint has its share of sends in flight here, 'waiting' when the row waits
     * for another of its kind (the caller defers the job either way).
     */
    async function deliver(id: string, expected: DeliveryExpectation | null = null): Promise<DeliverResult> {
      let claimed = await claim(id, expected);
      // A job a little early (another process's clock, a delay rounded down): wait for the due time once.
      if (typeof claimed === 'object' && 'earlyMs' in claimed) {
        const wait = claimed.earlyMs;
        if (wait > 5_000) return 'skipped';
        await new Promise((r) => setTimeout(r, wait));
        claimed = await claim(id, expected);
        if (typeof claimed === 'object' && 'earlyMs' in claimed) return 'skipped';
      }
      if (typeof claimed === 'string') return claimed;
      if (!('built' in claimed)) {
        await claimed.afterCommit?.();
        return 'done';
      }
      takeSlot(claimed.endpoint);
      await sendClaimed(claimed);
      return 'done';
    }

    /** Sends a claimed attempt (its endpoint slot taken) and records it; a retry is enqueued, a failure told. */
    async function sendClaimed(c: Claimed): Promise<void> {
      let result: SendOutcome;
      try {
        result = await dispatch(senders, c.built.outgoing, c.id);
      } finally {
        giveSlot(c.endpoint);
      }
      const recorded = await record(c, result);
      if (recorded === 'failed') await kind.onFailed?.(c.id, c.built.context);
      else if (recorded) await schedule(c.id, recorded.attempts, recorded.at).catch(() => {});
    }

    /**
     * A first attempt whose row was created already leased to this process, in the transaction that made
     * it (LEASED_ROW): the claim is that transaction's, so the send starts without a statement of its own.
     * The row, loaded there, is built here as a claim builds it. A busy endpoint is waited for a little
     * (well within the lease), then the lease is given back and the queue takes the row.
     */
    async function sendLeased(id: string, leased: LeasedRow<L>): Promise<void> {
      const { row, leaseUntil } = leased;
      const dueAt = new Date();
      const built = await kind.build(db, row);
      if (built === 'waiting') {
        await kind.releaseLease?.(db, id, leaseUntil, dueAt);
        await schedule(id, row.attempts, dueAt);
        return;
      }
      if (!('outgoing' in built)) {
        await kind.store.finish(db, id, built.finish, built.reason);
        await built.afterCommit?.();
        return;
      }
      const endpoint = rememberEndpoint(id, built.outgoing);
      // A busy endpoint is not waited for here: waiters are served in arrival order, and under a flood of
      // LOW pages a CRITICAL one would queue behind them. The delivery queue orders by priority instead.
      if (!takeFreeSlot(endpoint)) {
        await kind.releaseLease?.(db, id, leaseUntil, dueAt);
        await schedule(id, row.attempts, dueAt);
        return;
      }
      await sendClaimed({ id, attempts: row.attempts, built, endpoint, leaseUntil });
    }

    /**
     * First attempts of rows made in this process start here at once, up to directStarts at a time;
     * beyond that they go through the delivery queue. A page is on the path from an incident to a person:
     * a queue hop (enqueue, a worker's pick-up, its bookkeeping) is time and CPU before the first attempt.
     */
    function deliverNow(r: { id: string; attempts: number; next_attempt_at: Date | null }): boolean {
      if (direct.size >= kind.directStarts || !r.next_attempt_at) return false;
      const due = r.next_attempt_at;
      const p = deliver(r.id, { attempt: r.attempts, dueMs: due.getTime() })
        // Its endpoint is busy with other sends here: the queue takes it (a worker defers it until a slot frees).
        .then((res) => (res === 'busy' || res === 'waiting' ? schedule(r.id, r.attempts, due) : undefined))
        // Nothing is lost on failure (or if this process dies): the row stays PENDING (its lease runs out if
        // the send had started), and the reconciler enqueues it, as it enqueues every pending row.
        .catch((err) => logger.warn({ [kind.idField]: r.id, err: (err as Error).message }, 'direct delivery failed; the reconciler will retry'))
        .then(() => undefined)
        .finally(() => direct.delete(p));
      direct.add(p);
      return true;
    }

    /** A row created leased to this process (LEASED_ROW) starts its send here; false for any other row. */
    function startLeased(r: object): boolean {
      const leased = (r as { [LEASED_ROW]?: LeasedRow<L> })[LEASED_ROW];
      if (!leased) return false;
      const id = (r as { id: string }).id;
      const p = sendLeased(id, leased)
        // Nothing is lost on failure (or if this process dies): the row stays PENDING, its lease runs out
        // (or its owner's heartbeat stops) and the reconciler enqueues it.
        .catch((err) => logger.warn({ [kind.idField]: id, err: (err as Error).message }, 'direct delivery failed; the reconciler will retry'))
        .finally(() => direct.delete(p));
      direct.add(p);
      return true;
    }

    /** After a commit: due rows start here (up to directStarts), the rest is enqueued. Throws when Redis does. */
    async function enqueue(rows: ReadonlyArray<{ id: string; attempts: number; next_attempt_at: Date | null; status?: string }>): Promise<void> {
      const now = Date.now();
      const queued = rows.filter((r) => (r.status ?? 'PENDING') === 'PENDING' && !startLeased(r) && !((r.next_attempt_at?.getTime() ?? now) <= now && deliverNow(r)));
      await Promise.all(queued.map((r) => schedule(r.id, r.attempts, r.next_attempt_at ?? new Date(now))));
    }

    /**
     * Re-enqueues what PostgreSQL says is due soon. Job ids make adding an existing job a no-op, so
     * running this often is harmless; after Redis lost everything it rebuilds it. Returns how many.
     */
    async function reconcile(horizonMs: number): Promise<number> {
      if (kind.store.releaseDeadClaims) {
        // A worker killed mid-send stops beating: its claims are due now, not when their lease runs out.
        const released = await kind.store.releaseDeadClaims(db, 3 * config.intervals.heartbeatMs);
        if (released > 0) logger.warn({ released }, 'released the attempts of a worker whose heartbeat stopped');
      }
      const due = await kind.store.due(db, new Date(Date.now() + horizonMs), 5_000);
      const replaceIfHeld = heldJobReplacer(config);
      await Promise.all(
        due.map(async (d) => {
          const at = d.next_attempt_at!;
          await schedule(d.id, d.attempts, at);
          // The row's state lets only one of the two jobs act.
          await replaceIfHeld(queues.delivery, jobId(d.id, d.attempts, at.getTime()), at, (suffix) => schedule(d.id, d.attempts, at, suffix));
        }),
      );
      return due.length;
    }

    kinds.push({ kind, deliver });
    return { deliver, enqueue, reconcile, leaseTerms };
  }

  /** A delivery job, routed to its kind by the id field its data carries. */
  async function runJob(data: Record<string, unknown>): Promise<DeliverResult> {
    const entry = kinds.find((k) => typeof data[k.kind.idField] === 'string');
    if (!entry) throw new Error(`a delivery job of no known kind: ${Object.keys(data).join(', ')}`);
    const { attempt, dueMs } = data as { attempt?: number; dueMs?: number };
    return entry.deliver(data[entry.kind.idField] as string, typeof attempt === 'number' && typeof dueMs === 'number' ? { attempt, dueMs } : null);
  }

  /** Waits for the deliveries started here (a worker that stops lets them finish first). */
  async function drain(): Promise<void> {
    while (direct.size > 0) await Promise.allSettled([...direct]);
  }

  return { ownerId, register, runJob, drain };
}
