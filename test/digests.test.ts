import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { runEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

/**
 * Digests and immediate alerts of saved subscriptions (issue 12, item 9): a digest reads its whole
 * period however many events it holds, periods can be shortened, a digest can be run on demand, and
 * immediate alerts go out in cursor order naming the event's kind.
 */

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const CREATE = `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { subscription { id } } }`;

describe('digests', () => {
  let hub: TestHub;
  let county: TestUser, fresno: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    [county, fresno] = await Promise.all([makeUser(hub.deps, 'county-los-angeles', ['ANALYST']), makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'])]);
  });
  afterAll(async () => hub?.close());

  it('a daily digest of more than 20,000 events reads them all and says how many it read', { timeout: 90_000 }, async () => {
    const receiver = await startWebhookReceiver();
    try {
      const created = await hub.gql(fresno.token, CREATE, { input: { name: 'Busy day', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'DAILY_DIGEST' } });
      expect(created.errors).toBeUndefined();
      // 20,100 events the subscriber does not see, then the one it does: past the first 20,000 of the period.
      await sql`insert into outbox (topic, aggregate_type, aggregate_id, payload, published_at)
                select 'incident.commented', 'Incident', '00000000-0000-0000-0000-000000000001', '{}'::jsonb, now()
                from generate_series(1, 20100)`.execute(hub.db);
      const filed = (await hub.gql(county.token, FILE, { input: { title: 'Late in a busy day', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
      // Settled (a digest leaves the last 2 s to the next run).
      await sql`update outbox set created_at = now() - interval '1 minute'`.execute(hub.db);

      expect(await hub.deps.subscriptionJobs.runDigests('DAILY_DIGEST')).toEqual({ created: 1, empty: 0 });

      const delivery = await hub.db.selectFrom('alert_deliveries').selectAll().where('kind', '=', 'DIGEST').executeTakeFirstOrThrow();
      expect(delivery.items).toBe(1);
      const workers = await startWorkers(hub.deps);
      try {
        await receiver.waitFor(1, 15_000);
      } finally {
        await workers.close();
      }
      const body = JSON.parse(receiver.requests[0]!.body);
      expect(body.type).toBe('alert.digest');
      expect(body.incidents.map((i: any) => i.reference)).toEqual([filed.reference]);
      expect(body.events).toBeGreaterThan(20_000);
    } finally {
      await receiver.close();
    }
  });

  it('`estf digests run` assembles due digests on demand and says how many', { timeout: 60_000 }, async () => {
    const created = await hub.gql(fresno.token, CREATE, { input: { name: 'On demand', channels: ['EMAIL'], mode: 'HOURLY_DIGEST' } });
    expect(created.errors).toBeUndefined();
    await hub.gql(county.token, FILE, { input: { title: 'For the on-demand digest', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } });
    await sql`update outbox set created_at = now() - interval '1 minute'`.execute(hub.db);
    const env = { DATABASE_URL: hub.dbUrl, REDIS_URL: hub.config.redis.url, ESTF_QUEUE_PREFIX: hub.config.queuePrefix };
    const run = await runEstf(['digests', 'run', '--mode', 'hourly'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('hourly: 1 digest(s) queued, 0 empty\n');
    const again = await runEstf(['digests', 'run', '--mode', 'hourly'], env);
    expect(again.stdout).toBe('hourly: 0 digest(s) queued, 0 empty\n');
    const subscription = created.data.createAlertSubscription.subscription.id;
    expect(await hub.db.selectFrom('alert_deliveries').select(['kind', 'status']).where('subscription_id', '=', subscription).execute()).toEqual([{ kind: 'DIGEST', status: 'PENDING' }]);
  });
});

describe('digest periods and immediate alerts', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let county: TestUser, fresno: TestUser;

  beforeAll(async () => {
    hub = await startTestHub({ ESTF_HOURLY_DIGEST_INTERVAL: '1s' });
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    [county, fresno] = await Promise.all([makeUser(hub.deps, 'county-los-angeles', ['ANALYST']), makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'])]);
    workers = await startWorkers(hub.deps);
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
  });

  it('an hourly digest period shortened by ESTF_HOURLY_DIGEST_INTERVAL runs on that period', { timeout: 30_000 }, async () => {
    const receiver = await startWebhookReceiver();
    try {
      await hub.gql(fresno.token, CREATE, { input: { name: 'Every second', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'HOURLY_DIGEST' } });
      const filed = (await hub.gql(county.token, FILE, { input: { title: 'Digest me', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
      await receiver.waitFor(1, 15_000);
      const body = JSON.parse(receiver.requests[0]!.body);
      expect(body.type).toBe('alert.digest');
      expect(body.incidents.map((i: any) => i.reference)).toEqual([filed.reference]);
    } finally {
      await receiver.close();
    }
  });

  it('immediate alerts arrive in cursor order and name the kind of their event', { timeout: 30_000 }, async () => {
    const receiver = await startWebhookReceiver();
    try {
      await hub.gql(fresno.token, CREATE, { input: { name: 'Everything now', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'IMMEDIATE' } });
      const filed = [];
      for (let i = 0; i < 6; i++) {
        filed.push((await hub.gql(county.token, FILE, { input: { title: `Alert ${i}`, summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident);
      }
      await receiver.waitFor(6, 15_000);
      const bodies = receiver.requests.map((r) => JSON.parse(r.body));
      expect(bodies.map((b) => b.event?.kind)).toEqual(Array(6).fill('incident.filed'));
      const cursors = bodies.map((b) => Number(b.cursor));
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      expect(bodies.map((b) => b.incidents[0].reference)).toEqual(filed.map((f) => f.reference));
      await until(async () => (await hub.db.selectFrom('alert_deliveries').select('id').where('status', '=', 'DELIVERED').where('kind', '=', 'EVENT').execute()).length === 6);
    } finally {
      await receiver.close();
    }
  });
});

describe('immediate alerts of events handled out of order', () => {
  let hub: TestHub;
  let workers: RunningWorkers | null = null;
  let county: TestUser, fresno: TestUser;

  beforeAll(async () => {
    // No workers at first: the test itself hands the events to the subscription matcher, in the order it chooses.
    hub = await startTestHub();
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    [county, fresno] = await Promise.all([makeUser(hub.deps, 'county-los-angeles', ['ANALYST']), makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'])]);
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
  });

  /** The outbox event of a filed incident, as the events worker hands it to its handlers. */
  async function eventOf(incidentId: string) {
    const r = await hub.db.selectFrom('outbox').selectAll().where('aggregate_id', '=', incidentId).where('topic', '=', 'incident.filed').executeTakeFirstOrThrow();
    return { outboxId: Number(r.id), topic: r.topic, aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, payload: r.payload as Record<string, unknown> };
  }

  it('the alert of a later event waits for the earlier event to be matched, then both go out in cursor order', { timeout: 30_000 }, async () => {
    const receiver = await startWebhookReceiver();
    try {
      await hub.gql(fresno.token, CREATE, { input: { name: 'In order', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'IMMEDIATE' } });
      const first = (await hub.gql(county.token, FILE, { input: { title: 'First', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
      const second = (await hub.gql(county.token, FILE, { input: { title: 'Second', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
      // Relayed already as far as the relay knows: only this test hands them to the matcher.
      await hub.db.updateTable('outbox').set({ published_at: new Date() }).where('published_at', 'is', null).execute();
      const [e1, e2] = [await eventOf(first.id), await eventOf(second.id)];
      expect(e1.outboxId).toBeLessThan(e2.outboxId);
      workers = await startWorkers(hub.deps);

      // The later event is matched first (another events worker was quicker): its alert must not overtake.
      await hub.deps.subscriptionJobs.onEvent(e2);
      await new Promise((r) => setTimeout(r, 2_000));
      expect(receiver.requests).toHaveLength(0);

      await hub.deps.subscriptionJobs.onEvent(e1);
      await receiver.waitFor(2, 15_000);
      const bodies = receiver.requests.map((r) => JSON.parse(r.body));
      expect(bodies.map((b) => Number(b.cursor))).toEqual([e1.outboxId, e2.outboxId]);
      expect(bodies.map((b) => b.incidents[0].reference)).toEqual([first.reference, second.reference]);
    } finally {
      await receiver.close();
    }
  });

  it('an earlier event never matched (its job lost) holds a later alert back only for a bounded time', { timeout: 30_000 }, async () => {
    const receiver = await startWebhookReceiver();
    try {
      await hub.db.updateTable('alert_subscriptions').set({ deleted_at: new Date() }).execute();
      await hub.gql(fresno.token, CREATE, { input: { name: 'Not forever', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'IMMEDIATE' } });
      // An event whose job was lost: relayed as far as the outbox says, never handed to the matcher.
      await sql`insert into outbox (topic, aggregate_type, aggregate_id, payload, published_at)
                values ('incident.filed', 'Incident', '00000000-0000-0000-0000-000000000002', '{}'::jsonb, now())`.execute(hub.db);
      const later = (await hub.gql(county.token, FILE, { input: { title: 'After a lost one', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })).data.fileIncident;
      await until(async () => (await hub.db.selectFrom('alert_deliveries').select('id').where('outbox_to', '=', (await eventOf(later.id)).outboxId).execute()).length === 1);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(receiver.requests).toHaveLength(0);
      // Past the bound (as if it had waited that long): it goes out anyway.
      await sql`update alert_deliveries set created_at = now() - interval '10 minutes' where status = 'PENDING'`.execute(hub.db);
      await receiver.waitFor(1, 15_000);
      expect(JSON.parse(receiver.requests[0]!.body).incidents[0].reference).toBe(later.reference);
    } finally {
      await receiver.close();
    }
  });
});
