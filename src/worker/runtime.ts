import { DelayedError, Worker, type Job } from 'bullmq';
import type { HubDeps } from '../deps.js';
import { QUEUE_NAMES, UnknownJobObjectError } from '../infra/queues.js';
import { createEventsWorker, createOutboxRelay } from '../modules/outbox/outbox.jobs.js';
import { recordHeartbeat, removeHeartbeat } from '../modules/system/index.js';
import { livePrefix, publishLiveEvents } from '../live/bus.js';
import { LIVE_FAMILIES } from '../modules/alerts/alerts.service.js';
import { chainHead, useAuditKey, verifyAuditChain, writeCheckpoint } from '../modules/audit/index.js';
import { createLogThrottle } from '../infra/logger.js';
import { eventHandlersWithMatcher } from './handlers.js';

/**
 * The worker runtime (`estf work`, and half of `estf start`): the outbox relay, the events worker (topic →
 * the modules' handlers, src/worker/handlers.ts), the reconciler and the digests' schedules with their
 * watchdog, the timers and deliveries, heartbeats and audit checkpoints. Only wiring: the logic lives in
 * src/modules. Any number of these may run at once; workers/main.ts starts one from the config.
 */

export interface RunningWorkers {
  workerId: string;
  checkpointed(): Promise<void>;
  close(): Promise<void>;
}

/** A job naming an object this database lacks is an error, not a warning: work of some hub is not being done. */
function logFailedJob(log: HubDeps['logger'], job: Job | undefined, err: Error, message: string): void {
  const fields = { jobId: job?.id, topic: job?.name, attemptsMade: job?.attemptsMade, err: err.message };
  if (err instanceof UnknownJobObjectError) log.error(fields, 'job names an object unknown to this hub');
  else log.warn(fields, message);
}

