import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedPostgres, type EmbeddedDatabase } from '../src/infra/embedded-postgres.js';
import { createLogger } from '../src/infra/logger.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

async function query<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await query(url, 'select 1');
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fails instead of hanging the suite when a stop never returns. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))]);
}

describe('the embedded PostgreSQL', () => {
  let dataDir: string;
  const open: EmbeddedDatabase[] = [];

  beforeAll(async () => {
    // mkdtemp makes a 0700 folder: as root, the server (run as user postgres) must still reach its data.
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'estf-embedded-'));
  });
  afterAll(async () => {
    for (const db of open.reverse()) await within(15_000, 'stop', db.stop()).catch(() => {});
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const db = await openEmbeddedPostgres(dataDir, logger);
    open.push(db);
    return db;
  };
  const pgDir = () => path.join(dataDir, 'postgres');
  const postmasterPid = async () => Number((await fs.readFile(path.join(pgDir(), 'postmaster.pid'), 'utf8')).split('\n')[0]);

  it('starts a real server, shares it, keeps data across restarts and recovers from a killed server', { timeout: 180_000 }, async () => {
    // First start: initialises the data directory and creates the hub's database.
    const first = await start();
    expect(first.owned).toBe(true);
    // The hub connects as its application role; the admin role (a superuser) is for migrations only.
    expect(first.url).toMatch(/^postgres:\/\/estf_app:[^@]+@127\.0\.0\.1:\d+\/estf$/);
    expect(first.adminUrl).toMatch(/^postgres:\/\/estf:[^@]+@127\.0\.0\.1:\d+\/estf$/);
    expect(await query(first.url, 'select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user')).toEqual([
      { rolsuper: false, rolcreaterole: false, rolcreatedb: false },
    ]);
    expect(existsSync(path.join(pgDir(), 'PG_VERSION'))).toBe(true);
    const creds = await fs.stat(path.join(dataDir, 'postgres-credentials.json'));
    expect(creds.mode & 0o777).toBe(0o600);
    const [row] = await query<{ version: string }>(first.url, 'select version()');
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
    await query(first.adminUrl, 'create table kept (note text)');
    await query(first.adminUrl, "insert into kept values ('before restart')");
    // Password authentication is on: a wrong password is refused.
    await expect(query(first.url.replace(/:[^:@]+@/, ':wrong@'), 'select 1')).rejects.toThrow(/password authentication failed/);

    // A second opener while it runs (another estf command) connects to the same server and does not own it.
    const second = await start();
    expect(second.owned).toBe(false);
    expect(second.url).toBe(first.url);
    expect(second.adminUrl).toBe(first.adminUrl);
    expect(await query(second.adminUrl, 'select note from kept')).toEqual([{ note: 'before restart' }]);
    await second.stop();
    expect(await answers(first.url)).toBe(true);

    // Stop: the server goes away and releases its lock.
    await within(15_000, 'stop', first.stop());
    expect(await answers(first.url)).toBe(false);
    expect(existsSync(path.join(pgDir(), 'postmaster.pid'))).toBe(false);

    // Start again on the same data, with credentials written before the application role existed:
    // the role gets a new password, stored beside the admin's.
    const credsFile = path.join(dataDir, 'postgres-credentials.json');
    const { user, password } = JSON.parse(await fs.readFile(credsFile, 'utf8')) as { user: string; password: string };
    await fs.writeFile(credsFile, JSON.stringify({ user, password }), { mode: 0o600 });
    const third = await start();
    expect(third.owned).toBe(true);
    expect(third.url).not.toBe(first.url);
    expect(await answers(third.url)).toBe(true);
    expect(JSON.parse(await fs.readFile(credsFile, 'utf8'))).toMatchObject({ user, password, appUser: 'estf_app' });
    expect(await query(third.adminUrl, 'select note from kept')).toEqual([{ note: 'before restart' }]);
    await query(third.adminUrl, "insert into kept values ('before the crash')");

    // kill -9 of the postmaster leaves a stale postmaster.pid behind.
    const pid = await postmasterPid();
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await waitFor('the postmaster to die', () => !isAlive(pid));
    expect(existsSync(path.join(pgDir(), 'postmaster.pid'))).toBe(true);
    // Stopping the handle of a server that is already gone returns at once rather than waiting forever.
    await within(5_000, 'stop after a crash', third.stop());

    const fourth = await start();
    expect(fourth.owned).toBe(true);
    expect(await postmasterPid()).not.toBe(pid);
    expect((await query<{ note: string }>(fourth.adminUrl, 'select note from kept order by note')).map((r) => r.note)).toEqual(['before restart', 'before the crash']);
    await within(15_000, 'stop', fourth.stop());
    expect(await answers(fourth.url)).toBe(false);
  });
});
