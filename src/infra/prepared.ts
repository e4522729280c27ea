import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { MIGRATIONS_DIR } from './migrate.js';

/**
 * Whether a database was prepared (migrated and seeded, deps.ts prepareDatabase) for these migration
 * files and this demo setting. The hub prepares at every start; a command prepares only when this
 * says no, so that `estf token issue` does not import every migration and re-check every seed.
 */

async function migrationNames(): Promise<string[]> {
  return (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
}

async function fingerprint(config: Config): Promise<string> {
  return createHash('sha256').update(JSON.stringify({ files: await migrationNames(), demo: config.demo })).digest('hex');
}

export async function isPrepared(db: Db, config: Config): Promise<boolean> {
  try {
    const [marker, applied, files] = await Promise.all([
      sql<{ value: string }>`select value from hub_secrets where name = 'prepared'`.execute(db),
      sql<{ name: string }>`select name from kysely_migration`.execute(db),
      migrationNames(),
    ]);
    // Every migration file applied (none rolled back since) and the seeds done for this setup.
    const done = new Set(applied.rows.map((r) => r.name));
    return files.every((f) => done.has(f)) && marker.rows[0]?.value === (await fingerprint(config));
  } catch {
    // No table yet, or no right to it yet (a new application role): not prepared.
    return false;
  }
}

export async function markPrepared(db: Db, config: Config): Promise<void> {
  const value = await fingerprint(config);
  await sql`insert into hub_secrets (name, value) values ('prepared', ${value})
            on conflict (name) do update set value = excluded.value`.execute(db);
}
