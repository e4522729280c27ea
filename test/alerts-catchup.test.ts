import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';
import { sseSubscribe, type LiveClient, type Received } from './support/live-clients.js';

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const LIVE = `subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { cursor kind change incident { id } } }`;
const CATCH_UP = `query($after: String, $filter: IncidentEventFilter, $first: Int) {
  events(after: $after, filter: $filter, first: $first) {
    totalCount
    edges { cursor node { cursor kind at change incident { id reference tlp severity } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Ev = { cursor: string; kind: string; change: unknown; incident: { id: string } };
type Live = { incidentEvents: Ev };
const eventOf = (r: Received<Live>) => r.data!.incidentEvents;
const brief = (e: Ev) => ({ cursor: e.cursor, kind: e.kind, incident: e.incident.id, change: e.change });

describe('catch-up: events(after:)', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let county: TestUser, cisa: TestUser, coordinator: TestUser;
  let control: LiveClient<Live>;
  let lastSeen: string;
  const ids: Record<string, string> = {};

  const file = async (input: Record<string, unknown>) => {
    const r = await hub.gql(county.token, FILE, {
      input: { title: 'Phishing wave', summary: 'Credential phishing', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', ...input },
    });
    expect(r.errors).toBeUndefined();
    return r.data.fileIncident.id as string;
  };
  const catchUp = async (token: string, vars: Record<string, unknown>) => {
    const r = await hub.gql(token, CATCH_UP, vars);
    expect(r.errors).toBeUndefined();
    return r.data.events as { totalCount: number; edges: Array<{ cursor: string; node: Ev & { incident: { tlp: string } } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [county, cisa, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
    ]);
    // Only this file's rule pages, so that the events are known in advance.
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(
      coordinator.token,
      `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`,
      { input: { name: 'catchup-critical', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] } },
    );
    expect(rule.errors).toBeUndefined();

    // A partner online the whole time: what catch-up must reproduce.
    control = sseSubscribe<Live>(hub.url, cisa.token, LIVE, {});
    await control.connected;
  });
  afterAll(async () => {
    control?.dispose();
    await workers?.close();
    await hub?.close();
  });

  it('returns exactly the visible events a partner missed while offline, in order, with the cursors live events carried', async () => {
    // The partner is online, notes the cursor of the last event it processed, and goes away.
    const partner = sseSubscribe<Live>(hub.url, cisa.token, LIVE, {});
    await partner.connected;
    const before = await file({ title: 'Before the outage' });
    lastSeen = eventOf(await partner.waitFor((r) => eventOf(r).incident.id === before)).cursor;
    partner.dispose();

    // Meanwhile: events CISA may see, and events it may not.
    ids.green = await file({ title: 'GREEN, seen by every partner' });
    ids.amber = await file({ title: 'AMBER, Los Angeles and coordinators only', tlp: 'AMBER' });
    ids.shared = await file({ title: 'AMBER, shared with CISA', tlp: 'AMBER', shareWith: ['cisa'] });
    ids.exercise = await file({ title: 'Tabletop', exercise: true });
    for (const id of [ids.green, ids.amber]) {
      const c = await hub.gql(county.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "update") { id } }`, { id });
      expect(c.errors).toBeUndefined();
    }
    const raised = await hub.gql(county.token, `mutation($id: ID!) { updateIncident(id: $id, input: { severity: CRITICAL }, expectedVersion: 1) { severity } }`, { id: ids.green });
    expect(raised.errors).toBeUndefined();
    // CRITICAL matches the rule: the router (a worker) starts paging, and the coordinator acknowledges.
    await control.waitFor((r) => eventOf(r).incident.id === ids.green && eventOf(r).kind === 'ESCALATED');
    const esc = await hub.gql(coordinator.token, `query($id: ID!) { incident(id: $id) { escalations { id } } }`, { id: ids.green });
    const ack = await hub.gql(coordinator.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: esc.data.incident.escalations[0].id });
    expect(ack.data.acknowledgeEscalation.state).toBe('ACKNOWLEDGED');
    ids.barrier = await file({ title: 'Barrier' });
    await control.waitFor((r) => eventOf(r).incident.id === ids.barrier);

    const page = await catchUp(cisa.token, { after: lastSeen, first: 500 });
    const missed = control.received.map(eventOf).filter((e) => BigInt(e.cursor) > BigInt(lastSeen));
    expect(page.edges.map((e) => brief(e.node))).toEqual(missed.map(brief));
    expect(page.edges.map((e) => e.cursor)).toEqual(page.edges.map((e) => e.node.cursor));
    expect(page.totalCount).toBe(page.edges.length);
    expect(page.pageInfo).toEqual({ hasNextPage: false, endCursor: page.edges.at(-1)!.cursor });

    const kindsOf = (id: string) => page.edges.filter((e) => e.node.incident.id === id).map((e) => e.node.kind);
    expect(kindsOf(ids.green)).toEqual(['FILED', 'COMMENTED', 'UPDATED', 'SEVERITY_CHANGED', 'ESCALATED', 'ACKNOWLEDGED']);
    expect(kindsOf(ids.shared)).toEqual(['FILED']);
    expect(kindsOf(ids.barrier)).toEqual(['FILED']);
    expect(kindsOf(ids.amber)).toEqual([]);
    expect(kindsOf(ids.exercise)).toEqual([]);
    expect(page.edges.map((e) => e.node.incident.id)).not.toContain(before);
    const green = page.edges.filter((e) => e.node.incident.id === ids.green).map((e) => e.node);
    expect(green[3]!.change).toEqual({ from: 'HIGH', to: 'CRITICAL' });
    expect(green[4]!.change).toEqual({ rules: ['catchup-critical'], manual: false });
    expect(green[5]!.change).toEqual({ rule: 'catchup-critical', via: 'hub' });
    const cursors = page.edges.map((e) => BigInt(e.cursor));
    expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!)).toBe(true);

    // Page by page, the same sequence; invisible events are neither returned nor counted.
    const paged: string[] = [];
    let after: string | null = lastSeen;
    for (;;) {
      const p = await catchUp(cisa.token, { after, first: 2 });
      expect(p.totalCount).toBe(page.edges.length - paged.length);
      paged.push(...p.edges.map((e) => e.cursor));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(paged).toEqual(page.edges.map((e) => e.cursor));

    // The coordinator, in every audience, also gets the AMBER incident's events.
    const coord = await catchUp(coordinator.token, { after: lastSeen, first: 500 });
    expect(coord.edges.filter((e) => e.node.incident.id === ids.amber).map((e) => e.node.kind)).toEqual(['FILED', 'COMMENTED']);
  });

  it('filters as the live subscription does, on the incident as it is now', async () => {
    const only = async (filter: Record<string, unknown>) => (await catchUp(cisa.token, { after: lastSeen, filter })).edges.map((e) => [e.node.incident.id, e.node.kind]);
    expect(await only({ kinds: ['COMMENTED'] })).toEqual([[ids.green, 'COMMENTED']]);
    expect(await only({ exercise: true })).toEqual([[ids.exercise, 'FILED']]);
    expect(await only({ severityAtLeast: 'CRITICAL', kinds: ['FILED', 'ACKNOWLEDGED'] })).toEqual([
      [ids.green, 'FILED'],
      [ids.green, 'ACKNOWLEDGED'],
    ]);
    expect(await only({ incident: ids.shared })).toEqual([[ids.shared, 'FILED']]);
    expect(await only({ incident: ids.amber })).toEqual([]);
    expect(await only({ tlp: ['AMBER'] })).toEqual([[ids.shared, 'FILED']]);
    expect(await only({ affectedCounty: 'no-such-county' })).toEqual([]);

    // Narrowing an incident's audience takes its past events out of the catch-up too.
    const narrowed = await hub.gql(county.token, `mutation($id: ID!) { setIncidentTlp(id: $id, tlp: AMBER) { tlp } }`, { id: ids.green });
    expect(narrowed.errors).toBeUndefined();
    expect((await only({})).map(([id]) => id)).not.toContain(ids.green);
  });

  it('refuses a cursor it did not hand out, and needs a token', async () => {
    expectCode(await hub.gql(cisa.token, CATCH_UP, { after: 'not-a-cursor' }), 'BAD_USER_INPUT');
    expectCode(await hub.gql(cisa.token, CATCH_UP, { after: '1', first: 501 }), 'BAD_USER_INPUT');
    expectCode(await hub.gql(null, CATCH_UP, { after: '1' }), 'UNAUTHENTICATED');
  });
});
