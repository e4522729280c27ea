import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { until } from './support/until.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';

/**
 * Unreachable people (issue 11, item 7): nobody was told when every method of a paged person failed or
 * was disabled (410), no test page existed so verifiedAt stayed null, and the preflight counted failing,
 * disabled and never-tested methods as usable.
 */

const sys = systemPrincipal('test');
const TEST_PAGE = `mutation($id: ID!) { sendTestPage(id: $id) { delivered outcome error contactMethod { id verifiedAt disabledAt } } }`;
const PREFLIGHT = `{ routingPreflight { rule level organization duty problem userEmail } }`;

describe('unreachable people', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let ok: WebhookReceiver, gone: WebhookReceiver, coordinatorHook: WebhookReceiver;
  let coordinator: TestUser, watch: TestUser, center: TestUser, duty: TestUser, reporter: TestUser, stranger: TestUser, watchAdmin: TestUser;
  let watchMethodId: string;

  beforeAll(async () => {
    [ok, gone, coordinatorHook] = await Promise.all([startWebhookReceiver(), startWebhookReceiver(), startWebhookReceiver()]);
    gone.respond = () => 410;
    hub = await startTestHub({ ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true', ESTF_DELIVERY_BACKOFF: '100ms' });
    workers = await startWorkers(hub.deps);
    [coordinator, watch, center, duty, reporter, stranger, watchAdmin] = await Promise.all([
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'center'),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'county-marin', ['ANALYST']),
      makeUser(hub.deps, 'cal-oes', ['ORG_ADMIN'], 'admin'),
    ]);
    const oncall = hub.deps.services.oncall;
    for (const [duty_, u] of [
      ['csic-watch', watch],
      ['warning-center', center],
    ] as const) {
      await oncall.setSchedule(sys, { organization: 'cal-oes', duty: duty_, participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
    }
    await oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
    watchMethodId = (await oncall.addContactMethod(sys, { email: watch.email, kind: 'WEBHOOK', target: gone.url })).contactMethod.id;
    await oncall.addContactMethod(sys, { email: center.email, kind: 'WEBHOOK', target: ok.url });
    await oncall.addContactMethod(sys, { email: duty.email, kind: 'WEBHOOK', target: coordinatorHook.url });
    // Only the test's rule: two levels, a long timeout, so only the fallback can page level 2 quickly.
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: {
        name: 'test-unreachable',
        severityAtLeast: 'HIGH',
        levels: [
          { ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'cal-oes', duty: 'csic-watch' }] },
          { ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'cal-oes', duty: 'warning-center' }] },
        ],
      },
    });
    expect(rule.errors).toBeUndefined();
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
    await Promise.all([ok?.close(), gone?.close(), coordinatorHook?.close()]);
  });

  it('the preflight counts a method nobody has tested or paged through as not working; a test page verifies it', async () => {
    const before = await hub.gql(coordinator.token, PREFLIGHT);
    expect(before.errors).toBeUndefined();
    expect(before.data.routingPreflight).toContainEqual({
      rule: 'test-unreachable',
      level: 2,
      organization: 'cal-oes',
      duty: 'warning-center',
      problem: 'NO_WORKING_CONTACT_METHOD',
      userEmail: center.email,
    });
    const methods = await hub.deps.services.oncall.contactMethods(sys, center.email);
    const tested = await hub.gql(center.token, TEST_PAGE, { id: methods[0]!.id });
    expect(tested.errors).toBeUndefined();
    expect(tested.data.sendTestPage).toMatchObject({ delivered: true, outcome: 'DELIVERED', error: null });
    expect(tested.data.sendTestPage.contactMethod.verifiedAt).not.toBeNull();
    expect(JSON.parse(ok.requests.at(-1)!.body)).toMatchObject({ type: 'contact_method.test', user: center.email });
    const after = await hub.gql(coordinator.token, PREFLIGHT);
    expect(after.data.routingPreflight.filter((p: any) => p.duty === 'warning-center')).toEqual([]);
  });

  it('a failing test page clears verifiedAt, a 410 disables the method; only its user, their ORG_ADMIN or a hub admin may test it', async () => {
    expectCode(await hub.gql(stranger.token, TEST_PAGE, { id: watchMethodId }), 'NOT_FOUND');
    expectCode(await hub.gql(center.token, TEST_PAGE, { id: watchMethodId }), 'NOT_FOUND');
    const res = await hub.gql(watchAdmin.token, TEST_PAGE, { id: watchMethodId });
    expect(res.errors).toBeUndefined();
    expect(res.data.sendTestPage).toMatchObject({ delivered: false, outcome: 'GONE', contactMethod: { verifiedAt: null } });
    expect(res.data.sendTestPage.contactMethod.disabledAt).not.toBeNull();
    const pf = await hub.gql(coordinator.token, PREFLIGHT);
    expect(pf.data.routingPreflight).toContainEqual(expect.objectContaining({ level: 1, duty: 'csic-watch', problem: 'NO_CONTACT_METHOD', userEmail: watch.email }));
  });

  it('when every method of a paged person fails, the next level is paged at once, the coordinator on call is told, and the timeline says why', async () => {
    // The watch officer's webhook answers 410 (their method is enabled again for this test).
    await hub.db.updateTable('contact_methods').set({ disabled_at: null, disabled_reason: null }).where('id', '=', watchMethodId).execute();
    const okBefore = ok.requests.length;
    const filed = await hub.gql(reporter.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`, {
      input: { title: 'Intrusion', summary: 's', category: 'VOTER_REGISTRATION_INTRUSION', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['county-kern'] },
    });
    expect(filed.errors).toBeUndefined();
    const incident = filed.data.fileIncident;
    // Level 2 (warning-center) is paged within seconds, not after the 600 s timeout.
    await until(async () => ok.requests.slice(okBefore).find((r) => JSON.parse(r.body).type === 'incident.paged' && JSON.parse(r.body).incident?.reference === incident.reference), 10_000);
    // The coordinator on call (sos/security-duty) is told.
    await until(async () => coordinatorHook.requests.find((r) => JSON.parse(r.body).type === 'incident.notified' && JSON.parse(r.body).incident?.reference === incident.reference), 10_000);
    const tl = await hub.gql(coordinator.token, `query($id: ID!) { incident(id: $id) { timeline { edges { node { kind actor { email } body change } } } } }`, { id: incident.id });
    const entry = tl.data.incident.timeline.edges.map((e: any) => e.node).find((n: any) => n.kind === 'ESCALATED');
    expect(entry).toBeDefined();
    expect(entry.actor).toBeNull();
    expect(entry.body).toContain(`${watch.email} could not be reached at level 1 of test-unreachable`);
    expect(entry.change).toMatchObject({ unreachable: watch.email, nextLevelPagedNow: true, coordinatorTold: 'sos/security-duty', channels: ['WEBHOOK'] });
    // Exactly once, however many deliveries finish.
    const entries = tl.data.incident.timeline.edges.filter((e: any) => e.node.kind === 'ESCALATED');
    expect(entries).toHaveLength(1);
  });
});