export async function startWorkers(deps: HubDeps): Promise<RunningWorkers> {
  const { config, db, logger, queues } = deps;
  // The engine's identity: the claims of its deliveries carry it (a stopped heartbeat releases them).
  const workerId = deps.engine.ownerId;
  const log = logger.child({ workerId });
  const connection = deps.workerRedis;

  // Live events are published by the relay, in its transaction and in id order (src/live/bus.ts).
  const onRelayed = (rows: Parameters<typeof publishLiveEvents>[3]) => publishLiveEvents(deps.redis, livePrefix(config.queuePrefix, deps.instanceId), LIVE_FAMILIES, rows);
  const { handlers, matcherOnly, matcherShared } = eventHandlersWithMatcher(deps);
  const relay = createOutboxRelay({
    db,
    databaseUrl: deps.databaseUrl,
    queues,
    logger: log,
    pollMs: config.intervals.outboxPollMs,
    onRelayed,
    instanceId: deps.instanceId,
    handledTopics: new Set(Object.keys(handlers)),
    settle: { topics: matcherOnly, shared: matcherShared, parts: deps.subscriptionJobs.settleInRelay },
  });
  await relay.start();

  const events = createEventsWorker({ connection, queues, handlers, logger: log, db, instanceId: deps.instanceId });
  events.on('failed', (job, err) => logFailedJob(log, job, err, 'event handler failed'));

  // The outbox row of an event is marked relayed once its job is in Redis: a job that failed for good
  // (its attempts spent during a database outage, or stalled twice by workers killed under it) is the
  // only trace of the event left. The reconciler puts such jobs back to work instead of losing them.
  const retryFailedEvents = async () => {
    const failed = await queues.events.getFailed(0, 499);
    for (const job of failed) await job.retry('failed').catch(() => {});
    if (failed.length > 0) log.warn({ jobs: failed.length }, 'reconciler retried failed event jobs');
  };

  // The reconciler: re-enqueues whatever PostgreSQL says is overdue, so a lost Redis or a killed
  // worker delays work by at most one interval and never loses it.
  const maintenance = new Worker(
    QUEUE_NAMES.maintenance,
    async (job: Job) => {
      if (job.name === 'digest-hourly') await deps.subscriptionJobs.runDigests('HOURLY_DIGEST');
      if (job.name === 'digest-daily') await deps.subscriptionJobs.runDigests('DAILY_DIGEST');
      if (job.name === 'sign-in-purge') {
        const purged = await deps.services.sessions.purge();
        if (purged.loginLinks + purged.sessions + purged.signInRequests > 0) log.info(purged, 'purged used sign-in links, ended sessions and old sign-in requests');
      }
      if (job.name === 'public-reports-retention') await deps.services.rumor.applyRetention();
      if (job.name === 'reconcile') {
        const relayed = await relay.relayOnce();
        await retryFailedEvents();
        // Two intervals ahead: a timer lost from Redis is back before it is due.
        const { timers: t, deliveries: d } = await deps.engine.reconcile(2 * config.intervals.reconcileMs);
        await deps.subscriptionJobs.reconcile(2 * config.intervals.reconcileMs);
        // Public reports whose clustering event was lost (its job failed for good): clustered now.
        await deps.services.claims.clusterPending(500);
        if (relayed > 0) log.info({ relayed }, 'reconciler relayed outbox rows');
        log.debug({ timers: t, deliveries: d }, 'reconciler re-enqueued due work');
      }
    },
    { connection, prefix: queues.prefix, concurrency: 1 },
  );
  // A fire waits for the batch its timer joined (escalations/paging.ts createTimerBatcher): the concurrency
  // is how many timers falling due together can share one transaction, not how many transactions run.
  const timers = new Worker(QUEUE_NAMES.timers, async (job: Job<{ escalationId: string; token: string }>) => deps.engine.fire(job.data.escalationId, job.data.token), {
    connection,
    prefix: queues.prefix,
    concurrency: 100,
  });
  timers.on('failed', (job, err) => logFailedJob(log, job, err, 'escalation timer failed; the reconciler will retry'));
  // Every delivery (page or alert) holds a database connection only to claim its attempt and to record
  // it, never while it sends (src/modules/notifications/pipeline.ts): many sends may be in flight, each
  // endpoint keeping to its share.
  const delivery = new Worker(
    QUEUE_NAMES.delivery,
    async (job: Job<Record<string, unknown>>, token?: string) => {
      const outcome = await deps.delivery.runJob(job.data);
      // Busy: an endpoint with its share of sends in flight; waiting: an alert behind an earlier one.
      if ((outcome === 'busy' || outcome === 'waiting') && token) {
        // The same job, a moment later: an alert's turn comes soon; a busy endpoint frees a slot when a
        // send ends (up to the webhook timeout), so its sends look again every second or two.
        const wait = outcome === 'waiting' ? 250 + Math.random() * 250 : 1_000 + Math.random() * 1_000;
        await job.moveToDelayed(Date.now() + Math.floor(wait), token);
        throw new DelayedError();
      }
    },
    { connection, prefix: queues.prefix, concurrency: 50 },
  );
  delivery.on('failed', (job, err) => logFailedJob(log, job, err, 'delivery failed; the reconciler will retry'));
  // Without a listener BullMQ writes its errors (Redis down, a job's keys lost to FLUSHALL) to the console.
  // Every connection reports every reconnect attempt: one line per queue every 10 s is enough.
  const throttle = createLogThrottle(10_000);
  for (const w of [events, maintenance, timers, delivery]) {
    w.on('error', (err) => {
      const suppressed = throttle(w.name);
      if (suppressed !== null) log.warn({ queue: w.name, err: err.message, suppressed }, 'worker error');
    });
  }

  // The job scheduler lives in Redis: a Redis that lost its data (FLUSHALL, a restart without
  // persistence) lost the reconciler too, and with it what would rebuild everything else. Every worker
  // puts it back when it is missing; upserting an existing scheduler would only reset its clock.
  const scheduleReconciler = async () => {
    await queues.maintenance.upsertJobScheduler('reconcile', { every: config.intervals.reconcileMs }, { name: 'reconcile' });
    // Digests of saved alert subscriptions: on the hour, and daily at 07:00 Pacific.
    // Periods may be set shorter (ESTF_HOURLY_DIGEST_INTERVAL, ESTF_DAILY_DIGEST_INTERVAL).
    const { hourlyEveryMs, dailyEveryMs } = config.digests;
    await queues.maintenance.upsertJobScheduler('digest-hourly', hourlyEveryMs ? { every: hourlyEveryMs } : { pattern: '0 * * * *' }, { name: 'digest-hourly' });
    // The console's sign-in rows nothing needs any more (sessions.service.ts purge).
    await queues.maintenance.upsertJobScheduler('sign-in-purge', { every: config.console.purgeEveryMs }, { name: 'sign-in-purge' });
    await queues.maintenance.upsertJobScheduler(
      'digest-daily',
      dailyEveryMs ? { every: dailyEveryMs } : { pattern: '0 7 * * *', tz: 'America/Los_Angeles' },
      { name: 'digest-daily' },
    );
    // Retention of public reports' follow-up addresses and screenshots: daily, at 03:30 Pacific.
    await queues.maintenance.upsertJobScheduler('public-reports-retention', { pattern: '30 3 * * *', tz: 'America/Los_Angeles' }, { name: 'public-reports-retention' });
  };
  await scheduleReconciler();
  const watchdog = setInterval(() => {
    queues.maintenance
      .getJobScheduler('reconcile')
      .then((s) => {
        if (s) return;
        log.warn('the reconciler job scheduler is gone from Redis (data lost?); scheduling it again');
        return scheduleReconciler();
      })
      .catch(() => {});
  }, config.intervals.reconcileMs);

  // Signed checkpoints of the audit chain's head, outside the database (audit.checkpoints.ts): one at
  // start, then one per interval while the log grows. Only a chain that verifies is signed: the first
  // time in full, then from the last signed head on.
  const auditKey = useAuditKey(config);
  let signed: { seq: number; head: string } | undefined;
  const checkpoint = async () => {
    if (signed && (await chainHead(db)).head === signed.head) return;
    const r = await verifyAuditChain(db, { key: auditKey, start: signed });
    if (!r.ok) {
      log.error({ brokenSeq: r.brokenSeq, reason: r.reason }, 'the audit chain does not verify: no checkpoint written (run estf audit verify)');
      return;
    }
    signed = { seq: r.entries, head: r.head };
    await writeCheckpoint(db, config, auditKey, signed);
  };
  // Not awaited: the first verification walks the whole log, and paging must not wait for it.
  let checkpointing = checkpoint().catch((err: Error) => log.warn({ err: err.message }, 'audit checkpoint failed'));
  const checkpoints = setInterval(
    () => {
      checkpointing = checkpointing.then(() => checkpoint()).catch((err: Error) => log.warn({ err: err.message }, 'audit checkpoint failed'));
    },
    config.audit.checkpointIntervalMs,
  );

  const startedAt = new Date();
  await recordHeartbeat(db, { workerId, startedAt });
  // A worker cut off from PostgreSQL says so (once, and again when it is back) and keeps trying: it stops
  // only when told to. Redis being out of reach is said by the workers' own (throttled) error lines.
  let cannotWork: string | null = null;
  const beat = setInterval(() => {
    recordHeartbeat(db, { workerId, startedAt })
      .then(() => {
        if (cannotWork) log.info('worker can work again: PostgreSQL answers');
        cannotWork = null;
      })
      .catch((err: Error) => {
        if (cannotWork === null) log.error({ err: err.message }, 'worker cannot work: PostgreSQL out of reach; retrying');
        cannotWork = err.message;
      });
  }, config.intervals.heartbeatMs);
  log.info('workers started');

  return {
    workerId,
    /** Settles when the audit checkpoints started so far are written (tests). */
    checkpointed: () => checkpointing,
    async close() {
      clearInterval(beat);
      clearInterval(watchdog);
      clearInterval(checkpoints);
      await checkpointing;
      await relay.stop();
      await Promise.all([events.close(), maintenance.close(), timers.close(), delivery.close()]);
      // Pages whose first attempt started in this process (escalations.engine.ts deliverNow).
      await deps.engine.drain();
      await removeHeartbeat(db, workerId).catch(() => {});
      log.info('workers stopped');
    },
  };
}
