import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Config } from './config.js';
import { createDeps, hubInstanceId, openDatabase, prepareDatabase, type DatabaseHandle, type HubDeps } from './deps.js';
import { createApp } from './http/app.js';
import { attachLiveTransport } from './http/live.js';
import { currentRole } from './infra/app-role.js';
import { createDb, type Db } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import { createGraphQLHandler } from './graphql/yoga.js';
import { ensureRedis, warnUnlessNoEviction, type RedisHandle } from './infra/redis.js';
import { startWorkers, type RunningWorkers } from './worker/runtime.js';

export interface HubOptions {
  api: boolean;
  workers: boolean;
}

export interface RunningHub {
  /** The process's one set of dependencies: infrastructure, the escalation engine, the services (on `apiDb` with the API). */
  deps: HubDeps;
  /** The API's own pool (null without the API). */
  apiDb: Db | null;
  /** The port the API listens on (null without the API). */
  port: number | null;
  stop(): Promise<void>;
}

/** Starts the API and/or the workers against one database and one Redis. */
export async function startHub(config: Config, logger: Logger, opts: HubOptions): Promise<RunningHub> {
  const started = performance.now();
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.error({ err }, 'error during shutdown'));
  };
  try {
    // Each worker job holds one connection while it runs (a delivery holds it while it sends): events 10,
    // timers 10 and deliveries 5 at once. The API has a pool of its own (below), so that GraphQL readers
    // that take all of theirs never delay a page; without the workers this pool serves migrations and
    // the escalation engine (pages started by the API).
    const poolSize = config.database.poolSize ?? (opts.workers ? 20 : 5);
    const database: DatabaseHandle = await openDatabase(config, logger, { poolSize });
    cleanups.push(() => database.close());
    await prepareDatabase(database.db, config, logger, database.adminUrl);
    await warnAboutAuditProtection(config, logger, database);

    const redisHandle: RedisHandle = await ensureRedis(config.redis.url, config.redis.isDefault, config.dataDir, logger);
    cleanups.push(() => redisHandle.stop());

    // GraphQL requests run on their own pool, with a statement timeout; the escalation engine they call
    // (and its first page attempts) stays on the workers' pool.
    let apiDb: Db | null = null;
    if (opts.api) {
      const db = createDb(database.url, {
        max: config.database.apiPoolSize,
        applicationName: 'estf-hub-api',
        statementTimeoutMs: config.database.apiStatementTimeoutMs,
      });
      apiDb = db;
      cleanups.push(() => db.destroy());
    }

    // The process's one composition root: every adapter below gets these services.
    const deps = createDeps(config, logger, { ...database, apiDb: apiDb ?? undefined, instanceId: await hubInstanceId(database.db) }, redisHandle.url);
    cleanups.push(() => deps.close());
    await warnUnlessNoEviction(deps.redis, logger);

    let workers: RunningWorkers | null = null;
    if (opts.workers) {
      workers = await startWorkers(deps);
      cleanups.push(() => workers!.close());
    }

    let server: Server | null = null;
    let port: number | null = null;
    if (opts.api) {
      // The API reads on its own pool (readiness, loaders); one Yoga serves HTTP, SSE and WebSocket.
      const apiDeps = { ...deps, db: deps.apiDb };
      const yoga = createGraphQLHandler(apiDeps);
      const app = createApp(apiDeps, yoga);
      server = await new Promise<Server>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, () => resolve(s as Server)) as Server;
        s.once('error', reject);
      });
      port = (server.address() as { port: number }).port;
      cleanups.push(() => closeServer(server!));
      // Live streams (WebSocket beside SSE) end first, so that the server can close under them.
      const live = attachLiveTransport(server, apiDeps, yoga);
      cleanups.push(() => live.close());
    }

    logger.info({ ms: Math.round(performance.now() - started), api: opts.api, workers: opts.workers, port }, 'hub ready');
    return { deps, apiDb, port, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** What would let the audit log be rewritten unnoticed, said at start (README: the audit log). */
async function warnAboutAuditProtection(config: Config, logger: Logger, database: DatabaseHandle): Promise<void> {
  const role = await currentRole(database.db);
  if (role.superuser) logger.warn({ role: role.name }, 'the hub connects as a superuser: it could lift the audit log append-only rule (set DATABASE_ADMIN_URL and give DATABASE_URL a least-privilege role)');
  if (config.env === 'production' && config.audit.key === undefined) {
    logger.warn({ keyFile: config.audit.keyFile }, 'ESTF_AUDIT_KEY is unset: the audit key is this host\'s key file, and every hub process must use the same key');
  }
}

/** Stops accepting connections, lets requests in flight finish, then closes idle keep-alive sockets. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export function readyBanner(config: Config, port: number | null, workers: boolean): string {
  const base = port === null ? null : config.http.publicUrl.replace(/:\d+$/, `:${port}`);
  const lines = [`ESTF Hub is ready${workers ? (port === null ? ' (workers only)' : ' (API and workers)') : ' (API only)'}.`];
  if (base) {
    lines.push(`  GraphQL:  ${base}/graphql${config.graphql.graphiql ? '   (GraphiQL in your browser)' : ''}`);
    lines.push(`  Health:   ${base}/readyz`);
    lines.push(`  Console:  ${base}/console   (sign in with a link: npx estf login-link --email …)`);
  }
  if (config.demo) {
    lines.push('  A token:  npx estf token issue --email analyst@county-los-angeles.example');
    lines.push('  Sign in:  npx estf login-link --email analyst@county-los-angeles.example');
  }
  else lines.push('  A token:  npx estf users add … then npx estf token issue --email <user>');
  return lines.join('\n');
}

export type { Logger };
