import type { IncidentAccessFacts } from '../../access/incidents.js';
import type { Handle } from '../../infra/handle.js';
import { findIncidentsByIds, loadAccessFacts, resolveIncidentFilter, type IncidentFilterBySlug, type IncidentRow } from '../incidents/index.js';
import { isUuid } from '../../domain/ids.js';
import { severityRank } from '../../domain/taxonomy.js';
import { findEventLogRows, type EventLogRow, type IncidentEventQuery } from './alerts.repository.js';
import type { LiveEnvelope, LiveSource } from '../../live/bus.js';

/** What happened to an incident, as subscribers see it (schema.graphql `IncidentEventKind`). */
export const INCIDENT_EVENT_KINDS = {
  'incident.filed': 'FILED',
  'incident.updated': 'UPDATED',
  'incident.status_changed': 'STATUS_CHANGED',
  'incident.severity_changed': 'SEVERITY_CHANGED',
  'incident.commented': 'COMMENTED',
  'incident.assigned': 'ASSIGNED',
  'incident.shared': 'SHARED',
  'incident.tlp_changed': 'TLP_CHANGED',
  'incident.les_changed': 'LES_CHANGED',
  'incident.escalated': 'ESCALATED',
  'incident.acknowledged': 'ACKNOWLEDGED',
} as const;

export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[keyof typeof INCIDENT_EVENT_KINDS];
const TOPIC_OF_KIND = new Map(Object.entries(INCIDENT_EVENT_KINDS).map(([topic, kind]) => [kind as IncidentEventKind, topic]));
const ALL_TOPICS = Object.keys(INCIDENT_EVENT_KINDS);

export function kindOfTopic(topic: string): IncidentEventKind | null {
  return (INCIDENT_EVENT_KINDS as Record<string, IncidentEventKind>)[topic] ?? null;
}

/** One incident event, with the incident as it is now (read when the event is delivered or listed). */
export interface IncidentEventModel {
  cursor: number;
  kind: IncidentEventKind;
  at: Date;
  incident: IncidentRow;
  facts: IncidentAccessFacts;
  change: Record<string, unknown> | null;
}

/**
 * The part of the outbox payload shown to subscribers. Only what the event's own fields already tell
 * someone who may see the incident; ids of other objects (a merge target, shared organizations) are left
 * out, because a link must not reveal an object the subscriber may not see. The incident itself carries
 * the rest, resolved for the subscriber.
 */
export function changeOf(kind: IncidentEventKind, payload: Record<string, unknown>): Record<string, unknown> | null {
  switch (kind) {
    case 'SEVERITY_CHANGED':
    case 'STATUS_CHANGED':
    case 'TLP_CHANGED':
    case 'LES_CHANGED':
      return { from: payload.from ?? null, to: payload.to ?? null };
    case 'UPDATED':
      return { fields: Array.isArray(payload.fields) ? payload.fields : [] };
    case 'ESCALATED':
      return { rules: Array.isArray(payload.rules) ? payload.rules : [], manual: payload.manual === true };
    case 'ACKNOWLEDGED':
      return { rule: payload.rule ?? null, via: payload.via ?? null };
    default:
      return null;
  }
}

// ── Filters ─────────────────────────────────────────────────────────────────────────────────────────

/** IncidentEventFilter as GraphQL hands it over. */
export interface IncidentEventFilterInput extends IncidentFilterBySlug {
  kinds?: readonly IncidentEventKind[] | null;
  incident?: string | null;
}

/** A filter with slugs resolved, in the two forms the two paths use (SQL for catch-up, memory for live). */
export interface CompiledEventFilter {
  kinds: ReadonlySet<IncidentEventKind> | null;
  query: IncidentEventQuery;
}

// A slug that names no organization (or an id that is not one) matches nothing, as in `incidents(filter:)`.
const NOBODY = '00000000-0000-0000-0000-000000000000';

export async function compileEventFilter(db: Handle, f: IncidentEventFilterInput): Promise<CompiledEventFilter> {
  const filter = await resolveIncidentFilter(db, f);
  const kinds = f.kinds?.length ? new Set(f.kinds) : null;
  const topics = kinds ? [...kinds].map((k) => TOPIC_OF_KIND.get(k)!) : ALL_TOPICS;
  const incidentId = f.incident ? (isUuid(f.incident) ? f.incident : NOBODY) : null;
  return { kinds, query: { topics, filter, incidentId } };
}

/** The in-memory form of the filter: the same conditions as `applyFilter` in incidents.repository.ts. */
export function matchesEventFilter(c: CompiledEventFilter, e: IncidentEventModel): boolean {
  const f = c.query.filter;
  const i = e.incident;
  if (c.kinds && !c.kinds.has(e.kind)) return false;
  if (c.query.incidentId !== null && i.id !== c.query.incidentId) return false;
  if (f.statuses?.length && !f.statuses.includes(i.status)) return false;
  if (f.severityAtLeast && severityRank(i.severity) < severityRank(f.severityAtLeast)) return false;
  if (f.categories?.length && !f.categories.includes(i.category)) return false;
  if (f.domains?.length && !f.domains.includes(i.domain)) return false;
  if (f.tlp?.length && !f.tlp.includes(i.tlp)) return false;
  // Exercise incidents only when asked for, and then only they (as IncidentFilter.exercise).
  if (i.exercise !== (f.exercise === true)) return false;
  if (f.reportingOrganizationId && i.reporting_organization_id !== f.reportingOrganizationId) return false;
  if (f.affectedCountyId && !e.facts.affectedCountyIds.includes(f.affectedCountyId)) return false;
  return true;
}

// ── Loading ─────────────────────────────────────────────────────────────────────────────────────────

/** Log rows → events with their incidents and access facts as they are now; rows of vanished incidents drop out. */
export async function incidentEventsOf(db: Handle, rows: readonly EventLogRow[]): Promise<IncidentEventModel[]> {
  const known = rows.filter((r) => kindOfTopic(r.topic) !== null && isUuid(r.aggregate_id));
  if (known.length === 0) return [];
  const incidents = await findIncidentsByIds(db, [...new Set(known.map((r) => r.aggregate_id))]);
  const facts = await loadAccessFacts(db, incidents);
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const out: IncidentEventModel[] = [];
  for (const r of known) {
    const incident = byId.get(r.aggregate_id);
    if (!incident) continue;
    const kind = kindOfTopic(r.topic)!;
    out.push({ cursor: r.id, kind, at: r.created_at, incident, facts: facts.get(incident.id)!, change: changeOf(kind, r.payload ?? {}) });
  }
  return out;
}

/**
 * The live bus's source for incidents: one read per event and API process (not per subscriber), at
 * delivery time, so every subscriber is checked against the incident's current audience.
 */
export function incidentEventSource(db: Handle): LiveSource<IncidentEventModel, EventLogRow> {
  return {
    load: async (envelopes: readonly LiveEnvelope[], rows?: readonly EventLogRow[]) =>
      incidentEventsOf(db, rows ?? (await findEventLogRows(db, envelopes.map((e) => e.cursor)))),
  };
}
