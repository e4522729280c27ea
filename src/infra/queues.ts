import { Queue, type ConnectionOptions } from 'bullmq';

/**
 * The BullMQ queues. Every queue shares one prefix with a Redis Cluster hash tag (`{estf}`), so that all
 * keys of a queue live in one slot. Jobs carry ids only.
 */

/**
 * One hub's queue prefix: the configured prefix (its `{…}` hash tag first, so a queue stays in one
 * Redis Cluster slot) and the hub database's instance id. Two hubs on one Redis with the same setting (a
 * second checkout, a staging hub next to production) would otherwise take each other's jobs, find no such
 * incident and drop them. Live-event channels use the same prefix (src/live/bus.ts).
 */
export function hubQueuePrefix(configuredPrefix: string, instanceId: string): string {
  return `${configuredPrefix}:${instanceId}`;
}

/**
 * A job names an object this hub's database does not have. Never a reason to complete the job quietly:
 * it is another hub's job (a shared Redis and queue prefix) or a bug, and either way someone must hear of
 * it. Thrown, the job is retried and then failed, and the worker logs it as an error.
 */
export class UnknownJobObjectError extends Error {
  override name = 'UnknownJobObjectError';
  constructor(kind: string, id: string) {
    super(`job names an unknown ${kind} ${id} (not in this hub's database: another hub sharing this Redis and queue prefix?)`);
  }
}

export const QUEUE_NAMES = {
  /** Domain events relayed from the outbox; jobId = the outbox row id. */
  events: 'events',
  /** Scheduled maintenance: the reconciler and other job schedulers. */
  maintenance: 'maintenance',
  /** Escalation timers: delayed jobs {escalationId, token}; a stale token makes a job a no-op. */
  timers: 'timers',
  /** One delivery attempt of one notification: {notificationId}. */
  delivery: 'delivery',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export interface Queues {
  prefix: string;
  events: Queue;
  maintenance: Queue;
  timers: Queue;
  delivery: Queue;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const defaultJobOptions = {
    // Completed job ids are kept a day so that re-adding an already relayed outbox row is a no-op.
    removeOnComplete: { age: 86_400, count: 100_000 },
    removeOnFail: { age: 7 * 86_400 },
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
  };
  const events = new Queue(QUEUE_NAMES.events, { connection, prefix, defaultJobOptions });
  const maintenance = new Queue(QUEUE_NAMES.maintenance, { connection, prefix, defaultJobOptions: { ...defaultJobOptions, attempts: 1 } });
  // Timers and deliveries keep their state in PostgreSQL: a job only points at a row, and a delivery's
  // retries after a failed send are new jobs (new ids). A job that threw (the database out of reach for
  // a moment) is retried a few times and then removed: a failed job kept under its id would turn the
  // reconciler's re-add of that id into a no-op, and the escalation would stall silently for a day.
  const single = {
    removeOnComplete: { age: 3_600, count: 100_000 },
    removeOnFail: true,
    attempts: 3,
    backoff: { type: 'exponential', delay: 500 },
  };
  const timers = new Queue(QUEUE_NAMES.timers, { connection, prefix, defaultJobOptions: single });
  const delivery = new Queue(QUEUE_NAMES.delivery, { connection, prefix, defaultJobOptions: single });
  return {
    prefix,
    events,
    maintenance,
    timers,
    delivery,
    close: async () => {
      await Promise.all([events.close(), maintenance.close(), timers.close(), delivery.close()]);
    },
  };
}
