import { expressionBuilder } from 'kysely';
import { canSeeIncident, visibleIncidents, type IncidentAccessFacts } from '../../access/incidents.js';
import {
  canSeeReport,
  visibleIndicators,
  visibleReports,
  visibleSightings,
  type ReportAccessFacts,
  type SightingAccessFacts,
} from '../../access/indicators.js';
import type { Principal } from '../../access/principal.js';
import { InputError } from '../../errors.js';
import type { Database } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import { findIncidentsByIds, loadAccessFacts, type IncidentRow } from '../incidents/index.js';
import { isUuid } from '../../domain/ids.js';
import { TLPS, type Tlp } from '../../domain/taxonomy.js';
import {
  findCorrelationsOf,
  findIndicatorsByIds,
  findSightingsByIds,
  listReportsOfIndicators,
  listSightingAccessFacts,
  loadReportAccessFacts,
  INDICATOR_TYPES,
  sightingAccessFacts,
  type IndicatorReportRow,
  type IndicatorRow,
  type IndicatorType,
  type SightingRow,
} from '../indicators/index.js';
import { findOrganizationBySlug } from '../partners/index.js';
import { findEventLogRows, type AlertPosition, type EventLogRow, type IndicatorAlertQuery, type IndicatorAlertVisibility } from './alerts.repository.js';
import type { LiveEnvelope, LiveSource } from '../../live/bus.js';

/**
 * Indicator alerts: a report, a sighting or a correlation of an indicator, one alert per indicator, read
 * from the event log (the outbox) like incident events. The same loading and the same checks serve the
 * live subscription (in memory, at delivery), and the saved alert subscriptions (subscriptions.jobs.ts);
 * the catch-up applies the policy's query forms to the same objects (alerts.repository.ts).
 *
 * An alert is shown only to someone who may see what it is about: the report itself (its TLP, audience
 * and LES flag, not merely the indicator through some other report), the sighting itself, or (CORRELATED)
 * both the statewide incident and the indicator. Anything else would tell a subscriber that an
 * organization reported or sighted a value at that moment, which the policy keeps from them.
 */

/** What happened to an indicator, as subscribers see it (schema.graphql `IndicatorAlertKind`). */
export const INDICATOR_ALERT_KINDS = {
  'indicator.reported': 'REPORTED',
  'indicator.sighted': 'SIGHTED',
  'indicator.correlated': 'CORRELATED',
} as const;

export type IndicatorAlertKind = (typeof INDICATOR_ALERT_KINDS)[keyof typeof INDICATOR_ALERT_KINDS];
const TOPIC_OF_KIND = new Map(Object.entries(INDICATOR_ALERT_KINDS).map(([topic, kind]) => [kind as IndicatorAlertKind, topic]));
const ALL_TOPICS = Object.keys(INDICATOR_ALERT_KINDS);

export function indicatorAlertKindOf(topic: string): IndicatorAlertKind | null {
  return (INDICATOR_ALERT_KINDS as Record<string, IndicatorAlertKind>)[topic] ?? null;
}

// ── Cursors ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * Alerts per log row, at most: a report batch names up to 10,000 indicators (reports.service.ts MAX_BATCH).
 * An alert's cursor is its row's id times this, plus its position in the row: one decimal number, larger
 * for every later alert, so that a client can keep one value and compare cursors as numbers.
 */
const ITEMS_PER_ROW = 16_384;

export function alertCursor(a: { cursor: number; item: number }): string {
  return String(a.cursor * ITEMS_PER_ROW + a.item);
}

export function parseAlertCursor(after: string): AlertPosition {
  const n = /^\d{1,16}$/.test(after) ? Number(after) : NaN;
  if (!Number.isSafeInteger(n)) throw new InputError('after', 'is not a cursor of an indicator alert');
  return { logId: Math.floor(n / ITEMS_PER_ROW), item: n % ITEMS_PER_ROW };
}

// ── The model ───────────────────────────────────────────────────────────────────────────────────────

