import { sql } from 'kysely';
import { actsAsAnalyst, canSeeIncident, isTriageCoordinator, visibleIncidents } from '../../access/incidents.js';
import { visibleIndicators, visibleReports, visibleSightings } from '../../access/indicators.js';
import type { Principal, UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { MAX_AHEAD, tooFarAhead } from '../../dates.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { multiLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import { findUsersByEmails } from '../identity/index.js';
import { findVisibleIncident } from '../incidents/index.js';
import { isUuid } from '../../domain/ids.js';
import { TLPS, type Tlp } from '../../domain/taxonomy.js';
import { addOutboxEvent } from '../outbox/index.js';
import { findOrganizationsBySlugs } from '../partners/index.js';
import { correlateIndicator, correlationOfIncident, recordCorrelations, type CorrelationOutcome } from './correlation.js';
import { upsertIndicators, upsertReports, type IndicatorReportRow, type IndicatorRow } from './indicators.repository.js';
import { normalize, observableOf, type IndicatorType, type MatchVia } from './normalize.js';
import { createWarningLists } from './warning-lists.js';

/**
 * Reporting, sighting, reading and matching indicators through the API, under the access policy of
 * src/access/indicators.ts. Bulk import from files lives in indicators.service.ts.
 */

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

export interface IndicatorFilter {
  types?: readonly IndicatorType[] | null;
  reportedBy?: string | null;
  seenSince?: Date | null;
  linkedIncident?: string | null;
  text?: string | null;
  includeBenign?: boolean | null;
}

export interface ObservableMatch {
  index: number;
  input: string;
  type: IndicatorType;
  value: string;
  indicator: IndicatorRow;
  via: MatchVia;
}

export type IndicatorReportsService = ReturnType<typeof createIndicatorReportsService>;

export function createIndicatorReportsService(deps: { db: Db; config: Config }) {
  const { db, config } = deps;
  const warningLists = createWarningLists(config.benignDomains);

  function requireAnalyst(p: Principal): UserPrincipal {
    if (!actsAsAnalyst(p)) throw new ForbiddenError('Only analysts may report indicators and sightings.');
    return p;
  }

  async function incidentVisibleTo(h: Handle, p: Principal, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const found = await findVisibleIncident(h, visibleIncidents(p), { id });
    return found !== undefined && canSeeIncident(p, found.facts);
  }

  async function correlateAll(trx: Handle, p: Principal, indicatorIds: readonly number[]): Promise<CorrelationOutcome[]> {
    if (p.kind !== 'user' || p.organization.kind !== 'COUNTY') return [];
    const out: CorrelationOutcome[] = [];
    for (const id of indicatorIds) {
      const r = await correlateIndicator(trx, config, id, p);
      if (r) out.push(r);
    }
    return out;
  }

  /** Up to 10,000 reports: a result per item; invalid items are reported by index and the valid ones stored. */
  async function reportIndicators(principal: Principal, inputs: readonly IndicatorReportInput[]): Promise<ReportResult[]> {
    const p = requireAnalyst(principal);
    if (inputs.length > MAX_BATCH) throw new InputError('input', `at most ${MAX_BATCH.toLocaleString('en-US')} reports per call (got ${inputs.length})`);
    const results: ReportResult[] = inputs.map((_, index) => ({ index, ok: false, indicator: null, created: false, error: null, field: null }));
    const fail = (i: number, field: string, error: string) => Object.assign(results[i]!, { error, field });

    // Shares named in the batch, resolved once.
    const slugs = [...new Set(inputs.flatMap((x) => x.shareWith ?? []))];
    const emails = [...new Set(inputs.flatMap((x) => x.shareWithUsers ?? []).map((e) => e.trim().toLowerCase()))];
    const orgs = new Map((await findOrganizationsBySlugs(db, slugs)).map((o) => [o.slug, o.id]));
    const users = new Map((await findUsersByEmails(db, emails)).filter((u) => u.active).map((u) => [u.email, u.id]));
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
      const recipientIds = (x.shareWithUsers ?? []).map((e) => users.get(e.trim().toLowerCase())!).filter((u) => u !== p.userId);
      let incidentId: string | null = null;
      if (x.incidentId) {
        if (!incidentChecks.has(x.incidentId)) incidentChecks.set(x.incidentId, await incidentVisibleTo(db, p, x.incidentId));
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

    await db.transaction().execute(async (trx) => {
      // Distinct values, sorted: concurrent reporters lock rows in one order.
      const distinct = [...new Map(valid.map((v) => [`${v.type}\u0001${v.value}`, v])).values()].sort((a, b) =>
        a.type === b.type ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.type < b.type ? -1 : 1,
      );
      // "New" means new to the caller: a value only others may see (RED, LES, another audience) must
      // answer exactly like one nobody reported, or `created` reveals it.
      const before = await trx
        .selectFrom('indicators')
        .select(['type', 'value'])
        .where(sql<boolean>`(type, value) in (select * from unnest(${distinct.map((d) => d.type)}::text[], ${distinct.map((d) => d.value)}::text[]))`)
        .where(visibleIndicators(p))
        .execute();
      const existed = new Set(before.map((b) => `${b.type}\u0001${b.value}`));
      await upsertIndicators(
        trx,
        { types: distinct.map((d) => d.type), values: distinct.map((d) => d.value), benignReasons: distinct.map((d) => warningLists.isBenign(d.type, d.value)) },
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
          { organizationId: p.organization.id, reportedBy: p.userId, tlp: g[0]!.tlp, lawEnforcementSensitive: g[0]!.les },
          g[0]!.validFrom,
          now,
        );
      }
      const rows = await trx
        .selectFrom('indicators')
        .selectAll()
        .where(sql<boolean>`(type, value) in (select * from unnest(${distinct.map((d) => d.type)}::text[], ${distinct.map((d) => d.value)}::text[]))`)
        .execute();
      const byKey = new Map(rows.map((r) => [`${r.type}\u0001${r.value}`, r]));
      const reports = await trx
        .selectFrom('indicator_reports')
        .select(['id', 'indicator_id'])
        .where('organization_id', '=', p.organization.id)
        .where('indicator_id', 'in', rows.map((r) => r.id))
        .execute();
      const reportOf = new Map(reports.map((r) => [r.indicator_id, r.id]));
      for (const v of valid) {
        const ind = byKey.get(`${v.type}\u0001${v.value}`)!;
        const reportId = reportOf.get(ind.id)!;
        if (v.incidentId) await trx.updateTable('indicator_reports').set({ incident_id: v.incidentId }).where('id', '=', reportId).execute();
        if (v.shareOrgIds.length) {
          await trx.insertInto('indicator_report_shares').values(v.shareOrgIds.map((o) => ({ report_id: reportId, organization_id: o }))).onConflict((oc) => oc.doNothing()).execute();
        }
        if (v.recipientIds.length) {
          await trx.insertInto('indicator_report_recipients').values(v.recipientIds.map((u) => ({ report_id: reportId, user_id: u }))).onConflict((oc) => oc.doNothing()).execute();
        }
        Object.assign(results[v.index]!, { ok: true, indicator: ind, created: !existed.has(`${v.type}\u0001${v.value}`) });
      }
      const ids = rows.map((r) => r.id);
      const correlations = await correlateAll(trx, p, ids);
      await recordAudit(trx, p, 'indicators.reported', { type: 'IndicatorReportBatch', id: null }, {
        stored: valid.length,
        invalid: inputs.length - valid.length,
        indicators: ids.length,
        correlations: correlations.map((c) => c.incidentId),
      });
      await addOutboxEvent(trx, 'indicator.reported', { type: 'Organization', id: p.organization.id }, { indicatorIds: ids.slice(0, 10_000) });
      await recordCorrelations(trx, correlations);
    });
    return results;
  }

  async function reportSighting(
    principal: Principal,
    input: { value: string; type?: IndicatorType | null; seenAt?: Date | null; count?: number | null; tlp: Tlp },
  ) {
    const p = requireAnalyst(principal);
    const n = normalize(input.type ?? null, input.value);
    if (!n.ok) throw new InputError('value', n.reason);
    const count = input.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new InputError('count', 'must be a whole number from 1 to 1,000,000');
    const seenAt = input.seenAt ?? new Date();
    if (seenAt.getTime() > Date.now() + 5 * 60_000) throw new InputError('seenAt', 'must not be in the future');
    return db.transaction().execute(async (trx) => {
      await upsertIndicators(trx, { types: [n.type], values: [n.value], benignReasons: [warningLists.isBenign(n.type, n.value)] }, seenAt);
      const ind = await trx.selectFrom('indicators').selectAll().where('type', '=', n.type).where('value', '=', n.value).executeTakeFirstOrThrow();
      const sighting = await trx
        .insertInto('sightings')
        .values({ indicator_id: ind.id, organization_id: p.organization.id, reported_by: p.userId, seen_at: seenAt, count, tlp: input.tlp })
        .returningAll()
        .executeTakeFirstOrThrow();
      const correlations = await correlateAll(trx, p, [ind.id]);
      await recordAudit(trx, p, 'indicator.sighted', { type: 'Indicator', id: String(ind.id) }, { sighting: sighting.public_id, count, tlp: input.tlp, correlations: correlations.map((c) => c.incidentId) });
      await addOutboxEvent(trx, 'indicator.sighted', { type: 'Indicator', id: String(ind.id) }, { sightingId: sighting.id });
      await recordCorrelations(trx, correlations);
      return sighting;
    });
  }

  /** Links the caller's organization's report of the indicator to an incident the caller may see. */
  async function linkToIncident(principal: Principal, input: { type: IndicatorType; value: string; incidentId: string }): Promise<IndicatorReportRow> {
    const n = normalize(input.type, input.value);
    if (!n.ok) throw new InputError('value', n.reason);
    return db.transaction().execute(async (trx) => {
      // NOT_FOUND before FORBIDDEN: whether an incident exists is itself sensitive.
      if (!(await incidentVisibleTo(trx, principal, input.incidentId))) throw new NotFoundError('Incident', input.incidentId);
      const p = requireAnalyst(principal);
      const report = await trx
        .selectFrom('indicator_reports as r')
        .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
        .selectAll('r')
        .where('i.type', '=', n.type)
        .where('i.value', '=', n.value)
        .where('r.organization_id', '=', p.organization.id)
        .where('r.revoked_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!report) throw new InputError('value', `your organization has no report of ${n.type} ${n.value}: report it first`);
      const row = await trx.updateTable('indicator_reports').set({ incident_id: input.incidentId, updated_at: new Date() }).where('id', '=', report.id).returningAll().executeTakeFirstOrThrow();
      await recordAudit(trx, p, 'indicator.linked', { type: 'Indicator', id: String(report.indicator_id) }, { report: report.id, incident: input.incidentId });
      return row;
    });
  }

  /** Revokes a report: its organization's analysts, or a coordinator. */
  async function revokeReport(principal: Principal, id: string): Promise<IndicatorReportRow> {
    const reportId = Number(id);
    if (!Number.isSafeInteger(reportId)) throw new NotFoundError('Indicator report', id);
    return db.transaction().execute(async (trx) => {
      const visible = await trx
        .selectFrom('indicator_reports')
        .selectAll()
        .where('id', '=', reportId)
        .where(visibleReports(principal))
        .forUpdate()
        .executeTakeFirst();
      if (!visible) throw new NotFoundError('Indicator report', id);
      const p = requireAnalyst(principal);
      if (visible.organization_id !== p.organization.id && !isTriageCoordinator(p)) throw new ForbiddenError("Only the reporting organization's analysts or coordinators may revoke a report.");
      const row = await trx.updateTable('indicator_reports').set({ revoked_at: new Date(), updated_at: new Date() }).where('id', '=', reportId).returningAll().executeTakeFirstOrThrow();
      await recordAudit(trx, p, 'indicator.report_revoked', { type: 'Indicator', id: String(visible.indicator_id) }, { report: reportId });
      return row;
    });
  }

  // ── Reads ───────────────────────────────────────────────────────────────────────────────────────

  async function indicator(principal: Principal, type: IndicatorType, value: string): Promise<IndicatorRow | null> {
    const n = normalize(type, value);
    if (!n.ok) throw new InputError('value', n.reason);
    const row = await db.selectFrom('indicators').selectAll().where('type', '=', n.type).where('value', '=', n.value).where(visibleIndicators(principal)).executeTakeFirst();
    return row ?? null;
  }

  async function visibleIndicatorIds(principal: Principal, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await db.selectFrom('indicators').select('id').where('id', 'in', [...ids]).where(visibleIndicators(principal)).execute();
    return new Set(rows.map((r) => r.id));
  }

  async function list(principal: Principal, filter: IndicatorFilter, first: number, afterId: number | null) {
    const linkedVisible = filter.linkedIncident ? await incidentVisibleTo(db, principal, filter.linkedIncident) : false;
    const build = () => {
      let q = db.selectFrom('indicators').where(visibleIndicators(principal));
      if (filter.types?.length) q = q.where('indicators.type', 'in', [...filter.types]);
      if (!filter.includeBenign) q = q.where('indicators.benign_reason', 'is', null);
      if (filter.text) q = q.where('indicators.value', 'like', `%${filter.text.replace(/[\\%_]/g, (c) => '\\' + c).toLowerCase()}%`);
      if (filter.reportedBy) {
        q = q.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('indicator_reports as fr')
              .innerJoin('organizations as fo', 'fo.id', 'fr.organization_id')
              .select(sql`1`.as('one'))
              .whereRef('fr.indicator_id', '=', 'indicators.id')
              .where('fo.slug', '=', filter.reportedBy!)
              .where(visibleReports(principal, 'fr')),
          ),
        );
      }
      if (filter.seenSince) {
        const since = filter.seenSince;
        q = q.where(({ or, exists, selectFrom }) =>
          or([
            exists(selectFrom('sightings as fs').select(sql`1`.as('one')).whereRef('fs.indicator_id', '=', 'indicators.id').where('fs.seen_at', '>=', since).where(visibleSightings(principal, 'fs'))),
            exists(selectFrom('indicator_reports as fr2').select(sql`1`.as('one')).whereRef('fr2.indicator_id', '=', 'indicators.id').where('fr2.updated_at', '>=', since).where(visibleReports(principal, 'fr2'))),
          ]),
        );
      }
      if (filter.linkedIncident) {
        // Filtering by an incident you may not see matches nothing, exactly like an unknown id.
        const inc = linkedVisible ? filter.linkedIncident : '00000000-0000-0000-0000-000000000000';
        const incidentId = isUuid(inc) ? inc : '00000000-0000-0000-0000-000000000000';
        q = q.where(({ or, exists, selectFrom }) =>
          or([
            exists(
              selectFrom('indicator_reports as fr3')
                .select(sql`1`.as('one'))
                .whereRef('fr3.indicator_id', '=', 'indicators.id')
                .where('fr3.incident_id', '=', incidentId)
                .where(visibleReports(principal, 'fr3')),
            ),
            // The indicator a statewide incident was correlated from (itself visible: the outer filter).
            exists(selectFrom('indicator_correlations as fc').select(sql`1`.as('one')).whereRef('fc.indicator_id', '=', 'indicators.id').where('fc.incident_id', '=', incidentId)),
          ]),
        );
      }
      return q;
    };
    let rowsQ = build().selectAll('indicators').orderBy('indicators.id', 'desc').limit(first + 1);
    if (afterId !== null) rowsQ = rowsQ.where('indicators.id', '<', afterId);
    const rows = await rowsQ.execute();
    const nodes = rows.slice(0, first);
    return {
      nodes,
      hasNextPage: rows.length > first,
      totalCount: async () => Number((await build().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    };
  }

  /** Reports of an indicator the principal may see. */
  function reportsOf(principal: Principal, indicatorId: number): Promise<IndicatorReportRow[]> {
    return db.selectFrom('indicator_reports').selectAll().where('indicator_id', '=', indicatorId).where(visibleReports(principal)).orderBy('updated_at', 'desc').execute();
  }

  function sightingsOf(principal: Principal, indicatorId: number, since: Date | null) {
    let q = db.selectFrom('sightings').selectAll().where('indicator_id', '=', indicatorId).where(visibleSightings(principal));
    if (since) q = q.where('seen_at', '>=', since);
    return q.orderBy('seen_at', 'desc').limit(500).execute();
  }

  /** Counts of every sighting, visible or not: a number reveals no organization (access-policy.md). */
  async function sightingCounts(indicatorId: number, since: Date | null): Promise<{ sightings: number; organizations: number }> {
    let q = db
      .selectFrom('sightings')
      .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('count'), sql<number>`0`).as('n'), eb.fn.count<number>('organization_id').distinct().as('orgs')])
      .where('indicator_id', '=', indicatorId);
    if (since) q = q.where('seen_at', '>=', since);
    const r = await q.executeTakeFirstOrThrow();
    return { sightings: Number(r.n), organizations: Number(r.orgs) };
  }

  /** First and last seen, from the visible reports and sightings only. */
  async function seenRange(principal: Principal, indicatorId: number): Promise<{ first: Date | null; last: Date | null }> {
    const { rows } = await sql<{ first: Date | null; last: Date | null }>`
      select min(t) as first, max(u) as last from (
        select r.valid_from as t, greatest(r.valid_from, r.updated_at) as u from indicator_reports r where r.indicator_id = ${indicatorId} and ${visibleReports(principal, 'r')()}
        union all
        select s.seen_at, s.seen_at from sightings s where s.indicator_id = ${indicatorId} and ${visibleSightings(principal, 's')()}) x`.execute(db);
    return rows[0] ?? { first: null, last: null };
  }

  /** Incidents linked through visible reports (or correlated from this indicator), that the principal may see. */
  async function linkedIncidentIds(principal: Principal, indicatorId: number): Promise<string[]> {
    const viaReports = await db
      .selectFrom('indicator_reports')
      .select('incident_id')
      .distinct()
      .where('indicator_id', '=', indicatorId)
      .where('incident_id', 'is not', null)
      .where(visibleReports(principal))
      .execute();
    const viaCorrelation = await db.selectFrom('indicator_correlations').select('incident_id').where('indicator_id', '=', indicatorId).execute();
    return [...new Set([...viaReports.map((r) => r.incident_id!), ...viaCorrelation.map((c) => c.incident_id)])];
  }

  /**
   * Up to 10,000 raw values, types detected: exact matches, plus addresses inside reported CIDRs. Only
   * indicators with a visible, unexpired report (or a visible sighting) match.
   */
  async function match(principal: Principal, values: readonly string[], includeExpired: boolean) {
    if (values.length > MAX_BATCH) throw new InputError('values', `at most ${MAX_BATCH.toLocaleString('en-US')} values per call (got ${values.length})`);
    // One row per probe: an observable is looked up as itself and as the hosts and domains it names.
    const idx: number[] = [];
    const types: string[] = [];
    const canon: string[] = [];
    const vias: string[] = [];
    const observed = new Map<number, { type: IndicatorType; value: string }>();
    const invalid: Array<{ index: number; input: string; reason: string }> = [];
    values.forEach((raw, i) => {
      const o = observableOf(raw);
      if (!o.ok) {
        invalid.push({ index: i, input: raw, reason: o.reason });
        return;
      }
      observed.set(i, { type: o.type, value: o.value });
      for (const p of o.probes) {
        idx.push(i);
        types.push(p.type);
        canon.push(p.value);
        vias.push(p.via);
      }
    });
    if (idx.length === 0) return { matches: [] as ObservableMatch[], invalid };
    const rows = await matchQuery(db, principal, idx, types, canon, includeExpired, vias);
    const indicators = new Map((await db.selectFrom('indicators').selectAll().where('id', 'in', [...new Set(rows.map((r) => r.indicator_id))].concat([-1])).execute()).map((r) => [r.id, r]));
    // An indicator found through two probes of one observable is one match.
    const seen = new Set<string>();
    const matches: ObservableMatch[] = [];
    for (const r of rows) {
      const key = `${r.i}/${r.indicator_id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const o = observed.get(r.i)!;
      matches.push({ index: r.i, input: values[r.i]!, type: o.type, value: o.value, indicator: indicators.get(r.indicator_id)!, via: r.via });
    }
    return { matches, invalid };
  }

  /** An indicator by id, or null when the principal may not see it. */
  async function visibleIndicatorById(principal: Principal, id: number): Promise<IndicatorRow | null> {
    return (await db.selectFrom('indicators').selectAll().where('id', '=', id).where(visibleIndicators(principal)).executeTakeFirst()) ?? null;
  }

  return {
    correlationOf: (incident: { id: string; reporting_organization_id: string }) => correlationOfIncident(db, incident),
    visibleIndicatorById,
    reportIndicators,
    reportSighting,
    linkToIncident,
    revokeReport,
    indicator,
    visibleIndicatorIds,
    list,
    reportsOf,
    sightingsOf,
    sightingCounts,
    seenRange,
    linkedIncidentIds,
    match,
  };
}

/**
 * The matching SQL: exact (type, value) probes (each saying which rule it stands for, see observableOf) and
 * GiST containment for addresses, filtered by visibility.
 * Both arms probe an index once per observable (LATERAL): the containment arm must not be planned as a join
 * filter over every reported network (the planner guesses 1% of the observables are addresses and would
 * compare each address with each network: seconds at 10,000 observables and thousands of networks).
 */
export async function matchQuery(
  db: Handle,
  principal: Principal,
  idx: readonly number[],
  types: readonly string[],
  values: readonly string[],
  includeExpired: boolean,
  vias: readonly string[] = idx.map(() => 'EXACT'),
): Promise<Array<{ i: number; indicator_id: number; via: MatchVia }>> {
  const usable = sql`exists (select 1 from indicator_reports mr where mr.indicator_id = ind.id
      and (${includeExpired} or mr.valid_until is null or mr.valid_until > now())
      and ${visibleReports(principal, 'mr')()})
    or exists (select 1 from sightings ms where ms.indicator_id = ind.id and ${visibleSightings(principal, 'ms')()})`;
  const { rows } = await sql<{ i: number; indicator_id: number; via: MatchVia }>`
    with obs as (select * from unnest(${[...idx]}::int[], ${[...types]}::text[], ${[...values]}::text[], ${[...vias]}::text[]) as o(i, type, value, via))
    select o.i, ind.id as indicator_id, o.via
      from obs o cross join lateral (select id from indicators where type = o.type and value = o.value limit 1) ind
     where ${usable}
    union all
    select o.i, ind.id, 'CIDR'
      from obs o cross join lateral (select id from indicators
             where type = 'CIDR' and net is not null and net >>= (case when o.type in ('IPV4', 'IPV6') then o.value::inet end)) ind
     where o.type in ('IPV4', 'IPV6') and (${usable})
    order by 1, 3`.execute(db);
  return rows;
}
