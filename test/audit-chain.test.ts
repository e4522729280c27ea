import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { grantAppRole } from '../src/infra/app-role.js';
import { createDb, type Db } from '../src/infra/db.js';
import { entryHash, entryMac } from '../src/modules/audit/audit.chain.js';
import { chainHead, CHECKPOINT_FILE, readCheckpoints, writeCheckpoint } from '../src/modules/audit/audit.checkpoints.js';
import { useAuditKey } from '../src/modules/audit/audit.key.js';
import { rowToChained, verifyAuditChain } from '../src/modules/audit/audit.repository.js';
import { recordAudit } from '../src/modules/audit/audit.service.js';
import { startWorkers } from '../src/worker/runtime.js';
import { databaseUrl } from './db-admin.js';
import { runEstf } from './estf-process.js';
import { createTestDatabase, dropTestDatabase, startTestHub, type TestHub } from './harness.js';

// The attacks of the 10.7 finding: a database superuser lifts the append-only triggers, rewrites an
// entry and re-hashes everything after it with the hub's own (unkeyed) hash function; or deletes the
// newest entries. Without the key and against the checkpoints kept outside the database, neither verifies.

describe('the keyed audit chain and its checkpoints', () => {
  let hub: TestHub;
  const cli = systemPrincipal('test');

  const append = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await hub.db.transaction().execute((trx) => recordAudit(trx, cli, 'test.event', { type: 'Test', id: String(i) }, { i, note: `entry ${i}` }));
    }
  };
  const verify = async () => {
    const key = useAuditKey(hub.config);
    const { checkpoints, problems } = await readCheckpoints(hub.config, key);
    expect(problems).toEqual([]);
    return verifyAuditChain(hub.db, { key, checkpoints });
  };
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  });
  afterAll(async () => hub?.close());

  it('an untouched chain verifies, against its checkpoints', async () => {
    await append(12);
    await writeCheckpoint(hub.db, hub.config, useAuditKey(hub.config));
    await append(3);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, checkpoints: 1 });
    const { n } = await hub.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(r.entries).toBe(n);
    // New entries are keyed: the unkeyed function does not reproduce their hashes.
    const last = await hub.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(last.scheme).toBe(2);
    expect(entryHash(last.prev_hash, rowToChained(last))).not.toBe(last.hash);
  });

  it('an append after one that rolled back, and after another writer\'s, links to the real head (the process\'s guess of the head is checked)', async () => {
    await append(1);
    // Appended, then rolled back: this process's guess of the head names an entry the log does not have.
    await expect(
      hub.db.transaction().execute(async (trx) => {
        await recordAudit(trx, cli, 'test.rolled_back', { type: 'Test', id: 'x' }, {});
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await append(1);
    // Another writer (another process) appends, chained with the key: the guess is one entry behind.
    const head = await hub.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const at = new Date(Math.floor(Date.now()));
    const other = { seq: head.seq + 1, at, actorUserId: null, actorEmail: 'system:other', actorOrganizationId: null, actorOrganizationSlug: null, tokenPrefix: null, action: 'test.other_process', objectType: 'Test', objectId: 'y', change: null, requestId: null, clientAddress: null };
    await sql`insert into audit_log (seq, at, actor_email, action, object_type, object_id, prev_hash, hash, scheme)
              values (${other.seq}, ${at}, ${other.actorEmail}, ${other.action}, ${other.objectType}, ${other.objectId}, ${head.hash}, ${entryMac(useAuditKey(hub.config), head.hash, other)}, 2)`.execute(hub.db);
    await append(2);
    const rows = await hub.db.selectFrom('audit_log').select(['seq', 'action']).where('seq', '>', head.seq - 1).orderBy('seq').execute();
    expect(rows.map((r) => r.action)).toEqual(['test.event', 'test.other_process', 'test.event', 'test.event']);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('the newest entries deleted: the checkpoint shows the cut', async () => {
    await writeCheckpoint(hub.db, hub.config, useAuditKey(hub.config));
    const { n } = await hub.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(hub.db);
    await sql`delete from audit_log where seq > ${n - 5}`.execute(hub.db);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(hub.db);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, brokenSeq: n - 4, entries: n - 5 });
    expect(!r.ok && r.reason).toMatch(new RegExp(`recorded ${n} entries: entries ${n - 4} to ${n} were removed`));
  });
});

describe('entries written before the keyed chain', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  });
  afterAll(async () => hub?.close());

  it('still verify (scheme 1), and the keyed entries chain onto them', async () => {
    // What the previous version of the hub wrote: plain SHA-256, no key.
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 3; seq++) {
      const content = { seq, at: new Date(Date.UTC(2026, 10, seq)), actorUserId: null, actorEmail: 'system:cli', actorOrganizationId: null, actorOrganizationSlug: null, tokenPrefix: null, action: 'legacy.event', objectType: 'Test', objectId: String(seq), change: { seq }, requestId: null, clientAddress: null };
      const hash = entryHash(prev, content);
      await sql`insert into audit_log (seq, at, actor_email, action, object_type, object_id, change, prev_hash, hash, scheme)
                values (${seq}, ${content.at}, 'system:cli', 'legacy.event', 'Test', ${String(seq)}, ${JSON.stringify(content.change)}::jsonb, ${prev}, ${hash}, 1)`.execute(hub.db);
      prev = hash;
    }
    for (let i = 0; i < 3; i++) await hub.db.transaction().execute((trx) => recordAudit(trx, systemPrincipal('test'), 'test.event', { type: 'Test', id: String(i) }));
    const rows = await hub.db.selectFrom('audit_log').select(['seq', 'scheme']).orderBy('seq').execute();
    expect(rows.map((r) => r.scheme)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(await verifyAuditChain(hub.db, { key: useAuditKey(hub.config) })).toMatchObject({ ok: true, entries: 6 });
  });
});

