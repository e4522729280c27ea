/**
 * `npm run bench -- console`: the console's incidents page (50 rows) rendered for a signed-in analyst, CPU per
 * request, against the same list through GraphQL on the same server in the same run
 * (shared/design/benchmarks.md; target: ≤ 1.5× the GraphQL request).
 *
 *   npm run bench -- console [--count 20000] [--seconds 6] [--rounds 4] [--connections 4] [--keep]
 *
 * A fresh database (migrated, partners seeded, --count incidents from bench/seed-incidents.ts), the real app
 * (createApp + @hono/node-server in this process, NODE_ENV=production), one county analyst and one SOS
 * coordinator, each signed in to the console through a one-time link (the real sign-in) and holding an API
 * token. The load (autocannon, in a child process: bench/lib/load.ts) alternates, in rounds, between
 *   - GET /console/incidents (and /console/incidents?severityAtLeast=HIGH) with the session cookie, and
 *   - POST /graphql with the same list: `incidents(first: 50, filter, orderBy REPORTED_AT DESC)` selecting
 *     every field the page shows, with totalCount and pageInfo;
 * CPU per request is this process's CPU (the server; the load generator is a child) and its PostgreSQL
 * backends' CPU, divided by the completed requests. CPU per request moves far less with other work on a
 * shared machine than req/s does.
 */
import './lib/production-env.js';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { serve } from '@hono/node-server';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { createDeps, hubInstanceId } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { createDb } from '../src/infra/db.js';
import { migrate } from '../src/infra/migrate.js';
import { seedPartners } from '../src/modules/partners/partners.seed.js';
import { runLoad, type LoadRequest } from './lib/load.js';
import { REDIS_URL, clearRedisPrefix, databaseUrl, withAdmin, withDb } from './lib/servers.js';
import { benchUserEmail, seedIncidents } from './seed-incidents.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const COUNT = option('count', 20_000);
const SECONDS = option('seconds', 6);
const ROUNDS = option('rounds', 4);
const CONNECTIONS = option('connections', 4);
const TARGET = 1.5;

const log = (line = '') => console.log(line);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

const LIST = `query($filter: IncidentFilter) {
  incidents(first: 50, filter: $filter, orderBy: { field: REPORTED_AT, direction: DESC }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id reference title severity status tlp exercise lawEnforcementSensitive reportedAt } }
  }
}`;

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()!().catch((err: Error) => console.error('cleanup:', err.message));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

