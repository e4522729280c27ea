import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { findWebhookSecret } from '../src/modules/oncall/oncall.repository.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type GqlResponse, type TestHub } from './harness.js';

// On-call schedules and contact methods through GraphQL, against a real hub: who may manage and read
// schedules, who may see contact methods, what is validated, and that every mutation is audited.

const system = systemPrincipal('test');

const SET_SCHEDULE = `mutation ($input: SetScheduleInput!) {
  setSchedule(input: $input) { id timeZone shiftLengthHours handoffTime startDate participants { email } duty { name organization { slug } } }
}`;
const SCHEDULE = `query ($o: String!, $d: String!) {
  schedule(organization: $o, duty: $d) { id timeZone handoffTime participants { email } overrides { id user { email } from to } }
}`;
const ON_CALL = `query ($o: String!, $d: String!, $at: DateTime) {
  onCall(organization: $o, duty: $d, at: $at) { at user { email } source override { id } shiftStart shiftEnd schedule { timeZone } }
}`;
const ADD_OVERRIDE = `mutation ($input: AddScheduleOverrideInput!) { addScheduleOverride(input: $input) { id user { email } from to createdAt } }`;
const REMOVE_OVERRIDE = `mutation ($id: ID!) { removeScheduleOverride(id: $id) { id } }`;
const CONTACT_METHODS = `query ($email: String!) {
  contactMethods(email: $email) { id kind target user { email } verifiedAt disabledAt disabledReason removedAt createdAt }
}`;
const ADD_CONTACT = `mutation ($input: AddContactMethodInput!) {
  addContactMethod(input: $input) { webhookSecret contactMethod { id kind target user { email } removedAt } }
}`;
const REMOVE_CONTACT = `mutation ($id: ID!) { removeContactMethod(id: $id) { id removedAt } }`;

function errorOf(res: GqlResponse<unknown>): { code: unknown; field: unknown } {
  expect(res.errors, JSON.stringify(res.data)).toBeDefined();
  const ext = res.errors![0]!.extensions ?? {};
  return { code: ext.code, field: ext.field };
}