describe('checkpoints written by the workers', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ ESTF_AUDIT_CHECKPOINT_INTERVAL: '1s' }, { http: false });
  });
  afterAll(async () => hub?.close());

  it('at start and then as the log grows; a line not signed with the key is reported', async () => {
    const key = useAuditKey(hub.config);
    await hub.db.transaction().execute((trx) => recordAudit(trx, systemPrincipal('test'), 'test.event', { type: 'Test', id: 'a' }));
    const workers = await startWorkers(hub.deps);
    try {
      await workers.checkpointed();
      const first = (await readCheckpoints(hub.config, key)).checkpoints;
      expect(first.map((c) => c.seq)).toEqual([(await chainHead(hub.db)).seq]);
      await hub.db.transaction().execute((trx) => recordAudit(trx, systemPrincipal('test'), 'test.event', { type: 'Test', id: 'b' }));
      const grown = (await chainHead(hub.db)).seq;
      await vi.waitFor(async () => expect((await readCheckpoints(hub.config, key)).checkpoints.map((c) => c.seq)).toContain(grown), { timeout: 10_000, interval: 200 });
    } finally {
      await workers.close();
    }
    // Idle: no new line while the head stays where it is.
    const lines = (await readCheckpoints(hub.config, key)).checkpoints.length;
    expect(lines).toBe(2);

    // Someone who can write the directory but has no key: the forged line is reported.
    const file = path.join(hub.config.audit.checkpointDir, CHECKPOINT_FILE);
    await fs.appendFile(file, `${JSON.stringify({ seq: 1, head: 'f'.repeat(64), at: new Date().toISOString(), mac: 'a'.repeat(64) })}\n`);
    const read = await readCheckpoints(hub.config, key);
    expect(read.checkpoints).toHaveLength(2);
    expect(read.problems).toEqual([`${file} line 3 is not signed with this hub's audit key`]);
  }, 30_000);
});

