import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { QUEUE_NAMES } from '../src/infra/queues.js';
import { startWorkers } from '../src/worker/runtime.js';
import { startEstfReady, stopEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { hubOn, startOwnPostgres } from './support/own-postgres.js';

/**
 * Paging under faults (issue 12): a PostgreSQL outage with sends in flight, a worker killed with SIGKILL
 * mid-send, a receiver that keeps failing, a receiver that hangs. Real processes (`estf work`), a
 * PostgreSQL cluster of the test's own that it stops and starts, real receivers on 127.0.0.1. Intervals
 * are short (reconciler 300-500 ms, webhook timeouts of seconds) so that the file stays quick.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A receiver whose answer is decided per request: a status, 'hang' (never answers), or a delay first. */
interface Receiver {
  url: string;
  requests: Array<{ id: string; body: any; at: number; path: string; answered: number | null }>;
  respond: (req: { path: string; count: number }) => number | 'hang' | { status: number; delayMs: number };
  /** Distinct webhook-ids answered 2xx. */
  delivered(): Set<string>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const open = new Set<http.ServerResponse>();
  const r: Receiver = {
    url: '',
    requests: [],
    respond: () => 200,
    delivered: () => new Set(r.requests.filter((q) => q.answered !== null && q.answered < 300).map((q) => q.id)),
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const entry = { id: String(req.headers['webhook-id']), body: JSON.parse(body || '{}'), at: Date.now(), path: req.url ?? '', answered: null as number | null };
      r.requests.push(entry);
      const answer = r.respond({ path: entry.path, count: r.requests.length });
      if (answer === 'hang') {
        open.add(res);
        return;
      }
      const { status, delayMs } = typeof answer === 'number' ? { status: answer, delayMs: 0 } : answer;
      setTimeout(() => {
        if (res.destroyed) return;
        entry.answered = status;
        res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}


interface Scenario {
  county: TestUser;
  /** On call at sos/security-duty (paged by the test's rule). */
  duty: TestUser;
}

/** Only the test's rule: CRITICAL RANSOMWARE pages sos/security-duty (and, if given, cal-oes/csic-watch). */
async function scenario(hub: TestHub, methods: string[], watch?: { methods: string[] }): Promise<Scenario & { watch?: TestUser }> {
  const [county, coordinator, duty, watcher] = await Promise.all([
    makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
    makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
    makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
    makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch'),
  ]);
  const oncall = hub.deps.services.oncall;
  await oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
  for (const target of methods) await oncall.addContactMethod(sys, { email: duty.email, kind: 'WEBHOOK', target });
  const targets = [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }];
  if (watch) {
    await oncall.setSchedule(sys, { organization: 'cal-oes', duty: 'csic-watch', participants: [watcher.email], shiftLengthHours: 24, handoffTime: '09:00' });
    for (const target of watch.methods) await oncall.addContactMethod(sys, { email: watcher.email, kind: 'WEBHOOK', target });
    targets.push({ kind: 'DUTY', organization: 'cal-oes', duty: 'csic-watch' });
  }
  await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
  const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
    input: { name: 'reliability', severityAtLeast: 'CRITICAL', categories: ['RANSOMWARE'], levels: [{ ackTimeoutSeconds: 3600, targets }] },
  });
  expect(rule.errors).toBeUndefined();
  return { county, duty, watch: watch ? watcher : undefined };
}

async function fileIncident(hub: TestHub, s: Scenario, title: string): Promise<{ id: string; reference: string; filedAt: number }> {
  const filedAt = Date.now();
  const r = await hub.gql(s.county.token, FILE, { input: { title, summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN' } });
  expect(r.errors).toBeUndefined();
  return { ...r.data.fileIncident, filedAt };
}

const children = new Set<ChildProcess>();

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return stopEstf(child, signal, children);
}

/** `estf work` against the hub's database and queue prefix; resolves once it says it is ready. */
async function startWorkerProcess(hub: TestHub, env: Record<string, string>): Promise<ChildProcess & { output: () => string }> {
  return startEstfReady(['work'], {
    DATABASE_URL: hub.dbUrl,
    REDIS_URL: hub.config.redis.url,
    ESTF_QUEUE_PREFIX: hub.config.queuePrefix,
    ESTF_DEMO: 'false',
    ESTF_DATA_DIR: os.tmpdir(),
    LOG_LEVEL: 'warn',
    ...env,
  }, children);
}

afterAll(async () => {
  for (const c of children) await stopChild(c, 'SIGKILL');
});

function cleanupsOf(onTestFinished: (fn: () => Promise<void>) => void): Array<() => Promise<unknown>> {
  const list: Array<() => Promise<unknown>> = [];
  onTestFinished(async () => {
    while (list.length) await list.pop()!().catch(() => {});
  });
  return list;
}

/** The notifications of the test's rule, with their status. */
function notificationsOf(hub: TestHub) {
  return hub.db.selectFrom('notifications').select(['id', 'status', 'attempts', 'incident_id', 'delivered_at']).execute();
}

describe.concurrent('paging under faults', () => {
  it(
    'PostgreSQL stopped with sends in flight: the worker process lives on, LISTENs again, every page is delivered; the API answers 503 with Retry-After and a code',
    { timeout: 150_000 },
    async ({ onTestFinished }) => {
      const cleanups = cleanupsOf(onTestFinished);
      const pg = await startOwnPostgres();
      cleanups.push(() => pg.destroy());
      await pg.createDatabase('estf');
      const env = {
        ESTF_RECONCILE_INTERVAL: '500ms',
        // Only LISTEN (or the reconciler) wakes the relay: a long poll shows whether LISTEN came back.
        ESTF_OUTBOX_POLL_INTERVAL: '60s',
        ESTF_WEBHOOK_TIMEOUT: '2s',
        ESTF_DELIVERY_BACKOFF: '300ms',
        ESTF_DELIVERY_MAX_ATTEMPTS: '30',
        ESTF_HEARTBEAT_INTERVAL: '300ms',
      };
      const hub = await hubOn(pg.url('estf'), env);
      cleanups.push(() => hub.close());
      const receiver = await startReceiver();
      cleanups.push(() => receiver.close());
      const [s, worker] = await Promise.all([scenario(hub, [`${receiver.url}/duty`]), startWorkerProcess(hub, env)]);
      cleanups.push(() => stopChild(worker, 'SIGKILL'));

      receiver.respond = () => 'hang';
      const incidents = [];
      for (let i = 0; i < 3; i++) incidents.push(await fileIncident(hub, s, `Ransomware during an outage ${i}`));
      await until('three sends in flight', async () => receiver.requests.length >= 3, 15_000);

      await pg.stop();
      // The sends in flight time out meanwhile (2 s): their attempts cannot be recorded.
      await sleep(3_000);
      expect(worker.exitCode).toBeNull();
      expect(worker.signalCode).toBeNull();
      // During the outage: a GraphQL error with a code and a 503 that says when to come back.
      const res = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.county.token}` },
        body: JSON.stringify({ query: '{ me { email } }' }),
      });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await res.json()) as any;
      expect(body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');

      receiver.respond = () => 200;
      await pg.start();
      await until(
        'every page delivered after the outage',
        async () => {
          const rows = await notificationsOf(hub);
          return rows.length === 3 && rows.every((n) => n.status === 'DELIVERED') && receiver.delivered().size === 3;
        },
        30_000,
      );
      expect([...receiver.delivered()].sort()).toEqual((await notificationsOf(hub)).map((n) => n.id).sort());
      // The relay LISTENs again (it had one attempt, its failure swallowed).
      await until(
        'the outbox relay LISTENs again',
        async () => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where application_name = 'estf-outbox-relay' and query ilike 'listen%'`.execute(hub.db);
          return rows[0]!.n > 0;
        },
        10_000,
      );
      expect(worker.exitCode).toBeNull();
      expect(worker.signalCode).toBeNull();
    },
  );

  it(
    'kill -9 of the worker whose first attempt is in flight: another worker delivers the page within two reconciler intervals of the heartbeat going stale',
    { timeout: 150_000 },
    async ({ onTestFinished }) => {
      const cleanups = cleanupsOf(onTestFinished);
      const env = { ESTF_RECONCILE_INTERVAL: '300ms', ESTF_WEBHOOK_TIMEOUT: '60s', ESTF_HEARTBEAT_INTERVAL: '200ms' };
      const hub = await startTestHub(env);
      cleanups.push(() => hub.close());
      const receiver = await startReceiver();
      cleanups.push(() => receiver.close());
      const [s, first] = await Promise.all([scenario(hub, [`${receiver.url}/duty`]), startWorkerProcess(hub, env)]);
      cleanups.push(() => stopChild(first, 'SIGKILL'));
      // The first send hangs; every later one is answered.
      receiver.respond = ({ count }) => (count === 1 ? 'hang' : 200);
      const incident = await fileIncident(hub, s, 'Ransomware: worker killed mid-send');
      await until('the first attempt in flight', async () => receiver.requests.length >= 1, 15_000);
      // The second worker starts while the first one's send hangs (reconciler rounds run meanwhile).
      const second = await startWorkerProcess(hub, env);
      cleanups.push(() => stopChild(second));
      await stopChild(first, 'SIGKILL');
      const killedAt = Date.now();
      await until('the page delivered by the second worker', async () => receiver.delivered().size === 1, 20_000);
      const recovery = receiver.requests.find((r) => r.answered === 200)!.at - killedAt;
      // Stale after 3 heartbeats (600 ms), then at most two reconciler rounds (600 ms), with slack.
      expect(recovery).toBeLessThan(3_000);
      const [n] = await until('the page recorded as delivered', async () => {
        const rows = await notificationsOf(hub);
        return rows[0]?.status === 'DELIVERED' ? rows : null;
      });
      expect(n!.incident_id).toBe(incident.id);
      // Same id on both requests: a receiver de-duplicates on webhook-id.
      expect(new Set(receiver.requests.map((r) => r.id)).size).toBe(1);
    },
  );

  it('a receiver that keeps failing: one retry chain at the configured backoff, a log line per failed attempt and one for the abandoned page', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const lines: any[] = [];
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: '100ms', ESTF_DELIVERY_BACKOFF: '400ms', ESTF_DELIVERY_MAX_ATTEMPTS: '4' });
    cleanups.push(() => hub.close());
    // The engine's log lines, as an operator would read them.
    const logger = hub.deps.logger as any;
    for (const level of ['warn', 'error']) {
      const original = logger[level].bind(logger);
      logger[level] = (obj: any, msg?: string) => {
        lines.push({ level, msg, ...(typeof obj === 'object' ? obj : {}) });
        return original(obj, msg);
      };
    }
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    // A slow failure: the reconciler runs several times while the first attempt is in flight.
    receiver.respond = () => ({ status: 500, delayMs: 350 });
    const s = await scenario(hub, [`${receiver.url}/duty`]);
    const workers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());
    await fileIncident(hub, s, 'Ransomware: receiver failing');
    // Stale jobs for the first attempt, arriving after it was made (a reconciler round that read the row
    // before the attempt, a job left from before a restart): each must be a no-op, not an early attempt.
    const first = await until('the first attempt recorded', async () => {
      const rows = await notificationsOf(hub);
      return rows[0]?.attempts === 1 ? rows[0] : null;
    });
    await hub.deps.queues.delivery.add('deliver', { notificationId: first.id }, { jobId: `stale-${first.id}` });
    await hub.deps.queues.delivery.add('deliver', { notificationId: first.id, attempt: 0, dueMs: first.delivered_at?.getTime() ?? Date.now() - 1_000 }, { jobId: `stale-0-${first.id}` });
    const [n] = await until('the page abandoned', async () => {
      const rows = await notificationsOf(hub);
      return rows.length === 1 && rows[0]!.status === 'FAILED' ? rows : null;
    }, 20_000);
    await sleep(1_000);
    const attempts = await hub.db.selectFrom('delivery_attempts').select(['at']).where('notification_id', '=', n!.id).orderBy('at').execute();
    // Each wait at least the backoff of its attempt (400, 800, 1600 ms after a 350 ms answer).
    const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(350 + 400 * 2 ** i - 50));
    expect(attempts).toHaveLength(4);
    expect(receiver.requests).toHaveLength(4);
    // The first attempt and the abandonment are logged (later attempts of the same endpoint are throttled).
    expect(lines.filter((l) => l.msg === 'delivery attempt failed').length).toBeGreaterThanOrEqual(1);
    const abandoned = lines.filter((l) => l.msg === 'page abandoned: no further attempt will be made');
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toMatchObject({ notificationId: n!.id, attempt: 4, endpoint: receiver.url });
  });

  it('hanging endpoints keep to their share: pages to a healthy endpoint and acknowledgements keep their quiet latency', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: '300ms', ESTF_WEBHOOK_TIMEOUT: '8s' });
    cleanups.push(() => hub.close());
    const hanging = await startReceiver();
    hanging.respond = () => 'hang';
    const healthy = await startReceiver();
    cleanups.push(() => hanging.close(), () => healthy.close());
    // The sos duty has 8 webhooks that hang; the Cal OES watch one that answers at once.
    const s = await scenario(
      hub,
      Array.from({ length: 8 }, (_, i) => `${hanging.url}/hook-${i}`),
      { methods: [`${healthy.url}/watch`] },
    );
    const workers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());
    const incidents = [];
    for (let i = 0; i < 4; i++) incidents.push(await fileIncident(hub, s, `Ransomware with hanging receivers ${i}`));
    await until('every healthy page delivered', async () => healthy.delivered().size === 4, 6_000);
    const latencies = incidents.map((inc) => healthy.requests.find((r) => r.body.incident?.reference === inc.reference)!.at - inc.filedAt);
    // Quiet: ~100 ms; behind the hanging sends (before): the 8 s webhook timeout. Slack for a loaded machine.
    expect(Math.max(...latencies)).toBeLessThan(3_000);
    // An acknowledgement does not wait for the sends in flight.
    const esc = await hub.db.selectFrom('escalations').select('id').where('incident_id', '=', incidents[0]!.id).executeTakeFirstOrThrow();
    const started = performance.now();
    const acked = await hub.gql(s.watch!.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: esc.id });
    const ackMs = performance.now() - started;
    expect(acked.errors).toBeUndefined();
    expect(acked.data.acknowledgeEscalation.state).toBe('ACKNOWLEDGED');
    expect(ackMs).toBeLessThan(1_000);
  });

  it('an event job that failed for good (attempts spent in an outage, or stalled twice) is retried by the reconciler: the incident is paged', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: '300ms' });
    cleanups.push(() => hub.close());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const s = await scenario(hub, [`${receiver.url}/duty`]);
    // Filed while no worker ran; its outbox row counts as relayed, and its only trace is a job that failed.
    const incident = await fileIncident(hub, s, 'Ransomware: event job failed');
    const row = await hub.db.selectFrom('outbox').selectAll().where('aggregate_id', '=', incident.id).where('topic', '=', 'incident.filed').executeTakeFirstOrThrow();
    await hub.db.updateTable('outbox').set({ published_at: new Date() }).execute();
    const data = { outboxId: row.id, topic: row.topic, aggregateType: row.aggregate_type, aggregateId: row.aggregate_id, payload: row.payload };
    await hub.deps.queues.events.add(row.topic, data, { jobId: `outbox-${hub.deps.instanceId}-${row.id}`, attempts: 1 });
    const failing = new Worker(QUEUE_NAMES.events, async () => {
      throw new Error('connection terminated unexpectedly');
    }, { connection: hub.deps.workerRedis, prefix: hub.deps.queues.prefix });
    await until('the event job failed', async () => (await hub.deps.queues.events.getFailedCount()) === 1);
    await failing.close();

    const workers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());
    await until('the incident paged', async () => receiver.delivered().size === 1, 10_000);
  });

  it('a timer job held by a worker that died (active in Redis, never finished): the reconciler pages within intervals, not at the stalled-job check', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_RECONCILE_INTERVAL: '300ms' });
    cleanups.push(() => hub.close());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const s = await scenario(hub, [`${receiver.url}/duty`]);
    const incident = await fileIncident(hub, s, 'Ransomware: timer held by a dead worker');
    await hub.db.updateTable('outbox').set({ published_at: new Date() }).execute();
    // The router committed the escalation; its timer job was taken by a worker that then died mid-job.
    const token = crypto.randomUUID();
    const esc = await sql<{ id: string }>`
      insert into escalations (incident_id, rule_id, rule_name, policy, state, level, loop, timer_token, next_fire_at)
      select ${incident.id}, id, name, policy, 'ACTIVE', 0, 0, ${token}, now() - interval '1 second'
      from routing_rules where name = 'reliability' returning id`.execute(hub.db);
    const escalationId = esc.rows[0]!.id;
    await hub.deps.queues.timers.add('fire', { escalationId, token }, { jobId: `t-${escalationId}-${token}` });
    let taken = false;
    const dead = new Worker(QUEUE_NAMES.timers, async () => {
      taken = true;
      await new Promise(() => {});
    }, { connection: hub.deps.workerRedis.duplicate(), prefix: hub.deps.queues.prefix });
    cleanups.push(() => dead.close(true));
    await until('the timer job taken by the dying worker', async () => taken);
    expect(await (await hub.deps.queues.timers.getJob(`t-${escalationId}-${token}`))!.getState()).toBe('active');

    const startedAt = Date.now();
    const workers = await startWorkers(hub.deps);
    cleanups.push(() => workers.close());
    await until('level 1 paged', async () => receiver.delivered().size === 1, 10_000);
    // BullMQ's stalled-job check would take 30 s and more.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('a Redis outage is logged a few lines per 10 s, not a line per reconnect attempt', { timeout: 90_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const port = await freePort();
    const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', os.tmpdir()], { stdio: 'ignore' });
    children.add(redisServer);
    cleanups.push(() => stopChild(redisServer, 'SIGKILL'));
    const url = `redis://127.0.0.1:${port}`;
    await until('redis-server up', async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    });
    const hub = await startTestHub({ REDIS_URL: url }, { http: false });
    cleanups.push(() => hub.close());
    const worker = await startWorkerProcess(hub, { REDIS_URL: url, ESTF_RECONCILE_INTERVAL: '300ms' });
    cleanups.push(() => stopChild(worker, 'SIGKILL'));

    await stopChild(redisServer, 'SIGKILL');
    const before = worker.output().split('\n').length;
    await sleep(4_000);
    const lines = worker.output().split('\n').slice(before - 1).filter((l) => l.trim() !== '');
    // A line per queue and connection at most (about a dozen), not ~28 a second (110 here before).
    expect(lines.length).toBeGreaterThan(0);
    if (lines.length > 15) console.log(lines.join('\n'));
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(worker.exitCode).toBeNull();
  });

  it('/healthz/workers reflects live workers from their heartbeats', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const cleanups = cleanupsOf(onTestFinished);
    const hub = await startTestHub({ ESTF_HEARTBEAT_INTERVAL: '200ms' });
    cleanups.push(() => hub.close());
    const none = await fetch(`${hub.url}/healthz/workers`);
    expect(none.status).toBe(503);
    expect(((await none.json()) as any).live).toBe(0);
    const workers = await startWorkers(hub.deps);
    const live = await fetch(`${hub.url}/healthz/workers`);
    expect(live.status).toBe(200);
    expect(((await live.json()) as any).live).toBe(1);
    // A worker killed without a word (its heartbeat row stays): stale after three beats.
    await hub.db.updateTable('worker_heartbeats').set({ last_beat_at: new Date(Date.now() - 60_000) }).execute();
    await workers.close();
    await hub.db
      .insertInto('worker_heartbeats')
      .values({ worker_id: 'dead', hostname: 'h', pid: 1, started_at: new Date(Date.now() - 60_000), last_beat_at: new Date(Date.now() - 60_000) })
      .execute();
    const dead = await fetch(`${hub.url}/healthz/workers`);
    expect(dead.status).toBe(503);
    expect(((await dead.json()) as any).workers).toEqual([expect.objectContaining({ id: 'dead', live: false })]);
  });
});
