/**
 * The fast paths of issue 15's benchmark, held to the behaviour of the plain ones:
 *  - a TAXII page finds each indicator's primary visible report in the same walk that decides it is visible;
 *    an export by incident looks reports up afterwards. Both must build the same object for every reader,
 *    whichever report (organization, TLP, age) that reader's view is built from.
 *  - a bundle's indicators are written batch by batch while the rest is still being read: every object is
 *    accounted for across batches, a sighting may name an indicator by the id the hub gives it, a repeated
 *    import changes nothing, and a new version's valid_from is applied.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../src/access/principal.js';
import { stixIds, stixTimeOf, type StixObject } from '../src/modules/stix/index.js';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

let hub: TestHub;
const p: Record<string, UserPrincipal> = {};

async function principal(org: string, roles: Parameters<typeof makeUser>[2], label: string): Promise<UserPrincipal> {
  const u = await makeUser(hub.deps, org, roles, label);
  return (await hub.deps.services.identity.authenticate(u.token, { requestId: 'stix-paths', clientAddress: null }))!;
}

const INDICATORS = '2c6a3f0e-6d0b-5c59-9b3e-1f4a0f7e5a01';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  hub = await startTestHub({}, { http: false });
  p.orange = await principal('county-orange', ['ANALYST'], 'orange');
  p.kern = await principal('county-kern', ['ANALYST'], 'kern');
  p.fresno = await principal('county-fresno', ['VIEWER'], 'fresno');
  p.sos = await principal('sos', ['COORDINATOR', 'ANALYST'], 'sos');
  p.fbi = await principal('fbi', ['ANALYST'], 'fbi');
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

describe('times read as text', () => {
  it('become the STIX timestamps a Date would have written, for every precision PostgreSQL keeps', async () => {
    const instants = ['2026-11-01 08:00:00+00', '2026-11-01 08:00:00.1+00', '2026-11-01 08:00:00.12+00', '2026-11-01 08:00:00.123456+00', '2026-12-31 23:59:59.999999+00', '2024-02-29 00:00:00.0005+00', '1999-01-01 00:00:00.010203+00'];
    for (const t of instants) {
      const { rows } = await sql<{ text: string; at: Date }>`select (${t}::timestamptz at time zone 'UTC')::text as text, ${t}::timestamptz as at`.execute(hub.db);
      expect(stixTimeOf(rows[0]!.text), t).toBe(rows[0]!.at.toISOString());
    }
    // TAXII's date_added keeps microseconds.
    expect(stixTimeOf('2026-11-01 08:00:00.1', 6)).toBe('2026-11-01T08:00:00.100000Z');
    expect(stixTimeOf('2026-11-01 08:00:00.123456', 6)).toBe('2026-11-01T08:00:00.123456Z');
    expect(stixTimeOf('2026-11-01 08:00:00', 6)).toBe('2026-11-01T08:00:00.000000Z');
  });
});

describe('a TAXII page and an export by incident build the same indicator', () => {
  it('for every reader, whichever of several reports (organizations, TLPs, ages) the view is built from', async () => {
    const s = hub.deps.services;
    const value = '192.0.2.77';
    // Kern AMBER first (oldest), then Orange AMBER, then FBI AMBER+STRICT with a description: each county
    // sees its own, the FBI its own, the coordinator Kern's (the widest-labelled visible one, then the
    // oldest, is the primary), Fresno none.
    await s.indicatorReports.reportIndicators(p.kern!, [{ value, tlp: 'AMBER', confidence: 20, description: 'kern saw it first' }] as never);
    await sleep(5);
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'AMBER', confidence: 60 }] as never);
    await sleep(5);
    await s.indicatorReports.reportIndicators(p.fbi!, [{ value, tlp: 'AMBER_STRICT', confidence: 90, description: 'fbi only' }] as never);
    const incident = await s.incidents.file(p.kern!, { title: 'Scan from 192.0.2.77', summary: 'scan', category: 'OTHER', severity: 'LOW', tlp: 'GREEN' });
    await s.indicatorReports.linkToIncident(p.kern!, { type: 'IPV4', value, incidentId: incident.id });
    await s.stix.sync();
    const id = stixIds.indicator('IPV4', value);

    const seen = new Set<string>();
    for (const reader of ['orange', 'kern', 'fresno', 'sos', 'fbi']) {
      const page = await s.stix.taxiiPage(p[reader]!, 'indicators', { addedAfter: null, limit: 1000, next: null, ids: [id], types: null, versions: null, specVersions: null });
      const exported = await s.stix.exportBundle(p[reader]!, { incidentId: incident.id });
      // As a client reads it (a public form is JSON text until written).
      const fromPage = (JSON.parse(JSON.stringify(page.objects)) as StixObject[]).find((o) => o.id === id);
      const fromExport = exported.bundle.objects.find((o) => o.id === id);
      expect(fromPage, reader).toEqual(fromExport);
      seen.add(JSON.stringify([reader === 'fresno', fromPage?.created_by_ref, fromPage?.confidence]));
    }
    // Kern, Orange and the FBI were each shown a different report, Fresno none: four distinct views compared.
    expect(seen.size).toBe(4);
  });

  it('a report revoked, or hidden from the reader, is never the one a page builds from', async () => {
    const s = hub.deps.services;
    const value = 'revoked-primary.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'CLEAR', confidence: 10 }] as never);
    await s.indicatorReports.reportIndicators(p.kern!, [{ value, tlp: 'AMBER', confidence: 70 }] as never);
    const own = await hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .select('r.id')
      .where('i.value', '=', value)
      .where('r.organization_id', '=', p.orange!.organization.id)
      .executeTakeFirstOrThrow();
    await s.indicatorReports.revokeReport(p.orange!, String(own.id));
    await s.stix.sync(); // pages look for changes at most once a second
    const id = stixIds.indicator('DOMAIN', value);
    const q = { addedAfter: null, limit: 1000, next: null, ids: [id], types: null, versions: null, specVersions: null };
    const forFresno = await s.stix.taxiiPage(p.fresno!, 'indicators', q);
    expect(forFresno.objects).toEqual([]); // only Kern's AMBER report is left: not Fresno's to see
    const forKern = await s.stix.taxiiPage(p.kern!, 'indicators', q);
    expect(forKern.objects).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(forKern.objects))[0].confidence).toBe(70);
  });
});

describe('a bundle larger than a batch', () => {
  const at = '2026-11-01T00:00:00.000Z';
  const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
  const n = 11_000; // three batches of 5,000
  const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const objects = (validFrom = at, modified = at): Array<Record<string, unknown>> => [
    ...Array.from({ length: n }, (_, i) => ({
      type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(i)}`, created: at, modified: i === 42 ? modified : at,
      pattern: `[ipv4-addr:value = '${address(i)}']`, pattern_type: 'stix', valid_from: i === 42 ? validFrom : at, object_marking_refs: [GREEN],
    })),
    // A sighting naming the value by the id the hub gives it, not the bundle's own id.
    {
      type: 'sighting', spec_version: '2.1', id: 'sighting--00000000-0000-4000-8000-999999999999', created: at, modified: at,
      sighting_of_ref: stixIds.indicator('IPV4', address(7_777)), where_sighted_refs: [stixIds.organization('county-orange')],
      created_by_ref: stixIds.organization('county-orange'), count: 4, object_marking_refs: [GREEN],
    },
    { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-888888888888', created: at, modified: at, pattern: "[ipv4-addr:value = '10.0.0.1'", pattern_type: 'stix', valid_from: at },
  ];

  it('accounts for every object across batches, resolves hub ids for later objects, and is idempotent', async () => {
    const s = hub.deps.services;
    const first = await s.stix.importBundle(p.orange!, { objects: objects() });
    expect(first.total).toBe(n + 2);
    expect(first.results).toHaveLength(n + 2);
    expect(first.results.map((r) => r.index)).toEqual(Array.from({ length: n + 2 }, (_, i) => i));
    expect(first.imported).toBe(n + 1);
    expect(first.refused).toBe(1);
    expect(first.results[n + 1]!.message).toMatch(/pattern/);
    expect(first.results[n]!.message).toContain(address(7_777));

    const rows = await hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('o.slug', '=', 'county-orange')
      .where('i.value', 'like', '10.%')
      .execute();
    expect(Number(rows[0]!.n)).toBe(n);

    const again = await s.stix.importBundle(p.orange!, { objects: objects() });
    expect(again.imported).toBe(n + 1);
    expect(again.unchanged).toBe(n + 1);
  }, 120_000);

  it("applies a new version's valid_from", async () => {
    const s = hub.deps.services;
    const later = '2026-11-20T12:00:00.000Z';
    const r = await s.stix.importBundle(p.orange!, { objects: objects(later, '2026-11-20T12:00:00.000Z') });
    expect(r.results[42]!.changed).toBe(true);
    const row = await hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select('r.valid_from')
      .where('o.slug', '=', 'county-orange')
      .where('i.value', '=', address(42))
      .executeTakeFirstOrThrow();
    expect(row.valid_from.toISOString()).toBe(later);
  }, 120_000);
});

describe('one batch naming an indicator twice, under two labels', () => {
  it('records the later version, writes every label of the batch with the ids, and a repeat changes nothing', async () => {
    const s = hub.deps.services;
    const at = '2026-11-01T00:00:00.000Z';
    const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
    const id = 'indicator--00000000-0000-4000-8000-777700000001';
    const amberId = 'indicator--00000000-0000-4000-8000-777700000002';
    const base = { type: 'indicator', spec_version: '2.1', id, created: at, pattern: "[domain-name:value = 'versions.example']", pattern_type: 'stix', valid_from: at };
    const objects = [
      { ...base, modified: at, confidence: 40, object_marking_refs: [GREEN] },
      { ...base, modified: '2026-11-02T00:00:00.000Z', confidence: 80, object_marking_refs: [GREEN] },
      // No marking: AMBER, a second statement in the batch's transaction.
      { type: 'indicator', spec_version: '2.1', id: amberId, created: at, modified: at, pattern: "[domain-name:value = 'amber.versions.example']", pattern_type: 'stix', valid_from: at },
    ];
    const first = await s.stix.importBundle(p.kern!, { objects });
    expect(first.results.map((r) => [r.outcome, r.changed])).toEqual([['IMPORTED', true], ['IMPORTED', true], ['IMPORTED', true]]);
    const refs = await hub.db
      .selectFrom('stix_refs')
      .select(['stix_id', 'hub_key', 'modified'])
      .where('stix_id', 'in', [id, amberId])
      .where('organization_id', '=', p.kern!.organization.id)
      .orderBy('stix_id')
      .execute();
    expect(refs).toEqual([
      { stix_id: id, hub_key: 'DOMAIN:versions.example', modified: '2026-11-02T00:00:00.000Z' },
      { stix_id: amberId, hub_key: 'DOMAIN:amber.versions.example', modified: at },
    ]);
    const reports = await hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .select(['i.value', 'r.tlp', 'r.confidence'])
      .where('r.organization_id', '=', p.kern!.organization.id)
      .where('i.value', 'like', '%versions.example')
      .orderBy('i.value')
      .execute();
    expect(reports).toEqual([
      { value: 'amber.versions.example', tlp: 'AMBER', confidence: 50 },
      { value: 'versions.example', tlp: 'GREEN', confidence: 80 },
    ]);
    const again = await s.stix.importBundle(p.kern!, { objects });
    expect(again.imported).toBe(3);
    expect(again.unchanged).toBe(3);
  });
});

describe('an imported record and the id it came with are one change', () => {
  it('a failure recording the id leaves no incident, comment, sighting or link behind', async () => {
    const s = hub.deps.services;
    const count = async (table: 'incidents' | 'incident_timeline' | 'sightings') =>
      Number((await hub.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const fail = async () => {
      throw new Error('the machine died here');
    };
    const incidents = await count('incidents');
    await expect(s.incidents.file(p.orange!, { title: 'Imported', summary: 'x', category: 'OTHER', severity: 'LOW', tlp: 'GREEN' }, fail)).rejects.toThrow('died');
    expect(await count('incidents')).toBe(incidents);

    const incident = await s.incidents.file(p.orange!, { title: 'Target', summary: 'x', category: 'OTHER', severity: 'LOW', tlp: 'GREEN' });
    const comments = await count('incident_timeline');
    await expect(s.incidents.comment(p.orange!, incident.id, 'from a partner', fail)).rejects.toThrow('died');
    expect(await count('incident_timeline')).toBe(comments);

    await s.indicatorReports.reportIndicators(p.orange!, [{ value: '198.51.100.200', tlp: 'GREEN' }] as never);
    const sightings = await count('sightings');
    await expect(s.indicatorReports.reportSighting(p.orange!, { value: '198.51.100.200', tlp: 'GREEN' }, fail)).rejects.toThrow('died');
    expect(await count('sightings')).toBe(sightings);

    await expect(s.indicatorReports.linkToIncident(p.orange!, { type: 'IPV4', value: '198.51.100.200', incidentId: incident.id }, fail)).rejects.toThrow('died');
    const report = await hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .select('r.incident_id')
      .where('i.value', '=', '198.51.100.200')
      .executeTakeFirstOrThrow();
    expect(report.incident_id).toBeNull();
  });
});

describe('a later version of an imported incident', () => {
  const EXT = 'extension-definition--ef765651-680c-498d-9894-99799f2fa126';
  const id = 'incident--00000000-0000-4000-8000-0000000e0001';
  const incident = (modified: string, name: string, criticality: number) => ({
    type: 'incident', spec_version: '2.1', id, created: '2026-11-01T00:00:00.000Z', modified, name, description: `${name}, as Kern's SOC wrote it`,
    object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
    extensions: { [EXT]: { extension_type: 'property-extension', criticality, incident_types: ['phishing'] } },
  });
  const hubIncident = async () => {
    const ref = await hub.db.selectFrom('stix_refs').select(['hub_key', 'modified']).where('stix_id', '=', id).executeTakeFirstOrThrow();
    const row = await hub.db.selectFrom('incidents').select(['title', 'severity', 'version']).where('id', '=', ref.hub_key).executeTakeFirstOrThrow();
    return { ...row, modified: ref.modified, incidentId: ref.hub_key };
  };

  it('is applied with the version it stands for; an earlier or the same one changes nothing; a hub edit since wins', async () => {
    const s = hub.deps.services;
    const first = await s.stix.importBundle(p.kern!, { objects: [incident('2026-11-01T00:00:00.000Z', 'Phishing wave', 25)] });
    expect(first.results[0]!.message).toMatch(/filed as incident/);
    expect(await hubIncident()).toMatchObject({ title: 'Phishing wave', severity: 'LOW', modified: '2026-11-01T00:00:00.000Z' });

    const later = await s.stix.importBundle(p.kern!, { objects: [incident('2026-11-02T00:00:00.000Z', 'Phishing wave, credentials taken', 95)] });
    expect(later.results[0]).toMatchObject({ outcome: 'IMPORTED', changed: true });
    expect(later.results[0]!.message).toMatch(/later version applied/);
    const applied = await hubIncident();
    expect(applied).toMatchObject({ title: 'Phishing wave, credentials taken', severity: 'CRITICAL', modified: '2026-11-02T00:00:00.000Z' });

    for (const modified of ['2026-11-02T00:00:00.000Z', '2026-11-01T12:00:00.000Z']) {
      const again = await s.stix.importBundle(p.kern!, { objects: [incident(modified, 'An older story', 10)] });
      expect(again.results[0], modified).toMatchObject({ outcome: 'IMPORTED', changed: false });
      expect(await hubIncident()).toEqual(applied);
    }

    // Kern's analyst edits the incident in the hub: a partner's later version no longer overwrites it.
    await s.incidents.update(p.kern!, applied.incidentId, { title: 'Phishing wave (hub triage)' }, applied.version);
    const refused = await s.stix.importBundle(p.kern!, { objects: [incident('2026-11-03T00:00:00.000Z', 'Partner rename', 50)] });
    expect(refused.results[0]).toMatchObject({ outcome: 'REFUSED' });
    expect(refused.results[0]!.message).toMatch(/modified: .*changed in the hub since it was imported/);
    expect(await hubIncident()).toMatchObject({ title: 'Phishing wave (hub triage)', severity: 'CRITICAL', modified: '2026-11-02T00:00:00.000Z' });
  });
});
