import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { QUEUE_NAMES } from '../src/infra/queues.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { startEstfReady, stopEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';

/**
 * The fault tests of the escalation flow (architecture.md, "The flow of an escalation", step 6): a worker
 * killed with SIGKILL mid-escalation, Redis emptied by FLUSHALL, and a crash between a commit and its
 * enqueue. Real processes, a real Redis, a real PostgreSQL, real webhook receivers on 127.0.0.1. Each
 * test owns its hub (database, queue prefix) and its receiver; the FLUSHALL test owns its Redis server.
 * The receivers answering 500 three times or never are covered by escalations.test.ts.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const RECONCILE = '500ms';
/** Long enough that the fault reliably lands while level 2 is pending, even on a loaded machine. */
const LEVEL1_SECONDS = 4;

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Scenario {
  hub: TestHub;
  receiver: WebhookReceiver;
  county: TestUser;
  /** On call at level 1 (sos/security-duty) and level 2 (sos/security-lead), one webhook each. */
  first: TestUser;
  second: TestUser;
}

/**
 * A hub with only the test's rule: CRITICAL RANSOMWARE pages sos/security-duty, then after
 * `level1Seconds` sos/security-lead (whose timeout is long: one page per level in a test's time).
 */
async function scenario(hub: TestHub, level1Seconds: number): Promise<Scenario> {
  const receiver = await startWebhookReceiver();
  const [county, coordinator, first, second] = await Promise.all([
    makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
    makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
    makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
    makeUser(hub.deps, 'sos', ['ANALYST'], 'lead'),
  ]);
  const oncall = hub.deps.services.oncall;
  for (const [duty, u] of [
    ['security-duty', first],
    ['security-lead', second],
  ] as const) {
    await oncall.setSchedule(sys, { organization: 'sos', duty, participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await oncall.addContactMethod(sys, { email: u.email, kind: 'WEBHOOK', target: receiver.url });
  }
  await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
  const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
    input: {
      name: 'fault-critical',
      severityAtLeast: 'CRITICAL',
      categories: ['RANSOMWARE'],
      levels: [
        { ackTimeoutSeconds: level1Seconds, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] },
        { ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-lead' }] },
      ],
    },
  });
  expect(rule.errors).toBeUndefined();
  return { hub, receiver, county, first, second };
}

