import { isTriageCoordinator } from '../../../access/incidents.js';
import { canImportIndicatorsFor } from '../../../access/indicators.js';
import type { Handle, InTransaction } from '../../../infra/handle.js';
import type { Principal } from '../../../access/principal.js';
import { MAX_AHEAD, tooFarAhead } from '../../../dates.js';
import { ForbiddenError, InputError, NotFoundError } from '../../../errors.js';
import { TLPS, type Tlp } from '../../../domain/taxonomy.js';
import { multiLineText } from '../../../text.js';
import { recordAudit } from '../../audit/index.js';
import { findUsersByEmails } from '../../identity/index.js';
import { addOutboxEvent } from '../../outbox/index.js';
import { findOrganizationsBySlugs } from '../../partners/index.js';
import { recordCorrelations } from '../correlation.js';
import {
  addReportRecipients,
  addReportShares,
  attachReportToIncident,
  findIndicator,
  findIndicatorsByKeys,
  findReportIdsOf,
  findVisibleKeys,
  insertSighting,
  lockLiveReportOf,
  lockVisibleReport,
  revokeReportRow,
  setReportIncident,
  upsertIndicators,
  upsertReports,
  type IndicatorReportRow,
  type SightingRow,
  type IndicatorRow,
} from '../indicators.repository.js';
import { normalize, type IndicatorType } from '../normalize.js';
import { correlateAll, incidentVisibleTo, requireAnalyst, visibilityOf, type IndicatorReportsDeps } from './deps.js';

/** Reporting indicators and sightings through the API, linking reports to incidents, revoking them. */

export const MAX_BATCH = 10_000;

export interface IndicatorReportInput {
  value: string;
  type?: IndicatorType | null;
  tlp: Tlp;
  lawEnforcementSensitive?: boolean | null;
  confidence?: number | null;
  validFrom?: Date | null;
  validUntil?: Date | null;
  description?: string | null;
  incidentId?: string | null;
  shareWith?: readonly string[] | null;
  shareWithUsers?: readonly string[] | null;
}

export interface ReportResult {
  index: number;
  ok: boolean;
  indicator: IndicatorRow | null;
  created: boolean;
  error: string | null;
  field: string | null;
}

/**
 * What an adapter importing another format (MISP) adds to a report batch: the organization the reports
 * are of (the operator importing for it, or an analyst for their own: the bulk import's rule), and work
 * that must commit with the reports (what the adapter keeps of the items as they came).
 */
export interface ReportBatchOptions {
  organizationId?: string;
  /** Runs in the reports' transaction, after they are written, with each stored item and its indicator. */
  within?: (trx: Handle, stored: ReadonlyArray<{ index: number; indicator: IndicatorRow }>) => Promise<void>;
  /** Added to the batch's audit entry (e.g. the source event). */
  auditDetails?: Record<string, unknown>;
}

/** The organization and user a batch's reports are of. */
function reporterOf(principal: Principal, organizationId: string | undefined): { organizationId: string; userId: string | null } {
  if (organizationId === undefined) {
    const p = requireAnalyst(principal);
    return { organizationId: p.organization.id, userId: p.userId };
  }
  if (!canImportIndicatorsFor(principal, organizationId)) throw new ForbiddenError('Only an ANALYST of that organization may report its indicators.');
  return { organizationId, userId: principal.kind === 'user' ? principal.userId : null };
}

