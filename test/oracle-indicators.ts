/**
 * The indicator access oracle: a deliberately plain reading of `../shared/design/access-policy.md`
 * ("Indicators and sightings", "Side paths") and of the lead's interpretations for issue 5, written without
 * looking at `src/access/`. It reuses only the incident oracle of `./oracle.ts` (itself separately written),
 * because a link to an incident is shown under the incident policy.
 *
 * The lead's interpretations encoded here:
 * - A report has the TLP / LES / audience rules of an incident; its audience is the reporting organization,
 *   the coordinator organizations and the organizations it was shared with; TLP:RED means the reporting user
 *   and the users it was shared with. A revoked report is seen by nobody.
 * - A sighting has only a TLP: CLEAR / GREEN everyone; AMBER / AMBER_STRICT the sighting organization and
 *   the coordinator organizations; RED only the reporting user. (No LES flag, no shares.)
 * - An indicator is visible when at least one of its reports or sightings is.
 * - `reports` and `sightings` list only the visible ones; `sightingCount` and `sightingOrganizationCount`
 *   count every sighting (a number reveals no organization).
 * - `linkedIncidents`: incidents linked by visible reports, or the indicator's statewide correlation
 *   incident, that the viewer may see under the incident policy. `IndicatorReport.incident` is null when
 *   the viewer may not see the incident.
 * - `matchObservables` matches only indicators with a visible unexpired report (any visible report with
 *   includeExpired) or a visible sighting.
 * - revokeIndicatorReport: an invisible (or revoked, or unknown) report is NOT_FOUND; a visible report of
 *   another organization by anyone but a triage coordinator is FORBIDDEN. Only analysts (ANALYST or
 *   COORDINATOR role) may report, sight, link or revoke: everyone else FORBIDDEN.
 *
 * Readings of this file where neither the policy nor the lead spells it out are marked "interpretation".
 * Everything here is a plain value; nothing talks to the hub.
 */
import { actsAsAnalyst, canSee as canSeeIncident, COORDINATOR_ORGS, isLawEnforcementOrg, isTriageCoordinator, type OracleIncident, type OracleUser, type Outcome, type Tlp } from './oracle.js';

export { actsAsAnalyst, canSeeIncident };

export interface OracleReport {
  /** A name for reports, e.g. `AMBER LES shared:kern by county-orange`. */
  label: string;
  id: string;
  /** The indicator's key: `TYPE|value`. */
  indicator: string;
  org: string;
  /** E-mail of the reporting user. */
  reportingUser: string;
  tlp: Tlp;
  les: boolean;
  /** Organizations it was shared with (slugs). */
  sharedOrgs: string[];
  /** TLP:RED named recipients besides the reporting user (e-mails). */
  recipients: string[];
  validFrom: Date;
  validUntil: Date | null;
  /** When the test reported it. */
  reportedAt: Date;
  incidentId: string | null;
  revoked: boolean;
}

export interface OracleSighting {
  label: string;
  id: string;
  indicator: string;
  org: string;
  /** E-mail of the reporting user. */
  reportingUser: string;
  tlp: Tlp;
  seenAt: Date;
  count: number;
}

export interface OracleIndicator {
  /** `TYPE|value` (the canonical value). */
  key: string;
  type: string;
  value: string;
  label: string;
  reports: OracleReport[];
  sightings: OracleSighting[];
  /** The statewide incident the hub opened from it (cross-county correlation), if any. */
  correlationIncidentId: string | null;
}

export type Incidents = ReadonlyMap<string, OracleIncident>;

// ── Reports and sightings ──────────────────────────────────────────────────────────────────────────

export function reportAudienceOrgs(r: OracleReport): string[] {
  return [r.org, ...COORDINATOR_ORGS, ...r.sharedOrgs];
}

export function canSeeReport(u: OracleUser, r: OracleReport): boolean {
  if (r.revoked) return false;
  let tlpOk: boolean;
  switch (r.tlp) {
    case 'CLEAR':
    case 'GREEN':
      tlpOk = true;
      break;
    case 'AMBER':
    case 'AMBER_STRICT':
      tlpOk = reportAudienceOrgs(r).includes(u.org);
      break;
    case 'RED':
      tlpOk = u.email === r.reportingUser || r.recipients.includes(u.email);
      break;
  }
  const lesOk = !r.les || isLawEnforcementOrg(u.org) || u.org === r.org;
  return tlpOk && lesOk;
}

