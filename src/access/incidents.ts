import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../infra/db-types.js';
import type { Tlp } from '../domain/taxonomy.js';
import { tlpNarrowness } from '../domain/taxonomy.js';
import { hasRole, LAW_ENFORCEMENT_KINDS, type Principal, type TargetOrganization, type UserPrincipal } from './principal.js';
import { isInLabelAudience, labelAllows, labelDenial, labelFilter, viewerOf, type Labelled, type Viewer } from './tlp.js';

/**
 * Who may see and change an incident (access-policy.md), in the two forms every path uses:
 * `visibleIncidents(principal)`, a Kysely filter for queries, and `canSeeIncident(principal, facts)`,
 * an in-memory check for single objects, notifications and subscription events. Both are tested
 * against one plain oracle in test/access-matrix.test.ts.
 */

/** What the policy needs to know about an incident. */
export interface IncidentAccessFacts {
  tlp: Tlp;
  lawEnforcementSensitive: boolean;
  reportingOrganizationId: string;
  reportingUserId: string;
  affectedCountyIds: readonly string[];
  sharedOrganizationIds: readonly string[];
  /** TLP:RED named recipients besides the reporting user. */
  recipientUserIds: readonly string[];
}

/** The incident's label facts for the one TLP rule (tlp.ts). */
export function incidentLabel(f: IncidentAccessFacts): Labelled {
  return {
    tlp: f.tlp,
    lawEnforcementSensitive: f.lawEnforcementSensitive,
    organizationId: f.reportingOrganizationId,
    inAudience: (org) => f.affectedCountyIds.includes(org) || f.sharedOrganizationIds.includes(org),
    isRecipient: (userId) => f.reportingUserId === userId || f.recipientUserIds.includes(userId),
  };
}

/** The audience of a non-RED incident: reporting org, coordinators, affected counties, shared orgs. */
export function isInAudience(p: UserPrincipal, f: IncidentAccessFacts): boolean {
  return isInLabelAudience(viewerOf(p)!, incidentLabel(f));
}

export function isNamedRecipient(p: UserPrincipal, f: IncidentAccessFacts): boolean {
  return incidentLabel(f).isRecipient(p.userId);
}

/** The in-memory form: the TLP rule and the LES rule must both hold. */
export function canSeeIncident(p: Principal, f: IncidentAccessFacts): boolean {
  return labelAllows(p, incidentLabel(f));
}

/**
 * The query form: a WHERE condition on the `incidents` table (aliased `incidents` or given as `alias`)
 * that holds exactly for the incidents `canSeeIncident` allows.
 */
export function visibleIncidents(p: Principal, alias = 'incidents') {
  return (_eb: ExpressionBuilder<Database, any>): Expression<SqlBool> => {
    const col = (c: string) => sql.ref(`${alias}.${c}`);
    return labelFilter(p, {
      col,
      ownerColumn: 'reporting_organization_id',
      hasLawEnforcementFlag: true,
      // The audience is read from the row itself (affected_county_ids, shared_organization_ids and
      // recipient_user_ids mirror incident_affected_counties, incident_shares and incident_recipients,
      // kept by triggers in the transaction that changes them: migration 2026-12-09T0100): a list walks
      // its index and decides each row without a subquery.
      audience: (org) => sql<SqlBool>`(${org}::uuid = any(${col('affected_county_ids')}) or ${org}::uuid = any(${col('shared_organization_ids')}))`,
      recipient: (userId) => sql<SqlBool>`(${col('reporting_user_id')} = ${userId}::uuid or ${userId}::uuid = any(${col('recipient_user_ids')}))`,
    });
  };
}

// ── Organizations as routing targets ──────────────────────────────────────────────────────────────

export type { TargetOrganization };

/** Any user of the organization who is not a named recipient. */
function organizationViewer(o: TargetOrganization): Viewer {
  return { organizationId: o.id, isCoordinatorOrg: o.isCoordinatorOrg, isLawEnforcementOrg: LAW_ENFORCEMENT_KINDS.has(o.kind), userId: null };
}

/** The LES rule alone for an organization (assigning an incident to it): law enforcement, or the reporting organization. */
export function lawEnforcementRuleAdmits(o: TargetOrganization, f: IncidentAccessFacts): boolean {
  return labelDenial(organizationViewer(o), incidentLabel(f)) !== 'LAW_ENFORCEMENT';
}

/**
 * Why the users of an organization may not see the incident (null: they may). The same two rules as
 * canSeeIncident, for any user of the organization who is not a named recipient: a page to one of them
 * is suppressed at delivery for exactly these reasons.
 */
