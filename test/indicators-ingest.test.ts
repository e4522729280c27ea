import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal, type UserPrincipal } from '../src/access/principal.js';
import type { Config } from '../src/config.js';
import { createDb, type Db } from '../src/infra/db.js';
import {
  formatFromFileName,
  ImportFormatError,
  IngestError,
  insertBatch,
  mergeBatch,
  parseImport,
  SeenValues,
  upsertBatch,
  type BatchCounts,
  type ImportFormat,
} from '../src/modules/indicators/ingest.js';
import { databaseNow, type ReportAttributes, type ValueBatch } from '../src/modules/indicators/indicators.repository.js';
import { createIndicatorsService, type ImportIndicatorsInput } from '../src/modules/indicators/indicators.service.js';
import { findOrganizationBySlug } from '../src/modules/partners/partners.repository.js';
import { ProgressBar } from '../src/cli/progress-bar.js';
import { runEstf } from './estf-process.js';
import { createTestDatabase, dropTestDatabase, testConfig } from './harness.js';

const operator = systemPrincipal('test');

let database: { name: string; url: string };
let db: Db;
let config: Config;
let service: ReturnType<typeof createIndicatorsService>;
let tmp: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { max: 4 });
  config = testConfig({ DATABASE_URL: database.url });
  service = createIndicatorsService({ db, config });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'estf-ingest-'));
});