function ok<T>(res: GqlResponse<T>): T {
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as T;
}

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('on-call schedules and contact methods over GraphQL', () => {
  let hub: TestHub;
  let orangeAdmin: TestUser;
  let laAdmin: TestUser;
  let coordinator: TestUser;
  let hubAdmin: TestUser;
  let orangeAnalyst: TestUser;
  let fbiViewer: TestUser;
  let ana: TestUser;
  let ben: TestUser;
  let laUser: TestUser;

  const orangeRotation = () => ({
    organization: 'county-orange',
    duty: 'rov-oncall',
    participants: [ana.email, ben.email],
    shiftLengthHours: 24,
    handoffTime: '09:00',
    startDate: '2026-11-01',
  });

  async function auditActions(objectId: string): Promise<Array<{ action: string; actor_email: string | null; change: unknown }>> {
    return hub.db.selectFrom('audit_log').select(['action', 'actor_email', 'change']).where('object_id', '=', objectId).orderBy('seq').execute();
  }

  beforeAll(async () => {
    hub = await startTestHub();
    [orangeAdmin, laAdmin, coordinator, hubAdmin, orangeAnalyst, fbiViewer, ana, ben, laUser] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ORG_ADMIN'], 'admin'),
      makeUser(hub.deps, 'county-los-angeles', ['ORG_ADMIN'], 'admin'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coordinator'),
      makeUser(hub.deps, 'sos', ['HUB_ADMIN'], 'hubadmin'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'fbi', ['VIEWER'], 'viewer'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'ana'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'ben'),
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'la'),
    ]);
  });
  afterAll(async () => hub?.close());

  describe('schedules', () => {
    it('a duty with no schedule has nobody on call, and no schedule', async () => {
      const res = ok(await hub.gql(fbiViewer.token, ON_CALL, { o: 'county-alpine', d: 'rov-oncall' }));
      expect(res).toEqual({ onCall: null });
      expect(ok(await hub.gql(fbiViewer.token, SCHEDULE, { o: 'county-alpine', d: 'rov-oncall' }))).toEqual({ schedule: null });
    });

    it('an unknown organization or duty is NOT_FOUND', async () => {
      expect(errorOf(await hub.gql(fbiViewer.token, ON_CALL, { o: 'county-atlantis', d: 'rov-oncall' })).code).toBe('NOT_FOUND');
      expect(errorOf(await hub.gql(fbiViewer.token, SCHEDULE, { o: 'sos', d: 'no-such-duty' })).code).toBe('NOT_FOUND');
    });

    it.each([
      ['ORG_ADMIN of the organization', () => orangeAdmin, true],
      ['COORDINATOR', () => coordinator, true],
      ['HUB_ADMIN', () => hubAdmin, true],
      ['ORG_ADMIN of another organization', () => laAdmin, false],
      ['ANALYST of the organization', () => orangeAnalyst, false],
      ['VIEWER of another organization', () => fbiViewer, false],
    ] as const)('setSchedule by %s', async (_who, user, allowed) => {
      const res = await hub.gql(user().token, SET_SCHEDULE, { input: orangeRotation() });
      if (allowed) {
        expect(ok(res).setSchedule).toMatchObject({
          timeZone: 'America/Los_Angeles',
          shiftLengthHours: 24,
          handoffTime: '09:00',
          startDate: '2026-11-01',
          participants: [{ email: ana.email }, { email: ben.email }],
          duty: { name: 'rov-oncall', organization: { slug: 'county-orange' } },
        });
      } else {
        expect(errorOf(res).code).toBe('FORBIDDEN');
      }
    });

    it('is readable by every partner, with who is on call at any instant (09:00 local hand-offs across fall back)', async () => {
      ok(await hub.gql(orangeAdmin.token, SET_SCHEDULE, { input: orangeRotation() }));
      const sched = ok(await hub.gql(fbiViewer.token, SCHEDULE, { o: 'county-orange', d: 'rov-oncall' })).schedule;
      expect(sched.participants).toEqual([{ email: ana.email }, { email: ben.email }]);
      // 2026-11-03 12:00 PST: day 2 from the start → ana, 09:00 PST to 09:00 PST.
      const day2 = ok(await hub.gql(laUser.token, ON_CALL, { o: 'county-orange', d: 'rov-oncall', at: '2026-11-03T12:00:00-08:00' })).onCall;
      expect(day2).toEqual({
        at: '2026-11-03T20:00:00.000Z',
        user: { email: ana.email },
        source: 'ROTATION',
        override: null,
        shiftStart: '2026-11-03T17:00:00.000Z',
        shiftEnd: '2026-11-04T17:00:00.000Z',
        schedule: { timeZone: 'America/Los_Angeles' },
      });
      // 2026-11-01 08:30 PST: still the shift that began 2026-10-31 09:00 PDT (ben, the day before the
      // start date): 25 hours long, ending at 09:00 PST.
      const fallBack = ok(await hub.gql(laUser.token, ON_CALL, { o: 'county-orange', d: 'rov-oncall', at: '2026-11-01T16:30:00Z' })).onCall;
      expect(fallBack).toMatchObject({ user: { email: ben.email }, shiftStart: '2026-10-31T16:00:00.000Z', shiftEnd: '2026-11-01T17:00:00.000Z' });
    });

    it.each([
      ['participants', 'a user of another organization', () => ({ participants: [ana.email, laUser.email] })],
      ['participants', 'an unknown user', () => ({ participants: ['nobody@county-orange.test'] })],
      ['participants', 'nobody', () => ({ participants: [] })],
      ['timeZone', 'an unknown time zone', () => ({ timeZone: 'Mars/Olympus_Mons' })],
      ['handoffTime', 'an impossible time', () => ({ handoffTime: '25:00' })],
      ['shiftLengthHours', 'a zero-hour shift', () => ({ shiftLengthHours: 0 })],
      ['shiftLengthHours', 'a shift over four weeks', () => ({ shiftLengthHours: 24 * 29 })],
      ['startDate', 'an impossible date', () => ({ startDate: '2026-02-30' })],
      ['organization', 'an unknown organization', () => ({ organization: 'county-atlantis' })],
      ['duty', 'an unknown duty', () => ({ duty: 'no-such-duty' })],
    ] as const)('setSchedule refuses %s: %s', async (field, _what, change) => {
      const res = await hub.gql(orangeAdmin.token, SET_SCHEDULE, { input: { ...orangeRotation(), ...change() } });
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    });

    it('refuses a deactivated participant, naming the field', async () => {
      const gone = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'gone');
      await hub.deps.services.identity.deactivateUser(system, gone.email);
      const res = await hub.gql(orangeAdmin.token, SET_SCHEDULE, { input: { ...orangeRotation(), participants: [ana.email, gone.email] } });
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'participants' });
      expect(res.errors![0]!.message).toContain('deactivated');
    });

    it('canonicalises the time zone and defaults it to America/Los_Angeles', async () => {
      const pacific = ok(await hub.gql(coordinator.token, SET_SCHEDULE, { input: { ...orangeRotation(), duty: 'rov-oncall', organization: 'county-orange', timeZone: 'US/Pacific', handoffTime: '8:30' } }));
      expect(pacific.setSchedule).toMatchObject({ timeZone: 'America/Los_Angeles', handoffTime: '08:30' });
      const { startDate: _omitted, ...withoutStart } = orangeRotation();
      const dflt = ok(await hub.gql(coordinator.token, SET_SCHEDULE, { input: withoutStart }));
      expect(dflt.setSchedule.timeZone).toBe('America/Los_Angeles');
      expect(dflt.setSchedule.startDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    });

    it('replacing the rotation keeps the schedule and its overrides, and audits old and new', async () => {
      const first = ok(await hub.gql(orangeAdmin.token, SET_SCHEDULE, { input: orangeRotation() })).setSchedule;
      const o = ok(await hub.gql(orangeAdmin.token, ADD_OVERRIDE, { input: { organization: 'county-orange', duty: 'rov-oncall', user: ben.email, from: inHours(100), to: inHours(102) } }));
      const second = ok(await hub.gql(coordinator.token, SET_SCHEDULE, { input: { ...orangeRotation(), participants: [ben.email] } })).setSchedule;
      expect(second.id).toBe(first.id);
      const sched = ok(await hub.gql(fbiViewer.token, SCHEDULE, { o: 'county-orange', d: 'rov-oncall' })).schedule;
      expect(sched.overrides.map((x: { id: string }) => x.id)).toContain(o.addScheduleOverride.id);
      const audit = await auditActions(first.id);
      const last = audit.at(-1)!;
      expect(last.action).toBe('oncall.schedule_replaced');
      expect(last.actor_email).toBe(coordinator.email);
      expect(last.change).toMatchObject({ participants: [ben.email], previous: { participants: [ana.email, ben.email] } });
      ok(await hub.gql(orangeAdmin.token, REMOVE_OVERRIDE, { id: o.addScheduleOverride.id }));
    });
  });

  describe('overrides', () => {
    beforeAll(async () => {
      ok(await hub.gql(orangeAdmin.token, SET_SCHEDULE, { input: { ...orangeRotation(), participants: [ana.email] } }));
    });

    it('put someone on call over the rotation now, until the override ends; removing it restores the rotation', async () => {
      const from = inHours(-1);
      const to = inHours(2);
      const added = ok(await hub.gql(orangeAdmin.token, ADD_OVERRIDE, { input: { organization: 'county-orange', duty: 'rov-oncall', user: ben.email, from, to } })).addScheduleOverride;
      expect(added).toMatchObject({ user: { email: ben.email }, from, to });
      const now = ok(await hub.gql(fbiViewer.token, ON_CALL, { o: 'county-orange', d: 'rov-oncall' })).onCall;
      expect(now).toMatchObject({ user: { email: ben.email }, source: 'OVERRIDE', override: { id: added.id }, shiftStart: from, shiftEnd: to });

      expect(errorOf(await hub.gql(laAdmin.token, REMOVE_OVERRIDE, { id: added.id })).code).toBe('FORBIDDEN');
      expect(errorOf(await hub.gql(orangeAnalyst.token, REMOVE_OVERRIDE, { id: added.id })).code).toBe('FORBIDDEN');
      ok(await hub.gql(coordinator.token, REMOVE_OVERRIDE, { id: added.id }));
      const after = ok(await hub.gql(fbiViewer.token, ON_CALL, { o: 'county-orange', d: 'rov-oncall' })).onCall;
      expect(after).toMatchObject({ user: { email: ana.email }, source: 'ROTATION', override: null });

      expect((await auditActions(added.id)).map((a) => [a.action, a.actor_email])).toEqual([
        ['oncall.override_added', orangeAdmin.email],
        ['oncall.override_removed', coordinator.email],
      ]);
    });

    it('overlap: the latest created wins', async () => {
      const input = (user: string, from: string, to: string) => ({ input: { organization: 'county-orange', duty: 'rov-oncall', user, from, to } });
      const long = ok(await hub.gql(orangeAdmin.token, ADD_OVERRIDE, input(ben.email, inHours(-1), inHours(5)))).addScheduleOverride;
      const short = ok(await hub.gql(orangeAdmin.token, ADD_OVERRIDE, input(orangeAnalyst.email, inHours(-0.5), inHours(1)))).addScheduleOverride;
      const now = ok(await hub.gql(fbiViewer.token, ON_CALL, { o: 'county-orange', d: 'rov-oncall' })).onCall;
      expect(now).toMatchObject({ user: { email: orangeAnalyst.email }, source: 'OVERRIDE', override: { id: short.id }, shiftEnd: short.to });
      const later = ok(await hub.gql(fbiViewer.token, ON_CALL, { o: 'county-orange', d: 'rov-oncall', at: inHours(2) })).onCall;
      expect(later).toMatchObject({ user: { email: ben.email }, override: { id: long.id }, shiftStart: short.to, shiftEnd: long.to });
      for (const o of [long, short]) ok(await hub.gql(orangeAdmin.token, REMOVE_OVERRIDE, { id: o.id }));
    });

    it.each([
      ['ORG_ADMIN of another organization', () => laAdmin, 'FORBIDDEN'],
      ['ANALYST of the organization', () => orangeAnalyst, 'FORBIDDEN'],
      ['VIEWER of another organization', () => fbiViewer, 'FORBIDDEN'],
    ] as const)('addScheduleOverride by %s', async (_who, user, code) => {
      const res = await hub.gql(user().token, ADD_OVERRIDE, { input: { organization: 'county-orange', duty: 'rov-oncall', user: ben.email, from: inHours(1), to: inHours(2) } });
      expect(errorOf(res).code).toBe(code);
    });

    it.each([
      ['user', 'a user of another organization', () => ({ user: laUser.email })],
      ['user', 'an unknown user', () => ({ user: 'nobody@county-orange.test' })],
      ['to', 'an end before the start', () => ({ from: inHours(3), to: inHours(2) })],
      ['to', 'an override already over', () => ({ from: inHours(-3), to: inHours(-2) })],
      ['duty', 'a duty without a schedule', () => ({ organization: 'county-alpine' })],
    ] as const)('addScheduleOverride refuses %s: %s', async (field, _what, change) => {
      const res = await hub.gql(coordinator.token, ADD_OVERRIDE, {
        input: { organization: 'county-orange', duty: 'rov-oncall', user: ben.email, from: inHours(1), to: inHours(2), ...change() },
      });
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    });

    it('lists overrides not yet over, or all of them', async () => {
      const future = ok(await hub.gql(orangeAdmin.token, ADD_OVERRIDE, { input: { organization: 'county-orange', duty: 'rov-oncall', user: ben.email, from: inHours(10), to: inHours(12) } })).addScheduleOverride;
      const sched = ok(await hub.gql(fbiViewer.token, SCHEDULE, { o: 'county-orange', d: 'rov-oncall' })).schedule;
      expect(sched.overrides.map((o: { id: string }) => o.id)).toContain(future.id);
      // An override that has ended (backdated here, since the API refuses to create one in the past).
      await hub.db.updateTable('schedule_overrides').set({ starts_at: new Date(Date.now() - 7_200_000), ends_at: new Date(Date.now() - 3_600_000) }).where('id', '=', future.id).execute();
      const current = ok(await hub.gql(fbiViewer.token, SCHEDULE, { o: 'county-orange', d: 'rov-oncall' })).schedule;
      expect(current.overrides.map((o: { id: string }) => o.id)).not.toContain(future.id);
      const all = ok(await hub.gql(fbiViewer.token, `query { schedule(organization: "county-orange", duty: "rov-oncall") { overrides(includePast: true) { id } } }`));
      expect(all.schedule.overrides.map((o: { id: string }) => o.id)).toContain(future.id);
    });

    it('removing an unknown override is NOT_FOUND', async () => {
      expect(errorOf(await hub.gql(orangeAdmin.token, REMOVE_OVERRIDE, { id: '00000000-0000-4000-8000-000000000000' })).code).toBe('NOT_FOUND');
      expect(errorOf(await hub.gql(orangeAdmin.token, REMOVE_OVERRIDE, { id: 'not-a-uuid' })).code).toBe('NOT_FOUND');
    });
  });

  describe('what the escalation engine asks', () => {
    it('who is on call for many duties at once: overrides win, duties without a schedule are absent', async () => {
      const duties = await hub.db
        .selectFrom('duties')
        .innerJoin('organizations', 'organizations.id', 'duties.organization_id')
        .select(['duties.id', 'organizations.slug'])
        .where('duties.name', '=', 'rov-oncall')
        .where('organizations.slug', 'in', ['county-orange', 'county-alpine'])
        .execute();
      const orange = duties.find((d) => d.slug === 'county-orange')!.id;
      const alpine = duties.find((d) => d.slug === 'county-alpine')!.id;
      ok(await hub.gql(orangeAdmin.token, SET_SCHEDULE, { input: { ...orangeRotation(), participants: [ana.email] } }));
      const now = new Date();
      let who = await hub.deps.services.oncall.onCallForDuties(system, [orange, alpine], now);
      expect([...who.entries()]).toEqual([[orange, { userId: ana.id, source: 'ROTATION', overrideId: null }]]);
      const o = await hub.deps.services.oncall.addScheduleOverride(system, { organization: 'county-orange', duty: 'rov-oncall', user: ben.email, from: new Date(now.getTime() - 1000), to: new Date(now.getTime() + 60_000) });
      who = await hub.deps.services.oncall.onCallForDuties(system, [orange, alpine], now);
      expect(who.get(orange)).toEqual({ userId: ben.id, source: 'OVERRIDE', overrideId: o.id });
      await hub.deps.services.oncall.removeScheduleOverride(system, o.id);
    });
  });

  describe('contact methods', () => {
    it('a user adds and sees their own; their ORG_ADMIN and a HUB_ADMIN see them too', async () => {
      const added = ok(await hub.gql(ana.token, ADD_CONTACT, { input: { email: ana.email, kind: 'EMAIL', target: 'Ana.Pager@Example.org' } })).addContactMethod;
      expect(added).toMatchObject({ webhookSecret: null, contactMethod: { kind: 'EMAIL', target: 'ana.pager@example.org', user: { email: ana.email }, removedAt: null } });
      for (const who of [ana, orangeAdmin, hubAdmin]) {
        const list = ok(await hub.gql(who.token, CONTACT_METHODS, { email: ana.email })).contactMethods;
        expect(list.map((m: { id: string }) => m.id), who.email).toContain(added.contactMethod.id);
      }
      expect((await auditActions(added.contactMethod.id)).map((a) => [a.action, a.actor_email])).toEqual([['contact_method.added', ana.email]]);
    });

    it.each([
      ['a colleague (ANALYST of the same organization)', () => orangeAnalyst, 'FORBIDDEN'],
      ['an ORG_ADMIN of another organization', () => laAdmin, 'NOT_FOUND'],
      ['a COORDINATOR', () => coordinator, 'NOT_FOUND'],
      ['a VIEWER of another organization', () => fbiViewer, 'NOT_FOUND'],
    ] as const)('are hidden from %s', async (_who, user, code) => {
      expect(errorOf(await hub.gql(user().token, CONTACT_METHODS, { email: ana.email })).code).toBe(code);
      expect(errorOf(await hub.gql(user().token, ADD_CONTACT, { input: { email: ana.email, kind: 'SMS', target: '+19165550100' } })).code).toBe(code);
    });

    it('an ORG_ADMIN manages their members’ methods', async () => {
      const added = ok(await hub.gql(orangeAdmin.token, ADD_CONTACT, { input: { email: ben.email, kind: 'SMS', target: '+1 (714) 555-0142' } })).addContactMethod;
      expect(added.contactMethod).toMatchObject({ kind: 'SMS', target: '+17145550142', user: { email: ben.email } });
      const mine = ok(await hub.gql(ben.token, CONTACT_METHODS, { email: ben.email })).contactMethods;
      expect(mine.map((m: { target: string }) => m.target)).toContain('+17145550142');
      const removed = ok(await hub.gql(orangeAdmin.token, REMOVE_CONTACT, { id: added.contactMethod.id })).removeContactMethod;
      expect(removed.removedAt).not.toBeNull();
    });

    it('a webhook gets a Standard Webhooks secret, shown once and stored as is for signing', async () => {
      const res = ok(await hub.gql(ana.token, ADD_CONTACT, { input: { email: ana.email, kind: 'WEBHOOK', target: 'https://hooks.example.org/estf/ana?channel=soc' } })).addContactMethod;
      const secret: string = res.webhookSecret;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
      expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
      // The server can read it back to sign; no query can.
      expect(await findWebhookSecret(hub.db, res.contactMethod.id)).toBe(secret);
      const list = await hub.gql(ana.token, CONTACT_METHODS, { email: ana.email });
      expect(JSON.stringify(list)).not.toContain(secret.slice(6));
      const fields = ok(await hub.gql(ana.token, `{ __type(name: "ContactMethod") { fields { name } } }`));
      expect(fields.__type.fields.map((f: { name: string }) => f.name).filter((n: string) => /secret/i.test(n))).toEqual([]);
      // Nor does the audit log keep it, or the webhook's path and query.
      const audit = await auditActions(res.contactMethod.id);
      expect(audit).toHaveLength(1);
      expect(JSON.stringify(audit)).not.toContain(secret.slice(6));
      expect(audit[0]!.change).toMatchObject({ kind: 'WEBHOOK', target: 'https://hooks.example.org/…' });
      // Removing the method wipes the secret.
      ok(await hub.gql(ana.token, REMOVE_CONTACT, { id: res.contactMethod.id }));
      expect(await findWebhookSecret(hub.db, res.contactMethod.id)).toBeNull();
      const row = await hub.db.selectFrom('contact_methods').select(['secret', 'removed_at']).where('id', '=', res.contactMethod.id).executeTakeFirstOrThrow();
      expect(row.secret).toBeNull();
      expect(row.removed_at).not.toBeNull();
    });

    it('a webhook to a private address is accepted outside production by default (tests and the demo use them)', async () => {
      const res = ok(await hub.gql(ana.token, ADD_CONTACT, { input: { email: ana.email, kind: 'WEBHOOK', target: 'http://127.0.0.1:9999/hook' } }));
      expect(res.addContactMethod.webhookSecret).toMatch(/^whsec_/);
    });

    it.each([
      ['SMS', '9165550100', 'no country code'],
      ['SMS', '+1 916 555', 'too short'],
      ['SMS', '+1 (016) 555-0100', 'area code starting with 0'],
      ['WEBHOOK', 'not a url', 'not a URL'],
      ['WEBHOOK', 'ftp://hooks.example.org/x', 'not http(s)'],
      ['WEBHOOK', 'https://user:pw@hooks.example.org/x', 'credentials in the URL'],
      ['EMAIL', 'ana-at-example.org', 'not an address'],
    ] as const)('refuses %s %j (%s) as BAD_USER_INPUT on target', async (kind, target, _why) => {
      const res = await hub.gql(ana.token, ADD_CONTACT, { input: { email: ana.email, kind, target } });
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'target' });
    });

    it('refuses the same method twice (CONFLICT), and accepts it again once removed', async () => {
      const input = { email: ben.email, kind: 'EMAIL', target: 'ben.pager@example.org' };
      const first = ok(await hub.gql(ben.token, ADD_CONTACT, { input })).addContactMethod;
      expect(errorOf(await hub.gql(ben.token, ADD_CONTACT, { input })).code).toBe('CONFLICT');
      ok(await hub.gql(ben.token, REMOVE_CONTACT, { id: first.contactMethod.id }));
      ok(await hub.gql(ben.token, ADD_CONTACT, { input }));
    });

    it('removal: invisible methods are NOT_FOUND; a removed method is gone from the list and from paging', async () => {
      const m = ok(await hub.gql(ana.token, ADD_CONTACT, { input: { email: ana.email, kind: 'SMS', target: '+19165550177' } })).addContactMethod.contactMethod;
      for (const other of [orangeAnalyst, laAdmin, coordinator]) {
        expect(errorOf(await hub.gql(other.token, REMOVE_CONTACT, { id: m.id })).code, other.email).toBe('NOT_FOUND');
      }
      let usable = await hub.deps.services.oncall.usableContactMethods(system, [ana.id]);
      expect(usable.get(ana.id)!.map((x) => x.id)).toContain(m.id);
      ok(await hub.gql(ana.token, REMOVE_CONTACT, { id: m.id }));
      const list = ok(await hub.gql(ana.token, CONTACT_METHODS, { email: ana.email })).contactMethods;
      expect(list.map((x: { id: string }) => x.id)).not.toContain(m.id);
      usable = await hub.deps.services.oncall.usableContactMethods(system, [ana.id]);
      expect(usable.get(ana.id)!.map((x) => x.id)).not.toContain(m.id);
      expect(errorOf(await hub.gql(ana.token, REMOVE_CONTACT, { id: m.id })).code).toBe('NOT_FOUND');
      expect((await auditActions(m.id)).map((a) => a.action)).toEqual(['contact_method.added', 'contact_method.removed']);
    });

    it('what the engine reads of another user’s methods follows the same rule', async () => {
      const principal = await hub.deps.services.identity.authenticate(orangeAnalyst.token, { requestId: null, clientAddress: null });
      const seen = await hub.deps.services.oncall.usableContactMethods(principal!, [ana.id, orangeAnalyst.id]);
      expect([...seen.keys()]).toEqual([orangeAnalyst.id]);
    });
  });
});

