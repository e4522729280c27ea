/**
 * Statements marked PREPARED (src/infra/db.ts) are prepared once per connection and then only bound and
 * executed, each run with its own values; unmarked ones stay unnamed. The API's token lookup is one.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, PREPARED, type Db } from '../src/infra/db.js';
import { makeUser } from './factories.js';
import { createTestDatabase, dropTestDatabase, startTestHub, type TestHub } from './harness.js';

describe('prepared statements', () => {
  let name: string;
  let db: Db;
  beforeAll(async () => {
    const t = await createTestDatabase();
    name = t.name;
    db = createDb(t.url, { max: 1 });
  });
  afterAll(async () => {
    await db?.destroy();
    if (name) await dropTestDatabase(name);
  });

  const prepared = async () => (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

  it('prepares a marked statement once per connection and runs it with each run’s values', async () => {
    for (let i = 0; i < 12; i++) {
      const { rows } = await sql<{ n: number; s: string }>`${PREPARED} select ${i}::int * 2 as n, ${`v${i}`}::text as s`.execute(db);
      expect(rows).toEqual([{ n: i * 2, s: `v${i}` }]);
    }
    const statements = await prepared();
    expect(statements.filter((s) => s.startsWith('/* prepared */'))).toHaveLength(1);
    // Unmarked statements are not kept.
    await sql`select ${1}::int as one`.execute(db);
    expect((await prepared()).filter((s) => s.includes('as one'))).toEqual([]);
  });

  it('keeps the token lookup right for every token: a revoked one stops working at once', async () => {
    const hub: TestHub = await startTestHub({}, { http: false });
    try {
      const users = await Promise.all([0, 1, 2].map(() => makeUser(hub.deps, 'county-orange', ['ANALYST'])));
      const meta = { requestId: null, clientAddress: null };
      // More than five runs on the pool's connections: PostgreSQL's generic plan is in use by then.
      for (let round = 0; round < 4; round++) {
        for (const u of users) expect((await hub.deps.services.identity.authenticate(u.token, meta))?.userId).toBe(u.id);
      }
      await sql`update api_tokens set revoked_at = now() where user_id = ${users[1]!.id}`.execute(hub.db);
      expect(await hub.deps.services.identity.authenticate(users[1]!.token, meta)).toBeNull();
      expect((await hub.deps.services.identity.authenticate(users[2]!.token, meta))?.userId).toBe(users[2]!.id);
      expect(await hub.deps.services.identity.authenticate(`${users[0]!.token.slice(0, -2)}xx`, meta)).toBeNull();
    } finally {
      await hub.close();
    }
  });
});
