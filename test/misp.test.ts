import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/access/principal.js';
import { runEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';

/**
 * MISP in and out (issue 15, item 4): import of MISP event JSON, an incident exported as a MISP event, and
 * the hub as a MISP feed pulled by a client written here from MISP's feed layout (manifest.json: uuid →
 * {Orgc, Tag, info, date, analysis, threat_level_id, timestamp}; hashes.csv: md5(value part),event uuid;
 * <uuid>.json: {"Event": …}), not from the hub's code.
 */

const FIXTURE = readFileSync(new URL('./fixtures/misp-event-all-types.json', import.meta.url), 'utf8');
const fixture = JSON.parse(FIXTURE) as { Event: any };
const fromText = (text: string) => () => Readable.from([text]);
/** A MISP event with the given attributes (and event fields). */
const event = (attributes: unknown[], fields: Record<string, unknown> = {}) =>
  JSON.stringify({ Event: { uuid: crypto.randomUUID(), info: 'test event', date: '2026-11-02', threat_level_id: '3', analysis: '0', Attribute: attributes, ...fields } });
const attr = (type: string, value: unknown, extra: Record<string, unknown> = {}) => ({ uuid: crypto.randomUUID(), type, value, to_ids: true, category: 'Network activity', ...extra });
const md5 = (v: string) => createHash('md5').update(v, 'utf8').digest('hex');
const MISP_EVENT = `query($i: ID!) { mispEvent(incident: $i) }`;

describe('MISP', () => {
  let hub: TestHub;
  let orange: TestUser, kern: TestUser, sos: TestUser, kernViewer: TestUser;
  const principals = new Map<string, Principal>();
  const as = async (u: TestUser): Promise<Principal> => {
    if (!principals.has(u.token)) principals.set(u.token, (await hub.deps.services.identity.authenticate(u.token, { requestId: null, clientAddress: null }))!);
    return principals.get(u.token)!;
  };
  const file = async (u: TestUser, input: Record<string, unknown>) =>
    hub.deps.services.incidents.file(await as(u), { title: 'Incident', summary: 'Summary', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', ...input } as never);
  const reportsOf = (value: string) =>
    hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select(['i.type', 'i.value', 'r.tlp', 'r.confidence', 'r.valid_from', 'r.incident_id', 'r.updated_at', 'o.slug'])
      .where('i.value', '=', value)
      .execute();

  beforeAll(async () => {
    hub = await startTestHub();
    [orange, kern, sos, kernViewer] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'county-kern', ['VIEWER']),
    ]);
  });
  afterAll(async () => {
    await hub?.close();
  });

  describe('round trip', () => {
    let incidentId: string;
    let first: Awaited<ReturnType<TestHub['deps']['services']['misp']['importEvent']>>;

    beforeAll(async () => {
      incidentId = (await file(orange, { title: 'Ballot status phishing kit', tlp: 'GREEN' })).id;
      first = await hub.deps.services.misp.importEvent(await as(orange), { open: fromText(FIXTURE), incident: incidentId });
    });

    it('imports every attribute type of interop.md, accounting for each attribute', () => {
      expect(first.event).toMatchObject({ uuid: fixture.Event.uuid, info: fixture.Event.info, tlp: 'GREEN', orgc: { name: 'EI-ISAC' } });
      // 17 attributes and 4 in objects; the object's filename is refused, naming uuid and property (AS is
      // kept as it came: the hub has no indicator type for it).
      expect(first.attributes).toBe(21);
      expect(first.imported + first.unchanged + first.refused).toBe(first.attributes);
      expect(first.imported).toBe(20);
      expect(first.refusals).toEqual([
        expect.objectContaining({ uuid: '5f1c0000-0000-4000-8000-000000000103', path: 'Object[1].Attribute[0]', property: 'type', reason: expect.stringContaining('"filename" is not one the hub imports') }),
      ]);
      // 19 attributes became reports (domain|ip two of them), the AS number is no indicator.
      expect(first.createdIndicators).toBe(20);
    });

    it('writes canonical indicator reports of the importing organization, with to_ids, first_seen and TLP', async () => {
      const [phone] = await reportsOf('+19165550142');
      expect(phone).toMatchObject({ type: 'PHONE', slug: 'county-orange', tlp: 'GREEN', confidence: 15, incident_id: incidentId });
      const [port] = await reportsOf('203.0.113.9');
      expect(port).toMatchObject({ type: 'IPV4', confidence: 50 });
      expect(port!.valid_from.toISOString()).toBe('2026-10-30T08:15:00.000Z');
      expect((await reportsOf('https://ballot-status-ca.example/amber-only'))[0]).toMatchObject({ tlp: 'AMBER' });
      // domain|ip stands for two indicators.
      expect((await reportsOf('vote-lookup-ca.example'))[0]).toMatchObject({ type: 'DOMAIN' });
      expect((await reportsOf('192.0.2.44'))[0]).toMatchObject({ type: 'IPV4' });
    });

    it('exports back with the same uuids, values, types, categories, to_ids and first/last seen, objects included', async () => {
      const res = await hub.gql(orange.token, MISP_EVENT, { i: incidentId });
      expect(res.errors).toBeUndefined();
      const out = res.data.mispEvent.Event;
      const flat = (e: any) => [
        ...e.Attribute.map((a: any) => ({ ...a, object: null })),
        ...e.Object.flatMap((o: any) => o.Attribute.map((a: any) => ({ ...a, object: o.uuid }))),
      ];
      const exported = new Map(flat(out).map((a: any) => [a.uuid, a]));
      const expected = flat(fixture.Event).filter((a: any) => a.type !== 'filename');
      expect(exported.size).toBe(expected.length);
      for (const a of expected) {
        const b = exported.get(a.uuid) as any;
        expect(b, a.uuid).toBeDefined();
        expect({ type: b.type, value: b.value, to_ids: b.to_ids, category: b.category, object: b.object, relation: b.object_relation }).toEqual({
          type: a.type,
          value: a.value,
          to_ids: a.to_ids,
          category: a.category,
          object: a.object,
          relation: a.object_relation,
        });
        for (const k of ['first_seen', 'last_seen']) {
          if (a[k]) expect(Date.parse(b[k])).toBe(Date.parse(a[k]));
          else expect(b[k]).toBeUndefined();
        }
      }
      // The attribute whose own tag narrows the event's TLP says so.
      expect((exported.get('5f1c0000-0000-4000-8000-000000000017') as any).Tag).toEqual([expect.objectContaining({ name: 'tlp:amber' })]);
      expect(out.Object.map((o: any) => [o.name, o['meta-category'], o.template_uuid, o.template_version, o.Attribute.length])).toEqual([
        ['domain-ip', 'network', '43b3b146-77eb-4931-b4cc-b66c60f28734', '9', 2],
        ['file', 'file', undefined, undefined, 1],
      ]);
    });

    it('the event itself: uuid from the hub id (stable), info, date, threat level from severity, analysis, distribution, TLP tag, Orgc', async () => {
      const a = (await hub.gql(orange.token, MISP_EVENT, { i: incidentId })).data.mispEvent.Event;
      const incident = await hub.deps.services.incidents.get(await as(orange), incidentId);
      const b = (await hub.gql(orange.token, MISP_EVENT, { i: incident!.reference })).data.mispEvent.Event;
      expect(a.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(b.uuid).toBe(a.uuid);
      expect(a).toMatchObject({
        info: `${incident!.reference} Ballot status phishing kit`,
        date: incident!.reported_at.toISOString().slice(0, 10),
        threat_level_id: '1',
        analysis: '0',
        distribution: '1',
        published: true,
        Orgc: { name: expect.stringMatching(/Orange/) },
        Tag: [{ name: 'tlp:green', colour: expect.any(String) }],
      });
      expect(Number(a.timestamp)).toBeGreaterThan(1_700_000_000);
    });

    it('importing the same event twice changes nothing', async () => {
      const snapshot = async () => ({
        reports: await hub.db.selectFrom('indicator_reports').select(['id', 'indicator_id', 'tlp', 'confidence', 'valid_from', 'description', 'updated_at']).orderBy('id').execute(),
        indicators: await hub.db.selectFrom('indicators').select(['id', 'type', 'value']).orderBy('id').execute(),
        kept: await hub.db.selectFrom('misp_attributes').selectAll().orderBy('attribute_uuid').execute(),
        outbox: await hub.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      });
      const before = await snapshot();
      const again = await hub.deps.services.misp.importEvent(await as(orange), { open: fromText(FIXTURE), incident: incidentId });
      expect(again).toMatchObject({ attributes: 21, imported: 0, unchanged: 20, refused: 1, createdIndicators: 0 });
      expect(await snapshot()).toEqual(before);
    });

    it('a changed attribute is updated, the others stay unchanged', async () => {
      const changed = structuredClone(fixture);
      changed.Event.Attribute[0].to_ids = false;
      const r = await hub.deps.services.misp.importEvent(await as(orange), { open: fromText(JSON.stringify(changed)), incident: incidentId });
      expect(r).toMatchObject({ imported: 1, unchanged: 19, refused: 1 });
      const out = (await hub.gql(orange.token, MISP_EVENT, { i: incidentId })).data.mispEvent.Event;
      expect(out.Attribute.find((a: any) => a.uuid === '5f1c0000-0000-4000-8000-000000000001').to_ids).toBe(false);
      // Put back as it was for the tests after this one.
      await hub.deps.services.misp.importEvent(await as(orange), { open: fromText(FIXTURE), incident: incidentId });
    });

    it('another county sees the GREEN incident but not the AMBER attribute, and only through the policy', async () => {
      const res = await hub.gql(kern.token, MISP_EVENT, { i: incidentId });
      expect(res.errors).toBeUndefined();
      const values = res.data.mispEvent.Event.Attribute.map((a: any) => a.value);
      expect(values).toContain('ballot-status-ca.example');
      expect(values).toContain('AS64496');
      expect(values).not.toContain('https://ballot-status-ca.example/amber-only');
      // The coordinators are in every AMBER audience.
      const sosValues = (await hub.gql(sos.token, MISP_EVENT, { i: incidentId })).data.mispEvent.Event.Attribute.map((a: any) => a.value);
      expect(sosValues).toContain('https://ballot-status-ca.example/amber-only');
    });

    it('an AS number kept as it came follows its label: an AMBER one reaches the audience only', async () => {
      const r = await hub.deps.services.misp.importEvent(await as(orange), { open: fromText(event([attr('AS', 'AS65551', { Tag: [{ name: 'tlp:amber' }] })])), incident: incidentId });
      expect(r).toMatchObject({ imported: 1, refused: 0 });
      const seen = async (u: TestUser) => (await hub.gql(u.token, MISP_EVENT, { i: incidentId })).data.mispEvent.Event.Attribute.map((a: any) => a.value);
      expect(await seen(kern)).not.toContain('AS65551');
      expect(await seen(sos)).toContain('AS65551');
      expect(await seen(orange)).toContain('AS65551');
    });
  });

  describe('TLP from tags', () => {
    const cases: Array<[string, unknown[] | undefined, string]> = [
      ['no tag: AMBER', undefined, 'AMBER'],
      ['TLP 1.0 tlp:white: CLEAR', [{ name: 'tlp:white' }], 'CLEAR'],
      ['TLP 2.0 tlp:clear', [{ name: 'tlp:clear' }], 'CLEAR'],
      ['tlp:green', [{ name: 'TLP:GREEN' }], 'GREEN'],
      ['tlp:amber+strict', [{ name: 'tlp:amber+strict' }], 'AMBER_STRICT'],
      ['two labels: the narrower holds', [{ name: 'tlp:green' }, { name: 'tlp:amber' }], 'AMBER'],
      ['other tags are not labels', [{ name: 'misp-galaxy:sector="Government"' }], 'AMBER'],
    ];
    for (const [name, tags, tlp] of cases) {
      it(name, async () => {
        const value = `tlp-${crypto.randomUUID().slice(0, 8)}.example`;
        const r = await hub.deps.services.misp.importEvent(await as(kern), { open: fromText(event([attr('domain', value)], tags ? { Tag: tags } : {})) });
        expect(r).toMatchObject({ imported: 1, event: { tlp } });
        expect((await reportsOf(value))[0]).toMatchObject({ tlp, slug: 'county-kern' });
      });
    }

    it('an attribute tag overrides the event label; a tlp:* tag the hub does not know refuses the event or the attribute', async () => {
      const value = `attr-${crypto.randomUUID().slice(0, 8)}.example`;
      const r = await hub.deps.services.misp.importEvent(await as(kern), {
        open: fromText(event([attr('domain', value, { Tag: [{ name: 'tlp:clear' }] }), attr('domain', 'x.example', { Tag: [{ name: 'tlp:ex:chr' }] })], { Tag: [{ name: 'tlp:green' }] })),
      });
      expect((await reportsOf(value))[0]).toMatchObject({ tlp: 'CLEAR' });
      expect(r.refusals).toEqual([expect.objectContaining({ property: 'Tag', reason: expect.stringContaining('tlp:ex:chr') })]);
      await expect(hub.deps.services.misp.importEvent(await as(kern), { open: fromText(event([attr('domain', value)], { Tag: [{ name: 'tlp:purple' }] })) })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'Event.Tag' },
      });
    });

    it('the operator cannot import TLP:RED (no reporting user to name): refused per attribute', async () => {
      const { systemPrincipal } = await import('../src/access/principal.js');
      const r = await hub.deps.services.misp.importEvent(systemPrincipal('test'), { open: fromText(event([attr('domain', 'red-only.example')], { Tag: [{ name: 'tlp:red' }] })), organization: 'county-kern' });
      expect(r).toMatchObject({ imported: 0, refused: 1, refusals: [expect.objectContaining({ property: 'Tag', reason: expect.stringContaining('RED') })] });
      expect(await reportsOf('red-only.example')).toEqual([]);
    });
  });

  describe('hostile input', () => {
    const countRows = async () => ({
      reports: (await hub.db.selectFrom('indicator_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
      kept: (await hub.db.selectFrom('misp_attributes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    });

    it('invalid JSON, a cut-short file or something else than an event: a clear error, nothing written', async () => {
      const before = await countRows();
      const good = event([attr('domain', 'never-written.example')]);
      const bad: Array<[string, RegExp, string]> = [
        ['', /the file is empty/, 'event'],
        ['not json', /invalid JSON at line 1: expected a JSON object/, 'event'],
        [good.slice(0, -3), /ends in the middle of the JSON/, 'event'],
        [good.replace('"to_ids":true', '"to_ids":tru'), /invalid JSON in Event\.Attribute\[0\]/, 'event'],
        ['[{"Event": {}}]', /expected a JSON object/, 'event'],
        ['{"response": []}', /without an "Event" member/, 'event'],
        [`${good} trailing`, /nothing after the closing/, 'event'],
        [event([attr('domain', 'never-written.example')], { uuid: 'not-a-uuid' }), /is not a UUID/, 'Event.uuid'],
        [event([], { info: undefined }), /no info/, 'Event.info'],
        [event([], { threat_level_id: '9' }), /not one of MISP's values/, 'Event.threat_level_id'],
        [event([], { date: '2026-02-30x' }), /not a date/, 'Event.date'],
        [event([], { Orgc: { name: 'X', uuid: 'nope' } }), /not a UUID/, 'Event.Orgc.uuid'],
      ];
      for (const [text, message, field] of bad) {
        await expect(hub.deps.services.misp.importEvent(await as(kern), { open: fromText(text) }), text.slice(0, 40)).rejects.toMatchObject({
          message: expect.stringMatching(message),
          extensions: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(await countRows()).toEqual(before);
    });

    it('malformed values and unknown types are refused one by one, naming the attribute and the property', async () => {
      const good = attr('domain', 'still-imported.example');
      const dup = attr('md5', '0cc175b9c0f1b6a831c399e269772661');
      const items = [
        attr('ip-src', '300.1.1.1'),
        attr('ip-dst', '010.1.1.1'),
        attr('ip-dst|port', '198.51.100.1|99999'),
        attr('domain|ip', 'only-a-domain.example'),
        attr('md5', 'xyz'),
        attr('sha256', 'abc123'),
        attr('url', 'javascript:alert(1)'),
        attr('domain', 'a b.example'),
        attr('email-src', 'not-an-email'),
        attr('mutex', 'Global\\x'),
        attr('AS', 'AS99999999999'),
        attr('ip-src', '192.0.2.1', { first_seen: '2026-13-01T00:00:00Z' }),
        attr('ip-src', '192.0.2.2', { first_seen: '2026-11-02T00:00:00Z', last_seen: '2026-11-01T00:00:00Z' }),
        attr('ip-src', '192.0.2.3', { to_ids: 'maybe' }),
        { type: 'domain', value: 'no-uuid.example' },
        attr('domain', { nested: true }),
        dup,
        { ...dup, value: '86f7e437faa5a7fce15d1ddcb9eaeaea377667b8', type: 'sha1' },
        attr('domain', 'deleted.example', { deleted: true }),
        good,
      ];
      const r = await hub.deps.services.misp.importEvent(await as(kern), { open: fromText(event(items)) });
      expect(r.attributes).toBe(items.length);
      expect(r.imported).toBe(2);
      expect(r.refused).toBe(items.length - 2);
      const by = (i: number) => r.refusals.find((x) => x.path === `Attribute[${i}]`);
      const expectations: Array<[number, string, RegExp]> = [
        [0, 'value', /greater than 255/],
        [1, 'value', /leading zero/],
        [2, 'value', /port "99999"/],
        [3, 'value', /two parts joined by "\|"/],
        [4, 'value', /hexadecimal/],
        [5, 'value', /64 hex digits/],
        [6, 'value', /scheme javascript/],
        [7, 'value', /not allowed in a domain/],
        [8, 'value', /local-part@domain/],
        [9, 'type', /"mutex" is not one the hub imports/],
        [10, 'value', /not an AS number/],
        [11, 'first_seen', /not a real date/],
        [12, 'last_seen', /before first_seen/],
        [13, 'to_ids', /not a boolean/],
        [14, 'uuid', /no uuid/],
        [15, 'value', /no value/],
        [17, 'uuid', /repeats the uuid of Attribute\[16\]/],
        [18, 'deleted', /deleted in MISP/],
      ];
      for (const [i, property, reason] of expectations) {
        expect(by(i), `Attribute[${i}]`).toMatchObject({ property, reason: expect.stringMatching(reason) });
        if (i !== 14) expect(by(i)!.uuid).toBe((items[i] as { uuid: string }).uuid);
      }
      expect((await reportsOf('still-imported.example'))[0]).toMatchObject({ slug: 'county-kern' });
    });

    it('a viewer may not import, nor an analyst for another organization', async () => {
      await expect(hub.deps.services.misp.importEvent(await as(kernViewer), { open: fromText(event([attr('domain', 'v.example')])) })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      await expect(hub.deps.services.misp.importEvent(await as(kern), { open: fromText(event([attr('domain', 'v.example')])), organization: 'county-orange' })).rejects.toMatchObject({
        extensions: { code: 'FORBIDDEN' },
      });
    });

    it('a large event streams: 5,000 attributes in one file', async () => {
      const items = Array.from({ length: 5_000 }, (_, i) => attr('ip-dst', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
      const text = event(items, { Tag: [{ name: 'tlp:green' }] });
      let progress = 0;
      const r = await hub.deps.services.misp.importEvent(await as(kern), {
        // Small chunks: the reader must not depend on where a chunk ends.
        open: () => Readable.from((function* () { for (let i = 0; i < text.length; i += 4096) yield text.slice(i, i + 4096); })()),
        onProgress: (p) => (progress = Math.max(progress, p.attributes)),
      });
      expect(r).toMatchObject({ attributes: 5_000, imported: 5_000, refused: 0 });
      expect(progress).toBeGreaterThan(0);
    }, 120_000);
  });

  describe('estf misp import', () => {
    const fixturePath = new URL('./fixtures/misp-event-all-types.json', import.meta.url).pathname;
    const estf = (args: string[]) => runEstf(['misp', 'import', ...args], { DATABASE_URL: hub.dbUrl, ESTF_DEMO: 'false' });

    it('imports a file as the operator for an organization and prints what was imported and refused, by uuid and property', async () => {
      const r = await estf([fixturePath, '--org', 'county-fresno']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`imported MISP event ${fixture.Event.uuid} "${fixture.Event.info}" (TLP:GREEN, from EI-ISAC) as reports of county-fresno`);
      expect(r.stdout).toMatch(/attributes +21\n {2}imported +20\n {2}unchanged +0\n {2}refused +1\n/);
      expect(r.stdout).toContain('Object[1].Attribute[0] 5f1c0000-0000-4000-8000-000000000103 type: type "filename" is not one the hub imports');
      expect((await reportsOf('ballot-status-ca.example')).map((x) => x.slug)).toContain('county-fresno');
      // Again: nothing to write.
      const again = await estf([fixturePath, '--org', 'county-fresno']);
      expect(again.stdout).toMatch(/imported +0\n {2}unchanged +20\n/);
    }, 120_000);

    it('a file that is not a MISP event: exit 1, the reason, nothing written; an unknown organization likewise', async () => {
      const bad = await estf([new URL('./misp.test.ts', import.meta.url).pathname, '--org', 'county-fresno']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^estf: event: not a MISP event: invalid JSON at line 1/);
      const org = await estf([fixturePath, '--org', 'county-atlantis']);
      expect(org.code).toBe(1);
      expect(org.stderr).toContain('no organization with slug "county-atlantis"');
    }, 120_000);
  });

  describe('the feed', () => {
    const ids: Record<string, string> = {};
    const valueOf: Record<string, string> = {};

    beforeAll(async () => {
      const shapes: Record<string, Record<string, unknown>> = {
        clear: { tlp: 'CLEAR' },
        green: { tlp: 'GREEN' },
        amber: { tlp: 'AMBER', affectedCounties: ['county-orange'] },
        red: { tlp: 'RED', shareWithUsers: [kern.email] },
        exercise: { tlp: 'GREEN', exercise: true },
      };
      for (const [name, shape] of Object.entries(shapes)) {
        const incident = await file(orange, { title: `Feed ${name}`, ...shape });
        ids[name] = incident.id;
        valueOf[name] = `feed-${name}-${crypto.randomUUID().slice(0, 8)}.example`;
        const tlp = name === 'red' ? 'AMBER_STRICT' : name === 'exercise' ? 'GREEN' : (shape.tlp as string);
        const [r] = await hub.deps.services.indicatorReports.reportIndicators(await as(orange), [{ value: valueOf[name]!, tlp: tlp as never, incidentId: incident.id }]);
        expect(r!.ok, r!.error ?? '').toBe(true);
      }
      // A MISP import linked to the CLEAR incident: composite values in hashes.csv are split on "|".
      await hub.deps.services.misp.importEvent(await as(orange), {
        open: fromText(event([attr('domain|ip', 'split-me.example|192.0.2.77')], { Tag: [{ name: 'tlp:clear' }] })),
        incident: ids.clear,
      });
    });

    const get = (path: string, authorization?: string) => fetch(`${hub.url}/misp/feed/${path}`, { headers: authorization ? { authorization } : {} });
    const bearer = (u: TestUser) => `Bearer ${u.token}`;

    /** A MISP-like client, from the feed format: manifest first, then each event whose timestamp it lacks. */
    async function pull(authorization: string, store: Map<string, { timestamp: number; event: any }>) {
      const fetched: string[] = [];
      const manifest = (await (await get('manifest.json', authorization)).json()) as Record<string, { timestamp: number; info: string; Tag: Array<{ name: string }>; Orgc: { name: string } }>;
      for (const [uuid, meta] of Object.entries(manifest)) {
        if (store.get(uuid)?.timestamp === meta.timestamp) continue;
        const res = await get(`${uuid}.json`, authorization);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { Event: any };
        expect(body.Event.uuid).toBe(uuid);
        expect(Number(body.Event.timestamp)).toBe(meta.timestamp);
        expect(body.Event.info).toBe(meta.info);
        expect(body.Event.Tag.map((t: any) => t.name)).toEqual(meta.Tag.map((t) => t.name));
        store.set(uuid, { timestamp: meta.timestamp, event: body.Event });
        fetched.push(uuid);
      }
      return { manifest, fetched };
    }
    const valuesIn = (store: Map<string, { event: any }>) => [...store.values()].flatMap((s) => [...s.event.Attribute, ...s.event.Object.flatMap((o: any) => o.Attribute)].map((a: any) => a.value));

    it('requires a token: none, a wrong one or a revoked one is 401', async () => {
      for (const path of ['manifest.json', 'hashes.csv', `${crypto.randomUUID()}.json`]) {
        expect((await get(path)).status).toBe(401);
        expect((await get(path, 'Bearer estf_not-a-token')).status).toBe(401);
        expect((await get(path, 'Basic Zm9vOmJhcg==')).status).toBe(401);
      }
    });

    it('accepts the token as MISP sends a custom Authorization header: with or without "Bearer"', async () => {
      expect((await get('manifest.json', bearer(kern))).status).toBe(200);
      const bare = await get('manifest.json', kern.token);
      expect(bare.status).toBe(200);
      expect(bare.headers.get('cache-control')).toContain('no-store');
    });

    it('an organization without rights pulls CLEAR and GREEN only; never an exercise, never RED (even as a named recipient)', async () => {
      const store = new Map();
      await pull(bearer(kern), store);
      const values = valuesIn(store);
      expect(values).toEqual(expect.arrayContaining([valueOf.clear, valueOf.green, 'split-me.example|192.0.2.77']));
      for (const hidden of ['amber', 'red', 'exercise']) expect(values).not.toContain(valueOf[hidden]);
      const tlps = new Set([...store.values()].map((s) => s.event.Tag[0].name));
      expect([...tlps].every((t) => t === 'tlp:clear' || t === 'tlp:green')).toBe(true);
      // The AMBER event's file is not there for kern: like an event that does not exist.
      const { eventUuidOfIncident } = await import('../src/modules/misp/index.js');
      expect((await get(`${eventUuidOfIncident(ids.amber!)}.json`, bearer(kern))).status).toBe(404);
      expect((await get(`${eventUuidOfIncident(ids.red!)}.json`, bearer(kern))).status).toBe(404);
      expect((await get(`${eventUuidOfIncident(ids.exercise!)}.json`, bearer(orange))).status).toBe(404);
    });

    it('an organization in the audience pulls its AMBER too (the reporter, a coordinator); nobody pulls RED', async () => {
      for (const u of [orange, sos]) {
        const store = new Map();
        await pull(bearer(u), store);
        const values = valuesIn(store);
        expect(values).toEqual(expect.arrayContaining([valueOf.clear, valueOf.green, valueOf.amber]));
        expect(values).not.toContain(valueOf.red);
        expect(values).not.toContain(valueOf.exercise);
      }
    });

    it('manifest, hashes.csv and the event files agree; a MISP-like client gets every event once', async () => {
      const store = new Map<string, { timestamp: number; event: any }>();
      const { manifest, fetched } = await pull(bearer(sos), store);
      expect(fetched.sort()).toEqual(Object.keys(manifest).sort());
      expect(new Set(fetched).size).toBe(fetched.length);
      // Pulled again with nothing changed: nothing is fetched.
      expect((await pull(bearer(sos), store)).fetched).toEqual([]);
      // hashes.csv: md5 of every value (each part of a composite value), with its event's uuid.
      const csv = await (await get('hashes.csv', bearer(sos))).text();
      const lines = csv.trim().split('\n').sort();
      const expected = [...store.values()]
        .flatMap(({ event }) =>
          [...event.Attribute, ...event.Object.flatMap((o: any) => o.Attribute)].flatMap((a: any) => (a.type.includes('|') ? a.value.split('|') : [a.value]).map((v: string) => `${md5(v)},${event.uuid}`)),
        )
        .sort();
      expect(lines).toEqual(expected);
      expect(lines).toContain(`${md5('split-me.example')},${[...store.values()].find((s) => s.event.Attribute.some((a: any) => a.value === 'split-me.example|192.0.2.77'))!.event.uuid}`);
      // Every line is "<32 hex>,<uuid>" and every uuid is a manifest entry.
      for (const l of lines) {
        expect(l).toMatch(/^[0-9a-f]{32},[0-9a-f-]{36}$/);
        expect(manifest[l.split(',')[1]!]).toBeDefined();
      }
      // Manifest entries carry what MISP reads before fetching.
      for (const meta of Object.values(manifest)) {
        expect(meta).toMatchObject({ Orgc: { name: expect.any(String), uuid: expect.any(String) }, info: expect.any(String), date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
        expect(typeof (meta as any).analysis).toBe('number');
        expect(typeof (meta as any).threat_level_id).toBe('number');
      }
    });

    it('a change moves the event timestamp and the client fetches that event again, only that one', async () => {
      const store = new Map<string, { timestamp: number; event: any }>();
      await pull(bearer(kern), store);
      await new Promise((r) => setTimeout(r, 1_100)); // MISP timestamps are whole seconds
      const extra = `feed-later-${crypto.randomUUID().slice(0, 8)}.example`;
      await hub.deps.services.indicatorReports.reportIndicators(await as(orange), [{ value: extra, tlp: 'GREEN', incidentId: ids.green }]);
      const { fetched } = await pull(bearer(kern), store);
      const { eventUuidOfIncident } = await import('../src/modules/misp/index.js');
      expect(fetched).toEqual([eventUuidOfIncident(ids.green!)]);
      expect(valuesIn(store)).toContain(extra);
    });

    it('over GraphQL: an incident one may not see is NOT_FOUND; an exercise or RED incident never leaves', async () => {
      expectCode(await hub.gql(kern.token, MISP_EVENT, { i: ids.amber }), 'NOT_FOUND');
      expectCode(await hub.gql(orange.token, MISP_EVENT, { i: ids.exercise }), 'BAD_USER_INPUT');
      expectCode(await hub.gql(orange.token, MISP_EVENT, { i: ids.red }), 'BAD_USER_INPUT');
      expectCode(await hub.gql(null, MISP_EVENT, { i: ids.green }), 'UNAUTHENTICATED');
    });

    it('an export is not free: each mispEvent costs a page of 500 (fifteen plus a page of 500 incidents are over the limit)', async () => {
      const page = `incidents(first: 500) { edges { node { id reportingOrganization { slug } assignee { organization { slug } } } } }`;
      const alone = await hub.gql(kern.token, `{ ${page} }`);
      expect(alone.errors).toBeUndefined();
      const aliases = Array.from({ length: 15 }, (_, k) => `e${k}: mispEvent(incident: $i)`).join(' ');
      const many = await hub.gql(kern.token, `query($i: ID!) { ${aliases} }`, { i: ids.green });
      expect(many.errors).toBeUndefined();
      const both = await hub.gql(kern.token, `query($i: ID!) { ${aliases} ${page} }`, { i: ids.green });
      expectCode(both, 'QUERY_TOO_COSTLY');
      expect(both.errors![0]!.extensions!.cost).toBe(15 * 500 + 2_501);
    });
  });
});
