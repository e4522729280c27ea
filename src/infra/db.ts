import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './db-types.js';

export type Db = Kysely<Database>;

// int8 (bigint counts, sequences) as JS numbers: every int8 the hub stores stays far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function createDb(connectionString: string, opts: { max?: number; applicationName?: string; statementTimeoutMs?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'estf-hub',
    // Set per connection at its start (0 or absent: the server's default, none).
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    // A dead server should fail a request, not hang it.
    connectionTimeoutMillis: 5_000,
  });
  // A client losing its connection (server restart, outage) must not crash the process. The pool's
  // 'error' event covers idle clients only: a checked-out client (a transaction in progress) emits on
  // itself, and an 'error' event without a listener kills the process. The query in progress fails
  // with the error all the same, so nothing is hidden: its caller sees it.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    prepareMarked(client);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Marks a statement to be prepared once per connection and then only bound and executed: PostgreSQL
 * keeps its plan (a generic plan after five runs), where an unnamed statement is parsed and planned
 * for every run. For statements of one fixed text whose best plan does not depend on the values (a
 * lookup by a unique key): planning the API's token lookup (three tables) was half of its PostgreSQL
 * time, on every request. Put it first in the SQL text: sql`${PREPARED} select …`, or
 * hot`${hotText(PREPARED_MARK)} select …` (src/infra/hot-sql.ts).
 */
export const PREPARED_MARK = '/* prepared */ ';
export const PREPARED = sql.raw(PREPARED_MARK);
const MARK = PREPARED_MARK;

/** The client's query() names every statement that starts with the mark after its text (see PREPARED). */
function prepareMarked(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text !== 'string' || !text.startsWith(MARK) || typeof values === 'function') return query(text, values, callback);
    let name = names.get(text);
    if (name === undefined) {
      name = `estf_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return query({ name, text, values }, callback);
  };
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * Whether an error means the database is out of reach (down, restarting, refusing connections), as
 * opposed to an error of the statement: the API answers these with 503 and Retry-After.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash, starting up).
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Connection ended unexpectedly/i.test(message);
}
