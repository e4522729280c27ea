import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hubSecret } from './modules/escalations/index.js';
import type { Config } from './config.js';
import { currentRole, grantAppRole } from './infra/app-role.js';
import { createDb, type Db } from './infra/db.js';
import { createLogThrottle, type Logger } from './infra/logger.js';
import { migrate } from './infra/migrate.js';
import { markPrepared } from './infra/prepared.js';
import { createQueues, hubQueuePrefix, type Queues } from './infra/queues.js';
import { createRedis, createWorkerRedis } from './infra/redis.js';
import { createServices, type Services } from './services.js';
import { createLiveBus, livePrefix, type LiveBus } from './live/bus.js';
import { liveEventLog, liveSources } from './modules/alerts/alerts.service.js';
import { seedDemoUsers } from './modules/identity/demo.seed.js';
import { seedDemoOnCall } from './modules/oncall/oncall.seed.js';
import { seedPartners } from './modules/partners/partners.seed.js';
import { createDeliveryPipeline, type DeliveryPipeline } from './modules/notifications/pipeline.js';
import { createEscalationEngine, type EscalationEngine } from './modules/escalations/escalations.engine.js';
import { seedRoutingRules } from './modules/escalations/escalations.seed.js';
import { seedCorrelationUser } from './modules/indicators/correlation.js';
import { seedPublicReportsUser } from './modules/publicreports/index.js';
import { createSenders, type Senders } from './modules/notifications/senders.js';
import { createSubscriptionJobs, type SubscriptionJobs } from './modules/subscriptions/subscriptions.jobs.js';
import { useAuditKey } from './modules/audit/audit.key.js';

/**
 * All wiring in one place: a process builds its dependencies here, from the config, and nowhere else.
 */

// Opening the database lives apart (src/infra/database.ts) so that a command need not load this module.
export { openDatabase, type DatabaseHandle } from './infra/database.js';

/**
 * Migrations, the partner directory and (ESTF_DEMO) demo users: what every process needs before work.
 * With an admin URL (the embedded server's admin role, or DATABASE_ADMIN_URL), migrations run as that
 * role, which then grants the application's role what it needs (src/infra/app-role.ts).
 */
export async function prepareDatabase(db: Db, config: Config, logger: Logger, adminUrl: string | null = null): Promise<void> {
  // The seeds below append audit entries: the chain's key must be loaded first.
  useAuditKey(config);
  const result = adminUrl === null ? await migrate(db, 'latest') : await migrateAsAdmin(db, adminUrl);
  const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  await seedPartners(db);
  await seedRoutingRules(db);
  await seedCorrelationUser(db);
  await seedPublicReportsUser(db);
  if (config.demo) {
    const { created } = await seedDemoUsers(db);
    if (created > 0) logger.info({ created }, 'demo users seeded');
    await seedDemoOnCall(db, logger);
  }
  await markPrepared(db, config);
}

async function migrateAsAdmin(db: Db, adminUrl: string) {
  const admin = createDb(adminUrl, { max: 1, applicationName: 'estf-hub-admin' });
  try {
    const result = await migrate(admin, 'latest');
    const app = await currentRole(db);
    if (app.name !== (await currentRole(admin)).name) await grantAppRole(admin, app.name);
    return result;
  } finally {
    await admin.destroy();
  }
}

export interface HubDeps {
  config: Config;
  logger: Logger;
  /** The workers' pool (and the escalation engine's). */
  db: Db;
  /** The pool the services run on: the API's own pool where the process serves the API, else `db`. */
  apiDb: Db;
  databaseUrl: string;
  /** See hubInstanceId. */
  instanceId: string;
  /** Commands (readiness, queue producers). */
  redis: Redis;
  /** Blocking connections for BullMQ workers (maxRetriesPerRequest: null). */
  workerRedis: Redis;
  queues: Queues;
  senders: Senders;
  engine: EscalationEngine;
  subscriptionJobs: SubscriptionJobs;
  /** The delivery pipeline: every page and alert is sent through it (its worker runs delivery jobs). */
  delivery: DeliveryPipeline;
  /** Live events over Redis pub/sub (src/live/bus.ts): connects on its first listener only. */
  liveBus: LiveBus;
  /** Every domain service, built once here and handed to GraphQL, the commands and the transports. */
  services: Services;
  close(): Promise<void>;
}

/**
 * This database's identity, created on first use: Redis keys that carry sequential ids (outbox job ids,
 * live-event cursors) include it, so two hubs that share a Redis (a second checkout, a reset database)
 * never mistake each other's jobs or events for their own.
 */
export function hubInstanceId(db: Db): Promise<string> {
  return hubSecret(db, 'instance-id', () => randomUUID().slice(0, 8));
}

/**
 * The composition root: infrastructure first (Redis, queues, senders, the live bus), then the engine and
 * the services on it. `database.apiDb`: the API's own pool (GraphQL readers never take the workers'
 * connections); the services run on it.
 */
export function createDeps(config: Config, logger: Logger, database: { url: string; db: Db; apiDb?: Db; instanceId: string }, redisUrl: string): HubDeps {
  useAuditKey(config);
  const redis = createRedis(redisUrl, logger);
  const workerRedis = createWorkerRedis(redisUrl, logger);
  const queues = createQueues(redis, hubQueuePrefix(config.queuePrefix, database.instanceId));
  // Without a listener BullMQ writes every error of a queue (each reconnect attempt while Redis is down)
  // to the console: one line per queue every 10 s is enough.
  const throttle = createLogThrottle(10_000);
  for (const q of [queues.events, queues.maintenance, queues.timers, queues.delivery]) {
    q.on('error', (err) => {
      const suppressed = throttle(q.name);
      if (suppressed !== null) logger.warn({ queue: q.name, err: err.message, suppressed }, 'queue error');
    });
  }
  const senders = createSenders(config, logger);
  // One delivery pipeline for every kind of message: pages (the engine's) and alerts (subscriptions').
  const delivery = createDeliveryPipeline({ db: database.db, queues, config, logger, senders });
  const engine = createEscalationEngine({ db: database.db, queues, config, logger, delivery });
  const apiDb = database.apiDb ?? database.db;
  const liveLogger = logger.child({ module: 'live' });
  const liveBus = createLiveBus({
    log: liveEventLog(apiDb),
    redisUrl,
    prefix: livePrefix(config.queuePrefix, database.instanceId),
    logger: liveLogger,
    sources: liveSources(apiDb),
  });
  const services = createServices({ db: apiDb, config, engine, senders, live: { bus: liveBus, logger: liveLogger } });
  const subscriptionJobs = createSubscriptionJobs({ db: database.db, config, logger, delivery, engine });
  return {
    config,
    logger,
    db: database.db,
    apiDb,
    databaseUrl: database.url,
    instanceId: database.instanceId,
    redis,
    workerRedis,
    queues,
    senders,
    delivery,
    engine,
    subscriptionJobs,
    liveBus,
    services,
    async close() {
      await services.close();
      await liveBus.close();
      senders.close();
      await queues.close();
      await Promise.all([redis.quit().catch(() => redis.disconnect()), workerRedis.quit().catch(() => workerRedis.disconnect())]);
    },
  };
}
