import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { systemPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import type { Services } from '../services.js';
import { formatFromFileName, IMPORT_FORMATS, IngestError, type ImportFormat } from '../modules/indicators/ingest.js';
import type { ImportIndicatorsResult } from '../modules/indicators/indicators.service.js';
import { TLPS } from '../domain/taxonomy.js';
import { isOneOf } from '../domain/unions.js';
import { ProgressBar } from './progress-bar.js';

type WithServices = <T>(fn: (services: Services, config: Config) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);
const n = (x: number) => x.toLocaleString('en-US');

function tlpOption(v: string): string {
  const tlp = v.trim().toUpperCase().replace(/^TLP:/, '');
  if (tlp === 'RED') throw new InvalidArgumentError('RED reports name their recipients, and an operator import has no reporting user: use AMBER_STRICT');
  if (!isOneOf(TLPS, tlp)) throw new InvalidArgumentError('must be CLEAR, GREEN, AMBER or AMBER_STRICT');
  return tlp;
}

function confidenceOption(v: string): number {
  if (!/^\d{1,3}$/.test(v) || Number(v) > 100) throw new InvalidArgumentError('must be a whole number 0-100');
  return Number(v);
}

/**
 * `estf indicators import <file> --org <slug> --tlp <label>`: loads a feed of indicators as one
 * organization's reports. Acts as the operator (system principal): the reports carry no reporting user.
 * A progress bar on stderr when it is a terminal; the summary on stdout. Invalid lines do not stop the
 * import: they are listed (the first 20) and counted, and the command exits 0. It exits 1 when the file
 * cannot be read or is not in the format (no CSV header, an unclosed JSON array), after saying what the
 * batches before the problem stored.
 */
export function registerIndicatorsCommand(program: Command, withServices: WithServices): void {
  const indicators = program.command('indicators').description('indicators of compromise: bulk import');
  indicators
    .command('import')
    .description('import indicators from a csv, json (array or JSON lines) or txt file, as reports of one organization')
    .argument('<file>', 'the file to read, or - for standard input (then --format is required)')
    .requiredOption('--org <slug>', 'the reporting organization, e.g. county-los-angeles')
    .requiredOption('--tlp <label>', 'TLP of the reports: CLEAR, GREEN, AMBER or AMBER_STRICT', tlpOption)
    .addOption(new Option('--format <format>', 'the file format (default: from the file extension)').choices([...IMPORT_FORMATS]))
    .option('--confidence <n>', 'confidence 0-100 for lines that do not state one (default 50)', confidenceOption)
    .option('--les', 'mark the reports law-enforcement sensitive')
    .action((file: string, o: { org: string; tlp: string; format?: ImportFormat; confidence?: number; les?: boolean }) =>
      withServices(async (services) => {
        const format = o.format ?? (file === '-' ? null : formatFromFileName(file));
        if (format === null) {
          throw new Error(`cannot tell the format of ${file === '-' ? 'standard input' : JSON.stringify(file)}: pass --format csv, json or txt`);
        }
        let source: Readable;
        let totalBytes: number | null = null;
        if (file === '-') {
          source = process.stdin;
        } else {
          totalBytes = (await fs.promises.stat(file)).size;
          source = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
        }
        const bar = new ProgressBar();
        const started = Date.now();
        let result: ImportIndicatorsResult;
        try {
          result = await services.indicators.importIndicators(systemPrincipal('cli'), {
            source,
            format,
            organization: o.org,
            tlp: o.tlp,
            confidence: o.confidence,
            lawEnforcementSensitive: o.les === true,
            sourceName: file === '-' ? 'stdin' : path.basename(file),
            onProgress: (p) => {
              const seconds = (Date.now() - started) / 1000;
              const rate = seconds > 0 ? Math.round(p.lines / seconds) : 0;
              bar.update(totalBytes ? p.bytesRead / totalBytes : null, `${n(p.lines)} lines  ${n(rate)}/s`);
            },
          });
        } catch (err) {
          bar.done();
          if (err instanceof IngestError && err.partial.batches > 0) {
            out(`stopped after line ${n(err.partial.lines)}: ${n(err.partial.created)} new indicators were stored before the problem`);
          }
          throw err;
        }
        bar.done();
        printSummary(file, result);
      }),
    );
}

function printSummary(file: string, r: ImportIndicatorsResult): void {
  const rows: Array<[string, number]> = [
    ['lines read', r.lines],
    ['new indicators', r.created],
    ['already known', r.known],
    ['duplicates in file', r.duplicates],
    ['invalid', r.invalid],
    ['on a warning list', r.benign],
  ];
  const width = Math.max(...rows.map(([, v]) => n(v).length));
  out(`imported ${file === '-' ? 'standard input' : file} as reports of ${r.organization.slug}, TLP:${r.tlp}`);
  for (const [label, v] of rows) out(`  ${label.padEnd(20)}${n(v).padStart(width)}`);
  out(`  reports: ${n(r.reports.created)} new, ${n(r.reports.updated)} updated, ${n(r.reports.unchanged)} unchanged`);
  const seconds = r.ms / 1000;
  out(`  took ${seconds.toFixed(1)} s (${n(Math.round(r.lines / Math.max(seconds, 0.001)))} lines/s)`);
  if (r.ignoredColumns.length > 0) out(`  ignored columns: ${r.ignoredColumns.join(', ')}`);
  if (r.invalid > 0) {
    out(r.invalid > r.invalidSamples.length ? `invalid lines (first ${r.invalidSamples.length} of ${n(r.invalid)}):` : 'invalid lines:');
    for (const s of r.invalidSamples) out(`  line ${s.line}: ${s.reason}`);
  }
}