export function canSeeSighting(u: OracleUser, s: OracleSighting): boolean {
  switch (s.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true;
    case 'AMBER':
    case 'AMBER_STRICT':
      return u.org === s.org || COORDINATOR_ORGS.includes(u.org);
    case 'RED':
      return u.email === s.reportingUser;
  }
}

// ── Indicators ─────────────────────────────────────────────────────────────────────────────────────

export function visibleReports(u: OracleUser, ind: OracleIndicator): OracleReport[] {
  return ind.reports.filter((r) => canSeeReport(u, r));
}

export function visibleSightings(u: OracleUser, ind: OracleIndicator, since: Date | null = null): OracleSighting[] {
  return ind.sightings.filter((s) => canSeeSighting(u, s) && (since === null || s.seenAt.getTime() >= since.getTime()));
}

export function canSeeIndicator(u: OracleUser, ind: OracleIndicator): boolean {
  return visibleReports(u, ind).length > 0 || visibleSightings(u, ind).length > 0;
}

/** Every sighting, visible or not, as a number (the sum of their counts). */
export function sightingCount(ind: OracleIndicator, since: Date | null = null): number {
  return ind.sightings.filter((s) => since === null || s.seenAt.getTime() >= since.getTime()).reduce((n, s) => n + s.count, 0);
}

/** How many organizations sighted it, visible or not. */
export function sightingOrganizationCount(ind: OracleIndicator, since: Date | null = null): number {
  return new Set(ind.sightings.filter((s) => since === null || s.seenAt.getTime() >= since.getTime()).map((s) => s.org)).size;
}

/** The incident a report shows: its linked incident when the viewer may see that incident, else null. */
export function reportIncident(u: OracleUser, r: OracleReport, incidents: Incidents): string | null {
  if (!r.incidentId) return null;
  const inc = incidents.get(r.incidentId);
  if (!inc) throw new Error(`oracle: unknown incident ${r.incidentId}`);
  return canSeeIncident(u, inc) ? inc.id : null;
}

/** Incidents linked by the visible reports, plus the statewide correlation incident, that the viewer may see. */
export function linkedIncidents(u: OracleUser, ind: OracleIndicator, incidents: Incidents): Set<string> {
  const ids = new Set<string>();
  for (const r of visibleReports(u, ind)) if (r.incidentId) ids.add(r.incidentId);
  if (ind.correlationIncidentId) ids.add(ind.correlationIncidentId);
  const out = new Set<string>();
  for (const id of ids) {
    const inc = incidents.get(id);
    if (!inc) throw new Error(`oracle: unknown incident ${id}`);
    if (canSeeIncident(u, inc)) out.add(id);
  }
  return out;
}

/** Every incident the indicator is linked to, visible or not (the candidates a viewer's answer is checked against). */
export function allLinkedIncidents(ind: OracleIndicator): Set<string> {
  const ids = new Set<string>();
  for (const r of ind.reports) if (r.incidentId) ids.add(r.incidentId);
  if (ind.correlationIncidentId) ids.add(ind.correlationIncidentId);
  return ids;
}

/** The times a viewer may learn of: valid-from of the visible reports and seen-at of the visible sightings. */
export function visibleTimes(u: OracleUser, ind: OracleIndicator): number[] {
  return [...visibleReports(u, ind).map((r) => r.validFrom.getTime()), ...visibleSightings(u, ind).map((s) => s.seenAt.getTime())];
}

/** firstSeen (interpretation: the earliest valid-from or seen-at among what the viewer may see). */
export function firstSeen(u: OracleUser, ind: OracleIndicator): number | null {
  const t = visibleTimes(u, ind);
  return t.length ? Math.min(...t) : null;
}

/** Times that belong only to what the viewer may not see: showing one of them as first or last seen is a leak. */
export function invisibleOnlyTimes(u: OracleUser, ind: OracleIndicator): Set<number> {
  const visible = new Set(visibleTimes(u, ind));
  const out = new Set<number>();
  for (const r of ind.reports) if (!canSeeReport(u, r) && !visible.has(r.validFrom.getTime())) out.add(r.validFrom.getTime());
  for (const s of ind.sightings) if (!canSeeSighting(u, s) && !visible.has(s.seenAt.getTime())) out.add(s.seenAt.getTime());
  return out;
}

// ── Filters of `indicators` ────────────────────────────────────────────────────────────────────────

