import { actsAsAnalyst } from '../../../access/incidents.js';
import { visibleIndicators, visibleReports, visibleSightings } from '../../../access/indicators.js';
import type { Principal, UserPrincipal } from '../../../access/principal.js';
import type { Config } from '../../../config.js';
import { ForbiddenError } from '../../../errors.js';
import type { Db } from '../../../infra/db.js';
import type { Handle } from '../../../infra/handle.js';
import { visibleIncident } from '../../incidents/index.js';
import { correlateIndicator, type CorrelationOutcome } from '../correlation.js';
import type { IndicatorVisibility } from '../indicators.repository.js';
import type { createWarningLists } from '../warning-lists.js';

/**
 * What every indicator-report use case is handed (issue 13: use cases are named functions taking their
 * dependencies, bound once in createIndicatorReportsService), and the steps they share.
 */
export interface IndicatorReportsDeps {
  db: Db;
  config: Config;
  warningLists: ReturnType<typeof createWarningLists>;
}

export function requireAnalyst(p: Principal): UserPrincipal {
  if (!actsAsAnalyst(p)) throw new ForbiddenError('Only analysts may report indicators and sightings.');
  return p;
}

/** The access policy's query forms for P (src/access/indicators.ts), as the repository takes them. */
export function visibilityOf(p: Principal): IndicatorVisibility {
  return {
    indicators: (alias) => visibleIndicators(p, alias),
    reports: (alias) => visibleReports(p, alias),
    sightings: (alias) => visibleSightings(p, alias),
  };
}

/** Whether P may see the incident (an incident P may not see is one that does not exist). */
export async function incidentVisibleTo(h: Handle, p: Principal, id: string): Promise<boolean> {
  return (await visibleIncident(h, p, id)) !== null;
}

export async function correlateAll(deps: IndicatorReportsDeps, trx: Handle, p: Principal, indicatorIds: readonly number[]): Promise<CorrelationOutcome[]> {
  if (p.kind !== 'user' || p.organization.kind !== 'COUNTY') return [];
  const out: CorrelationOutcome[] = [];
  for (const id of indicatorIds) {
    const r = await correlateIndicator(trx, deps.config, id, p);
    if (r) out.push(r);
  }
  return out;
}
