/**
 * Attacks on the TAXII public forms (migration 2026-12-10T0100) from angles the feature was not built
 * from. The property held: a TAXII reader, through the HTTP API, never receives an object other than the
 * one building it for that reader from live data gives (content and version), and the TAXII answers stay
 * valid (envelopes, manifests, versions, match[version], single objects).
 *
 * The oracle ("built") is the page's own walk without public forms (pageFeed, then buildObjects for the
 * reader): what a page served before public forms existed.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../src/access/principal.js';
import { stixIds, type StixObject } from '../src/modules/stix/index.js';
import { buildObjects } from '../src/modules/stix/stix.objects.js';
import { pageFeed, storePublicForms, syncFeed, tryLockPublicForms, unfilledIndicators, lockFeed } from '../src/modules/stix/stix.repository.js';
import { publicIndicatorForm } from '../src/modules/stix/stix.objects.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { TAXII, TaxiiClient } from './support/taxii-client.js';
import { validateStix } from './support/stix-schemas.js';

const INDICATORS = '2c6a3f0e-6d0b-5c59-9b3e-1f4a0f7e5a01';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const CLEAR = 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487';

let hub: TestHub;
let root: string;
const u: Record<string, TestUser> = {};
const p: Record<string, UserPrincipal> = {};
const c: Record<string, TaxiiClient> = {};
const READERS = ['orange', 'kern', 'fresno', 'fbi'] as const;

beforeAll(async () => {
  hub = await startTestHub();
  for (const [k, org, roles] of [
    ['orange', 'county-orange', ['ANALYST']],
    ['kern', 'county-kern', ['ANALYST']],
    ['fresno', 'county-fresno', ['VIEWER']],
    ['fbi', 'fbi', ['ANALYST']],
  ] as const) {
    u[k] = await makeUser(hub.deps, org, [...roles], k);
    p[k] = (await hub.deps.services.identity.authenticate(u[k]!.token, { requestId: 'attack', clientAddress: null }))!;
    c[k] = TaxiiClient.basic(hub.url, u[k]!.email, u[k]!.token);
  }
  root = await c.orange!.apiRoot();
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

async function formOf(id: string): Promise<string | null | undefined> {
  const row = await hub.db.selectFrom('stix_feed').select('public_json').where('stix_id', '=', id).executeTakeFirst();
  return row?.public_json;
}

/** The log looked at and the forms made (as a page's look does, but waited for). */
async function fill(): Promise<void> {
  await hub.deps.services.stix.sync();
}

/** The oracle: the reader's objects of these ids built from live data (the walk without public forms). */
async function built(reader: string, ids: readonly string[]): Promise<StixObject[]> {
  const rows = await pageFeed(hub.db, p[reader]!, { collections: ['indicators'], addedAfter: null, afterSeq: null, ids, types: null, limit: 1000 });
  const objects = await buildObjects(hub.db, p[reader]!, rows, { ais: false });
  return rows.map((r) => objects.get(r.stix_id)).filter((o): o is StixObject => o !== undefined);
}

/** What a TAXII client receives for these ids (the body parsed as a client parses it). */
async function served(reader: string, ids: readonly string[], filters: Record<string, string> = {}): Promise<StixObject[]> {
  const r = await c[reader]!.objects(root, INDICATORS, { 'match[id]': ids.join(','), ...filters });
  expect(r.status).toBe(200);
  expect(typeof r.body, 'the body is JSON').toBe('object');
  return (r.body.objects ?? []) as StixObject[];
}

function stixIndicator(value: string, opts: { id?: string; created?: string; marking?: string; description?: string; confidence?: number } = {}) {
  const created = opts.created ?? '2026-01-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: opts.id ?? `indicator--${randomUUID()}`,
    created,
    modified: created,
    pattern: `[ipv4-addr:value = '${value}']`,
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00.000Z',
    object_marking_refs: [opts.marking ?? GREEN],
    confidence: opts.confidence ?? 40,
    ...(opts.description !== undefined ? { description: opts.description } : {}),
  };
}

