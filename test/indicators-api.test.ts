import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { until } from './support/until.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';

const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { index ok created error field indicator { id type value benign } } }`;
const MATCH = `query($v: [String!]!, $x: Boolean) { matchObservables(values: $v, includeExpired: $x) {
  matches { index input type value via indicator { value reports { organization { slug } tlp } sightingCount sightingOrganizationCount linkedIncidents { reference } } }
  invalid { index reason } } }`;


describe('indicators over GraphQL', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let orange: TestUser, kern: TestUser, fresno: TestUser, marin: TestUser, sos: TestUser, viewer: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [orange, kern, fresno, marin, sos, viewer] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'county-fresno', ['ANALYST']),
      makeUser(hub.deps, 'county-marin', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'county-marin', ['VIEWER']),
    ]);
    // Someone on call for the duties the correlation pages, with a method, so the escalation pages.
    const duty = await makeUser(hub.deps, 'sos', ['ANALYST'], 'duty');
    const sys = systemPrincipal('test');
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: duty.email, kind: 'EMAIL', target: duty.email });
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
  });

  it('three counties report one phishing domain spelled three ways: one indicator, one statewide incident, paging', async () => {
    const incident = (
      await hub.gql(orange.token, `mutation { fileIncident(input: {title: "Phish", summary: "s", category: PHISHING, severity: MODERATE, tlp: GREEN}) { id reference } }`)
    ).data.fileIncident;
    const a = await hub.gql(orange.token, REPORT, { input: [{ value: 'vote-ca-gov[.]info', tlp: 'GREEN', incidentId: incident.id, confidence: 80 }] });
    expect(a.data.reportIndicators[0]).toMatchObject({ ok: true, created: true, indicator: { type: 'DOMAIN', value: 'vote-ca-gov.info', benign: false } });
    const b = await hub.gql(kern.token, REPORT, { input: [{ value: 'VOTE-CA-GOV.INFO', tlp: 'AMBER' }] });
    expect(b.data.reportIndicators[0]).toMatchObject({ ok: true, created: false, indicator: { value: 'vote-ca-gov.info' } });
    const c = await hub.gql(fresno.token, `mutation { reportSighting(input: {value: "vote-ca-gov.info.", tlp: AMBER, count: 12}) { id count } }`);
    expect(c.errors).toBeUndefined();

    const count = await hub.db.selectFrom('indicators').select((eb) => eb.fn.countAll<number>().as('n')).where('value', '=', 'vote-ca-gov.info').executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    const corr = await hub.db.selectFrom('indicator_correlations').selectAll().executeTakeFirstOrThrow();
    expect(corr.county_ids).toHaveLength(3);
    const statewide = await hub.gql(sos.token, `query($id: ID!) { incident(id: $id) { title category tlp sharedWith { slug } escalations { rule state } } }`, { id: corr.incident_id });
    expect(statewide.data.incident).toMatchObject({ category: 'PHISHING', tlp: 'AMBER' });
    expect(statewide.data.incident.title).toMatch(/3 counties/);
    expect(statewide.data.incident.sharedWith.map((o: any) => o.slug).sort()).toEqual(['county-fresno', 'county-kern', 'county-orange']);
    // A contributing county sees the count, not the other counties' names.
    const asKern = await hub.gql(kern.token, `query($id: ID!) { incident(id: $id) { title sharedWith { slug } } }`, { id: corr.incident_id });
    expect(asKern.data.incident.sharedWith.map((o: any) => o.slug)).toEqual(['county-kern']);
    // A non-contributing county does not see the statewide AMBER incident.
    const asMarin = await hub.gql(marin.token, `query($id: ID!) { incident(id: $id) { id } }`, { id: corr.incident_id });
    expect(asMarin.data.incident).toBeNull();
    // Routed through the escalation engine: the cyber-high rule pages (PHISHING from the linked incident).
    const esc = await until(async () => {
      const r = await hub.gql(sos.token, `query($id: ID!) { incident(id: $id) { escalations { rule state notifications { status } } } }`, { id: corr.incident_id });
      return r.data.incident.escalations.find((e: any) => e.notifications.some((n: any) => n.status === 'DELIVERED'));
    });
    expect(esc.rule).toBe('cyber-high');

    // A fourth county matches its proxy-log values: the domain, with only the context it may see.
    const m = await hub.gql(marin.token, MATCH, { v: ['hxxps://vote-ca-gov[.]info/login', 'Vote-CA-Gov.info', 'example.org', '10.1.2.3', 'not a value ☃'] });
    expect(m.errors).toBeUndefined();
    const hit = m.data.matchObservables.matches.find((x: any) => x.index === 1);
    expect(hit).toMatchObject({ type: 'DOMAIN', value: 'vote-ca-gov.info', via: 'EXACT' });
    expect(hit.indicator.reports).toEqual([{ organization: { slug: 'county-orange' }, tlp: 'GREEN' }]);
    expect(hit.indicator.sightingCount).toBe(12);
    expect(hit.indicator.sightingOrganizationCount).toBe(1);
    // The GREEN incident linked by Orange is visible; the AMBER statewide one is not.
    expect(hit.indicator.linkedIncidents.map((i: any) => i.reference)).toEqual([incident.reference]);
    expect(m.data.matchObservables.invalid.map((x: any) => x.index)).toEqual([4]);
  });

  it('reports invalid items by index and reason while storing the valid ones; benign values never correlate', async () => {
    const r = await hub.gql(orange.token, REPORT, {
      input: [
        { value: '198.51.100.7', tlp: 'GREEN' },
        { value: 'not/a valid thing', tlp: 'GREEN' },
        { value: '44d88612fea8a8f36de82e1278abb02f', tlp: 'GREEN', confidence: 101 },
        { value: 'hxxp://malicious.example[.]net/x?y=1#frag', tlp: 'GREEN', shareWithUsers: [kern.email] },
        { value: '45.33.0.0/16', tlp: 'GREEN' },
      ],
    });
    const items = r.data.reportIndicators;
    expect(items.map((x: any) => x.ok)).toEqual([true, false, false, false, true]);
    expect(items[0].indicator.benign).toBe(true);
    expect(items[1].field).toBe('value');
    expect(items[2].field).toBe('confidence');
    expect(items[3].field).toBe('shareWithUsers');
    expect(items[4].indicator).toMatchObject({ type: 'CIDR', value: '45.33.0.0/16' });

    for (const u of [kern, fresno]) await hub.gql(u.token, REPORT, { input: [{ value: '198.51.100.7', tlp: 'GREEN' }] });
    const corr = await hub.db
      .selectFrom('indicator_correlations as c')
      .innerJoin('indicators as i', 'i.id', 'c.indicator_id')
      .select('i.value')
      .where('i.value', '=', '198.51.100.7')
      .execute();
    expect(corr).toHaveLength(0);

    const m = await hub.gql(marin.token, MATCH, { v: ['45.33.200.1', '2001:db8::1'] });
    expect(m.data.matchObservables.matches).toMatchObject([{ index: 0, via: 'CIDR', indicator: { value: '45.33.0.0/16' } }]);
  });

  it('hides what a principal may not see, skips expired reports unless asked, and enforces who may report and revoke', async () => {
    const red = await hub.gql(orange.token, REPORT, { input: [{ value: 'secret-c2.example.com', tlp: 'RED', shareWithUsers: [sos.email] }] });
    expect(red.data.reportIndicators[0].ok).toBe(true);
    const q = `query { indicator(type: DOMAIN, value: "SECRET-C2.example.com") { value reports { tlp } } }`;
    expect((await hub.gql(kern.token, q)).data.indicator).toBeNull();
    expect((await hub.gql(sos.token, q)).data.indicator.reports).toEqual([{ tlp: 'RED' }]);
    expect((await hub.gql(marin.token, MATCH, { v: ['secret-c2.example.com'] })).data.matchObservables.matches).toEqual([]);

    const past = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const until = new Date(Date.now() - 86_400_000).toISOString();
    await hub.gql(orange.token, REPORT, { input: [{ value: 'old-campaign.example.net', tlp: 'GREEN', validFrom: past, validUntil: until }] });
    expect((await hub.gql(marin.token, MATCH, { v: ['old-campaign.example.net'] })).data.matchObservables.matches).toEqual([]);
    expect((await hub.gql(marin.token, MATCH, { v: ['old-campaign.example.net'], x: true })).data.matchObservables.matches).toHaveLength(1);

    expectCode(await hub.gql(viewer.token, REPORT, { input: [{ value: 'x.example.com', tlp: 'GREEN' }] }), 'FORBIDDEN');
    const list = await hub.gql(kern.token, `{ indicators(filter: {reportedBy: "county-orange", types: [DOMAIN]}) { totalCount edges { node { value } } } }`);
    const values = list.data.indicators.edges.map((e: any) => e.node.value);
    expect(values).toContain('vote-ca-gov.info');
    expect(values).not.toContain('secret-c2.example.com');
    expect(list.data.indicators.totalCount).toBe(values.length);

    const ind = await hub.gql(orange.token, `{ indicator(type: DOMAIN, value: "vote-ca-gov.info") { reports { id organization { slug } } } }`);
    const mine = ind.data.indicator.reports.find((r: any) => r.organization.slug === 'county-orange');
    expectCode(await hub.gql(fresno.token, `mutation($id: ID!) { revokeIndicatorReport(id: $id) { id } }`, { id: mine.id }), 'FORBIDDEN');
    const kernReport = (await hub.gql(kern.token, `{ indicator(type: DOMAIN, value: "vote-ca-gov.info") { reports { id organization { slug } } } }`)).data.indicator.reports.find(
      (r: any) => r.organization.slug === 'county-kern',
    );
    expectCode(await hub.gql(marin.token, `mutation($id: ID!) { revokeIndicatorReport(id: $id) { id } }`, { id: kernReport.id }), 'NOT_FOUND');
    const revoked = await hub.gql(orange.token, `mutation($id: ID!) { revokeIndicatorReport(id: $id) { id } }`, { id: mine.id });
    expect(revoked.errors).toBeUndefined();
  });
});
