import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { until } from './support/until.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from './support/receivers.js';

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const CREATE = `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { webhookSecret subscription { id mode channels paused owner { email } organization { slug } } } }`;


describe('saved alert subscriptions', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let smtp: SmtpSink;
  let county: TestUser, eiIsacAdmin: TestUser, cisa: TestUser, fresnoCoord: TestUser, orgAdminOther: TestUser;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    smtp = await startSmtpSink();
    hub = await startTestHub({ SMTP_URL: smtp.url, ESTF_DELIVERY_BACKOFF: '100ms' });
    workers = await startWorkers(hub.deps);
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    [county, eiIsacAdmin, cisa, fresnoCoord, orgAdminOther] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'ei-isac', ['ORG_ADMIN', 'ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
      makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN']),
      makeUser(hub.deps, 'cisa', ['ORG_ADMIN']),
    ]);
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
    await receiver?.close();
    await smtp?.close();
  });

  it('an EI-ISAC organization webhook receives signed events it may see, and not the others', async () => {
    const created = await hub.gql(eiIsacAdmin.token, CREATE, {
      input: { name: 'SIEM', organization: 'ei-isac', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'IMMEDIATE', filter: { severityAtLeast: 'HIGH' } },
    });
    expect(created.errors).toBeUndefined();
    const secret = created.data.createAlertSubscription.webhookSecret;
    expect(secret).toMatch(/^whsec_/);
    expect(created.data.createAlertSubscription.subscription).toMatchObject({ owner: null, organization: { slug: 'ei-isac' }, mode: 'IMMEDIATE' });
    // Not an admin of that organization.
    expectCode(await hub.gql(orgAdminOther.token, CREATE, { input: { name: 'x', organization: 'ei-isac', channels: ['EMAIL'], email: 'soc@ei-isac.test', mode: 'IMMEDIATE' } }), 'FORBIDDEN');

    const green = (await hub.gql(county.token, FILE, { input: { title: 'Green DDoS', summary: 'Results site down', category: 'DENIAL_OF_SERVICE', severity: 'HIGH', tlp: 'GREEN' } })).data.fileIncident;
    await hub.gql(county.token, FILE, { input: { title: 'Amber secret', summary: 'not for EI-ISAC', category: 'MALWARE', severity: 'CRITICAL', tlp: 'AMBER' } });
    await hub.gql(county.token, FILE, { input: { title: 'Low noise', summary: 'x', category: 'MALWARE', severity: 'LOW', tlp: 'GREEN' } });
    await receiver.waitFor(1, 8_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    const body = JSON.parse(req.body);
    expect(body.type).toBe('alert.event');
    expect(body.incidents).toEqual([expect.objectContaining({ reference: green.reference, title: 'Green DDoS', severity: 'HIGH' })]);
    // The "Open" link is the incident's console page.
    expect(body.incidents[0].url).toBe(`${hub.config.http.publicUrl}/console/incidents/${green.id}`);
    expect(req.body).not.toContain('Amber secret');
  });

  it('a daily digest for a county: assembled across the hour boundary of the event log, empty digests not sent, pause and delete', async () => {
    const created = await hub.gql(fresnoCoord.token, CREATE, { input: { name: 'Fresno daily', channels: ['EMAIL'], mode: 'DAILY_DIGEST' } });
    const id = created.data.createAlertSubscription.subscription.id;
    const first = (await hub.gql(county.token, FILE, { input: { title: 'Before the hour', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
    // Events land in the log; the digest run takes what has settled since the last one.
    await new Promise((r) => setTimeout(r, 2_300));
    const run1 = await hub.deps.subscriptionJobs.runDigests('DAILY_DIGEST');
    expect(run1.created).toBe(1);
    const mail1 = await until(async () => smtp.messages.find((m) => m.raw.includes(first.reference)));
    expect(mail1.to).toEqual([fresnoCoord.email]);
    // The filer's title quoted on its own line: it cannot pass for a line of the digest's.
    expect(mail1.raw).toContain('    "Before the hour"');
    // Quoted-printable: soft line breaks undone.
    expect(mail1.raw.replace(/=\r?\n/g, '')).toContain(`    Open: ${hub.config.http.publicUrl}/console/incidents/${first.id}`);
    expect(mail1.raw).not.toContain('/graphql');

    const second = (await hub.gql(county.token, FILE, { input: { title: 'After the hour', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
    await new Promise((r) => setTimeout(r, 2_300));
    await hub.deps.subscriptionJobs.runDigests('DAILY_DIGEST');
    const mail2 = await until(async () => smtp.messages.find((m) => m.raw.includes(second.reference)));
    // The second digest has only what came after the first.
    expect(mail2.raw).not.toContain(first.reference);

    // Nothing new: no message.
    const before = smtp.messages.length;
    const run3 = await hub.deps.subscriptionJobs.runDigests('DAILY_DIGEST');
    expect(run3.created).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.length).toBe(before);

    const paused = await hub.gql(fresnoCoord.token, `mutation($id: ID!) { pauseAlertSubscription(id: $id) { paused } }`, { id });
    expect(paused.data.pauseAlertSubscription.paused).toBe(true);
    expectCode(await hub.gql(cisa.token, `mutation($id: ID!) { deleteAlertSubscription(id: $id) }`, { id }), 'NOT_FOUND');
    const list = await hub.gql(fresnoCoord.token, `{ alertSubscriptions { id deliveries { kind channel status items attempts { outcome } } } }`);
    expect(list.data.alertSubscriptions[0].deliveries.filter((d: any) => d.status === 'DELIVERED')).toHaveLength(2);
    expect((await hub.gql(fresnoCoord.token, `mutation($id: ID!) { deleteAlertSubscription(id: $id) }`, { id })).data.deleteAlertSubscription).toBe(true);
    expect((await hub.gql(fresnoCoord.token, `{ alertSubscriptions { id } }`)).data.alertSubscriptions).toEqual([]);
  });

  it('checks rights at delivery: an alert about an incident since narrowed is not sent', async () => {
    const r2 = await startWebhookReceiver();
    r2.respond = () => 503;
    const created = await hub.gql(cisa.token, CREATE, { input: { name: 'cisa', channels: ['WEBHOOK'], webhookUrl: r2.url, mode: 'IMMEDIATE' } });
    const subscriptionId = created.data.createAlertSubscription.subscription.id as string;
    const inc = (await hub.gql(county.token, FILE, { input: { title: 'Will narrow', summary: 's', category: 'MALWARE', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
    await r2.waitFor(1, 8_000);
    // The receiver fails; the reporter narrows the incident out of CISA's reach. Retries come every 100 ms:
    // on a loaded machine more than one may come (and fail) before the narrowing commits, none after it.
    await hub.gql(county.token, `mutation($id: ID!) { setIncidentTlp(id: $id, tlp: AMBER) { tlp } }`, { id: inc.id });
    const aboutIt = () => r2.requests.filter((x) => x.body.includes(inc.reference)).length;
    const beforeNarrowing = aboutIt();
    r2.respond = () => 200;
    await until(async () => (await hub.db.selectFrom('alert_deliveries').select('id').where('subscription_id', '=', subscriptionId).where('status', '=', 'SUPPRESSED').executeTakeFirst()));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(aboutIt()).toBe(beforeNarrowing);
    expect(beforeNarrowing).toBeGreaterThanOrEqual(1);
    await r2.close();
  });

  it('an alert in flight holds no row lock and no transaction: it is claimed under a lease, like a page', async () => {
    const hanging = await startWebhookReceiver();
    hanging.respond = () => 'hang';
    const created = await hub.gql(county.token, CREATE, { input: { name: 'hangs', channels: ['WEBHOOK'], webhookUrl: hanging.url, mode: 'IMMEDIATE' } });
    const id = created.data.createAlertSubscription.subscription.id;
    await hub.gql(county.token, FILE, { input: { title: 'Sent to a hanging receiver', summary: 's', category: 'MALWARE', severity: 'HIGH', tlp: 'GREEN' } });
    await hanging.waitFor(1, 8_000);
    // While the send hangs, its row can be locked at once (a send inside a transaction holds it) and
    // is due only at the end of its lease; no connection of the hub sits idle in a transaction.
    const rows = await hub.db.transaction().execute((trx) => trx.selectFrom('alert_deliveries').selectAll().where('subscription_id', '=', id).forUpdate().noWait().execute());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(rows[0]!.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = await sql<{ query: string }>`select query from pg_stat_activity where datname = current_database() and state = 'idle in transaction' and state_change < now() - interval '500 milliseconds'`.execute(hub.db);
    expect(idle.rows).toEqual([]);
    await hub.gql(county.token, `mutation($id: ID!) { deleteAlertSubscription(id: $id) }`, { id });
    await hanging.close();
  });
});
