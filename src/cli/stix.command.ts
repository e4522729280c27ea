import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { systemPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import type { Services } from '../services.js';
import { streamBundleObjects, type ImportSummary } from '../modules/stix/index.js';
import { ProgressBar } from './progress-bar.js';

type WithServices = <T>(fn: (services: Services, config: Config) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);
const n = (x: number) => x.toLocaleString('en-US');

function instant(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) throw new InvalidArgumentError('must be an RFC 3339 date or date-time, e.g. 2026-11-01T00:00:00Z');
  return d;
}

/**
 * `estf stix export` and `estf stix import` (issue 15): thin adapters over the STIX service. The operator
 * is shown no content, so an export is made as an organization's viewer (--org: what every VIEWER of it
 * may see; no TLP:RED); an import is the operator's for the organization it names (indicators and objects
 * kept as they came), or, with --as, an analyst's of it: sightings, incidents, notes, relationships and
 * TLP:RED objects need a reporting user, and the operator may act as one (as a token it may issue would).
 */
export function registerStixCommand(program: Command, withServices: WithServices): void {
  const stix = program.command('stix').description('STIX 2.1 bundles: export and import');
  stix
    .command('export')
    .description('write a STIX 2.1 bundle of what an organization may see to standard output (or --out)')
    .requiredOption('--org <slug>', 'export what every VIEWER of this organization may see, e.g. county-orange')
    .option('--since <date>', 'only objects modified at or after this instant', instant)
    .option('--type <types>', 'only these STIX types, comma-separated, e.g. indicator,sighting')
    .option('--ais', "meant for CISA AIS: the organization's own objects, no TLP:RED, no e-mail addresses")
    .option('--out <file>', 'write to this file instead of standard output')
    .action((o: { org: string; since?: Date; type?: string; ais?: boolean; out?: string }) =>
      withServices(async (services) => {
        const viewer = await services.stix.organizationViewer(o.org);
        const types = o.type ? o.type.split(',').map((t) => t.trim()).filter(Boolean) : null;
        const r = await services.stix.exportBundle(viewer, { since: o.since ?? null, types, ais: o.ais === true }, systemPrincipal('cli'));
        const { objects, ...rest } = r.bundle;
        const text = `${JSON.stringify(objects.length > 0 ? r.bundle : rest, null, 1)}\n`;
        if (o.out) {
          await fs.promises.writeFile(o.out, text);
          process.stderr.write(`wrote ${n(objects.length)} objects to ${o.out}\n`);
        } else process.stdout.write(text);
        for (const x of r.refused) process.stderr.write(`left out ${x.id}: ${x.reason}\n`);
      }),
    );
  stix
    .command('import')
    .description('import a STIX 2.1 bundle file as records of one organization (streamed; progress on a terminal)')
    .argument('<file>', 'the bundle (JSON), or - for standard input')
    .requiredOption('--org <slug>', 'the importing organization, e.g. county-orange')
    .option('--as <email>', 'import as this analyst of the organization: sightings, incidents, notes, relationships and TLP:RED objects are reported by them')
    .action((file: string, o: { org: string; as?: string }) =>
      withServices(async (services) => {
        const operator = systemPrincipal('cli');
        const importer = o.as ? await services.identity.actAs(operator, o.as, { requestId: 'cli:stix-import', clientAddress: null }) : operator;
        const totalBytes = file === '-' ? null : (await fs.promises.stat(file)).size;
        const source = file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: 256 * 1024 });
        const counter = { bytes: 0 };
        const bar = new ProgressBar();
        const started = Date.now();
        let summary: ImportSummary;
        try {
          summary = await services.stix.importBundle(importer, {
            organization: o.org,
            objects: streamBundleObjects(source, counter),
            onProgress: (done) => {
              const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
              bar.update(totalBytes ? Math.min(1, counter.bytes / totalBytes) : null, `${n(done)} objects  ${n(rate)}/s`);
            },
          });
        } finally {
          bar.done();
        }
        printSummary(file, summary, Date.now() - started);
      }),
    );
}

function printSummary(file: string, r: ImportSummary, ms: number): void {
  out(`imported ${file === '-' ? 'standard input' : file} as records of ${r.organization.slug}`);
  out(`  objects   ${n(r.total)}`);
  out(`  imported  ${n(r.imported)}`);
  out(`  kept      ${n(r.kept)}`);
  out(`  refused   ${n(r.refused)}`);
  out(`  unchanged ${n(r.unchanged)} (already held exactly so)`);
  out(`  took ${(ms / 1000).toFixed(1)} s (${n(Math.round(r.total / Math.max(ms / 1000, 0.001)))} objects/s)`);
  const refused = r.results.filter((x) => x.outcome === 'REFUSED');
  if (refused.length > 0) {
    out(refused.length > 20 ? `refused (first 20 of ${n(refused.length)}):` : 'refused:');
    for (const x of refused.slice(0, 20)) out(`  objects[${x.index}] ${x.message}`);
  }
}
