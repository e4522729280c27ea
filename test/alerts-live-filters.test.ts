import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { sseSubscribe, wsSubscribe, type LiveClient, type Received } from './support/live-clients.js';
import { until } from './support/until.js';

/**
 * A live subscription's filter holds however it is written: inline, or in a variable of any name. (The
 * compiled execution path once handed the subscribe resolver the operation's variables as its arguments,
 * so only a variable literally named `$filter` filtered anything.)
 */

const T = randomBytes(3).toString('hex');
const INCIDENT_FIELDS = 'cursor kind incident { id title severity }';
const EVENT_SHAPES: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  { name: 'inline', query: `subscription { incidentEvents(filter: { severityAtLeast: HIGH, kinds: [FILED] }) { ${INCIDENT_FIELDS} } }` },
  // The README's own example: a variable named $f.
  { name: '$f', query: `subscription($f: IncidentEventFilter) { incidentEvents(filter: $f) { ${INCIDENT_FIELDS} } }`, variables: { f: { severityAtLeast: 'HIGH', kinds: ['FILED'] } } },
  { name: 'inner variables', query: `subscription($sev: Severity!, $kinds: [IncidentEventKind!]) { incidentEvents(filter: { severityAtLeast: $sev, kinds: $kinds }) { ${INCIDENT_FIELDS} } }`, variables: { sev: 'HIGH', kinds: ['FILED'] } },
  { name: '$filter', query: `subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { ${INCIDENT_FIELDS} } }`, variables: { filter: { severityAtLeast: 'HIGH', kinds: ['FILED'] } } },
];
const ALERT_FIELDS = 'cursor kind indicator { value } report { confidence }';
const ALERT_SHAPES: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  { name: 'inline', query: `subscription { indicatorAlerts(filter: { confidenceAtLeast: 70 }) { ${ALERT_FIELDS} } }` },
  { name: '$x', query: `subscription($x: IndicatorAlertFilter) { indicatorAlerts(filter: $x) { ${ALERT_FIELDS} } }`, variables: { x: { confidenceAtLeast: 70 } } },
];

type Ev = { incidentEvents: { cursor: string; kind: string; incident: { id: string; title: string; severity: string } } };
type Al = { indicatorAlerts: { cursor: string; kind: string; indicator: { value: string }; report: { confidence: number } | null } };

describe('live subscription filters, inline or in variables of any name', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let county: TestUser, cisa: TestUser, kern: TestUser;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [county, cisa, kern] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
    ]);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.dispose();
    await workers?.close();
    await hub?.close();
  });

  const open = async <D>(shapes: typeof EVENT_SHAPES, token: string) => {
    const base = hub.deps.services.alerts.liveStreams;
    const subs: Array<{ label: string; c: LiveClient<D> }> = [];
    for (const s of shapes) {
      for (const [transport, subscribe] of [['SSE', sseSubscribe], ['WebSocket', wsSubscribe]] as const) {
        const c = subscribe<D>(hub.url, token, s.query, s.variables);
        clients.push(c);
        subs.push({ label: `${s.name} over ${transport}`, c });
      }
    }
    await Promise.all(subs.map((s) => s.c.connected));
    await until(async () => hub.deps.services.alerts.liveStreams >= base + subs.length, 5_000);
    return subs;
  };

  it('incidentEvents(filter: { severityAtLeast: HIGH, kinds: [FILED] }): no LOW incident, no COMMENTED event', async () => {
    const subs = await open<Ev>(EVENT_SHAPES, cisa.token);
    const file = async (title: string, severity: string) => {
      const r = await hub.gql(county.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`, {
        input: { title, summary: 's', category: 'PHISHING', severity, tlp: 'GREEN' },
      });
      expect(r.errors).toBeUndefined();
      return r.data.fileIncident.id as string;
    };
    const low = await file(`low-${T}`, 'LOW');
    const high = await file(`high-${T}`, 'HIGH');
    const c = await hub.gql(county.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "more") { id } }`, { id: high });
    expect(c.errors).toBeUndefined();
    // A later matching event: streams deliver in order, so everything before it has been decided.
    const barrier = await file(`barrier-${T}`, 'CRITICAL');
    for (const { label, c } of subs) {
      await c.waitFor((r: Received<Ev>) => r.data?.incidentEvents.incident.id === barrier, 5_000);
      const got = c.received.map((r) => `${r.data?.incidentEvents.kind} ${r.data?.incidentEvents.incident.id}`);
      expect(got, label).toEqual([`FILED ${high}`, `FILED ${barrier}`]);
      expect(got, label).not.toContain(`FILED ${low}`);
    }
  });

  it('indicatorAlerts(filter: { confidenceAtLeast: 70 }): no alert of confidence 5, 10 or 20', async () => {
    const subs = await open<Al>(ALERT_SHAPES, cisa.token);
    const r = await hub.gql(kern.token, `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok } }`, {
      input: [5, 10, 20, 85].map((confidence) => ({ value: `c${confidence}-${T}.info`, tlp: 'GREEN', confidence })),
    });
    expect(r.errors).toBeUndefined();
    const barrier = await hub.gql(kern.token, `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok } }`, {
      input: [{ value: `barrier-${T}.info`, tlp: 'GREEN', confidence: 90 }],
    });
    expect(barrier.errors).toBeUndefined();
    for (const { label, c } of subs) {
      await c.waitFor((x: Received<Al>) => x.data?.indicatorAlerts.indicator.value === `barrier-${T}.info`, 5_000);
      const values = c.received.map((x) => x.data?.indicatorAlerts.indicator.value).filter((v) => v?.includes(T));
      expect(values, label).toEqual([`c85-${T}.info`, `barrier-${T}.info`]);
    }
  });
});
