/**
 * TAXII 2.1 (issue 15, item 3) through a client written from the specification (test/support/taxii-client.ts):
 * discovery, API root, collections with can_read/can_write per caller, Basic and Bearer, POST with a status
 * resource, paging with next and polling with added_after while others add objects (each object exactly
 * once), every filter, object by id, versions, DELETE for the owner only, media types and status codes
 * (401, 403, 404, 406, 413, 415), hostile input (bad JSON, STIX 2.0, malformed timestamps and patterns),
 * imports from TLP 1.0 and 2.0 markings (unmarked: AMBER), MISP compound patterns, idempotency, and what
 * each persona reads through TAXII.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { TAXII, TaxiiClient } from './support/taxii-client.js';
import { validateStix } from './support/stix-schemas.js';

const COLS = { indicators: '2c6a3f0e-6d0b-5c59-9b3e-1f4a0f7e5a01', incidents: '7b1d2e4f-3a5c-5b6d-8e9f-0a1b2c3d4e02', objects: '9e8d7c6b-5a4f-5e3d-9c2b-1a0f9e8d7c03' };
const TLP = {
  CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
  WHITE_1: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  GREEN_1: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
};

let hub: TestHub;
let root: string;
const u: Record<string, TestUser> = {};
const c: Record<string, TaxiiClient> = {};
const T0 = '2026-11-03T08:00:00.000Z';

function indicator(pattern: string, marking: string | null, extra: Record<string, unknown> = {}) {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: T0,
    modified: T0,
    pattern,
    pattern_type: 'stix',
    valid_from: T0,
    ...(marking ? { object_marking_refs: [marking] } : {}),
    ...extra,
  };
}

function ip(n: number): string {
  return `100.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

beforeAll(async () => {
  hub = await startTestHub({ ESTF_TAXII_MAX_CONTENT_LENGTH: '400000' });
  for (const [k, org, roles] of [
    ['orange', 'county-orange', ['ANALYST']],
    ['orangeViewer', 'county-orange', ['VIEWER']],
    ['kern', 'county-kern', ['ANALYST']],
    ['fresno', 'county-fresno', ['VIEWER']],
    ['sos', 'sos', ['COORDINATOR', 'ANALYST']],
  ] as const) {
    u[k] = await makeUser(hub.deps, org, [...roles], k);
    c[k] = TaxiiClient.basic(hub.url, u[k]!.email, u[k]!.token);
  }
  root = await c.orange!.apiRoot();
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

describe('TAXII 2.1: discovery, API root, collections, authentication', () => {
  it('discovery and the API root answer in the TAXII media type', async () => {
    const d = await c.fresno!.discovery();
    expect(d.status).toBe(200);
    expect(d.headers.get('content-type')).toBe(TAXII);
    expect(d.body.api_roots).toEqual([`${hub.url}/taxii2/api/`]);
    const r = await c.fresno!.request('GET', root);
    expect(r.body).toMatchObject({ versions: [TAXII], max_content_length: 400000 });
  });

  it('collections: can_read for all, can_write only for analysts', async () => {
    const viewer = await c.fresno!.collections(root);
    expect(viewer.body.collections.map((x: any) => x.id).sort()).toEqual(Object.values(COLS).sort());
    expect(viewer.body.collections.every((x: any) => x.can_read && !x.can_write)).toBe(true);
    const analyst = await c.orange!.collections(root);
    expect(analyst.body.collections.every((x: any) => x.can_read && x.can_write)).toBe(true);
    expect((await c.fresno!.request('GET', `${root}collections/${randomUUID()}/`)).status).toBe(404);
  });

  it('Basic with the e-mail and API token, or Bearer; anything else 401', async () => {
    expect((await TaxiiClient.bearer(hub.url, u.kern!.token).discovery()).status).toBe(200);
    expect((await TaxiiClient.basic(hub.url, u.kern!.email.toUpperCase(), u.kern!.token).discovery()).status).toBe(200);
    const wrongUser = await TaxiiClient.basic(hub.url, u.orange!.email, u.kern!.token).discovery();
    expect(wrongUser.status).toBe(401);
    expect(wrongUser.body.http_status).toBe('401');
    expect((await TaxiiClient.basic(hub.url, u.kern!.email, 'estf_wrong').discovery()).status).toBe(401);
    expect((await new TaxiiClient(hub.url, '').discovery()).status).toBe(401);
  });

  it('406 for a wrong Accept, 415 for a wrong Content-Type, 413 over max_content_length, 403 for a viewer posting', async () => {
    expect((await c.orange!.request('GET', '/taxii2/', { headers: { accept: 'application/json' } })).status).toBe(406);
    expect((await c.orange!.request('GET', '/taxii2/', { headers: { accept: 'application/taxii+json;version=2.0' } })).status).toBe(406);
    const wrongType = await c.orange!.request('POST', `${root}collections/${COLS.objects}/objects/`, { body: '{"objects":[]}', headers: { 'content-type': 'application/json' } });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toBe(TAXII);
    const big = JSON.stringify({ objects: [indicator(`[url:value = 'http://a.test/${'x'.repeat(500_000)}']`, TLP.GREEN)] });
    expect((await c.orange!.request('POST', `${root}collections/${COLS.indicators}/objects/`, { body: big })).status).toBe(413);
    expect((await c.fresno!.add(root, COLS.indicators, [])).status).toBe(403);
    const badJson = await c.orange!.request('POST', `${root}collections/${COLS.indicators}/objects/`, { body: '{"objects": [ {"type": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.description).toMatch(/not valid JSON/);
    const notEnvelope = await c.orange!.request('POST', `${root}collections/${COLS.indicators}/objects/`, { body: '[]' });
    expect(notEnvelope.status).toBe(400);
  });
});

describe('TAXII 2.1: posting and reading', () => {
  it('POST answers 202 with a status resource accounting for every object; the status can be fetched again', async () => {
    const objects: any[] = [
      indicator("[ipv4-addr:value = '198.51.100.20']", TLP.GREEN),
      indicator("[ipv4-addr:value ISSUBSET '198.51.100.0/28']", TLP.CLEAR),
      indicator("[domain-name:value = 'vote-update-ca.net']", null), // unmarked: AMBER
      indicator("[url:value = 'http://vote-update-ca.net/login']", TLP.GREEN_1), // TLP 1.0 GREEN
      indicator("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.99']", TLP.WHITE_1), // MISP
      indicator("[domain-name:value = 'resolve-me-ca.net' AND domain-name:resolves_to_refs[*].value = '198.51.100.33']", TLP.GREEN),
      indicator("[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", TLP.GREEN),
      indicator("[process:name = 'evil.exe']", TLP.GREEN), // nothing the hub can represent
      indicator("[ipv4-addr:value = '198.51.100.20'", TLP.GREEN), // unclosed
      { ...indicator("[ipv4-addr:value = '198.51.100.21']", TLP.GREEN), created: '2026-13-01T00:00:00Z' }, // bad timestamp
      { type: 'indicator', id: `indicator--${randomUUID()}`, created: T0, modified: T0, pattern: "[ipv4-addr:value = '198.51.100.22']", valid_from: T0 }, // STIX 2.0
      { type: 'threat-actor', spec_version: '2.1', id: `threat-actor--${randomUUID()}`, created: T0, modified: T0, name: 'Fancy Ballot', object_marking_refs: [TLP.GREEN] },
      { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: T0, modified: T0, name: 'VoteStealer', is_family: true, object_marking_refs: [TLP.AMBER] },
      'not an object',
    ];
    const r = await c.orange!.add(root, COLS.indicators, objects);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'complete', total_count: objects.length, pending_count: 0 });
    expect(r.body.success_count + r.body.failure_count).toBe(objects.length);
    const failures = Object.fromEntries(r.body.failures.map((f: any) => [f.id, f.message]));
    expect(failures[objects[7]!.id]).toMatch(/property pattern: nothing the hub can represent.*process:name/);
    expect(failures[objects[8]!.id]).toMatch(/property pattern: expected "\]"/);
    expect(failures[objects[9]!.id]).toMatch(/property created: "2026-13-01T00:00:00Z" is not a STIX timestamp/);
    expect(failures[objects[10]!.id]).toMatch(/spec_version.*STIX 2\.0/);
    expect(failures['objects[13]']).toMatch(/must be a JSON object/);
    const successes = Object.fromEntries(r.body.successes.map((s: any) => [s.id, s.message]));
    expect(successes[objects[4]!.id]).toMatch(/IPV4 192\.0\.2\.99/);
    expect(successes[objects[5]!.id]).toMatch(/DOMAIN resolve-me-ca\.net, IPV4 198\.51\.100\.33 \(a compound pattern/);
    expect(successes[objects[11]!.id]).toMatch(/kept as it came/);
    const again = await c.orange!.status(root, r.body.id);
    expect(again.body).toMatchObject({ id: r.body.id, total_count: objects.length });
    expect((await c.kern!.status(root, r.body.id)).status).toBe(404);

    // Idempotent: the same objects again change nothing.
    const twice = await c.orange!.add(root, COLS.indicators, objects);
    expect(twice.body.successes.every((s: any) => /unchanged|already|known/.test(s.message))).toBe(true);
  });

  it('each reader sees what the policy lets them: TLP from markings, unmarked AMBER, kept objects served back', async () => {
    const fresno = await c.fresno!.all(root, COLS.indicators);
    const names = fresno.objects.filter((o) => o.type === 'indicator').map((o) => o.name).sort();
    expect(names).toEqual(['192.0.2.99', '198.51.100.0/28', '198.51.100.20', '198.51.100.33', 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f', 'http://vote-update-ca.net/login', 'resolve-me-ca.net']);
    const orange = await c.orangeViewer!.all(root, COLS.indicators);
    expect(orange.objects.map((o) => o.name)).toContain('vote-update-ca.net');
    const amber = orange.objects.find((o) => o.name === 'vote-update-ca.net');
    expect(amber.object_marking_refs).toEqual([TLP.AMBER]);
    const cidr = fresno.objects.find((o) => o.name === '198.51.100.0/28');
    expect(cidr.pattern).toBe("[ipv4-addr:value ISSUBSET '198.51.100.0/28']");
    for (const o of [...fresno.objects, ...orange.objects]) expect(validateStix(o)).toEqual([]);
    const keptFresno = (await c.fresno!.all(root, COLS.objects, { 'match[type]': 'threat-actor,malware' })).objects;
    expect(keptFresno.map((o) => o.name)).toEqual(['Fancy Ballot']);
    const keptSos = (await c.sos!.all(root, COLS.objects, { 'match[type]': 'threat-actor,malware' })).objects;
    expect(keptSos.map((o) => o.name).sort()).toEqual(['Fancy Ballot', 'VoteStealer']);
    const keptKern = (await c.kern!.all(root, COLS.objects, { 'match[type]': 'malware' })).objects;
    expect(keptKern).toEqual([]);
  });

  it('filters: match[id], match[type], match[spec_version], match[version] with versions, manifest, object by id', async () => {
    const actorId = `threat-actor--${randomUUID()}`;
    const v1 = { type: 'threat-actor', spec_version: '2.1', id: actorId, created: T0, modified: T0, name: 'Actor v1', object_marking_refs: [TLP.GREEN] };
    const v2 = { ...v1, modified: '2026-11-04T08:00:00.000Z', name: 'Actor v2' };
    expect((await c.orange!.add(root, COLS.objects, [v1, v2])).body.success_count).toBe(2);
    const last = await c.kern!.objects(root, COLS.objects, { 'match[id]': actorId });
    expect(last.body.objects.map((o: any) => o.name)).toEqual(['Actor v2']);
    const first = await c.kern!.objects(root, COLS.objects, { 'match[id]': actorId, 'match[version]': 'first' });
    expect(first.body.objects.map((o: any) => o.name)).toEqual(['Actor v1']);
    const all = await c.kern!.objects(root, COLS.objects, { 'match[id]': actorId, 'match[version]': 'all' });
    expect(all.body.objects.map((o: any) => o.name)).toEqual(['Actor v1', 'Actor v2']);
    const at = await c.kern!.objects(root, COLS.objects, { 'match[id]': actorId, 'match[version]': T0 });
    expect(at.body.objects.map((o: any) => o.name)).toEqual(['Actor v1']);
    const versions = await c.kern!.versions(root, COLS.objects, actorId);
    expect(versions.body.versions).toEqual([T0, '2026-11-04T08:00:00.000Z']);
    expect((await c.kern!.objects(root, COLS.objects, { 'match[spec_version]': '2.0' })).body.objects).toBeUndefined();
    const manifest = await c.kern!.manifest(root, COLS.objects, { 'match[id]': actorId });
    expect(manifest.body.objects).toEqual([{ id: actorId, date_added: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), version: '2026-11-04T08:00:00.000Z', media_type: 'application/stix+json;version=2.1' }]);
    const byId = await c.kern!.object(root, COLS.objects, actorId);
    expect(byId.status).toBe(200);
    expect(byId.headers.get('x-taxii-date-added-first')).toBe(manifest.body.objects[0].date_added);
    expect((await c.kern!.object(root, COLS.objects, `threat-actor--${randomUUID()}`)).status).toBe(404);
    expect((await c.kern!.objects(root, COLS.objects, { added_after: 'yesterday' })).status).toBe(400);
    expect((await c.kern!.objects(root, COLS.objects, { limit: '0' })).status).toBe(400);
    expect((await c.kern!.objects(root, COLS.objects, { next: 'garbage' })).status).toBe(400);
    const sightings = await c.kern!.objects(root, COLS.indicators, { 'match[type]': 'sighting' });
    expect((sightings.body.objects ?? []).every((o: any) => o.type === 'sighting')).toBe(true);

    // DELETE: not by another organization (as if absent when it cannot see it), then by the owner.
    expect((await c.kern!.delete(root, COLS.objects, actorId)).status).toBe(403);
    expect((await c.orange!.delete(root, COLS.objects, actorId)).status).toBe(200);
    expect((await c.kern!.object(root, COLS.objects, actorId)).status).toBe(404);
  });

  it('paging with next and polling with added_after see each object exactly once while others add objects', async () => {
    const first = Array.from({ length: 300 }, (_, i) => indicator(`[ipv4-addr:value = '${ip(i)}']`, TLP.GREEN));
    for (let i = 0; i < first.length; i += 100) expect((await c.orange!.add(root, COLS.indicators, first.slice(i, i + 100))).body.failure_count).toBe(0);
    const seen = new Map<string, number>();
    let next: string | undefined;
    let lastAdded: string | null = null;
    let pages = 0;
    let adding = 0;
    for (;;) {
      const r = await c.fresno!.objects(root, COLS.indicators, { limit: '37', next });
      expect(r.status).toBe(200);
      pages++;
      for (const o of r.body.objects ?? []) seen.set(o.id, (seen.get(o.id) ?? 0) + 1);
      lastAdded = r.headers.get('x-taxii-date-added-last') ?? lastAdded;
      // Others keep adding while the client pages (by kern: new values, and a second report of old ones).
      if (adding < 5) {
        const more = Array.from({ length: 20 }, (_, i) => indicator(`[ipv4-addr:value = '${ip(1000 + adding * 20 + i)}']`, TLP.GREEN));
        expect((await c.kern!.add(root, COLS.indicators, more)).body.failure_count).toBe(0);
        adding++;
      }
      if (!r.body.more) break;
      next = r.body.next;
    }
    expect(pages).toBeGreaterThan(8);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const ids = new Set(seen.keys());
    const total = await c.fresno!.all(root, COLS.indicators, {}, 1000);
    expect(total.objects.length).toBe(ids.size);
    for (const o of total.objects) expect(ids.has(o.id)).toBe(true);
    for (let i = 0; i < 100; i++) expect(ids.has(total.objects.find((o) => o.name === ip(1000 + i))?.id)).toBe(true);

    // Poll: only what was added after the last page, once.
    const later = Array.from({ length: 15 }, (_, i) => indicator(`[ipv4-addr:value = '${ip(5000 + i)}']`, TLP.GREEN));
    expect((await c.kern!.add(root, COLS.indicators, later)).body.failure_count).toBe(0);
    const polled = await c.fresno!.all(root, COLS.indicators, { added_after: lastAdded! }, 7);
    expect(polled.objects.map((o) => o.name).sort()).toEqual(later.map((_, i) => ip(5000 + i)).sort());
    const none = await c.fresno!.objects(root, COLS.indicators, { added_after: polled.last! });
    expect(none.body).toEqual({ more: false });
  });
});
