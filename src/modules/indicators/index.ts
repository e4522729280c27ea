/**
 * The indicators module's front door: indicator reports, imports, correlation, and the reads the
 * alerts module makes for its indicator alerts. indicators.repository.ts is private to the module.
 */

export { createIndicatorsService, type ImportIndicatorsInput, type ImportIndicatorsResult, type IndicatorsService } from './indicators.service.js';
export {
  createIndicatorReportsService,
  MAX_BATCH,
  type IndicatorReportsService,
  type IndicatorReportInput,
  type ObservableMatch,
  type RecentCorrelation,
  type ReportBatchOptions,
  type ReportResult,
} from './reports.service.js';
export { seedCorrelationUser, type IncidentCorrelationModel } from './correlation.js';
export { INDICATOR_TYPES, normalize, type IndicatorType } from './normalize.js';
export type { SightingsTable } from './indicators.tables.js';
export type { IndicatorReportRow, IndicatorRow, SightingRow } from './indicators.repository.js';
// Reads the alerts module makes to build indicator alerts (and decide who may see them).
export {
  findCorrelationsOf,
  findIndicatorsByIds,
  findSightingsByIds,
  listReportsOfIndicators,
  listSightingAccessFacts,
  loadReportAccessFacts,
  sightingAccessFacts,
} from './indicators.repository.js';
// Writes the STIX import makes in its own transaction (the bulk path's ON CONFLICT statements).
export { insertNewValues, upsertIndicators, upsertReports } from './indicators.repository.js';
export { isRetryable } from './ingest.js';