describe('import records (stix_refs) of an indicator', () => {
  it('one value imported by one organization under two STIX ids: served once, as built', async () => {
    const s = hub.deps.services;
    const value = '198.51.100.77';
    await s.stix.importBundle(p.orange!, { objects: [stixIndicator(value, { created: '2026-01-01T00:00:00.000Z' })] });
    await s.stix.importBundle(p.orange!, { objects: [stixIndicator(value, { created: '2026-02-02T00:00:00.000Z' })] });
    expect(await hub.db.selectFrom('stix_refs').select('stix_id').where('hub_key', '=', `IPV4:${value}`).execute()).toHaveLength(2);
    const id = stixIds.indicator('IPV4', value);
    await fill();
    expect(await formOf(id)).toMatch(/^\{/);
    for (const reader of READERS) {
      const oracle = await built(reader, [id]);
      expect(oracle, `${reader}: the built page holds the object once`).toHaveLength(1);
      expect(await served(reader, [id]), reader).toEqual(oracle);
      // The export builds by its own path (the reports looked up, the primary picked in JavaScript).
      const exported = (await s.stix.exportBundle(p[reader]!, { types: ['indicator'] })).bundle.objects.filter((o) => o.id === id);
      expect(exported, `${reader}: export`).toEqual(oracle);
    }
    // match[version] names the version's instant however its fraction is written.
    for (const v of ['2026-02-02T00:00:00.000Z', '2026-02-02T00:00:00Z', '2026-02-02T00:00:00.000000Z']) {
      const r = await c.fresno!.object(root, INDICATORS, id, { 'match[version]': v });
      expect(r.status, v).toBe(200);
      expect(r.body.objects.map((o: StixObject) => o.modified), v).toEqual(['2026-02-02T00:00:00.000Z']);
    }
    expect((await c.fresno!.object(root, INDICATORS, id, { 'match[version]': '2026-02-02T00:00:01Z' })).status).toBe(404);
  });

  it('an imported id applied again to another value: the first value no longer shows the import times', async () => {
    const s = hub.deps.services;
    const first = '198.51.100.81';
    const second = '198.51.100.82';
    const stixId = `indicator--${randomUUID()}`;
    // Kern also reports both values, so that each has a public form whatever Orange's import says.
    await s.stix.importBundle(p.orange!, { objects: [stixIndicator(first, { id: stixId, created: '2025-05-05T05:05:05.000Z' })] });
    const id = stixIds.indicator('IPV4', first);
    await fill();
    expect(await formOf(id)).toMatch(/^\{/);
    expect((await served('fresno', [id]))[0]?.created).toBe('2025-05-05T05:05:05.000Z');
    // The same STIX object, a later version naming another value: the import record moves to the second value.
    await s.stix.importBundle(p.orange!, {
      objects: [{ ...stixIndicator(second, { id: stixId, created: '2025-05-05T05:05:05.000Z' }), modified: '2025-06-06T06:06:06.000Z' }],
    });
    const ref = await hub.db.selectFrom('stix_refs').select('hub_key').where('stix_id', '=', stixId).executeTakeFirstOrThrow();
    expect(ref.hub_key).toBe(`IPV4:${second}`);
    for (const reader of READERS) expect(await served(reader, [id]), reader).toEqual(await built(reader, [id]));
  });
});

describe('every write path, read by a page before any look at the log', () => {
  it('bulk import, LES, GraphQL revocation, sighting, incident link, another organization, STIX import', async () => {
    const s = hub.deps.services;
    const value = '198.51.100.131';
    const id = stixIds.indicator('IPV4', value);
    const reportOf = async (org: string) =>
      String((await sql<{ id: string }>`select r.id from indicator_reports r join indicators i on i.id = r.indicator_id join organizations o on o.id = r.organization_id
        where i.value = ${value} and o.slug = ${org}`.execute(hub.db)).rows[0]!.id);
    // Every reader's page right after the write (the copy must already be right), then after a fill.
    const check = async (what: string, form: 'form' | 'none') => {
      for (const reader of READERS) expect(await served(reader, [id]), `${what}: ${reader}`).toEqual(await built(reader, [id]));
      await fill();
      expect((await formOf(id)) ? 'form' : 'none', what).toBe(form);
      for (const reader of READERS) expect(await served(reader, [id]), `${what}, filled: ${reader}`).toEqual(await built(reader, [id]));
    };
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    await fill();
    expect(await formOf(id)).toMatch(/^\{/);
    const { Readable } = await import('node:stream');
    const bulk = (les: boolean) =>
      s.indicators.importIndicators({ kind: 'system', name: 'cli', requestId: null, clientAddress: null } as never, {
        source: Readable.from([`${value}\n`]), format: 'txt', organization: 'county-kern', tlp: 'CLEAR', confidence: 77, lawEnforcementSensitive: les,
      } as never);
    await bulk(false);
    await check('a bulk import of a wider label', 'form');
    await bulk(true);
    await check('the same import, law-enforcement-sensitive', 'none');
    const revoked = await hub.gql(u.kern!.token, `mutation($id: ID!) { revokeIndicatorReport(id: $id) { id } }`, { id: await reportOf('county-kern') });
    expect(revoked.errors).toBeUndefined();
    await check('a GraphQL revocation', 'form');
    await s.indicatorReports.reportSighting(p.orange!, { value, type: 'IPV4', tlp: 'GREEN' } as never);
    await check('a sighting', 'form');
    const incident = await s.incidents.file(p.orange!, { title: 'Scan', summary: 'scan', category: 'OTHER', severity: 'LOW', tlp: 'GREEN' } as never);
    await s.indicatorReports.linkToIncident(p.orange!, { type: 'IPV4', value, incidentId: incident.id });
    await check('a link to an incident', 'form');
    await sql`update indicator_reports set organization_id = ${p.fbi!.organization.id} where id = ${await reportOf('county-orange')}`.execute(hub.db);
    await check('the report moved to another organization', 'form');
    await s.stix.importBundle(p.kern!, { objects: [stixIndicator(value, { marking: CLEAR, description: 'from a bundle', created: '2024-04-04T04:04:04.000Z' })] });
    await check('a STIX import of the value', 'form');
    expect((await served('fresno', [id]))[0]?.created).toBe('2024-04-04T04:04:04.000Z');
  });
});

describe('copies made by an earlier version of the hub', () => {
  it('the object a form holds is pinned: a change to it needs a migration that forgets the copies', () => {
    // Copies stay in stix_feed across deploys. If this test fails because the indicator object changed on
    // purpose, add a migration that forgets them (update stix_feed set public_json = null, public_version =
    // null where public_json is not null; see 2026-12-10T0600) and then update the literal here.
    const form = publicIndicatorForm('indicator--00000000-0000-5000-8000-000000000001', {
      id: 1, indicator_id: 1, type: 'IPV4', value: '192.0.2.1', benign_reason: null, organization_id: 'o', tlp: 'GREEN', confidence: 50,
      valid_from: '2026-01-01T00:00:00.000Z', valid_until: '2026-02-01T00:00:00.000Z', description: 'd', incident_id: null,
      created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-02T00:00:00.000Z', ref_created: null, ref_modified: null, ref_current: false,
    }, false, () => 'county-orange');
    expect(form?.version).toBe('2026-01-02T00:00:00.000Z');
    expect(JSON.parse(form!.json)).toEqual({
      type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-5000-8000-000000000001', created_by_ref: stixIds.organization('county-orange'),
      created: '2026-01-01T00:00:00.000Z', modified: '2026-01-02T00:00:00.000Z', name: '192.0.2.1', indicator_types: ['malicious-activity'],
      pattern: "[ipv4-addr:value = '192.0.2.1']", pattern_type: 'stix', pattern_version: '2.1', valid_from: '2026-01-01T00:00:00.000Z',
      valid_until: '2026-02-01T00:00:00.000Z', confidence: 50, object_marking_refs: [GREEN], description: 'd',
    });
  });
});

describe('text the stored copy holds', () => {
  it('quotes, backslashes, control characters, line and paragraph separators, astral characters', async () => {
    const s = hub.deps.services;
    const value = '198.51.100.91';
    const description = 'a "quoted" \\ back\\slash, \u0001\u001f controls, \t tab,\u2028line\u2029para, é, 🗳️, </script>, \ud800 lone';
    await s.stix.importBundle(p.orange!, { objects: [stixIndicator(value, { description })] });
    const id = stixIds.indicator('IPV4', value);
    await fill();
    expect(await formOf(id)).toMatch(/^\{/);
    const r = await c.fresno!.objects(root, INDICATORS, { 'match[id]': id });
    expect(r.headers.get('content-type')).toBe(TAXII);
    const [object] = r.body.objects as StixObject[];
    expect(object).toEqual((await built('fresno', [id]))[0]);
    expect(validateStix(object!)).toEqual([]);
    expect(object!.description).toContain('"quoted" \\ back\\slash');
  });
});

describe('the envelopes of pages that mix public forms and built objects', () => {
  it('objects, manifest, next/more, versions, match[version] and single objects agree with the built objects', async () => {
    const s = hub.deps.services;
    const values = ['198.51.100.101', '198.51.100.102', '198.51.100.103', '198.51.100.104'];
    // Two public (GREEN, CLEAR), one AMBER (built for Orange and Kern only), one LES GREEN of the FBI (built).
    await s.indicatorReports.reportIndicators(p.orange!, [{ value: values[0]!, tlp: 'GREEN', confidence: 10, description: 'x"y' }] as never);
    await s.indicatorReports.reportIndicators(p.kern!, [{ value: values[1]!, tlp: 'AMBER', confidence: 20 }] as never);
    await s.indicatorReports.reportIndicators(p.kern!, [{ value: values[2]!, tlp: 'CLEAR', confidence: 30 }] as never);
    await s.indicatorReports.reportIndicators(p.fbi!, [{ value: values[3]!, tlp: 'GREEN', confidence: 40, lawEnforcementSensitive: true }] as never);
    await fill();
    const ids = values.map((v) => stixIds.indicator('IPV4', v));
    expect((await Promise.all(ids.map(formOf))).map((f) => (f ? 'form' : f))).toEqual(['form', '', 'form', '']);
    for (const reader of READERS) {
      const oracle = await built(reader, ids);
      // Page by page, one object a page.
      const walked: StixObject[] = [];
      let next: string | undefined;
      for (let i = 0; i < 10; i++) {
        const r = await c[reader]!.objects(root, INDICATORS, { 'match[id]': ids.join(','), limit: '1', ...(next ? { next } : {}) });
        expect(r.status).toBe(200);
        walked.push(...((r.body.objects ?? []) as StixObject[]));
        if (!r.body.more) {
          expect(r.body.next, `${reader}: no next on the last page`).toBeUndefined();
          break;
        }
        next = r.body.next;
      }
      expect(walked, reader).toEqual(oracle);
      for (const o of walked) expect(validateStix(o), `${reader} ${o.id}`).toEqual([]);
      const manifest = await c[reader]!.manifest(root, INDICATORS, { 'match[id]': ids.join(',') });
      expect(manifest.body.objects.map((m: { id: string; version: string }) => [m.id, m.version]), reader).toEqual(oracle.map((o) => [o.id, o.modified]));
      for (const o of oracle) {
        const one = await c[reader]!.object(root, INDICATORS, o.id);
        expect(one.status).toBe(200);
        expect(one.body, `${reader} ${o.id}`).toEqual({ more: false, objects: [o] });
        const versions = await c[reader]!.versions(root, INDICATORS, o.id);
        expect(versions.body, `${reader} ${o.id}`).toEqual({ more: false, versions: [o.modified] });
        // The version as written, and the same instant without its fraction's zeros (…:00Z for …:00.000Z).
        for (const v of ['first', 'last', 'all', o.modified as string, (o.modified as string).replace(/\.?0+Z$/, 'Z')]) {
          expect((await c[reader]!.object(root, INDICATORS, o.id, { 'match[version]': v })).body.objects, `${reader} ${v}`).toEqual([o]);
        }
        const other = await c[reader]!.object(root, INDICATORS, o.id, { 'match[version]': '2001-01-01T00:00:00.000Z' });
        expect(other.status, `${reader}: another version`).toBe(404);
      }
      // Ids the reader may not see: 404, as for an object that does not exist.
      for (const id of ids.filter((x) => !oracle.some((o) => o.id === x))) expect((await c[reader]!.object(root, INDICATORS, id)).status).toBe(404);
    }
  });
});

describe('locks: the fill, the log and the writers', () => {
  it('a writer of two indicators in two statements and a look at the log cannot deadlock', async () => {
    const s = hub.deps.services;
    const [a, b] = ['198.51.100.111', '198.51.100.112'];
    await s.indicatorReports.reportIndicators(p.orange!, [{ value: a, tlp: 'GREEN', confidence: 10 }, { value: b, tlp: 'GREEN', confidence: 10 }] as never);
    await fill();
    const [idA, idB] = [a, b].map((v) => stixIds.indicator('IPV4', v)) as [string, string];
    const report = async (v: string) =>
      String((await sql<{ id: string }>`select r.id from indicator_reports r join indicators i on i.id = r.indicator_id where i.value = ${v}`.execute(hub.db)).rows[0]!.id);
    const [ra, rb] = [await report(a), await report(b)];
    // Changes of B, then of A, committed (the log is to move both, B first); then the forms made again
    // before the log looks (a fill that ran after a commit, before the next sync).
    await sql`update indicator_reports set confidence = 11, updated_at = clock_timestamp() where id = ${rb}`.execute(hub.db);
    await new Promise((r) => setTimeout(r, 5));
    await sql`update indicator_reports set confidence = 11, updated_at = clock_timestamp() where id = ${ra}`.execute(hub.db);
    await hub.db.transaction().execute(async (trx) => {
      await lockFeed(trx);
      expect(await tryLockPublicForms(trx)).toBe(true);
      const rows = (await unfilledIndicators(trx, 100)).filter((r) => r.stix_id === idA || r.stix_id === idB);
      expect(rows).toHaveLength(2);
      await storePublicForms(trx, rows.map((r) => ({ stixId: r.stix_id, ...publicIndicatorForm(r.stix_id, r.report, r.les, () => 'county-orange')! })));
    });
    expect(await formOf(idA)).toMatch(/^\{/);
    expect(await formOf(idB)).toMatch(/^\{/);

    // A writer (an import's insert then update statements, a STIX import's statement per TLP) changes A …
    let step!: () => void;
    const next = new Promise<void>((r) => (step = r));
    let wrote!: () => void;
    const first = new Promise<void>((r) => (wrote = r));
    const writer = hub.db.transaction().execute(async (trx) => {
      await sql`update indicator_reports set confidence = 12, updated_at = clock_timestamp() where id = ${ra}`.execute(trx);
      wrote();
      await next;
      // … then B, while the log moves B and waits for A.
      await sql`update indicator_reports set confidence = 12, updated_at = clock_timestamp() where id = ${rb}`.execute(trx);
    });
    await first;
    const look = syncFeed(hub.db);
    look.catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    step();
    const outcome = await Promise.allSettled([writer, look]);
    expect(outcome.map((o) => (o.status === 'rejected' ? String((o.reason as Error).message) : 'ok'))).toEqual(['ok', 'ok']);
    // The look left the rows the writer held (A) for the next one, which logs both at the end.
    const seqOf = async (id: string) => Number((await hub.db.selectFrom('stix_feed').select('seq').where('stix_id', '=', id).executeTakeFirstOrThrow()).seq);
    const before = Math.max(await seqOf(idA), await seqOf(idB));
    await hub.deps.services.stix.sync();
    const after = (await sql<{ m: string }>`select max(seq) as m from stix_feed`.execute(hub.db)).rows[0]!.m;
    expect(await seqOf(idA)).toBeGreaterThan(before);
    expect(Number(after)).toBeGreaterThanOrEqual(await seqOf(idA));
    for (const reader of READERS) expect(await served(reader, [idA, idB]), reader).toEqual(await built(reader, [idA, idB]));
  });

  it('a look at the log that leaves rows to writers in flight looks again next time, whatever the signature', async () => {
    const s = hub.deps.services;
    const value = '198.51.100.121';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    await fill();
    const id = stixIds.indicator('IPV4', value);
    const rid = String((await sql<{ id: string }>`select r.id from indicator_reports r join indicators i on i.id = r.indicator_id where i.value = ${value}`.execute(hub.db)).rows[0]!.id);
    // A change committed (the row to move), the form made again, then a writer in flight on the row that
    // changes nothing the signature sees (linking to an incident writes no updated_at).
    await sql`update indicator_reports set confidence = 13, updated_at = clock_timestamp() where id = ${rid}`.execute(hub.db);
    await hub.db.transaction().execute(async (trx) => {
      await lockFeed(trx);
      expect(await tryLockPublicForms(trx)).toBe(true);
      const rows = (await unfilledIndicators(trx, 100)).filter((r) => r.stix_id === id);
      await storePublicForms(trx, rows.map((r) => ({ stixId: r.stix_id, ...publicIndicatorForm(r.stix_id, r.report, r.les, (o) => (o === p.orange!.organization.id ? 'county-orange' : '?'))! })));
    });
    const seqBefore = Number((await hub.db.selectFrom('stix_feed').select('seq').where('stix_id', '=', id).executeTakeFirstOrThrow()).seq);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const writer = hub.db.transaction().execute(async (trx) => {
      await sql`update indicator_reports set incident_id = null where id = ${rid}`.execute(trx);
      entered();
      await held;
    });
    await inside;
    await s.stix.sync();
    expect(Number((await hub.db.selectFrom('stix_feed').select('seq').where('stix_id', '=', id).executeTakeFirstOrThrow()).seq)).toBe(seqBefore);
    release();
    await writer;
    await s.stix.sync();
    expect(Number((await hub.db.selectFrom('stix_feed').select('seq').where('stix_id', '=', id).executeTakeFirstOrThrow()).seq)).toBeGreaterThan(seqBefore);
  });
});
