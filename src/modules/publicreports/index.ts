/**
 * The public reports module's front door (issue 16): voters' reports of misleading election information,
 * the claims they are clustered into, and what the SOS publishes back. Its repository is private.
 */

export {
  createPublicReportsService,
  validateReport,
  parseReportedLink,
  newReportReference,
  SEEN_WHERE,
  SEEN_WHEN,
  REPORT_LIMITS,
  TOPIC_REPORT_RECEIVED,
  type PublicReportsService,
  type ReportFields,
  type ValidReport,
  type FieldProblem,
} from './publicreports.service.js';
export { catalogs, catalogFor, missingKeys, missingKeysIn, negotiateLanguage, translator, DEFAULT_LANGUAGE, type Catalog, type CatalogMeta, type Translate } from './catalog.js';
export { createAbuseGuard, CHALLENGE_LIFETIME_MS, type AbuseGuard } from './abuse.js';
export { cleanScreenshot, sniffImageType, SCREENSHOT_TYPES } from './screenshot.js';
export { createClaimsService, seedPublicReportsUser, CLAIM_STATUSES, type ClaimsService, type ClaimSummary, type ClaimDetail } from './claims.service.js';