/** reportedBy: a report by that organization the viewer may see. */
export function matchesReportedBy(u: OracleUser, ind: OracleIndicator, slug: string): boolean {
  return visibleReports(u, ind).some((r) => r.org === slug);
}

/**
 * linkedIncident: a visible report linked to that incident, or (as `linkedIncidents` shows it) the visible
 * indicator's statewide correlation incident; and (interpretation, from "filters" and "links between
 * objects" of the side paths) the incident visible to the viewer: a filter must not answer what
 * `IndicatorReport.incident` hides.
 */
export function matchesLinkedIncident(u: OracleUser, ind: OracleIndicator, incidentId: string, incidents: Incidents): boolean {
  const inc = incidents.get(incidentId);
  if (!inc || !canSeeIncident(u, inc)) return false;
  if (ind.correlationIncidentId === incidentId && canSeeIndicator(u, ind)) return true;
  return visibleReports(u, ind).some((r) => r.incidentId === incidentId);
}

/** seenSince: a visible sighting seen since, or a visible report made since (interpretation: when it was reported). */
export function matchesSeenSince(u: OracleUser, ind: OracleIndicator, since: Date): boolean {
  return visibleSightings(u, ind, since).length > 0 || visibleReports(u, ind).some((r) => r.reportedAt.getTime() >= since.getTime());
}

// ── Matching ───────────────────────────────────────────────────────────────────────────────────────

function unexpired(r: OracleReport, now: Date): boolean {
  return r.validUntil === null || r.validUntil.getTime() > now.getTime();
}

/** Whether the indicator takes part in matchObservables for this viewer. */
export function isMatchable(u: OracleUser, ind: OracleIndicator, includeExpired: boolean, now: Date): boolean {
  if (visibleReports(u, ind).some((r) => includeExpired || unexpired(r, now))) return true;
  return visibleSightings(u, ind).length > 0;
}

export function parseIPv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** Whether an IPv4 address lies inside an IPv4 network written `a.b.c.d/n`. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = parseIPv4(address);
  const n = parseIPv4(net ?? '');
  const bits = Number(bitsText);
  if (a === null || n === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

export type MatchVia = 'EXACT' | 'CIDR';

/** Every indicator an observable (already canonical, of a known type) could match, visibility aside. */
export function candidateMatches(type: string, value: string, indicators: readonly OracleIndicator[]): Array<{ ind: OracleIndicator; via: MatchVia }> {
  const out: Array<{ ind: OracleIndicator; via: MatchVia }> = [];
  for (const ind of indicators) {
    if (ind.type === type && ind.value === value) out.push({ ind, via: 'EXACT' });
    if (type === 'IPV4' && ind.type === 'CIDR' && ipv4InCidr(value, ind.value)) out.push({ ind, via: 'CIDR' });
  }
  return out;
}

// ── Mutations ──────────────────────────────────────────────────────────────────────────────────────

/** reportIndicators and reportSighting: analysts (ANALYST or COORDINATOR role) only. */
export function expectReport(u: OracleUser): Outcome {
  return actsAsAnalyst(u) ? 'OK' : 'FORBIDDEN';
}

/**
 * revokeIndicatorReport (null: a report that does not exist). Invisible first, exactly like an unknown
 * report (as the incident oracle orders visibility before roles); then analysts of the reporting
 * organization, or triage coordinators.
 */
export function expectRevoke(u: OracleUser, r: OracleReport | null): Outcome {
  if (r === null || !canSeeReport(u, r)) return 'NOT_FOUND';
  if (!actsAsAnalyst(u)) return 'FORBIDDEN';
  if (u.org === r.org || isTriageCoordinator(u)) return 'OK';
  return 'FORBIDDEN';
}

/**
 * linkIndicatorToIncident (schema: "links your organization's report of the indicator to an incident you
 * may see"; inc null: an incident that does not exist): an incident the user may not see is NOT_FOUND;
 * then analysts only; then the organization must have an unrevoked report of the value (BAD_USER_INPUT).
 */
export function expectLink(u: OracleUser, inc: OracleIncident | null, ind: OracleIndicator): Outcome {
  if (inc === null || !canSeeIncident(u, inc)) return 'NOT_FOUND';
  if (!actsAsAnalyst(u)) return 'FORBIDDEN';
  if (!ind.reports.some((r) => r.org === u.org && !r.revoked)) return 'BAD_USER_INPUT';
  return 'OK';
}
