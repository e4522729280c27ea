/**
 * `npm run bench -- taxii`: the TAXII 2.1 read path and the STIX import (issue 15), each against the hub's
 * own baseline measured in the same run.
 *
 *   npm run bench -- taxii [--count 100000] [--limit 1000] [--warm-pages 20] [--keep]
 *
 * 1. Two fresh databases from one migrated, seeded template (BENCH_DATABASE_URL, default postgres@127.0.0.1).
 * 2. Page: --count IPv4 indicators loaded by the indicators service as `estf indicators import` does (its
 *    rate is baseline 2 below), then paged over HTTP through /taxii2/ (the real TAXII app, Basic auth, the
 *    access policy for a county viewer; node:http, one kept-alive connection) with `limit` --limit and `next`
 *    until `more` is false, every page parsed as JSON (after an untimed walk of --warm-pages pages); against the
 *    same rows (indicators joined with their reports) read by one SQL query. Target: TAXII ≥ 40 % of SQL.
 *    The first request logs the hub's records into the TAXII log (once); its time is printed apart, and so is
 *    the making of the indicators' public forms that follows it in the background (waited for: steady state).
 * 3. Import: a STIX 2.1 bundle of the same --count values (one indicator each, TLP:GREEN) imported through
 *    `estf stix import`'s path (streamed bundle reader, the STIX service) into the second database; against
 *    the indicators import's rate of step 2. Target: ≥ 50 %.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/infra/db.js';
import { migrate } from '../src/infra/migrate.js';
import { createServices } from '../src/services.js';
import { seedPartners } from '../src/modules/partners/partners.seed.js';
import { createTaxiiApp, streamBundleObjects } from '../src/modules/stix/index.js';
import { databaseUrl, withAdmin } from './lib/servers.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive whole number`);
  return v;
}
const COUNT = arg('count', 100_000);
const LIMIT = arg('limit', 1_000);
const KEEP = process.argv.includes('--keep');
const WARM_PAGES = arg('warm-pages', 20);
const log = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

function ip(i: number): string {
  return `45.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

async function main(): Promise<void> {
  const name = `estf_bench_taxii_${process.pid}_${randomBytes(3).toString('hex')}`;
  const pageDb = `${name}_page`;
  const importDb = `${name}_import`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'estf-bench-taxii-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => fs.rmSync(tmp, { recursive: true, force: true })];
  try {
    await withAdmin((c) => c.query(`create database "${name}"`));
    if (!KEEP) for (const d of [name, pageDb, importDb]) cleanups.push(() => withAdmin((c) => c.query(`drop database if exists "${d}" with (force)`)));
    const setup = createDb(databaseUrl(name), { max: 1 });
    await migrate(setup, 'latest');
    await seedPartners(setup);
    await setup.destroy();
    await withAdmin((c) => c.query(`create database "${pageDb}" template "${name}"`));
    await withAdmin((c) => c.query(`create database "${importDb}" template "${name}"`));
    log(`${n(COUNT)} IPv4 indicators, TAXII limit ${n(LIMIT)}; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);

    // ── 1. The indicators import (baseline of the STIX import) and the TAXII paging ────────────────
    const db = createDb(databaseUrl(pageDb), { max: 4 });
    cleanups.unshift(() => db.destroy());
    const config = loadConfig({ DATABASE_URL: databaseUrl(pageDb), NODE_ENV: 'production', ESTF_DEMO: 'false', PUBLIC_URL: 'http://127.0.0.1' });
    const services = createServices({ db, config });
    const lines = Array.from({ length: COUNT }, (_, i) => ip(i)).join('\n') + '\n';
    let t = performance.now();
    const imported = await services.indicators.importIndicators(systemPrincipal('bench'), { source: Readable.from([lines]), format: 'txt', organization: 'county-orange', tlp: 'GREEN' });
    const indicatorsS = (performance.now() - t) / 1000;
    const indicatorsRate = imported.created / indicatorsS;
    log(`estf indicators import: ${n(imported.created)} values in ${indicatorsS.toFixed(1)} s = ${n(indicatorsRate)}/s`);

    const cli = systemPrincipal('bench');
    const email = `bench-${randomBytes(3).toString('hex')}@county-fresno.test`;
    await services.identity.createUser(cli, { email, name: 'Bench viewer', organization: 'county-fresno', roles: ['VIEWER'] });
    const { token } = await services.identity.issueApiToken(cli, { email });
    const app = new Hono();
    app.route('/taxii2/', createTaxiiApp({ config, stix: services.stix, authenticate: services.identity.authenticate }));
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    });
    cleanups.unshift(() => new Promise((r) => server.close(() => r(null))));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/taxii2/api/collections/2c6a3f0e-6d0b-5c59-9b3e-1f4a0f7e5a01/objects/`;
    const headers = { accept: 'application/taxii+json;version=2.1', authorization: `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}` };
    t = performance.now();
    const warm = await fetch(`${base}?limit=1`, { headers });
    if (warm.status !== 200) throw new Error(`TAXII answered ${warm.status}: ${await warm.text()}`);
    await warm.text();
    const syncS = (performance.now() - t) / 1000;
    log(`first request (logs ${n(COUNT)} records into the TAXII log once): ${syncS.toFixed(1)} s`);
    // The public forms of the logged indicators are made in the background after that look (pages build
    // those rows meanwhile); a server serving partners all day has them, so the timed walk waits for them.
    t = performance.now();
    while ((await sql`select 1 from stix_feed where hub_kind = 'indicator' and public_json is null limit 1`.execute(db)).rows.length > 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
    log(`public forms of ${n(COUNT)} indicators made (in the background) after it: ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // The pages are read by node:http with a kept-alive connection, as a TAXII client library would: the
    // measure is the server's rate, not a fetch implementation's (undici's streams cost ~10 ms a page here).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.unshift(async () => agent.destroy());
    const getPage = (url: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http
          .get(url, { headers, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          })
          .on('error', reject);
      });
    // Steady state, as a server serving partners all day is: a first walk of WARM_PAGES pages is not timed
    // (the JIT compiles the page's path; the SQL baseline below likewise reads warm buffers).
    let warmNext: string | undefined;
    for (let i = 0; i < WARM_PAGES; i++) {
      const res = await getPage(`${base}?limit=${LIMIT}${warmNext ? `&next=${encodeURIComponent(warmNext)}` : ''}`);
      const body = JSON.parse(res.text) as { more: boolean; next?: string };
      if (!body.more) break;
      warmNext = body.next;
    }
    t = performance.now();
    let next: string | undefined;
    let objects = 0;
    let pages = 0;
    for (;;) {
      const res = await getPage(`${base}?limit=${LIMIT}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
      const body = JSON.parse(res.text) as { more: boolean; next?: string; objects?: unknown[] };
      if (res.status !== 200) throw new Error(`page ${pages}: ${res.status} ${JSON.stringify(body)}`);
      objects += body.objects?.length ?? 0;
      pages++;
      if (!body.more) break;
      next = body.next;
    }
    const taxiiS = (performance.now() - t) / 1000;
    const taxiiRate = objects / taxiiS;
    log(`TAXII paging: ${n(objects)} objects in ${n(pages)} pages, ${taxiiS.toFixed(1)} s = ${n(taxiiRate)}/s`);
    if (objects !== COUNT) throw new Error(`expected ${COUNT} indicators through TAXII, got ${objects}`);

    t = performance.now();
    const { rows } = await sql`select i.id, i.type, i.value, i.benign_reason, r.organization_id, r.tlp, r.confidence, r.valid_from, r.valid_until, r.description, r.created_at, r.updated_at
      from indicators i join indicator_reports r on r.indicator_id = i.id where r.revoked_at is null order by i.id`.execute(db);
    const sqlS = (performance.now() - t) / 1000;
    const sqlRate = rows.length / sqlS;
    log(`one SQL query: ${n(rows.length)} rows in ${sqlS.toFixed(2)} s = ${n(sqlRate)}/s`);
    const pageRatio = taxiiRate / sqlRate;
    log(`paging ratio: ${(pageRatio * 100).toFixed(1)} % of the direct rate (target ≥ 40 %)`);

    // ── 2. The STIX import of the same values ───────────────────────────────────────────────────────
    const file = path.join(tmp, 'bundle.json');
    const out = fs.createWriteStream(file);
    out.write(`{"type":"bundle","id":"bundle--${randomUUID()}","objects":[\n`);
    const at = '2026-11-01T00:00:00.000Z';
    for (let i = 0; i < COUNT; i++) {
      const obj = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: at, modified: at, pattern: `[ipv4-addr:value = '${ip(i)}']`, pattern_type: 'stix', valid_from: at, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] };
      if (!out.write(`${i > 0 ? ',' : ''}${JSON.stringify(obj)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    out.end(']}\n');
    await new Promise<void>((r) => out.once('finish', () => r()));
    const db2 = createDb(databaseUrl(importDb), { max: 4 });
    cleanups.unshift(() => db2.destroy());
    const services2 = createServices({ db: db2, config: loadConfig({ DATABASE_URL: databaseUrl(importDb), NODE_ENV: 'production', ESTF_DEMO: 'false' }) });
    t = performance.now();
    const summary = await services2.stix.importBundle(systemPrincipal('bench'), { organization: 'county-orange', objects: streamBundleObjects(fs.createReadStream(file, { highWaterMark: 256 * 1024 })) });
    const stixS = (performance.now() - t) / 1000;
    const stixRate = summary.imported / stixS;
    log(`STIX import: ${n(summary.total)} objects (${n(summary.imported)} imported, ${n(summary.refused)} refused) in ${stixS.toFixed(1)} s = ${n(stixRate)}/s`);
    const importRatio = stixRate / indicatorsRate;
    log(`import ratio: ${(importRatio * 100).toFixed(1)} % of estf indicators import (target ≥ 50 %)`);

    log(
      JSON.stringify({
        bench: 'taxii',
        count: COUNT,
        limit: LIMIT,
        cpus: os.cpus().length,
        load_avg_1m: round(os.loadavg()[0]!, 1),
        taxii_first_request_s: round(syncS, 2),
        taxii_objects_per_s: Math.round(taxiiRate),
        sql_rows_per_s: Math.round(sqlRate),
        page_ratio: round(pageRatio, 3),
        indicators_import_per_s: Math.round(indicatorsRate),
        stix_import_per_s: Math.round(stixRate),
        import_ratio: round(importRatio, 3),
      }),
    );
  } finally {
    for (const c of cleanups) await c().catch((err) => process.stderr.write(`cleanup: ${err instanceof Error ? err.message : err}\n`));
  }
}

await main();
