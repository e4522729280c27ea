import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay } from '../src/modules/outbox/outbox.jobs.js';
import { addOutboxEvents } from '../src/modules/outbox/outbox.repository.js';
import { markedUnlessSubscribedParts } from '../src/modules/subscriptions/subscriptions.repository.js';
import { QUEUE_NAMES } from '../src/infra/queues.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * Issue 17: the relay settles the alert matcher's work in its claiming statement when no immediate
 * subscription exists. An event only the matcher handles gets no job; one the matcher shares with other
 * handlers (incident.filed: the router) keeps its job, marked `matched`, so the matcher skips it. With an
 * immediate subscription nothing is marked and every job goes to the matcher as before.
 */

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`;
const CREATE = `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { subscription { id } } }`;

describe('the outbox relay settles the alert matcher', () => {
  let hub: TestHub;
  let analyst: TestUser;
  let admin: TestUser;
  let events: Queue;
  beforeAll(async () => {
    // No workers: the test relays by hand and reads the jobs it made.
    hub = await startTestHub();
    analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST']);
    admin = await makeUser(hub.deps, 'ei-isac', ['ORG_ADMIN', 'ANALYST']);
    events = new Queue(QUEUE_NAMES.events, { connection: { url: hub.deps.config.redis.url }, prefix: hub.deps.queues.prefix });
  });
  afterAll(async () => {
    await events?.close();
    await hub?.close();
  });

  const relay = () =>
    createOutboxRelay({
      db: hub.deps.db,
      databaseUrl: hub.deps.databaseUrl,
      queues: hub.deps.queues,
      logger: hub.deps.logger,
      pollMs: 60_000,
      instanceId: hub.deps.instanceId,
      handledTopics: new Set(['incident.filed', 'incident.commented']),
      settle: { topics: new Set(['incident.commented']), shared: new Set(['incident.filed']), parts: markedUnlessSubscribedParts },
    });
  const file = async (title: string) => {
    const r = await hub.gql(analyst.token, FILE, { input: { title, summary: 'Relay', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['county-orange'] } });
    expect(r.errors).toBeUndefined();
    return r.data.fileIncident.id as string;
  };
  // An event only the matcher handles, added as a service adds one.
  const comment = (incidentId: string) => hub.db.transaction().execute((trx) => addOutboxEvents(trx, [{ topic: 'incident.commented', aggregate: { type: 'Incident', id: incidentId } }]));
  const jobOf = async (outboxId: number) => events.getJob(`outbox-${hub.deps.instanceId}-${outboxId}`);
  const matched = async (ids: number[]) =>
    (await sql<{ outbox_id: number }>`select outbox_id from alert_matched_events where outbox_id = any(${ids}::bigint[])`.execute(hub.db)).rows.map((r) => Number(r.outbox_id)).sort();

  it('with no immediate subscription: marks both matched in the claiming transaction; the filing keeps its job (matched), the comment needs none', async () => {
    const id = await file('No subscription');
    const [commented] = await comment(id);
    const filed = Number((await sql<{ id: number }>`select id from outbox where topic = 'incident.filed' and aggregate_id = ${id}`.execute(hub.db)).rows[0]!.id);
    expect(await relay().relayOnce()).toBeGreaterThanOrEqual(2);
    expect(await matched([filed, commented!])).toEqual([filed, commented].sort());
    expect((await jobOf(filed))?.data).toMatchObject({ topic: 'incident.filed', aggregateId: id, matched: true });
    expect(await jobOf(commented!)).toBeUndefined();
    const published = await sql<{ n: number }>`select count(*)::int as n from outbox where id = any(${[filed, commented!]}::bigint[]) and published_at is not null`.execute(hub.db);
    expect(published.rows[0]!.n).toBe(2);
  });

  it('with an immediate subscription: marks nothing, and both go to the matcher as jobs without `matched`', async () => {
    const created = await hub.gql(admin.token, CREATE, {
      input: { name: 'SOC', organization: 'ei-isac', channels: ['EMAIL'], email: 'soc@ei-isac.test', mode: 'IMMEDIATE', filter: {} },
    });
    expect(created.errors).toBeUndefined();
    const id = await file('Subscribed');
    const [commented] = await comment(id);
    const filed = Number((await sql<{ id: number }>`select id from outbox where topic = 'incident.filed' and aggregate_id = ${id}`.execute(hub.db)).rows[0]!.id);
    expect(await relay().relayOnce()).toBeGreaterThanOrEqual(2);
    expect(await matched([filed, commented!])).toEqual([]);
    expect((await jobOf(filed))?.data.matched).toBeUndefined();
    expect((await jobOf(commented!))?.data).toMatchObject({ topic: 'incident.commented', aggregateId: id });
  });
});