async function cpuTicks(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

async function main() {
  const load0 = os.loadavg();
  log(`console benchmark: the incidents page (50 rows) vs the same list through GraphQL, CPU per request; ${COUNT.toLocaleString('en-US')} incidents`);
  log(`machine: ${os.cpus().length} cores, Node ${process.version}; the load generator, Node, PostgreSQL and Redis share them. Load average before: ${load0.map((x) => x.toFixed(2)).join(' ')}`);

  const name = `estf_bench_${randomBytes(5).toString('hex')}`;
  const url = databaseUrl(name);
  await withAdmin((c) => c.query(`create database "${name}"`));
  if (!flag('keep')) cleanups.push(() => withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)));
  else log(`database: ${url} (kept)`);
  const db = createDb(url, { max: 10, applicationName: 'estf-bench-api' });
  cleanups.push(() => db.destroy());
  await migrate(db, 'latest');
  await seedPartners(db);
  const seeded = await seedIncidents(url, { count: COUNT });
  log(`seeded ${seeded.incidents.toLocaleString('en-US')} incidents in ${fmt(seeded.ms / 1000)} s`);

  const prefix = `{estf-bench-${randomBytes(4).toString('hex')}}`;
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: url, REDIS_URL, ESTF_QUEUE_PREFIX: prefix, ESTF_DEMO: 'false', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', PORT: '0', HOST: '127.0.0.1' });
  const deps = createDeps(config, (await import('../src/infra/logger.js')).createLogger(config.logLevel, { bench: 'console' }), { url, db, instanceId: await hubInstanceId(db) }, config.redis.url);
  cleanups.push(() => clearRedisPrefix(prefix));
  cleanups.push(() => deps.close());
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  cleanups.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The console checks Origin against the public URL: the load sends the one the config expects.
  const origin = new URL(config.http.publicUrl).origin;

  const operator = systemPrincipal('bench');
  const people = [
    { label: 'county analyst (Orange)', email: benchUserEmail('county-orange', 'analyst', 1) },
    { label: 'coordinator (SOS)', email: benchUserEmail('sos', 'coordinator', 1) },
  ];
  const consoleRequests: LoadRequest[] = [];
  const graphqlRequests: LoadRequest[] = [];
  for (const p of people) {
    const { token } = await deps.services.identity.issueApiToken(operator, { email: p.email, name: 'console benchmark' });
    const link = await deps.services.sessions.issueLoginLink(operator, p.email);
    const signIn = await fetch(`${base}${new URL(link.url).pathname}`, { method: 'POST', redirect: 'manual', headers: { origin } });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    if (signIn.status !== 303 || !cookie) throw new Error(`sign-in of ${p.email} answered ${signIn.status}`);
    for (const filter of [null, { severityAtLeast: 'HIGH' }]) {
      const path = `/console/incidents${filter ? '?severityAtLeast=HIGH' : ''}`;
      const page = await fetch(`${base}${path}`, { headers: { cookie } });
      const html = await page.text();
      const gql = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: LIST, variables: { filter } }) });
      const body = (await gql.json()) as { data?: { incidents: { edges: Array<{ node: { reference: string } }> } }; errors?: unknown };
      const refs = body.data?.incidents.edges.map((e) => e.node.reference) ?? [];
      // The two answer the same question: every reference GraphQL lists is on the page.
      if (page.status !== 200 || body.errors || refs.length !== 50 || refs.some((r) => !html.includes(`>${r}<`))) {
        throw new Error(`${p.label} ${path}: page ${page.status}, GraphQL ${JSON.stringify(body.errors ?? refs.length)}: the two lists differ`);
      }
      consoleRequests.push({ method: 'GET', path, headers: { cookie } });
      graphqlRequests.push({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: LIST, variables: { filter } }) });
    }
  }
  log(`${people.length} people × 2 filters; each page lists the same 50 references as its GraphQL request`);

  const backends = async () =>
    (await withDb(url, (c) => c.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name = 'estf-bench-api'`))).rows.map((r) => r.pid);
  const totals = { console: { node: 0, pg: 0, n: 0 }, graphql: { node: 0, pg: 0, n: 0 } };
  const measure = async (which: 'console' | 'graphql', requests: LoadRequest[], seconds: number, count = true) => {
    const before = new Map<number, number>();
    for (const pid of await backends()) before.set(pid, await cpuTicks(pid));
    const c0 = process.cpuUsage();
    const r = await runLoad({ url: base, requests, durationS: seconds, connections: CONNECTIONS });
    const c = process.cpuUsage(c0);
    let ticks = 0;
    for (const pid of await backends()) ticks += (await cpuTicks(pid)) - (before.get(pid) ?? 0);
    if (r.non2xx || r.errors) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    if (count) {
      totals[which].node += (c.user + c.system) / 1000;
      totals[which].pg += ticks * 10;
      totals[which].n += r.completed;
    }
    return r;
  };
  log(`\nwarm-up: 3 s of each`);
  await measure('graphql', graphqlRequests, 3, false);
  await measure('console', consoleRequests, 3, false);
  log(`measuring: ${ROUNDS} rounds of ${SECONDS} s of each, alternating, ${CONNECTIONS} connections, closed loop`);
  for (let i = 0; i < ROUNDS; i++) {
    const g = await measure('graphql', graphqlRequests, SECONDS);
    const p = await measure('console', consoleRequests, SECONDS);
    log(`  round ${i + 1}: GraphQL ${fmt(g.rps, 0)} req/s (p99 ${fmt(g.latencyMs.p99, 1)} ms), console ${fmt(p.rps, 0)} req/s (p99 ${fmt(p.latencyMs.p99, 1)} ms)`);
  }
  const per = (t: { node: number; pg: number; n: number }) => ({ node: t.node / t.n, pg: t.pg / t.n, total: (t.node + t.pg) / t.n });
  const g = per(totals.graphql);
  const p = per(totals.console);
  const ratio = p.total / g.total;
  const ratioNode = p.node / g.node;
  log(`\nCPU per request (server = this Node process; PostgreSQL = its backends):`);
  log(`  GraphQL incidents(first: 50)  server ${fmt(g.node, 3)} ms + PostgreSQL ${fmt(g.pg, 3)} ms = ${fmt(g.total, 3)} ms   (${totals.graphql.n} requests)`);
  log(`  console /console/incidents    server ${fmt(p.node, 3)} ms + PostgreSQL ${fmt(p.pg, 3)} ms = ${fmt(p.total, 3)} ms   (${totals.console.n} requests)`);
  log(`  ratio ${fmt(ratio, 2)}× in all (server alone ${fmt(ratioNode, 2)}×); target ≤ ${TARGET}×: ${ratio <= TARGET ? 'MET' : 'MISSED'}`);
  log(
    JSON.stringify({
      bench: 'console',
      incidents: seeded.incidents,
      console: { serverMs: round(p.node), pgMs: round(p.pg), totalMs: round(p.total), requests: totals.console.n },
      baseline: { what: 'the same list through POST /graphql (same people, filters, fields, totalCount)', serverMs: round(g.node), pgMs: round(g.pg), totalMs: round(g.total), requests: totals.graphql.n },
      ratio: round(ratio, 2),
      ratioServerOnly: round(ratioNode, 2),
      target: TARGET,
      met: ratio <= TARGET,
      cores: os.cpus().length,
      loadavgAfter: round(os.loadavg()[0]!, 2),
    }),
  );
}

main()
  .then(cleanup, async (err) => {
    console.error(err);
    await cleanup();
    process.exitCode = 1;
  })
  .finally(() => setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref());
