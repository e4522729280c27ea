/**
 * Paging obeys the access policy of now (access-policy.md): acknowledgement links after the audience
 * narrowed (issue 10, item 8), law-enforcement-sensitive incidents paging someone who may see them and
 * routingPreflight naming rule × incident shapes that page nobody able to see (item 9), notify targets
 * suppressed by the label said where a person can act (issue 11, item 6).
 *
 * Routing is run directly through the engine (no workers): what is checked is who is paged or suppressed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

describe('paging and the access policy', () => {
  let hub: TestHub;
  let orange: TestUser, orange2: TestUser, orangeDuty: TestUser, sosDuty: TestUser, watch: TestUser, fbiDuty: TestUser, chpDuty: TestUser, cisaDuty: TestUser, isacDuty: TestUser, coordinator: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [orange, orange2, orangeDuty, sosDuty, watch, fbiDuty, chpDuty, cisaDuty, isacDuty, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange2'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'rov'),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'sosduty'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch'),
      makeUser(hub.deps, 'fbi', ['ANALYST'], 'fbiduty'),
      makeUser(hub.deps, 'chp', ['ANALYST'], 'chpduty'),
      makeUser(hub.deps, 'cisa', ['ANALYST'], 'cisaduty'),
      makeUser(hub.deps, 'ei-isac', ['ANALYST'], 'isacduty'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coord'),
    ]);
    const oncall = hub.deps.services.oncall;
    for (const [org, duty, u] of [
      ['county-orange', 'rov-oncall', orangeDuty],
      ['sos', 'security-duty', sosDuty],
      ['sos', 'security-lead', sosDuty],
      ['cal-oes', 'csic-watch', watch],
      ['cal-oes', 'warning-center', watch],
      ['fbi', 'election-crimes', fbiDuty],
      ['chp', 'duty-officer', chpDuty],
      ['cisa', 'election-advisor', cisaDuty],
      ['ei-isac', 'soc', isacDuty],
    ] as const) {
      await oncall.setSchedule(sys, { organization: org, duty, participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
    }
    for (const u of [orangeDuty, sosDuty, watch, fbiDuty, chpDuty, cisaDuty, isacDuty]) {
      // An address nobody answers (no SMTP sink): the tests look at who is paged, not at delivery.
      await oncall.addContactMethod(sys, { email: u.email, kind: 'EMAIL', target: u.email });
    }
  });
  afterAll(async () => hub?.close());

  async function file(u: TestUser, input: Record<string, unknown>): Promise<{ id: string; reference: string }> {
    const r = await hub.gql<any>(u.token, FILE, { input: { title: 'Paging test', summary: 's', ...input } });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data.fileIncident;
  }

  /** Notifications of the incident: recipient e-mail, kind, status. */
  async function notificationsOf(incidentId: string) {
    return hub.db
      .selectFrom('notifications as n')
      .innerJoin('users as u', 'u.id', 'n.recipient_user_id')
      .select(['n.id', 'u.email', 'n.kind', 'n.status', 'n.level'])
      .where('n.incident_id', '=', incidentId)
      .execute();
  }

  describe('acknowledgement links', () => {
    it('obey the policy of now: after the incident is narrowed without the paged person, GET shows nothing and POST acknowledges nothing', async () => {
      const inc = await file(orange, { category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'AMBER' });
      await hub.deps.engine.route(inc.id);
      const page = (await notificationsOf(inc.id)).find((n) => n.email === sosDuty.email && n.kind === 'PAGE');
      expect(page, 'the SOS duty analyst is paged').toBeDefined();
      const link = `${hub.url}/ack/${await hub.deps.engine.ackTokenOf(page!.id)}`;
      const before = await fetch(link);
      expect(before.status).toBe(200);
      expect(await before.text()).toContain('RANSOMWARE');

      // The reporter narrows it to TLP:RED for a colleague: the SOS duty analyst may no longer see it.
      const narrowed = await hub.gql<any>(orange.token, `mutation($id: ID!) { setIncidentTlp(id: $id, tlp: RED, recipients: ["${orange2.email}"]) { tlp } }`, { id: inc.id });
      expect(narrowed.errors).toBeUndefined();
      const after = await fetch(link);
      const body = await after.text();
      expect(after.status).toBe(404);
      for (const leak of ['RANSOMWARE', 'CRITICAL', 'TLP:', inc.reference]) expect(body).not.toContain(leak);

      const post = await fetch(link, { method: 'POST' });
      const postBody = await post.text();
      expect(post.status).toBe(410);
      expect(postBody).not.toContain(inc.reference);
      const states = await hub.db.selectFrom('escalations').select(['state', 'acknowledged_by']).where('incident_id', '=', inc.id).execute();
      expect(states.every((s) => s.acknowledged_by === null)).toBe(true);
    });
  });
});
