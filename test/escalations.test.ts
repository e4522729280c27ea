import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { until } from './support/until.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from './support/receivers.js';

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const ESCALATIONS = `query($id: ID!) { incident(id: $id) { escalations { id rule level state nextEscalationAt acknowledgedBy { email }
  notifications { kind level recipient { email } channel status attempts { outcome httpStatus } } } } }`;


/** The decoded Subject header of a raw message (RFC 2047 encoded words, folded lines). */
function subjectOfMail(raw: string): string {
  const m = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw);
  if (!m) return '';
  return m[1]!
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_all, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

describe('escalation', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let smtp: SmtpSink;
  let county: TestUser, coordinator: TestUser, duty1: TestUser, watch1: TestUser, lead2: TestUser, center2: TestUser, stranger: TestUser;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    smtp = await startSmtpSink();
    hub = await startTestHub({ SMTP_URL: smtp.url, ESTF_DELIVERY_BACKOFF: '100ms', ESTF_DELIVERY_MAX_ATTEMPTS: '4', ESTF_WEBHOOK_TIMEOUT: '500ms' });
    workers = await startWorkers(hub.deps);
    [county, coordinator, duty1, watch1, lead2, center2, stranger] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch'),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'lead'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'center'),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
    ]);
    const oncall = hub.deps.services.oncall;
    for (const [org, duty, u] of [
      ['sos', 'security-duty', duty1],
      ['cal-oes', 'csic-watch', watch1],
      ['sos', 'security-lead', lead2],
      ['cal-oes', 'warning-center', center2],
    ] as const) {
      await oncall.setSchedule(sys, { organization: org, duty, participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
      const added = await oncall.addContactMethod(sys, { email: u.email, kind: 'WEBHOOK', target: receiver.url });
      secrets.set(u.email, added.webhookSecret!);
    }
    await oncall.addContactMethod(sys, { email: duty1.email, kind: 'EMAIL', target: duty1.email });
    // Only the test's own rule: short timeouts, two levels, the last paged twice.
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(
      coordinator.token,
      `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name version levels { ackTimeoutSeconds targets { label } } } }`,
      {
        input: {
          name: 'test-critical',
          severityAtLeast: 'CRITICAL',
          levels: [
            { ackTimeoutSeconds: 1, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }, { kind: 'DUTY', organization: 'cal-oes', duty: 'csic-watch' }] },
            { ackTimeoutSeconds: 1, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-lead' }, { kind: 'DUTY', organization: 'cal-oes', duty: 'warning-center' }] },
          ],
          repeatLastLevel: 2,
        },
      },
    );
    expect(rule.errors).toBeUndefined();
    expect(rule.data.createRoutingRule.levels[0].targets.map((t: any) => t.label)).toEqual(['sos/security-duty', 'cal-oes/csic-watch']);
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
    await receiver?.close();
    await smtp?.close();
  });

  it('pages level 1 at once with signed webhooks and e-mail, escalates after the timeout, and an acknowledgement link stops it', async () => {
    receiver.requests.length = 0;
    const started = Date.now();
    const filed = await hub.gql(county.token, FILE, {
      input: { title: 'Ransomware on the VR system', summary: 'Files encrypted', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'AMBER', affectedCounties: ['county-los-angeles'] },
    });
    const incident = filed.data.fileIncident;
    await receiver.waitFor(2, 5_000);
    expect(receiver.requests[1]!.at - started).toBeLessThan(3_000);
    const first = receiver.requests.slice(0, 2).map((r) => JSON.parse(r.body));
    expect(first.every((p) => p.type === 'incident.paged' && p.level === 1)).toBe(true);
    expect(first[0].incident.reference).toBe(incident.reference);
    // AMBER: nothing but the restricted fields leaves the hub.
    expect(first[0].incident.title).toBeUndefined();
    expect(first[0].subject).toBe(`[ESTF][CRITICAL] ${incident.reference} RANSOMWARE — Los Angeles`);
    // Standard Webhooks signature verifies with the recipient's secret.
    const pagedDuty = receiver.requests.find((r) => r.body.includes('"level":1')) ?? receiver.requests[0]!;
    const verified = [...secrets.values()].some((secret) => {
      try {
        new Webhook(secret).verify(pagedDuty.body, pagedDuty.headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    });
    expect(verified).toBe(true);
    await until(async () => smtp.messages.find((m) => m.raw.includes(incident.reference)));
    const mail = smtp.messages.find((m) => m.raw.includes(incident.reference))!;
    expect(subjectOfMail(mail.raw)).toBe(`[ESTF][CRITICAL] ${incident.reference} RANSOMWARE — Los Angeles`);
    expect(mail.raw).not.toContain('Files encrypted');
    // Every "Open" link goes to the incident's console page (not GraphiQL, which shows no incident).
    const consoleUrl = `${hub.config.http.publicUrl}/console/incidents/${incident.id}`;
    // Quoted-printable: soft line breaks undone.
    expect(mail.raw.replace(/=\r?\n/g, '')).toContain(`Open:      ${consoleUrl}`);
    expect(mail.raw).not.toMatch(/\/graphql|incident\(reference:/);
    expect(first[0].incident.url).toBe(consoleUrl);

    // Nobody acknowledges: level 2 after about a second.
    await receiver.waitFor(4, 5_000);
    const level2 = receiver.requests.slice(2, 4).map((r) => JSON.parse(r.body));
    expect(level2.every((p) => p.level === 2)).toBe(true);
    const ackUrl: string = level2[0].acknowledgeUrl;
    expect(ackUrl).toMatch(/\/ack\/[A-Za-z0-9_-]+$/);

    const local = ackUrl.replace(/^https?:\/\/[^/]+/, hub.url);
    const page = await fetch(local);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(incident.reference);
    const ack = await fetch(local, { method: 'POST' });
    expect(ack.status).toBe(200);
    const again = await fetch(local, { method: 'POST' });
    expect(again.status).toBe(410);
    // The other person paged at level 2 opens their link: no button any more, and who acknowledged, when.
    const otherPage = await fetch(level2[1].acknowledgeUrl.replace(/^https?:\/\/[^/]+/, hub.url));
    const otherHtml = await otherPage.text();
    expect(otherHtml).not.toMatch(/<form|<button/);
    expect(otherHtml).toMatch(/Acknowledged by (lead of sos|center of cal-oes) \(.+\) at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    const countAtAck = receiver.requests.length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(receiver.requests.length).toBe(countAtAck);

    const view = await hub.gql(county.token, ESCALATIONS, { id: incident.id });
    const esc = view.data.incident.escalations[0];
    expect(esc.state).toBe('ACKNOWLEDGED');
    expect(esc.rule).toBe('test-critical');
    expect(esc.nextEscalationAt).toBeNull();
    expect(esc.notifications.filter((n: any) => n.kind === 'PAGE' && n.status === 'DELIVERED').length).toBeGreaterThanOrEqual(4);
    expect(esc.notifications.every((n: any) => n.status !== 'DELIVERED' || n.attempts.length === 1)).toBe(true);
    // Each person is paged once per level.
    const keys = esc.notifications.map((n: any) => `${n.level}/${n.recipient.email}/${n.channel}`);
    expect(new Set(keys).size).toBe(keys.length);
    const tl = await hub.gql(county.token, `query($id: ID!) { incident(id: $id) { timeline { edges { node { kind } } } } }`, { id: incident.id });
    expect(tl.data.incident.timeline.edges.map((e: any) => e.node.kind)).toContain('ESCALATION_ACKNOWLEDGED');
  });

  it('acknowledgeEscalation by a paged user; strangers get NOT_FOUND; resolving stops paging', async () => {
    const filed = await hub.gql(county.token, FILE, {
      input: { title: 'DDoS on results site', summary: 's', category: 'DENIAL_OF_SERVICE', severity: 'CRITICAL', tlp: 'GREEN' },
    });
    const incident = filed.data.fileIncident;
    const esc = await until(async () => (await hub.gql(coordinator.token, ESCALATIONS, { id: incident.id })).data.incident.escalations[0]);
    const denied = await hub.gql(stranger.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: esc.id });
    expectCode(denied, 'FORBIDDEN');
    const mine = await until(async () => {
      const r = await hub.gql(duty1.token, `{ myPages { id rule incident { reference } } }`);
      return r.data.myPages.find((p: any) => p.id === esc.id);
    });
    expect(mine.incident.reference).toBe(incident.reference);
    const acked = await hub.gql(duty1.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state acknowledgedBy { email } } }`, { id: esc.id });
    expect(acked.data.acknowledgeEscalation).toEqual({ state: 'ACKNOWLEDGED', acknowledgedBy: { email: duty1.email } });

    const other = (await hub.gql(county.token, FILE, { input: { title: 'x', summary: 's', category: 'MALWARE', severity: 'CRITICAL', tlp: 'GREEN' } })).data.fileIncident;
    await until(async () => (await hub.gql(coordinator.token, ESCALATIONS, { id: other.id })).data.incident.escalations[0]);
    for (const to of ['TRIAGED', 'REJECTED']) {
      await hub.gql(coordinator.token, `mutation($id: ID!, $to: IncidentStatus!) { transitionIncident(id: $id, to: $to) { status } }`, { id: other.id, to });
    }
    const resolved = await until(async () => {
      const e = (await hub.gql(coordinator.token, ESCALATIONS, { id: other.id })).data.incident.escalations[0];
      return e.state === 'RESOLVED' ? e : null;
    });
    expect(resolved.nextEscalationAt).toBeNull();
  });

  it('retries a failing webhook with backoff: 500 three times then 200 is delivered once, four attempts recorded', async () => {
    const flaky = await startWebhookReceiver();
    let calls = 0;
    flaky.respond = () => (++calls <= 3 ? 500 : 200);
    const u = await makeUser(hub.deps, 'sos', ['ANALYST'], 'flaky');
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'sos', duty: 'misinformation-desk', participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: u.email, kind: 'WEBHOOK', target: flaky.url });
    await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'test-info', domains: ['INFORMATION'], levels: [{ ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'misinformation-desk' }] }] },
    });
    const inc = (await hub.gql(county.token, FILE, { input: { title: 'Fake polling hours', summary: 's', category: 'MISINFORMATION', severity: 'LOW', tlp: 'GREEN', exercise: true } })).data.fileIncident;
    await flaky.waitFor(4, 8_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(flaky.requests.length).toBe(4);
    // The same webhook-id on every retry, so a receiver can de-duplicate.
    expect(new Set(flaky.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(JSON.parse(flaky.requests[3]!.body).subject).toMatch(/^EXERCISE EXERCISE EXERCISE \[ESTF\]/);
    const view = await hub.gql(coordinator.token, ESCALATIONS, { id: inc.id });
    const n = view.data.incident.escalations[0].notifications.find((x: any) => x.recipient.email === u.email);
    expect(n.status).toBe('DELIVERED');
    expect(n.attempts.map((a: any) => a.outcome)).toEqual(['HTTP_ERROR', 'HTTP_ERROR', 'HTTP_ERROR', 'DELIVERED']);
    await flaky.close();
  });

  it('a receiver that never answers: timeouts recorded, retries bounded; 410 disables the method', async () => {
    const silent = await startWebhookReceiver();
    silent.respond = () => 'hang';
    const gone = await startWebhookReceiver();
    gone.respond = () => 410;
    const u = await makeUser(hub.deps, 'chp', ['ANALYST'], 'silent');
    const v = await makeUser(hub.deps, 'chp', ['ANALYST'], 'gone');
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'chp', duty: 'duty-officer', participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: u.email, kind: 'WEBHOOK', target: silent.url });
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'fbi', duty: 'election-crimes', participants: [], shiftLengthHours: 24, handoffTime: '09:00' }).catch(() => null);
    const fbi = await makeUser(hub.deps, 'fbi', ['ANALYST'], 'gonefbi');
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'fbi', duty: 'election-crimes', participants: [fbi.email], shiftLengthHours: 24, handoffTime: '09:00' });
    const goneMethod = await hub.deps.services.oncall.addContactMethod(sys, { email: fbi.email, kind: 'WEBHOOK', target: gone.url });
    void v;
    await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: {
        name: 'test-physical',
        domains: ['PHYSICAL'],
        levels: [{ ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'chp', duty: 'duty-officer' }, { kind: 'DUTY', organization: 'fbi', duty: 'election-crimes' }] }],
      },
    });
    const inc = (await hub.gql(county.token, FILE, { input: { title: 'Drop box fire', summary: 's', category: 'DROP_BOX_TAMPERING', severity: 'HIGH', tlp: 'GREEN' } })).data.fileIncident;
    const n = await until(async () => {
      const e = (await hub.gql(coordinator.token, ESCALATIONS, { id: inc.id })).data.incident.escalations[0];
      const x = e?.notifications.find((y: any) => y.recipient.email === u.email);
      return x?.status === 'FAILED' ? x : null;
    }, 15_000);
    expect(n.attempts).toHaveLength(4);
    expect(n.attempts.every((a: any) => a.outcome === 'TIMEOUT')).toBe(true);
    expect(silent.requests).toHaveLength(4);
    const g = (await hub.gql(coordinator.token, ESCALATIONS, { id: inc.id })).data.incident.escalations[0].notifications.find((y: any) => y.recipient.email === fbi.email);
    expect(g.status).toBe('FAILED');
    expect(g.attempts.map((a: any) => a.outcome)).toEqual(['GONE']);
    const method = await hub.db.selectFrom('contact_methods').select(['disabled_at']).where('id', '=', goneMethod.contactMethod.id).executeTakeFirstOrThrow();
    expect(method.disabled_at).not.toBeNull();
    await silent.close();
    await gone.close();
  });

  it('routingPreflight lists levels that would page nobody', async () => {
    const r = await hub.gql(county.token, `{ routingPreflight { rule level organization duty problem } }`);
    expect(r.errors).toBeUndefined();
    // test-physical pages chp and fbi whose methods are fine or disabled: the fbi one (410) has no usable method now.
    expect(r.data.routingPreflight).toContainEqual({ rule: 'test-physical', level: 1, organization: 'fbi', duty: 'election-crimes', problem: 'NO_CONTACT_METHOD' });
    expect(r.data.routingPreflight.some((p: any) => p.rule === 'test-critical')).toBe(false);
  });
  it('one acknowledgement stops every escalation of the incident that paged the same person', async () => {
    await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'test-critical-twin', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] },
    });
    const inc = (await hub.gql(county.token, FILE, { input: { title: 'Twin rules', summary: 's', category: 'MALWARE', severity: 'CRITICAL', tlp: 'GREEN' } })).data.fileIncident;
    const escs = await until(async () => {
      const e = (await hub.gql(coordinator.token, ESCALATIONS, { id: inc.id })).data.incident.escalations;
      // The same person is paged once per level: one of the two escalations pages, the other finds them paged.
      return e.length === 2 && e.some((x: any) => x.notifications.length > 0) ? e : null;
    });
    const acked = await hub.gql(duty1.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: escs[0].id });
    expect(acked.data.acknowledgeEscalation.state).toBe('ACKNOWLEDGED');
    const after = (await hub.gql(coordinator.token, ESCALATIONS, { id: inc.id })).data.incident.escalations;
    expect(after.map((e: any) => e.state)).toEqual(['ACKNOWLEDGED', 'ACKNOWLEDGED']);
    await hub.gql(coordinator.token, `mutation { deleteRoutingRule(name: "test-critical-twin") }`);
  });
});
