import { sql, type Expression, type SqlBool } from 'kysely';
import type { Tlp } from '../domain/taxonomy.js';
import type { Principal, UserPrincipal } from './principal.js';

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

export function canSeeReport(p: Principal, f: ReportAccessFacts): boolean {
  if (p.kind !== 'user' || f.revoked) return false;
  if (f.lawEnforcementSensitive && !p.isLawEnforcementOrg && f.organizationId !== p.organization.id) return false;
  switch (f.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true;
    case 'AMBER':
    case 'AMBER_STRICT':
      return p.isCoordinatorOrg || f.organizationId === p.organization.id || f.sharedOrganizationIds.includes(p.organization.id);
    case 'RED':
      return f.reportedBy === p.userId || f.recipientUserIds.includes(p.userId);
  }
}

export function canSeeSighting(p: Principal, f: SightingAccessFacts): boolean {
  if (p.kind !== 'user') return false;
  switch (f.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true;
    case 'AMBER':
    case 'AMBER_STRICT':
      return p.isCoordinatorOrg || f.organizationId === p.organization.id;
    case 'RED':
      return f.reportedBy === p.userId;
  }
}

/** What the policy needs to know about an indicator: the access facts of all its reports and sightings. */
export interface IndicatorAccessFacts {
  reports: readonly ReportAccessFacts[];
  sightings: readonly SightingAccessFacts[];
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
    const u: UserPrincipal = p;
    const org = u.organization.id;
    const own = sql<SqlBool>`${col('organization_id')} = ${org}::uuid`;
    const les = u.isLawEnforcementOrg ? sql<SqlBool>`true` : sql<SqlBool>`(not ${col('law_enforcement_sensitive')} or ${own})`;
    const audience = u.isCoordinatorOrg
      ? sql<SqlBool>`true`
      : sql<SqlBool>`(${own} or exists (select 1 from indicator_report_shares irs where irs.report_id = ${col('id')} and irs.organization_id = ${org}::uuid))`;
    const recipient = sql<SqlBool>`(${col('reported_by')} = ${u.userId}::uuid
      or exists (select 1 from indicator_report_recipients irr where irr.report_id = ${col('id')} and irr.user_id = ${u.userId}::uuid))`;
    return sql<SqlBool>`(${col('revoked_at')} is null and ${les} and (
      ${col('tlp')} in ('CLEAR', 'GREEN')
      or (${col('tlp')} in ('AMBER', 'AMBER_STRICT') and ${audience})
      or (${col('tlp')} = 'RED' and ${recipient})))`;
  };
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
    if (p.kind !== 'user') return sql<SqlBool>`false`;
    const col = (c: string) => sql.ref(`${alias}.${c}`);
    const audience = p.isCoordinatorOrg ? sql<SqlBool>`true` : sql<SqlBool>`${col('organization_id')} = ${p.organization.id}::uuid`;
    return sql<SqlBool>`(${col('tlp')} in ('CLEAR', 'GREEN')
      or (${col('tlp')} in ('AMBER', 'AMBER_STRICT') and ${audience})
      or (${col('tlp')} = 'RED' and ${col('reported_by')} = ${p.userId}::uuid))`;
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
