/**
 * `npm run bench -- flood`: election night. CRITICAL incidents filed at a steady rate, first on a quiet hub,
 * then while a flood runs (a statewide phishing wave: LOW filings from many counties and batches of indicator
 * reports); the p99 of CRITICAL filed → first on-call webhook under the flood against the quiet p99 measured
 * in the same run (shared/design/benchmarks.md; target: ≤ 2×).
 *
 *   npm run bench -- flood [--count 100] [--rate 2] [--flood-rate 20] [--reports 200] [--report-rate 1]
 *                          [--single] [--keep]
 *
 * The hub as an operator runs it (`estf serve` + `estf work`, NODE_ENV=production); one rule pages
 * sos/security-duty (a WEBHOOK to a receiver in this process) for every incident, so the flood's LOW filings
 * page too, as a real wave would. The flood: --flood-rate LOW filings a second by county analysts, and
 * --report-rate batches a second of --reports indicator reports each.
 */
import os from 'node:os';
import { systemPrincipal } from '../src/access/principal.js';
import { createServices } from '../src/services.js';
import {
  atRate,
  describeStats,
  epochMs,
  figures,
  flag,
  fmt,
  freePort,
  freshDatabase,
  gqlClient,
  createPagingRule,
  log,
  machineLine,
  option,
  processCpuMs,
  queuePrefix,
  REDIS_URL,
  round,
  run,
  sleep,
  startHubProcess,
  startReceiver,
  stats,
} from './lib/escalation-rig.js';

