/**
 * The array literals bulk writers send (src/infra/pg-arrays.ts): whichever way a literal is built (one
 * join of plain elements, or element by element with quoting), PostgreSQL must read back exactly the
 * values given.
 */
import { describe, expect, it } from 'vitest';
import { textArray, timeArray } from '../src/infra/pg-arrays.js';
import { withAdmin } from './db-admin.js';

const read = <T>(literal: string, type: string) =>
  withAdmin(async (c) => (await c.query<{ a: T[] }>(`select $1::${type}[] as a`, [literal])).rows[0]!.a);

describe('array literals', () => {
  it('text: plain elements, and every element that needs quoting or is NULL', async () => {
    const plain = ['indicator--0b9a7f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', 'IPV4:45.0.0.1', 'a b', 'x,y', '{braces}', 'NULL', '', ' lead', 'é ✓ 𝄞'];
    expect(await read<string>(textArray(plain), 'text')).toEqual(plain);
    const mixed = [...plain, 'a "quote"', 'back\\slash', '\\', '"', null, 'end'];
    expect(await read<string | null>(textArray(mixed), 'text')).toEqual(mixed);
    expect(await read<string | null>(textArray([null]), 'text')).toEqual([null]);
    expect(await read<string>(textArray([]), 'text')).toEqual([]);
  });

  it('timestamps: repeated, changing and missing times', async () => {
    const a = new Date('2026-11-01T00:00:00.000Z');
    const b = new Date('2026-11-01T00:00:00.001Z');
    const times = [a, new Date(a.getTime()), b, null, a, b, b];
    const back = await read<Date | null>(timeArray(times), 'timestamptz');
    expect(back.map((t) => (t === null ? null : t.toISOString()))).toEqual(times.map((t) => (t === null ? null : t.toISOString())));
  });
});