/** Up to 10,000 reports: a result per item; invalid items are reported by index and the valid ones stored. */
export async function reportIndicators(
  deps: IndicatorReportsDeps,
  principal: Principal,
  inputs: readonly IndicatorReportInput[],
  options: ReportBatchOptions = {},
): Promise<ReportResult[]> {
  const reporter = reporterOf(principal, options.organizationId);
  const p = principal;
  if (inputs.length > MAX_BATCH) throw new InputError('input', `at most ${MAX_BATCH.toLocaleString('en-US')} reports per call (got ${inputs.length})`);
  const results: ReportResult[] = inputs.map((_, index) => ({ index, ok: false, indicator: null, created: false, error: null, field: null }));
  const fail = (i: number, field: string, error: string) => Object.assign(results[i]!, { error, field });

  // Shares named in the batch, resolved once.
  const slugs = [...new Set(inputs.flatMap((x) => x.shareWith ?? []))];
  const emails = [...new Set(inputs.flatMap((x) => x.shareWithUsers ?? []).map((e) => e.trim().toLowerCase()))];
  const orgs = new Map((await findOrganizationsBySlugs(deps.db, slugs)).map((o) => [o.slug, o.id]));
  const users = new Map((await findUsersByEmails(deps.db, emails)).filter((u) => u.active).map((u) => [u.email, u.id]));
  const now = new Date();

  interface Valid {
    index: number;
    type: IndicatorType;
    value: string;
    tlp: Tlp;
    les: boolean;
    confidence: number;
    validFrom: Date;
    validUntil: Date | null;
    description: string | null;
    incidentId: string | null;
    shareOrgIds: string[];
    recipientIds: string[];
  }
  const valid: Valid[] = [];
  const incidentChecks = new Map<string, boolean>();
  for (const [i, x] of inputs.entries()) {
    const n = normalize(x.type ?? null, x.value);
    if (!n.ok) {
      fail(i, 'value', n.reason);
      continue;
    }
    if (!TLPS.includes(x.tlp)) {
      fail(i, 'tlp', `"${x.tlp}" is not a TLP label`);
      continue;
    }
    const confidence = x.confidence ?? 50;
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 100) {
      fail(i, 'confidence', 'must be a whole number from 0 to 100');
      continue;
    }
    const validFrom = x.validFrom ?? now;
    if (x.validUntil && x.validUntil <= validFrom) {
      fail(i, 'validUntil', 'must be after validFrom');
      continue;
    }
    // An indicator valid for decades is a typo (9999) that would keep it matching forever.
    if (x.validUntil && tooFarAhead(x.validUntil, MAX_AHEAD.validUntilDays)) {
      fail(i, 'validUntil', `must be at most ${Math.floor(MAX_AHEAD.validUntilDays / 366)} years ahead`);
      continue;
    }
    if (tooFarAhead(validFrom, MAX_AHEAD.validUntilDays)) {
      fail(i, 'validFrom', `must be at most ${Math.floor(MAX_AHEAD.validUntilDays / 366)} years ahead`);
      continue;
    }
    const description = (x.description && multiLineText(x.description)) || null;
    if (description && description.length > 4_000) {
      fail(i, 'description', 'must be at most 4,000 characters');
      continue;
    }
    const shareOrgIds: string[] = [];
    const bad = (x.shareWith ?? []).find((s) => !orgs.has(s));
    if (bad) {
      fail(i, 'shareWith', `no organization with slug "${bad}"`);
      continue;
    }
    if (x.tlp === 'RED' && (x.shareWith ?? []).length > 0) {
      fail(i, 'shareWith', 'TLP:RED is shared with named users (shareWithUsers), not organizations');
      continue;
    }
    if (x.tlp !== 'RED' && (x.shareWithUsers ?? []).length > 0) {
      fail(i, 'shareWithUsers', 'named recipients are for TLP:RED');
      continue;
    }
    for (const s of x.shareWith ?? []) shareOrgIds.push(orgs.get(s)!);
    const badUser = (x.shareWithUsers ?? []).map((e) => e.trim().toLowerCase()).find((e) => !users.has(e));
    if (badUser) {
      fail(i, 'shareWithUsers', `no active user with e-mail ${badUser}`);
      continue;
    }
    if (x.tlp === 'RED' && reporter.userId === null) {
      // RED names its recipients, starting with the reporting user: an operator's report has none.
      fail(i, 'tlp', 'TLP:RED reports name their recipients; a report without a reporting user would be visible to nobody');
      continue;
    }
    const recipientIds = (x.shareWithUsers ?? []).map((e) => users.get(e.trim().toLowerCase())!).filter((u) => u !== reporter.userId);
    let incidentId: string | null = null;
    if (x.incidentId) {
      if (!incidentChecks.has(x.incidentId)) incidentChecks.set(x.incidentId, await incidentVisibleTo(deps.db, p, x.incidentId));
      // An incident you may not see is one that does not exist.
      if (!incidentChecks.get(x.incidentId)) {
        fail(i, 'incidentId', `incident "${x.incidentId}" not found`);
        continue;
      }
      incidentId = x.incidentId;
    }
    valid.push({ index: i, type: n.type, value: n.value, tlp: x.tlp, les: x.lawEnforcementSensitive ?? false, confidence, validFrom, validUntil: x.validUntil ?? null, description, incidentId, shareOrgIds, recipientIds });
  }
  if (valid.length === 0) return results;

  await deps.db.transaction().execute(async (trx) => {
    // Distinct values, sorted: concurrent reporters lock rows in one order.
    const distinct = [...new Map(valid.map((v) => [`${v.type}\u0001${v.value}`, v])).values()].sort((a, b) =>
      a.type === b.type ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.type < b.type ? -1 : 1,
    );
    // "New" means new to the caller: a value only others may see (RED, LES, another audience) must
    // answer exactly like one nobody reported, or `created` reveals it.
    const before = await findVisibleKeys(trx, visibilityOf(p).indicators(), distinct.map((d) => d.type), distinct.map((d) => d.value));
    const existed = new Set(before.map((b) => `${b.type}\u0001${b.value}`));
    await upsertIndicators(
      trx,
      { types: distinct.map((d) => d.type), values: distinct.map((d) => d.value), benignReasons: distinct.map((d) => deps.warningLists.isBenign(d.type, d.value)) },
      now,
    );
    // Items sharing the same report attributes go in one upsert; the last report of a value wins.
    const groups = new Map<string, Valid[]>();
    for (const v of valid) {
      const k = `${v.tlp}|${v.les}|${v.validFrom.toISOString()}`;
      groups.set(k, [...(groups.get(k) ?? []).filter((g) => !(g.type === v.type && g.value === v.value)), v]);
    }
    for (const group of groups.values()) {
      const g = [...group].sort((a, b) => (a.type + a.value < b.type + b.value ? -1 : 1));
      await upsertReports(
        trx,
        { types: g.map((v) => v.type), values: g.map((v) => v.value), confidences: g.map((v) => v.confidence), validUntils: g.map((v) => v.validUntil), descriptions: g.map((v) => v.description) },
        { organizationId: reporter.organizationId, reportedBy: reporter.userId, tlp: g[0]!.tlp, lawEnforcementSensitive: g[0]!.les },
        g[0]!.validFrom,
        now,
      );
    }
    const rows = await findIndicatorsByKeys(trx, distinct.map((d) => d.type), distinct.map((d) => d.value));
    const byKey = new Map(rows.map((r) => [`${r.type}\u0001${r.value}`, r]));
    const reports = await findReportIdsOf(trx, reporter.organizationId, rows.map((r) => r.id));
    const reportOf = new Map(reports.map((r) => [r.indicator_id, r.id]));
    for (const v of valid) {
      const ind = byKey.get(`${v.type}\u0001${v.value}`)!;
      const reportId = reportOf.get(ind.id)!;
      if (v.incidentId) await attachReportToIncident(trx, reportId, v.incidentId);
      await addReportShares(trx, reportId, v.shareOrgIds);
      await addReportRecipients(trx, reportId, v.recipientIds);
      Object.assign(results[v.index]!, { ok: true, indicator: ind, created: !existed.has(`${v.type}\u0001${v.value}`) });
    }
    if (options.within) await options.within(trx, valid.map((v) => ({ index: v.index, indicator: byKey.get(`${v.type}\u0001${v.value}`)! })));
    const ids = rows.map((r) => r.id);
    const correlations = await correlateAll(deps, trx, p, ids);
    await recordAudit(trx, p, 'indicators.reported', { type: 'IndicatorReportBatch', id: null }, {
      stored: valid.length,
      invalid: inputs.length - valid.length,
      indicators: ids.length,
      correlations: correlations.map((c) => c.incidentId),
      ...(options.organizationId !== undefined ? { organization: reporter.organizationId } : {}),
      ...options.auditDetails,
    });
    await addOutboxEvent(trx, 'indicator.reported', { type: 'Organization', id: reporter.organizationId }, { indicatorIds: ids.slice(0, 10_000) });
    await recordCorrelations(trx, correlations);
  });
  return results;
}

