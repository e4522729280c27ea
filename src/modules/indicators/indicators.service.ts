import type { Readable } from 'node:stream';
import { canImportIndicatorsFor } from '../../access/indicators.js';
import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { ForbiddenError, InputError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { recordAudit } from '../audit/index.js';
import { TLPS, type Tlp } from '../../domain/taxonomy.js';
import { isOneOf } from '../../domain/unions.js';
import { findOrganizationBySlug } from '../partners/index.js';
import { DEFAULT_CONFIDENCE, IngestError, ingestIndicators, type ImportFormat, type IngestProgress, type InvalidLine, type IngestResult } from './ingest.js';
import { createWarningLists } from './warning-lists.js';

export interface ImportIndicatorsInput {
  source: Readable;
  format: ImportFormat;
  /** The reporting organization's slug. */
  organization: string;
  tlp: string;
  lawEnforcementSensitive?: boolean;
  /** For values whose line does not state one. */
  confidence?: number;
  /** For the audit entry: where the values came from. */
  sourceName?: string;
  batchSize?: number;
  onProgress?: (p: IngestProgress) => void;
  onInvalid?: (l: InvalidLine) => void;
}

export interface ImportIndicatorsResult extends IngestResult {
  organization: { id: string; slug: string };
  tlp: Tlp;
}

export type IndicatorsService = ReturnType<typeof createIndicatorsService>;

export function createIndicatorsService(deps: { db: Db; config: Config }) {
  const { db, config } = deps;
  const warningLists = createWarningLists(config.benignDomains);

  /**
   * Bulk import: the operator (system principal) for any organization, with no reporting user; or an
   * ANALYST for their own organization, as the reporting user. One audit entry per import, with the counts,
   * also when the import stops part-way.
   */
  async function importIndicators(principal: Principal, input: ImportIndicatorsInput): Promise<ImportIndicatorsResult> {
    const tlp = input.tlp.trim().toUpperCase().replace(/^TLP:/, '');
    if (!isOneOf(TLPS, tlp)) throw new InputError('tlp', `"${input.tlp}" is not a TLP label (${TLPS.join(', ')})`);
    const confidence = input.confidence ?? DEFAULT_CONFIDENCE;
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 100) {
      throw new InputError('confidence', 'must be a whole number 0-100');
    }
    const org = await findOrganizationBySlug(db, input.organization);
    if (!org) throw new InputError('organization', `no organization with slug "${input.organization}"`);
    if (!canImportIndicatorsFor(principal, org.id)) {
      throw new ForbiddenError('Only an ANALYST of that organization may report its indicators.');
    }
    const reportedBy = principal.kind === 'user' ? principal.userId : null;
    if (tlp === 'RED' && reportedBy === null) {
      // RED names its recipients, starting with the reporting user: an operator's import has none, so
      // the reports would be visible to nobody.
      throw new InputError('tlp', 'TLP:RED reports name their recipients; an operator import has no reporting user (use AMBER_STRICT)');
    }
    const lawEnforcementSensitive = input.lawEnforcementSensitive ?? false;
    const describe = { organization: org.slug, source: input.sourceName ?? null, format: input.format, tlp, lawEnforcementSensitive, confidence };

    let result: IngestResult;
    try {
      result = await ingestIndicators(db, input.source, {
        organizationId: org.id,
        reportedBy,
        tlp,
        lawEnforcementSensitive,
        format: input.format,
        warningLists,
        defaultConfidence: confidence,
        batchSize: input.batchSize,
        onProgress: input.onProgress,
        onInvalid: input.onInvalid,
      });
    } catch (err) {
      if (err instanceof IngestError && err.partial.batches > 0) {
        await db.transaction().execute((trx) =>
          recordAudit(trx, principal, 'indicators.import_failed', { type: 'Organization', id: org.id }, {
            ...describe,
            ...auditCounts(err.partial),
            error: err.message,
          }),
        );
      }
      throw err;
    }
    await db.transaction().execute((trx) =>
      recordAudit(trx, principal, 'indicators.imported', { type: 'Organization', id: org.id }, { ...describe, ...auditCounts(result) }),
    );
    return { ...result, organization: { id: org.id, slug: org.slug }, tlp };
  }

  return { importIndicators, warningLists };
}

function auditCounts(r: IngestResult) {
  return {
    lines: r.lines,
    created: r.created,
    known: r.known,
    duplicates: r.duplicates,
    invalid: r.invalid,
    benign: r.benign,
    reports: r.reports,
  };
}
