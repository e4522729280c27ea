/**
 * `npm run bench -- fanout`: one event → 1,000 SSE subscribers across 2 API processes; delivery latency
 * p50 / p99 and memory per subscriber, against a bare node:http SSE broadcaster fed by the same Redis
 * channel with the same 1,000 subscribers (shared/design/benchmarks.md; target p99 ≤ 100 ms, ≤ 50 KB per
 * subscriber).
 *
 *   npm run bench -- fanout [--subscribers 1000] [--events 20] [--interval 1000] [--tokens 50] [--keep] [--profile]
 *
 * --profile   CPU profiles of the two API processes (node --cpu-prof), summarized at the end
 *
 * 1. A fresh database (CREATE DATABASE estf_bench_<random>, migrated and seeded; dropped at the end
 *    unless --keep), routing rules disabled (no escalation events), one county analyst who files and
 *    --tokens VIEWER users of as many organizations, one token each, whose subscriptions share them.
 * 2. The hub as deployed: two `estf serve` processes and one `estf work` (the relay that publishes), all
 *    NODE_ENV=production, one Redis, their own queue prefix.
 * 3. Subscribers: plain node:http SSE requests from this process, half on each API process:
 *    `incidentEvents(filter: { severityAtLeast: HIGH })` with the incident and its organizations, each
 *    token re-authenticated every 2 s by the hub as in production.
 * 4. The clock: a probe process subscribed to the same Redis channel prints when each message arrives,
 *    i.e. when the relay published it. Latency = a subscriber's receipt of the event − that moment: the
 *    hub's part (read the event once per process, check each subscriber's rights and filter, execute the
 *    subscription's GraphQL, write SSE), exactly what the baseline does without the hub's work.
 * 5. Events: --events HIGH GREEN incidents filed over GraphQL, one per --interval ms, alternately through
 *    each API process; each must reach every subscriber.
 * 6. Memory: VmRSS of the two API processes before the subscribers connect (after a warm-up stream)
 *    and after they connected and received a few events, divided by the subscribers.
 * 7. The baseline in the same run, same counts, same client code: two bare broadcaster processes
 *    (bench/lib/fanout-peers.ts) fed by messages published on the same kind of channel.
 *
 * Everything (this process with its 1,000 client sockets, the API processes, the worker, PostgreSQL,
 * Redis and the baseline) shares the machine's cores: see the machine line.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { systemPrincipal } from '../src/access/principal.js';
import { createServices } from '../src/services.js';
import { liveChannel, livePrefix } from '../src/live/bus.js';
import { hubInstanceId } from '../src/deps.js';
import {
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
  REDIS_URL,
  ROOT,
  round,
  run,
  sleep,
  spawnChild,
  startHubProcess,
  stats,
  type ChildProc,
  type Stats,
} from './lib/escalation-rig.js';

const SUBSCRIBERS = Math.round(option('subscribers', 1_000));
const EVENTS = Math.round(option('events', 20));
const INTERVAL_MS = option('interval', 1_000);
const TOKENS = Math.max(1, Math.round(option('tokens', 50)));
const PROCESSES = 2;
const TARGET = { p99Ms: 100, kbPerSubscriber: 50 } as const;
const WARMUP_EVENTS = 3;

const SUBSCRIPTION = `subscription Partner($filter: IncidentEventFilter) {
  incidentEvents(filter: $filter) {
    cursor kind at change
    incident { id reference title severity status tlp category exercise reportedAt
      reportingOrganization { slug name } affectedCounties { slug name } }
  }
}`;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`;

// ── Processes ───────────────────────────────────────────────────────────────────────────────────────

const PEERS = path.join(ROOT, 'bench', 'lib', 'fanout-peers.ts');
// In-process through tsx's loader (not the tsx CLI, which runs the script in a child): the pid measured is the peer's.
const PEER_ARGS = ['--import', 'tsx', PEERS];
const PROFILE_DIR = flag('profile') ? fs.mkdtempSync(path.join(os.tmpdir(), 'estf-fanout-prof-')) : null;

async function until<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

async function startEstf(command: 'serve' | 'work', env: Record<string, string>): Promise<ChildProc & { url: string | null }> {
  const c = await startHubProcess(command, { PORT: '0', REDIS_URL, ...env }, command === 'serve' ? (PROFILE_DIR ?? undefined) : undefined);
  const url = /GraphQL: +(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(c.out())?.[1] ?? null;
  return { ...c, url };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

// ── Clock and subscribers ───────────────────────────────────────────────────────────────────────────

/** Publication times by cursor, from the probe process. */
async function startProbe(channel: string): Promise<{ published: Map<number, number>; stop(): Promise<void> }> {
  const c = spawnChild([...PEER_ARGS, 'probe', REDIS_URL, channel]);
  const published = new Map<number, number>();
  let rest = '';
  c.child.stdout!.on('data', (d: Buffer) => {
    rest += d.toString();
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const [cursor, at] = line.split(' ');
      if (at) published.set(Number(cursor), Number(at));
    }
  });
  await until('probe ready', () => c.out().startsWith('ready'), 30_000);
  return { published, stop: c.stop };
}