const COUNT = option('count', 100);
const RATE = option('rate', 2);
const FLOOD_RATE = option('flood-rate', 20);
const REPORTS = option('reports', 200);
const REPORT_RATE = option('report-rate', 1);
const TARGET = 2;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { indicator { id } } }`;
const COUNTIES = ['county-los-angeles', 'county-orange', 'county-fresno', 'county-sacramento', 'county-san-diego', 'county-alameda'];

run(async () => {
  log(`flood benchmark: CRITICAL filed → first webhook, quiet and under a flood (${FLOOD_RATE} LOW filings/s + ${REPORT_RATE}×${REPORTS} indicator reports/s)`);
  log(machineLine());
  const { url, db, config, describe } = await freshDatabase();
  log(describe);
  const services = createServices({ db, config });
  const operator = systemPrincipal('bench');
  const user = async (organization: string, roles: Array<'ANALYST' | 'COORDINATOR'>, label: string) => {
    const email = `${label}@${organization}.bench`;
    await services.identity.createUser(operator, { email, name: `${label} of ${organization}`, organization, roles });
    return { email, token: (await services.identity.issueApiToken(operator, { email, name: 'flood benchmark' })).token };
  };
  const critical = await user('county-los-angeles', ['ANALYST'], 'analyst');
  const flooders = await Promise.all(COUNTIES.map((c) => user(c, ['ANALYST'], 'wave')));
  const coordinator = await user('sos', ['COORDINATOR', 'ANALYST'], 'coordinator');
  const onCall = await user('sos', ['ANALYST'], 'oncall');
  const receiver = await startReceiver();
  await services.oncall.setSchedule(operator, { organization: 'sos', duty: 'security-duty', participants: [onCall.email], shiftLengthHours: 24, handoffTime: '09:00' });
  await services.oncall.addContactMethod(operator, { email: onCall.email, kind: 'WEBHOOK', target: receiver.url });
  await db.updateTable('routing_rules').set({ enabled: false }).execute();

  const port = await freePort();
  const hubEnv = { DATABASE_URL: url, REDIS_URL, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, ESTF_QUEUE_PREFIX: queuePrefix('flood'), ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true' };
  const hubs = flag('single') ? [await startHubProcess('start', hubEnv)] : [await startHubProcess('serve', hubEnv), await startHubProcess('work', hubEnv)];
  const gqlUrl = `http://127.0.0.1:${port}/graphql`;
  const gql = gqlClient(gqlUrl);
  await createPagingRule(gql, coordinator.token, 'bench-all');

  const sentAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  receiver.onPage = (body, at) => {
    const ref = body?.incident?.reference as string | undefined;
    if (ref && !receivedAt.has(ref)) receivedAt.set(ref, at);
  };
  let failures = 0;
  async function fileCritical(count: number, label: string): Promise<number[]> {
    const refs: string[] = [];
    const inflight: Array<Promise<void>> = [];
    await atRate(count, RATE, (i) => {
      inflight.push(
        (async () => {
          const t = epochMs();
          const r = await gql(critical.token, FILE, {
            input: { title: `${label} ${i}: ransomware at the election office`, summary: 'Files encrypted', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN', affectedCounties: ['county-los-angeles'] },
          });
          if (r.errors || !r.data) {
            failures++;
            return;
          }
          sentAt.set(r.data.fileIncident.reference, t);
          refs.push(r.data.fileIncident.reference);
        })(),
      );
    });
    await Promise.all(inflight);
    for (const until = Date.now() + 120_000; refs.some((r) => !receivedAt.has(r)) && Date.now() < until; ) await sleep(50);
    const missing = refs.filter((r) => !receivedAt.has(r)).length;
    if (missing) log(`  ${missing} CRITICAL incidents never paged within 120 s`);
    return refs.filter((r) => receivedAt.has(r)).map((r) => receivedAt.get(r)! - sentAt.get(r)!);
  }

  log(`\nwarm-up: 20 CRITICAL incidents`);
  await fileCritical(20, 'warm-up');
  log(`\nquiet: ${COUNT} CRITICAL incidents at ${RATE}/s`);
  const quiet = stats(await fileCritical(COUNT, 'quiet'));
  log(`  CRITICAL filed → webhook   ${describeStats(quiet)}`);

  // The flood: runs until the measured CRITICAL filings are done.
  let flooding = true;
  let lowFiled = 0;
  let lowFailed = 0;
  let reported = 0;
  let reportFailed = 0;
  const floodErrors: string[] = [];
  const flood = (async () => {
    const inflight = new Set<Promise<void>>();
    let i = 0;
    const start = performance.now();
    while (flooding) {
      const due = start + (i * 1000) / FLOOD_RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const n = i++;
      const who = flooders[n % flooders.length]!;
      const p = gql(who.token, FILE, {
        input: { title: `Phishing wave ${n}`, summary: 'Credential phishing e-mail to staff', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN', affectedCounties: [COUNTIES[n % COUNTIES.length]] },
      }).then((r) => {
        if (!r.errors) return void lowFiled++;
        lowFailed++;
        const m = r.errors[0]?.message ?? '';
        if (!floodErrors.includes(m) && floodErrors.length < 3) floodErrors.push(m);
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await Promise.all(inflight);
  })();
  const reports = (async () => {
    let batch = 0;
    const start = performance.now();
    while (flooding) {
      const due = start + (batch * 1000) / REPORT_RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const b = batch++;
      const who = flooders[b % flooders.length]!;
      const input = Array.from({ length: REPORTS }, (_, k) => ({ type: 'DOMAIN', value: `login-${b}-${k}.phish-wave.example`, tlp: 'GREEN' }));
      void gql(who.token, REPORT, { input }).then((r) => void (r.errors ? reportFailed++ : (reported += REPORTS)));
    }
  })();
  await sleep(5_000); // the flood reaches its steady state before the first measured filing
  log(`\nflood: ${COUNT} CRITICAL incidents at ${RATE}/s while the flood runs`);
  const cpu0 = hubs.map((h) => processCpuMs(h.child.pid!));
  const t0 = performance.now();
  const flooded = stats(await fileCritical(COUNT, 'flood'));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = hubs.map((h, i) => processCpuMs(h.child.pid!) - cpu0[i]!);
  flooding = false;
  await Promise.all([flood, reports]);
  log(`  CRITICAL filed → webhook   ${describeStats(flooded)}`);
  log(`  flood: ${lowFiled} LOW filings (${fmt(lowFiled / elapsed)}/s, ${lowFailed} refused or failed), ${reported} indicator reports (${reportFailed} batches refused or failed)`);
  for (const m of floodErrors) log(`  a refused LOW filing: ${m.slice(0, 200)}`);
  log(`  hub CPU during the flood: ${cpu.map((c) => `${fmt(c / 10 / elapsed)}%`).join(' + ')} of a core`);
  for (const h of hubs) await h.stop();

  const ratio = flooded.p99 / quiet.p99;
  log(`\nsummary (${os.cpus().length} cores shared by the load generator, the hub, PostgreSQL and Redis; load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  log(`  CRITICAL p99 quiet ${fmt(quiet.p99, 1)} ms, under the flood ${fmt(flooded.p99, 1)} ms: ${fmt(ratio, 2)}× (target ≤ ${TARGET}×): ${ratio <= TARGET ? 'MET' : 'MISSED'}`);
  log(
    JSON.stringify({
      bench: 'flood',
      critical: { count: COUNT, rate: RATE, ...figures(flooded) },
      flood: { lowFilingsPerS: round(lowFiled / elapsed), lowFailed, indicatorReports: reported, reportBatchesFailed: reportFailed },
      baseline: { what: 'the same CRITICAL filings on the quiet hub, same run', ...figures(quiet) },
      failedCritical: failures,
      ratio: round(ratio),
      target: TARGET,
      met: ratio <= TARGET,
      cores: os.cpus().length,
      loadavgAfter: round(os.loadavg()[0]!),
    }),
  );
});
