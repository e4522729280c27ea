import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { sql } from 'kysely';
import pg from 'pg';
import type { Severity } from '../../domain/taxonomy.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { createLogThrottle, type Logger } from '../../infra/logger.js';
import { QUEUE_NAMES, UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { claimAndMarkPublished, type ClaimParts, type OutboxRow } from './outbox.repository.js';

/** A domain event as a handler receives it: ids only, handlers read the rest from PostgreSQL. */
export interface DomainEvent {
  outboxId: number;
  topic: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  /** Set by the relay when it marked the event matched for the alert matcher already (RelaySettled). */
  matched?: boolean;
}

export type EventHandler = (event: DomainEvent) => Promise<void>;
/** Handlers by topic; modules contribute theirs (the escalation router subscribes to incident.*). */
export type EventHandlers = Readonly<Record<string, readonly EventHandler[]>>;

const RELAY_BATCH = 500;
// One relay at a time, across every worker process (see relayOnce).
const RELAY_LOCK_KEY = 7_364_003;

// Typed by the domain's severities, so a renamed or added severity fails the build here.
const SEVERITY_PRIORITY: Record<Severity, number> = { CRITICAL: 1, HIGH: 2, MODERATE: 3, LOW: 4 };

/**
 * The events queue's order under load (BullMQ priority, 1 first; every job has one, since BullMQ takes jobs
 * without a priority before all prioritized ones). Election night: a statewide phishing wave of LOW filings
 * and indicator reports must not stand between a CRITICAL filing and its routing. Access changes (a user
 * deactivated, a token revoked) end live streams: first too. Handlers never relied on order (the worker runs
 * ten at a time), so reordering changes no outcome, only who waits.
 */
export function eventPriority(topic: string, payload: unknown): number {
  if (topic.startsWith('access.')) return 1;
  const p = (payload ?? {}) as { severity?: unknown; to?: unknown };
  const severity = typeof p.severity === 'string' ? p.severity : typeof p.to === 'string' ? p.to : null;
  if (severity && severity in SEVERITY_PRIORITY) return SEVERITY_PRIORITY[severity as Severity];
  if (topic.startsWith('indicator.')) return 6;
  return 3;
}

/**
 * The alert matcher's work when there is nothing to match (no immediate subscription), done by the relay's
 * claiming statement instead of a job or a statement per event: `parts` marks the given rows matched unless
 * an immediate subscription exists and answers whether one does (true: nothing was marked). Rows of `topics`
 * (the matcher is their one handler) then need no job; rows of `shared` (the matcher and others) keep their
 * job, which says `matched` so that the matcher skips it.
 */
export interface RelaySettled {
  topics: ReadonlySet<string>;
  shared: ReadonlySet<string>;
  parts: ClaimParts;
}

/** Called with each relayed batch, in id order, inside the relay's transaction (live event publishing). */
export type RelayedHook = (rows: readonly OutboxRow[]) => Promise<void>;

/**
 * The outbox relay: moves committed outbox rows into the events queue. Adding a job whose id already
 * exists is a no-op in BullMQ, so a crash between `addBulk` and the commit only re-adds the same ids.
 * Woken by LISTEN/NOTIFY at commit; a poll covers a lost notification or connection.
 */
/**
 * `handledTopics`: the topics some worker handler acts on. Rows of other topics (`page.sent`, `indicator.correlated`,
 * …) exist for live subscribers and catch-up, which read the outbox itself: they are published live and marked
 * relayed without a job, saving each a queue round trip and a worker's check of its row. Absent: every row gets a job.
 */
export function createOutboxRelay(deps: {
  db: Db;
  databaseUrl: string;
  queues: Queues;
  logger: Logger;
  pollMs: number;
  onRelayed?: RelayedHook;
  instanceId?: string;
  handledTopics?: ReadonlySet<string>;
  settle?: RelaySettled;
}) {
  const { db, queues, logger } = deps;
  let listener: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;
  const throttle = createLogThrottle(10_000);
  const settleTopics = deps.settle ? [...deps.settle.topics, ...deps.settle.shared] : [];

  async function relayOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        // Relays take turns (the claiming statement takes the relay lock): rows become visible in id order
        // (addOutboxEvent), and one relay at a time hands them on in that order, so live subscribers see
        // every process's events in cursor order. Marked published in the claiming statement: the mark
        // commits only with the queue add below. The matcher's rows are settled by the same statement.
        const settle = deps.settle;
        const rows = await claimAndMarkPublished(trx, RELAY_BATCH, RELAY_LOCK_KEY, settle ? { topics: settleTopics, parts: settle.parts } : undefined);
        if (rows.length === 0) return 0;
        // `also` is whether an immediate subscription exists (then nothing was marked matched).
        const settled = (r: OutboxRow & { also?: unknown }) => settle !== undefined && r.also === false && (settle.topics.has(r.topic) || settle.shared.has(r.topic));
        const jobs = (deps.handledTopics ? rows.filter((r) => deps.handledTopics!.has(r.topic)) : rows).filter((r) => !(settled(r) && settle!.topics.has(r.topic)));
        if (jobs.length > 0) {
          await queues.events.addBulk(
            jobs.map((r) => ({
              name: r.topic,
              data: {
                outboxId: r.id,
                topic: r.topic,
                aggregateType: r.aggregate_type,
                aggregateId: r.aggregate_id,
                payload: r.payload,
                ...(settled(r) ? { matched: true } : {}),
              } satisfies DomainEvent,
              // The instance id keeps two databases sharing one Redis from colliding on sequential ids.
              opts: { jobId: `outbox-${deps.instanceId ?? 'x'}-${r.id}`, priority: eventPriority(r.topic, r.payload) },
            })),
          );
        }
        // Before the commit: if publishing fails the rows stay unpublished and are relayed again (at least once).
        if (deps.onRelayed) await deps.onRelayed(rows);
        return rows.length;
      });
      total += n;
      if (n < RELAY_BATCH) return total;
    }
  }

  /** Coalesces wake-ups: at most one relay runs, and one more follows if woken meanwhile. */
  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = relayOnce()
      .catch((err) => {
        // Once per 10 s at most: during an outage every poll fails the same way.
        const suppressed = throttle('relay');
        if (suppressed !== null) logger.warn({ err: (err as Error).message, suppressed }, 'outbox relay failed; will retry');
        return 0;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  /**
   * LISTEN on a connection of its own. A lost connection (an outage, a restart of PostgreSQL) is
   * replaced, retrying until it is back: the poll covers the gap, but without LISTEN every event waits
   * for the next poll. Once listening again, a relay catches up with what committed meanwhile.
   */
  let relisten: NodeJS.Timeout | null = null;
  let failures = 0;
  function listenAgain(): void {
    if (stopped || relisten) return;
    const delay = Math.min(250 * 2 ** failures, 5_000);
    relisten = setTimeout(() => {
      relisten = null;
      listen().then(
        () => {
          if (failures > 0) logger.info('outbox listener connected again');
          failures = 0;
          wake();
        },
        (err: Error) => {
          if (failures++ === 0 || failures % 20 === 0) logger.warn({ err: err.message, failures }, 'outbox listener cannot connect; polling until it can');
          listenAgain();
        },
      );
    }, delay);
  }

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: deps.databaseUrl, application_name: 'estf-outbox-relay' });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (listener === client) {
        listener = null;
        if (!stopped) logger.warn({ err: err?.message ?? 'connection ended' }, 'outbox listener lost its connection; polling until it is back');
      }
      client.end().catch(() => {});
      listenAgain();
    };
    client.on('notification', () => wake());
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query('listen estf_outbox');
    } catch (err) {
      lost = true;
      client.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
  }

  return {
    relayOnce,
    async start(): Promise<void> {
      await listen();
      timer = setInterval(wake, deps.pollMs);
      wake();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      if (relisten) clearTimeout(relisten);
      await running;
      await listener?.end().catch(() => {});
    },
  };
}