/** Receipt times by cursor, over every subscriber. */
class Receipts {
  readonly byCursor = new Map<number, number[]>();
  add(cursor: number, at: number): void {
    let list = this.byCursor.get(cursor);
    if (!list) this.byCursor.set(cursor, (list = []));
    list.push(at);
  }
  count(cursor: number): number {
    return this.byCursor.get(cursor)?.length ?? 0;
  }
}

/** One SSE subscriber: plain node:http, one socket of its own; resolves once the stream is open (200). */
function openStream(url: string, opts: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }, receipts: Receipts): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method, agent: false, headers: { accept: 'text/event-stream', ...opts.headers } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`subscribe: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        const at = epochMs();
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!frame.startsWith('event: next')) continue;
          const cursor = /"cursor":"?(\d+)/.exec(frame)?.[1];
          if (cursor) receipts.add(Number(cursor), at);
          else if (frame.includes('"errors"')) console.error(`an error event: ${frame.slice(0, 300)}`);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function openAll(n: number, open: (i: number) => Promise<http.ClientRequest>): Promise<http.ClientRequest[]> {
  const out: http.ClientRequest[] = [];
  const CONCURRENT = 50;
  for (let i = 0; i < n; i += CONCURRENT) out.push(...(await Promise.all(Array.from({ length: Math.min(CONCURRENT, n - i) }, (_, k) => open(i + k)))));
  return out;
}

function closeAll(streams: http.ClientRequest[]): void {
  for (const s of streams) s.destroy();
}

/**
 * Triggers `count` events one per interval, and collects each one's latency at every subscriber.
 * `trigger(i)` causes event i; the probe tells its cursor (the first unseen one) and when it was published.
 */
async function measure(
  label: string,
  count: number,
  probe: { published: Map<number, number> },
  receipts: Receipts,
  trigger: (i: number) => Promise<void>,
  pids: number[],
): Promise<{ latencies: number[]; missing: number; cpuMsPerEvent: number }> {
  const latencies: number[] = [];
  let missing = 0;
  const seen = new Set(probe.published.keys());
  const cpuBefore = pids.reduce((a, p) => a + processCpuMs(p), 0);
  for (let i = 0; i < count; i++) {
    const started = Date.now();
    await trigger(i);
    const cursor = await until(`${label} event ${i} published`, () => [...probe.published.keys()].find((c) => !seen.has(c)), 10_000);
    seen.add(cursor);
    await until(`${label} event ${i} delivered`, () => receipts.count(cursor) >= SUBSCRIBERS, 15_000).catch(() => null);
    const got = receipts.byCursor.get(cursor) ?? [];
    missing += SUBSCRIBERS - got.length;
    const t0 = probe.published.get(cursor)!;
    for (const at of got) latencies.push(at - t0);
    const wait = INTERVAL_MS - (Date.now() - started);
    if (wait > 0) await sleep(wait);
  }
  const cpuMs = pids.reduce((a, p) => a + processCpuMs(p), 0) - cpuBefore;
  return { latencies, missing, cpuMsPerEvent: cpuMs / count };
}

/** Share of CPU time idle over `ms`, from /proc/stat. */
async function idleShare(ms: number): Promise<number> {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await sleep(ms);
  const b = read();
  return (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

// ── The run ─────────────────────────────────────────────────────────────────────────────────────────

interface PhaseResult {
  latency: Stats;
  missing: number;
  kbPerSubscriber: number;
  rssKb: { before: number[]; after: number[] };
  cpuMsPerEvent: number;
  idle: number;
}

async function hubPhase(): Promise<PhaseResult> {
  const { url: dbUrl, db, config, describe } = await freshDatabase();
  log(describe);
  const prefix = queuePrefix('fanout');
  await db.updateTable('routing_rules').set({ enabled: false }).execute();

  const services = createServices({ db, config });
  const sys = systemPrincipal('bench');
  const orgs = (await db.selectFrom('organizations').select('slug').orderBy('slug').execute()).map((o) => o.slug).slice(0, TOKENS);
  const tokens: string[] = [];
  for (const [i, slug] of orgs.entries()) {
    const email = `fanout-${i}@${slug}.bench`;
    await services.identity.createUser(sys, { email, name: `Subscriber ${i}`, organization: slug, roles: ['VIEWER'] });
    tokens.push((await services.identity.issueApiToken(sys, { email })).token);
  }
  await services.identity.createUser(sys, { email: 'filer@county-los-angeles.bench', name: 'Filer', organization: 'county-los-angeles', roles: ['ANALYST'] });
  const filer = (await services.identity.issueApiToken(sys, { email: 'filer@county-los-angeles.bench' })).token;

  const env = { DATABASE_URL: dbUrl, ESTF_QUEUE_PREFIX: prefix };
  const [a, b, worker] = await Promise.all([startEstf('serve', env), startEstf('serve', env), startEstf('work', env)]);
  const apis = [a, b];
  const pids = apis.map((x) => x.child.pid!);
  log(`hub: estf serve ×2 (pids ${pids.join(', ')}: ${apis.map((x) => x.url).join(', ')}), estf work (pid ${worker.child.pid})`);
  // The hub's channels carry its instance id (a Redis may serve several hubs): src/deps.ts hubInstanceId.
  const probe = await startProbe(liveChannel(livePrefix(prefix, await hubInstanceId(db)), 'incident'));
  const receipts = new Receipts();

  let filed = 0;
  const fileVia = async (api: string) => {
    const res = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${filer}` },
      body: JSON.stringify({
        query: FILE,
        variables: {
          input: { title: `Ransomware ${++filed}`, summary: 'Encrypted shares', category: 'RANSOMWARE', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['county-los-angeles'] },
        },
      }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`fileIncident: ${JSON.stringify(body.errors)}`);
  };
  const subscribe = (i: number) =>
    openStream(
      `${apis[i % PROCESSES]!.url}/graphql`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
        body: JSON.stringify({ query: SUBSCRIPTION, variables: { filter: { severityAtLeast: 'HIGH' } } }),
      },
      receipts,
    );

  // Warm-up: each API process serves a query and one stream (the live bus and its Redis subscriber are
  // per process, not per subscriber), and one event travels the whole path.
  const warm = await Promise.all(apis.map((_, i) => subscribe(i)));
  await fileVia(a.url!);
  await sleep(1_000);
  closeAll(warm);
  await sleep(1_500);
  const before = pids.map(rssKb);

  const started = Date.now();
  const streams = await openAll(SUBSCRIBERS, subscribe);
  log(`hub: ${streams.length} subscribers connected in ${Date.now() - started} ms (${tokens.length} tokens)`);
  for (let i = 0; i < WARMUP_EVENTS; i++) {
    await fileVia(apis[i % PROCESSES]!.url!);
    await sleep(INTERVAL_MS);
  }
  await sleep(2_000);
  const after = pids.map(rssKb);

  const idleCpu0 = pids.reduce((x, p) => x + processCpuMs(p), 0);
  const idle = await idleShare(2_000);
  log(`hub: the API processes used ${fmt((pids.reduce((x, p) => x + processCpuMs(p), 0) - idleCpu0) / 2, 0)} ms of CPU per second with no event (1000 streams open)`);
  const m = await measure('hub', EVENTS, probe, receipts, (i) => fileVia(apis[i % PROCESSES]!.url!), pids);
  closeAll(streams);
  await probe.stop();
  await Promise.all([a.stop(), b.stop(), worker.stop()]);
  return phaseResult(m, before, after, idle);
}

