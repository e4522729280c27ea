/**
 * `npm run bench -- reports`: sustained public report submissions per second (the real form over HTTP:
 * multipart parsing, Origin, time-to-submit, proof-of-work verification and spending in Redis, per-client and
 * surge limits, validation, the insert with its outbox row) and the rate at which the workers cluster them into
 * claims; the time to a reference number, p50 / p99. Baseline in the same run: a bare insert of the same rows
 * (one transaction each, the same concurrency, no HTTP, no outbox).
 *
 *   npm run bench -- reports [--count 2000] [--concurrency 16] [--claims 10]
 *
 * Proofs of work are solved before the clock starts (that is the voter's browser's work, not the hub's). One
 * process holds the hub, its workers and the load generator, with PostgreSQL and Redis on the same cores.
 */
import { randomBytes } from 'node:crypto';
import { request, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import { solveChallenge } from 'altcha-lib';
import { loadConfig } from '../src/config.js';
import { createDeps, hubInstanceId } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/infra/logger.js';
import { startWorkers } from '../src/worker/runtime.js';
import { describeStats, figures, fmt, freePort, freshDatabase, log, machineLine, onCleanup, option, queuePrefix, REDIS_URL, round, run, sleep, stats } from './lib/escalation-rig.js';

const COUNT = option('count', 2000);
const CONCURRENCY = option('concurrency', 16);
const CLAIMS = option('claims', 10);

const SUBJECTS = ['vote by text message', 'the election moved to Wednesday', 'polls close at noon', 'ballots with stains are thrown away', 'drop boxes were removed', 'you need a passport to vote', 'mail ballots will not be counted', 'vote centers ask for proof of citizenship', 'register to vote by phone', 'voting machines flip votes'];
const PLACES = ['Fresno', 'Los Angeles', 'Orange County', 'Kern', 'Sacramento', 'San Diego', 'Alameda', 'Riverside'];
/** Report i is about one of CLAIMS subjects (at most 10), in words that vary from report to report. */
function claimText(i: number): string {
  const subject = SUBJECTS[i % Math.min(CLAIMS, SUBJECTS.length)]!;
  const place = PLACES[Math.floor(i / SUBJECTS.length) % PLACES.length]!;
  const lead = ['', 'Saw a post: ', 'Heard that ', 'Text says '][i % 4];
  return `${lead}${subject} in ${place}${'!'.repeat(i % 3)}`;
}

function post(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

run(async () => {
  log(machineLine());
  const { url: dbUrl, db, describe } = await freshDatabase();
  log(describe);
  const port = await freePort();
  const config = loadConfig({
    DATABASE_URL: dbUrl,
    NODE_ENV: 'production',
    ESTF_DEMO: 'false',
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ESTF_QUEUE_PREFIX: queuePrefix('reports'),
    LOG_LEVEL: 'warn',
    ESTF_REPORT_CLIENT_LIMIT: '10000',
    ESTF_REPORT_SURGE_LIMIT: '1000000',
    ESTF_REPORT_MIN_FILL_TIME: '0',
    ESTF_REPORT_POW_MAX: '1000',
    ESTF_CLAIM_PROMOTE_REPORTS: '1000000',
    ESTF_CLAIM_PROMOTE_COUNTIES: '59',
  });
  const logger = createLogger('warn');
  const deps = createDeps(config, logger, { url: dbUrl, db, instanceId: await hubInstanceId(db) }, REDIS_URL);
  onCleanup(() => deps.close());
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  const workers = await startWorkers(deps);
  onCleanup(() => workers.close());
  const base = `http://127.0.0.1:${port}`;

  // Proofs solved and bodies built before the clock starts.
  log(`preparing ${COUNT} reports (proofs of work solved in advance)…`);
  const started = await deps.services.publicReports.formToken(Date.now() - 60_000);
  const bodies: Array<{ body: Buffer; type: string }> = [];
  for (let i = 0; i < COUNT; i++) {
    const c = (await (await fetch(`${base}/report/altcha`)).json()) as { algorithm: string; challenge: string; salt: string; signature: string; maxnumber: number };
    const s = (await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise)!;
    const fd = new FormData();
    fd.set('started', started);
    fd.set('website', '');
    fd.set('claim', claimText(i));
    fd.set('where', 'SOCIAL_MEDIA');
    fd.set('when', 'TODAY');
    fd.set('county', ['06019', '06037', '06059', '06029'][i % 4]!);
    fd.set('altcha', Buffer.from(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: s.number, salt: c.salt, signature: c.signature })).toString('base64'));
    const r = new Request('http://x/', { method: 'POST', body: fd });
    bodies.push({ body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type')! });
  }

  // Baseline: a bare insert of the same rows, one transaction each, at the same concurrency.
  const baselineRows = bodies.map((_, i) => ({ reference: `B-${randomBytes(6).toString('hex')}`, language: 'en', claim_text: claimText(i), seen_where: 'SOCIAL_MEDIA', seen_when: 'TODAY', county: '06019', client_hash: randomBytes(32) }));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < COUNT; i = next++) await db.insertInto('public_reports').values(baselineRows[i]!).execute();
  }));
  const baselineMs = performance.now() - t0;
  const baselineRate = COUNT / (baselineMs / 1000);
  await db.deleteFrom('public_reports').where('reference', 'like', 'B-%').execute();
  log(`baseline: bare insert of ${COUNT} rows: ${fmt(baselineRate)} rows/s`);

  // The form, as voters use it, with the workers clustering behind it.
  const latencies: number[] = [];
  const failures: Record<number, number> = {};
  next = 0;
  const t1 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < COUNT; i = next++) {
      const s = performance.now();
      const r = await post(`${base}/report/en`, bodies[i]!.body, { 'content-type': bodies[i]!.type, origin: base });
      if (r.status === 200 && /class="reference"/.test(r.body)) latencies.push(performance.now() - s);
      else failures[r.status] = (failures[r.status] ?? 0) + 1;
    }
  }));
  const submitMs = performance.now() - t1;
  const submitRate = latencies.length / (submitMs / 1000);
  // Clustering: until every stored report has its claim.
  for (;;) {
    const left = Number((await db.selectFrom('public_reports').select((eb) => eb.fn.countAll<string>().as('n')).where('clustered_at', 'is', null).executeTakeFirstOrThrow()).n);
    if (left === 0) break;
    if (performance.now() - t1 > 600_000) throw new Error(`${left} reports still unclustered after 10 minutes`);
    await sleep(100);
  }
  const clusteredMs = performance.now() - t1;
  const clusteredRate = latencies.length / (clusteredMs / 1000);
  const claims = Number((await db.selectFrom('claims').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const s = stats(latencies);
  log(`form: ${latencies.length} reports accepted (${JSON.stringify(failures)} refused) at ${CONCURRENCY} concurrent clients: ${fmt(submitRate)} reports/s`);
  log(`time to a reference number: ${describeStats(s)}`);
  log(`clustered into ${claims} claims (${Math.min(CLAIMS, SUBJECTS.length)} subjects in the text, 8 places): all clustered ${fmt(clusteredMs / 1000, 2)} s after the first post: ${fmt(clusteredRate)} reports/s with clustering`);
  log(`ratio to the bare insert: submissions ${fmt(submitRate / baselineRate, 3)}, with clustering ${fmt(clusteredRate / baselineRate, 3)}`);
  console.log(
    JSON.stringify({
      bench: 'reports',
      count: COUNT,
      concurrency: CONCURRENCY,
      submissionsPerSec: round(submitRate),
      withClusteringPerSec: round(clusteredRate),
      referenceMs: figures(s),
      claims,
      baseline: { bareInsertPerSec: round(baselineRate) },
      ratio: round(clusteredRate / baselineRate, 3),
      submissionRatio: round(submitRate / baselineRate, 3),
    }),
  );
});
