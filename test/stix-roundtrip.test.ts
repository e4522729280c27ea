/**
 * STIX round trip and adapters (issue 15, items 2, 4 and 6): export from one hub (GraphQL stixBundle) →
 * import into a second hub database (GraphQL importStixBundle) → export again gives the same objects;
 * importing twice changes nothing; the CLI (`estf stix export`, `estf stix import`) on the second hub; the
 * access matrix of test/oracle.ts through TAXII and the export for incidents across TLP × LES × audience.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stixIds } from '../src/modules/stix/index.js';
import { runEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import * as O from './oracle.js';
import { validateBundle } from './support/stix-schemas.js';
import { TaxiiClient } from './support/taxii-client.js';

let a: TestHub;
let b: TestHub;
let aOrange: TestUser;
let bOrange: TestUser;

const EXPORT = `query($incident: ID, $filter: StixFilter) { stixBundle(incident: $incident, filter: $filter) { bundle objectCount refused { id reason } } }`;
const IMPORT = `mutation($bundle: String!) { importStixBundle(bundle: $bundle) { organization total imported kept refused unchanged results { index id type outcome changed message } } }`;

async function exportOwn(hub: TestHub, user: TestUser) {
  const r = await hub.gql(user.token, EXPORT, {});
  expect(r.errors).toBeUndefined();
  const bundle = r.data.stixBundle.bundle;
  expect(validateBundle(bundle)).toEqual([]);
  return bundle as { type: string; id: string; objects: Array<Record<string, any>> };
}

/** The objects the organization made (what a partner would import as its own), by id. */
function ownObjects(objects: Array<Record<string, any>>, slug: string) {
  const own = stixIds.organization(slug);
  const out = new Map<string, Record<string, any>>();
  for (const o of objects) {
    if (o.created_by_ref !== own) continue;
    const copy = { ...o };
    // The hub's own reference number is per hub (the original's travels in the imported object).
    if (copy.type === 'incident') delete copy.external_references;
    out.set(o.id, copy);
  }
  return out;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startTestHub(), startTestHub()]);
  aOrange = await makeUser(a.deps, 'county-orange', ['ANALYST'], 'a-orange');
  bOrange = await makeUser(b.deps, 'county-orange', ['ANALYST'], 'b-orange');
  const s = a.deps.services;
  const p = (await s.identity.authenticate(aOrange.token, { requestId: null, clientAddress: null }))!;
  await s.indicatorReports.reportIndicators(p, [
    { value: '198.51.100.61', tlp: 'GREEN', confidence: 70, description: 'C2 seen in county logs', validUntil: new Date('2027-01-01T00:00:00Z') },
    { value: 'absentee-ballot-ca.net', tlp: 'AMBER' },
    { value: '203.0.113.64/27', type: 'CIDR', tlp: 'CLEAR' },
  ] as never);
  await s.indicatorReports.reportSighting(p, { value: '198.51.100.61', tlp: 'GREEN', count: 4, seenAt: new Date('2026-11-02T10:00:00Z') });
  const inc = await s.incidents.file(p, { title: 'Phishing of the elections office', summary: 'Credential phishing from absentee-ballot-ca.net', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' });
  await s.incidents.comment(p, inc.id, 'Domain blocked at the mail gateway');
  await s.indicatorReports.linkToIncident(p, { type: 'DOMAIN', value: 'absentee-ballot-ca.net', incidentId: inc.id });
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('STIX round trip between two hubs', () => {
  it('export → import into a second hub → export gives the same objects; a second import changes nothing', async () => {
    const first = await exportOwn(a, aOrange);
    const own = ownObjects(first.objects, 'county-orange');
    expect([...own.values()].map((o) => o.type).sort()).toEqual(['identity', 'incident', 'indicator', 'indicator', 'indicator', 'note', 'relationship', 'sighting'].filter((t) => t !== 'identity').sort());

    const imported = await b.gql(bOrange.token, IMPORT, { bundle: JSON.stringify(first) });
    expect(imported.errors).toBeUndefined();
    const r = imported.data.importStixBundle;
    expect(r.total).toBe(first.objects.length);
    expect(r.refused).toBe(0);
    expect(r.results).toHaveLength(first.objects.length);
    for (const x of r.results) if ([...own.keys()].includes(x.id)) expect(x.outcome).toBe('IMPORTED');

    const second = await exportOwn(b, bOrange);
    const again = ownObjects(second.objects, 'county-orange');
    expect(new Set(again.keys())).toEqual(new Set(own.keys()));
    for (const [id, o] of own) expect(again.get(id), id).toEqual(o);

    const twice = (await b.gql(bOrange.token, IMPORT, { bundle: JSON.stringify(first) })).data.importStixBundle;
    expect(twice.results.filter((x: any) => x.changed).map((x: any) => x.message)).toEqual([]);
    expect(twice.unchanged).toBe(twice.total - twice.refused);
    expect(twice.results.filter((x: any) => x.changed)).toEqual([]);
  });

  it('invalid JSON, STIX 2.0 and a non-bundle are refused naming the property', async () => {
    const bad = await b.gql(bOrange.token, IMPORT, { bundle: '{"type": "bundle", ' });
    expect(bad.errors?.[0]?.message).toMatch(/^bundle: not valid JSON/);
    const v20 = await b.gql(bOrange.token, IMPORT, { bundle: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.0', objects: [] }) });
    expect(v20.errors?.[0]?.message).toMatch(/bundle\.spec_version.*STIX 2\.0/);
    expect(v20.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const notBundle = await b.gql(bOrange.token, IMPORT, { bundle: '{"type":"report"}' });
    expect(notBundle.errors?.[0]?.message).toMatch(/bundle\.type/);
  });

  it('a later version of an imported incident, over GraphQL: applied once, then the hub incident read over GraphQL shows it', async () => {
    const id = `incident--${randomUUID()}`;
    const bundle = (modified: string, name: string) =>
      JSON.stringify({
        type: 'bundle', id: `bundle--${randomUUID()}`,
        objects: [{ type: 'incident', spec_version: '2.1', id, created: '2026-11-01T00:00:00.000Z', modified, name, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] }],
      });
    const first = (await b.gql(bOrange.token, IMPORT, { bundle: bundle('2026-11-01T00:00:00.000Z', 'Look-alike domain') })).data.importStixBundle;
    const reference = /filed as incident (\S+)/.exec(first.results[0].message)![1]!;
    const later = (await b.gql(bOrange.token, IMPORT, { bundle: bundle('2026-11-02T00:00:00.000Z', 'Look-alike domain, now hosting a fake ballot tracker') })).data.importStixBundle;
    expect(later.results[0]).toMatchObject({ outcome: 'IMPORTED', changed: true });
    const again = (await b.gql(bOrange.token, IMPORT, { bundle: bundle('2026-11-02T00:00:00.000Z', 'Look-alike domain, now hosting a fake ballot tracker') })).data.importStixBundle;
    expect(again.results[0]).toMatchObject({ outcome: 'IMPORTED', changed: false });
    const read = await b.gql(bOrange.token, `query($r: String!) { incidentByReference(reference: $r) { title } }`, { r: reference });
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
    expect(read.data.incidentByReference.title).toBe('Look-alike domain, now hosting a fake ballot tracker');
  });

  it('the CLI exports as an organization and imports a file for one, streaming', async () => {
    const env = { DATABASE_URL: b.dbUrl, ESTF_QUEUE_PREFIX: b.config.queuePrefix };
    const dir = await mkdtemp(path.join(tmpdir(), 'estf-stix-'));
    const file = path.join(dir, 'bundle.json');
    const exported = await runEstf(['stix', 'export', '--org', 'county-fresno', '--type', 'indicator', '--out', file], env, 120_000);
    expect(exported.code, exported.stderr).toBe(0);
    const bundle = JSON.parse(await readFile(file, 'utf8'));
    // Fresno (a stranger county) may see the GREEN and CLEAR values, not the AMBER one.
    expect(bundle.objects.filter((o: any) => o.type === 'indicator').map((o: any) => o.name).sort()).toEqual(['198.51.100.61', '203.0.113.64/27']);
    const extra = {
      type: 'bundle',
      id: `bundle--${randomUUID()}`,
      objects: [
        { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', pattern: "[domain-name:value = 'cli-import-ca.net']", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z', object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] },
        { type: 'campaign', spec_version: '2.1', id: `campaign--${randomUUID()}`, created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', name: 'Ballot Bandits' },
        { type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', created_by_ref: stixIds.organization('county-kern'), sighting_of_ref: stixIds.indicator('DOMAIN', 'cli-import-ca.net') },
        // Nobody's sighting (no created_by_ref, no where_sighted_refs): kept, not recorded as Kern's.
        { type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', sighting_of_ref: stixIds.indicator('DOMAIN', 'cli-import-ca.net'), count: 9 },
        { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: 'yesterday', modified: '2026-11-01T00:00:00Z', pattern: "[url:value = 'x']", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z' },
      ],
    };
    await writeFile(file, JSON.stringify(extra));
    const imported = await runEstf(['stix', 'import', file, '--org', 'county-kern'], env, 120_000);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/objects\s+5/);
    expect(imported.stdout).toMatch(/imported\s+1/);
    expect(imported.stdout).toMatch(/kept\s+2/);
    expect(imported.stdout).toMatch(/refused\s+2/);
    expect(imported.stdout).toMatch(/objects\[2\] sighting--.*needs|objects\[2\] sighting--.*analyst/);
    expect(imported.stdout).toMatch(/objects\[4\] indicator--.*property created: "yesterday"/);
    // --as: the operator acts as an analyst of the organization, so the sighting Kern made becomes Kern's
    // record (reported by that analyst); the rest is held exactly so already.
    const kernAnalyst = await makeUser(b.deps, 'county-kern', ['ANALYST'], 'b-kern');
    const asAnalyst = await runEstf(['stix', 'import', file, '--org', 'county-kern', '--as', kernAnalyst.email.toUpperCase()], env, 120_000);
    expect(asAnalyst.code, asAnalyst.stderr).toBe(0);
    expect(asAnalyst.stdout).toMatch(/imported\s+2/); // the indicator (unchanged) and the sighting
    expect(asAnalyst.stdout).toMatch(/refused\s+1/); // only the malformed indicator
    const sighting = await b.db
      .selectFrom('sightings as s')
      .innerJoin('indicators as i', 'i.id', 's.indicator_id')
      .select(['s.reported_by', 's.count'])
      .where('i.value', '=', 'cli-import-ca.net')
      .where('s.reported_by', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(sighting.reported_by).toBe(kernAnalyst.id);
    // Not an analyst of that organization, not a user at all: refused, nothing written.
    const viewer = await makeUser(b.deps, 'county-kern', ['VIEWER'], 'b-kern-viewer');
    for (const [as, message] of [
      [viewer.email, /analyst of that organization/],
      [bOrange.email, /analyst of that organization/],
      ['nobody@county-kern.test', /User.*nobody@county-kern\.test.*not found|not found.*nobody@county-kern\.test/i],
    ] as const) {
      const r = await runEstf(['stix', 'import', file, '--org', 'county-kern', '--as', as], env, 120_000);
      expect(r.code, `${as}: ${r.stdout}`).toBe(1);
      expect(r.stderr, as).toMatch(message);
    }
    const v20 = path.join(dir, 'v20.json');
    await writeFile(v20, JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.0', objects: [{ type: 'indicator' }] }));
    const refused = await runEstf(['stix', 'import', v20, '--org', 'county-kern'], env, 120_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bundle\.spec_version.*STIX 2\.0/);
  });
});

describe('the access matrix through TAXII and the export (personas of test/oracle.ts)', () => {
  it('every persona reads exactly the incidents the oracle lets them see, through TAXII and through stixBundle', async () => {
    const personas: Array<[string, O.Role[]]> = [
      ['county-orange', ['ANALYST']],
      ['county-orange', ['VIEWER']],
      ['county-kern', ['ANALYST']],
      ['county-fresno', ['VIEWER']],
      ['sos', ['COORDINATOR']],
      ['cal-oes', ['VIEWER']],
      ['fbi', ['ANALYST']],
      ['chp', ['VIEWER']],
      ['cisa', ['ANALYST']],
      ['ei-isac', ['VIEWER']],
    ];
    const users: Array<TestUser & O.OracleUser> = [];
    for (const [org, roles] of personas) {
      const t = await makeUser(a.deps, org, roles, `m-${org}`);
      users.push({ ...t, label: `${org} ${roles.join('+')}`, email: t.email, org, roles });
    }
    const reporter = users[0]!;
    const kernAnalyst = users[2]!;
    const rp = (await a.deps.services.identity.authenticate(reporter.token, { requestId: null, clientAddress: null }))!;
    const incidents: O.OracleIncident[] = [];
    for (const tlp of ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const) {
      for (const les of [false, true]) {
        for (const audience of ['none', 'kern', 'fbi'] as const) {
          if (tlp === 'RED' && audience !== 'kern') continue; // RED names its recipients
          const title = `M ${tlp} ${les ? 'LES' : 'open'} ${audience}`;
          const input = {
            title,
            summary: 'matrix',
            category: 'PHISHING' as const,
            severity: 'LOW' as const,
            tlp,
            lawEnforcementSensitive: les,
            ...(tlp === 'RED' ? (audience === 'kern' ? { shareWithUsers: [kernAnalyst.email] } : {}) : audience === 'kern' ? { affectedCounties: ['county-kern'] } : audience === 'fbi' ? { shareWith: ['fbi'] } : {}),
          };
          const row = await a.deps.services.incidents.file(rp, input as never);
          incidents.push({
            label: title, id: row.id, reference: row.reference, title, tlp, les, exercise: false, severity: 'LOW', category: 'PHISHING', status: 'REPORTED',
            reportingOrg: 'county-orange', reportingUser: reporter.email,
            affectedCounties: tlp !== 'RED' && audience === 'kern' ? ['county-kern'] : [],
            sharedOrgs: tlp !== 'RED' && audience === 'fbi' ? ['fbi'] : [],
            recipients: tlp === 'RED' && audience === 'kern' ? [kernAnalyst.email] : [],
            mergedInto: null,
          });
        }
      }
    }
    let comparisons = 0;
    const mismatches: string[] = [];
    const root = `${a.url}/taxii2/api/`;
    for (const user of users) {
      const expected = new Set(incidents.filter((i) => O.canSee(user, i)).map((i) => stixIds.incident(i.id)));
      const client = TaxiiClient.basic(a.url, user.email, user.token);
      const viaTaxii = new Set((await client.all(root, '7b1d2e4f-3a5c-5b6d-8e9f-0a1b2c3d4e02', { 'match[type]': 'incident' }, 50)).objects.filter((o) => o.name.startsWith('M ')).map((o) => o.id));
      const exported = await a.gql(user.token, EXPORT, { filter: { types: ['incident'] } });
      const viaExport = new Set((exported.data.stixBundle.bundle.objects ?? []).filter((o: any) => o.type === 'incident' && o.name.startsWith('M ')).map((o: any) => o.id));
      for (const i of incidents) {
        const id = stixIds.incident(i.id);
        for (const [path, got] of [['taxii', viaTaxii], ['export', viaExport]] as const) {
          comparisons++;
          if (expected.has(id) !== got.has(id)) mismatches.push(`${path}: ${user.label} ${expected.has(id) ? 'denied' : 'allowed'} ${i.label}`);
        }
      }
      // Object by id: visible ones answer, the others are 404 like an unknown id.
      for (const i of incidents.slice(0, 10)) {
        comparisons++;
        const r = await client.object(root, '7b1d2e4f-3a5c-5b6d-8e9f-0a1b2c3d4e02', stixIds.incident(i.id));
        if ((r.status === 200) !== O.canSee(user, i)) mismatches.push(`taxii object: ${user.label} ${r.status} ${i.label}`);
      }
    }
    console.log(`[stix access matrix] ${users.length} personas × ${incidents.length} incidents: ${comparisons} comparisons, ${mismatches.length} mismatches`);
    expect(mismatches).toEqual([]);
  });
});