async function baselinePhase(): Promise<PhaseResult> {
  const prefix = queuePrefix('fanout-baseline');
  const channel = liveChannel(prefix, 'incident');
  const peers = Array.from({ length: PROCESSES }, () => spawnChild([...PEER_ARGS, 'broadcaster', REDIS_URL, channel]));
  const ports = await Promise.all(peers.map((p) => until('broadcaster ready', () => /port (\d+)/.exec(p.out())?.[1], 30_000)));
  const pids = peers.map((p) => p.child.pid!);
  const probe = await startProbe(channel);
  const receipts = new Receipts();
  const redis = new Redis(REDIS_URL);
  onCleanup(async () => redis.disconnect());
  let cursor = 1_000_000_000;
  const publish = async () => {
    await redis.publish(channel, JSON.stringify({ cursor: ++cursor, topic: 'incident.filed', aggregateId: '00000000-0000-4000-8000-000000000000' }));
  };
  const subscribe = (i: number) => openStream(`http://127.0.0.1:${ports[i % PROCESSES]}/events`, { method: 'GET' }, receipts);

  const warm = await Promise.all(ports.map((_, i) => subscribe(i)));
  await publish();
  await sleep(1_000);
  closeAll(warm);
  await sleep(1_500);
  const before = pids.map(rssKb);
  const streams = await openAll(SUBSCRIBERS, subscribe);
  for (let i = 0; i < WARMUP_EVENTS; i++) {
    await publish();
    await sleep(INTERVAL_MS);
  }
  await sleep(2_000);
  const after = pids.map(rssKb);
  const idle = await idleShare(1_000);
  const m = await measure('baseline', EVENTS, probe, receipts, () => publish(), pids);
  closeAll(streams);
  await probe.stop();
  await Promise.all(peers.map((p) => p.stop()));
  return phaseResult(m, before, after, idle);
}