afterAll(async () => {
  await db?.destroy();
  if (database) await dropTestDatabase(database.name);
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** A Readable of `text`, optionally cut into chunks of `chunkSize` bytes (splitting UTF-8 sequences and tokens). */
function source(text: string, chunkSize?: number): Readable {
  const buf = Buffer.from(text, 'utf8');
  if (!chunkSize) return Readable.from([buf]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

function importText(text: string, format: ImportFormat, extra: Partial<ImportIndicatorsInput> = {}) {
  return service.importIndicators(operator, { source: source(text), format, organization: 'county-orange', tlp: 'GREEN', ...extra });
}

async function indicatorRows(values: string[]) {
  return db
    .selectFrom('indicators')
    .select(['id', 'type', 'value', 'benign_reason', 'first_seen', 'last_seen', sql<string>`xmin::text`.as('xmin')])
    .where('value', 'in', values)
    .orderBy('value')
    .execute();
}

async function reportRows(values: string[]) {
  return db
    .selectFrom('indicator_reports as r')
    .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .select([
      'i.value',
      'o.slug',
      'r.tlp',
      'r.law_enforcement_sensitive',
      'r.confidence',
      'r.description',
      'r.valid_from',
      'r.valid_until',
      'r.reported_by',
      'r.revoked_at',
      'r.updated_at',
      sql<string>`r.xmin::text`.as('xmin'),
    ])
    .where('i.value', 'in', values)
    .orderBy('i.value')
    .orderBy('o.slug')
    .execute();
}

async function collect(text: string, format: ImportFormat, chunkSize?: number) {
  const items: any[] = [];
  for await (const group of parseImport(source(text, chunkSize), format)) items.push(...group);
  return items;
}

describe('deduplication across spellings', () => {
  it('stores one indicator for defanged, upper-case and trailing-dot spellings of one domain', async () => {
    const r = await importText(['dedup-one[.]example-evil.net', 'DEDUP-ONE.EXAMPLE-EVIL.NET', 'dedup-one.example-evil.net.', 'Dedup-One(.)Example-Evil(.)Net'].join('\n'), 'txt');
    expect(r).toMatchObject({ lines: 4, valid: 4, created: 1, known: 0, duplicates: 3, invalid: 0 });
    const rows = await indicatorRows(['dedup-one.example-evil.net']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'DOMAIN', value: 'dedup-one.example-evil.net', benign_reason: null });
  });

  it('three counties, three spellings: one indicator with three reports', async () => {
    const spellings = { 'county-fresno': 'hxxps://Ballot-Help[.]Example-Evil.NET:443/login#x', 'county-kern': 'https://ballot-help.example-evil.net./login', 'county-yolo': 'HTTPS://BALLOT-HELP.EXAMPLE-EVIL.NET/login' };
    for (const [org, value] of Object.entries(spellings)) {
      await service.importIndicators(operator, { source: source(`${value}\n`), format: 'txt', organization: org, tlp: 'AMBER' });
    }
    const url = 'https://ballot-help.example-evil.net/login';
    expect(await indicatorRows([url])).toHaveLength(1);
    const reports = await reportRows([url]);
    expect(reports.map((x) => x.slug)).toEqual(['county-fresno', 'county-kern', 'county-yolo']);
    expect(reports.every((x) => x.tlp === 'AMBER' && x.reported_by === null)).toBe(true);
  });

  it('counts a value repeated in a later batch as a duplicate, not as already known', async () => {
    const values = ['10.200.0.1', '8.8.4.4', 'batch-a.example-evil.net', 'batch-b.example-evil.net', '8.8.4.4', 'batch-a.example-evil.net', 'batch-c.example-evil.net'];
    const r = await importText(values.join('\n'), 'txt', { batchSize: 2 });
    expect(r).toMatchObject({ lines: 7, valid: 7, created: 5, known: 0, duplicates: 2 });
    expect(r.batches).toBeGreaterThanOrEqual(3);
    expect(r.reports).toEqual({ created: 5, updated: 0, unchanged: 2 });
    // Again: the same five values are known, the same two lines are repeats.
    const again = await importText(values.join('\n'), 'txt', { batchSize: 2 });
    expect(again).toMatchObject({ created: 0, known: 5, duplicates: 2, reports: { created: 0, updated: 0, unchanged: 7 } });
  });

  it('lets the later line win within a batch', async () => {
    const csv = 'value,description,confidence\nlater-wins.example-evil.net,first,10\nLATER-WINS.example-evil.net,second,90\n';
    await importText(csv, 'csv');
    const [report] = await reportRows(['later-wins.example-evil.net']);
    expect(report).toMatchObject({ description: 'second', confidence: 90 });
  });
});

describe('re-import', () => {
  const feed = ['reimport-1.example-evil.net', '203.0.113.9', '45.33.32.156', 'https://reimport.example-evil.net/a', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'];
  const canonical = [...feed].sort();

  it('leaves every row untouched when nothing changed (same xmin, same updated_at)', async () => {
    const first = await importText(feed.join('\n'), 'txt', { confidence: 70 });
    expect(first).toMatchObject({ created: 5, known: 0 });
    const indicatorsBefore = await indicatorRows(canonical);
    const reportsBefore = await reportRows(canonical);
    expect(indicatorsBefore).toHaveLength(5);
    expect(reportsBefore).toHaveLength(5);

    const again = await importText(feed.join('\n'), 'txt', { confidence: 70 });
    expect(again).toMatchObject({ created: 0, known: 5, duplicates: 0, reports: { created: 0, updated: 0, unchanged: 5 } });
    expect(await indicatorRows(canonical)).toEqual(indicatorsBefore);
    expect(await reportRows(canonical)).toEqual(reportsBefore);
  });

  it('rewrites only the reports whose content changed', async () => {
    const before = await reportRows(canonical);
    const indicatorsBefore = await indicatorRows(canonical);
    const csv = `value,confidence,description\n${feed.map((v, i) => `${v},70,${i === 0 ? 'now with a description' : ''}`).join('\n')}\n`;
    const r = await importText(csv, 'csv');
    expect(r.reports).toEqual({ created: 0, updated: 1, unchanged: 4 });
    const after = await reportRows(canonical);
    const changed = after.filter((x, i) => x.xmin !== before[i]!.xmin).map((x) => x.value);
    expect(changed).toEqual(['reimport-1.example-evil.net']);
    expect(after.find((x) => x.value === 'reimport-1.example-evil.net')).toMatchObject({ description: 'now with a description' });
    expect(await indicatorRows(canonical)).toEqual(indicatorsBefore);
  });

  it('changes TLP and LES of the organization’s reports when the feed says so', async () => {
    await importText(feed.join('\n'), 'txt', { tlp: 'AMBER_STRICT', lawEnforcementSensitive: true, confidence: 70 });
    const after = await reportRows(canonical);
    expect(after.every((x) => x.tlp === 'AMBER_STRICT' && x.law_enforcement_sensitive)).toBe(true);
  });

  it('moves last_seen forward (never back), and only by at least the resolution', async () => {
    const value = 'reimport-1.example-evil.net';
    await sql`update indicators set first_seen = first_seen - interval '3 hours', last_seen = last_seen - interval '2 hours' where value = ${value}`.execute(db);
    const [old] = await indicatorRows([value]);
    await importText(value, 'txt', { tlp: 'AMBER_STRICT', lawEnforcementSensitive: true, confidence: 70 });
    const [moved] = await indicatorRows([value]);
    expect(moved!.last_seen.getTime()).toBeGreaterThan(old!.last_seen.getTime() + 3_600_000);
    expect(moved!.first_seen).toEqual(old!.first_seen);

    // An indicator seen "later" than this import (a clock ahead, a sighting): last_seen stays.
    const future = new Date(Date.now() + 86_400_000);
    await sql`update indicators set last_seen = ${future} where value = ${value}`.execute(db);
    await importText(value, 'txt', { tlp: 'AMBER_STRICT', lawEnforcementSensitive: true, confidence: 70 });
    const [kept] = await indicatorRows([value]);
    expect(kept!.last_seen).toEqual(future);
  });

  it('revives a revoked report with a new validity period', async () => {
    const value = '45.33.32.156';
    await sql`update indicator_reports set revoked_at = now(), valid_from = now() - interval '10 days'
              where indicator_id = (select id from indicators where value = ${value})`.execute(db);
    const r = await importText(value, 'txt', { tlp: 'AMBER_STRICT', lawEnforcementSensitive: true, confidence: 70 });
    expect(r.reports.updated).toBe(1);
    const [report] = await reportRows([value]);
    expect(report!.revoked_at).toBeNull();
    expect(Date.now() - report!.valid_from.getTime()).toBeLessThan(60_000);
  });
});

describe('the two write paths', () => {
  // mergeBatch (probe, then plain INSERTs and targeted UPDATEs) is the fast path; upsertBatch (ON CONFLICT)
  // the fallback when a concurrent writer gets in between. Same input, same outcome.
  function batchOf(prefix: string, n: number, description: (i: number) => string | null): ValueBatch {
    const values = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}.example-evil.net`).sort();
    return {
      types: values.map(() => 'DOMAIN'),
      values,
      benignReasons: values.map(() => null),
      confidences: values.map((_, i) => 40 + i),
      validUntils: values.map(() => null),
      descriptions: values.map((_, i) => description(i)),
    };
  }

  async function run(prefix: string, path: typeof mergeBatch): Promise<{ counts: BatchCounts[]; rows: unknown[] }> {
    const org = (await findOrganizationBySlug(db, 'county-lake'))!;
    const report: ReportAttributes = { organizationId: org.id, reportedBy: null, tlp: 'GREEN', lawEnforcementSensitive: false };
    const counts: BatchCounts[] = [];
    const write = async (b: ValueBatch) => {
      const now = await databaseNow(db);
      counts.push(await db.transaction().execute((trx) => path(trx, b, report, now)));
    };
    await write(batchOf(prefix, 6, () => null)); // all new
    await write(batchOf(prefix, 6, () => null)); // unchanged
    await write(batchOf(prefix, 8, (i) => (i === 1 ? 'changed' : null))); // two new, one changed
    await sql`update indicator_reports set revoked_at = now() where indicator_id = (select id from indicators where value = ${`${prefix}-002.example-evil.net`})`.execute(db);
    await sql`update indicators set last_seen = last_seen - interval '2 hours', first_seen = first_seen - interval '2 hours' where value = ${`${prefix}-003.example-evil.net`}`.execute(db);
    await write(batchOf(prefix, 8, (i) => (i === 1 ? 'changed' : null))); // one revived, one seen again
    const rows = await reportRows(batchOf(prefix, 8, () => null).values);
    return { counts, rows: rows.map((r) => ({ ...r, value: r.value.replace(prefix, 'x'), xmin: undefined, updated_at: undefined, valid_from: undefined })) };
  }

  it('agree on counts and stored rows', async () => {
    const merged = await run('merge-path', mergeBatch);
    const upserted = await run('upsert-path', upsertBatch);
    // insertBatch skips the probe for values not seen earlier in the import (here: the first batch, and
    // the two values new in the third).
    const seen = new SeenValues();
    const inserted = await run('insert-path', (trx, b, report, now) =>
      insertBatch(trx, b, b.values.map((v, i) => seen.add(b.types[i]!, v)), report, now),
    );
    const written = (c: BatchCounts) => ({ created: c.created, reportsCreated: c.reportsCreated, reportsUpdated: c.reportsUpdated });
    expect(merged.counts.map(written)).toEqual([
      { created: 6, reportsCreated: 6, reportsUpdated: 0 },
      { created: 0, reportsCreated: 0, reportsUpdated: 0 },
      { created: 2, reportsCreated: 2, reportsUpdated: 1 },
      { created: 0, reportsCreated: 0, reportsUpdated: 1 },
    ]);
    expect(merged.counts.map((c) => c.stored?.length)).toEqual([0, 6, 6, 8]);
    expect(upserted.counts.map(written)).toEqual(merged.counts.map(written));
    expect(upserted.rows).toEqual(merged.rows);
    expect(inserted.counts.map(written)).toEqual(merged.counts.map(written));
    expect(inserted.counts.map((c) => c.stored?.length)).toEqual([0, 6, 6, 8]);
    expect(inserted.rows).toEqual(merged.rows);
  });

  it('concurrent imports of overlapping feeds both succeed, one indicator per value', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => `race-${i}.example-evil.net`);
    const shuffled = [...values].sort(() => Math.random() - 0.5);
    const [a, b] = await Promise.all([
      service.importIndicators(operator, { source: source(values.join('\n')), format: 'txt', organization: 'county-modoc', tlp: 'GREEN', batchSize: 250 }),
      service.importIndicators(operator, { source: source(shuffled.join('\n')), format: 'txt', organization: 'county-mono', tlp: 'GREEN', batchSize: 250 }),
    ]);
    expect(a.created + b.created).toBe(3000);
    expect(a.created + a.known + a.duplicates).toBe(3000);
    expect(b.created + b.known + b.duplicates).toBe(3000);
    const { rows } = await sql<{ indicators: number; reports: number }>`
      select count(distinct i.id)::int as indicators, count(r.id)::int as reports
      from indicators i join indicator_reports r on r.indicator_id = i.id where i.value like 'race-%'`.execute(db);
    expect(rows[0]).toEqual({ indicators: 3000, reports: 6000 });
  });
});

describe('SeenValues', () => {
  it('remembers what it was given, and rarely claims what it was not', () => {
    const seen = new SeenValues();
    for (let i = 0; i < 200_000; i++) expect(seen.add('DOMAIN', `value-${i}.example.net`)).toBe(false);
    for (let i = 0; i < 200_000; i += 997) expect(seen.add('DOMAIN', `value-${i}.example.net`)).toBe(true);
    expect(seen.add('URL', 'value-0.example.net')).toBe(false); // the type is part of the value's identity
    let falsePositives = 0;
    for (let i = 0; i < 200_000; i++) if (seen.add('IPV4', `other-${i}`)) falsePositives++;
    expect(falsePositives).toBeLessThan(5);
  });
});

describe('invalid lines', () => {
  it('are reported with their line numbers while the valid ones are stored', async () => {
    const txt = [
      '# a feed with problems', // 1
      '', // 2
      'good-1.example-evil.net', // 3
      '999.1.1.1', // 4
      'not a value', // 5
      '010.1.1.1  # zero-padded', // 6
      'good-2.example-evil.net   # trailing comment', // 7
      'md5-ish-ABCDEF', // 8
    ].join('\n');
    const r = await importText(txt, 'txt');
    expect(r).toMatchObject({ lines: 8, valid: 2, created: 2, invalid: 4 });
    expect(r.invalidSamples.map((s) => s.line)).toEqual([4, 5, 6, 8]);
    expect(r.invalidSamples[0]!.reason).toMatch(/"999\.1\.1\.1".*greater than 255/);
    expect(r.invalidSamples[2]!.reason).toMatch(/"010\.1\.1\.1".*leading zero/);
    expect(await indicatorRows(['good-1.example-evil.net', 'good-2.example-evil.net'])).toHaveLength(2);
  });

  it('keeps the first 20 and counts the rest', async () => {
    const lines = Array.from({ length: 45 }, (_, i) => (i % 3 === 0 ? `ok-${i}.example-evil.net` : `bad value ${i}`));
    const r = await importText(lines.join('\n'), 'txt');
    expect(r.invalid).toBe(30);
    expect(r.invalidSamples).toHaveLength(20);
    expect(r.invalidSamples[0]!.line).toBe(2);
  });

  it('checks the CSV fields: type, confidence, valid_until, description', async () => {
    const csv = [
      'Value,Type,Confidence,Valid_Until,Description', // 1
      'csv-1.example-evil.net,domain,90,2030-01-31,"phishing, kit"', // 2
      '1.2.3.4,DOMAIN,,,', // 3: not a domain
      'csv-2.example-evil.net,bitcoin,,,', // 4: unknown type
      'csv-3.example-evil.net,,150,,', // 5: confidence
      'csv-4.example-evil.net,,,next tuesday,', // 6: valid_until
      'csv-5.example-evil.net,,,2030-01-31T12:00:00-08:00,', // 7
      `csv-6.example-evil.net,,,,${'x'.repeat(4001)}`, // 8: description too long
      ',,,,', // 9: no value
    ].join('\n');
    const r = await importText(csv, 'csv');
    expect(r.invalidSamples.map((s) => [s.line, s.reason])).toEqual([
      [3, expect.stringMatching(/"1\.2\.3\.4" is not a valid domain name/)],
      [4, expect.stringMatching(/unknown type "bitcoin"/)],
      [5, expect.stringMatching(/confidence must be a whole number 0-100, got "150"/)],
      [6, expect.stringMatching(/valid_until must be an ISO 8601 date/)],
      [8, expect.stringMatching(/description is longer than 4000/)],
      [9, expect.stringMatching(/the value is empty/)],
    ]);
    const reports = await reportRows(['csv-1.example-evil.net', 'csv-5.example-evil.net']);
    expect(reports[0]).toMatchObject({ confidence: 90, description: 'phishing, kit', valid_until: new Date('2030-02-01T00:00:00Z') });
    expect(reports[1]).toMatchObject({ confidence: 50, valid_until: new Date('2030-01-31T20:00:00Z') });
  });

  it('refuses a valid_until off the calendar, out of bounds or years ahead, instead of rolling it over', async () => {
    const bad = ['2030-02-30', '2030-13-01', '0000-01-01', '1000-01-01', '9999-12-31', '2030-01-31T24:00:00Z', '2030-01-31T23:60:00Z', '2030-01-31 12:00+25:00', '2099-01-01'];
    const csv = ['value,valid_until', ...bad.map((v, i) => `until-${i}.example-evil.net,${v}`), 'until-ok.example-evil.net,2030-01-31 12:00'].join('\n');
    const r = await importText(csv, 'csv');
    expect(r.invalidSamples.map((s) => s.line)).toEqual(bad.map((_, i) => i + 2));
    for (const s of r.invalidSamples) expect(s.reason).toMatch(/^valid_until /);
    const [ok] = await reportRows(['until-ok.example-evil.net']);
    expect(ok).toMatchObject({ valid_until: new Date('2030-01-31T12:00:00Z') });
  });

  it('reports a line too long to hold and goes on', async () => {
    const r = await importText(`long-1.example-evil.net\n${'a'.repeat((1 << 20) + 10)}\nlong-2.example-evil.net\n`, 'txt');
    expect(r).toMatchObject({ lines: 3, valid: 2, invalid: 1 });
    expect(r.invalidSamples[0]).toMatchObject({ line: 2, reason: expect.stringMatching(/longer than/) });
  });
});

describe('formats', () => {
  it('infers the format from the file extension', () => {
    expect(formatFromFileName('feed.csv')).toBe('csv');
    expect(formatFromFileName('/tmp/x/FEED.JSON')).toBe('json');
    expect(formatFromFileName('feed.jsonl')).toBe('json');
    expect(formatFromFileName('feed.ndjson')).toBe('json');
    expect(formatFromFileName('feed.txt')).toBe('txt');
    expect(formatFromFileName('blocklist.lst')).toBe('txt');
    expect(formatFromFileName('feed.xml')).toBeNull();
    expect(formatFromFileName('feed')).toBeNull();
  });

  it('reads CSV with quotes, escaped quotes, CRLF, a BOM, a record over two lines and unknown columns', async () => {
    const csv = '\uFEFFvalue,notes,description\r\n"quoted.example-evil.net",x,"say ""hi"""\r\nplain.example-evil.net,y,"two\r\nlines"\r\n\r\nlast.example-evil.net,z,\r\n';
    const items = await collect(csv, 'csv');
    expect(items.filter((i) => 'value' in i)).toEqual([
      { line: 2, value: 'quoted.example-evil.net', description: 'say "hi"' },
      { line: 3, value: 'plain.example-evil.net', description: 'two\nlines' },
      { line: 6, value: 'last.example-evil.net', description: '' },
    ]);
    const r = await importText(csv, 'csv');
    expect(r).toMatchObject({ lines: 6, valid: 3, invalid: 0, ignoredColumns: ['notes'] });
  });

  it('refuses a CSV without a value column, before writing anything', async () => {
    await expect(importText('indicator_value,type\nx.example-evil.net,domain\n', 'csv')).rejects.toThrow(/must name a "value" column/);
    await expect(importText('', 'csv')).rejects.toThrow(/empty/);
  });

  it('reads a JSON array item by item, with the line each item starts on', async () => {
    const json = `[\n  {"value": "json-1.example-evil.net", "type": "domain", "confidence": 80},\n  "json-2.example-evil.net",\n  {\n    "value": "json-3.example-evil.net",\n    "description": "a \\"quoted\\" ] [ { } word",\n    "validUntil": "2031-05-01"\n  },\n  42,\n  {"value": 7},\n  {"nested": {"value": ["x"]}}\n]\n`;
    // Cut into 3-byte chunks: tokens, strings and escapes split across chunk boundaries.
    const items = await collect(json, 'json', 3);
    expect(items).toEqual([
      { line: 2, value: 'json-1.example-evil.net', type: 'domain', confidence: 80, description: undefined, validUntil: undefined },
      { line: 3, value: 'json-2.example-evil.net' },
      { line: 4, value: 'json-3.example-evil.net', type: undefined, confidence: undefined, description: 'a "quoted" ] [ { } word', validUntil: '2031-05-01' },
      { line: 9, error: expect.stringMatching(/expected an object/) },
      { line: 10, value: 7, type: undefined, confidence: undefined, description: undefined, validUntil: undefined },
      { line: 11, value: undefined, type: undefined, confidence: undefined, description: undefined, validUntil: undefined },
    ]);
    const r = await importText(json, 'json');
    expect(r).toMatchObject({ lines: 6, valid: 3, invalid: 3 });
    expect(r.invalidSamples.map((s) => [s.line, s.reason])).toEqual([
      [9, expect.stringMatching(/expected an object/)],
      [10, 'the value must be a string'],
      [11, 'no value'],
    ]);
  });

  it('refuses an unclosed JSON array and content after it', async () => {
    await expect(importText('[{"value": "a.example-evil.net"}', 'json')).rejects.toThrow(/not closed/);
    await expect(importText('["a.example-evil.net"] ["b.example-evil.net"]', 'json')).rejects.toThrow(/after the JSON array/);
  });

  it('reads JSON lines, with a bad line reported and the rest stored', async () => {
    const jsonl = '{"value": "jsonl-1.example-evil.net"}\n\n{"value": "jsonl-2.example-evil.net", "valid_until": "2031-01-01T00:00:00Z"}\n{not json}\n"jsonl-3.example-evil.net"\n';
    const r = await importText(jsonl, 'json');
    expect(r).toMatchObject({ lines: 5, valid: 3, invalid: 1, invalidSamples: [{ line: 4, reason: 'not valid JSON' }] });
  });

  it('stores descriptions with quotes, backslashes, braces, commas and line breaks as written', async () => {
    const tricky = 'a \\ b "c" {d} NULL, e\nnext line';
    await importText(`${JSON.stringify({ value: 'tricky.example-evil.net', description: tricky })}\n`, 'json');
    const [report] = await reportRows(['tricky.example-evil.net']);
    expect(report!.description).toBe(tricky);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const items = await collect('bücher-ingest.de\nпример-ingest.рф\n', 'txt', 1);
    expect(items.map((i) => i.value)).toEqual(['bücher-ingest.de', 'пример-ingest.рф']);
  });
});

describe('what is stored', () => {
  it('flags warning-list values as benign, with the reason', async () => {
    const r = await importText('192.168.10.10\nwww.sos.ca.gov\nhttps://docs.google.com/forms/d/e/x/viewform\n', 'txt');
    expect(r.benign).toBe(2);
    const rows = await indicatorRows(['192.168.10.10', 'www.sos.ca.gov', 'https://docs.google.com/forms/d/e/x/viewform']);
    expect(rows.map((x) => [x.value, x.benign_reason])).toEqual([
      ['192.168.10.10', expect.stringMatching(/private-use/)],
      ['https://docs.google.com/forms/d/e/x/viewform', null],
      ['www.sos.ca.gov', expect.stringMatching(/government domain ca\.gov/)],
    ]);
  });

  it('fills the inet column of IP types for containment matching', async () => {
    await importText('198.51.100.0/24\n2001:db8:abcd::/48\n198.18.7.7\n', 'txt');
    const { rows } = await sql<{ value: string }>`select value from indicators where net >>= inet '198.51.100.77' or net >>= inet '2001:db8:abcd:1::5' order by value`.execute(db);
    expect(rows.map((x) => x.value)).toEqual(['198.51.100.0/24', '2001:db8:abcd::/48']);
    const { rows: none } = await sql`select 1 from indicators where type = 'DOMAIN' and net is not null`.execute(db);
    expect(none).toHaveLength(0);
  });

  it('records one audit entry per import, with the counts', async () => {
    const r = await importText('audit-1.example-evil.net\naudit-1.example-evil.net\nbad value\n', 'txt', { sourceName: 'audit-feed.txt' });
    const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'indicators.imported').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const org = await findOrganizationBySlug(db, 'county-orange');
    expect(entry).toMatchObject({ actor_email: 'system:test', object_type: 'Organization', object_id: org!.id });
    expect(entry.change).toMatchObject({
      organization: 'county-orange',
      source: 'audit-feed.txt',
      format: 'txt',
      tlp: 'GREEN',
      lines: 3,
      created: r.created,
      duplicates: 1,
      invalid: 1,
      reports: { created: 1, updated: 0, unchanged: 0 },
    });
  });
});

describe('who may import', () => {
  it('refuses an unknown organization, a bad TLP and TLP:RED without a reporting user', async () => {
    await expect(importText('x.example-evil.net', 'txt', { organization: 'county-atlantis' })).rejects.toThrow(/no organization with slug "county-atlantis"/);
    await expect(importText('x.example-evil.net', 'txt', { tlp: 'PURPLE' })).rejects.toThrow(/not a TLP label/);
    await expect(importText('x.example-evil.net', 'txt', { tlp: 'RED' })).rejects.toThrow(/RED/);
    await expect(importText('x.example-evil.net', 'txt', { confidence: 101 })).rejects.toThrow(/0-100/);
  });

  it('lets an ANALYST import for their own organization only, as the reporting user', async () => {
    const org = (await findOrganizationBySlug(db, 'county-orange'))!;
    const user = await db
      .insertInto('users')
      .values({ organization_id: org.id, email: 'analyst-ingest@county-orange.test', name: 'Analyst', roles: ['ANALYST'] })
      .returning('id')
      .executeTakeFirstOrThrow();
    const analyst: UserPrincipal = {
      kind: 'user',
      userId: user.id,
      email: 'analyst-ingest@county-orange.test',
      name: 'Analyst',
      roles: new Set(['ANALYST']),
      organization: { id: org.id, slug: org.slug, name: org.name, kind: 'COUNTY' },
      isCoordinatorOrg: false,
      isLawEnforcementOrg: false,
      tokenPrefix: null,
      requestId: null,
      clientAddress: null,
    };
    const input = { source: source('analyst.example-evil.net\n'), format: 'txt' as const, tlp: 'RED' };
    await expect(service.importIndicators(analyst, { ...input, organization: 'county-kern' })).rejects.toThrow(/Only an ANALYST of that organization/);
    await expect(service.importIndicators({ ...analyst, roles: new Set(['VIEWER']) }, { ...input, organization: 'county-orange' })).rejects.toThrow(/Only an ANALYST/);
    const r = await service.importIndicators(analyst, { ...input, source: source('analyst.example-evil.net\n'), organization: 'county-orange' });
    expect(r.created).toBe(1);
    const [report] = await reportRows(['analyst.example-evil.net']);
    expect(report).toMatchObject({ tlp: 'RED', reported_by: user.id });
  });

  it('stops on a format error after what was committed, and says so in the audit log', async () => {
    const good = Array.from({ length: 30 }, (_, i) => `"partial-${i}.example-evil.net"`).join(',\n');
    const err = await importText(`[\n${good},\n`, 'json', { batchSize: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).cause).toBeInstanceOf(ImportFormatError);
    expect((err as IngestError).partial.created).toBe(30);
    const entry = await db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(entry.action).toBe('indicators.import_failed');
    expect(entry.change).toMatchObject({ created: 30, error: expect.stringMatching(/not closed/) });
  });
});

describe('progress bar', () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns: 60, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
  }

  it('draws on a terminal, at most every interval, and clears itself', () => {
    const { writes, stream } = fakeStream(true);
    const bar = new ProgressBar(stream, 1_000);
    bar.update(0.5, '500 lines');
    bar.update(0.6, '600 lines'); // within the interval: skipped
    bar.update(1, 'done', true);
    bar.done();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\r\x1b\[2K\[#+-+\]  50%  500 lines$/);
    expect(writes[1]).toMatch(/100%  done/);
    expect(writes[2]).toBe('\r\x1b[2K');
    expect(writes.every((w) => w.length <= 60 + 5)).toBe(true);
  });

  it('stays silent when the stream is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const bar = new ProgressBar(stream, 0);
    bar.update(0.5, 'x', true);
    bar.done();
    expect(writes).toEqual([]);
  });
});

describe('estf indicators import (child process)', () => {
  it('imports a small file and prints the summary and the invalid lines', async () => {
    const file = path.join(tmp, 'county-feed.csv');
    const rows = ['value,description', 'cli-1[.]example-evil[.]net,phish', 'CLI-1.EXAMPLE-EVIL.NET.,phish', '10.9.8.7,printer', ...Array.from({ length: 22 }, (_, i) => `bad value ${i},x`), 'hxxp://cli-2.example-evil.net/x,kit'];
    await fs.writeFile(file, `${rows.join('\n')}\n`);
    const res = await runEstf(['indicators', 'import', file, '--org', 'county-alpine', '--tlp', 'AMBER', '--confidence', '75'], { DATABASE_URL: database.url });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('as reports of county-alpine, TLP:AMBER');
    expect(res.stdout).toMatch(/lines read\s+27\n/);
    expect(res.stdout).toMatch(/new indicators\s+3\n/);
    expect(res.stdout).toMatch(/duplicates in file\s+1\n/);
    expect(res.stdout).toMatch(/invalid\s+22\n/);
    expect(res.stdout).toMatch(/on a warning list\s+1\n/);
    expect(res.stdout).toContain('invalid lines (first 20 of 22):');
    expect(res.stdout).toContain('  line 5: "bad value 0" is not a recognised indicator');
    expect(res.stdout).not.toContain('line 25:');
    const reports = await reportRows(['cli-1.example-evil.net', 'http://cli-2.example-evil.net/x']);
    expect(reports.map((x) => [x.value, x.slug, x.tlp, x.confidence])).toEqual([
      ['cli-1.example-evil.net', 'county-alpine', 'AMBER', 75],
      ['http://cli-2.example-evil.net/x', 'county-alpine', 'AMBER', 75],
    ]);

    // The same file again (TLP spelled as people write it): nothing to rewrite.
    const again = await runEstf(['indicators', 'import', file, '--org', 'county-alpine', '--tlp', 'tlp:amber', '--confidence', '75'], { DATABASE_URL: database.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already known\s+3\n/);
    expect(again.stdout).toContain('reports: 0 new, 0 updated, 3 unchanged');
  }, 60_000);

  it('exits 1 with a message when the format cannot be told, 2 on a bad --tlp', async () => {
    const file = path.join(tmp, 'feed.data');
    await fs.writeFile(file, 'x.example-evil.net\n');
    const unknown = await runEstf(['indicators', 'import', file, '--org', 'county-alpine', '--tlp', 'GREEN'], { DATABASE_URL: database.url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/pass --format csv, json or txt/);
    const badTlp = await runEstf(['indicators', 'import', file, '--org', 'county-alpine', '--tlp', 'RED', '--format', 'txt'], { DATABASE_URL: database.url });
    expect(badTlp.code).toBe(2);
    expect(badTlp.stderr).toMatch(/--tlp.*RED reports name their recipients/);
  }, 60_000);
});