export function whyOrganizationMayNotSee(o: TargetOrganization, f: IncidentAccessFacts): string | null {
  switch (labelDenial(organizationViewer(o), incidentLabel(f))) {
    case null:
      return null;
    case 'LAW_ENFORCEMENT':
      return 'law-enforcement sensitive: only law enforcement and the reporting organization may see it';
    case 'AUDIENCE':
      return `not in the TLP:${f.tlp} audience (share the incident with it)`;
    case 'RECIPIENT':
      return 'TLP:RED: only named recipients may see it';
  }
}

/** Whether sharing the incident with the organization would let its users see it (the LES rule still holds). */
export function sharingLetsOrganizationSee(o: TargetOrganization, f: IncidentAccessFacts): boolean {
  if (f.tlp === 'RED') return false;
  return whyOrganizationMayNotSee(o, { ...f, sharedOrganizationIds: [...f.sharedOrganizationIds, o.id] }) === null;
}

// ── What a principal may do to an incident they can see ─────────────────────────────────────────────

/** ANALYST-level work (file, comment, share, edit own): analysts, and coordinators who triage. */
export function actsAsAnalyst(p: Principal): p is UserPrincipal {
  return p.kind === 'user' && (hasRole(p, 'ANALYST') || hasRole(p, 'COORDINATOR'));
}

/** COORDINATOR role at a coordinator organization: triage any incident they can see. */
export function isTriageCoordinator(p: Principal): p is UserPrincipal {
  return p.kind === 'user' && hasRole(p, 'COORDINATOR') && p.isCoordinatorOrg;
}

export function isOfReportingOrganization(p: UserPrincipal, f: IncidentAccessFacts): boolean {
  return p.organization.id === f.reportingOrganizationId;
}

export function canFileIncident(p: Principal): p is UserPrincipal {
  return actsAsAnalyst(p);
}

export function canComment(p: Principal): p is UserPrincipal {
  return actsAsAnalyst(p);
}

/** Editing the incident's content: the reporting organization's analysts. */
export function canEditIncident(p: Principal, f: IncidentAccessFacts): boolean {
  return actsAsAnalyst(p) && isOfReportingOrganization(p, f);
}

/** Changing severity: the reporting organization's analysts and triage coordinators. */
export function canChangeSeverity(p: Principal, f: IncidentAccessFacts): boolean {
  return canEditIncident(p, f) || isTriageCoordinator(p);
}

/** TRIAGED, REJECTED and MERGED by coordinators; the others by the reporting organization or coordinators. */
export function canTransitionTo(p: Principal, f: IncidentAccessFacts, to: string): boolean {
  if (isTriageCoordinator(p)) return true;
  if (to === 'TRIAGED' || to === 'REJECTED' || to === 'MERGED') return false;
  return actsAsAnalyst(p) && isOfReportingOrganization(p, f);
}

export function canAssign(p: Principal): boolean {
  return isTriageCoordinator(p);
}

/**
 * Widening the audience: AMBER by an analyst of any audience organization; AMBER_STRICT by an analyst
 * of the reporting organization or a coordinator; RED by the reporting user only. CLEAR and GREEN are
 * already seen by every partner: any analyst may record a share (it matters if the label narrows later).
 */
export function canWidenAudience(p: Principal, f: IncidentAccessFacts): boolean {
  if (!actsAsAnalyst(p)) return false;
  switch (f.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true;
    case 'AMBER':
      return isInAudience(p, f);
    case 'AMBER_STRICT':
      return isOfReportingOrganization(p, f) || isTriageCoordinator(p);
    case 'RED':
      return f.reportingUserId === p.userId;
  }
}

/** Wider only by the reporting organization; narrower by the reporting organization or a coordinator. */
export function canChangeTlp(p: Principal, f: IncidentAccessFacts, to: Tlp): boolean {
  if (!actsAsAnalyst(p)) return false;
  if (isOfReportingOrganization(p, f)) return true;
  return tlpNarrowness(to) > tlpNarrowness(f.tlp) && isTriageCoordinator(p);
}

/**
 * Naming TLP:RED recipients adds people to the audience, so besides the right to set the label it takes
 * the right to widen the incident as it is labelled now: on a RED incident the reporting user only (a
 * recipient, even of the reporting organization, may not pass it on), on a narrower-bound AMBER one
 * whoever may share it. Recipients already named add nobody.
 */
export function canNameRecipients(p: Principal, f: IncidentAccessFacts, userIds: readonly string[]): boolean {
  const added = userIds.filter((id) => id !== f.reportingUserId && !f.recipientUserIds.includes(id));
  return added.length === 0 || canWidenAudience(p, f);
}

/** Clearing LES only by the reporting organization or a law-enforcement organization; setting it also by coordinators. */
export function canSetLawEnforcementSensitive(p: Principal, f: IncidentAccessFacts, value: boolean): boolean {
  if (!actsAsAnalyst(p)) return false;
  if (isOfReportingOrganization(p, f) || p.isLawEnforcementOrg) return true;
  return value && isTriageCoordinator(p);
}
