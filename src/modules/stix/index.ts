/**
 * The STIX module's front door (issue 15): STIX 2.1 export and import, and the service the TAXII 2.1
 * server (stix.taxii.ts) runs on. stix.repository.ts is private to the module.
 */

export { createStixService, objectsOfBundle, AIS_CONSENT_LABELS, COLLECTIONS, type StixService, type ExportOptions, type TaxiiQuery } from './stix.service.js';
export type { ImportSummary, ObjectResult } from './stix.import.js';
export type { StixObject } from './stix.objects.js';
export { createTaxiiApp } from './stix.taxii.js';
export { streamBundleObjects } from './stix.stream.js';
export { stixIds, stixTimeOf, patternOf, uuidv5, TLP2_IDS } from './stix.core.js';
export type { StixTables } from './stix.tables.js';
