import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay } from '../src/modules/outbox/outbox.jobs.js';
import { QUEUE_NAMES } from '../src/infra/queues.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { until } from './support/until.js';

/**
 * Election night (issue 17): a flood of LOW filings and indicator reports is in the events queue when a
 * CRITICAL incident is filed. Its routing event must not wait behind the flood: it is taken first.
 */

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`;
const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { indicator { id } } }`;

describe('the events queue under a flood', () => {
  let hub: TestHub;
  let analyst: TestUser;
  beforeAll(async () => {
    // No workers: the outbox rows wait unrelayed until the test relays them all at once.
    hub = await startTestHub();
    analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST']);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('takes a CRITICAL filing before the LOW filings and indicator reports queued ahead of it, then HIGH, then MODERATE', async () => {
    const file = async (severity: string, title: string) => {
      const r = await hub.gql(analyst.token, FILE, { input: { title, summary: 'Flood', category: 'PHISHING', severity, tlp: 'GREEN', affectedCounties: ['county-orange'] } });
      expect(r.errors).toBeUndefined();
      return r.data.fileIncident.id as string;
    };
    for (let i = 0; i < 25; i++) {
      await file('LOW', `Phishing wave ${i}`);
      const r = await hub.gql(analyst.token, REPORT, { input: [{ type: 'DOMAIN', value: `wave-${i}.example-phish.com`, tlp: 'GREEN' }] });
      expect(r.errors).toBeUndefined();
    }
    const moderate = await file('MODERATE', 'E-poll book sync slow');
    const high = await file('HIGH', 'Voter registration database probed');
    const critical = await file('CRITICAL', 'Ransomware at the election office');

    const relay = createOutboxRelay({ db: hub.deps.db, databaseUrl: hub.deps.databaseUrl, queues: hub.deps.queues, logger: hub.deps.logger, pollMs: 60_000, instanceId: hub.deps.instanceId });
    expect(await relay.relayOnce()).toBeGreaterThanOrEqual(53);

    // One job at a time, in the queue's order.
    const order: Array<{ topic: string; id: string }> = [];
    const worker = new Worker(QUEUE_NAMES.events, async (job) => void order.push({ topic: job.data.topic, id: job.data.aggregateId }), {
      connection: { url: hub.deps.config.redis.url },
      prefix: hub.deps.queues.prefix,
      concurrency: 1,
    });
    try {
      await until(async () => order.length >= 53, 20_000);
    } finally {
      await worker.close();
    }
    const filed = order.filter((o) => o.topic === 'incident.filed').map((o) => o.id);
    expect(filed[0]).toBe(critical);
    expect(filed[1]).toBe(high);
    expect(filed[2]).toBe(moderate);
    expect(order[0]).toEqual({ topic: 'incident.filed', id: critical });
    // Every incident event before any indicator event: bulk reports wait for the people.
    const lastIncident = order.map((o) => o.topic.startsWith('incident.')).lastIndexOf(true);
    const firstIndicator = order.findIndex((o) => o.topic.startsWith('indicator.'));
    expect(firstIndicator).toBeGreaterThan(lastIncident);
  }, 60_000);
  it('puts only the topics a worker handles on the queue; the other rows are relayed (live, catch-up) without a job', async () => {
    const before = await hub.deps.queues.events.getJobCounts('prioritized', 'waiting', 'active', 'completed');
    const filed = await hub.gql(analyst.token, FILE, { input: { title: 'Handled topic', summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN', affectedCounties: ['county-orange'] } });
    expect(filed.errors).toBeUndefined();
    const reported = await hub.gql(analyst.token, REPORT, { input: [{ type: 'DOMAIN', value: 'unhandled-topic.example-phish.com', tlp: 'GREEN' }] });
    expect(reported.errors).toBeUndefined();
    const relay = createOutboxRelay({
      db: hub.deps.db, databaseUrl: hub.deps.databaseUrl, queues: hub.deps.queues, logger: hub.deps.logger, pollMs: 60_000, instanceId: hub.deps.instanceId,
      handledTopics: new Set(['incident.filed']),
    });
    expect(await relay.relayOnce()).toBe(2);
    const after = await hub.deps.queues.events.getJobCounts('prioritized', 'waiting', 'active', 'completed');
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(after) - total(before)).toBe(1);
    const unpublished = await hub.db.selectFrom('outbox').select('topic').where('published_at', 'is', null).execute();
    expect(unpublished).toEqual([]);
  }, 30_000);
});
