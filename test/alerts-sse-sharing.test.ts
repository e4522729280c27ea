import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { sseSubscribe, type LiveClient, type Received } from './support/live-clients.js';

// Subscriptions over SSE are written straight to the socket (src/http/sse.ts), and streams of one token
// with the same operation and variables share one execution. What that must not change: each stream
// gets every event, leaving one stream does not end the others, and revoking the token ends them all.

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`;
const EVENTS = `subscription($filter: IncidentEventFilter) {
  incidentEvents(filter: $filter) { cursor kind incident { id title severity reportingOrganization { slug } } }
}`;
type Ev = { incidentEvents: { cursor: string; kind: string; incident: { id: string; title: string; severity: string } } };
const incidentOf = (r: Received<Ev>) => r.data?.incidentEvents?.incident.id;

describe('live streams over SSE that share an execution', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let county: TestUser, cisa: TestUser;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [county, cisa] = await Promise.all([makeUser(hub.deps, 'county-los-angeles', ['ANALYST']), makeUser(hub.deps, 'cisa', ['VIEWER'])]);
  });
  afterAll(async () => {
    for (const c of clients) c.dispose();
    await workers?.close();
    await hub?.close();
  });

  const file = async (title: string, severity: string) => {
    const r = await hub.gql(county.token, FILE, {
      input: { title, summary: 'Phishing wave', category: 'PHISHING', severity, tlp: 'GREEN', affectedCounties: ['county-los-angeles'] },
    });
    expect(r.errors).toBeUndefined();
    return r.data.fileIncident.id as string;
  };

  it('one execution per token, operation and variables; every stream gets every event; leaving one keeps the others; revoking ends all', async () => {
    const high = { filter: { severityAtLeast: 'HIGH' } };
    const a = sseSubscribe<Ev>(hub.url, cisa.token, EVENTS, high);
    const b = sseSubscribe<Ev>(hub.url, cisa.token, EVENTS, high);
    const c = sseSubscribe<Ev>(hub.url, cisa.token, EVENTS, high);
    const all = sseSubscribe<Ev>(hub.url, cisa.token, EVENTS, {});
    clients.push(a, b, c, all);
    await Promise.all([a, b, c, all].map((x) => x.connected));
    // Three identical streams and one with other variables: two executions listen to the live events.
    const end = Date.now() + 5_000;
    while (hub.deps.services.alerts.liveStreams !== 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(hub.deps.services.alerts.liveStreams).toBe(2);

    const low = await file('A low one', 'LOW');
    const first = await file('A high one', 'HIGH');
    const got = await Promise.all([a, b, c].map((x) => x.waitFor((r) => incidentOf(r) === first)));
    // The same result, to the byte, on each shared stream; the filter still applies.
    expect(new Set(got.map((r) => JSON.stringify(r.data))).size).toBe(1);
    await all.waitFor((r) => incidentOf(r) === first);
    expect(all.received.map(incidentOf)).toContain(low);
    for (const x of [a, b, c]) expect(x.received.map(incidentOf)).not.toContain(low);

    // The stream that started the execution leaves: the others go on.
    a.dispose();
    const second = await file('Another high one', 'CRITICAL');
    await Promise.all([b, c].map((x) => x.waitFor((r) => incidentOf(r) === second)));

    // Revoking the token ends every stream of it, shared or not, with UNAUTHENTICATED, within 5 s.
    const t0 = Date.now();
    const [token] = await hub.deps.services.identity.listApiTokens(sys, cisa.email);
    await hub.deps.services.identity.revokeApiToken(sys, token!.prefix);
    const ends = await Promise.all([b, c, all].map((x) => x.ended));
    for (const e of ends) {
      expect(e.how).toBe('complete');
      expect(e.at - t0).toBeLessThan(5_000);
    }
    for (const x of [b, c, all]) expect(x.received.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
