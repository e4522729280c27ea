import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';

// The admin gaps of the 11.10 finding: reactivation, role changes, editing a subscription, and routing
// rules naming duties nobody has.

const VIEWER = '{ viewer { user { email roles } } }';
const DEACTIVATE = 'mutation($email: String!) { deactivateUser(email: $email) { email active } }';
const REACTIVATE = 'mutation($email: String!) { reactivateUser(email: $email) { email active } }';
const SET_ROLES = 'mutation($email: String!, $roles: [Role!]!) { setUserRoles(email: $email, roles: $roles) { email roles } }';
const CREATE_SUB = `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { webhookSecret subscription { id } } }`;
const UPDATE_SUB = `mutation($id: ID!, $input: UpdateAlertSubscriptionInput!) {
  updateAlertSubscription(id: $id, input: $input) { webhookSecret subscription { id name mode channels email webhookUrl filter { severityAtLeast } } } }`;
const CREATE_RULE = 'mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }';

describe('users: reactivation and roles', () => {
  let hub: TestHub;
  let orangeAdmin: TestUser, kernAdmin: TestUser, hubAdmin: TestUser, sosAdmin: TestUser, auditor: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [orangeAdmin, kernAdmin, hubAdmin, sosAdmin] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ORG_ADMIN'], 'orange-admin'),
      makeUser(hub.deps, 'county-kern', ['ORG_ADMIN'], 'kern-admin'),
      makeUser(hub.deps, 'sos', ['HUB_ADMIN'], 'hub-admin'),
      makeUser(hub.deps, 'sos', ['ORG_ADMIN'], 'sos-admin'),
    ]);
    auditor = await makeUser(hub.deps, 'sos', ['AUDITOR'], 'auditor');
  });
  afterAll(async () => hub?.close());

  const auditActions = async (objectId: string) =>
    (await hub.db.selectFrom('audit_log').select(['action', 'change', 'actor_email']).where('object_id', '=', objectId).orderBy('seq').execute()).map((r) => r.action);

  it('a deactivated user is reactivated by their ORG_ADMIN or a HUB_ADMIN, and their token works again', async () => {
    const analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst');
    expect((await hub.gql(orangeAdmin.token, DEACTIVATE, { email: analyst.email })).data.deactivateUser.active).toBe(false);
    expectCode(await hub.gql(analyst.token, VIEWER), 'UNAUTHENTICATED');

    // Another county's admin does not see the user at all; an analyst may not.
    expectCode(await hub.gql(kernAdmin.token, REACTIVATE, { email: analyst.email }), 'NOT_FOUND');
    const peer = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'peer');
    expectCode(await hub.gql(peer.token, REACTIVATE, { email: analyst.email }), 'FORBIDDEN');

    const back = await hub.gql(orangeAdmin.token, REACTIVATE, { email: analyst.email });
    expect(back.errors).toBeUndefined();
    expect(back.data.reactivateUser).toEqual({ email: analyst.email, active: true });
    expect((await hub.gql(analyst.token, VIEWER)).data.viewer.user.email).toBe(analyst.email);
    // Idempotent: reactivating an active user changes (and records) nothing.
    await hub.gql(orangeAdmin.token, REACTIVATE, { email: analyst.email });
    expect(await auditActions(analyst.id)).toEqual(['user.created', 'user.deactivated', 'user.reactivated']);

    await hub.gql(orangeAdmin.token, DEACTIVATE, { email: analyst.email });
    expect((await hub.gql(hubAdmin.token, REACTIVATE, { email: analyst.email })).data.reactivateUser.active).toBe(true);
  });

  it("roles are changed by the user's ORG_ADMIN or a HUB_ADMIN, take effect at once and are audited", async () => {
    const analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst');
    const set = await hub.gql(orangeAdmin.token, SET_ROLES, { email: analyst.email, roles: ['VIEWER', 'ORG_ADMIN'] });
    expect(set.errors).toBeUndefined();
    expect(set.data.setUserRoles.roles).toEqual(['VIEWER', 'ORG_ADMIN']);
    expect((await hub.gql(analyst.token, VIEWER)).data.viewer.user.roles).toEqual(['VIEWER', 'ORG_ADMIN']);
    const entry = await hub.db.selectFrom('audit_log').selectAll().where('object_id', '=', analyst.id).where('action', '=', 'user.roles_changed').executeTakeFirstOrThrow();
    expect(entry.change).toEqual({ email: analyst.email, before: ['ANALYST'], after: ['VIEWER', 'ORG_ADMIN'] });
    expect(entry.actor_email).toBe(orangeAdmin.email);

    expectCode(await hub.gql(kernAdmin.token, SET_ROLES, { email: analyst.email, roles: ['ANALYST'] }), 'NOT_FOUND');
    const peer = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'peer');
    expectCode(await hub.gql(peer.token, SET_ROLES, { email: analyst.email, roles: ['ANALYST', 'ORG_ADMIN'] }), 'FORBIDDEN');
    const bad = await hub.gql(orangeAdmin.token, SET_ROLES, { email: analyst.email, roles: [] });
    expectCode(bad, 'BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('roles');
    const coordinator = await hub.gql(orangeAdmin.token, SET_ROLES, { email: analyst.email, roles: ['COORDINATOR'] });
    expectCode(coordinator, 'BAD_USER_INPUT');
    expect(coordinator.errors![0]!.extensions!.field).toBe('roles');

    expect((await hub.gql(hubAdmin.token, SET_ROLES, { email: analyst.email, roles: ['ANALYST'] })).data.setUserRoles.roles).toEqual(['ANALYST']);
  });

  it('granting or removing HUB_ADMIN or AUDITOR takes a HUB_ADMIN', async () => {
    const analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst');
    expectCode(await hub.gql(orangeAdmin.token, SET_ROLES, { email: analyst.email, roles: ['ANALYST', 'AUDITOR'] }), 'FORBIDDEN');
    // The hub's own organization's ORG_ADMIN cannot demote its HUB_ADMIN or AUDITOR either.
    expectCode(await hub.gql(sosAdmin.token, SET_ROLES, { email: hubAdmin.email, roles: ['ANALYST'] }), 'FORBIDDEN');
    expectCode(await hub.gql(sosAdmin.token, SET_ROLES, { email: auditor.email, roles: ['ANALYST'] }), 'FORBIDDEN');
    // Other roles of a HUB_ADMIN or an AUDITOR stay the ORG_ADMIN's to change.
    expect((await hub.gql(sosAdmin.token, SET_ROLES, { email: auditor.email, roles: ['AUDITOR', 'ANALYST'] })).data.setUserRoles.roles).toEqual(['AUDITOR', 'ANALYST']);
    expect((await hub.gql(hubAdmin.token, SET_ROLES, { email: analyst.email, roles: ['ANALYST', 'AUDITOR'] })).data.setUserRoles.roles).toEqual(['ANALYST', 'AUDITOR']);
  });
});

