/**
 * `npm run bench -- abuse`: a CRITICAL incident filed over GraphQL → the first on-call webhook received, p50 /
 * p99, on a quiet hub and then while attackers loop the cost-bypass requests of issue 10 (security findings).
 *
 *   npm run bench -- abuse [--count 60] [--rate 2] [--attackers 8] [--same-token] [--seed 3000] [--single] [--keep]
 *
 * The original attack: sixteen aliases of `incidents(first: $n) { … timeline(first: $n) comments(first: $n) }`
 * with n = 500 took ~10 s of API CPU, drained the pool, and delayed a CRITICAL page from 0.25 s to 12.1 s; so
 * did matchObservables with 10,000 values and 3 × 10,000 reportIndicators items under aliases.
 *
 * 1. A fresh database (estf_bench_<random>, dropped at the end unless --keep), migrated and seeded; --seed
 *    incidents from bench/seed-incidents.ts, each with 12 comments in its timeline, so that the pages the
 *    attackers ask for are full.
 * 2. One county analyst who files, one SOS coordinator who writes the rule (CRITICAL incidents page
 *    sos/security-duty at level 1), one on-call user of that duty with a WEBHOOK contact method pointing at a
 *    receiver in this process; --attackers analysts of as many counties (one token with --same-token).
 * 3. The hub as production runs it: `estf serve` + `estf work` (two processes), or `estf start` with --single;
 *    NODE_ENV=production, private webhook targets allowed for the local receiver.
 * 4. Quiet: --count CRITICAL incidents at --rate per second, each timed from its request sent to its page's
 *    body received. Under attack: the same, while every attacker loops, one request at a time, over the request
 *    types of ATTACKS below (its own starting point, so the mix is even from the first second); attackers start
 *    a second before the filings and stop once the last page arrived (requests in flight are waited for).
 * 5. Per request type: how many were sent, their answer codes (OK, or errors[0].extensions.code), and the median
 *    time the API took to answer (to refuse, for the refused ones), measured here from sending to the full body.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { buildSchema, parse } from 'graphql';
import { sql } from 'kysely';
import { systemPrincipal } from '../src/access/principal.js';
import { MAX_COST, operationCost } from '../src/graphql/cost.js';
import { SCHEMA_PATH } from '../src/graphql/yoga.js';
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
import { seedIncidents } from './seed-incidents.js';

const COUNT = option('count', 60);
const RATE = option('rate', 2);
const ATTACKERS = option('attackers', 8);
const SEED = option('seed', 3_000);
const SINGLE = flag('single');
const SAME_TOKEN = flag('same-token');
const WARMUP = 10;
/** No single attack request is waited for longer than this (the API's statement timeout is 15 s). */
const REQUEST_TIMEOUT_MS = 60_000;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

// ── The abusive requests ────────────────────────────────────────────────────────────────────────────

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const costOf = (query: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(query), null, variables)?.cost ?? NaN;

const nested = (alias: string) =>
  `${alias}: incidents(first: $n) { edges { node { id reference title timeline(first: $n) { edges { node { id kind at body } } } comments(first: $n) { edges { node { id at body } } } } } }`;
const aliasesOf = (k: number) => `query Abuse($n: Int) { ${Array.from({ length: k }, (_, i) => nested(`a${i}`)).join('\n')} }`;

/**
 * The largest accepted request of the same shape: 15 aliases (armor's alias limit) of a page of 50 incidents,
 * each with a timeline page and a comments page of t entries, t the largest that stays within the cost limit.
 */
function heaviestAccepted(): { query: string; t: number; cost: number } {
  const q = (t: number) =>
    `query Heavy { ${Array.from(
      { length: 15 },
      (_, i) =>
        `a${i}: incidents(first: 50) { edges { node { id reference title timeline(first: ${t}) { edges { node { id kind at body } } } comments(first: ${t}) { edges { node { id at body } } } } } }`,
    ).join('\n')} }`;
  let t = 1;
  while (costOf(q(t + 1)) <= MAX_COST) t++;
  return { query: q(t), t, cost: costOf(q(t)) };
}
const HEAVY = heaviestAccepted();

