import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'bullmq';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { until } from './support/until.js';

/**
 * Two hubs (two databases) on one Redis with the same queue prefix setting, as a second checkout or a
 * staging hub next to production have by default. Found when one incident in four was never routed: the
 * other hub took its events job, found no such incident and completed it silently.
 */

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

describe('two hubs sharing one Redis', () => {
  // The same setting for both, like two hubs left at the default `{estf}` (a random tag keeps this test
  // away from a developer's running hub; the setting is what matters, not its value).
  const sharedPrefix = `{estf-shared-${randomBytes(3).toString('hex')}}`;
  let a: TestHub, b: TestHub;
  let workersA: RunningWorkers, workersB: RunningWorkers;
  let analystA: TestUser, analystB: TestUser;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestHub({ ESTF_QUEUE_PREFIX: sharedPrefix }), startTestHub({ ESTF_QUEUE_PREFIX: sharedPrefix })]);
    [workersA, workersB] = await Promise.all([startWorkers(a.deps), startWorkers(b.deps)]);
    [analystA, analystB] = await Promise.all([makeUser(a.deps, 'county-orange', ['ANALYST']), makeUser(b.deps, 'county-orange', ['ANALYST'])]);
  });
  afterAll(async () => {
    await workersA?.close();
    await workersB?.close();
    await a?.close();
    await b?.close();
  });

  it('scopes the queues to the hub database, keeping the Redis Cluster hash tag first', () => {
    expect(a.deps.queues.prefix).not.toBe(b.deps.queues.prefix);
    for (const hub of [a, b]) {
      expect(hub.deps.queues.prefix.startsWith(`${sharedPrefix}:`)).toBe(true);
      expect(hub.deps.queues.prefix).toContain(hub.deps.instanceId);
    }
  });

  it("routes each hub's incidents with its own workers only: none lost to the other hub", async () => {
    const filed: Array<{ hub: TestHub; id: string }> = [];
    for (let i = 0; i < 6; i++) {
      for (const [hub, user] of [
        [a, analystA],
        [b, analystB],
      ] as const) {
        const res = await hub.gql(user.token, FILE, {
          input: { title: `Ransomware ${i}`, summary: 'Files encrypted', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'AMBER', affectedCounties: ['county-orange'] },
        });
        expect(res.errors).toBeUndefined();
        filed.push({ hub, id: res.data.fileIncident.id });
      }
    }
    // Every incident gets the seeded `critical` escalation in its own hub's database.
    await until(async () => {
      for (const f of filed) {
        const esc = await f.hub.db.selectFrom('escalations').select('id').where('incident_id', '=', f.id).executeTakeFirst();
        if (!esc) return false;
      }
      return true;
    }, 10_000);
    // And each events job of a hub ran in that hub's queue only: the other hub's queue never saw it.
    for (const hub of [a, b]) {
      const jobs = await hub.deps.queues.events.getJobs(['completed', 'failed'], 0, 1000);
      expect(jobs.every((j) => j.id!.startsWith(`outbox-${hub.deps.instanceId}-`))).toBe(true);
      expect(await hub.deps.queues.events.getJobs(['failed'])).toEqual([]);
    }
  });

  it('fails a job that names an unknown object (logged and retried) instead of completing it', async () => {
    const ghost = randomUUID();
    const cases = [
      { queue: a.deps.queues.events, name: 'incident.filed', data: { outboxId: 999_999, topic: 'incident.filed', aggregateType: 'Incident', aggregateId: ghost, payload: {} } },
      { queue: a.deps.queues.timers, name: 'fire', data: { escalationId: ghost, token: randomUUID() } },
      { queue: a.deps.queues.delivery, name: 'page', data: { notificationId: ghost } },
      { queue: a.deps.queues.delivery, name: 'alert', data: { alertDeliveryId: ghost } },
    ];
    for (const c of cases) {
      const added = await c.queue.add(c.name, c.data, { jobId: `ghost-${randomUUID()}`, attempts: 2, backoff: { type: 'fixed', delay: 50 }, removeOnFail: false });
      const failed = await until(async () => {
        const job = await Job.fromId(c.queue, added.id!);
        return job && (await job.getState()) === 'failed' ? job : null;
      });
      // Retried before giving up, and the reason names what was unknown.
      // At least the two attempts given (a worker stalled under a loaded machine may add one).
      expect(failed.attemptsMade, c.name).toBeGreaterThanOrEqual(2);
      expect(failed.failedReason).toMatch(/unknown/i);
      expect(failed.failedReason).toContain(ghost);
    }
  });
});
