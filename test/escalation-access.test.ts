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

  describe('law-enforcement-sensitive incidents', () => {
    it('page the reporting organization and law enforcement that may see them, not only coordinators who may not', async () => {
      const inc = await file(orange, { category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'AMBER', lawEnforcementSensitive: true, shareWith: ['fbi'] });
      await hub.deps.engine.route(inc.id);
      const pages = (await notificationsOf(inc.id)).filter((n) => n.kind === 'PAGE');
      const statusOf = (u: TestUser) => pages.filter((n) => n.email === u.email).map((n) => n.status);
      // The coordinators may not see LES: suppressed, as before.
      expect(statusOf(sosDuty)).toEqual(['SUPPRESSED']);
      // The reporting county's on-call official and the FBI (in the audience) are paged at the first level.
      expect(statusOf(orangeDuty).length).toBeGreaterThan(0);
      expect(statusOf(orangeDuty)).not.toContain('SUPPRESSED');
      expect(statusOf(fbiDuty).length).toBeGreaterThan(0);
      expect(statusOf(fbiDuty)).not.toContain('SUPPRESSED');
      // Someone paged may acknowledge it: the escalation stops rather than looping over suppressed pages.
      const esc = await hub.gql<any>(orangeDuty.token, `query($id: ID!) { incident(id: $id) { escalations { id rule } } }`, { id: inc.id });
      const critical = esc.data.incident.escalations.find((e: any) => e.rule === 'critical');
      const ack = await hub.gql<any>(orangeDuty.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: critical.id });
      expect(ack.errors).toBeUndefined();
      expect(ack.data.acknowledgeEscalation.state).toBe('ACKNOWLEDGED');
    });

    it('routingPreflight names every rule × incident shape that pages nobody able to see it', async () => {
      const rule = await hub.gql<any>(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
        input: { name: 'cisa-only', severityAtLeast: 'CRITICAL', categories: ['VENDOR_COMPROMISE'], levels: [{ ackTimeoutSeconds: 60, targets: [{ kind: 'DUTY', organization: 'cisa', duty: 'election-advisor' }] }] },
      });
      expect(rule.errors).toBeUndefined();
      try {
        const r = await hub.gql<any>(coordinator.token, `{ routingPreflight { rule level target organization duty problem shape } }`);
        expect(r.errors).toBeUndefined();
        const nobody = r.data.routingPreflight.filter((p: any) => p.problem === 'NOBODY_MAY_SEE');
        // CISA is not in a county's AMBER audience: that rule pages nobody who may see an AMBER incident.
        expect(nobody.filter((p: any) => p.rule === 'cisa-only').map((p: any) => p.shape).sort()).toEqual(['AMBER']);
        // The seeded rules page someone able to see every shape, LES included (law enforcement, the reporting organization).
        expect(nobody.filter((p: any) => p.rule !== 'cisa-only')).toEqual([]);
      } finally {
        await hub.gql(coordinator.token, `mutation { deleteRoutingRule(name: "cisa-only") }`);
      }
    });
  });

  describe('notify targets the label suppresses', () => {
    const SUPPRESSED = 'suppressedRoutingTargets { rule level target organization duty reason shareable }';

    it('are said in the filing answer, on the escalation and in routingPreflight', async () => {
      const r = await hub.gql<any>(orange.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id sharedWith { slug } ${SUPPRESSED} } }`, {
        input: { title: 'Phish', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER' },
      });
      expect(r.errors).toBeUndefined();
      const inc = r.data.fileIncident;
      const cyber = inc.suppressedRoutingTargets.filter((t: any) => t.rule === 'cyber-high');
      expect(cyber.map((t: any) => [t.level, t.organization, t.duty, t.shareable]).sort()).toEqual([
        [null, 'cisa', 'election-advisor', true],
        [null, 'ei-isac', 'soc', true],
      ]);
      expect(cyber[0].reason).toMatch(/AMBER/);

      await hub.deps.engine.route(inc.id);
      const esc = await hub.gql<any>(orange.token, `query($id: ID!) { incident(id: $id) { escalations { rule suppressedTargets { organization duty level } } } }`, { id: inc.id });
      const e = esc.data.incident.escalations.find((x: any) => x.rule === 'cyber-high');
      expect(e.suppressedTargets.map((t: any) => t.organization).sort()).toEqual(['cisa', 'ei-isac']);

      const pre = await hub.gql<any>(coordinator.token, `{ routingPreflight { rule level organization duty problem shape } }`);
      expect(pre.data.routingPreflight).toContainEqual({ rule: 'cyber-high', level: null, organization: 'cisa', duty: 'election-advisor', problem: 'SUPPRESSED_BY_LABEL', shape: 'AMBER' });
      expect(pre.data.routingPreflight).toContainEqual({ rule: 'cyber-high', level: null, organization: 'ei-isac', duty: 'soc', problem: 'SUPPRESSED_BY_LABEL', shape: 'AMBER' });

      // The filer shares with the rule's targets in one step afterwards.
      const shared = await hub.gql<any>(orange.token, `mutation($id: ID!) { shareIncident(id: $id, routingTargets: true) { sharedWith { slug } ${SUPPRESSED} } }`, { id: inc.id });
      expect(shared.errors).toBeUndefined();
      expect(shared.data.shareIncident.sharedWith.map((o: any) => o.slug).sort()).toEqual(['cisa', 'ei-isac']);
      expect(shared.data.shareIncident.suppressedRoutingTargets.filter((t: any) => t.rule === 'cyber-high')).toEqual([]);
    });

    it('can be shared with when filing, in one step: the notify targets are then informed', async () => {
      const r = await hub.gql<any>(orange.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id sharedWith { slug } ${SUPPRESSED} } }`, {
        input: { title: 'Phish', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', shareWithRoutingTargets: true },
      });
      expect(r.errors).toBeUndefined();
      const inc = r.data.fileIncident;
      expect(inc.sharedWith.map((o: any) => o.slug).sort()).toEqual(['cisa', 'ei-isac']);
      expect(inc.suppressedRoutingTargets).toEqual([]);
      await hub.deps.engine.route(inc.id);
      const notes = (await notificationsOf(inc.id)).filter((n) => n.kind === 'NOTIFY');
      for (const u of [cisaDuty, isacDuty]) {
        const mine = notes.filter((n) => n.email === u.email);
        expect(mine.length, u.email).toBeGreaterThan(0);
        expect(mine.map((n) => n.status)).not.toContain('SUPPRESSED');
      }
    });

    it('cannot be shared with in one step by someone who may not widen the audience', async () => {
      const inc = await file(orange, { category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER_STRICT' });
      const r = await hub.gql<any>(fbiDuty.token, `mutation($id: ID!) { shareIncident(id: $id, routingTargets: true) { id } }`, { id: inc.id });
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const coordinatorShare = await hub.gql<any>(sosDuty.token, `mutation($id: ID!) { shareIncident(id: $id, routingTargets: true) { id } }`, { id: inc.id });
      expect(coordinatorShare.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
