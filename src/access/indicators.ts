import { sql, type Expression, type SqlBool } from 'kysely';
import type { Tlp } from '../domain/taxonomy.js';
import { canSeeIncident, type IncidentAccessFacts } from './incidents.js';
import { hasRole, type Principal } from './principal.js';
import { labelAllows, labelFilter, type Labelled } from './tlp.js';

/**
 * Who may see indicator reports and sightings (access-policy.md, "Indicators and sightings"), in the
 * same two forms as incidents. A report carries its own TLP, audience and LES flag with the rules of an
 * incident: audience = the reporting organization, the coordinators and the organizations it was shared
 * with; RED = the reporting user and the users it was shared with. A sighting carries its own TLP only:
 * CLEAR/GREEN every partner; AMBER/AMBER_STRICT the sighting organization and the coordinators; RED the
 * user who reported it. Revoked reports are seen by nobody.
 */

export interface ReportAccessFacts {
  tlp: Tlp;
  lawEnforcementSensitive: boolean;
  organizationId: string;
  reportedBy: string | null;
  sharedOrganizationIds: readonly string[];
  recipientUserIds: readonly string[];
  revoked: boolean;
}

export interface SightingAccessFacts {
  tlp: Tlp;
  organizationId: string;
  reportedBy: string | null;
}

/** A report's label facts for the one TLP rule (tlp.ts): audience and recipients as an incident's. */
export function reportLabel(f: ReportAccessFacts): Labelled {
  return {
    tlp: f.tlp,
    lawEnforcementSensitive: f.lawEnforcementSensitive,
    organizationId: f.organizationId,
    inAudience: (org) => f.sharedOrganizationIds.includes(org),
    isRecipient: (userId) => f.reportedBy === userId || f.recipientUserIds.includes(userId),
  };
}

/** A sighting's label facts: its own TLP only, no shares, RED for the user who reported it. */
export function sightingLabel(f: SightingAccessFacts): Labelled {
  return {
    tlp: f.tlp,
    lawEnforcementSensitive: false,
    organizationId: f.organizationId,
    inAudience: () => false,
    isRecipient: (userId) => f.reportedBy === userId,
  };
}

export function canSeeReport(p: Principal, f: ReportAccessFacts): boolean {
  return !f.revoked && labelAllows(p, reportLabel(f));
}

export function canSeeSighting(p: Principal, f: SightingAccessFacts): boolean {
  return labelAllows(p, sightingLabel(f));
}

/** What the policy needs to know about an indicator: the access facts of all its reports and sightings. */
export interface IndicatorAccessFacts {
  reports: readonly ReportAccessFacts[];
  sightings: readonly SightingAccessFacts[];
}

/**
 * Whether every user may see a report, whoever they are: live, CLEAR or GREEN, and not
 * law-enforcement-sensitive (labelDenial denies nothing else). The TAXII pages serve such an indicator's
 * object to every reader from one copy (stix migration 2026-12-10T0100), so this must imply canSeeReport
 * for every user principal (test/access-public-reports.test.ts checks it against the matrix personas).
 */
export function isReportSeenByEveryUser(f: Pick<ReportAccessFacts, 'tlp' | 'lawEnforcementSensitive' | 'revoked'>): boolean {
  return !f.revoked && !f.lawEnforcementSensitive && (f.tlp === 'CLEAR' || f.tlp === 'GREEN');
}

/** In-memory form of visibleIndicators: one of its reports, or one of its sightings, is visible. */
export function canSeeIndicator(p: Principal, f: IndicatorAccessFacts): boolean {
  return f.reports.some((r) => canSeeReport(p, r)) || f.sightings.some((s) => canSeeSighting(p, s));
}

/** Query form of canSeeReport over `indicator_reports` aliased `alias`. */
export function visibleReports(p: Principal, alias = 'indicator_reports') {
  return (): Expression<SqlBool> => {
    if (p.kind !== 'user') return sql<SqlBool>`false`;
    const col = (c: string) => sql.ref(`${alias}.${c}`);
    const label = labelFilter(p, {
      col,
      ownerColumn: 'organization_id',
      hasLawEnforcementFlag: true,
      audience: (org) => sql<SqlBool>`exists (select 1 from indicator_report_shares irs where irs.report_id = ${col('id')} and irs.organization_id = ${org}::uuid)`,
      recipient: (userId) => sql<SqlBool>`(${col('reported_by')} = ${userId}::uuid
      or exists (select 1 from indicator_report_recipients irr where irr.report_id = ${col('id')} and irr.user_id = ${userId}::uuid))`,
    });
    return sql<SqlBool>`(${col('revoked_at')} is null and ${label})`;
  };
}

