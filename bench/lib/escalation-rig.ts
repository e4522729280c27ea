/**
 * What the `escalation` and `timers` benchmarks share: a fresh database, a hub process (`estf start` or
 * `estf work`, as an operator runs it), a webhook receiver, the raw-BullMQ baselines, percentiles, a
 * CPU-profile summary and cleanup. Everything on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { prepareDatabase } from '../../src/deps.js';
import { createDb, type Db } from '../../src/infra/db.js';
import { createLogger } from '../../src/infra/logger.js';
import { ADMIN_URL, REDIS_URL, clearRedisPrefix, databaseUrl, withAdmin } from './servers.js';
export { ADMIN_URL, REDIS_URL };



export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// ── Options, output ─────────────────────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
export const flag = (name: string) => argv.includes(`--${name}`);
export function option(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]?.replace(/_/g, ''));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}

export const log = (line = '') => console.log(line);
export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes and with PostgreSQL's now(). */
export const epochMs = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function stats(xs: readonly number[]): Stats {
  const s = Float64Array.from(xs).sort();
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN);
  return { n: s.length, p50: at(50), p90: at(90), p99: at(99), max: s.length ? s[s.length - 1]! : NaN, mean: s.length ? xs.reduce((a, b) => a + b, 0) / s.length : NaN };
}

export const describeStats = (s: Stats) =>
  `p50 ${fmt(s.p50, 2).padStart(7)} ms   p90 ${fmt(s.p90, 2).padStart(7)} ms   p99 ${fmt(s.p99, 2).padStart(7)} ms   max ${fmt(s.max, 1).padStart(7)} ms   (n ${s.n})`;
export const figures = (s: Stats) => ({ n: s.n, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), max: round(s.max) });

export function machineLine(): string {
  const cpus = os.cpus().length;
  return (
    `machine: ${cpus} cores (${os.cpus()[0]?.model.trim() ?? 'cpu'}), Node ${process.version}; the load generator, Node, PostgreSQL and Redis ` +
    `share these ${cpus} cores. Load average before: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`
  );
}

// ── Cleanup ─────────────────────────────────────────────────────────────────────────────────────────

const cleanups: Array<() => Promise<unknown>> = [];
export const onCleanup = (fn: () => Promise<unknown>) => cleanups.push(fn);
export async function cleanup(): Promise<void> {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      console.error('cleanup:', (err as Error).message);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

/** Runs the benchmark, always cleans up, exits non-zero on failure. */
export function run(main: () => Promise<void>): void {
  main()
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => cleanup().then(() => process.exit()));
}

// ── Database, Redis ─────────────────────────────────────────────────────────────────────────────────



/** CREATE DATABASE estf_bench_<random>, migrated and seeded as test/global-setup.ts does; dropped at cleanup unless --keep. */
export async function freshDatabase(): Promise<{ url: string; db: Db; config: Config; describe: string }> {
  const name = `estf_bench_${randomBytes(5).toString('hex')}`;
  const url = databaseUrl(name);
  await withAdmin((c) => c.query(`create database "${name}"`));
  if (flag('keep')) log(`database: ${url} (kept: --keep)`);
  else onCleanup(() => withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)));
  const v = await withAdmin(async (c) => (await c.query<{ v: string; sc: string; sb: string }>(`select current_setting('server_version') v, current_setting('synchronous_commit') sc, current_setting('shared_buffers') sb`)).rows[0]!);
  // Production, except that webhooks may point at the local receiver.
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'production', ESTF_DEMO: 'false', REDIS_URL, ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true' });
  const db = createDb(url, { max: 8, applicationName: 'estf-bench' });
  onCleanup(() => db.destroy());
  await prepareDatabase(db, config, createLogger('warn'));
  return { url, db, config, describe: `PostgreSQL ${v.v} (synchronous_commit ${v.sc}, shared_buffers ${v.sb}) at ${new URL(ADMIN_URL).host}; Redis at ${new URL(REDIS_URL).host}` };
}

export function queuePrefix(label: string): string {
  const prefix = `{estf-bench-${label}-${randomBytes(4).toString('hex')}}`;
  onCleanup(() => clearRedisPrefix(prefix));
  return prefix;
}


