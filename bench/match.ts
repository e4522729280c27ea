/**
 * `npm run bench -- match`: a batch lookup of 10,000 observables against 1,000,000 indicators, CIDR
 * containment included, through the service path, against the same SQL run directly
 * (shared/design/benchmarks.md).
 *
 *   npm run bench -- match [--indicators 1000000] [--observables 10000] [--runs 15] [--explain] [--keep] [--reuse <db>]
 *
 * 1. A fresh database on the local server (BENCH_DATABASE_URL, default postgres@127.0.0.1:5432), migrated and
 *    seeded like the hub's own (prepareDatabase); dropped at the end unless --keep (--reuse <db> runs on a
 *    database a --keep run left, skipping the load).
 * 2. Bulk SQL inserts: 1,000,000 indicators (domains, URLs, IPv4, IPv6, e-mail addresses, MD5 / SHA1 /
 *    SHA256 hashes, and 5,000 CIDR networks, /24 and /16, some nested), a GREEN or AMBER report of each by
 *    one of six counties (a second county's report on one in five; one in twenty expired; a few AMBER
 *    reports shared with Orange), 20,000 sightings; then ANALYZE.
 * 3. 10,000 observables: ~40% values the hub knows (one in ten spelled differently: upper case, defanged,
 *    trailing dot), ~15% addresses inside a reported network, ~44% misses, 0.5% invalid.
 * 4. The service path: `createIndicatorReportsService(...).match(principal, values, false)` in this process,
 *    for an ANALYST of county-orange (a real principal, from a token), as the matchObservables resolver
 *    calls it: type detection and normalization of every value, the matching SQL, the indicator rows of the
 *    hits. No HTTP or GraphQL layer.
 * 5. The baseline: the very SQL `matchQuery` produced for that call (captured from Kysely's query log, with
 *    the same parameters), run directly through a pg client. Runs alternate between the two; median and
 *    p95 of each; the ratio is service median ÷ baseline median (target ≤ 1.5).
 *
 * On a 2-core machine Node and PostgreSQL share the CPU (and other engineers' jobs may too): the ratio is the
 * figure to read, both sides run in the same minutes on the same machine.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { UserPrincipal } from '../src/access/principal.js';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { prepareDatabase } from '../src/deps.js';
import { createDb } from '../src/infra/db.js';
import type { Database } from '../src/infra/db-types.js';
import { createLogger } from '../src/infra/logger.js';
import { createIdentityService } from '../src/modules/identity/identity.service.js';
import { createIndicatorReportsService } from '../src/modules/indicators/reports.service.js';
import { ADMIN_URL, databaseUrl, prng, withAdmin } from './lib/servers.js';



function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive whole number`);
  return v;
}
const INDICATORS = arg('indicators', 1_000_000);
const OBSERVABLES = arg('observables', 10_000);
const RUNS = arg('runs', 15);
const EXPLAIN = process.argv.includes('--explain');
const KEEP = process.argv.includes('--keep');
const REUSE = process.argv.includes('--reuse') ? process.argv[process.argv.indexOf('--reuse') + 1] : undefined;
const CIDRS = Math.min(5_000, Math.floor(INDICATORS / 20));
const COUNTIES = ['county-orange', 'county-kern', 'county-fresno', 'county-los-angeles', 'county-san-diego', 'county-riverside'];

const log = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;




function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

// ---------------------------------------------------------------------------------------------------
// The data

async function load(db: Kysely<Database>): Promise<void> {
  const series = INDICATORS - CIDRS;
  let t = performance.now();
  // One bucket of 100 per value: 35 domains, 15 URLs, 25 IPv4, 10 SHA256, 5 MD5, 3 SHA1, 5 e-mail, 2 IPv6.
  // Canonical forms, as the hub stores them. IPv4 from a bijection of g (2654435761 is odd): all distinct.
  await sql`
    insert into indicators (type, value, first_seen, last_seen)
    select t.type, t.value, now() - (g % 720) * interval '1 hour', now() - (g % 24) * interval '1 hour'
      from generate_series(1, ${series}::int) g
      cross join lateral (select
        (array['ballot','vote','county','registrar','election','poll','secure','login','verify','update','status','mail'])[1 + g % 12] as w,
        (array['com','net','info','xyz','top','online','site','us','io','org'])[1 + (g / 12) % 10] as tld,
        (g::bigint * 2654435761) % 4294967296 as a,
        g % 100 as b) k
      cross join lateral (select case
        when k.b < 35 then 'DOMAIN' when k.b < 50 then 'URL' when k.b < 75 then 'IPV4' when k.b < 85 then 'SHA256'
        when k.b < 90 then 'MD5' when k.b < 93 then 'SHA1' when k.b < 98 then 'EMAIL' else 'IPV6' end as type) ty
      cross join lateral (select ty.type, case ty.type
        when 'DOMAIN' then k.w || '-' || to_hex(g) || '.ca-' || k.tld || '-alerts.' || k.tld
        when 'URL' then 'https://' || k.w || '-' || to_hex(g) || '.portal-' || k.tld || '.' || k.tld || '/' || k.w || '/' || to_hex(g * 7) || '?id=' || (g % 9973)
        when 'IPV4' then (k.a >> 24) || '.' || ((k.a >> 16) & 255) || '.' || ((k.a >> 8) & 255) || '.' || (k.a & 255)
        when 'SHA256' then encode(sha256(g::text::bytea), 'hex')
        when 'MD5' then md5(g::text)
        when 'SHA1' then substr(encode(sha256(('sha1-' || g)::bytea), 'hex'), 1, 40)
        when 'EMAIL' then 'user.' || to_hex(g) || '@' || k.w || '-mail.' || k.tld
        else '2001:470:' || to_hex((g >> 15) + 1) || ':' || to_hex((g & 32767) + 1) || '::' || to_hex(g % 7 + 1) end as value) t`.execute(db);
  // Networks: /24s (90%) and /16s, some /24s inside reported /16s.
  await sql`
    insert into indicators (type, value, first_seen, last_seen)
    select 'CIDR', case when k < ${Math.floor(CIDRS * 0.9)}::int
        then (11 + k % 200) || '.' || ((k * 37) % 256) || '.' || (k / 200) || '.0/24'
        else (30 + k % 150) || '.' || ((k * 53) % 256) || '.0.0/16' end,
      now() - interval '10 days', now() - interval '1 day'
      from generate_series(0, ${CIDRS - 1}::int) k
    on conflict do nothing`.execute(db);
  log(`  indicators: ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const counties = sql.join(COUNTIES.map((c) => sql`${c}`));
  // One report per indicator by one of six counties (70% GREEN, 30% AMBER; one in twenty expired), and a
  // second county's report of one in five.
  await sql`
    with o as (select array_agg(id order by array_position(array[${counties}]::text[], slug)) as ids from organizations where slug in (${counties}))
    insert into indicator_reports (indicator_id, organization_id, tlp, confidence, valid_from, valid_until, created_at, updated_at)
    select i.id, o.ids[1 + (i.id % 6)], case when i.id % 10 < 7 then 'GREEN' else 'AMBER' end, 50 + (i.id % 50),
           i.first_seen, case when i.id % 20 = 0 then now() - interval '1 day' end, i.first_seen, i.last_seen
      from indicators i, o
    union all
    select i.id, o.ids[1 + ((i.id + 1) % 6)], case when i.id % 3 = 0 then 'GREEN' else 'AMBER' end, 70,
           i.last_seen, null, i.last_seen, i.last_seen
      from indicators i, o where i.id % 5 = 0`.execute(db);
  // A few AMBER reports of other counties shared with Orange.
  await sql`
    insert into indicator_report_shares (report_id, organization_id)
    select r.id, (select id from organizations where slug = 'county-orange')
      from indicator_reports r where r.tlp = 'AMBER' and r.id % 50 = 3
    on conflict do nothing`.execute(db);
  await sql`
    with o as (select array_agg(id order by slug) as ids from organizations where slug in (${counties}))
    insert into sightings (indicator_id, organization_id, seen_at, count, tlp)
    select i.id, o.ids[1 + (i.id / 50) % 6], now() - (i.id % 48) * interval '1 hour', 1 + i.id % 5,
           case when (i.id / 50) % 2 = 0 then 'GREEN' else 'AMBER' end
      from indicators i, o where i.id % ${Math.max(1, Math.round(INDICATORS / 20_000))}::int = 11`.execute(db);
  log(`  reports, shares, sightings: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await sql`analyze`.execute(db);
  log(`  analyze: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** 10,000 raw observables: hits (some respelled), addresses inside networks, misses, invalid values. */