/** What filters and (CORRELATED) visibility look at: the indicator's reports and links, as they are now. */
export interface IndicatorContext {
  /** Every report of the indicator, revoked ones included (no one sees those). */
  reports: ReadonlyArray<{ row: IndicatorReportRow; facts: ReportAccessFacts }>;
  /** The distinct access facts of its sightings: read for CORRELATED alerts only (empty otherwise). */
  sightings: readonly SightingAccessFacts[];
  /** The statewide incident opened for it, if any. */
  correlatedIncidentId: string | null;
  /** Incidents its reports link to, and the correlated one. */
  incidents: ReadonlyMap<string, { row: IncidentRow; facts: IncidentAccessFacts }>;
}

/** One indicator alert, with what it is about as it is now (read when it is delivered or listed). */
export interface IndicatorAlertModel {
  /** The log row's id: the live bus orders and de-duplicates by it. */
  cursor: number;
  /** The alert's position among the indicators its row names (0 but for report batches). */
  item: number;
  kind: IndicatorAlertKind;
  at: Date;
  indicator: IndicatorRow;
  /** REPORTED: the reporting organization's report of the indicator. */
  report: { row: IndicatorReportRow; facts: ReportAccessFacts } | null;
  /** SIGHTED: the sighting. */
  sighting: { row: SightingRow; facts: SightingAccessFacts } | null;
  /** CORRELATED: the statewide incident. */
  incident: { row: IncidentRow; facts: IncidentAccessFacts } | null;
  context: IndicatorContext;
}