export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

// ── The webhook receiver ────────────────────────────────────────────────────────────────────────────

export interface Receiver {
  url: string;
  /** Called with each request's JSON body and its arrival time (epochMs). */
  onPage: (body: any, at: number) => void;
  count: number;
}

/** A real HTTP receiver on 127.0.0.1 answering 204 at once; the arrival time is taken when the body is complete. */
export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', onPage: () => {}, count: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = epochMs();
      res.writeHead(204).end();
      r.count++;
      try {
        r.onPage(JSON.parse(Buffer.concat(chunks).toString('utf8')), at);
      } catch {
        // not a page: ignored
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  onCleanup(
    () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      }),
  );
  r.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`;
  return r;
}

// ── The hub as a child process ──────────────────────────────────────────────────────────────────────

export interface ChildProc {
  child: ChildProcess;
  out: () => string;
  stderr: () => string;
  /** SIGTERM and wait (SIGKILL after 15 s); a CPU profile (--cpu-prof) is written on exit. */
  stop(): Promise<void>;
}

/**
 * `node <args>` in the project folder, without this shell's hub settings (DATABASE_URL, ESTF_…) unless
 * `env` gives them; stopped by the benchmark's cleanup. A non-zero exit is printed with the child's stderr.
 */
export function spawnChild(args: string[], env: Record<string, string> = {}): ChildProc {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|REDIS_URL|PORT|HOST|PUBLIC_URL|LOG_LEVEL|NODE_ENV|ESTF_)/.test(k)));
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
    await exited;
  };
  onCleanup(stop);
  child.once('exit', (code) => {
    if (code && code !== 0 && code !== 143) console.error(`${args.slice(-2).join(' ')} exited with ${code}:\n${err.slice(-20_000)}`);
  });
  return { child, out: () => out, stderr: () => err, stop };
}

export type HubProcess = ChildProc;

/**
 * `node bin/estf.js <command>` with a production environment, once it says it is ready. With
 * `profileDir`, node --cpu-prof writes the process's CPU profile there when it exits.
 */
export async function startHubProcess(command: 'start' | 'serve' | 'work', env: Record<string, string>, profileDir?: string): Promise<HubProcess> {
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', '500'] : [];
  const c = spawnChild([...nodeArgs, path.join(ROOT, 'bin/estf.js'), command], {
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ESTF_DEMO: 'false',
    ...env,
  });
  const until = Date.now() + 90_000;
  while (!c.out().includes('ESTF Hub is ready')) {
    if (c.child.exitCode !== null) throw new Error(`estf ${command} exited with ${c.child.exitCode}:\n${c.stderr()}`);
    if (Date.now() > until) throw new Error(`estf ${command} not ready within 90 s:\n${c.stderr()}`);
    await sleep(50);
  }
  return c;
}

/** CPU time (user + system) a process has used so far, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

// ── Raw BullMQ baselines ────────────────────────────────────────────────────────────────────────────

/** The tick schedule of a steady rate: calls `fn(i)` at start + i/rate, never waiting for it. */
export async function atRate(count: number, rate: number, fn: (i: number) => void): Promise<void> {
  const start = performance.now() + 20;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    while (performance.now() < due) {
      // the last millisecond: setTimeout is not finer than that
    }
    fn(i);
  }
}

async function rawQueue(label: string, concurrency: number, processor: (job: Job) => void) {
  const prefix = queuePrefix(`raw-${label}`);
  const producer = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const consumer = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection: producer, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const worker = new Worker('raw', async (job) => processor(job), { connection: consumer, prefix, concurrency });
  await worker.waitUntilReady();
  await queue.waitUntilReady();
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
      producer.disconnect();
      consumer.disconnect();
    },
  };
}

/** Raw BullMQ: `queue.add` → a no-op Worker, at a steady rate; latency from before add() to the processor's start. */
export async function rawAddLatency(count: number, rate: number): Promise<number[]> {
  const latencies: number[] = [];
  const q = await rawQueue('add', 1, (job) => {
    latencies.push(performance.now() - (job.data as { t: number }).t);
  });
  try {
    for (let i = 0; i < 20; i++) await q.queue.add('warm', { t: performance.now() });
    await sleep(200);
    latencies.length = 0;
    await atRate(count, rate, () => void q.queue.add('job', { t: performance.now() }));
    const until = Date.now() + 30_000;
    while (latencies.length < count && Date.now() < until) await sleep(20);
    return latencies;
  } finally {
    await q.close();
  }
}

/**
 * Raw BullMQ delayed jobs, armed as the timers benchmark arms escalation timers: job i is added at
 * start + i / rate (all at once without a rate) with delay = delays[i], as the hub adds a timer when a
 * level is paged; a no-op Worker of the given concurrency; lateness = processed − due.
 */
export async function rawDelayedLateness(delaysMs: readonly number[], concurrency: number, rate?: number): Promise<number[]> {
  const lateness: number[] = [];
  const q = await rawQueue('delayed', concurrency, (job) => {
    lateness.push(epochMs() - (job.data as { due: number }).due);
  });
  try {
    const adds: Array<Promise<unknown>> = [];
    const add = (d: number) => {
      const due = epochMs() + d;
      adds.push(q.queue.add('timer', { due }, { delay: Math.max(0, Math.round(due - epochMs())) }));
    };
    if (rate) await atRate(delaysMs.length, rate, (i) => add(delaysMs[i]!));
    else for (const d of [...delaysMs].sort((a, b) => a - b)) add(d);
    await Promise.all(adds);
    const until = Date.now() + Math.max(...delaysMs) + 30_000;
    while (lateness.length < delaysMs.length && Date.now() < until) await sleep(50);
    return lateness;
  } finally {
    await q.close();
  }
}

// ── CPU profile summary (--profile) ─────────────────────────────────────────────────────────────────

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by package or source folder, and the top functions, of the .cpuprofile files in `dir`. */
export function printProfiles(dir: string): void {
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
    const group = (u: string, fn: string) => {
      if (!u) return fn.startsWith('(') ? fn : '(native)';
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
      if (m) return m[1]!;
      if (u.startsWith('node:')) return `node:${u.slice(5).split('/')[0]}`;
      const s = /\/(src|bench|workers)\/(.*?)(?:\/[^/]*)?$/.exec(u);
      return s ? `${s[1]}/${s[2]}` : u;
    };
    const groups = new Map<string, number>();
    const fns = new Map<string, number>();
    let total = 0;
    for (const [id, us] of selfUs) {
      const n = byId.get(id)!;
      total += us;
      const g = group(n.callFrame.url, n.callFrame.functionName);
      groups.set(g, (groups.get(g) ?? 0) + us);
      const k = `${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      fns.set(k, (fns.get(k) ?? 0) + us);
    }
    const idle = groups.get('(idle)') ?? 0;
    log(`\nCPU profile ${f}: ${fmt(total / 1e6, 2)} s sampled, ${fmt(((total - idle) / total) * 100)}% busy`);
    for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 14)) log(`  ${fmt((us / total) * 100).padStart(5)}%  ${g}`);
    log('  top functions (self):');
    for (const [k, us] of [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 16)) log(`  ${fmt((us / total) * 100).padStart(5)}%  ${k}`);
  }
}

// ── GraphQL as the load generator speaks it ─────────────────────────────────────────────────────────

export type GqlAnswer = { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** POSTs a GraphQL request with a bearer token; a body that is not JSON becomes one error naming the HTTP status. */
export function gqlClient(gqlUrl: string) {
  return async (token: string, query: string, variables: Record<string, unknown>): Promise<GqlAnswer> => {
    const res = await fetch(gqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    try {
      return JSON.parse(text) as GqlAnswer;
    } catch {
      return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
    }
  };
}

/** The benchmarks' one routing rule: every incident (or those at least `severityAtLeast`) pages sos/security-duty. */
export async function createPagingRule(gql: ReturnType<typeof gqlClient>, coordinatorToken: string, name: string, severityAtLeast?: string): Promise<void> {
  const rule = await gql(coordinatorToken, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
    input: { name, ...(severityAtLeast ? { severityAtLeast } : {}), levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] },
  });
  if (rule.errors) throw new Error(`createRoutingRule: ${JSON.stringify(rule.errors)}`);
}
