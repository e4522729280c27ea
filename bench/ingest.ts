/**
 * `npm run bench -- ingest`: the indicator bulk import (parse, normalize, deduplicate, upsert) of 1,000,000
 * values, against a binary COPY of the same final rows into identical tables (shared/design/benchmarks.md).
 *
 *   npm run bench -- ingest [--count 1000000] [--batch 5000] [--keep] [--write-feed <file>]
 *
 * 1. A fresh database on the local server (BENCH_DATABASE_URL, default postgres@127.0.0.1:5432), migrated,
 *    partners seeded; dropped at the end unless --keep.
 * 2. A CSV of --count lines in the temp directory: a mix of every indicator type in the spellings feeds use
 *    (upper case, defanged, trailing dots), ~5% repeats of earlier values (often spelled differently), ~0.1%
 *    invalid lines, a description on one line in five.
 * 3. The import through the real path (the indicators service, as `estf indicators import` calls it), with
 *    its resident memory sampled every 20 ms.
 * 4. The baseline: the rows the import produced (indicators and reports) exported, then loaded with binary
 *    COPY into the same tables of a second database, copied (CREATE DATABASE … TEMPLATE) from the first
 *    before the import: the same columns, generated inet column, checks, unique b-tree, GiST and foreign
 *    keys, equally fresh. The import writes both tables, so the baseline loads both; the indicators-only
 *    COPY is printed too.
 *
 * rows/s counts final indicator rows for both sides; the ratio is import rows/s over COPY rows/s (target
 * ≥ 0.5). On a 2-core machine Node (parsing, normalizing) and PostgreSQL share the CPU during the import;
 * the COPY baseline is almost all PostgreSQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/infra/db.js';
import { migrate } from '../src/infra/migrate.js';
import { createServices } from '../src/services.js';
import { seedPartners } from '../src/modules/partners/partners.seed.js';
import { ADMIN_URL, databaseUrl, prng, withAdmin } from './lib/servers.js';



function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive whole number`);
  return v;
}
const COUNT = arg('count', 1_000_000);
const BATCH = arg('batch', 5_000);
const KEEP = process.argv.includes('--keep');
/** --write-feed <file>: only write the feed there (e.g. to try `estf indicators import` on it) and exit. */
const WRITE_FEED = process.argv.includes('--write-feed') ? process.argv[process.argv.indexOf('--write-feed') + 1] : undefined;

const log = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const n = (x: number) => Math.round(x).toLocaleString('en-US');



// ---------------------------------------------------------------------------------------------------
// The feed


const WORDS = ['ballot', 'vote', 'county', 'registrar', 'election', 'poll', 'secure', 'login', 'verify', 'update', 'status', 'mail'];
const TLDS = ['com', 'net', 'org', 'info', 'xyz', 'top', 'online', 'site', 'us', 'io'];

/** A fresh value of a type drawn from the mix; `k` makes it unique. */
function freshValue(k: number, r: () => number): string {
  const word = WORDS[k % WORDS.length]!;
  const tld = TLDS[(k >>> 4) % TLDS.length]!;
  const domain = `${word}-${k.toString(36)}.example-${tld}.${tld}`;
  const x = r();
  if (x < 0.28) {
    const a = (Math.imul(k, 2654435761) + 0x5bd1e995) >>> 0; // a bijection of k: distinct addresses
    const ip = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    return r() < 0.1 ? ip.replaceAll('.', '[.]') : ip;
  }
  if (x < 0.5) {
    const y = r();
    if (y < 0.1) return domain.toUpperCase();
    if (y < 0.15) return domain.replaceAll('.', '[.]');
    if (y < 0.2) return `${domain}.`;
    return domain;
  }
  if (x < 0.65) {
    const url = `https://${domain}/${word}/${k.toString(36)}?id=${Math.floor(r() * 1e6)}`;
    return r() < 0.1 ? url.replace('https://', 'hxxps://').replace(`.${tld}/`, `[.]${tld}/`) : url;
  }
  if (x < 0.77) return createHash('sha256').update(String(k)).digest('hex');
  if (x < 0.83) {
    const h = createHash('md5').update(String(k)).digest('hex');
    return r() < 0.3 ? h.toUpperCase() : h;
  }
  if (x < 0.87) return createHash('sha1').update(String(k)).digest('hex');
  if (x < 0.92) return `user.${k.toString(36)}@${domain}`;
  if (x < 0.95) return `2001:470:${(k >>> 16).toString(16)}:${(k & 0xffff).toString(16)}:0:0:0:${(k % 7) + 1}`;
  if (x < 0.97) return `${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}.0/24`.replace(/^0\./, '1.');
  if (x < 0.99) return `+1 (${200 + (k % 700)}) ${String(Math.floor(k / 700) % 1000).padStart(3, '0')}-${String(k % 10000).padStart(4, '0')}`;
  return `x:@user_${k.toString(36)}`;
}