/** A phase's figures: latency, memory per subscriber (the RSS the subscribers added), CPU per event. */
function phaseResult(m: { latencies: number[]; missing: number; cpuMsPerEvent: number }, before: number[], after: number[], idle: number): PhaseResult {
  return {
    latency: stats(m.latencies),
    missing: m.missing,
    kbPerSubscriber: (after.reduce((x, y) => x + y, 0) - before.reduce((x, y) => x + y, 0)) / SUBSCRIBERS,
    rssKb: { before, after },
    cpuMsPerEvent: m.cpuMsPerEvent,
    idle,
  };
}

function describePhase(name: string, r: PhaseResult): void {
  log(`${name.padEnd(9)} delivery ${describeStats(r.latency)}${r.missing ? `   MISSING ${r.missing}` : ''}`);
  log(
    `${''.padEnd(9)} memory   ${fmt(r.kbPerSubscriber, 1)} KB per subscriber (RSS ${r.rssKb.before.map((k) => fmt(k / 1024, 0)).join(' + ')} MB → ` +
      `${r.rssKb.after.map((k) => fmt(k / 1024, 0)).join(' + ')} MB)   CPU ${fmt(r.cpuMsPerEvent, 1)} ms per event (all ${PROCESSES} processes)   ` +
      `idle before measuring ${fmt(r.idle * 100, 0)}%`,
  );
}

run(async () => {
  log(`fanout: one event → ${SUBSCRIBERS} SSE subscribers across ${PROCESSES} API processes, ${EVENTS} events, one per ${INTERVAL_MS} ms`);
  log(machineLine());

  const baseline = await baselinePhase();
  describePhase('baseline', baseline);
  const hub = await hubPhase();
  describePhase('hub', hub);
  if (PROFILE_DIR) printProfiles(PROFILE_DIR);

  const ratio = { p50: round(hub.latency.p50 / baseline.latency.p50), p99: round(hub.latency.p99 / baseline.latency.p99) };
  const met = hub.latency.p99 <= TARGET.p99Ms && hub.kbPerSubscriber <= TARGET.kbPerSubscriber && hub.missing === 0;
  log(
    `target: p99 ≤ ${TARGET.p99Ms} ms and ≤ ${TARGET.kbPerSubscriber} KB per subscriber → ${met ? 'met' : 'NOT met'} ` +
      `(p99 ${fmt(hub.latency.p99, 1)} ms, ${fmt(hub.kbPerSubscriber, 1)} KB; ${ratio.p99}× the baseline's p99). ` +
      `Everything shares ${os.cpus().length} cores: the ${SUBSCRIBERS} client sockets, ${PROCESSES} API processes, the worker, PostgreSQL and Redis.`,
  );
  console.log(
    JSON.stringify({
      bench: 'fanout',
      subscribers: SUBSCRIBERS,
      apiProcesses: PROCESSES,
      events: EVENTS,
      tokens: TOKENS,
      latencyMs: figures(hub.latency),
      missing: hub.missing,
      kbPerSubscriber: round(hub.kbPerSubscriber, 1),
      cpuMsPerEvent: round(hub.cpuMsPerEvent, 1),
      baseline: { latencyMs: figures(baseline.latency), missing: baseline.missing, kbPerSubscriber: round(baseline.kbPerSubscriber, 1), cpuMsPerEvent: round(baseline.cpuMsPerEvent, 1) },
      ratio,
      target: TARGET,
      met,
      cores: os.cpus().length,
      shared: 'clients, API processes, worker, PostgreSQL and Redis share the cores',
      loadavg: os.loadavg().map((x) => round(x)),
    }),
  );
});
