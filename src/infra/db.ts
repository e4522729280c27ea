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
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