export async function reportSighting(
  deps: IndicatorReportsDeps,
  principal: Principal,
  input: { value: string; type?: IndicatorType | null; seenAt?: Date | null; count?: number | null; tlp: Tlp },
  also?: InTransaction<SightingRow>,
) {
  const p = requireAnalyst(principal);
  const n = normalize(input.type ?? null, input.value);
  if (!n.ok) throw new InputError('value', n.reason);
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new InputError('count', 'must be a whole number from 1 to 1,000,000');
  const seenAt = input.seenAt ?? new Date();
  if (seenAt.getTime() > Date.now() + 5 * 60_000) throw new InputError('seenAt', 'must not be in the future');
  return deps.db.transaction().execute(async (trx) => {
    await upsertIndicators(trx, { types: [n.type], values: [n.value], benignReasons: [deps.warningLists.isBenign(n.type, n.value)] }, seenAt);
    const ind = await findIndicator(trx, n.type, n.value);
    if (!ind) throw new Error(`indicator ${n.type} ${n.value} missing right after its upsert`);
    const sighting = await insertSighting(trx, { indicator_id: ind.id, organization_id: p.organization.id, reported_by: p.userId, seen_at: seenAt, count, tlp: input.tlp });
    const correlations = await correlateAll(deps, trx, p, [ind.id]);
    await recordAudit(trx, p, 'indicator.sighted', { type: 'Indicator', id: String(ind.id) }, { sighting: sighting.public_id, count, tlp: input.tlp, correlations: correlations.map((c) => c.incidentId) });
    await addOutboxEvent(trx, 'indicator.sighted', { type: 'Indicator', id: String(ind.id) }, { sightingId: sighting.id });
    await recordCorrelations(trx, correlations);
    await also?.(trx, sighting);
    return sighting;
  });
}