describe('editing an alert subscription', () => {
  let hub: TestHub;
  let owner: TestUser, other: TestUser, orgAdmin: TestUser, otherAdmin: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [owner, other, orgAdmin, otherAdmin] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'owner'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'other'),
      makeUser(hub.deps, 'ei-isac', ['ORG_ADMIN'], 'isac-admin'),
      makeUser(hub.deps, 'county-kern', ['ORG_ADMIN'], 'kern-admin'),
    ]);
  });
  afterAll(async () => hub?.close());

  it("the owner changes name, mode, filter and channels; nobody else sees it; every change is audited", async () => {
    const created = await hub.gql(owner.token, CREATE_SUB, { input: { name: 'mine', channels: ['EMAIL'], mode: 'IMMEDIATE' } });
    expect(created.errors).toBeUndefined();
    const id = created.data.createAlertSubscription.subscription.id;

    const updated = await hub.gql(owner.token, UPDATE_SUB, { id, input: { name: 'renamed', mode: 'DAILY_DIGEST', filter: { severityAtLeast: 'HIGH' } } });
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateAlertSubscription).toMatchObject({
      webhookSecret: null,
      subscription: { id, name: 'renamed', mode: 'DAILY_DIGEST', channels: ['EMAIL'], email: owner.email, webhookUrl: null, filter: { severityAtLeast: 'HIGH' } },
    });

    // Adding the webhook channel needs a URL and hands out a signing secret, once.
    const noUrl = await hub.gql(owner.token, UPDATE_SUB, { id, input: { channels: ['EMAIL', 'WEBHOOK'] } });
    expectCode(noUrl, 'BAD_USER_INPUT');
    expect(noUrl.errors![0]!.extensions!.field).toBe('webhookUrl');
    const hook = await hub.gql(owner.token, UPDATE_SUB, { id, input: { channels: ['EMAIL', 'WEBHOOK'], webhookUrl: 'http://127.0.0.1:9/hook?key=secret' } });
    expect(hook.errors).toBeUndefined();
    expect(hook.data.updateAlertSubscription.webhookSecret).toMatch(/^whsec_/);
    const again = await hub.gql(owner.token, UPDATE_SUB, { id, input: { name: 'renamed again' } });
    expect(again.data.updateAlertSubscription.webhookSecret).toBeNull();
    expect(again.data.updateAlertSubscription.subscription.webhookUrl).toBe('http://127.0.0.1:9/hook?key=secret');

    const badCounty = await hub.gql(owner.token, UPDATE_SUB, { id, input: { filter: { affectedCounties: ['county-atlantis'] } } });
    expectCode(badCounty, 'BAD_USER_INPUT');
    expect(badCounty.errors![0]!.extensions!.field).toBe('filter.affectedCounties');
    const noChannel = await hub.gql(owner.token, UPDATE_SUB, { id, input: { channels: [] } });
    expect(noChannel.errors![0]!.extensions!.field).toBe('channels');

    // Another user, even of the same organization, and another organization's admin: NOT_FOUND.
    expectCode(await hub.gql(other.token, UPDATE_SUB, { id, input: { name: 'x' } }), 'NOT_FOUND');
    expectCode(await hub.gql(otherAdmin.token, UPDATE_SUB, { id, input: { name: 'x' } }), 'NOT_FOUND');

    const entries = await hub.db.selectFrom('audit_log').select(['action', 'change']).where('object_id', '=', id).where('action', '=', 'alert_subscription.updated').orderBy('seq').execute();
    expect(entries).toHaveLength(3);
    expect(entries[0]!.change).toMatchObject({ name: { before: 'mine', after: 'renamed' }, mode: { before: 'IMMEDIATE', after: 'DAILY_DIGEST' } });
    // Of a webhook, the entry keeps only the origin.
    expect(entries[1]!.change).toMatchObject({ webhookUrl: { before: null, after: 'http://127.0.0.1:9' }, webhookSecret: 'generated' });
    expect(JSON.stringify(entries)).not.toContain('key=secret');
  });

  it("an organization's subscription is edited by its ORG_ADMIN only", async () => {
    const created = await hub.gql(orgAdmin.token, CREATE_SUB, { input: { name: 'soc', organization: 'ei-isac', channels: ['EMAIL'], email: 'soc@ei-isac.test', mode: 'IMMEDIATE' } });
    const id = created.data.createAlertSubscription.subscription.id;
    const r = await hub.gql(orgAdmin.token, UPDATE_SUB, { id, input: { email: 'night-soc@ei-isac.test', mode: 'HOURLY_DIGEST' } });
    expect(r.errors).toBeUndefined();
    expect(r.data.updateAlertSubscription.subscription).toMatchObject({ email: 'night-soc@ei-isac.test', mode: 'HOURLY_DIGEST' });
    expectCode(await hub.gql(otherAdmin.token, UPDATE_SUB, { id, input: { name: 'x' } }), 'NOT_FOUND');
  });
});

