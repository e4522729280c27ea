import { canChangeSeverity, canEditIncident, isTriageCoordinator } from '../../../access/incidents.js';
import type { Principal } from '../../../access/principal.js';
import type { InTransaction } from '../../../infra/handle.js';
import { ConflictError, ForbiddenError } from '../../../errors.js';
import { CATEGORY_DOMAIN, LIMITS, type IncidentCategory, type Severity } from '../../../domain/taxonomy.js';
import type { OrganizationRow } from '../../partners/index.js';
import { affectedCountySlugs, insertTimelineEntry, replaceAffectedCounties, updateIncidentRow, type IncidentRow } from '../incidents.repository.js';
import type { ExternalReference } from '../incidents.tables.js';
import { checkAssets, checkCategory, checkExternalReferences, checkLongText, checkTimes, checkTitle } from '../incidents.validation.js';
import { lockVisible, record, requireUser, resolveCounties, type IncidentsDeps } from './deps.js';

/** Editing an incident's content and severity (optimistic: the caller names the version it read). */

export interface UpdateIncidentInput {
  title?: string | null;
  summary?: string | null;
  category?: IncidentCategory | null;
  severity?: Severity | null;
  affectedCounties?: readonly string[] | null;
  affectedAssets?: readonly string[] | null;
  occurredAt?: Date | null;
  detectedAt?: Date | null;
  externalReferences?: ReadonlyArray<{ source: string; identifier: string; url?: string | null }> | null;
}

/** `also`: more writes in the same transaction once the row is updated (a STIX import records the version it applied). */
export async function updateIncident(
  deps: IncidentsDeps,
  principal: Principal,
  id: string,
  input: UpdateIncidentInput,
  expectedVersion: number,
  also?: InTransaction<IncidentRow>,
): Promise<IncidentRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, facts } = await lockVisible(trx, principal, id);
    const p = requireUser(principal);
    const patch: Record<string, unknown> = {};
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    const set = (field: string, column: string, from: unknown, to: unknown) => {
      if (JSON.stringify(from) !== JSON.stringify(to)) {
        patch[column] = to;
        diff[field] = { from, to };
      }
    };
    if (input.title !== undefined && input.title !== null) set('title', 'title', row.title, checkTitle(input.title));
    if (input.summary !== undefined && input.summary !== null) set('summary', 'summary', row.summary, checkLongText(input.summary, 'summary', LIMITS.summary));
    if (input.category) {
      const c = checkCategory(input.category);
      set('category', 'category', row.category, c);
      if (c !== row.category) patch.domain = CATEGORY_DOMAIN[c];
    }
    if (input.severity) set('severity', 'severity', row.severity, input.severity);
    if (input.affectedAssets) set('affectedAssets', 'affected_assets', row.affected_assets, checkAssets(input.affectedAssets));
    const occurredAt = input.occurredAt !== undefined && input.occurredAt !== null ? input.occurredAt : row.occurred_at;
    const detectedAt = input.detectedAt !== undefined && input.detectedAt !== null ? input.detectedAt : row.detected_at;
    if (input.occurredAt || input.detectedAt) checkTimes(occurredAt, detectedAt);
    if (input.occurredAt) set('occurredAt', 'occurred_at', row.occurred_at?.toISOString() ?? null, input.occurredAt.toISOString());
    if (input.detectedAt) set('detectedAt', 'detected_at', row.detected_at?.toISOString() ?? null, input.detectedAt.toISOString());
    if (input.externalReferences) {
      const refs = checkExternalReferences(input.externalReferences);
      set('externalReferences', 'external_references', row.external_references, refs);
      if ('external_references' in patch) patch.external_references = JSON.stringify(refs satisfies ExternalReference[]);
    }
    let counties: Array<Pick<OrganizationRow, 'id' | 'slug'>> | null = null;
    if (input.affectedCounties) {
      counties = await resolveCounties(trx, input.affectedCounties, 'affectedCounties', deps.organizations);
      const from = (await affectedCountySlugs(trx, row.id)).sort();
      const to = counties.map((c) => c.slug).sort();
      if (JSON.stringify(from) !== JSON.stringify(to)) diff.affectedCounties = { from, to };
      else counties = null;
    }

    const fields = Object.keys(diff);
    const contentFields = fields.filter((f) => f !== 'severity');
    if (contentFields.length > 0 && !canEditIncident(p, facts)) {
      throw new ForbiddenError(
        isTriageCoordinator(p)
          ? `Coordinators may change only the severity of another organization's incident (not ${contentFields.join(', ')}).`
          : "Only the reporting organization's analysts may edit this incident.",
      );
    }
    if (fields.includes('severity') && !canChangeSeverity(p, facts)) throw new ForbiddenError("Only the reporting organization's analysts or coordinators may change severity.");
    if (fields.length === 0 && !canEditIncident(p, facts) && !canChangeSeverity(p, facts)) {
      throw new ForbiddenError("Only the reporting organization's analysts may edit this incident.");
    }
    if (row.version !== expectedVersion) {
      throw new ConflictError(`The incident changed since you read it (version ${row.version}, you sent ${expectedVersion}); reload and retry.`, {
        currentVersion: row.version,
      });
    }
    if (fields.length === 0) {
      await also?.(trx, row);
      return row;
    }

    if (counties) await replaceAffectedCounties(trx, row.id, counties.map((c) => c.id));
    const updated = await updateIncidentRow(trx, row.id, patch);
    const outbox: Array<{ topic: string; payload?: Record<string, unknown> }> = [{ topic: 'incident.updated', payload: { fields } }];
    if (diff.severity) {
      await insertTimelineEntry(trx, {
        incidentId: row.id,
        kind: 'SEVERITY_CHANGED',
        actorUserId: p.userId,
        actorOrganizationId: p.organization.id,
        change: diff.severity,
      });
      outbox.push({ topic: 'incident.severity_changed', payload: diff.severity });
    }
    const contentDiff = Object.fromEntries(Object.entries(diff).filter(([k]) => k !== 'severity'));
    await record(
      trx,
      p,
      updated,
      Object.keys(contentDiff).length ? { kind: 'UPDATED', change: contentDiff } : null,
      { action: 'incident.updated', change: diff },
      outbox,
    );
    await also?.(trx, updated);
    return updated;
  });
}
