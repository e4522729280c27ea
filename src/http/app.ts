import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import type { Config } from '../config.js';
import type { UserPrincipal } from '../access/principal.js';
import type { Db } from '../infra/db.js';
import { pingDb } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { migrationsCurrent } from '../infra/migrate.js';
import type { Redis } from 'ioredis';
import { createGraphQLHandler } from '../graphql/yoga.js';
import type { Services } from '../graphql/services.js';

type Env = {
  Variables: {
    requestId: string;
    logger: Logger;
    clientAddress: string | null;
  };
};

export interface AppDeps {
  config: Config;
  db: Db;
  redis: Redis;
  logger: Logger;
  services: Services;
}

/** The HTTP application: request id, logging, health, readiness and GraphQL. Built once per API process. */
export function createApp(deps: AppDeps) {
  const { logger, services } = deps;
  const app = new Hono<Env>();
  const yoga = createGraphQLHandler(deps);

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    // Accept a caller's id only when it is short and plain: it is echoed into logs.
    const requestId = incoming && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    let clientAddress: string | null = null;
    try {
      clientAddress = getConnInfo(c).remote.address ?? null;
    } catch {
      clientAddress = null;
    }
    c.set('clientAddress', clientAddress);
    const log = logger.child({ requestId });
    c.set('logger', log);
    const started = performance.now();
    await next();
    c.res.headers.set('x-request-id', requestId);
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const checks = await readiness(deps);
    const ready = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  });

  app.on(['GET', 'POST', 'OPTIONS'], '/graphql', async (c) => {
    const auth = c.req.header('authorization');
    let principal: UserPrincipal | null = null;
    let rejectedToken = false;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      principal = m ? await services.identity.authenticate(m[1]!, { requestId: c.get('requestId'), clientAddress: c.get('clientAddress') }) : null;
      rejectedToken = principal === null;
    }
    return yoga.fetch(c.req.raw, { principal, rejectedToken, requestId: c.get('requestId'), clientAddress: c.get('clientAddress') });
  });

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((err, c) => {
    c.get('logger')?.error({ err }, 'unhandled error');
    return c.json({ error: 'internal error', requestId: c.get('requestId') }, 500);
  });

  return app;
}

async function readiness(deps: AppDeps): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  const timeout = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
  await Promise.all([
    (async () => {
      try {
        await timeout(pingDb(deps.db), 2_000);
        checks.postgres = 'ok';
        checks.migrations = (await timeout(migrationsCurrent(deps.db), 2_000)) ? 'ok' : 'pending migrations';
      } catch (err) {
        checks.postgres = `unreachable: ${(err as Error).message}`;
        checks.migrations = 'unknown';
      }
    })(),
    (async () => {
      try {
        await timeout(deps.redis.ping(), 2_000);
        checks.redis = 'ok';
      } catch (err) {
        checks.redis = `unreachable: ${(err as Error).message}`;
      }
    })(),
  ]);
  return checks;
}
