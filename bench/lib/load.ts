/**
 * The load generator of the HTTP benchmarks: autocannon, in a process of its own so that it never
 * competes with the server for one event loop (on a 2-core machine it still competes for the CPU).
 *
 * `runLoad(spec)` spawns this file through tsx, sends the spec on stdin and reads one JSON result from
 * stdout. Latency percentiles are computed from every response's own time (autocannon's 'response'
 * event), exactly, without autocannon's coordinated-omission correction, whose expected interval of
 * ceil(1000 / rate) ms is 1 ms at these rates and would add synthetic samples.
 *
 * Fixed rate: autocannon's `overallRate` gives each connection rate/connections requests per second and
 * lets it send them back to back at the start of each second: N connections started together burst
 * together, and the latency measured is that of N concurrent requests, not of the rate. So a fixed-rate
 * run here is `connections` one-connection autocannon instances, each at its share of the rate, started
 * 1000/connections ms apart: the bursts interleave and the server sees the rate spread over the second.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

export interface LoadRequest {
  method?: 'GET' | 'POST';
  path?: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Cycled through by every connection (each starting at a different offset). */
  requests: LoadRequest[];
  durationS: number;
  connections: number;
  /** Overall requests per second; absent: as fast as the connections go (closed loop). */
  rate?: number;
}

export interface LoadResult {
  /** Completed 2xx responses per second over the run. */
  rps: number;
  /** Every 2xx response's latency in ms, in completion order (to merge runs exactly). */
  latencies: number[];
  completed: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
}

const SELF = fileURLToPath(import.meta.url);

/** Runs one load in a child process. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const tsx = path.resolve(path.dirname(SELF), '../../node_modules/tsx/dist/cli.mjs');
  const child = spawn(process.execPath, [tsx, SELF], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stdin.end(JSON.stringify(spec));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

// ── The child ───────────────────────────────────────────────────────────────────────────────────────

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function generate(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let completed = 0;

  const start = (opts: autocannon.Options) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) {
          completed++;
          latencies.push(responseTime);
        } else non2xx++;
      });
    });

  const base = (requests: LoadRequest[]): autocannon.Options => ({
    url: spec.url,
    duration: spec.durationS,
    timeout: 10,
    requests: requests.map((r) => ({ method: r.method ?? 'POST', path: r.path ?? '/graphql', headers: r.headers, body: r.body })),
  });

  const began = performance.now();
  let results: autocannon.Result[];
  if (spec.rate) {
    const n = Math.max(1, Math.min(spec.connections, spec.rate));
    const share = (i: number) => Math.floor(spec.rate! / n) + (i < spec.rate! % n ? 1 : 0);
    results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (i * 1000) / n));
        return start({ ...base(rotate(spec.requests, i)), connections: 1, overallRate: share(i) });
      }),
    );
  } else {
    results = [await start({ ...base(spec.requests), connections: spec.connections })];
  }
  const elapsedS = (performance.now() - began) / 1000;
  for (const r of results) {
    errors += r.errors;
    timeouts += r.timeouts;
  }
  const durationS = spec.rate ? spec.durationS : elapsedS;
  return summarize([{ latencies, completed, non2xx, errors, timeouts, durationS }]);
}

/** One result from several runs of the same load (rounds interleaved with other loads). */
export function mergeLoads(parts: ReadonlyArray<Pick<LoadResult, 'latencies' | 'completed' | 'non2xx' | 'errors' | 'timeouts' | 'durationS'>>): LoadResult {
  return summarize(parts);
}

function summarize(parts: ReadonlyArray<Pick<LoadResult, 'latencies' | 'completed' | 'non2xx' | 'errors' | 'timeouts' | 'durationS'>>): LoadResult {
  const latencies = parts.flatMap((p) => p.latencies);
  const sorted = Float64Array.from(latencies).sort();
  const sum = (f: (p: (typeof parts)[number]) => number) => parts.reduce((s, p) => s + f(p), 0);
  const durationS = sum((p) => p.durationS);
  const completed = sum((p) => p.completed);
  return {
    rps: durationS > 0 ? completed / durationS : 0,
    latencies,
    completed,
    non2xx: sum((p) => p.non2xx),
    errors: sum((p) => p.errors),
    timeouts: sum((p) => p.timeouts),
    durationS,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: sorted.length ? latencies.reduce((s, v) => s + v, 0) / sorted.length : NaN,
    },
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  let input = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) input += chunk;
  const result = await generate(JSON.parse(input) as LoadSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