async function observables(db: Kysely<Database>): Promise<{ values: string[]; planned: Record<string, number> }> {
  const r = prng(20261125);
  const hitsWanted = Math.round(OBSERVABLES * 0.4);
  const inNetWanted = Math.round(OBSERVABLES * 0.15);
  const invalidWanted = Math.round(OBSERVABLES * 0.005);
  const total = await sql<{ n: number }>`select count(*)::int as n from indicators`.execute(db);
  const step = Math.max(1, Math.floor(total.rows[0]!.n / (hitsWanted * 1.2)));
  const { rows: hitRows } = await sql<{ type: string; value: string }>`
    select type, value from indicators where type <> 'CIDR' and id % ${step}::int = 7 order by id limit ${hitsWanted}::int`.execute(db);
  const { rows: nets } = await sql<{ value: string }>`select value from indicators where type = 'CIDR' order by id`.execute(db);
  const values: string[] = [];
  for (const h of hitRows) {
    let v = h.value;
    const x = r();
    if (x < 0.1 && h.type === 'DOMAIN') v = r() < 0.4 ? v.toUpperCase() : r() < 0.5 ? v.replaceAll('.', '[.]') : `${v}.`;
    else if (x < 0.1 && h.type === 'URL') v = v.replace('https://', 'hxxps://');
    else if (x < 0.1 && h.type === 'IPV4') v = v.replaceAll('.', '[.]');
    values.push(v);
  }
  for (let i = 0; i < inNetWanted && nets.length; i++) {
    const [net, bits] = nets[Math.floor(r() * nets.length)]!.value.split('/');
    const p = net!.split('.').map(Number);
    const host = Number(bits) === 24 ? [p[0], p[1], p[2], 1 + Math.floor(r() * 254)] : [p[0], p[1], Math.floor(r() * 256), 1 + Math.floor(r() * 254)];
    values.push(host.join('.'));
  }
  let misses = 0;
  while (values.length < OBSERVABLES - invalidWanted) {
    const k = misses++;
    const x = r();
    if (x < 0.45) values.push(`cdn-${k.toString(36)}.benign-${Math.floor(r() * 1e6)}.com`);
    else if (x < 0.75) values.push(`${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`);
    else if (x < 0.85) values.push(`https://www.news-${k.toString(36)}.org/article/${k}`);
    else values.push(Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join(''));
  }
  for (let i = 0; i < invalidWanted; i++) values.push(i % 2 ? `999.1.1.${i % 256}` : `not an indicator ${i}`);
  // Shuffle (Fisher-Yates): proxy logs do not arrive sorted.
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return { values, planned: { known: hitRows.length, inside_networks: inNetWanted, misses, invalid: invalidWanted } };
}

