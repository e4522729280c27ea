import type { Principal, UserPrincipal } from '../../access/principal.js';
import type { Db } from '../../infra/db.js';
import type { IncidentsService } from '../incidents/index.js';
import type { IndicatorReportsService } from '../indicators/index.js';
import { exportIncident, feedEvent, feedEvents, type MispEventDoc, type MispExportDeps } from './export.js';
import { importMispEvent, type MispImportInput, type MispImportResult } from './import.js';

/**
 * MISP in and out (issue 15, item 4): one more adapter over the incidents and indicators services and
 * the one access policy. Import writes through the indicators module's report use case; export and the
 * feed read through the incidents and indicators services with the reader's principal.
 */

export type MispService = ReturnType<typeof createMispService>;

export function createMispService(deps: { db: Db; incidents: IncidentsService; indicatorReports: IndicatorReportsService }) {
  const d: MispExportDeps = { db: deps.db, incidents: deps.incidents, indicatorReports: deps.indicatorReports };
  return {
    importEvent: (principal: Principal, input: MispImportInput): Promise<MispImportResult> => importMispEvent(d, principal, input),
    exportIncident: (principal: Principal, incident: string): Promise<MispEventDoc> => exportIncident(d, principal, incident),
    feedEvents: (principal: UserPrincipal): AsyncIterable<MispEventDoc> => feedEvents(d, principal),
    feedEvent: (principal: UserPrincipal, uuid: string): Promise<MispEventDoc | null> => feedEvent(d, principal, uuid),
  };
}
