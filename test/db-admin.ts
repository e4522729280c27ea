import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The PostgreSQL server tests run against: TEST_DATABASE_URL, else DATABASE_URL, else the local server. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The audit checkpoint directory of a test database (ESTF_AUDIT_CHECKPOINT_DIR): one per database, so
 * that checkpoints of one test's chain are never checked against another's, by hubs and commands alike.
 */
export function testCheckpointDir(dbUrl: string | undefined): string {
  const name = dbUrl ? new URL(dbUrl).pathname.slice(1) : `none-${process.pid}`;
  return path.join(os.tmpdir(), 'estf-test-audit-checkpoints', name);
}

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
