import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { systemPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import type { Services } from '../services.js';
import { ProgressBar } from './progress-bar.js';

type WithServices = <T>(fn: (services: Services, config: Config) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);
const n = (x: number) => x.toLocaleString('en-US');

/**
 * `estf misp import <file> --org <slug>`: a MISP event file (`{"Event": {…}}`) as indicator reports of one
 * organization, read as a stream (twice: checked, then imported). Acts as the operator (system principal):
 * the reports carry no reporting user, so TLP:RED attributes are refused. A progress bar on stderr when it
 * is a terminal; the summary on stdout, with every refused attribute (uuid, property, reason). Exits 0 when
 * the event was read (refusals included), 1 when the file is not a MISP event (nothing is written then).
 */
export function registerMispCommand(program: Command, withServices: WithServices): void {
  const misp = program.command('misp').description('MISP events: import (and export an incident as one)');
  misp
    .command('import')
    .description('import a MISP event JSON file as indicator reports of one organization')
    .argument('<file>', 'the MISP event file ({"Event": {…}})')
    .requiredOption('--org <slug>', 'the importing organization, e.g. county-los-angeles')
    .action((file: string, o: { org: string }) =>
      withServices(async (services) => {
        const totalBytes = (await fs.promises.stat(file)).size;
        const bar = new ProgressBar();
        const started = Date.now();
        const result = await services.misp
          .importEvent(systemPrincipal('cli'), {
            open: () => fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
            organization: o.org,
            sourceName: path.basename(file),
            onProgress: (p) => {
              const seconds = (Date.now() - started) / 1000;
              const label = p.phase === 'check' ? 'checking' : `${n(p.attributes)} attributes  ${n(Math.round(p.attributes / Math.max(seconds, 0.001)))}/s`;
              // Two passes over the file: the first half of the bar checks, the second imports.
              bar.update((p.phase === 'check' ? 0 : 0.5) + (totalBytes > 0 ? p.bytesRead / totalBytes / 2 : 0), label);
            },
          })
          .finally(() => bar.done());
        out(`imported MISP event ${result.event.uuid} "${result.event.info}" (TLP:${result.event.tlp}${result.event.orgc?.name ? `, from ${result.event.orgc.name}` : ''}) as reports of ${result.organization.slug}`);
        const rows: Array<[string, number]> = [
          ['attributes', result.attributes],
          ['imported', result.imported],
          ['unchanged', result.unchanged],
          ['refused', result.refused],
          ['new indicators', result.createdIndicators],
        ];
        const width = Math.max(...rows.map(([, v]) => n(v).length));
        for (const [label, v] of rows) out(`  ${label.padEnd(16)}${n(v).padStart(width)}`);
        out(`  took ${(result.ms / 1000).toFixed(1)} s`);
        if (result.refused > 0) {
          out(result.refused > result.refusals.length ? `refused (first ${n(result.refusals.length)} of ${n(result.refused)}):` : 'refused:');
          for (const r of result.refusals) out(`  ${r.path} ${r.uuid ?? '(no uuid)'} ${r.property}: ${r.reason}`);
        }
      }),
    );
}
