import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { InTransaction } from '../../infra/handle.js';
import type { IndicatorReportRow, SightingRow } from './indicators.repository.js';
import type { Tlp } from '../../domain/taxonomy.js';
import type { IndicatorType } from './normalize.js';
import type { IndicatorReportsDeps } from './use-cases/deps.js';
import { matchObservables } from './use-cases/match.js';
import {
  correlationOf,
  indicator,
  linkedIncidentIds,
  listIndicators,
  recentCorrelations,
  reportsLinkedTo,
  reportsOf,
  seenRange,
  sightingCounts,
  sightingCountyCount,
  sightingsOf,
  visibleIndicatorById,
  visibleIndicatorIds,
  type IndicatorFilter,
} from './use-cases/reads.js';
import { linkToIncident, reportIndicators, reportSighting, revokeReport, type IndicatorReportInput, type ReportBatchOptions } from './use-cases/report.js';
import { createWarningLists } from './warning-lists.js';

/**
 * Reporting, sighting, reading and matching indicators through the API, under the access policy of
 * src/access/indicators.ts. Bulk import from files lives in indicators.service.ts. Each use case is a named
 * function in use-cases/ taking its dependencies (step into it from here), bound once below.
 */

export { MAX_BATCH, type IndicatorReportInput, type ReportBatchOptions, type ReportResult } from './use-cases/report.js';
export type { IndicatorFilter, RecentCorrelation } from './use-cases/reads.js';
export type { ObservableMatch } from './use-cases/match.js';

export type IndicatorReportsService = ReturnType<typeof createIndicatorReportsService>;

export function createIndicatorReportsService(deps: { db: Db; config: Config }) {
  const d: IndicatorReportsDeps = { db: deps.db, config: deps.config, warningLists: createWarningLists(deps.config.benignDomains) };
  return {
    correlationOf: (incident: { id: string; reporting_organization_id: string }) => correlationOf(d, incident),
    /** Statewide correlations since `since` whose incident the principal may see, newest first (the console's Now). */
    recentCorrelations: (principal: Principal, opts: { since: Date; limit: number }) => recentCorrelations(d, principal, opts),
    visibleIndicatorById: (principal: Principal, id: number) => visibleIndicatorById(d, principal, id),
    reportIndicators: (principal: Principal, inputs: readonly IndicatorReportInput[], options?: ReportBatchOptions) => reportIndicators(d, principal, inputs, options),
    reportSighting: (
      principal: Principal,
      input: { value: string; type?: IndicatorType | null; seenAt?: Date | null; count?: number | null; tlp: Tlp },
      also?: InTransaction<SightingRow>,
    ) => reportSighting(d, principal, input, also),
    linkToIncident: (principal: Principal, input: { type: IndicatorType; value: string; incidentId: string }, also?: InTransaction<IndicatorReportRow>) =>
      linkToIncident(d, principal, input, also),
    revokeReport: (principal: Principal, id: string) => revokeReport(d, principal, id),
    indicator: (principal: Principal, type: IndicatorType, value: string) => indicator(d, principal, type, value),
    visibleIndicatorIds: (principal: Principal, ids: readonly number[]) => visibleIndicatorIds(d, principal, ids),
    list: (principal: Principal, filter: IndicatorFilter, first: number, afterId: number | null) => listIndicators(d, principal, filter, first, afterId),
    reportsOf: (principal: Principal, indicatorId: number) => reportsOf(d, principal, indicatorId),
    reportsLinkedTo: (principal: Principal, incidentId: string) => reportsLinkedTo(d, principal, incidentId),
    sightingsOf: (principal: Principal, indicatorId: number, since: Date | null) => sightingsOf(d, principal, indicatorId, since),
    sightingCounts: (indicatorId: number, since: Date | null) => sightingCounts(d, indicatorId, since),
    sightingCountyCount: (indicatorId: number, since: Date | null) => sightingCountyCount(d, indicatorId, since),
    seenRange: (principal: Principal, indicatorId: number) => seenRange(d, principal, indicatorId),
    linkedIncidentIds: (principal: Principal, indicatorId: number) => linkedIncidentIds(d, principal, indicatorId),
    match: (principal: Principal, values: readonly string[], includeExpired: boolean) => matchObservables(d, principal, values, includeExpired),
  };
}
