import pg from 'pg';
import { systemPrincipal } from '../src/access/principal.js';
import { visibleIncidents } from '../src/access/incidents.js';
import { loadConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { createDb } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { listIncidents, loadAccessFacts } from '../src/modules/incidents/incidents.repository.js';
import { createLoaders } from '../src/graphql/loaders.js';
import { benchUserEmail } from './seed-incidents.js';
const url = process.argv[2]!;
const N = Number(process.argv[3] ?? 300);
const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: url, ESTF_QUEUE_PREFIX: '{estf-bench-tmp}', LOG_LEVEL: 'warn', PORT: '0', ESTF_DEMO: 'false' });
const db = createDb(url, { max: 10 });
const deps = createDeps(config, createLogger('warn'), { url, db }, config.redis.url);
const app = createApp(deps);
const { token } = await deps.services.identity.issueApiToken(systemPrincipal('t'), { email: benchUserEmail('county-orange', 'analyst', 1) });
const principal = (await deps.services.identity.authenticate(token, { requestId: null, clientAddress: null }))!;
const Q = `query($filter: IncidentFilter){ incidents(first: 50, filter: $filter) { edges { cursor node { id reference title severity status tlp reportedAt reportingOrganization { slug } affectedCounties { slug } } } pageInfo { hasNextPage endCursor } } }`;
const req = (body: unknown, auth = true) => new Request('http://127.0.0.1/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
async function time(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 50; i++) await fn();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const c = process.cpuUsage(c0); const w = performance.now() - t0;
  console.log(`${label.padEnd(44)} cpu ${((c.user + c.system) / 1000 / N).toFixed(3)} ms  wall ${(w / N).toFixed(3)} ms`);
}
const rows = await listIncidents(db, visibleIncidents(principal), { exercise: false }, { field: 'REPORTED_AT', direction: 'DESC' }, null, 51);
await time('select 1 (pg round trip)', () => db.selectNoFrom((eb) => eb.lit(1).as('x')).execute());
await time('authenticate (select + touch)', () => deps.services.identity.authenticate(token, { requestId: null, clientAddress: null }));
await time('listIncidents (51 rows)', () => listIncidents(db, visibleIncidents(principal), { exercise: false }, { field: 'REPORTED_AT', direction: 'DESC' }, null, 51));
await time('loadAccessFacts (51)', () => loadAccessFacts(db, rows));
await time('orgs by id loader (51 ids)', () => createLoaders(db).organizationById.loadMany(rows.map((r) => r.reporting_organization_id)));
await time('services.incidents.list', () => deps.services.incidents.list(principal, { filter: {}, first: 50, after: null, order: { field: 'REPORTED_AT', direction: 'DESC' } }));
await time('app.fetch { __typename } no token', async () => (await app.fetch(req({ query: '{ __typename }' }, false))).text());
await time('app.fetch { __typename }', async () => (await app.fetch(req({ query: '{ __typename }' }))).text());
await time('app.fetch incidents (no filter)', async () => (await app.fetch(req({ query: Q, variables: { filter: null } }))).text());
if (process.env.PROFILE) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session(); session.connect();
  await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start');
  await time('PROFILED app.fetch incidents mix', async () => (await app.fetch(req({ query: Q, variables: { filter: null } }))).text());
  const { profile } = await session.post('Profiler.stop');
  (await import('node:fs')).writeFileSync('/tmp/layers.cpuprofile', JSON.stringify(profile));
}
await deps.close(); await db.destroy();