/**
 * Importing indicators from a file for an organization: an ANALYST of that organization (access-policy.md,
 * Principals: analysts report indicators). The operator at the shell may import for any organization.
 */
export function canImportIndicatorsFor(p: Principal, organizationId: string): boolean {
  return p.kind === 'system' || (hasRole(p, 'ANALYST') && p.organization.id === organizationId);
}

// ── Alerts ─────────────────────────────────────────────────────────────────────────────────────────

/** What the policy needs to know about an indicator alert (alerts/indicator-alerts.ts builds it). */
export interface IndicatorAlertAccessFacts {
  kind: 'REPORTED' | 'SIGHTED' | 'CORRELATED';
  report: { facts: ReportAccessFacts } | null;
  sighting: { facts: SightingAccessFacts } | null;
  incident: { facts: IncidentAccessFacts } | null;
  context: { reports: readonly { facts: ReportAccessFacts }[]; sightings: readonly SightingAccessFacts[] };
}

/** The in-memory check, at delivery: the report, the sighting, or (CORRELATED) the incident and the indicator. */
export function canSeeIndicatorAlert(p: Principal, a: IndicatorAlertAccessFacts): boolean {
  switch (a.kind) {
    case 'REPORTED':
      return a.report !== null && canSeeReport(p, a.report.facts);
    case 'SIGHTED':
      return a.sighting !== null && canSeeSighting(p, a.sighting.facts);
    case 'CORRELATED':
      return (
        a.incident !== null &&
        canSeeIncident(p, a.incident.facts) &&
        canSeeIndicator(p, { reports: a.context.reports.map((r) => r.facts), sightings: a.context.sightings })
      );
  }
}

// ── Cross-county correlation ───────────────────────────────────────────────────────────────────────

/**
 * Which counties of a statewide correlation incident a principal is told of: coordinators and the
 * reporting organization see the list; a county sees only itself (how many others saw the value, not
 * which). The same rule for Incident.sharedWith of a correlation incident and IncidentCorrelation.counties.
 */
export function visibleCorrelationCounties(p: Principal, reportingOrganizationId: string, countyIds: readonly string[]): readonly string[] {
  if (p.kind !== 'user') return [];
  if (p.isCoordinatorOrg || p.organization.id === reportingOrganizationId) return countyIds;
  return countyIds.filter((id) => id === p.organization.id);
}

/**
 * Cross-county correlation opens a TLP:AMBER statewide incident shared with the contributing counties and
 * the coordinators: counting a report or sighting there tells that audience of it. So it counts only
 * where its own label lets the hub widen it to an AMBER audience: CLEAR, GREEN or AMBER (AMBER_STRICT
 * is widened only by its organization, RED only by its reporter), and never law-enforcement sensitive
 * (no county may see LES). Everything else is left out of the count, the audience and the description.
 */
export const CORRELATION_COUNTED_TLPS: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER'];

/**
 * The statewide incident's category comes from a linked incident only when every partner may see that
 * incident (CLEAR or GREEN, not LES): an AMBER county incident's category is not the other counties' to read.
 */
export const CORRELATION_CATEGORY_TLPS: readonly Tlp[] = ['CLEAR', 'GREEN'];

/** Query form of canSeeSighting over `sightings` aliased `alias`. */
export function visibleSightings(p: Principal, alias = 'sightings') {
  return (): Expression<SqlBool> => {
    const col = (c: string) => sql.ref(`${alias}.${c}`);
    return labelFilter(p, {
      col,
      ownerColumn: 'organization_id',
      hasLawEnforcementFlag: false,
      audience: () => null,
      recipient: (userId) => sql<SqlBool>`${col('reported_by')} = ${userId}::uuid`,
    });
  };
}

/**
 * An indicator is visible when one of its reports is, or (so that a county can see the values it and
 * others sighted) one of its sightings is.
 */
export function visibleIndicators(p: Principal, alias = 'indicators') {
  return (): Expression<SqlBool> => {
    if (p.kind !== 'user') return sql<SqlBool>`false`;
    const id = sql.ref(`${alias}.id`);
    return sql<SqlBool>`(exists (select 1 from indicator_reports vr where vr.indicator_id = ${id} and ${visibleReports(p, 'vr')()})
      or exists (select 1 from sightings vs where vs.indicator_id = ${id} and ${visibleSightings(p, 'vs')()}))`;
  };
}
