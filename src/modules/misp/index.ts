/**
 * The MISP module's front door: MISP event import, incident export as a MISP event, and the hub as a MISP
 * feed (/misp/feed/). misp.repository.ts is private to the module.
 */

export { createMispService, type MispService } from './misp.service.js';
export { createMispFeed, feedToken, hashLines, manifestEntry } from './feed.js';
export type { MispEventDoc, MispAttributeDoc, MispObjectDoc } from './export.js';
export type { MispImportInput, MispImportResult, MispRefusal } from './import.js';
export { MISP_IMPORT_TYPES, MISP_KEPT_TYPES, uuidV5, eventUuidOfIncident } from './mapping.js';
export type { MispTables } from './misp.tables.js';
