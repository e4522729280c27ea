import type { Command } from 'commander';
import { systemPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import { parseInstant as parseRfc3339 } from '../dates.js';
import { InputError } from '../errors.js';
import type { Services } from '../services.js';
import { formatInZone } from '../modules/oncall/rotation.js';

type WithServices = <T>(fn: (services: Services, config: Config) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `estf oncall <org-slug> <duty> [--at <instant>]`: who is on call, e.g.
 *
 *   oncall@sos.example  California Secretary of State, Election Security Program on-call
 *     on call for sos/security-duty by the rotation
 *     since 2026-11-25 09:00 PST (2026-11-25T17:00:00Z)
 *     until 2026-11-26 09:00 PST (2026-11-26T17:00:00Z)
 *
 * Nobody on call (no schedule) is an answer, not a failure: it prints so and exits 0. An unknown
 * organization or duty exits 1.
 */
export function registerOncallCommand(program: Command, withServices: WithServices): void {
  program
    .command('oncall')
    .description('print who is on call for a duty now (or at --at)')
    .argument('<org-slug>', 'the organization, e.g. sos or county-orange')
    .argument('<duty>', 'the duty, e.g. security-duty or rov-oncall')
    .option('--at <instant>', 'another instant, ISO 8601 with a zone, e.g. 2026-11-03T21:00:00-08:00')
    .action((orgSlug: string, duty: string, o: { at?: string }) =>
      withServices(async ({ oncall }) => {
        const at = o.at === undefined ? new Date() : parseInstant(o.at);
        const answer = await oncall.onCall(systemPrincipal('cli'), orgSlug, duty, at);
        if (!answer) {
          out(`nobody is on call for ${orgSlug}/${duty}: the duty has no schedule`);
          return;
        }
        const zone = answer.schedule.time_zone;
        const when = (d: Date) => `${formatInZone(d, zone)} (${d.toISOString().replace('.000Z', 'Z')})`;
        out(`${answer.user.email}  ${answer.user.name}${answer.user.active ? '' : '  [DEACTIVATED]'}`);
        out(`  on call for ${orgSlug}/${duty} ${answer.source === 'OVERRIDE' ? 'by an override' : 'by the rotation'}`);
        out(`  since ${answer.shiftStart ? when(answer.shiftStart) : '(no earlier hand-off)'}`);
        out(`  until ${answer.shiftEnd ? when(answer.shiftEnd) : '(no hand-off scheduled)'}`);
      }),
    );
}

function parseInstant(value: string): Date {
  const parsed = parseRfc3339(value);
  if (!parsed.ok) throw new InputError('--at', `"${value}" ${parsed.reason}`);
  return parsed.value;
}
