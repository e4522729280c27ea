import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../src/infra/db.js';
import { hot, hotText } from '../src/infra/hot-sql.js';
import { createTestDatabase, dropTestDatabase } from './harness.js';

/**
 * `hot` (issue 17): SQL text made once per place in the code. Values are always sent as values (never in the
 * text), numbered past the fixed pieces written into the text, and each distinct fixed piece at one place
 * gets its own text.
 */
describe('hot SQL text', () => {
  let database: { name: string; url: string };
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 2 });
  });
  afterAll(async () => {
    await db?.destroy();
    if (database) await dropTestDatabase(database.name);
  });

  const at = (piece: string, a: unknown, b: unknown) => hot<{ a: string; b: number; c: string }>`select ${a}::text as a, ${hotText(piece)} as b, ${b}::text as c`.execute(db);

  it('sends values as values, numbered past the fixed pieces, and makes one text per distinct piece', async () => {
    expect((await at('1 + 1', "it's; drop table users; --", 'x')).rows).toEqual([{ a: "it's; drop table users; --", b: 2, c: 'x' }]);
    // Same place, another piece: not the first call's text.
    expect((await at('40 + 2', 'y', 'z')).rows).toEqual([{ a: 'y', b: 42, c: 'z' }]);
    // And the first text again, with other values.
    expect((await at('1 + 1', 'p', 'q')).rows).toEqual([{ a: 'p', b: 2, c: 'q' }]);
  });

  it('passes values as the driver takes them (arrays, dates, buffers, null)', async () => {
    const when = new Date('2026-12-08T01:02:03.456Z');
    const { rows } = await hot<{ n: number; t: Date; h: string; z: string | null }>`
      select cardinality(${['a', 'b', 'c']}::text[]) as n, ${when}::timestamptz as t, encode(${Buffer.from([1, 2, 255])}::bytea, 'hex') as h, ${null}::text as z`.execute(db);
    expect(rows).toEqual([{ n: 3, t: when, h: '0102ff', z: null }]);
  });
});