describe('rewrites re-hashed with the unkeyed function', () => {
  let hub: TestHub;
  const cli = systemPrincipal('test');

  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
    for (let i = 0; i < 8; i++) await hub.db.transaction().execute((trx) => recordAudit(trx, cli, 'test.event', { type: 'Test', id: String(i) }, { i }));
    await writeCheckpoint(hub.db, hub.config, useAuditKey(hub.config));
  });
  afterAll(async () => hub?.close());

  const verify = async () => {
    const key = useAuditKey(hub.config);
    return verifyAuditChain(hub.db, { key, checkpoints: (await readCheckpoints(hub.config, key)).checkpoints });
  };
  /** What the attacker did: rewrite one entry, then re-hash it and every later entry with the unkeyed function. */
  const rehashFrom = async (seq: number, scheme: 1 | 2) => {
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(hub.db);
    await sql`update audit_log set actor_email = 'someone-else@sos.example' where seq = ${seq}`.execute(hub.db);
    const rows = await hub.db.selectFrom('audit_log').selectAll().where('seq', '>=', seq).orderBy('seq').execute();
    let prev = rows[0]!.prev_hash;
    for (const r of rows) {
      const hash = entryHash(prev, rowToChained(r));
      await hub.db.updateTable('audit_log').set({ prev_hash: prev, hash, scheme }).where('seq', '=', r.seq).execute();
      prev = hash;
    }
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(hub.db);
  };

  it('keeping the keyed scheme: the entry does not match its HMAC', async () => {
    await rehashFrom(4, 2);
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: 4, reason: 'content does not match its hash' });
  });

  it('claiming the unkeyed scheme after keyed entries: refused', async () => {
    await rehashFrom(4, 1);
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: 4, reason: 'an unkeyed (scheme 1) entry follows keyed ones' });
  });

  it('claiming the unkeyed scheme for the whole log: the checkpoint differs', async () => {
    await rehashFrom(1, 1);
    const r = await verify();
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.reason).toMatch(/differs from the checkpoint/);
  });

  it('`estf audit verify` exits 1 on it; `estf audit checkpoint` refuses to sign it', async () => {
    const env = { DATABASE_URL: hub.dbUrl };
    const [verified, signed] = await Promise.all([runEstf(['audit', 'verify'], env), runEstf(['audit', 'checkpoint'], env)]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/^broken at entry \d+: the chain differs from the checkpoint of /);
    expect(signed.code).toBe(1);
    expect(signed.stdout).toMatch(/^not written: broken at entry/);
  }, 150_000);
});

describe('the application role', () => {
  let database: { name: string; url: string };
  let admin: Db;
  let app: Db;
  const role = `estf_app_t_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = createDb(database.url, { max: 2 });
    // Roles belong to the whole server: this one is this test's own and is dropped afterwards.
    await sql`create role ${sql.id(role)} login nosuperuser`.execute(admin);
    await grantAppRole(admin, role);
    const u = new URL(databaseUrl(database.name));
    u.username = role;
    app = createDb(u.toString(), { max: 2 });
    useAuditKey((await import('./harness.js')).testConfig());
  });
  afterAll(async () => {
    await app?.destroy();
    await sql`drop owned by ${sql.id(role)}`.execute(admin);
    await admin?.destroy();
    await dropTestDatabase(database.name);
    const c = new pg.Client({ connectionString: databaseUrl('postgres') });
    await c.connect();
    await c.query(`drop role if exists "${role}"`);
    await c.end();
  });

  it('appends to and reads the audit log, and changes other tables', async () => {
    await app.transaction().execute((trx) => recordAudit(trx, systemPrincipal('test'), 'test.event', { type: 'Test', id: '1' }));
    expect(await app.selectFrom('audit_log').select('seq').execute()).not.toHaveLength(0);
    await sql`update organizations set name = name where slug = 'sos'`.execute(app);
  });

  it.each([
    ['UPDATE', sql`update audit_log set actor_email = 'x@sos.example'`],
    ['DELETE', sql`delete from audit_log`],
    ['TRUNCATE', sql`truncate audit_log`],
    ['ALTER TABLE … DISABLE TRIGGER', sql`alter table audit_log disable trigger audit_log_no_update`],
    ['DROP TRIGGER', sql`drop trigger audit_log_no_update on audit_log`],
  ])('%s on the audit log is refused to it', async (_name, statement) => {
    await expect(statement.execute(app)).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
  });
});