/** Links the caller's organization's report of the indicator to an incident the caller may see. */
export async function linkToIncident(
  deps: IndicatorReportsDeps,
  principal: Principal,
  input: { type: IndicatorType; value: string; incidentId: string },
  also?: InTransaction<IndicatorReportRow>,
): Promise<IndicatorReportRow> {
  const n = normalize(input.type, input.value);
  if (!n.ok) throw new InputError('value', n.reason);
  return deps.db.transaction().execute(async (trx) => {
    // NOT_FOUND before FORBIDDEN: whether an incident exists is itself sensitive.
    if (!(await incidentVisibleTo(trx, principal, input.incidentId))) throw new NotFoundError('Incident', input.incidentId);
    const p = requireAnalyst(principal);
    const report = await lockLiveReportOf(trx, p.organization.id, n.type, n.value);
    if (!report) throw new InputError('value', `your organization has no report of ${n.type} ${n.value}: report it first`);
    const row = await setReportIncident(trx, report.id, input.incidentId);
    await recordAudit(trx, p, 'indicator.linked', { type: 'Indicator', id: String(report.indicator_id) }, { report: report.id, incident: input.incidentId });
    await also?.(trx, row);
    return row;
  });
}

/** Revokes a report: its organization's analysts, or a coordinator. */
export async function revokeReport(deps: IndicatorReportsDeps, principal: Principal, id: string): Promise<IndicatorReportRow> {
  const reportId = Number(id);
  if (!Number.isSafeInteger(reportId)) throw new NotFoundError('Indicator report', id);
  return deps.db.transaction().execute(async (trx) => {
    const visible = await lockVisibleReport(trx, visibilityOf(principal).reports(), reportId);
    if (!visible) throw new NotFoundError('Indicator report', id);
    const p = requireAnalyst(principal);
    if (visible.organization_id !== p.organization.id && !isTriageCoordinator(p)) throw new ForbiddenError("Only the reporting organization's analysts or coordinators may revoke a report.");
    const row = await revokeReportRow(trx, reportId);
    await recordAudit(trx, p, 'indicator.report_revoked', { type: 'Indicator', id: String(visible.indicator_id) }, { report: reportId });
    return row;
  });
}
