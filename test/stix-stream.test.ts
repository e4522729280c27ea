/**
 * The streamed bundle reader (`estf stix import`): it finds each element of "objects" by scanning the text,
 * skipping strings by searching for the next quote or backslash. Whatever the chunks (a quote, a backslash
 * or an escape split across two), it must yield exactly the objects JSON.parse reads from the whole file.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamBundleObjects } from '../src/modules/stix/index.js';

const tricky = [
  { type: 'indicator', id: 'indicator--1', description: 'a quote " inside, a brace } and a bracket ] too' },
  { type: 'note', id: 'note--2', content: 'backslashes: \\ then \\" then \\\\" then end\\' },
  { type: 'note', id: 'note--3', content: '\\\\\\\\', abstract: '"' },
  { type: 'note', id: 'note--4', content: 'unicode: é ✓ 𝄞 and an escaped \u0001 control', nested: { list: [{ a: '}' }, ['[', ']']] } },
  { type: 'indicator', id: 'indicator--5', pattern: "[file:name = 'C:\\\\Windows\\\\x.exe']" },
];

async function read(text: string, chunkSize: number): Promise<unknown[]> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: unknown[] = [];
  for await (const o of streamBundleObjects(Readable.from(chunks))) out.push(o);
  return out;
}

describe('the streamed bundle reader', () => {
  const text = JSON.stringify({ type: 'bundle', id: 'bundle--6f1c4f0e-5b7a-4c1e-9d2a-3b4c5d6e7f80', objects: tricky }, null, 1);

  it('yields the objects JSON.parse reads, for every chunk size from 1 byte to the whole file', async () => {
    const expected = (JSON.parse(text) as { objects: unknown[] }).objects;
    for (const size of [1, 2, 3, 5, 7, 11, 64, 1_000, text.length]) expect(await read(text, size)).toEqual(expected);
  });

  it('still refuses a bundle whose last string is never closed', async () => {
    await expect(read(text.slice(0, text.lastIndexOf('"')), 4)).rejects.toThrow(/not closed|not valid JSON/);
  });
});
