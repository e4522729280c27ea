import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createDeps, hubInstanceId, prepareDatabase } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import { createDb } from '../../src/infra/db.js';
import { createLogger } from '../../src/infra/logger.js';
import { clearRedisPrefix, testConfig, type TestHub } from '../harness.js';

/**
 * A PostgreSQL cluster of the test's own, on its own port, that the test can stop (as a crash would:
 * `pg_ctl stop -m immediate`) and start again. The shared server other files use is never touched.
 * As root, the server runs as the `postgres` system user (initdb refuses root).
 */

const run = promisify(execFile);

export interface OwnPostgres {
  port: number;
  /** A database URL on this cluster (the database is created by `createDatabase`). */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(root, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')));
  if (!found) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const asRoot = os.userInfo().uid === 0;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'estf-pg-'));
  if (asRoot) await run('chown', ['postgres', dir]);
  const pgCommand = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);
  const data = path.join(dir, 'data');
  await pgCommand('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await pgCommand('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  await start();
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let destroyed = false;
  return {
    port,
    url,
    async createDatabase(name) {
      await run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', `create database "${name}"`]);
    },
    async stop() {
      await pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A hub like the harness's, on a database URL of the test's choice (its own PostgreSQL cluster). */
export async function hubOn(dbUrl: string, env: Record<string, string>): Promise<TestHub> {
  const config = testConfig({ DATABASE_URL: dbUrl, ...env });
  const logger = createLogger(config.logLevel);
  const db = createDb(dbUrl, { max: 5 });
  await prepareDatabase(db, config, logger);
  const deps = createDeps(config, logger, { url: dbUrl, db, instanceId: await hubInstanceId(db) }, config.redis.url);
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config,
    db,
    dbUrl,
    deps,
    url,
    async gql(token, query, variables) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as any;
      return { status: res.status, data: body.data ?? null, errors: body.errors };
    },
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await deps.close();
      await db.destroy();
      await clearRedisPrefix(config.queuePrefix);
    },
  };
}