describe('webhook contact methods with ESTF_ALLOW_PRIVATE_WEBHOOKS=false (the production default)', () => {
  let hub: TestHub;
  let user: TestUser;
  beforeAll(async () => {
    hub = await startTestHub({ ESTF_ALLOW_PRIVATE_WEBHOOKS: 'false' });
    user = await makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch');
  });
  afterAll(async () => hub?.close());

  it.each([
    'http://localhost:8080/hook',
    'http://127.0.0.1/hook',
    'http://0x7f000001/hook',
    'http://10.20.30.40/hook',
    'http://172.20.1.1/hook',
    'http://192.168.0.10/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://[fe80::1]/hook',
    'http://[::ffff:192.168.0.1]/hook',
  ])('refuses %s as BAD_USER_INPUT on target', async (target) => {
    const res = await hub.gql(user.token, ADD_CONTACT, { input: { email: user.email, kind: 'WEBHOOK', target } });
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'target' });
    expect(res.errors![0]!.message).toContain('ESTF_ALLOW_PRIVATE_WEBHOOKS');
  });

  it('accepts a public URL', async () => {
    const res = ok(await hub.gql(user.token, ADD_CONTACT, { input: { email: user.email, kind: 'WEBHOOK', target: 'https://soc.caloes.example/estf' } }));
    expect(res.addContactMethod.contactMethod.target).toBe('https://soc.caloes.example/estf');
  });
});
