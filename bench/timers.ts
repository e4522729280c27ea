/**
 * `npm run bench -- timers`: the lateness of escalation timers (fired − due) over ≥ 1,000 timers of
 * 1–5 s, against raw BullMQ delayed jobs of the same delays (shared/design/benchmarks.md; target: p99
 * lateness ≤ the raw p99 + 50 ms).
 *
 *   npm run bench -- timers [--count 1000] [--min 1000] [--max 5000] [--rate 50] [--profile] [--keep]
 *
 * 1. A fresh database (CREATE DATABASE estf_bench_<random>), migrated and seeded by prepareDatabase;
 *    dropped at the end unless --keep.
 * 2. --count incidents filed through the incidents service (their outbox rows marked published: no
 *    routing runs during the measurement), and for each a real escalation row (a policy snapshot of one
 *    level paging sos/security-duty, whose on-call user has a WEBHOOK pointing at a receiver in this
 *    process), armed at a steady --rate (as levels are paged: the timer of the next level starts when a
 *    level is paged) with a delay drawn uniformly from [--min, --max] ms. With --rate 0 all are armed at
 *    once (a burst of COUNT timers falling due within 4 s).
 * 3. The workers as an operator runs them: `node bin/estf.js work`, NODE_ENV=production, production
 *    intervals (reconciler 30 s), private webhook targets allowed for the local receiver.
 * 4. Each timer scheduled as the engine schedules it (engine.scheduleTimer: a delayed BullMQ job
 *    {escalationId, token}, delay = due − now). A timer has fired when its processor's transaction
 *    began: fire() touches the escalation row, whose updated_at is that transaction's now(). Lateness =
 *    that − due. The time to the page's webhook is printed too.
 * 5. The baseline, in the same run, before and after: raw BullMQ delayed jobs of the same delays on the
 *    same Redis, armed at the same rate, a no-op Worker with the timers worker's concurrency (100);
 *    lateness = processed − due.
 *
 * --profile   CPU profile of the worker process (node --cpu-prof), summarized at the end
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { systemPrincipal } from '../src/access/principal.js';
import { createDeps, hubInstanceId } from '../src/deps.js';
import { createLogger } from '../src/infra/logger.js';
import type { EscalationPolicy } from '../src/modules/escalations/policy.js';
import {
  atRate,
  describeStats,
  epochMs,
  figures,
  flag,
  fmt,
  freshDatabase,
  log,
  machineLine,
  onCleanup,
  option,
  printProfiles,
  processCpuMs,
  queuePrefix,
  rawDelayedLateness,
  REDIS_URL,
  round,
  run,
  sleep,
  startHubProcess,
  startReceiver,
  stats,
} from './lib/escalation-rig.js';

const COUNT = option('count', 1_000);
const MIN_MS = option('min', 1_000);
const MAX_MS = option('max', 5_000);
// 50 timers armed a second (1,000 over 20 s) is 180,000 escalation levels an hour: far above any election
// night, and a steady load, not a burst.
const RATE = option('rate', 50);
const WARMUP = 50;
const TIMERS_CONCURRENCY = 100; // src/worker/runtime.ts
const TARGET_EXTRA_MS = 50;

run(async () => {
  log(`timers benchmark: lateness (fired − due) of ${COUNT} escalation timers of ${MIN_MS / 1000}–${MAX_MS / 1000} s, ${RATE ? `armed at ${RATE}/s` : 'armed at once'}`);
  log(machineLine());
  const { url, db, config: baseConfig, describe } = await freshDatabase();
  log(describe);
  const prefix = queuePrefix('timers');
  const config = { ...baseConfig, queuePrefix: prefix };
  const deps = createDeps(config, createLogger('warn'), { url, db, instanceId: await hubInstanceId(db) }, REDIS_URL);
  onCleanup(() => deps.close());

  // ── The people, the incidents, the escalation rows ────────────────────────────────────────────────
  const { services } = deps;
  const operator = systemPrincipal('bench');
  const user = async (organization: string, label: string) => {
    const email = `${label}@${organization}.bench`;
    await services.identity.createUser(operator, { email, name: `${label} of ${organization}`, organization, roles: ['ANALYST'] });
    return email;
  };
  const analystEmail = await user('county-los-angeles', 'analyst');
  const onCallEmail = await user('sos', 'oncall');
  const receiver = await startReceiver();
  await services.oncall.setSchedule(operator, { organization: 'sos', duty: 'security-duty', participants: [onCallEmail], shiftLengthHours: 24, handoffTime: '09:00' });
  await services.oncall.addContactMethod(operator, { email: onCallEmail, kind: 'WEBHOOK', target: receiver.url });
  await db.updateTable('routing_rules').set({ enabled: false }).execute();
  const { token } = await services.identity.issueApiToken(operator, { email: analystEmail });
  const analyst = (await services.identity.authenticate(token, { requestId: null, clientAddress: null }))!;

  log(`\nfiling ${COUNT + WARMUP} incidents…`);
  const incidentIds: string[] = [];
  for (let i = 0; i < COUNT + WARMUP; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, COUNT + WARMUP - i) }, (_, k) =>
        services.incidents.file(analyst, { title: `timer ${i + k}`, summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['county-los-angeles'] }),
      ),
    );
    incidentIds.push(...batch.map((r) => r.id));
  }
  await db.updateTable('outbox').set({ published_at: sql`now()` }).where('published_at', 'is', null).execute();

  const policy: EscalationPolicy = { levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }], repeatLastLevel: 1, notify: [] };
  const rule = await db.selectFrom('routing_rules').select(['id']).executeTakeFirstOrThrow();
  const delays = Array.from({ length: COUNT }, () => MIN_MS + Math.random() * (MAX_MS - MIN_MS));

  // ── The worker process ────────────────────────────────────────────────────────────────────────────
  const profileDir = flag('profile') ? fs.mkdtempSync(path.join(os.tmpdir(), 'estf-bench-prof-')) : undefined;
  const worker = await startHubProcess('work', { DATABASE_URL: url, REDIS_URL, ESTF_QUEUE_PREFIX: prefix, ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true' }, profileDir);
  log(`workers: node bin/estf.js work (NODE_ENV=production, reconciler ${config.intervals.reconcileMs} ms, timers concurrency ${TIMERS_CONCURRENCY})`);

  log(`\nbaseline (before): ${COUNT} raw BullMQ delayed jobs of the same delays, no-op Worker, concurrency ${TIMERS_CONCURRENCY}`);
  const rawBefore = await rawDelayedLateness(delays, TIMERS_CONCURRENCY, RATE || undefined);
  log(`  raw BullMQ           ${describeStats(stats(rawBefore))}`);

  // A short warm-up of the fire and delivery paths (JIT, connections), on incidents of its own, not measured.
  const warmIds = await warmUp(WARMUP);
  log(`  (warm-up: ${warmIds} timers fired)`);

  log(`\nmeasured: ${COUNT} escalation timers`);
  const received = new Map<string, number>();
  receiver.onPage = (body, at) => {
    const id = body?.escalationId as string | undefined;
    if (id && !received.has(id)) received.set(id, at);
  };
  const cpu0 = processCpuMs(worker.child.pid!);
  const armed = await armTimers(delays, incidentIds);
  const dueOf = new Map(armed.map((a) => [a.id, a.due]));
  const until = epochMs() + MAX_MS + 120_000;
  let fired: Array<{ id: string; updated_at: Date }> = [];
  for (;;) {
    fired = (await db.selectFrom('escalations').select(['id', 'updated_at']).where('id', 'in', armed.map((a) => a.id)).where('state', '=', 'EXHAUSTED').execute()) as typeof fired;
    const paged = [...received.keys()].filter((id) => dueOf.has(id)).length;
    if ((fired.length === armed.length && paged === armed.length) || epochMs() > until) break;
    await sleep(250);
  }
  const workerCpuMs = processCpuMs(worker.child.pid!) - cpu0;
  const lateness = stats(fired.map((f) => f.updated_at.getTime() - dueOf.get(f.id)!));
  const toWebhook = stats([...received].filter(([id]) => dueOf.has(id)).map(([id, at]) => at - dueOf.get(id)!));
  const notFired = armed.length - fired.length;
  log(`  lateness (fired − due)   ${describeStats(lateness)}${notFired ? `   ${notFired} never fired` : ''}`);
  log(`  due → webhook received   ${describeStats(toWebhook)}`);
  if (notFired > 0) log(`  the worker said:\n${worker.stderr().slice(-3000)}`);
  log(`  worker process CPU: ${fmt(workerCpuMs / 1000, 2)} s, ${fmt(workerCpuMs / COUNT, 2)} ms per timer (fire + delivery)`);

  log(`\nbaseline (after): ${COUNT} raw BullMQ delayed jobs of the same delays`);
  const rawAfter = await rawDelayedLateness(delays, TIMERS_CONCURRENCY, RATE || undefined);
  log(`  raw BullMQ           ${describeStats(stats(rawAfter))}`);
  const raw = stats([...rawBefore, ...rawAfter]);
  log(`  raw BullMQ, pooled   ${describeStats(raw)}`);

  // Exactly once: one page per escalation.
  const pages = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('escalation_id', 'in', armed.map((a) => a.id))
    .executeTakeFirstOrThrow();

  await worker.stop();
  if (profileDir) printProfiles(profileDir);

  const extra = lateness.p99 - raw.p99;
  const met = extra <= TARGET_EXTRA_MS && notFired === 0;
  const load = os.loadavg();
  log(`\nsummary (${os.cpus().length} cores shared by this process, the worker process, PostgreSQL and Redis; load average after: ${load.map((x) => x.toFixed(2)).join(' ')})`);
  log(`  escalation timers: lateness p50 ${fmt(lateness.p50, 2)} ms, p99 ${fmt(lateness.p99, 2)} ms over ${lateness.n} timers`);
  log(`  raw BullMQ delayed jobs: lateness p50 ${fmt(raw.p50, 2)} ms, p99 ${fmt(raw.p99, 2)} ms`);
  log(`  p99 ${fmt(extra, 1)} ms above the raw p99 (target ≤ ${TARGET_EXTRA_MS} ms): ${met ? 'MET' : 'MISSED'}; ${Number(pages.n)} pages for ${armed.length} timers`);
  log(
    JSON.stringify({
      bench: 'timers',
      timers: lateness.n,
      delaysMs: [MIN_MS, MAX_MS],
      p50: round(lateness.p50),
      p90: round(lateness.p90),
      p99: round(lateness.p99),
      max: round(lateness.max),
      notFired,
      pages: Number(pages.n),
      dueToWebhook: figures(toWebhook),
      workerCpuMsPerTimer: round(workerCpuMs / COUNT),
      baseline: { what: `raw BullMQ delayed jobs, same delays, no-op Worker, concurrency ${TIMERS_CONCURRENCY}, before and after, pooled`, ...figures(raw), before: figures(stats(rawBefore)), after: figures(stats(rawAfter)) },
      ratio: round(lateness.p99 / raw.p99, 2),
      p99AboveBaselineMs: round(extra),
      target: { p99AboveBaselineMs: TARGET_EXTRA_MS },
      met,
      cores: os.cpus().length,
      sharedCores: 'load generator, Node, PostgreSQL and Redis share the cores',
      loadavgAfter: round(load[0]!),
    }),
  );

  /**
   * Escalation rows, one per incident, each armed (row then timer, as the engine does when it pages a
   * level) at start + i / rate with due = its arming time + delays[i]; all at once when rate is 0.
   */
  async function armTimers(ds: readonly number[], incidents: readonly string[], rate = RATE): Promise<Array<{ id: string; due: number }>> {
    if (ds.length === 0) return [];
    const armed: Array<{ id: string; due: number }> = [];
    const arm = async (batch: Array<{ d: number; incident: string }>) => {
      const base = epochMs();
      const rows = batch.map((b) => ({ id: randomUUID(), token: randomUUID(), due: base + b.d, incident: b.incident }));
      await db
        .insertInto('escalations')
        .values(
          rows.map((r) => ({
            id: r.id,
            incident_id: r.incident,
            rule_id: rule.id,
            rule_name: `bench-timer-${r.id}`,
            policy: JSON.stringify(policy),
            state: 'ACTIVE',
            level: 0,
            loop: 0,
            timer_token: r.token,
            next_fire_at: new Date(r.due),
          })),
        )
        .execute();
      await Promise.all(rows.map((r) => deps.engine.scheduleTimer(r.id, r.token, new Date(r.due))));
      armed.push(...rows.map((r) => ({ id: r.id, due: r.due })));
    };
    if (rate > 0) {
      const pending: Array<Promise<void>> = [];
      await atRate(ds.length, rate, (i) => pending.push(arm([{ d: ds[i]!, incident: incidents[i]! }])));
      await Promise.all(pending);
    } else {
      const sorted = [...ds].sort((a, b) => a - b);
      for (let i = 0; i < sorted.length; i += 500) await arm(sorted.slice(i, i + 500).map((d, k) => ({ d, incident: incidents[i + k]! })));
    }
    const late = armed.filter((r) => r.due < epochMs()).length;
    if (late && rate === 0) log(`  note: ${late} timers were due before all were scheduled`);
    return armed;
  }

  async function warmUp(n: number): Promise<number> {
    const armed = await armTimers(
      Array.from({ length: n }, (_, i) => 200 + i * 10),
      incidentIds.slice(COUNT, COUNT + n),
      0,
    );
    const end = Date.now() + 60_000;
    for (;;) {
      const done = await db.selectFrom('escalations').select('id').where('id', 'in', armed.map((a) => a.id)).where('state', '=', 'EXHAUSTED').execute();
      if (done.length === armed.length || Date.now() > end) return done.length;
      await sleep(100);
    }
  }
});
