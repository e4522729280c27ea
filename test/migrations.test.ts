import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db } from '../src/infra/db.js';
import { MIGRATIONS_DIR, migrate, migrationStatus, migrationsCurrent } from '../src/infra/migrate.js';
import { seedPartners } from '../src/modules/partners/partners.seed.js';
import { databaseUrl, withAdmin } from './db-admin.js';
import { runEstf } from './estf-process.js';

/** An empty database (not the migrated template), named so that the run's teardown drops it. */
async function createEmptyDatabase(): Promise<{ name: string; url: string }> {
  const name = `estf_t_${inject('runPid')}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database "${name}"`));
  return { name, url: databaseUrl(name) };
}

async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
}

async function publicTables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = 'public' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

/** Everything a migration may leave behind besides tables: functions, types, sequences, views. */
async function publicLeftovers(db: Db): Promise<string[]> {
  const { rows } = await sql<{ what: string }>`
    select 'function ' || p.proname as what from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'
    union all
    select 'type ' || t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = 'public' and t.typtype in ('e', 'd', 'c') and not exists (select 1 from pg_class c where c.reltype = t.oid)
    union all
    select 'sequence ' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'S'
    order by 1`.execute(db);
  return rows.map((r) => r.what);
}

const FOUNDATION_TABLES = ['api_tokens', 'audit_log', 'duties', 'organizations', 'outbox', 'users', 'worker_heartbeats'];
const KYSELY_TABLES = ['kysely_migration', 'kysely_migration_lock'];

describe('migrations', () => {
  let database: { name: string; url: string };
  let db: Db;
  let files: string[];

  beforeAll(async () => {
    database = await createEmptyDatabase();
    db = createDb(database.url, { max: 4 });
    files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
  });
  afterAll(async () => {
    await db?.destroy();
    if (database) await dropDatabase(database.name);
  });

  it('are timestamp-named TypeScript files with up and down that never import the application', async () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f).toMatch(/^\d{4}-\d{2}-\d{2}T\d{4}_[a-z0-9_]+$/);
      const source = await fs.readFile(`${MIGRATIONS_DIR}/${f}.ts`, 'utf8');
      expect(source).toMatch(/export async function up\(db: Kysely<any>\)/);
      expect(source).toMatch(/export async function down\(db: Kysely<any>\)/);
      expect(source, `${f} imports application code`).not.toMatch(/from ['"](\.\.\/)+src\//);
    }
  });

  it('go up, all the way down and up again on an empty database', async () => {
    expect(await publicTables(db)).toEqual([]);
    expect((await migrationStatus(db)).map((m) => m.executedAt)).toEqual(files.map(() => null));
    expect(await migrationsCurrent(db)).toBe(false);

    const up = await migrate(db, 'latest');
    expect(up.results?.map((r) => [r.migrationName, r.status])).toEqual(files.map((f) => [f, 'Success']));
    expect(await migrationsCurrent(db)).toBe(true);
    const tables = await publicTables(db);
    for (const t of [...FOUNDATION_TABLES, ...KYSELY_TABLES]) expect(tables).toContain(t);

    // Down one step at a time until nothing is applied: every down undoes its up completely.
    for (let applied = files.length; applied > 0; applied--) {
      const down = await migrate(db, 'down');
      expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual([[files[applied - 1], 'Down', 'Success']]);
    }
    expect(await publicTables(db)).toEqual(KYSELY_TABLES);
    expect(await publicLeftovers(db)).toEqual([]);
    expect(await migrationsCurrent(db)).toBe(false);

    const again = await migrate(db, 'latest');
    expect(again.results).toHaveLength(files.length);
    expect(await migrationsCurrent(db)).toBe(true);
    for (const t of FOUNDATION_TABLES) expect(await publicTables(db)).toContain(t);

    // The second up rebuilt more than table names: constraints and triggers work again.
    await seedPartners(db);
    const { n } = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(n).toBe(65);
    await expect(sql`insert into organizations (slug, name, kind) values ('Not A Slug', 'x', 'OTHER')`.execute(db)).rejects.toThrow(/check constraint/);
    await sql`insert into audit_log (seq, at, action, object_type, prev_hash, hash, scheme) values (1, now(), 'test', 'Test', '0', '1', 2)`.execute(db);
    await expect(sql`update audit_log set action = 'rewritten'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
  });

  it('do nothing when already current', async () => {
    const r = await migrate(db, 'latest');
    expect(r.results).toEqual([]);
  });

  it('run one at a time when several processes migrate together (advisory lock)', async () => {
    const other = await createEmptyDatabase();
    const pools = [createDb(other.url, { max: 2 }), createDb(other.url, { max: 2 }), createDb(other.url, { max: 2 })];
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, 'latest')));
      // Exactly one of them applied the migrations; the others found nothing left to do.
      expect(results.map((r) => r.results?.length ?? 0).sort()).toEqual([0, 0, files.length]);
      expect(await migrationsCurrent(pools[0]!)).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.destroy()));
      await dropDatabase(other.name);
    }
  });

  // Four `estf` processes in a row: allow for a busy machine.
  it('apply a migration merged late with an earlier name than ones already applied', async () => {
    const other = await createEmptyDatabase();
    const odb = createDb(other.url, { max: 2 });
    try {
      await migrate(odb, 'latest');
      // Undo one migration that is not the last (one whose down works while the later ones stay applied),
      // as if its branch had been merged after the later ones were deployed.
      let late: string | null = null;
      for (let i = files.length - 2; i >= 1 && late === null; i--) {
        const name = files[i]!;
        const mod = (await import(pathToFileURL(`${MIGRATIONS_DIR}/${name}.ts`).href)) as Migration;
        late = await odb
          .transaction()
          .execute(async (trx) => {
            await mod.down!(trx as unknown as Kysely<any>);
            await sql`delete from kysely_migration where name = ${name}`.execute(trx);
            return name;
          })
          .catch(() => null);
      }
      if (late === null) return; // every later migration depends on its predecessor: nothing to simulate
      expect(await migrationsCurrent(odb)).toBe(false);
      const r = await migrate(odb, 'latest');
      expect(r.results?.map((x) => [x.migrationName, x.status])).toEqual([[late, 'Success']]);
      expect(await migrationsCurrent(odb)).toBe(true);
    } finally {
      await odb.destroy();
      await dropDatabase(other.name);
    }
  });

  it('are shown, applied and rolled back by `estf migrate`', { timeout: 150_000 }, async () => {
    const fresh = await createEmptyDatabase();
    const env = { DATABASE_URL: fresh.url };
    try {
      const pending = await runEstf(['migrate', 'status'], env);
      expect(pending.code, pending.stderr).toBe(0);
      expect(pending.stdout.trimEnd().split('\n')).toEqual(files.map((f) => expect.stringMatching(new RegExp(`^pending\\s+${f}$`))));

      const up = await runEstf(['migrate', 'up'], env);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout.trimEnd().split('\n')).toEqual(files.map((f) => `applied ${f}`));

      const status = await runEstf(['migrate', 'status'], env);
      expect(status.stdout.trimEnd().split('\n')).toEqual(
        files.map((f) => expect.stringMatching(new RegExp(`^applied \\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z\\s+${f}$`))),
      );

      const down = await runEstf(['migrate', 'down'], env);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout.trim()).toBe(`rolled back ${files[files.length - 1]}`);
    } finally {
      await dropDatabase(fresh.name);
    }
  });
});
