import { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.js';

/**
 * Live events across processes (domain-free: which families exist, how a log row becomes an event and who
 * may see it are the sources' and the listeners' business; src/modules/alerts brings them).
 * Whichever worker relays an outbox row publishes a small message on Redis
 * pub/sub (the row id, which is the event's cursor, its topic and the aggregate's id: never content), on
 * one coarse channel per topic family (`incident.*`, `indicator.*`, …). Every API process with live subscribers subscribes to those
 * channels once, reads each event from PostgreSQL once, and fans it out in-process, where each
 * subscription checks it against its subscriber's current rights and filter.
 *
 * Order and gaps: relays take turns and publish in id order, and ids become visible in increasing order
 * (addOutboxEvent), so an API process sees cursors only increase. A message at or below the last cursor
 * dispatched is a duplicate (a relay retried after publishing) and is dropped. When the Redis connection
 * comes back after a drop, the bus re-reads the log after its last cursor, so what was published while it
 * was away still reaches its subscribers, in order.
 *
 * Families are the callers': the relay publishes those it is given, the bus subscribes to those it has a
 * source for (src/modules/alerts: `incident.*`, `indicator.*` and `access.*`, LIVE_FAMILIES). A source may
 * turn one envelope into several events sharing its cursor (one row of an indicator report batch names many
 * indicators); they are dispatched together, in the order the source returns them.
 */

export const familyOf = (topic: string): string => topic.split('.', 1)[0]!;

/** The channels' prefix: the queue prefix and the hub's instance id (a Redis may serve several hubs). */
export function livePrefix(queuePrefix: string, instanceId: string): string {
  return instanceId ? `${queuePrefix}:${instanceId}` : queuePrefix;
}

/** The channel (below the prefix) of one topic family. */
export function liveChannel(prefix: string, family: string): string {
  return `${prefix}:live:${family}`;
}

/** What travels over Redis for one committed outbox row. */
export interface LiveEnvelope {
  /** The outbox id: the event's cursor. */
  cursor: number;
  topic: string;
  /** The topic's family: which source reads it. */
  family: string;
  aggregateId: string;
}

interface PublishableRow {
  id: number;
  topic: string;
  aggregate_id: string;
}

/**
 * Publishes relayed rows of the live `families` in order on one connection (Redis keeps one connection's
 * order). Throws when Redis refuses.
 */
export async function publishLiveEvents(redis: Redis, prefix: string, families: ReadonlySet<string>, rows: readonly PublishableRow[]): Promise<void> {
  const pipeline = redis.pipeline();
  let n = 0;
  for (const r of rows) {
    const family = familyOf(r.topic);
    if (!families.has(family)) continue;
    pipeline.publish(liveChannel(prefix, family), JSON.stringify({ cursor: r.id, topic: r.topic, aggregateId: r.aggregate_id }));
    n++;
  }
  if (n === 0) return;
  const results = await pipeline.exec();
  for (const [err] of results ?? []) if (err) throw err;
}

/** A row of the ordered event log (the outbox) as far as the bus needs it. */
export interface LogRow {
  id: number;
  topic: string;
  aggregate_id: string;
}

/** The ordered log the events come from: where it ends, and its rows after a cursor (backfill after a drop). */
export interface EventLog<R extends LogRow = LogRow> {
  lastCursor(): Promise<number>;
  after(cursor: number, families: readonly string[], limit: number): Promise<R[]>;
}

/** Reads what subscribers of one topic family need, once per process and batch. May leave events out. */
export interface LiveSource<E extends { cursor: number }, R extends LogRow = LogRow> {
  load(envelopes: readonly LiveEnvelope[], rows?: readonly R[]): Promise<E[]>;
}

export interface LiveBus {
  /** Calls `listener` with every event of the family, in cursor order; returns the unsubscribe function. */
  listen<E>(family: string, listener: (event: E) => void): () => void;
  /** Resolves once the bus receives events (its Redis subscription is confirmed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const BACKFILL_PAGE = 500;
// After a long outage, re-reading more than this is left to the subscribers' own catch-up (events(after:)).
const BACKFILL_MAX = 10_000;

/**
 * The bus of one process. Lazy: its Redis subscriber connects on the first `listen`, so that worker-only
 * processes and idle API processes hold none.
 */
export function createLiveBus<R extends LogRow>(deps: {
  log: EventLog<R>;
  redisUrl: string;
  prefix: string;
  logger: Logger;
  sources: Readonly<Record<string, LiveSource<{ cursor: number }, R>>>;
}): LiveBus {
  const { logger } = deps;
  const types = Object.keys(deps.sources);
  const typeOfChannel = new Map(types.map((t) => [liveChannel(deps.prefix, t), t]));
  const listeners = new Map<string, Set<(event: unknown) => void>>(types.map((t) => [t, new Set()]));
  let sub: Redis | null = null;
  let started: Promise<void> | null = null;
  let closed = false;
  /** The last cursor dispatched (or skipped): later messages at or below it are duplicates. */
  let lastCursor = 0;
  let pending: LiveEnvelope[] = [];
  let flushScheduled = false;
  // Dispatching is serial: loads may overlap, but batches reach listeners strictly in order.
  let chain: Promise<void> = Promise.resolve();

  function hasListeners(type: string): boolean {
    return (listeners.get(type)?.size ?? 0) > 0;
  }

  /** Loads a batch (in cursor order) per family and returns the events in cursor order. */
  async function load(envelopes: readonly LiveEnvelope[], rows?: readonly R[]): Promise<Array<{ type: string; event: { cursor: number } }>> {
    const out: Array<{ type: string; event: { cursor: number } }> = [];
    for (const type of types) {
      if (!hasListeners(type)) continue;
      const mine = envelopes.filter((e) => e.family === type);
      if (mine.length === 0) continue;
      const events = await deps.sources[type]!.load(mine, rows?.filter((r) => familyOf(r.topic) === type));
      for (const event of events) out.push({ type, event });
    }
    return out.sort((a, b) => a.event.cursor - b.event.cursor);
  }

  function dispatch(batchMax: number, events: Array<{ type: string; event: { cursor: number } }>): void {
    for (const { type, event } of events) {
      if (event.cursor <= lastCursor) continue;
      for (const l of listeners.get(type) ?? []) {
        try {
          l(event);
        } catch (err) {
          logger.error({ err }, 'live event listener failed');
        }
      }
    }
    if (batchMax > lastCursor) lastCursor = batchMax;
  }

  /** Set when a batch could not be read: later batches wait for the re-read, which covers them too. */
  let resyncing = false;

  function enqueue(step: () => Promise<void>): void {
    chain = chain.then(step).catch((err) => {
      if (closed) return;
      logger.warn({ err }, 'live events: could not read a batch; re-reading the log after the last cursor');
      resyncing = true;
      setTimeout(() => enqueue(backfill), 1_000).unref();
    });
  }

  function flush(): void {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    const fresh = batch.filter((e) => e.cursor > lastCursor);
    if (fresh.length === 0) return;
    const batchMax = Math.max(...fresh.map((e) => e.cursor));
    // Start reading now; dispatch waits for the batches before it.
    const loading = load(fresh);
    loading.catch(() => {});
    enqueue(async () => {
      if (resyncing) return;
      dispatch(batchMax, await loading);
    });
  }

  function onMessage(channel: string, message: string): void {
    const family = typeOfChannel.get(channel);
    if (!family) return;
    let m: { cursor?: unknown; topic?: unknown; aggregateId?: unknown };
    try {
      m = JSON.parse(message) as typeof m;
    } catch {
      return;
    }
    if (typeof m.cursor !== 'number' || typeof m.topic !== 'string' || typeof m.aggregateId !== 'string') return;
    pending.push({ cursor: m.cursor, topic: m.topic, family, aggregateId: m.aggregateId });
    // Messages that arrive together are read together: one query for a burst, not one per event.
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  /** Re-reads the log after the last cursor: what was committed while messages could have been lost. */
  async function backfill(): Promise<void> {
    await readLogAfterLastCursor();
    resyncing = false;
  }

  async function readLogAfterLastCursor(): Promise<void> {
    let read = 0;
    for (;;) {
      const rows = await deps.log.after(lastCursor, types, BACKFILL_PAGE);
      if (rows.length === 0) return;
      const envelopes = rows.map((r) => ({ cursor: r.id, topic: r.topic, family: familyOf(r.topic), aggregateId: r.aggregate_id }));
      dispatch(rows[rows.length - 1]!.id, await load(envelopes, rows));
      read += rows.length;
      if (rows.length < BACKFILL_PAGE) return;
      if (read >= BACKFILL_MAX) {
        const last = await deps.log.lastCursor();
        logger.warn({ skipped: last - lastCursor }, 'live events: too far behind after a Redis outage; subscribers catch up with events(after:)');
        lastCursor = last;
        return;
      }
    }
  }

  async function start(): Promise<void> {
    // Where the stream starts: read before subscribing, so that nothing committed in between is missed.
    lastCursor = await deps.log.lastCursor();
    const client = new Redis(deps.redisUrl, { maxRetriesPerRequest: null, connectionName: 'estf-live' });
    try {
      await subscribeWith(client);
    } catch (err) {
      client.disconnect();
      throw err;
    }
  }

  async function subscribeWith(client: Redis): Promise<void> {
    if (closed) throw new Error('the live bus is closed');
    sub = client;
    let lastLogged = 0;
    client.on('error', (err) => {
      if (Date.now() - lastLogged > 10_000) {
        lastLogged = Date.now();
        logger.warn({ err: err.message }, 'live events: redis connection error');
      }
    });
    client.on('message', onMessage);
    const channels = [...typeOfChannel.keys()];
    await client.subscribe(...channels);
    enqueue(backfill);
    // ioredis resubscribes after a reconnect; confirm it, then re-read what was published meanwhile.
    client.on('ready', () => {
      if (closed) return;
      client
        .subscribe(...channels)
        .then(() => enqueue(backfill))
        .catch(() => {});
    });
  }

  return {
    listen<E>(family: string, listener: (event: E) => void): () => void {
      const set = listeners.get(family);
      if (!set) throw new Error(`no live source for ${family}.*`);
      set.add(listener as (event: unknown) => void);
      if (!started) {
        const starting = start();
        started = starting;
        // Handled here (a failed start is retried by the next listener); awaiters of ready() still see it.
        starting.catch((err) => {
          logger.warn({ err }, 'live events: could not subscribe to Redis');
          if (started === starting) started = null;
        });
      }
      return () => set.delete(listener as (event: unknown) => void);
    },
    async ready(): Promise<void> {
      await started;
      await chain;
    },
    async close(): Promise<void> {
      closed = true;
      for (const set of listeners.values()) set.clear();
      // A subscriber connection holds nothing to flush; a start still waiting for Redis ends here too.
      sub?.disconnect();
      sub = null;
    },
  };
}