async function fileIncident(s: Scenario, title: string): Promise<{ id: string; reference: string }> {
  const r = await s.hub.gql(s.county.token, FILE, { input: { title, summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN' } });
  expect(r.errors).toBeUndefined();
  return r.data.fileIncident;
}

/** The webhook pages the receiver got for an incident, by 1-based level. */
function pagesOf(s: Scenario, reference: string, level?: number) {
  return s.receiver.requests
    .map((r) => ({ id: String(r.headers['webhook-id']), body: JSON.parse(r.body) as { type: string; level: number; incident: { reference: string } } }))
    .filter((r) => r.body.incident.reference === reference && (level === undefined || r.body.level === level));
}

/** The escalation of an incident and its notifications, each with its attempts. */
async function escalationOf(hub: TestHub, incidentId: string) {
  const esc = await hub.db.selectFrom('escalations').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
  if (!esc) return null;
  const notifications = await hub.db.selectFrom('notifications').selectAll().where('escalation_id', '=', esc.id).orderBy('level').execute();
  const attempts = notifications.length
    ? await hub.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where(
          'notification_id',
          'in',
          notifications.map((n) => n.id),
        )
        .execute()
    : [];
  return { esc, notifications: notifications.map((n) => ({ ...n, attempts: attempts.filter((a) => a.notification_id === n.id) })) };
}

/**
 * Exactly once: every page the receiver got has its own webhook-id (a redelivery would repeat it), and
 * every notification was delivered with exactly one attempt, to the expected users at the expected levels.
 */
async function expectPagedOnce(s: Scenario, incident: { id: string; reference: string }, levels: Array<[number, TestUser]>) {
  const pages = pagesOf(s, incident.reference);
  const ids = pages.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(pages.map((p) => p.body.level).sort()).toEqual(levels.map(([l]) => l).sort());
  const view = (await escalationOf(s.hub, incident.id))!;
  expect(view.notifications.map((n) => [n.level + 1, n.recipient_user_id])).toEqual(levels.map(([l, u]) => [l, u.id]));
  for (const n of view.notifications) {
    expect(n.status).toBe('DELIVERED');
    expect(n.attempts.map((a) => a.outcome)).toEqual(['DELIVERED']);
    expect(ids).toContain(n.id);
  }
}

// ── Child processes the tests start, and stop, by pid ─────────────────────────────────────────────────

const children = new Set<ChildProcess>();

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return stopEstf(child, signal, children);
}

/** `estf work` against the test's database and queue prefix; resolves once it says it is ready. */
async function startWorkerProcess(hub: TestHub): Promise<ChildProcess> {
  return startEstfReady(['work'], {
    DATABASE_URL: hub.dbUrl,
    REDIS_URL: hub.config.redis.url,
    ESTF_QUEUE_PREFIX: hub.config.queuePrefix,
    ESTF_RECONCILE_INTERVAL: RECONCILE,
    ESTF_DEMO: 'false',
    ESTF_DATA_DIR: os.tmpdir(),
    LOG_LEVEL: 'warn',
  }, children);
}

/** A Redis server of the test's own, so FLUSHALL never touches the shared one other files use. */
async function startOwnRedis(): Promise<{ url: string; child: ChildProcess; redis: Redis; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', os.tmpdir(), '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  children.add(child);
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
  redis.on('error', () => {});
  await until('redis-server up', async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    return redis
      .connect()
      .then(() => redis.ping())
      .then((p) => p === 'PONG')
      .catch(() => false);
  });
  return {
    url,
    child,
    redis,
    async stop() {
      redis.disconnect();
      await stopChild(child);
    },
  };
}

afterAll(async () => {
  for (const c of children) await stopChild(c, 'SIGKILL');
});

// ── The tests ─────────────────────────────────────────────────────────────────────────────────────────

/** Cleanups of one test, run last-in first-out when it finishes. */
function cleanupsOf(onTestFinished: (fn: () => Promise<void>) => void): Array<() => Promise<unknown>> {
  const list: Array<() => Promise<unknown>> = [];
  onTestFinished(async () => {
    while (list.length) await list.pop()!().catch(() => {});
  });
  return list;
}

// The tests own everything they touch (hub, receiver, Redis server), so they run side by side: most of
// their time is spent waiting for timers and for `estf work` to start.
describe.concurrent('escalation faults', () => {

  it('kill -9 of a worker process while level 2 is pending: another worker pages level 2, nothing is delivered twice', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: RECONCILE });
    cleanups.push(() => hub.close());
    // The worker process starts (seconds: tsx, the modules) while the test sets up its users and rule.
    const [s, worker1] = await Promise.all([scenario(hub, LEVEL1_SECONDS), startWorkerProcess(hub)]);
    cleanups.push(() => s.receiver.close());
    cleanups.push(() => stopChild(worker1, 'SIGKILL'));
    const incident = await fileIncident(s, 'Ransomware: worker killed');
    await s.receiver.waitFor(1, 8_000);
    // Level 1 is delivered and recorded; level 2's timer is a delayed job in Redis, due in a few seconds.
    await until('level 1 recorded as delivered', async () => {
      const v = await escalationOf(hub, incident.id);
      return v?.notifications.length === 1 && v.notifications[0]!.status === 'DELIVERED';
    });
    await stopChild(worker1, 'SIGKILL');
    expect(worker1.signalCode).toBe('SIGKILL');
    const atKill = (await escalationOf(hub, incident.id))!;
    expect(atKill.esc.level).toBe(1);
    expect(atKill.esc.next_fire_at!.getTime()).toBeGreaterThan(Date.now());
    expect(pagesOf(s, incident.reference, 2)).toHaveLength(0);

    const worker2 = await startWorkerProcess(hub);
    cleanups.push(() => stopChild(worker2));
    await until('level 2 paged by the second worker', async () => pagesOf(s, incident.reference, 2).length > 0, 10_000);
    // Two reconciler intervals and more: a duplicate would have arrived by now.
    await sleep(1_500);
    await expectPagedOnce(s, incident, [
      [1, s.first],
      [2, s.second],
    ]);
    const after = (await escalationOf(hub, incident.id))!;
    expect(after.esc.state).toBe('EXHAUSTED');
    expect(after.esc.last_paged_level).toBe(1);
  });

  it('FLUSHALL during an escalation: the reconciler rebuilds the timer from PostgreSQL and level 2 is paged once', async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const own = await startOwnRedis();
    cleanups.push(() => own.stop());
    const hub = await startTestHub({ REDIS_URL: own.url, ESTF_RECONCILE_INTERVAL: RECONCILE });
    cleanups.push(() => hub.close());
    const s = await scenario(hub, LEVEL1_SECONDS);
    cleanups.push(() => s.receiver.close());
    const workers: RunningWorkers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());

    const incident = await fileIncident(s, 'Ransomware: Redis flushed');
    await until('level 1 recorded as delivered', async () => {
      const v = await escalationOf(hub, incident.id);
      return v?.notifications.length === 1 && v.notifications[0]!.status === 'DELIVERED';
    });
    const esc = (await escalationOf(hub, incident.id))!.esc;
    const timerKey = `${hub.deps.queues.prefix}:timers:t-${esc.id}-${esc.timer_token}`;
    expect(await own.redis.exists(timerKey)).toBe(1);
    expect(esc.next_fire_at!.getTime()).toBeGreaterThan(Date.now() + 500);

    expect(await own.redis.flushall()).toBe('OK');
    expect(await own.redis.dbsize()).toBe(0);

    await until('level 2 paged after FLUSHALL', async () => pagesOf(s, incident.reference, 2).length > 0, 10_000);
    // The timer was rebuilt (same job id), not invented: it fired no earlier than it was due.
    const paged2 = s.receiver.requests.find((r) => JSON.parse(r.body).level === 2)!;
    expect(paged2.at).toBeGreaterThanOrEqual(esc.next_fire_at!.getTime() - 50);
    await sleep(1_500);
    await expectPagedOnce(s, incident, [
      [1, s.first],
      [2, s.second],
    ]);
    // And the reconciler itself survived the flush: its job scheduler is back in Redis.
    expect(await hub.deps.queues.maintenance.getJobScheduler('reconcile')).toBeTruthy();
  });

  it('a crash between commit and enqueue: an unrelayed outbox row and a timer only PostgreSQL knows are both paged exactly once', async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: RECONCILE });
    cleanups.push(() => hub.close());
    const s = await scenario(hub, 600);
    cleanups.push(() => s.receiver.close());

    // No worker runs: filing commits the incident and its outbox row, and nothing reaches Redis.
    const relayed = await fileIncident(s, 'Ransomware: filed while no worker ran');
    // The router committed an escalation (a due timer in SQL) and crashed before adding its timer job.
    const timed = await fileIncident(s, 'Ransomware: timer only in PostgreSQL');
    await hub.db.updateTable('outbox').set({ published_at: sql`now()` }).where('aggregate_id', '=', timed.id).execute();
    await sql`
      insert into escalations (incident_id, rule_id, rule_name, policy, state, level, loop, timer_token, next_fire_at)
      select ${timed.id}, id, name, policy, 'ACTIVE', 0, 0, gen_random_uuid(), now() - interval '1 second'
      from routing_rules where name = 'fault-critical'`.execute(hub.db);

    const unpublished = await hub.db.selectFrom('outbox').select('aggregate_id').where('published_at', 'is', null).execute();
    expect(unpublished.map((r) => r.aggregate_id)).toEqual([relayed.id]);
    const counts = await Promise.all([hub.deps.queues.events.getJobCounts(), hub.deps.queues.timers.getJobCounts()]);
    expect(counts.flatMap((c) => Object.values(c)).every((n) => n === 0)).toBe(true);
    await sleep(300);
    expect(s.receiver.requests).toHaveLength(0);

    const workers: RunningWorkers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());
    await until('both incidents paged', async () => pagesOf(s, relayed.reference).length > 0 && pagesOf(s, timed.reference).length > 0, 10_000);
    await sleep(1_500);
    await expectPagedOnce(s, relayed, [[1, s.first]]);
    await expectPagedOnce(s, timed, [[1, s.first]]);
    expect(s.receiver.requests).toHaveLength(2);
    expect(await hub.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute()).toEqual([]);
  });

  it('a burst of due timers wider than the connection pool, at a cold start: each pages once', async ({ onTestFinished }) => {
    // The test hub's pool has 5 connections and the timers worker runs 10 jobs at once. A fire that asked
    // the pool for a second connection (the acknowledgement-link key, read on first use) deadlocked here.
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: RECONCILE });
    cleanups.push(() => hub.close());
    const s = await scenario(hub, 600);
    cleanups.push(() => s.receiver.close());
    const incidents: Array<{ id: string; reference: string }> = [];
    for (let i = 0; i < 12; i++) incidents.push(await fileIncident(s, `Ransomware burst ${i}`));
    await hub.db.updateTable('outbox').set({ published_at: sql`now()` }).execute();
    await sql`
      insert into escalations (incident_id, rule_id, rule_name, policy, state, level, loop, timer_token, next_fire_at)
      select i.id, r.id, r.name, r.policy, 'ACTIVE', 0, 0, gen_random_uuid(), now()
      from incidents i cross join routing_rules r where r.name = 'fault-critical'`.execute(hub.db);

    // BullMQ's own event stream: a first-level timer job that threw (e.g. no connection within the pool's
    // timeout) is moved to delayed for a retry, or failed; a healthy one only waits and completes.
    const firstTimers = new Set(
      (await hub.db.selectFrom('escalations').select(['id', 'timer_token']).execute()).map((e) => `t-${e.id}-${e.timer_token}`),
    );
    const failures: string[] = [];
    const redis = new Redis(hub.config.redis.url, { maxRetriesPerRequest: null });
    const timerEvents = new QueueEvents(QUEUE_NAMES.timers, { connection: redis, prefix: hub.deps.queues.prefix });
    cleanups.push(async () => {
      await timerEvents.close();
      redis.disconnect();
    });
    for (const event of ['delayed', 'failed', 'retries-exhausted'] as const) {
      timerEvents.on(event, ({ jobId }: { jobId: string }) => {
        if (firstTimers.has(jobId)) failures.push(`${event} ${jobId}`);
      });
    }
    await timerEvents.waitUntilReady();

    const workers: RunningWorkers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());
    await until('every timer paged', async () => incidents.every((i) => pagesOf(s, i.reference).length > 0), 15_000);
    await sleep(1_000);
    for (const i of incidents) await expectPagedOnce(s, i, [[1, s.first]]);
    expect(failures).toEqual([]);
  });
});
