/**
 * `npm run bench -- faults`: paging under faults, as production runs it (one `estf serve`, two `estf work`),
 * against a PostgreSQL cluster of its own (so that it can stop and start it) and the shared Redis. Each
 * experiment files CRITICAL RANSOMWARE incidents; the one rule pages sos/security-duty and
 * cal-oes/csic-watch, whose on-call users each have one signed webhook, to receivers in this process.
 *
 * Pages owed are computed from that rule (2 per incident filed), not read from the hub's rows; delivered
 * are the distinct owed pages a receiver answered 2xx; duplicates count extra 2xx receipts of one
 * webhook-id; latency is filing → first 2xx receipt; recovery is the end of the fault → the last owed
 * page delivered. Short intervals keep it quick (reconciler 500 ms, heartbeat 160 ms, webhook timeout 2 s): the
 * production ratio, where a worker is given up after three heartbeats (30 s), one reconciler interval.
 *
 *   npm run bench -- faults [--count 20]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { prepareDatabase } from '../src/deps.js';
import { createServices } from '../src/services.js';
import { createDb } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { startOwnPostgres } from '../test/support/own-postgres.js';
import { fmt, freePort, log, onCleanup, option, queuePrefix, REDIS_URL, run, sleep, startHubProcess, stats, type HubProcess } from './lib/escalation-rig.js';

const COUNT = option('count', 20);
const RECONCILE_MS = 500;
const sys = systemPrincipal('bench');

interface Receipt {
  id: string;
  path: string;
  reference: string;
  at: number;
  status: number | null;
}

interface Receiver {
  url: string;
  receipts: Receipt[];
  mode: 'ok' | 'hang' | 'fail';
  release(): void;
}

async function receiver(): Promise<Receiver> {
  const hanging = new Set<http.ServerResponse>();
  const r: Receiver = {
    url: '',
    receipts: [],
    mode: 'ok',
    release() {
      for (const res of hanging) res.destroy();
      hanging.clear();
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let reference = '';
      try {
        reference = JSON.parse(body).incident?.reference ?? '';
      } catch {
        reference = '';
      }
      const receipt: Receipt = { id: String(req.headers['webhook-id']), path: req.url ?? '', reference, at: Date.now(), status: null };
      r.receipts.push(receipt);
      if (r.mode === 'hang') return void hanging.add(res);
      receipt.status = r.mode === 'ok' ? 200 : 500;
      res.writeHead(receipt.status).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  onCleanup(async () => {
    r.release();
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  });
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

async function main(): Promise<void> {
  const pg = await startOwnPostgres();
  onCleanup(() => pg.destroy());
  await pg.createDatabase('estf');
  const dbUrl = pg.url('estf');
  const config = loadConfig({ DATABASE_URL: dbUrl, NODE_ENV: 'production', ESTF_DEMO: 'false', REDIS_URL, ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true' });
  const db = createDb(dbUrl, { max: 4, applicationName: 'estf-bench' });
  onCleanup(() => db.destroy());
  await prepareDatabase(db, config, createLogger('warn'));
  const services = createServices({ db, config });

  const sosReceiver = await receiver();
  const calOesReceiver = await receiver();
  const users: Record<string, { email: string; token: string }> = {};
  for (const [org, label, roles] of [
    ['county-los-angeles', 'county', ['ANALYST']],
    ['sos', 'coordinator', ['COORDINATOR', 'ANALYST']],
    ['sos', 'duty', ['ANALYST']],
    ['cal-oes', 'watch', ['ANALYST']],
  ] as const) {
    const email = `${label}@${org}.bench`;
    await services.identity.createUser(sys, { email, name: label, organization: org, roles: [...roles] });
    users[label] = { email, token: (await services.identity.issueApiToken(sys, { email })).token };
  }
  await services.oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [users.duty!.email], shiftLengthHours: 24, handoffTime: '09:00' });
  await services.oncall.setSchedule(sys, { organization: 'cal-oes', duty: 'csic-watch', participants: [users.watch!.email], shiftLengthHours: 24, handoffTime: '09:00' });
  await services.oncall.addContactMethod(sys, { email: users.duty!.email, kind: 'WEBHOOK', target: `${sosReceiver.url}/sos` });
  await services.oncall.addContactMethod(sys, { email: users.watch!.email, kind: 'WEBHOOK', target: `${calOesReceiver.url}/cal-oes` });
  await db.updateTable('routing_rules').set({ enabled: false }).execute();

  const port = await freePort();
  const env = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    ESTF_QUEUE_PREFIX: queuePrefix('faults'),
    ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true',
    ESTF_RECONCILE_INTERVAL: `${RECONCILE_MS}ms`,
    // Three heartbeats (the time a dead worker's claims are held) fit in one reconciler interval, as with
    // the production defaults (10 s and 30 s).
    ESTF_HEARTBEAT_INTERVAL: '160ms',
    ESTF_WEBHOOK_TIMEOUT: '2s',
    ESTF_DELIVERY_BACKOFF: '500ms',
    ESTF_DELIVERY_MAX_ATTEMPTS: '14',
    ESTF_DATA_DIR: os.tmpdir(),
    LOG_LEVEL: 'fatal',
  };
  const [api, ...workers] = await Promise.all([
    startHubProcess('serve', { ...env, PORT: String(port) }),
    startHubProcess('work', env),
    startHubProcess('work', env),
  ]);
  const processes: HubProcess[] = [api!, ...workers];
  const api0 = `http://127.0.0.1:${port}/graphql`;
  const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(api0, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const rule = await gql(users.coordinator!.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
    input: {
      name: 'faults',
      severityAtLeast: 'CRITICAL',
      categories: ['RANSOMWARE'],
      levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }, { kind: 'DUTY', organization: 'cal-oes', duty: 'csic-watch' }] }],
    },
  });
  if (rule.body.errors) throw new Error(JSON.stringify(rule.body.errors));

  /** Files one incident; returns its reference and filing time, or null if the API refused (an outage). */
  let seq = 0;
  async function file(label: string): Promise<{ reference: string; at: number } | null> {
    const at = Date.now();
    const r = await gql(users.county!.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { reference } }`, {
      input: { title: `${label} ${seq++}`, summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN' },
    }).catch(() => null);
    return r?.body.data?.fileIncident ? { reference: r.body.data.fileIncident.reference, at } : null;
  }

  const rows: string[][] = [];
  async function experiment(name: string, body: (filed: Array<{ reference: string; at: number }>) => Promise<number>, opts: { latencyOf?: string } = {}): Promise<void> {
    const filed: Array<{ reference: string; at: number }> = [];
    const faultEnd = await body(filed);
    // Owed by the rule: both duties, one webhook each, per incident filed.
    const owed = filed.flatMap((f) => [`${f.reference} /sos`, `${f.reference} /cal-oes`]);
    const ok = () => [...sosReceiver.receipts, ...calOesReceiver.receipts].filter((r) => r.status !== null && r.status < 300 && filed.some((f) => f.reference === r.reference));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && new Set(ok().map((r) => `${r.reference} ${r.path}`)).size < owed.length) await sleep(50);
    await sleep(2 * RECONCILE_MS + 500);
    const receipts = ok();
    const first = new Map<string, Receipt>();
    for (const r of receipts) if (!first.has(`${r.reference} ${r.path}`)) first.set(`${r.reference} ${r.path}`, r);
    const delivered = owed.filter((k) => first.has(k)).length;
    const ids = new Map<string, number>();
    for (const r of receipts) ids.set(r.id, (ids.get(r.id) ?? 0) + 1);
    const duplicates = [...ids.values()].reduce((n, c) => n + c - 1, 0);
    const filedAt = new Map(filed.map((f) => [f.reference, f.at]));
    const latencies = [...first.entries()].filter(([k]) => !opts.latencyOf || k.endsWith(opts.latencyOf)).map(([k, r]) => r.at - filedAt.get(k.split(' ')[0]!)!);
    const s = stats(latencies);
    const last = Math.max(...[...first.values()].map((r) => r.at));
    const recovery = faultEnd > 0 ? `${fmt((last - faultEnd) / 1000, 2)} s` : '-';
    rows.push([name, String(filed.length), String(owed.length), String(delivered), String(owed.length - delivered), String(duplicates), `${fmt(s.p50, 0)} / ${fmt(s.p99, 0)} ms${opts.latencyOf ? ` (${opts.latencyOf})` : ''}`, recovery]);
    log(`${name}: ${delivered}/${owed.length} delivered, ${duplicates} duplicate(s), recovery ${recovery}`);
  }

  await experiment('quiet', async (filed) => {
    for (let i = 0; i < COUNT; i++) filed.push((await file('quiet'))!);
    return 0;
  });

  await experiment('kill -9 of a worker mid-send', async (filed) => {
    sosReceiver.mode = 'hang';
    for (let i = 0; i < COUNT; i++) filed.push((await file('kill'))!);
    await sleep(500);
    workers[0]!.child.kill('SIGKILL');
    sosReceiver.mode = 'ok';
    const end = Date.now();
    workers[0] = await startHubProcess('work', env);
    processes.push(workers[0]);
    return end;
  });

  await experiment('receiver down 5 s (HTTP 500)', async (filed) => {
    sosReceiver.mode = 'fail';
    for (let i = 0; i < COUNT; i++) {
      filed.push((await file('receiver down'))!);
      await sleep(5_000 / COUNT);
    }
    sosReceiver.mode = 'ok';
    return Date.now();
  });

  await experiment(
    'Cal OES endpoint hanging 8 s',
    async (filed) => {
      calOesReceiver.mode = 'hang';
      for (let i = 0; i < COUNT; i++) filed.push((await file('hanging'))!);
      await sleep(8_000);
      calOesReceiver.mode = 'ok';
      calOesReceiver.release();
      return Date.now();
    },
    { latencyOf: '/sos' },
  );

  await experiment('PostgreSQL stopped 5 s, sends in flight', async (filed) => {
    sosReceiver.mode = 'hang';
    for (let i = 0; i < COUNT / 2; i++) filed.push((await file('pg outage'))!);
    await sleep(300);
    await pg.stop();
    await sleep(5_000);
    sosReceiver.mode = 'ok';
    await pg.start();
    const end = Date.now();
    for (let i = 0; i < COUNT / 2; i++) {
      const f = await file('pg outage');
      if (f) filed.push(f);
    }
    return end;
  });

  const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null).length;
  log('');
  log(`| experiment | incidents | pages owed | delivered | lost | duplicates (same id) | p50 / p99 | recovery |`);
  log(`|---|---|---|---|---|---|---|---|`);
  for (const r of rows) log(`| ${r.join(' | ')} |`);
  log('');
  log(`processes alive at the end: ${alive} of ${processes.length} (one worker killed on purpose and replaced)`);
  log(JSON.stringify({ bench: 'faults', rows }));
}

run(main);