/**
 * The events worker: dispatches each relayed event to the handlers of its topic. With `db`, an event whose
 * outbox row this database does not have (another hub's job) fails instead of running handlers that would
 * find nothing, or the wrong thing, under its ids.
 *
 * With `instanceId` as well, a job whose id this hub's relay minted (`outbox-<instanceId>-<row id>`, see
 * createOutboxRelay) is not checked: the relay mints that id only for a row it read from this database in
 * the transaction that marked it relayed, and the instance id is this database's own. Only jobs added by
 * anything else (another hub on a shared queue, a hand-made job) cost the look-up, one statement per event.
 */
export function createEventsWorker(deps: { connection: ConnectionOptions; queues: Queues; handlers: EventHandlers; logger: Logger; concurrency?: number; db?: Db; instanceId?: string }) {
  const ownJobs = deps.instanceId ? `outbox-${deps.instanceId}-` : null;
  return new Worker(
    QUEUE_NAMES.events,
    async (job: Job<DomainEvent>) => {
      if (deps.db && !(ownJobs && job.id === `${ownJobs}${job.data.outboxId}`)) {
        const row = await deps.db.selectFrom('outbox').select('id').where('id', '=', job.data.outboxId).where('aggregate_id', '=', job.data.aggregateId).executeTakeFirst();
        if (!row) throw new UnknownJobObjectError(`outbox event ${job.data.outboxId} of`, job.data.aggregateId);
      }
      const handlers = deps.handlers[job.data.topic] ?? [];
      for (const h of handlers) await h(job.data);
    },
    { connection: deps.connection, prefix: deps.queues.prefix, concurrency: deps.concurrency ?? 10 },
  );
}