/** n values of every shape matchObservables looks up (addresses, host names, URLs, e-mail addresses, hashes). */
function observables(n: number, tag: string): string[] {
  return Array.from({ length: n }, (_, i) => {
    switch (i % 5) {
      case 0:
        return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      case 1:
        return `host-${i}.${tag}.example.com`;
      case 2:
        return `https://login-${i}.${tag}.example.net/reset?u=${i}`;
      case 3:
        return `user${i}@${tag}-mail.example.org`;
      default:
        return createHash('sha256').update(`${tag}/${i}`).digest('hex');
    }
  });
}
const reports = (n: number, tag: string) => observables(n, tag).map((value) => ({ value, tlp: 'GREEN', description: 'abuse benchmark' }));

const MATCH1 = 'query Match($v: [String!]!) { matchObservables(values: $v) { matches { value via } invalid { input reason } } }';
const MATCH2 = 'query Match2($a: [String!]!, $b: [String!]!) { a: matchObservables(values: $a) { matches { value } } b: matchObservables(values: $b) { matches { value } } }';
const REPORT1 = 'mutation Report($a: [IndicatorReportInput!]!) { reportIndicators(input: $a) { index ok created } }';
const REPORT3 =
  'mutation Report3($a: [IndicatorReportInput!]!, $b: [IndicatorReportInput!]!, $c: [IndicatorReportInput!]!) { a: reportIndicators(input: $a) { ok } b: reportIndicators(input: $b) { ok } c: reportIndicators(input: $c) { ok } }';

interface Attack {
  /** What it is, for the output. */
  what: string;
  /** The answer the fixed hub gives: a code, or OK (executed). */
  expect: string;
  /** The request; `tag` makes values unique per request, so each report is real work and no cache answers it. */
  body: (tag: string) => { query: string; variables: Record<string, unknown> };
}

const ATTACKS: Record<string, Attack> = {
  aliases16: {
    what: '16 aliases of incidents/timeline/comments(first: $n), n = 500 (the original attack)',
    expect: 'refused',
    body: () => ({ query: aliasesOf(16), variables: { n: 500 } }),
  },
  aliases15: {
    what: '15 aliases (the alias limit) of incidents/timeline/comments(first: $n), n = 500',
    expect: 'QUERY_TOO_COSTLY',
    body: () => ({ query: aliasesOf(15), variables: { n: 500 } }),
  },
  heavyAccepted: {
    what: `15 aliases of incidents(first: 50) { timeline(first: ${HEAVY.t}) comments(first: ${HEAVY.t}) } (cost ${HEAVY.cost} of ${MAX_COST})`,
    expect: 'OK',
    body: () => ({ query: HEAVY.query, variables: {} }),
  },
  match10k: {
    what: 'matchObservables with 10,000 values',
    expect: 'OK',
    body: (tag) => ({ query: MATCH1, variables: { v: observables(10_000, tag) } }),
  },
  match2x10k: {
    what: 'matchObservables 2 × 10,000 values under aliases',
    expect: 'BAD_USER_INPUT',
    body: (tag) => ({ query: MATCH2, variables: { a: observables(10_000, `${tag}a`), b: observables(10_000, `${tag}b`) } }),
  },
  report10k: {
    what: 'reportIndicators with 10,000 items',
    expect: 'OK',
    body: (tag) => ({ query: REPORT1, variables: { a: reports(10_000, tag) } }),
  },
  report3x10k: {
    what: 'reportIndicators 3 × 10,000 items under aliases',
    expect: 'BAD_USER_INPUT',
    body: (tag) => ({ query: REPORT3, variables: { a: reports(10_000, `${tag}a`), b: reports(10_000, `${tag}b`), c: reports(10_000, `${tag}c`) } }),
  },
};
const KINDS = Object.keys(ATTACKS);

