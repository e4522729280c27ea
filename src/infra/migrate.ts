import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, sql, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db } from './db.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

// One key for every estf process: several processes starting together migrate one at a time.
const MIGRATION_LOCK_KEY = 7_364_001;

export type MigrationDirection = 'up' | 'down' | 'latest';

export interface MigrationStatus {
  name: string;
  executedAt: Date | null;
}

/**
 * Loads migrations/*.ts with an import() written in our own source, so that whichever TypeScript loader
 * runs the hub (tsx in production, Vite in tests) also loads the migrations.
 */
class TypeScriptMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    // A command started from the bundle (bin/estf.js) has no TypeScript loader until it needs one.
    const registerTypeScript = (globalThis as Record<symbol, (() => Promise<void>) | undefined>)[Symbol.for('estf.registerTypeScript')];
    if (registerTypeScript) {
      await registerTypeScript();
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('estf.registerTypeScript')];
    }
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const mod = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as Migration;
      migrations[file.replace(/\.ts$/, '')] = { up: mod.up, down: mod.down };
    }
    return migrations;
  }
}

function migrator(db: Db): Migrator {
  return new Migrator({
    db,
    provider: new TypeScriptMigrationProvider(),
    // Modules are built on parallel branches: a migration merged later may carry an earlier timestamp
    // than one a database has already applied. Kysely's default would then refuse to start ("corrupted
    // migrations") on every such database; pending migrations still run in name order.
    allowUnorderedMigrations: true,
  });
}

/** Runs migrations under a PostgreSQL advisory lock held on one connection for the whole run. */
export async function migrate(db: Db, direction: MigrationDirection = 'latest'): Promise<MigrationResultSet> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const m = migrator(conn as unknown as Db);
      const result =
        direction === 'latest' ? await m.migrateToLatest() : direction === 'up' ? await m.migrateUp() : await m.migrateDown();
      if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
      return result;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

export async function migrationStatus(db: Db): Promise<MigrationStatus[]> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}

/** true when every migration file has been applied: /readyz answers 503 otherwise. */
export async function migrationsCurrent(db: Db): Promise<boolean> {
  return (await migrationStatus(db)).every((m) => m.executedAt !== null);
}
