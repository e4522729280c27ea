import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAppRole } from '../src/infra/app-role.js';
import { createDb, type Db } from '../src/infra/db.js';
import { createTestDatabase, dropTestDatabase } from './harness.js';
import { databaseUrl, withAdmin } from './db-admin.js';

/**
 * The public reports' tables and pg_trgm as the hub uses them: migrations run as the admin role (the
 * embedded server's, or DATABASE_ADMIN_URL), the application's role only has data rights (app-role.ts).
 */

describe('public reports schema, as the application role', () => {
  let database: { name: string; url: string };
  let admin: Db;
  let app: Db;
  const role = `estf_app_t_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = createDb(database.url, { max: 2 });
    await sql`create role ${sql.id(role)} login nosuperuser`.execute(admin);
    await grantAppRole(admin, role);
    const u = new URL(databaseUrl(database.name));
    u.username = role;
    app = createDb(u.toString(), { max: 2 });
  });
  afterAll(async () => {
    await app?.destroy();
    await sql`drop owned by ${sql.id(role)}`.execute(admin);
    await admin?.destroy();
    await dropTestDatabase(database.name);
    await withAdmin((c) => c.query(`drop role if exists "${role}"`));
  });

  it('has pg_trgm, and the application role (no superuser, no grant on the extension) uses similarity and the trigram index', async () => {
    const { rows } = await sql<{ extname: string }>`select extname from pg_extension where extname = 'pg_trgm'`.execute(admin);
    expect(rows).toHaveLength(1);
    const claim = await app
      .insertInto('claims')
      .values({ reference: 'CLM-T1', title: 'Vote by text', match_text: 'you can vote by text message this year' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.insertInto('claims').values({ reference: 'CLM-T2', title: 'Unrelated', match_text: 'polling place moved to the library' }).execute();
    const found = await sql<{ id: string; s: number }>`
      select id, similarity(match_text, ${'you can vote by text message'}) as s from claims
      where match_text % ${'you can vote by text message'} order by s desc`.execute(app);
    expect(found.rows.map((r) => r.id)).toEqual([claim.id]);
    expect(found.rows[0]!.s).toBeGreaterThan(0.5);
  });

  it('stores a report with its claim link, and refuses one with neither claim text nor link', async () => {
    const claim = await app.insertInto('claims').values({ reference: 'CLM-T3', title: 't' }).returning('id').executeTakeFirstOrThrow();
    const base = { language: 'es', seen_where: 'SOCIAL_MEDIA', seen_when: 'TODAY', client_hash: Buffer.alloc(32, 1) };
    await app.insertInto('public_reports').values({ ...base, reference: 'R-TEST-0001', claim_text: 'x', claim_id: claim.id, cluster_reason: 'NEW_CLAIM' }).execute();
    await expect(app.insertInto('public_reports').values({ ...base, reference: 'R-TEST-0002' }).execute()).rejects.toThrow(/public_reports_claim_or_link/);
    await expect(app.insertInto('public_reports').values({ ...base, reference: 'R-TEST-0003', claim_text: 'x', seen_where: 'CARRIER_PIGEON' }).execute()).rejects.toThrow(/check constraint/);
  });
});

describe('pg_trgm where migrations run as a database owner that is not a superuser (DATABASE_ADMIN_URL)', () => {
  const owner = `estf_owner_t_${randomBytes(4).toString('hex')}`;
  const name = `estf_t_owner_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await withAdmin(async (c) => {
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.query(`drop role if exists "${owner}"`);
    });
  });

  it('creates the extension: pg_trgm is trusted, CREATE on the database is enough', async () => {
    await withAdmin(async (c) => {
      await c.query(`create role "${owner}" login nosuperuser`);
      await c.query(`create database "${name}" owner "${owner}"`);
    });
    const u = new URL(databaseUrl(name));
    u.username = owner;
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      await c.query('create extension if not exists pg_trgm');
      const { rows } = await c.query<{ s: number }>(`select similarity('vote by mail', 'vote by e-mail') as s`);
      expect(rows[0]!.s).toBeGreaterThan(0.3);
    } finally {
      await c.end();
    }
  });
});
