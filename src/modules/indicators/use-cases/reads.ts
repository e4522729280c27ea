import type { Principal } from '../../../access/principal.js';
import { InputError } from '../../../errors.js';
import { isUuid } from '../../../domain/ids.js';
import { visibleIncidents } from '../../../access/incidents.js';
import { perRow, visibleAmong, type IncidentRow } from '../../incidents/index.js';
import { correlationOfIncident } from '../correlation.js';
import {
  countSightingCounties,
  countSightings,
  findVisibleIndicator,
  findVisibleIndicatorById,
  findVisibleIndicatorIds,
  linkedIncidentIdsOf,
  listVisibleIndicators,
  listVisibleReportsLinkedTo,
  listVisibleReportsOf,
  listRecentCorrelations,
  listVisibleSightingsOf,
  seenRangeOf,
  type IndicatorReportRow,
  type IndicatorRow,
  type SightingRow,
} from '../indicators.repository.js';
import { normalize, type IndicatorType } from '../normalize.js';
import { incidentVisibleTo, visibilityOf, type IndicatorReportsDeps } from './deps.js';

/** Reads of indicators, their reports and sightings, under the access policy of src/access/indicators.ts. */

export interface IndicatorFilter {
  types?: readonly IndicatorType[] | null;
  reportedBy?: string | null;
  seenSince?: Date | null;
  linkedIncident?: string | null;
  text?: string | null;
  includeBenign?: boolean | null;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export async function indicator(deps: IndicatorReportsDeps, principal: Principal, type: IndicatorType, value: string): Promise<IndicatorRow | null> {
  const n = normalize(type, value);
  if (!n.ok) throw new InputError('value', n.reason);
  return (await findVisibleIndicator(deps.db, visibilityOf(principal).indicators(), n.type, n.value)) ?? null;
}

/** An indicator by id, or null when the principal may not see it. */
export async function visibleIndicatorById(deps: IndicatorReportsDeps, principal: Principal, id: number): Promise<IndicatorRow | null> {
  return (await findVisibleIndicatorById(deps.db, visibilityOf(principal).indicators(), id)) ?? null;
}

export function visibleIndicatorIds(deps: IndicatorReportsDeps, principal: Principal, ids: readonly number[]): Promise<Set<number>> {
  return findVisibleIndicatorIds(deps.db, visibilityOf(principal).indicators(), ids);
}

export async function listIndicators(deps: IndicatorReportsDeps, principal: Principal, filter: IndicatorFilter, first: number, afterId: number | null) {
  const linkedVisible = filter.linkedIncident ? await incidentVisibleTo(deps.db, principal, filter.linkedIncident) : false;
  // Filtering by an incident you may not see matches nothing, exactly like an unknown id.
  const linkedIncidentId = filter.linkedIncident ? (linkedVisible && isUuid(filter.linkedIncident) ? filter.linkedIncident : NIL_UUID) : null;
  const { rows, count } = await listVisibleIndicators(
    deps.db,
    visibilityOf(principal),
    { types: filter.types, includeBenign: filter.includeBenign, text: filter.text, reportedBy: filter.reportedBy, seenSince: filter.seenSince, linkedIncidentId },
    first,
    afterId,
  );
  return { nodes: rows.slice(0, first), hasNextPage: rows.length > first, totalCount: count };
}

/** Reports of an indicator the principal may see. */
export function reportsOf(deps: IndicatorReportsDeps, principal: Principal, indicatorId: number): Promise<IndicatorReportRow[]> {
  return listVisibleReportsOf(deps.db, visibilityOf(principal).reports(), indicatorId);
}

/** The live reports linked to an incident that the principal may see, with their indicators (exports). */
export async function reportsLinkedTo(deps: IndicatorReportsDeps, principal: Principal, incidentId: string) {
  if (!isUuid(incidentId) || !(await incidentVisibleTo(deps.db, principal, incidentId))) return [];
  return listVisibleReportsLinkedTo(deps.db, visibilityOf(principal).reports(), incidentId);
}

export function sightingsOf(deps: IndicatorReportsDeps, principal: Principal, indicatorId: number, since: Date | null): Promise<SightingRow[]> {
  return listVisibleSightingsOf(deps.db, visibilityOf(principal).sightings(), indicatorId, since);
}

/** Counts of every sighting, visible or not: a number reveals no organization (access-policy.md). */
export function sightingCounts(deps: IndicatorReportsDeps, indicatorId: number, since: Date | null): Promise<{ sightings: number; organizations: number }> {
  return countSightings(deps.db, indicatorId, since);
}

/** How many counties sighted the indicator ("seen in N counties"): a count of every sighting, no names. */
export function sightingCountyCount(deps: IndicatorReportsDeps, indicatorId: number, since: Date | null): Promise<number> {
  return countSightingCounties(deps.db, indicatorId, since);
}

/** First and last seen, from the visible reports and sightings only. */
export function seenRange(deps: IndicatorReportsDeps, principal: Principal, indicatorId: number): Promise<{ first: Date | null; last: Date | null }> {
  return seenRangeOf(deps.db, visibilityOf(principal), indicatorId);
}

/** Incidents linked through visible reports (or correlated from this indicator), that the principal may see. */
export function linkedIncidentIds(deps: IndicatorReportsDeps, principal: Principal, indicatorId: number): Promise<string[]> {
  return linkedIncidentIdsOf(deps.db, visibilityOf(principal).reports(), indicatorId);
}

/** The statewide correlation an incident stands for, if it is one. */
export function correlationOf(deps: IndicatorReportsDeps, incident: { id: string; reporting_organization_id: string }) {
  return correlationOfIncident(deps.db, incident);
}

/** A statewide correlation as the console's Now screen lists it: the incident, its indicator, how many counties. */
export interface RecentCorrelation {
  incident: IncidentRow;
  indicatorId: number;
  countyCount: number;
  updatedAt: Date;
}

/**
 * The statewide correlations opened or widened since `since` whose incident the principal may see, newest
 * first: the query form of the incidents policy picks them (a hidden one takes no place in the limit), the
 * in-memory form checks each again (visibleAmong), as every single-object read does.
 */
export async function recentCorrelations(deps: IndicatorReportsDeps, principal: Principal, opts: { since: Date; limit: number }): Promise<RecentCorrelation[]> {
  const limit = Math.max(1, Math.min(100, Math.floor(opts.limit)));
  const rows = await listRecentCorrelations(deps.db, perRow(visibleIncidents(principal)), opts.since, limit);
  const incidents = await visibleAmong(deps.db, principal, rows.map((r) => r.incident_id));
  return rows.flatMap((r) => {
    const incident = incidents.get(r.incident_id);
    return incident ? [{ incident, indicatorId: r.indicator_id, countyCount: r.county_count, updatedAt: r.updated_at }] : [];
  });
}
