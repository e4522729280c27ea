// scratch: in-process profile of the live fanout (deleted after use)
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import { serve } from '@hono/node-server';
import { systemPrincipal } from '../src/access/principal.js';
import { createDeps } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { attachLiveTransport } from '../src/http/live.js';
import { createLogger } from '../src/infra/logger.js';
import { startWorkers } from '../workers/index.js';
import { freshDatabase, queuePrefix, REDIS_URL, run, sleep, printProfiles } from './lib/escalation-rig.js';
import { loadConfig } from '../src/config.js';

const N = Number(process.argv[2] ?? 200);
run(async () => {
  const { url, db } = await freshDatabase();
  const prefix = queuePrefix('scratch');
  await db.updateTable('routing_rules').set({ enabled: false }).execute();
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'production', ESTF_DEMO: 'false', REDIS_URL, ESTF_QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' });
  const deps = createDeps(config, createLogger('warn'), { url, db }, REDIS_URL);
  const app = createApp(deps);
  const server = await new Promise<http.Server>((r) => { const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => r(s as http.Server)) as http.Server; });
  const live = attachLiveTransport(server, deps);
  const workers = await startWorkers(deps);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sys = systemPrincipal('x');
  await deps.services.identity.createUser(sys, { email: 'f@la.x', name: 'f', organization: 'county-los-angeles', roles: ['ANALYST'] });
  const filer = (await deps.services.identity.issueApiToken(sys, { email: 'f@la.x' })).token;
  await deps.services.identity.createUser(sys, { email: 's@cisa.x', name: 's', organization: 'cisa', roles: ['VIEWER'] });
  const tok = (await deps.services.identity.issueApiToken(sys, { email: 's@cisa.x' })).token;
  let got = 0;
  const Q = `subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { cursor kind at change incident { id reference title severity status tlp category exercise reportedAt reportingOrganization { slug name } affectedCounties { slug name } } } }`;
  for (let i = 0; i < N; i++) {
    await new Promise<void>((resolve) => {
      const req = http.request(`${base}/graphql`, { method: 'POST', agent: false, headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${tok}` } }, (res) => {
        res.on('data', (c: Buffer) => { if (c.includes('"cursor"')) got++; });
        resolve();
      });
      req.end(JSON.stringify({ query: Q, variables: { filter: { severityAtLeast: 'HIGH' } } }));
    });
  }
  const file = () => fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${filer}` }, body: JSON.stringify({ query: `mutation($i: FileIncidentInput!) { fileIncident(input: $i) { id } }`, variables: { i: { title: 't', summary: 's', category: 'RANSOMWARE', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['county-los-angeles'] } } }) });
  for (let i = 0; i < 3; i++) { await file(); await sleep(300); }
  const session = new Session(); session.connect();
  await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 }); await session.post('Profiler.start');
  const cpu0 = process.cpuUsage(); got = 0;
  const E = 10;
  for (let i = 0; i < E; i++) { await file(); await sleep(300); }
  const cpu = process.cpuUsage(cpu0);
  const { profile } = await session.post('Profiler.stop');
  fs.mkdirSync('/tmp/fanout-scratch', { recursive: true });
  for (const f of fs.readdirSync('/tmp/fanout-scratch')) fs.unlinkSync(`/tmp/fanout-scratch/${f}`);
  fs.writeFileSync('/tmp/fanout-scratch/inproc.cpuprofile', JSON.stringify(profile));
  console.log(`received ${got}/${N * E}; CPU ${(cpu.user + cpu.system) / 1000 / E} ms per event (server + clients + worker)`);
  printProfiles('/tmp/fanout-scratch');
  await live.close(); await workers.close(); server.close(); server.closeAllConnections(); await deps.close();
});
