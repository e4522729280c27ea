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