run(async () => {
  log(`abuse benchmark: CRITICAL incident filed → first on-call webhook, quiet and while ${ATTACKERS} attackers loop the requests of issue 10; ${COUNT} incidents at ${RATE}/s each`);
  log(machineLine());
  const { url, db, config, describe } = await freshDatabase();
  log(describe);

  // ── Data the attackers' pages find: incidents with full timelines ───────────────────────────────
  const seeded = await seedIncidents(url, { count: SEED });
  await sql`insert into incident_timeline (incident_id, at, kind, actor_user_id, actor_organization_id, body)
    select i.id, i.reported_at + g * interval '1 hour', 'COMMENT', i.reporting_user_id, i.reporting_organization_id, 'comment ' || g || ' on ' || i.reference
    from incidents i, generate_series(1, 12) g`.execute(db);
  await sql`vacuum (analyze) incidents, incident_timeline`.execute(db);
  log(`seeded ${seeded.incidents.toLocaleString('en-US')} incidents with 12 comments each in ${fmt(seeded.ms / 1000)} s`);

  // ── Who files, who is paged, who attacks, and the rule ──────────────────────────────────────────
  const services = createServices({ db, config });
  const operator = systemPrincipal('bench');
  const user = async (organization: string, roles: Array<'ANALYST' | 'COORDINATOR'>, label: string) => {
    const email = `${label}@${organization}.bench`;
    await services.identity.createUser(operator, { email, name: `${label} of ${organization}`, organization, roles });
    return { email, token: (await services.identity.issueApiToken(operator, { email, name: 'abuse benchmark' })).token };
  };
  const county = await user('county-los-angeles', ['ANALYST'], 'analyst');
  const coordinator = await user('sos', ['COORDINATOR', 'ANALYST'], 'coordinator');
  const onCall = await user('sos', ['ANALYST'], 'oncall');
  const counties = (await db.selectFrom('organizations').select('slug').where('kind', '=', 'COUNTY').where('slug', '!=', 'county-los-angeles').orderBy('slug').execute()).map((o) => o.slug);
  const attackers: Array<{ token: string }> = [];
  for (let i = 0; i < ATTACKERS; i++) {
    if (SAME_TOKEN && i > 0) attackers.push(attackers[0]!);
    else attackers.push(await user(counties[i % counties.length]!, ['ANALYST'], `attacker${i}`));
  }
  const receiver = await startReceiver();
  await services.oncall.setSchedule(operator, { organization: 'sos', duty: 'security-duty', participants: [onCall.email], shiftLengthHours: 24, handoffTime: '09:00' });
  await services.oncall.addContactMethod(operator, { email: onCall.email, kind: 'WEBHOOK', target: receiver.url });
  await db.updateTable('routing_rules').set({ enabled: false }).execute();

  // ── The hub ───────────────────────────────────────────────────────────────────────────────────────
  const port = await freePort();
  const hubEnv = {
    DATABASE_URL: url,
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ESTF_QUEUE_PREFIX: queuePrefix('abuse'),
    ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true',
  };
  const hubs = SINGLE ? [await startHubProcess('start', hubEnv)] : [await startHubProcess('serve', hubEnv), await startHubProcess('work', hubEnv)];
  const gqlUrl = `http://127.0.0.1:${port}/graphql`;
  log(
    `hub: ${SINGLE ? 'node bin/estf.js start (API + workers in one process)' : 'node bin/estf.js serve + node bin/estf.js work (API and workers in two processes)'}, NODE_ENV=production, ` +
      `API pool ${config.database.apiPoolSize} with statement timeout ${config.database.apiStatementTimeoutMs} ms, at ${gqlUrl}`,
  );

  type Answer = { status: number; data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  const post = async (token: string, body: { query: string; variables: Record<string, unknown> }, signal?: AbortSignal): Promise<Answer> => {
    const res = await fetch(gqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal });
    const text = await res.text();
    try {
      return { status: res.status, ...(JSON.parse(text) as Omit<Answer, 'status'>) };
    } catch {
      return { status: res.status, errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
    }
  };
  const codeOf = (a: Answer) => (a.errors?.length ? (a.errors[0]!.extensions?.code ?? `HTTP ${a.status} (no code)`) : a.data ? 'OK' : `HTTP ${a.status}`);

  const rule = await post(coordinator.token, {
    query: `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`,
    variables: { input: { name: 'bench-critical', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] } },
  });
  if (rule.errors) throw new Error(`createRoutingRule: ${JSON.stringify(rule.errors)}`);
  // The attackers' pages must find incidents, or the heavy request is light.
  const seen = await post(attackers[0]!.token, { query: '{ incidents(first: 50) { totalCount } }', variables: {} });
  log(`an attacker sees ${seen.data?.incidents?.totalCount ?? '?'} incidents`);

  // ── Filing CRITICAL incidents at a steady rate ────────────────────────────────────────────────────
  const sentAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  receiver.onPage = (body, at) => {
    const ref = body?.incident?.reference as string | undefined;
    if (ref && !receivedAt.has(ref)) receivedAt.set(ref, at);
  };
  let failures = 0;
  async function fileAtRate(count: number, label: string): Promise<{ refs: string[]; answerMs: number[] }> {
    const refs: string[] = [];
    const answerMs: number[] = [];
    const inflight: Array<Promise<void>> = [];
    await atRate(count, RATE, (i) => {
      inflight.push(
        (async () => {
          const t = epochMs();
          const r = await post(county.token, {
            query: FILE,
            variables: { input: { title: `${label} ${i}: ballot tabulation network intrusion`, summary: 'Intrusion on the tabulation network', category: 'MALWARE', severity: 'CRITICAL', tlp: 'GREEN', affectedCounties: ['county-los-angeles'] } },
          }).catch((err: Error) => ({ status: 0, errors: [{ message: err.message }] }) as Answer);
          const answered = epochMs();
          answerMs.push(answered - t);
          if (r.errors || !r.data) {
            failures++;
            if (failures <= 3) console.error('fileIncident:', JSON.stringify(r).slice(0, 300));
            return;
          }
          const ref = r.data.fileIncident.reference as string;
          sentAt.set(ref, t);
          answeredAt.set(ref, answered);
          refs.push(ref);
        })(),
      );
    });
    await Promise.all(inflight);
    const until = Date.now() + 120_000;
    while (refs.some((r) => !receivedAt.has(r)) && Date.now() < until) await sleep(20);
    return { refs, answerMs };
  }
  const latencies = (refs: string[]) => refs.filter((r) => receivedAt.has(r)).map((r) => receivedAt.get(r)! - sentAt.get(r)!);
  // What the workers add (relay, routing, delivery: their own pool), apart from what the API took to file.
  const afterAnswer = (refs: string[]) => refs.filter((r) => receivedAt.has(r)).map((r) => receivedAt.get(r)! - answeredAt.get(r)!);
  const hubCpu = () => hubs.map((h) => processCpuMs(h.child.pid!));

  log(`\nwarm-up: ${WARMUP} incidents, and each request type once`);
  await fileAtRate(WARMUP, 'warm-up');
  for (const kind of KINDS) {
    const t = epochMs();
    const a = await post(attackers[0]!.token, ATTACKS[kind]!.body(`warm${kind}`));
    log(`  ${kind.padEnd(14)} ${codeOf(a).padEnd(26)} ${fmt(epochMs() - t, 0).padStart(6)} ms   ${a.errors?.[0]?.message.slice(0, 90) ?? ''}`);
  }

  log(`\nquiet: ${COUNT} CRITICAL incidents at ${RATE}/s`);
  let cpu0 = hubCpu();
  const quietRun = await fileAtRate(COUNT, 'quiet');
  const quietCpu = hubCpu().map((c, i) => c - cpu0[i]!);
  const quiet = stats(latencies(quietRun.refs));
  log(`  filed → webhook      ${describeStats(quiet)}`);
  log(`  filed → API answer   ${describeStats(stats(quietRun.answerMs))}`);
  log(`  API answer → webhook ${describeStats(stats(afterAnswer(quietRun.refs)))}`);

  // ── Under attack ──────────────────────────────────────────────────────────────────────────────────
  log(`\nunder attack: ${ATTACKERS} attackers (${SAME_TOKEN ? 'one token' : 'a token each'}) looping ${KINDS.length} request types, one request at a time each; ${COUNT} CRITICAL incidents at ${RATE}/s`);
  const samples = new Map<string, { codes: Record<string, number>; ms: number[] }>(KINDS.map((k) => [k, { codes: {}, ms: [] }]));
  // Attackers stop starting requests once the last page arrived; the ones in flight are waited for (at most
  // REQUEST_TIMEOUT_MS), so every request sent is counted and the hub is idle when it is stopped.
  const stop = { stopped: false };
  let serial = 0;
  const attacker = async (who: number) => {
    for (let n = who; !stop.stopped; n++) {
      const kind = KINDS[n % KINDS.length]!;
      const s = samples.get(kind)!;
      const body = ATTACKS[kind]!.body(`x${who}n${serial++}`);
      const t = epochMs();
      try {
        const a = await post(attackers[who]!.token, body, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
        const code = codeOf(a);
        s.codes[code] = (s.codes[code] ?? 0) + 1;
        s.ms.push(epochMs() - t);
      } catch (err) {
        const code = (err as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : `client error: ${(err as Error).message}`;
        s.codes[code] = (s.codes[code] ?? 0) + 1;
      }
    }
  };
  cpu0 = hubCpu();
  const attackStarted = performance.now();
  const attacking = attackers.map((_, i) => attacker(i));
  await sleep(1_000);
  const attackRun = await fileAtRate(COUNT, 'attacked');
  stop.stopped = true;
  const stoppedAt = performance.now();
  await Promise.all(attacking);
  log(`  (the last attack requests in flight took ${fmt((performance.now() - stoppedAt) / 1000)} s more)`);
  const attackSeconds = (performance.now() - attackStarted) / 1000;
  const attackCpu = hubCpu().map((c, i) => c - cpu0[i]!);
  const attacked = stats(latencies(attackRun.refs));
  const missing = attackRun.refs.filter((r) => !receivedAt.has(r)).length + quietRun.refs.filter((r) => !receivedAt.has(r)).length;
  log(`  filed → webhook      ${describeStats(attacked)}${missing ? `   ${missing} never paged` : ''}`);
  log(`  filed → API answer   ${describeStats(stats(attackRun.answerMs))}`);
  log(`  API answer → webhook ${describeStats(stats(afterAnswer(attackRun.refs)))}`);
  log(`  attack requests over ${fmt(attackSeconds)} s (answer time from sending to the full answer, here):`);
  const perKind = Object.fromEntries(
    KINDS.map((k) => {
      const s = samples.get(k)!;
      const count = Object.values(s.codes).reduce((a, b) => a + b, 0);
      const st = stats(s.ms);
      const expected = ATTACKS[k]!.expect;
      // Anything executed that should have been refused, or refused that should have run, is worth a look.
      const asExpected = expected === 'refused' ? !s.codes.OK : (s.codes[expected] ?? 0) === count;
      log(
        `  ${k.padEnd(14)} ${String(count).padStart(4)} sent   median ${fmt(st.p50, 0).padStart(6)} ms   p99 ${fmt(st.p99, 0).padStart(6)} ms   ${JSON.stringify(s.codes)}${
          asExpected ? '' : `   (expected ${expected})`
        }\n                 ${ATTACKS[k]!.what}`,
      );
      return [k, { what: ATTACKS[k]!.what, expect: expected, count, codes: s.codes, medianMs: round(st.p50), p99Ms: round(st.p99), asExpected }];
    }),
  );
  const seconds = (ms: number[]) => ms.map((m) => round(m / 1000, 1));
  log(
    `  hub CPU: quiet ${quietCpu.map((c) => fmt(c / 1000, 1)).join(' + ')} s, under attack ${attackCpu.map((c) => fmt(c / 1000, 1)).join(' + ')} s over ${fmt(attackSeconds)} s (${
      SINGLE ? 'estf start' : 'API + workers'
    })`,
  );
  const unexpected = Object.values(perKind).some((k) => !k.asExpected);
  if (failures || unexpected) {
    log(`  ${failures} filings failed${unexpected ? ', some attack requests were not answered as expected' : ''}; what the hub logged (errors, each once):`);
    const seen = new Set<string>();
    for (const line of hubs.flatMap((h) => h.stderr().split('\n'))) {
      try {
        const e = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } | string };
        if ((e.level ?? 0) >= 50) seen.add(`${e.msg ?? ''}: ${typeof e.err === 'string' ? e.err : (e.err?.message ?? '')}`);
      } catch {
        // not a log line
      }
    }
    for (const t of [...seen].slice(0, 5)) log(`  hub error: ${t.slice(0, 300)}`);
  }

  for (const h of hubs) await h.stop();
  const ratio = attacked.p99 / quiet.p99;
  const load = os.loadavg();
  log(`\nsummary (${os.cpus().length} cores shared by this process (filer, attackers, receiver), the hub, PostgreSQL and Redis; load average after: ${load.map((x) => x.toFixed(2)).join(' ')})`);
  log(`  quiet:        filed → first webhook p50 ${fmt(quiet.p50, 1)} ms, p99 ${fmt(quiet.p99, 1)} ms (n ${quiet.n})`);
  log(`  under attack: filed → first webhook p50 ${fmt(attacked.p50, 1)} ms, p99 ${fmt(attacked.p99, 1)} ms (n ${attacked.n}); p99 ratio ${fmt(ratio, 2)}×`);
  const refused = Object.fromEntries(Object.entries(perKind).filter(([, v]) => v.expect !== 'OK'));
  const accepted = Object.fromEntries(Object.entries(perKind).filter(([, v]) => v.expect === 'OK'));
  log(
    JSON.stringify({
      bench: 'abuse',
      layout: SINGLE ? 'estf start' : 'estf serve + estf work',
      incidents: COUNT,
      rate: RATE,
      attackers: ATTACKERS,
      sameToken: SAME_TOKEN,
      seededIncidents: seeded.incidents,
      quiet: { ...figures(quiet), apiAnswer: figures(stats(quietRun.answerMs)), answerToWebhook: figures(stats(afterAnswer(quietRun.refs))) },
      underAttack: { ...figures(attacked), apiAnswer: figures(stats(attackRun.answerMs)), answerToWebhook: figures(stats(afterAnswer(attackRun.refs))) },
      baseline: 'the same filings on the quiet hub, same run',
      ratio: round(ratio, 2),
      missing,
      failedFilings: failures,
      refused,
      accepted,
      hubCpuSeconds: { quiet: seconds(quietCpu), underAttack: seconds(attackCpu), processes: SINGLE ? ['estf start'] : ['estf serve', 'estf work'] },
      attackSeconds: round(attackSeconds, 1),
      cores: os.cpus().length,
      sharedCores: 'this process (filer, attackers, receiver), the hub, PostgreSQL and Redis share the cores',
      loadavgAfter: round(load[0]!),
    }),
  );
});