// ---------------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const name = REUSE ?? `estf_bench_match_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = databaseUrl(name);
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const server = await withAdmin(async (c) => {
      if (!REUSE) await c.query(`create database "${name}"`);
      const { rows } = await c.query<{ v: string; sb: string; wm: string }>(
        `select current_setting('server_version') as v, current_setting('shared_buffers') as sb, current_setting('work_mem') as wm`,
      );
      return rows[0]!;
    });
    if (!KEEP && !REUSE) cleanups.push(() => withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)));
    log(`PostgreSQL ${server.v} (shared_buffers ${server.sb}, work_mem ${server.wm}) at ${new URL(ADMIN_URL).host}; ${os.cpus().length} CPUs shared by Node and PostgreSQL (and whatever else runs on this machine)`);
    log(`database ${name}${REUSE ? ' (reused)' : KEEP ? ' (kept)' : ''}`);

    const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'production', ESTF_DEMO: 'false', LOG_LEVEL: 'silent' });
    const db = createDb(url, { max: 4, applicationName: 'estf-bench-match' });
    cleanups.unshift(() => db.destroy());
    // Also on a reused database: it gets the migrations written since it was loaded.
    await prepareDatabase(db, config, createLogger('silent'));
    if (!REUSE) {
      log(`loading ${n(INDICATORS)} indicators (${n(CIDRS)} networks) …`);
      await load(db);
    }
    const { rows: sizes } = await sql<{ i: number; r: number; s: number; nets: number; bytes: string }>`
      select (select count(*) from indicators)::int as i, (select count(*) from indicator_reports)::int as r,
             (select count(*) from sightings)::int as s, (select count(*) from indicators where type = 'CIDR')::int as nets,
             pg_size_pretty(pg_database_size(current_database())) as bytes`.execute(db);
    const size = sizes[0]!;
    log(`data: ${n(size.i)} indicators (${n(size.nets)} networks), ${n(size.r)} reports, ${n(size.s)} sightings; database ${size.bytes}`);

    // A county analyst, as a token would make it.
    const identity = createIdentityService({ db, config });
    const sys = systemPrincipal('bench');
    const email = `bench-${randomBytes(3).toString('hex')}@county-orange.bench`;
    await identity.createUser(sys, { email, name: 'Match bench analyst', organization: 'county-orange', roles: ['ANALYST'] });
    const { token } = await identity.issueApiToken(sys, { email });
    const principal = (await identity.authenticate(token, { requestId: null, clientAddress: null })) as UserPrincipal;
    if (!principal) throw new Error('could not authenticate the bench user');

    const { values, planned } = await observables(db);
    log(`observables: ${n(values.length)} (${Object.entries(planned).map(([k, v]) => `${n(v)} ${k.replaceAll('_', ' ')}`).join(', ')})`);

    const service = createIndicatorReportsService({ db, config });

    // The SQL matchQuery produces for this very call, captured from a Kysely instance that logs its queries.
    const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const capturePool = new pg.Pool({ connectionString: url, max: 1 });
    const captureDb = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: capturePool }),
      log: (e) => {
        if (e.level === 'query') captured.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    const probe = await createIndicatorReportsService({ db: captureDb, config }).match(principal, values, false);
    await captureDb.destroy();
    const matchSql = captured.find((q) => /with obs as/.test(q.sql));
    if (!matchSql) throw new Error(`matchQuery's SQL was not captured (${captured.length} queries)`);

    const client = new pg.Client({ connectionString: url, application_name: 'estf-bench-match-baseline' });
    await client.connect();
    cleanups.unshift(() => client.end());
    const direct = async () => (await client.query(matchSql.sql, matchSql.parameters as unknown[])).rowCount ?? 0;

    // Results are the same either way.
    const baselineRows = await direct();
    const byVia = probe.matches.reduce<Record<string, number>>((acc, m) => ({ ...acc, [m.via]: (acc[m.via] ?? 0) + 1 }), {});
    log(`result: ${n(probe.matches.length)} matches (${Object.entries(byVia).map(([k, v]) => `${n(v)} ${k}`).join(', ')}), ${n(probe.invalid.length)} invalid; direct SQL rows ${n(baselineRows)}`);
    if (baselineRows !== probe.matches.length) throw new Error(`the direct SQL returned ${baselineRows} rows, the service ${probe.matches.length} matches`);

    if (EXPLAIN) {
      const { rows } = await client.query(`explain (analyze, buffers) ${matchSql.sql}`, matchSql.parameters as unknown[]);
      log('');
      log(rows.map((x: any) => x['QUERY PLAN']).join('\n'));
    }

    // Warm-up, then alternating runs.
    for (let i = 0; i < 2; i++) {
      await service.match(principal, values, false);
      await direct();
    }
    const svc: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? ['service', 'direct'] : ['direct', 'service'];
      for (const which of order) {
        const t0 = performance.now();
        if (which === 'service') await service.match(principal, values, false);
        else await direct();
        (which === 'service' ? svc : base).push(performance.now() - t0);
      }
    }
    svc.sort((a, b) => a - b);
    base.sort((a, b) => a - b);
    const s50 = percentile(svc, 50);
    const s95 = percentile(svc, 95);
    const b50 = percentile(base, 50);
    const b95 = percentile(base, 95);
    const ratio = s50 / b50;
    log('');
    log(`service  match(): median ${s50.toFixed(1)} ms, p95 ${s95.toFixed(1)} ms, min ${svc[0]!.toFixed(1)} ms over ${RUNS} runs`);
    log(`direct   SQL:     median ${b50.toFixed(1)} ms, p95 ${b95.toFixed(1)} ms, min ${base[0]!.toFixed(1)} ms over ${RUNS} runs`);
    log(`ratio: ${ratio.toFixed(2)}× the direct SQL time at the median (p95 ${(s95 / b95).toFixed(2)}×; target ≤ 1.5×)`);
    log(`(${os.cpus().length} shared cores: Node, PostgreSQL and other jobs on this machine compete; runs alternate so both sides see the same load)`);
    log(
      JSON.stringify({
        bench: 'match',
        indicators: size.i,
        networks: size.nets,
        reports: size.r,
        sightings: size.s,
        observables: values.length,
        matches: probe.matches.length,
        matches_cidr: byVia.CIDR ?? 0,
        invalid: probe.invalid.length,
        runs: RUNS,
        path: 'service: createIndicatorReportsService(...).match(principal, values, false), county-orange ANALYST, in-process (no HTTP)',
        median_ms: round(s50, 1),
        p95_ms: round(s95, 1),
        cpus: os.cpus().length,
        baseline: { method: "matchQuery's SQL with the same parameters, run directly through pg", median_ms: round(b50, 1), p95_ms: round(b95, 1) },
        ratio: round(ratio, 3),
        ratio_p95: round(s95 / b95, 3),
      }),
    );
  } finally {
    for (const c of cleanups) await c().catch((err) => process.stderr.write(`cleanup: ${err instanceof Error ? err.message : err}\n`));
  }
}

await main();
