import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { createDeps, hubInstanceId, type HubDeps } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { createGraphQLHandler } from '../src/graphql/yoga.js';
import { attachLiveTransport, type LiveTransport } from '../src/http/live.js';
import { createDb, type Db } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { useAuditKey } from '../src/modules/audit/audit.key.js';
import { databaseUrl, REDIS_URL, testCheckpointDir, withAdmin } from './db-admin.js';

/**
 * A test file's own hub: a fresh database copied from the migrated template, a fresh Redis key prefix,
 * and (for HTTP tests) a real server on 127.0.0.1.
 */

export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `estf_t_${inject('runPid')}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database "${name}" template "${inject('templateDb')}"`));
  return { name, url: databaseUrl(name) };
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
  await rm(testCheckpointDir(databaseUrl(name)), { recursive: true, force: true });
}

export function testConfig(env: Record<string, string> = {}): Config {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_URL,
    ESTF_DEMO: 'false',
    ESTF_QUEUE_PREFIX: `{estf-test-${randomBytes(4).toString('hex')}}`,
    ESTF_RECONCILE_INTERVAL: '1s',
    ESTF_OUTBOX_POLL_INTERVAL: '200ms',
    PORT: '0',
    ESTF_AUDIT_CHECKPOINT_DIR: testCheckpointDir(env.DATABASE_URL),
    ...env,
  });
  // What a process does at start (deps.ts, the CLI): tests that build a service alone append audit entries too.
  useAuditKey(config);
  return config;
}

export interface TestHub {
  config: Config;
  db: Db;
  dbUrl: string;
  deps: HubDeps;
  /** Base URL of the real HTTP server, e.g. http://127.0.0.1:41234 */
  url: string;
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

export interface GqlResponse<T> {
  status: number;
  data: T | null;
  errors: Array<{ message: string; extensions?: Record<string, any> }> | undefined;
}

export async function startTestHub(env: Record<string, string> = {}, opts: { http?: boolean } = {}): Promise<TestHub> {
  const { name, url: dbUrl } = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: dbUrl, ...env });
  const logger = createLogger(config.logLevel);
  const db = createDb(dbUrl, { max: 5 });
  const deps = createDeps(config, logger, { url: dbUrl, db, instanceId: await hubInstanceId(db) }, config.redis.url);
  let server: Server | null = null;
  let live: LiveTransport | null = null;
  let url = '';
  if (opts.http !== false) {
    // One Yoga for HTTP, SSE and WebSocket, as src/hub.ts builds it.
    const yoga = createGraphQLHandler(deps);
    const app = createApp(deps, yoga);
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: config.http.port, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    live = attachLiveTransport(server, deps, yoga);
  }
  const gql = async <T>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: GqlResponse<T>['errors'] };
    return { status: res.status, data: body.data ?? null, errors: body.errors };
  };
  return {
    config,
    db,
    dbUrl,
    deps,
    url,
    gql,
    async close() {
      await live?.close();
      if (server) await new Promise<void>((r) => { server!.close(() => r()); server!.closeAllConnections(); });
      await deps.close();
      await db.destroy();
      await clearRedisPrefix(config.queuePrefix);
      await dropTestDatabase(name);
    },
  };
}

export async function clearRedisPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export function expectCode(res: GqlResponse<unknown>, code: string): void {
  const codes = (res.errors ?? []).map((e) => e.extensions?.code);
  if (!codes.includes(code)) throw new Error(`expected error code ${code}, got ${JSON.stringify(res.errors ?? res.data)}`);
}