describe('routing rules name duties that exist', () => {
  let hub: TestHub;
  let coordinator: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    coordinator = await makeUser(hub.deps, 'sos', ['COORDINATOR'], 'coordinator');
  });
  afterAll(async () => hub?.close());

  const rule = (name: string, levels: unknown[], notify: unknown[] = []) => hub.gql(coordinator.token, CREATE_RULE, { input: { name, levels, notify } });
  const level = (...targets: unknown[]) => ({ ackTimeoutSeconds: 600, targets });

  it.each([
    ['an organization without that duty', [level({ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }, { kind: 'DUTY', organization: 'sos', duty: 'securty-duty' })], [], 'policy.levels[0].targets[1].duty'],
    ['no county with that duty', [level({ kind: 'AFFECTED_COUNTIES', duty: 'no-such-desk' })], [], 'policy.levels[0].targets[0].duty'],
    ['no partner of that kind with that duty', [level({ kind: 'PARTNER_KIND', partnerKind: 'COUNTY', duty: 'no-such-desk' })], [], 'policy.levels[0].targets[0].duty'],
    ['nobody with that duty', [level({ kind: 'REPORTING_ORGANIZATION', duty: 'no-such-desk' })], [], 'policy.levels[0].targets[0].duty'],
    ['a notify target with an unknown duty', [level({ kind: 'DUTY', organization: 'sos', duty: 'security-duty' })], [{ target: { kind: 'DUTY', organization: 'cal-oes', duty: 'nope' } }], 'policy.notify[0].target.duty'],
    ['an unknown organization', [level({ kind: 'DUTY', organization: 'county-atlantis', duty: 'security-duty' })], [], 'policy.levels[0].targets[0].organization'],
  ])('refuses %s, naming the field', async (_what, levels, notify, field) => {
    const r = await rule('test-unknown-duty', levels, notify);
    expectCode(r, 'BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.field).toBe(field);
    expect(await hub.db.selectFrom('routing_rules').select('id').where('name', '=', 'test-unknown-duty').executeTakeFirst()).toBeUndefined();
  });

  it('accepts duties that exist, for every kind of target', async () => {
    const r = await rule('test-known-duties', [
      level({ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }, { kind: 'REPORTING_ORGANIZATION', duty: 'security-duty' }),
      level({ kind: 'AFFECTED_COUNTIES', duty: 'rov-oncall' }, { kind: 'PARTNER_KIND', partnerKind: 'COUNTY', duty: 'rov-oncall' }),
    ]);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    // The same check on update.
    const up = await hub.gql(coordinator.token, 'mutation($input: RoutingRuleInput!) { updateRoutingRule(input: $input, expectedVersion: 1) { name } }', {
      input: { name: 'test-known-duties', levels: [level({ kind: 'DUTY', organization: 'sos', duty: 'no-such-desk' })] },
    });
    expectCode(up, 'BAD_USER_INPUT');
    expect(up.errors![0]!.extensions!.field).toBe('policy.levels[0].targets[0].duty');
  });
});