/** One alert-to-be: a log row and one indicator it names. */
export interface IndicatorAlertItem {
  row: EventLogRow;
  item: number;
  indicatorId: number;
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** The alerts a log row stands for: one per indicator of a report batch, one for a sighting or correlation. */
export function alertItemsOf(rows: readonly EventLogRow[]): IndicatorAlertItem[] {
  const out: IndicatorAlertItem[] = [];
  for (const row of rows) {
    const kind = indicatorAlertKindOf(row.topic);
    if (kind === null) continue;
    if (kind === 'REPORTED') {
      const ids = Array.isArray(row.payload?.indicatorIds) ? (row.payload.indicatorIds as unknown[]) : [];
      for (let item = 0; item < Math.min(ids.length, ITEMS_PER_ROW); item++) {
        const id = ids[item];
        if (isId(id)) out.push({ row, item, indicatorId: id });
      }
    } else {
      const id = /^\d{1,15}$/.test(row.aggregate_id) ? Number(row.aggregate_id) : NaN;
      if (isId(id)) out.push({ row, item: 0, indicatorId: id });
    }
  }
  return out;
}

/**
 * Items → alerts with the indicator, its reports, sightings and incidents as they are now, in a fixed
 * number of queries however many items. Items whose objects are gone (a deleted sighting, a report
 * deleted with its organization) drop out.
 */
export async function indicatorAlertsOf(db: Handle, items: readonly IndicatorAlertItem[]): Promise<IndicatorAlertModel[]> {
  if (items.length === 0) return [];
  const kinds = items.map((i) => indicatorAlertKindOf(i.row.topic)!);
  const indicatorIds = [...new Set(items.map((i) => i.indicatorId))];
  const sightingIds = items.flatMap((i, k) => (kinds[k] === 'SIGHTED' && isId(i.row.payload?.sightingId) ? [i.row.payload.sightingId] : []));
  const correlatedIndicatorIds = [...new Set(items.filter((_, k) => kinds[k] === 'CORRELATED').map((i) => i.indicatorId))];

  // One query after another: one pooled connection at a time, however many alerts are being read.
  const indicators = await findIndicatorsByIds(db, indicatorIds);
  const reports = await listReportsOfIndicators(db, indicatorIds);
  const sightings = await findSightingsByIds(db, sightingIds);
  const correlations = await findCorrelationsOf(db, indicatorIds);
  const sightingFacts = await listSightingAccessFacts(db, correlatedIndicatorIds);
  const reportFacts = await loadReportAccessFacts(db, reports);
  const correlatedIncidentIds = items.flatMap((i, k) => (kinds[k] === 'CORRELATED' && typeof i.row.payload?.incidentId === 'string' ? [i.row.payload.incidentId] : []));
  const incidentIds = [...new Set([...reports.flatMap((r) => (r.incident_id ? [r.incident_id] : [])), ...correlations.values(), ...correlatedIncidentIds])].filter(isUuid);
  const incidentRows = await findIncidentsByIds(db, incidentIds);
  const incidentFacts = await loadAccessFacts(db, incidentRows);
  const incidents = new Map(incidentRows.map((row) => [row.id, { row, facts: incidentFacts.get(row.id)! }]));

  const reportsOf = new Map<number, Array<{ row: IndicatorReportRow; facts: ReportAccessFacts }>>();
  for (const row of reports) {
    const list = reportsOf.get(row.indicator_id) ?? [];
    list.push({ row, facts: reportFacts.get(row.id)! });
    reportsOf.set(row.indicator_id, list);
  }
  // One context per indicator, shared by its alerts (and, live, by every subscriber).
  const contexts = new Map<number, IndicatorContext>();
  const contextOf = (indicatorId: number): IndicatorContext => {
    let c = contexts.get(indicatorId);
    if (!c) {
      const own = reportsOf.get(indicatorId) ?? [];
      const correlatedIncidentId = correlations.get(indicatorId) ?? null;
      const linked = new Map<string, { row: IncidentRow; facts: IncidentAccessFacts }>();
      for (const id of [...own.map((r) => r.row.incident_id), correlatedIncidentId]) {
        const i = id ? incidents.get(id) : undefined;
        if (i) linked.set(i.row.id, i);
      }
      c = { reports: own, sightings: sightingFacts.get(indicatorId) ?? [], correlatedIncidentId, incidents: linked };
      contexts.set(indicatorId, c);
    }
    return c;
  };
  const indicatorById = new Map(indicators.map((i) => [i.id, i]));
  const sightingById = new Map(sightings.map((s) => [s.id, s]));

  const out: IndicatorAlertModel[] = [];
  items.forEach((it, k) => {
    const indicator = indicatorById.get(it.indicatorId);
    if (!indicator) return;
    const kind = kinds[k]!;
    const context = contextOf(indicator.id);
    const alert: IndicatorAlertModel = { cursor: it.row.id, item: it.item, kind, at: it.row.created_at, indicator, report: null, sighting: null, incident: null, context };
    if (kind === 'REPORTED') {
      alert.report = context.reports.find((r) => r.row.organization_id === it.row.aggregate_id) ?? null;
      if (!alert.report) return;
    } else if (kind === 'SIGHTED') {
      const s = sightingById.get(it.row.payload.sightingId as number);
      if (!s || s.indicator_id !== indicator.id) return;
      alert.sighting = { row: s, facts: sightingAccessFacts(s) };
    } else {
      alert.incident = incidents.get(it.row.payload.incidentId as string) ?? null;
      if (!alert.incident) return;
    }
    out.push(alert);
  });
  return out;
}

/**
 * The live bus's source for indicators: one read per log row and API process (not per subscriber), at
 * delivery time, so every subscriber is checked against the reports' and sightings' current audience.
 */
export function indicatorAlertSource(db: Handle): LiveSource<IndicatorAlertModel, EventLogRow> {
  return {
    load: async (envelopes: readonly LiveEnvelope[], rows?: readonly EventLogRow[]) =>
      indicatorAlertsOf(db, alertItemsOf(rows ?? (await findEventLogRows(db, envelopes.map((e) => e.cursor))))),
  };
}

// ── Who may see an alert ────────────────────────────────────────────────────────────────────────────

/** The query forms of the same checks, for the catch-up (alerts.repository.ts). */
export function indicatorAlertVisibility(p: Principal): IndicatorAlertVisibility {
  const eb = expressionBuilder<Database, never>();
  return {
    report: (alias) => visibleReports(p, alias)(),
    sighting: (alias) => visibleSightings(p, alias)(),
    incident: (alias) => visibleIncidents(p, alias)(eb),
    indicator: (alias) => visibleIndicators(p, alias)(),
  };
}

/** Incidents the indicator is linked to that `p` may see: through reports `p` may see, or its correlation. */
export function visibleLinkedIncidentIds(p: Principal, c: IndicatorContext): Set<string> {
  const ids = new Set<string>();
  for (const r of c.reports) if (r.row.incident_id && canSeeReport(p, r.facts)) ids.add(r.row.incident_id);
  if (c.correlatedIncidentId) ids.add(c.correlatedIncidentId);
  for (const id of ids) {
    const i = c.incidents.get(id);
    if (!i || !canSeeIncident(p, i.facts)) ids.delete(id);
  }
  return ids;
}

// ── Filters ─────────────────────────────────────────────────────────────────────────────────────────

/** IndicatorAlertFilter as GraphQL hands it over. */
export interface IndicatorAlertFilterInput {
  kinds?: readonly IndicatorAlertKind[] | null;
  types?: readonly IndicatorType[] | null;
  confidenceAtLeast?: number | null;
  tlp?: readonly Tlp[] | null;
  organization?: string | null;
  linkedIncident?: string | null;
  linkedToIncident?: boolean | null;
  includeBenign?: boolean | null;
}

/** A filter with slugs resolved, in the two forms the two paths use (SQL for catch-up, memory for live). */
export interface CompiledIndicatorAlertFilter {
  kinds: ReadonlySet<IndicatorAlertKind> | null;
  query: IndicatorAlertQuery;
}

// A slug that names no organization (or an id that is not one) matches nothing, as in `indicators(filter:)`.
const NOBODY = '00000000-0000-0000-0000-000000000000';

export async function compileIndicatorAlertFilter(db: Handle, f: IndicatorAlertFilterInput): Promise<CompiledIndicatorAlertFilter> {
  const c = f.confidenceAtLeast;
  if (c !== null && c !== undefined && (!Number.isInteger(c) || c < 0 || c > 100)) throw new InputError('filter.confidenceAtLeast', 'must be a whole number from 0 to 100');
  for (const t of f.types ?? []) if (!INDICATOR_TYPES.includes(t)) throw new InputError('filter.types', `"${t}" is not an indicator type`);
  for (const t of f.tlp ?? []) if (!TLPS.includes(t)) throw new InputError('filter.tlp', `"${t}" is not a TLP label`);
  const kinds = f.kinds?.length ? new Set(f.kinds) : null;
  const organizationId = f.organization ? ((await findOrganizationBySlug(db, f.organization))?.id ?? NOBODY) : null;
  return {
    kinds,
    query: {
      topics: kinds ? [...kinds].map((k) => TOPIC_OF_KIND.get(k)!) : ALL_TOPICS,
      types: f.types?.length ? [...f.types] : null,
      confidenceAtLeast: c ?? null,
      tlp: f.tlp?.length ? [...f.tlp] : null,
      organizationId,
      linkedIncidentId: f.linkedIncident ? (isUuid(f.linkedIncident) ? f.linkedIncident : NOBODY) : null,
      linkedToIncident: f.linkedToIncident ?? null,
      includeBenign: f.includeBenign === true,
    },
  };
}

/** The TLP of what the alert is about: the report, the sighting, the statewide incident. */
function tlpOf(a: IndicatorAlertModel): string {
  return (a.report?.row.tlp ?? a.sighting?.row.tlp ?? a.incident?.row.tlp)!;
}

/**
 * The in-memory form of the filter, for an alert `p` may see: the same conditions as the catch-up's SQL.
 * Conditions on the indicator's reports and links count only what `p` may see.
 */
export function matchesIndicatorAlertFilter(p: Principal, c: CompiledIndicatorAlertFilter, a: IndicatorAlertModel): boolean {
  const q = c.query;
  if (c.kinds && !c.kinds.has(a.kind)) return false;
  if (!q.includeBenign && a.indicator.benign_reason !== null) return false;
  if (q.types && !q.types.includes(a.indicator.type)) return false;
  if (q.tlp && !q.tlp.includes(tlpOf(a))) return false;
  if (q.organizationId && (a.report?.row.organization_id ?? a.sighting?.row.organization_id) !== q.organizationId) return false;
  if (q.confidenceAtLeast !== null) {
    const n = q.confidenceAtLeast;
    // REPORTED: the report's own confidence; otherwise the best of the reports `p` may see.
    const ok = a.report ? a.report.row.confidence >= n : a.context.reports.some((r) => r.row.confidence >= n && canSeeReport(p, r.facts));
    if (!ok) return false;
  }
  if (q.linkedIncidentId !== null || q.linkedToIncident !== null) {
    const linked = visibleLinkedIncidentIds(p, a.context);
    if (q.linkedIncidentId !== null && !linked.has(q.linkedIncidentId)) return false;
    if (q.linkedToIncident !== null && linked.size > 0 !== q.linkedToIncident) return false;
  }
  return true;
}
