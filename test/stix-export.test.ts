/**
 * STIX 2.1 export (issue 15, item 1): what a principal may see and nothing else, every object valid against
 * the OASIS schemas (ajv, incl. the Incident Core extension and the TLP 2.0 marking definitions),
 * deterministic ids, `modified` moving on change, exercise data never exported, sightings' where_sighted_refs
 * only where the sighting is visible, AIS exports without TLP:RED or e-mail addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../src/access/principal.js';
import { stixIds, uuidv5 } from '../src/modules/stix/index.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { schemaCounts, validateBundle } from './support/stix-schemas.js';

let hub: TestHub;
const users: Record<string, TestUser> = {};
const principals: Record<string, UserPrincipal> = {};
const ids: Record<string, string> = {};

async function principalOf(u: TestUser): Promise<UserPrincipal> {
  return (await hub.deps.services.identity.authenticate(u.token, { requestId: 'stix', clientAddress: null }))!;
}

async function exportAs(key: string, opts: Parameters<TestHub['deps']['services']['stix']['exportBundle']>[1] = {}) {
  const r = await hub.deps.services.stix.exportBundle(principals[key]!, opts);
  const problems = validateBundle(r.bundle as never);
  expect(problems, problems.join('\n')).toEqual([]);
  return r;
}

const byType = (objects: Array<Record<string, any>>, type: string) => objects.filter((o) => o.type === type);

beforeAll(async () => {
  hub = await startTestHub({}, { http: false });
  const defs: Array<[string, string, any[]]> = [
    ['orange', 'county-orange', ['ANALYST']],
    ['orange2', 'county-orange', ['ANALYST']],
    ['kern', 'county-kern', ['ANALYST']],
    ['fresno', 'county-fresno', ['VIEWER']],
    ['sos', 'sos', ['COORDINATOR', 'ANALYST']],
    ['fbi', 'fbi', ['ANALYST']],
  ];
  for (const [k, org, roles] of defs) {
    users[k] = await makeUser(hub.deps, org, roles, k);
    principals[k] = await principalOf(users[k]!);
  }
  const s = hub.deps.services;
  await s.indicatorReports.reportIndicators(principals.orange!, [
    { value: '198.51.100.7', tlp: 'GREEN', confidence: 80, description: 'scanner, contact soc@county-orange.example.org' },
    { value: 'ballot-lookup-ca.net', tlp: 'AMBER' },
    { value: '203.0.113.0/24', type: 'CIDR', tlp: 'CLEAR' },
    { value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', tlp: 'RED' },
  ] as never);
  await s.indicatorReports.reportSighting(principals.orange!, { value: '198.51.100.7', tlp: 'AMBER', count: 3 });
  await s.indicatorReports.reportSighting(principals.kern!, { value: '198.51.100.7', tlp: 'GREEN', count: 2 });
  const green = await s.incidents.file(principals.orange!, { title: 'Phishing of poll workers', summary: 'Mails asking for credentials', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' });
  const amber = await s.incidents.file(principals.orange!, { title: 'Scan of the VR system', summary: 'Port scans', category: 'VOTER_REGISTRATION_INTRUSION', severity: 'MODERATE', tlp: 'AMBER' });
  const les = await s.incidents.file(principals.orange!, { title: 'Threat to a clerk', summary: 'Threat', category: 'THREAT_TO_ELECTION_WORKERS', severity: 'HIGH', tlp: 'GREEN', lawEnforcementSensitive: true });
  const exercise = await s.incidents.file(principals.orange!, { title: 'EXERCISE tabletop', summary: 'Exercise only', category: 'OTHER', severity: 'LOW', tlp: 'CLEAR', exercise: true });
  await s.incidents.comment(principals.orange!, green.id, 'Blocked the sender domain');
  await s.indicatorReports.linkToIncident(principals.orange!, { type: 'IPV4', value: '198.51.100.7', incidentId: green.id });
  Object.assign(ids, { green: green.id, amber: amber.id, les: les.id, exercise: exercise.id });
}, 120_000);

afterAll(async () => {
  await hub?.close();
  const counts = [...schemaCounts.entries()].map(([t, n]) => `${t}: ${n}`).join(', ');
  console.log(`[stix-export] objects validated against the OASIS schemas: ${[...schemaCounts.values()].reduce((a, b) => a + b, 0)} (${counts})`);
});

describe('STIX 2.1 export', () => {
  it('exports what the reporting analyst sees, all valid, with markings, the extension and the identities named', async () => {
    const { bundle } = await exportAs('orange');
    const o = bundle.objects as Array<Record<string, any>>;
    expect(byType(o, 'indicator').map((x) => x.pattern).sort()).toEqual(
      [
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        "[domain-name:value = 'ballot-lookup-ca.net']",
        "[ipv4-addr:value = '198.51.100.7']",
        "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
      ].sort(),
    );
    const incidents = byType(o, 'incident');
    expect(incidents.map((x) => x.name).sort()).toEqual(['Phishing of poll workers', 'Scan of the VR system', 'Threat to a clerk']);
    const ext = incidents[0]!.extensions['extension-definition--ef765651-680c-498d-9894-99799f2fa126'];
    expect(ext).toMatchObject({ extension_type: 'property-extension', investigation_status: 'new', determination: 'suspected' });
    expect(byType(o, 'extension-definition')).toHaveLength(1);
    expect(byType(o, 'note').map((x) => x.content)).toEqual(['Blocked the sender domain']);
    const rel = byType(o, 'relationship');
    expect(rel).toHaveLength(1);
    expect(rel[0]).toMatchObject({ relationship_type: 'indicates', source_ref: stixIds.indicator('IPV4', '198.51.100.7'), target_ref: stixIds.incident(ids.green!) });
    // Every object but the marking definitions carries a TLP 2.0 marking, defined in the bundle.
    const markingIds = new Set(byType(o, 'marking-definition').map((m) => m.id));
    for (const x of o) if (x.type !== 'marking-definition' && x.type !== 'identity' && x.type !== 'extension-definition') for (const m of x.object_marking_refs) expect(markingIds.has(m)).toBe(true);
    for (const m of byType(o, 'marking-definition')) expect(m.definition_type).toBeUndefined();
    // Every identity named is in the bundle.
    const identities = new Set(byType(o, 'identity').map((x) => x.id));
    for (const x of o) if (x.created_by_ref && x.type !== 'extension-definition') expect(identities.has(x.created_by_ref)).toBe(true);
    expect(identities.has(stixIds.organization('county-orange'))).toBe(true);
  });

  it('never exports exercise incidents', async () => {
    for (const k of ['orange', 'sos']) {
      const { bundle } = await exportAs(k);
      expect(JSON.stringify(bundle)).not.toContain('EXERCISE tabletop');
      expect(bundle.objects.some((x: any) => x.id === stixIds.incident(ids.exercise!))).toBe(false);
    }
  });

  it('a stranger county sees GREEN and CLEAR only; a law-enforcement analyst sees the LES incident, a county does not', async () => {
    const fresno = (await exportAs('fresno')).bundle.objects as Array<Record<string, any>>;
    expect(byType(fresno, 'indicator').map((x) => x.name).sort()).toEqual(['198.51.100.7', '203.0.113.0/24']);
    expect(byType(fresno, 'incident').map((x) => x.name)).toEqual(['Phishing of poll workers']);
    expect(JSON.stringify(fresno)).not.toContain('ballot-lookup-ca.net');
    expect(JSON.stringify(fresno)).not.toContain('Scan of the VR system');
    const fbi = (await exportAs('fbi')).bundle.objects as Array<Record<string, any>>;
    expect(byType(fbi, 'incident').map((x) => x.name).sort()).toEqual(['Phishing of poll workers', 'Threat to a clerk']);
  });

  it('sightings: who saw it only where the sighting is visible; the others stay a count', async () => {
    const fresno = (await exportAs('fresno')).bundle.objects as Array<Record<string, any>>;
    const sightings = byType(fresno, 'sighting');
    const named = sightings.filter((s) => s.where_sighted_refs);
    expect(named.map((s) => s.where_sighted_refs)).toEqual([[stixIds.organization('county-kern')]]);
    const counted = sightings.filter((s) => !s.where_sighted_refs);
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatchObject({ count: 3, sighting_of_ref: stixIds.indicator('IPV4', '198.51.100.7') });
    expect(counted[0]!.created_by_ref).toBeUndefined();
    const orange = (await exportAs('orange')).bundle.objects as Array<Record<string, any>>;
    expect(byType(orange, 'sighting').filter((s) => s.where_sighted_refs).map((s) => s.where_sighted_refs[0]).sort()).toEqual(
      [stixIds.organization('county-kern'), stixIds.organization('county-orange')].sort(),
    );
  });

  it('ids are deterministic (UUIDv5 of hub ids) and modified moves when the record changes', async () => {
    const a = (await exportAs('orange')).bundle.objects as Array<Record<string, any>>;
    const b = (await exportAs('orange')).bundle.objects as Array<Record<string, any>>;
    const strip = (x: Array<Record<string, any>>) => x.map((o) => o.id).sort();
    expect(strip(a)).toEqual(strip(b));
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    const before = byType(a, 'incident').find((x) => x.id === stixIds.incident(ids.green!))!;
    await new Promise((r) => setTimeout(r, 5));
    await hub.deps.services.incidents.transition(principals.sos!, ids.green!, 'TRIAGED', null);
    const after = byType((await exportAs('orange')).bundle.objects as Array<Record<string, any>>, 'incident').find((x) => x.id === before.id)!;
    expect(after.created).toBe(before.created);
    expect(Date.parse(after.modified)).toBeGreaterThan(Date.parse(before.modified));
    expect(after.extensions['extension-definition--ef765651-680c-498d-9894-99799f2fa126'].investigation_status).toBe('open');
  });

  it('--type and --since narrow the export; one incident exports with its notes, links and indicators', async () => {
    const only = (await exportAs('orange', { types: ['indicator'] })).bundle.objects as Array<Record<string, any>>;
    expect(new Set(only.filter((x) => x.type !== 'marking-definition' && x.type !== 'identity').map((x) => x.type))).toEqual(new Set(['indicator']));
    const future = (await exportAs('orange', { since: new Date(Date.now() + 60_000) })).bundle.objects as Array<Record<string, any>>;
    expect(future.filter((x) => x.type !== 'marking-definition' && x.type !== 'identity')).toEqual([]);
    const one = (await exportAs('fresno', { incidentId: ids.green })).bundle.objects as Array<Record<string, any>>;
    expect(new Set(one.map((x) => x.type))).toEqual(new Set(['incident', 'note', 'relationship', 'indicator', 'sighting', 'identity', 'marking-definition', 'extension-definition']));
    await expect(hub.deps.services.stix.exportBundle(principals.fresno!, { incidentId: ids.amber })).rejects.toThrow(/not found/);
  });

  it('AIS: own organization only, consent label on its identity, no TLP:RED, no e-mail addresses', async () => {
    await hub.deps.services.stix.setConsent({ kind: 'system', name: 'test', requestId: null, clientAddress: null }, 'county-orange', 'ais-consent-usg');
    const { bundle, refused } = await exportAs('orange', { ais: true });
    const o = bundle.objects as Array<Record<string, any>>;
    const own = stixIds.organization('county-orange');
    for (const x of o) if (x.type !== 'marking-definition' && x.type !== 'extension-definition') expect(x.type === 'identity' ? x.id : x.created_by_ref).toBe(own);
    expect(byType(o, 'identity')[0]!.labels).toEqual(['ais-consent-usg']);
    expect(o.some((x) => (x.object_marking_refs ?? []).includes('marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1'))).toBe(false);
    expect(refused.map((r) => r.reason)).toContain('TLP:RED is not shared with AIS');
    expect(JSON.stringify(o)).not.toMatch(/soc@county-orange/);
    expect(JSON.stringify((await exportAs('orange')).bundle)).toMatch(/soc@county-orange/);
    await expect(hub.deps.services.stix.setConsent(principals.kern!, 'county-orange', 'ais-consent-everyone')).rejects.toThrow(/admin/);
  });
});
