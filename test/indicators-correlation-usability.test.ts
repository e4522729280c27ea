import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * The statewide correlated incident was hard to act on (issue 11, item 5): no way from it to its
 * indicator (indicators(filter: {linkedIncident}) returned 0), its timeline showed an internal indicatorId,
 * and nothing led to the county incidents that fed it. Links are filtered by the reader's rights.
 */

const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok error } }`;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const STATEWIDE = `query($id: ID!) { incident(id: $id) {
  affectedCounties { slug }
  correlation { indicator { type value } countyCount counties { slug } countyIncidents { reference } }
  timeline { edges { node { kind change } } } } }`;
const LINKED = `query($id: ID!) { indicators(filter: {linkedIncident: $id}) { totalCount edges { node { value } } } }`;

describe('the statewide correlated incident', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let orange: TestUser, kern: TestUser, fresno: TestUser, sos: TestUser;
  let orangeRef: string, kernRef: string, statewideId: string;
  const VALUE = 'statewide-phish.info';

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [orange, kern, fresno, sos] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'county-fresno', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
    ]);
    const input = (title: string) => ({ title, summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'AMBER' });
    const o = (await hub.gql(orange.token, FILE, { input: input('Orange phish') })).data.fileIncident;
    const k = (await hub.gql(kern.token, FILE, { input: input('Kern phish') })).data.fileIncident;
    orangeRef = o.reference;
    kernRef = k.reference;
    expect((await hub.gql(orange.token, REPORT, { input: [{ value: VALUE, tlp: 'GREEN', incidentId: o.id }] })).data.reportIndicators[0].ok).toBe(true);
    // Kern's report is AMBER: Orange may see neither it nor Kern's incident.
    expect((await hub.gql(kern.token, REPORT, { input: [{ value: VALUE, tlp: 'AMBER', incidentId: k.id }] })).data.reportIndicators[0].ok).toBe(true);
    expect((await hub.gql(fresno.token, `mutation { reportSighting(input: {value: "${VALUE}", tlp: AMBER}) { id } }`)).errors).toBeUndefined();
    const corr = await hub.db.selectFrom('indicator_correlations').select('incident_id').executeTakeFirstOrThrow();
    statewideId = corr.incident_id;
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
  });

  it('a coordinator reaches its indicator, every contributing county and the county incidents that fed it', async () => {
    const res = await hub.gql(sos.token, STATEWIDE, { id: statewideId });
    expect(res.errors).toBeUndefined();
    const c = res.data.incident.correlation;
    expect(c.indicator).toEqual({ type: 'DOMAIN', value: VALUE });
    expect(c.countyCount).toBe(3);
    expect(c.counties.map((o: any) => o.slug).sort()).toEqual(['county-fresno', 'county-kern', 'county-orange']);
    expect(c.countyIncidents.map((i: any) => i.reference).sort()).toEqual([kernRef, orangeRef].sort());
    const linked = await hub.gql(sos.token, LINKED, { id: statewideId });
    expect(linked.errors).toBeUndefined();
    expect(linked.data.indicators.edges.map((e: any) => e.node.value)).toEqual([VALUE]);
    expect(linked.data.indicators.totalCount).toBe(1);
  });

  it('the timeline names the indicator, not an internal id', async () => {
    const res = await hub.gql(sos.token, STATEWIDE, { id: statewideId });
    const filed = res.data.incident.timeline.edges.map((e: any) => e.node).find((n: any) => n.kind === 'FILED');
    expect(JSON.stringify(filed.change)).not.toMatch(/indicatorId/);
    expect(filed.change.correlation).toEqual({ indicator: { type: 'DOMAIN', value: VALUE }, counties: 3 });
  });

  it('a contributing county sees the count, itself, and only the county incidents it may see', async () => {
    const res = await hub.gql(orange.token, STATEWIDE, { id: statewideId });
    expect(res.errors).toBeUndefined();
    const c = res.data.incident.correlation;
    expect(c.countyCount).toBe(3);
    expect(c.counties.map((o: any) => o.slug)).toEqual(['county-orange']);
    expect(c.countyIncidents.map((i: any) => i.reference)).toEqual([orangeRef]);
    expect(c.indicator).toEqual({ type: 'DOMAIN', value: VALUE });
    // Affected counties stay empty on purpose: they travel in every page and e-mail (README, correlation).
    expect(res.data.incident.affectedCounties).toEqual([]);
  });

  it('an ordinary incident has no correlation', async () => {
    const res = await hub.gql(orange.token, `{ incidents(filter: {text: "Orange phish"}) { edges { node { correlation { countyCount } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.incidents.edges.map((e: any) => e.node.correlation)).toEqual([null]);
  });
});
