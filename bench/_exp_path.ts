// temporary experiment (removed before hand-off): sequential incidents, queries per stage
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { systemPrincipal } from '../src/access/principal.js';
import { createDeps } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import type { Database } from '../src/infra/db-types.js';
import { createLogger } from '../src/infra/logger.js';
import { startWorkers } from '../workers/index.js';
import { epochMs, freshDatabase, queuePrefix, REDIS_URL, run, sleep, startReceiver, stats, describeStats, onCleanup } from './lib/escalation-rig.js';
import { loadConfig } from '../src/config.js';
import { Session } from 'node:inspector/promises';
import fs from 'node:fs';

run(async () => {
  const { url, db: setupDb } = await freshDatabase();
  const queries: Array<{ sql: string; ms: number; at: number }> = [];
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => { queries.push({ sql: e.query.sql.slice(0, 70), ms: e.queryDurationMillis, at: epochMs() }); } });
  onCleanup(() => db.destroy());
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'production', ESTF_DEMO: 'false', REDIS_URL, ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true', ESTF_QUEUE_PREFIX: queuePrefix('exp'), LOG_LEVEL: 'warn', PORT: '0' });
  const deps = createDeps(config, createLogger('warn'), { url, db }, REDIS_URL);
  onCleanup(() => deps.close());
  const workers = await startWorkers(deps);
  onCleanup(() => workers.close());
  const app = createApp(deps);
  const server = await new Promise<Server>((r) => { const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => r(s as Server)) as Server; });
  onCleanup(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const s = deps.services; const op = systemPrincipal('x');
  const mk = async (org: string, roles: string[], l: string) => { const email = `${l}@${org}.x`; await s.identity.createUser(op, { email, name: l, organization: org, roles }); return { email, token: (await s.identity.issueApiToken(op, { email })).token }; };
  const county = await mk('county-los-angeles', ['ANALYST'], 'a'); const coord = await mk('sos', ['COORDINATOR', 'ANALYST'], 'c'); const oc = await mk('sos', ['ANALYST'], 'o');
  const receiver = await startReceiver();
  await s.oncall.setSchedule(op, { organization: 'sos', duty: 'security-duty', participants: [oc.email], shiftLengthHours: 24, handoffTime: '09:00' });
  await s.oncall.addContactMethod(op, { email: oc.email, kind: 'WEBHOOK', target: receiver.url });
  await setupDb.updateTable('routing_rules').set({ enabled: false }).execute();
  const gql = async (token: string, query: string, variables: any) => (await (await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json()) as any;
  const r = await gql(coord.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, { input: { name: 'all', levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] } });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  let got: number | null = null;
  receiver.onPage = (_b, at) => { got = at; };
  const lat: number[] = []; const counts: number[] = [];
  const N = Number(process.argv[2] ?? 40);
  const session = new Session(); session.connect();
  for (let i = 0; i < N; i++) {
    if (i === 10) { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 }); await session.post('Profiler.start'); }
    got = null; queries.length = 0;
    const t = epochMs();
    const res = await gql(county.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`, { input: { title: `t${i}`, summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['county-los-angeles'] } });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    while (got === null) await sleep(1);
    lat.push(got! - t);
    await sleep(300);
    counts.push(queries.length);
    if (i === N - 1) { for (const q of queries) console.log(`${(q.at - t).toFixed(1).padStart(7)} ${q.ms.toFixed(2).padStart(6)} ${q.sql}`); }
  }
  const { profile } = await session.post('Profiler.stop'); fs.writeFileSync('/tmp/estf-exp/seq.cpuprofile', JSON.stringify(profile));
  console.log('sequential filed→webhook', describeStats(stats(lat)));
  console.log('queries per incident (incl. 300ms after)', describeStats(stats(counts)));
});
