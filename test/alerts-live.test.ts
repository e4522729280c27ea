import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import type { HubDeps } from '../src/deps.js';
import { createServices } from '../src/services.js';
import { createDb, type Db } from '../src/infra/db.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { spawnEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { clearRedisPrefix, createTestDatabase, dropTestDatabase, startTestHub, testConfig, type TestHub } from './harness.js';
import { sseSubscribe, wsSubscribe, type LiveClient, type Received } from './support/live-clients.js';

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const EVENTS = `subscription($filter: IncidentEventFilter) {
  incidentEvents(filter: $filter) { cursor kind at change incident { id reference title severity tlp affectedCounties { slug } reportingOrganization { slug } } }
}`;

type Ev = { incidentEvents: { cursor: string; kind: string; change: any; incident: { id: string; reference: string; title: string; severity: string; tlp: string } } };
const incidentOf = (r: Received<Ev>) => r.data?.incidentEvents?.incident.id;

function incidentInput(input: Record<string, unknown>) {
  return { title: 'Ransomware at the ROV', summary: 'Encrypted file shares', category: 'RANSOMWARE', severity: 'HIGH', tlp: 'GREEN', ...input };
}

/** Waits until `n` live streams are open in the hub's process: the subscriptions are listening. */
async function streamsOpen(hub: TestHub, n: number): Promise<void> {
  const end = Date.now() + 5_000;
  while (hub.deps.services.alerts.liveStreams < n) {
    if (Date.now() > end) throw new Error(`only ${hub.deps.services.alerts.liveStreams} of ${n} live streams opened`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('live incident events (SSE and WebSocket, one API process)', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let county: TestUser, cisa: TestUser, coordinator: TestUser, revoked: TestUser, deactivated: TestUser;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [county, cisa, coordinator, revoked, deactivated] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'cisa', ['VIEWER'], 'revoked'),
      makeUser(hub.deps, 'ei-isac', ['VIEWER'], 'deactivated'),
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.dispose();
    await workers?.close();
    await hub?.close();
  });

  const file = async (input: Record<string, unknown>, by: TestUser = county) => {
    const r = await hub.gql(by.token, FILE, { input: incidentInput(input) });
    expect(r.errors).toBeUndefined();
    return { ...(r.data.fileIncident as { id: string; reference: string }), at: Date.now() };
  };

  it('a HIGH GREEN incident filed by a county reaches SSE and WebSocket subscribers within a second; an AMBER one outside their audience does not', async () => {
    const filter = { severityAtLeast: 'HIGH' };
    const sse = sseSubscribe<Ev>(hub.url, cisa.token, EVENTS, { filter });
    const ws = wsSubscribe<Ev>(hub.url, cisa.token, EVENTS, { filter });
    clients.push(sse, ws);
    await Promise.all([sse.connected, ws.connected]);
    await streamsOpen(hub, 2);

    // CISA is not in the audience of an AMBER incident of Los Angeles that names no one else.
    const amber = await file({ tlp: 'AMBER', title: 'Not for CISA' });
    const low = await file({ severity: 'LOW', title: 'Below the filter' });
    const green = await file({ title: 'Ransomware, HIGH, GREEN', affectedCounties: ['county-los-angeles'] });

    for (const c of [sse, ws]) {
      const got = await c.waitFor((r) => incidentOf(r) === green.id, 3_000);
      expect(got.at - green.at, 'delivered within a second').toBeLessThan(1_000);
      const e = got.data!.incidentEvents;
      expect(e.kind).toBe('FILED');
      expect(e.cursor).toMatch(/^\d+$/);
      expect(e.incident).toMatchObject({ reference: green.reference, title: 'Ransomware, HIGH, GREEN', severity: 'HIGH', tlp: 'GREEN' });
      // Events arrive in cursor order: anything delivered for the earlier AMBER or LOW incident would be here already.
      expect(c.received.map(incidentOf)).not.toContain(amber.id);
      expect(c.received.map(incidentOf)).not.toContain(low.id);
    }

    // The coordinator is in every audience: it receives the AMBER one (and, unfiltered, the LOW one), in order.
    const coord = sseSubscribe<Ev>(hub.url, coordinator.token, EVENTS, {});
    clients.push(coord);
    await coord.connected;
    const again = await file({ tlp: 'AMBER', title: 'For the coordinators', severity: 'LOW' });
    const got = await coord.waitFor((r) => incidentOf(r) === again.id);
    expect(got.data!.incidentEvents.incident.tlp).toBe('AMBER');
    const cursors = coord.received.map((r) => Number(r.data!.incidentEvents.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
  });

  it('a TLP narrowed mid-stream stops the later events of that incident for a subscriber no longer in its audience', async () => {
    const cisaStream = sseSubscribe<Ev>(hub.url, cisa.token, EVENTS, {});
    const coordStream = wsSubscribe<Ev>(hub.url, coordinator.token, EVENTS, {});
    clients.push(cisaStream, coordStream);
    await Promise.all([cisaStream.connected, coordStream.connected]);
    await streamsOpen(hub, 5);

    const inc = await file({ title: 'Narrowed later', severity: 'MODERATE' });
    await cisaStream.waitFor((r) => incidentOf(r) === inc.id && r.data!.incidentEvents.kind === 'FILED');

    const narrowed = await hub.gql(county.token, `mutation($id: ID!) { setIncidentTlp(id: $id, tlp: AMBER) { tlp } }`, { id: inc.id });
    expect(narrowed.data.setIncidentTlp.tlp).toBe('AMBER');
    const commented = await hub.gql(county.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "Backups restored") { id } }`, { id: inc.id });
    expect(commented.errors).toBeUndefined();
    // A later event CISA may see: once it arrives, every earlier event has been decided.
    const barrier = await file({ title: 'Barrier', severity: 'MODERATE' });
    await cisaStream.waitFor((r) => incidentOf(r) === barrier.id);

    const cisaKinds = cisaStream.received.filter((r) => incidentOf(r) === inc.id).map((r) => r.data!.incidentEvents.kind);
    expect(cisaKinds).toEqual(['FILED']);
    // Those still in the audience receive everything, with the change.
    await coordStream.waitFor((r) => incidentOf(r) === barrier.id);
    const coordEvents = coordStream.received.filter((r) => incidentOf(r) === inc.id).map((r) => r.data!.incidentEvents);
    expect(coordEvents.map((e) => e.kind)).toEqual(['FILED', 'TLP_CHANGED', 'COMMENTED']);
    expect(coordEvents[1]!.change).toEqual({ from: 'GREEN', to: 'AMBER' });
    // The incident is resolved when each event is delivered: as it is then, not as the event found it.
    expect(coordEvents.map((e) => e.incident.tlp)).toEqual(['GREEN', 'AMBER', 'AMBER']);
  });

  it('a revoked token or a deactivated user closes the stream within 5 seconds, and no later event reaches it', async () => {
    const silent = await makeUser(hub.deps, 'cisa', ['VIEWER'], 'silently-revoked');
    const sse = sseSubscribe<Ev>(hub.url, revoked.token, EVENTS, {});
    const ws = wsSubscribe<Ev>(hub.url, deactivated.token, EVENTS, {});
    const polled = sseSubscribe<Ev>(hub.url, silent.token, EVENTS, {});
    clients.push(sse, ws, polled);
    await Promise.all([sse.connected, ws.connected, polled.connected]);
    const before = await file({ title: 'Before revocation' });
    await Promise.all([sse, ws, polled].map((c) => c.waitFor((r) => incidentOf(r) === before.id)));

    const t0 = Date.now();
    const [token] = await hub.deps.services.identity.listApiTokens(sys, revoked.email);
    await hub.deps.services.identity.revokeApiToken(sys, token!.prefix);
    await hub.deps.services.identity.deactivateUser(sys, deactivated.email);
    // Revoked behind the hub's back: only the re-authentication every few seconds can notice.
    await hub.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', silent.id).execute();
    const after = await file({ title: 'After revocation' });

    const [sseEnd, wsEnd, polledEnd] = await Promise.all([sse.ended, ws.ended, polled.ended]);
    for (const end of [sseEnd, wsEnd, polledEnd]) expect(end.at - t0, 'closed within 5 s').toBeLessThan(5_000);
    // SSE: a last UNAUTHENTICATED error, then complete. WebSocket: closed with 4401 Unauthorized.
    for (const c of [sse, polled]) expect(c.received.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(sseEnd.how).toBe('complete');
    expect(wsEnd.code).toBe(4401);
    // Revocations travel in the event stream itself: nothing committed after them is delivered.
    for (const c of [sse, ws]) expect(c.received.map(incidentOf)).not.toContain(after.id);

    // A new stream with the revoked token is refused at once.
    const refused = sseSubscribe<Ev>(hub.url, revoked.token, EVENTS, {});
    const refusedWs = wsSubscribe<Ev>(hub.url, revoked.token, EVENTS, {});
    clients.push(refused, refusedWs);
    const [refusedEnd, refusedWsEnd] = await Promise.all([refused.ended, refusedWs.ended]);
    expect(refusedEnd.how).toBe('error');
    expect((refusedEnd.error as { response?: Response }).response?.status).toBe(401);
    expect(refusedWsEnd.code).toBe(4401);
  });
});

describe('live incident events across processes (two `estf serve`, one `estf work`, one Redis)', () => {
  let database: { name: string; url: string };
  let db: Db;
  const prefix = `{estf-live-${randomBytes(4).toString('hex')}}`;
  const children: ChildProcess[] = [];
  let apiA: string, apiB: string;
  let county: TestUser, cisa: TestUser;

  function start(command: 'serve' | 'work'): Promise<string> {
    const child = spawnEstf([command], { DATABASE_URL: database.url, PORT: '0', ESTF_QUEUE_PREFIX: prefix, ESTF_OUTBOX_POLL_INTERVAL: '200ms' });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`estf ${command} not ready in 90 s\n${stdout}\n${stderr}`)), 90_000);
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/^ {2}A token: /m.test(stdout)) {
          clearTimeout(timer);
          resolve(/GraphQL: +(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(stdout)?.[1] ?? '');
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`estf ${command} exited with ${code}\n${stdout}\n${stderr}`));
      });
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 2 });
    const services = createServices({ db, config: testConfig({ DATABASE_URL: database.url }) });
    const deps = { services } as HubDeps;
    [county, cisa] = await Promise.all([makeUser(deps, 'county-orange', ['ANALYST']), makeUser(deps, 'cisa', ['VIEWER'])]);
    [apiA, apiB] = await Promise.all([start('serve'), start('serve'), start('work')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
    await db?.destroy();
    await clearRedisPrefix(prefix);
    if (database) await dropTestDatabase(database.name);
  });

  async function fileVia(api: string, title: string): Promise<{ id: string; at: number }> {
    const res = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${county.token}` },
      body: JSON.stringify({ query: FILE, variables: { input: incidentInput({ title }) } }),
    });
    const body = (await res.json()) as { data: { fileIncident: { id: string } } };
    return { id: body.data.fileIncident.id, at: Date.now() };
  }

  it('a subscriber on API process A receives an event caused through API process B (and the other way round)', async () => {
    expect(apiA).not.toBe(apiB);
    const onA = sseSubscribe<Ev>(apiA, cisa.token, EVENTS, { filter: { severityAtLeast: 'HIGH' } });
    const onB = wsSubscribe<Ev>(apiB, cisa.token, EVENTS, { filter: { severityAtLeast: 'HIGH' } });
    try {
      await Promise.all([onA.connected, onB.connected]);
      // The WebSocket subscription is set up after the connection: probe until it delivers.
      for (let i = 0; ; i++) {
        const probe = await fileVia(apiA, `probe ${i}`);
        const seen = await onB.waitFor((r) => incidentOf(r) === probe.id, 1_000).catch(() => null);
        if (seen) break;
        if (i === 10) throw new Error('the WebSocket subscription never became live');
      }
      const viaB = await fileVia(apiB, 'Filed through B');
      const gotA = await onA.waitFor((r) => incidentOf(r) === viaB.id, 3_000);
      expect(gotA.at - viaB.at).toBeLessThan(1_000);
      const viaA = await fileVia(apiA, 'Filed through A');
      const gotB = await onB.waitFor((r) => incidentOf(r) === viaA.id, 3_000);
      expect(gotB.at - viaA.at).toBeLessThan(1_000);
      // Each event once, in cursor order, on both processes.
      for (const c of [onA, onB]) {
        const cursors = c.received.map((r) => Number(r.data!.incidentEvents.cursor));
        expect(new Set(cursors).size).toBe(cursors.length);
        expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      }
    } finally {
      onA.dispose();
      onB.dispose();
    }
  });
});