/** Another spelling of a value already in the feed: what a second source would send. */
function respelled(v: string, r: () => number): string {
  const y = r();
  if (v.includes('[')) return v; // already defanged
  if (/^[a-f0-9]{32,64}$/.test(v)) return v.toUpperCase();
  if (v.includes('/')) return y < 0.5 ? v.replace(/^https:\/\//, 'hxxps://') : v; // a URL's path keeps its case
  if (y < 0.3 && !v.includes('@') && !v.startsWith('+')) return v.toUpperCase();
  if (y < 0.6) return v.replaceAll('.', '[.]');
  return v;
}

/** Writes the CSV feed; returns its size and what went into it. */
async function writeFeed(file: string): Promise<{ bytes: number; repeats: number; invalid: number }> {
  const r = prng(20261125);
  const reservoir: string[] = [];
  const RESERVOIR = 50_000;
  let seen = 0;
  let repeats = 0;
  let invalid = 0;
  let k = 0;
  const out = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
  let buf = 'value,description\n';
  for (let i = 0; i < COUNT; i++) {
    const x = r();
    let value: string;
    if (x < 0.001) {
      invalid++;
      value = i % 3 === 0 ? `999.1.1.${i % 256}` : i % 3 === 1 ? `not an indicator ${i}` : `0${(i % 9) + 1}0.1.1.1`;
    } else if (x < 0.051 && reservoir.length > 0) {
      repeats++;
      value = respelled(reservoir[Math.floor(r() * reservoir.length)]!, r);
    } else {
      value = freshValue(k++, r);
      // Reservoir sampling: repeats are drawn from the whole feed so far, not only the recent past.
      seen++;
      if (reservoir.length < RESERVOIR) reservoir.push(value);
      else {
        const j = Math.floor(r() * seen);
        if (j < RESERVOIR) reservoir[j] = value;
      }
    }
    const description = r() < 0.2 ? (r() < 0.5 ? `campaign ${i % 97}` : `"phishing kit, wave ${i % 13}"`) : '';
    buf += `${value},${description}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise<void>((res) => out.once('drain', () => res()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((res, rej) => out.on('finish', () => res()).on('error', rej));
  return { bytes: fs.statSync(file).size, repeats, invalid };
}

// ---------------------------------------------------------------------------------------------------
// The run

const INDICATOR_COLUMNS = 'id, type, value, benign_reason, first_seen, last_seen, created_at';
const REPORT_COLUMNS =
  'id, indicator_id, organization_id, reported_by, tlp, law_enforcement_sensitive, confidence, valid_from, valid_until, description, incident_id, revoked_at, created_at, updated_at';

async function copyOut(client: pg.Client, query: string, file: string): Promise<void> {
  await pipeline(client.query(copyTo(`copy (${query}) to stdout (format binary)`)), fs.createWriteStream(file));
}

/**
 * CPU seconds (user + system) a PostgreSQL backend has used so far, from /proc (the server is local). Wall
 * time on a shared 2-core machine swings with whatever else runs; CPU time is the work itself.
 */
function backendCpuS(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN; // not local, or not ours to read
  }
}

function nodeCpuS(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function copyIn(client: pg.Client, table: string, columns: string, file: string): Promise<number> {
  const started = performance.now();
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), client.query(copyFrom(`copy ${table} (${columns}) from stdin (format binary)`)));
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  if (WRITE_FEED) {
    const feed = await writeFeed(WRITE_FEED);
    log(`wrote ${WRITE_FEED}: ${n(COUNT)} lines, ${mb(feed.bytes)} MB, ${n(feed.repeats)} repeats, ${n(feed.invalid)} invalid`);
    return;
  }
  const name = `estf_bench_ingest_${process.pid}_${randomBytes(3).toString('hex')}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'estf-bench-ingest-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => fs.rmSync(tmp, { recursive: true, force: true })];
  try {
    const baselineName = `${name}_copy`;
    const server = await withAdmin(async (c) => {
      await c.query(`create database "${name}"`);
      const { rows } = await c.query<{ v: string; sb: string; sc: string }>(
        `select current_setting('server_version') as v, current_setting('shared_buffers') as sb, current_setting('synchronous_commit') as sc`,
      );
      return rows[0]!;
    });
    if (!KEEP) {
      cleanups.push(() => withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)));
      cleanups.push(() => withAdmin((c) => c.query(`drop database if exists "${baselineName}" with (force)`)));
    }
    const url = databaseUrl(name);
    log(`PostgreSQL ${server.v} (shared_buffers ${server.sb}, synchronous_commit ${server.sc}) at ${new URL(ADMIN_URL).host}; ${os.cpus().length} CPUs shared by Node and PostgreSQL`);
    log(`databases ${name} (import) and ${baselineName} (COPY baseline)${KEEP ? ', kept' : ''}`);

    // Migrated and seeded once, then copied: the baseline loads into the very same tables (indexes,
    // checks, generated column, foreign keys, the same organization ids), just as fresh as the import's.
    const setup = createDb(url, { max: 1 });
    await migrate(setup, 'latest');
    await seedPartners(setup);
    await setup.destroy();
    await withAdmin((c) => c.query(`create database "${baselineName}" template "${name}"`));
    // One connection: the import uses one at a time (parsing overlaps with it), and its backend's CPU time
    // is then the import's database work.
    const db = createDb(url, { max: 1 });
    cleanups.unshift(() => db.destroy());

    const file = path.join(tmp, 'feed.csv');
    let t = performance.now();
    const feed = await writeFeed(file);
    log(`feed: ${n(COUNT)} lines, ${mb(feed.bytes)} MB, ${n(feed.repeats)} repeats, ${n(feed.invalid)} invalid (written in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

    // --- the import ------------------------------------------------------------------------------
    const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'production', ESTF_DEMO: 'false' });
    // From the composition root, as `estf indicators import` gets it (which also loads the audit chain's key).
    const service = createServices({ db, config }).indicators;
    await new Promise((res) => setTimeout(res, 200));
    const { rows: pidRows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    const importPid = pidRows[0]!.pid;
    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    let heapPeak = process.memoryUsage().heapUsed;
    let ticks = 0;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss()); // cheap; the full memoryUsage() is not
      if (++ticks % 10 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 20);
    await sql`checkpoint`.execute(db);
    t = performance.now();
    const importPgCpu0 = backendCpuS(importPid);
    const importNodeCpu0 = process.cpuUsage();
    const result = await service.importIndicators(systemPrincipal('bench'), {
      source: fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
      format: 'csv',
      organization: 'county-los-angeles',
      tlp: 'GREEN',
      sourceName: 'feed.csv',
      batchSize: BATCH,
    });
    const importS = (performance.now() - t) / 1000;
    const importPgCpuS = backendCpuS(importPid) - importPgCpu0;
    const importNodeCpuS = nodeCpuS(importNodeCpu0);
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());

    const { rows: countRows } = await sql<{ i: number; r: number }>`
      select (select count(*) from indicators)::int as i, (select count(*) from indicator_reports)::int as r`.execute(db);
    const counts = countRows[0]!;
    const importRowsPerS = counts.i / importS;
    log('');
    log(`import: ${importS.toFixed(2)} s for ${n(result.lines)} lines → ${n(counts.i)} indicators + ${n(counts.r)} reports`);
    log(`        ${n(result.created)} new, ${n(result.duplicates)} duplicates, ${n(result.invalid)} invalid, ${n(result.benign)} on a warning list, ${result.batches} batches of ≤ ${n(BATCH)}`);
    log(`        ${n(importRowsPerS)} indicator rows/s, ${n(result.lines / importS)} lines/s`);
    log(`        RSS ${mb(rssBefore)} MB before, peak ${mb(rssPeak)} MB during (+${mb(rssPeak - rssBefore)} MB); heap peak ${mb(heapPeak)} MB`);

    // --- the baseline: binary COPY of the same rows into the same tables of the copied database -------
    const source = new pg.Client({ connectionString: url });
    await source.connect();
    const indicatorsFile = path.join(tmp, 'indicators.bin');
    const reportsFile = path.join(tmp, 'reports.bin');
    try {
      await copyOut(source, `select ${INDICATOR_COLUMNS} from indicators order by id`, indicatorsFile);
      await copyOut(source, `select ${REPORT_COLUMNS} from indicator_reports order by id`, reportsFile);
    } finally {
      await source.end();
    }
    const client = new pg.Client({ connectionString: databaseUrl(baselineName) });
    await client.connect();
    const copyPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    cleanups.unshift(() => client.end());
    await client.query('checkpoint');
    const copyPgCpu0 = backendCpuS(copyPid);
    const copyNodeCpu0 = process.cpuUsage();
    const copyIndicatorsS = await copyIn(client, 'indicators', INDICATOR_COLUMNS, indicatorsFile);
    const copyReportsS = await copyIn(client, 'indicator_reports', REPORT_COLUMNS, reportsFile);
    const copyS = copyIndicatorsS + copyReportsS;
    const copyPgCpuS = backendCpuS(copyPid) - copyPgCpu0;
    const copyNodeCpuS = nodeCpuS(copyNodeCpu0);
    const copyRowsPerS = counts.i / copyS;
    const copyIndicatorsOnlyRowsPerS = counts.i / copyIndicatorsS;
    log('');
    log(`COPY (binary): ${copyS.toFixed(2)} s = indicators ${copyIndicatorsS.toFixed(2)} s + reports ${copyReportsS.toFixed(2)} s`);
    log(`        ${n(copyRowsPerS)} indicator rows/s (indicators and reports), ${n(copyIndicatorsOnlyRowsPerS)} rows/s (indicators alone)`);

    const ratio = importRowsPerS / copyRowsPerS;
    log('');
    log(`CPU:    import ${importPgCpuS.toFixed(1)} s PostgreSQL + ${importNodeCpuS.toFixed(1)} s Node; COPY ${copyPgCpuS.toFixed(1)} s PostgreSQL + ${copyNodeCpuS.toFixed(1)} s Node`);
    const cpuRatio = (copyPgCpuS + copyNodeCpuS) / (importPgCpuS + importNodeCpuS);
    log(`        by CPU time the import does ${(cpuRatio * 100).toFixed(0)}% of COPY's rows per CPU-second (${(((copyPgCpuS) / importPgCpuS) * 100).toFixed(0)}% counting PostgreSQL alone)`);
    log(`ratio: import ${n(importRowsPerS)} rows/s ÷ COPY ${n(copyRowsPerS)} rows/s = ${(ratio * 100).toFixed(0)}% (target ≥ 50%)`);
    log(
      JSON.stringify({
        bench: 'ingest',
        lines: result.lines,
        indicators: counts.i,
        reports: counts.r,
        created: result.created,
        duplicates: result.duplicates,
        invalid: result.invalid,
        benign: result.benign,
        batch_size: BATCH,
        import_s: round(importS, 3),
        import_rows_per_s: Math.round(importRowsPerS),
        import_lines_per_s: Math.round(result.lines / importS),
        rss_before_mb: mb(rssBefore),
        rss_peak_mb: mb(rssPeak),
        heap_peak_mb: mb(heapPeak),
        cpus: os.cpus().length,
        load_avg_1m: round(os.loadavg()[0]!, 1),
        import_cpu_s: { postgres: round(importPgCpuS, 1), node: round(importNodeCpuS, 1) },
        baseline: {
          method: 'binary COPY of the same indicator and report rows into the same tables of an identical fresh database',
          copy_s: round(copyS, 3),
          rows_per_s: Math.round(copyRowsPerS),
          indicators_only_rows_per_s: Math.round(copyIndicatorsOnlyRowsPerS),
          cpu_s: { postgres: round(copyPgCpuS, 1), node: round(copyNodeCpuS, 1) },
        },
        ratio: round(ratio, 3),
        cpu_ratio: round(cpuRatio, 3),
      }),
    );
  } finally {
    for (const c of cleanups) await c().catch((err) => process.stderr.write(`cleanup: ${err instanceof Error ? err.message : err}\n`));
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
