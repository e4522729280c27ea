/**
 * The access oracle: a deliberately plain, separately written reading of `../shared/design/access-policy.md`
 * (and of the lead's interpretations where the policy is silent, marked "interpretation"). It shares no code
 * with `src/access/`: the matrix test compares every answer of the running hub with these functions.
 *
 * Everything here is a plain value; nothing talks to the hub.
 */

export type Role = 'VIEWER' | 'ANALYST' | 'COORDINATOR' | 'ORG_ADMIN' | 'AUDITOR' | 'HUB_ADMIN';
export type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER_STRICT' | 'RED';
export type Severity = 'LOW' | 'MODERATE' | 'HIGH' | 'CRITICAL';
export type Status = 'REPORTED' | 'TRIAGED' | 'INVESTIGATING' | 'CONTAINED' | 'RESOLVED' | 'CLOSED' | 'REJECTED' | 'MERGED';
export type Domain = 'CYBER' | 'PHYSICAL' | 'INFORMATION' | 'OTHER';
export type PartnerKind = 'COUNTY' | 'SECRETARY_OF_STATE' | 'CAL_OES' | 'CISA' | 'FBI' | 'CHP' | 'EI_ISAC' | 'CDT' | 'OTHER';
export type Outcome = 'OK' | 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'CONFLICT';

/** Coordinator organizations (config default ESTF_COORDINATOR_ORGS=sos,cal-oes). */
export const COORDINATOR_ORGS: readonly string[] = ['sos', 'cal-oes'];

/** The seeded non-county partners and their kinds (domain.md). Every `county-…` slug is a COUNTY. */
const KIND_OF_STATE_AND_FEDERAL: Record<string, PartnerKind> = {
  sos: 'SECRETARY_OF_STATE',
  'cal-oes': 'CAL_OES',
  cisa: 'CISA',
  fbi: 'FBI',
  chp: 'CHP',
  'ei-isac': 'EI_ISAC',
  cdt: 'CDT',
};

export function kindOf(orgSlug: string): PartnerKind {
  if (orgSlug.startsWith('county-')) return 'COUNTY';
  return KIND_OF_STATE_AND_FEDERAL[orgSlug] ?? 'OTHER';
}

/** Law-enforcement organizations are those of partner kind FBI or CHP. */
export function isLawEnforcementOrg(orgSlug: string): boolean {
  const kind = kindOf(orgSlug);
  return kind === 'FBI' || kind === 'CHP';
}

export function isCoordinatorOrg(orgSlug: string): boolean {
  return COORDINATOR_ORGS.includes(orgSlug);
}

export interface OracleUser {
  /** A name for reports, e.g. `county-orange ANALYST`. */
  label: string;
  email: string;
  org: string;
  roles: Role[];
}

export interface OracleIncident {
  /** A name for reports, e.g. `AMBER LES shared:fbi by county-orange`. */
  label: string;
  id: string;
  reference: string;
  title: string;
  tlp: Tlp;
  les: boolean;
  exercise: boolean;
  severity: Severity;
  category: string;
  status: Status;
  reportingOrg: string;
  /** E-mail of the reporting user. */
  reportingUser: string;
  affectedCounties: string[];
  /** Organizations it was explicitly shared with (AMBER, AMBER_STRICT; kept for CLEAR and GREEN too). */
  sharedOrgs: string[];
  /** TLP:RED named recipients besides the reporting user (e-mails). */
  recipients: string[];
  mergedInto: string | null;
}

// ── Roles ──────────────────────────────────────────────────────────────────────────────────────────

export function hasRole(u: OracleUser, role: Role): boolean {
  return u.roles.includes(role);
}

/** ANALYST-level work: the ANALYST role, or the COORDINATOR role (interpretation). */
export function actsAsAnalyst(u: OracleUser): boolean {
  return hasRole(u, 'ANALYST') || hasRole(u, 'COORDINATOR');
}

/** The COORDINATOR role at a coordinator organization. */
export function isTriageCoordinator(u: OracleUser): boolean {
  return hasRole(u, 'COORDINATOR') && isCoordinatorOrg(u.org);
}

function isReportingOrgAnalyst(u: OracleUser, i: OracleIncident): boolean {
  return actsAsAnalyst(u) && u.org === i.reportingOrg;
}

// ── Seeing ─────────────────────────────────────────────────────────────────────────────────────────

/** The audience organizations of a non-RED incident. */
export function audienceOrgs(i: OracleIncident): string[] {
  return [i.reportingOrg, ...COORDINATOR_ORGS, ...i.affectedCounties, ...i.sharedOrgs];
}

export function passesTlpRule(u: OracleUser, i: OracleIncident): boolean {
  switch (i.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true; // every partner organization
    case 'AMBER':
    case 'AMBER_STRICT':
      return audienceOrgs(i).includes(u.org);
    case 'RED':
      return u.email === i.reportingUser || i.recipients.includes(u.email);
  }
}

export function passesLesRule(u: OracleUser, i: OracleIncident): boolean {
  if (!i.les) return true;
  if (isLawEnforcementOrg(u.org)) return true;
  if (u.org === i.reportingOrg) return true;
  return false;
}

/** No role bypasses this: not HUB_ADMIN, not AUDITOR, not COORDINATOR. */
export function canSee(u: OracleUser, i: OracleIncident): boolean {
  return passesTlpRule(u, i) && passesLesRule(u, i);
}

// ── Filing ─────────────────────────────────────────────────────────────────────────────────────────

export function expectFile(u: OracleUser): Outcome {
  return actsAsAnalyst(u) ? 'OK' : 'FORBIDDEN';
}

// ── Mutations on an existing incident ──────────────────────────────────────────────────────────────
// Every one of them: an incident the user may not see is NOT_FOUND (never FORBIDDEN).

const CONTENT_FIELDS = ['title', 'summary', 'category', 'severity', 'affectedCounties', 'affectedAssets', 'occurredAt', 'detectedAt', 'externalReferences'];

/** updateIncident: content by the reporting organization's analysts; triage coordinators only `severity` (interpretation). */
export function expectUpdate(u: OracleUser, i: OracleIncident, fields: string[], staleVersion = false): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  for (const f of fields) if (!CONTENT_FIELDS.includes(f)) throw new Error(`not an updatable field: ${f}`);
  let allowed = false;
  if (isReportingOrgAnalyst(u, i)) allowed = true;
  if (isTriageCoordinator(u) && fields.every((f) => f === 'severity')) allowed = true;
  if (!allowed) return 'FORBIDDEN';
  if (staleVersion) return 'CONFLICT';
  return 'OK';
}

/** The transitions of domain.md (REJECTED and MERGED from every open status; RESOLVED → INVESTIGATING reopens). */
export const NEXT_STATUSES: Record<Status, Status[]> = {
  REPORTED: ['TRIAGED', 'REJECTED', 'MERGED'],
  TRIAGED: ['INVESTIGATING', 'REJECTED', 'MERGED'],
  INVESTIGATING: ['CONTAINED', 'REJECTED', 'MERGED'],
  CONTAINED: ['RESOLVED', 'REJECTED', 'MERGED'],
  // Whether RESOLVED counts as "open" is not said; the test never asks RESOLVED → REJECTED / MERGED.
  RESOLVED: ['CLOSED', 'INVESTIGATING'],
  CLOSED: [],
  REJECTED: [],
  MERGED: [],
};

export function isValidTransition(from: Status, to: Status): boolean {
  return NEXT_STATUSES[from].includes(to);
}

/**
 * transitionIncident: TRIAGED and REJECTED only by triage coordinators; the others by the reporting
 * organization's analysts or triage coordinators; a transition domain.md does not list is BAD_USER_INPUT;
 * `to: MERGED` is BAD_USER_INPUT (mergeIncident does that; interpretation).
 */
export function expectTransition(u: OracleUser, i: OracleIncident, to: Status): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  let allowed: boolean;
  if (to === 'TRIAGED' || to === 'REJECTED' || to === 'MERGED') allowed = isTriageCoordinator(u);
  else allowed = isReportingOrgAnalyst(u, i) || isTriageCoordinator(u);
  if (!allowed) return 'FORBIDDEN';
  if (to === 'MERGED') return 'BAD_USER_INPUT';
  if (!isValidTransition(i.status, to)) return 'BAD_USER_INPUT';
  return 'OK';
}

/** mergeIncident: triage coordinators, both incidents visible. */
export function expectMerge(u: OracleUser, source: OracleIncident, into: OracleIncident): Outcome {
  if (!canSee(u, source)) return 'NOT_FOUND';
  if (!isTriageCoordinator(u)) return 'FORBIDDEN';
  if (!canSee(u, into)) return 'NOT_FOUND';
  return 'OK';
}

/** addIncidentComment: any analyst who can see it. */
export function expectComment(u: OracleUser, i: OracleIncident): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  return actsAsAnalyst(u) ? 'OK' : 'FORBIDDEN';
}

/** assignIncident: triage coordinators. */
export function expectAssign(u: OracleUser, i: OracleIncident): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  return isTriageCoordinator(u) ? 'OK' : 'FORBIDDEN';
}

/**
 * shareIncident (widening the audience): AMBER by an analyst of any audience organization; AMBER_STRICT by
 * an analyst of the reporting organization or a triage coordinator; RED by the reporting user only, users
 * only (organizations are BAD_USER_INPUT); CLEAR and GREEN by any analyst (interpretation).
 */
export function expectShare(u: OracleUser, i: OracleIncident, what: { orgs?: string[]; users?: string[] }): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  if (!actsAsAnalyst(u)) return 'FORBIDDEN';
  switch (i.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return 'OK';
    case 'AMBER':
      return audienceOrgs(i).includes(u.org) ? 'OK' : 'FORBIDDEN';
    case 'AMBER_STRICT':
      return u.org === i.reportingOrg || isTriageCoordinator(u) ? 'OK' : 'FORBIDDEN';
    case 'RED':
      if (u.email !== i.reportingUser) return 'FORBIDDEN';
      if ((what.orgs ?? []).length > 0) return 'BAD_USER_INPUT';
      return 'OK';
  }
}

/** From the widest to the narrowest. */
export const TLP_ORDER: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'];

export function isWider(to: Tlp, from: Tlp): boolean {
  return TLP_ORDER.indexOf(to) < TLP_ORDER.indexOf(from);
}

/** setIncidentTlp: wider only by the reporting organization's analysts; narrower also by triage coordinators. */
export function expectSetTlp(u: OracleUser, i: OracleIncident, to: Tlp): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  if (!actsAsAnalyst(u)) return 'FORBIDDEN';
  if (to === i.tlp) throw new Error('the test does not ask for an unchanged TLP');
  if (isWider(to, i.tlp)) return u.org === i.reportingOrg ? 'OK' : 'FORBIDDEN';
  return u.org === i.reportingOrg || isTriageCoordinator(u) ? 'OK' : 'FORBIDDEN';
}

/**
 * setIncidentLawEnforcementSensitive: clearing only by analysts of the reporting organization or of a
 * law-enforcement organization; setting also by triage coordinators (interpretation).
 */
export function expectSetLes(u: OracleUser, i: OracleIncident, value: boolean): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  if (!actsAsAnalyst(u)) return 'FORBIDDEN';
  if (u.org === i.reportingOrg || isLawEnforcementOrg(u.org)) return 'OK';
  if (value === true && isTriageCoordinator(u)) return 'OK';
  return 'FORBIDDEN';
}

/** auditLog: AUDITORs only. */
export function expectAuditLog(u: OracleUser): Outcome {
  return hasRole(u, 'AUDITOR') ? 'OK' : 'FORBIDDEN';
}

// ── Filters (IncidentFilter) ───────────────────────────────────────────────────────────────────────

export const SEVERITY_ORDER: readonly Severity[] = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'];

export const DOMAIN_OF_CATEGORY: Record<string, Domain> = {
  VOTER_REGISTRATION_INTRUSION: 'CYBER',
  ELECTION_NIGHT_REPORTING_DISRUPTION: 'CYBER',
  PHISHING: 'CYBER',
  RANSOMWARE: 'CYBER',
  ACCOUNT_COMPROMISE: 'CYBER',
  WEBSITE_SPOOFING: 'CYBER',
  EPOLLBOOK_DISRUPTION: 'CYBER',
  VOTING_SYSTEM_TAMPERING: 'CYBER',
  VENDOR_COMPROMISE: 'CYBER',
  MALWARE: 'CYBER',
  DENIAL_OF_SERVICE: 'CYBER',
  DATA_EXPOSURE: 'CYBER',
  INSIDER_THREAT: 'CYBER',
  THREAT_TO_ELECTION_WORKERS: 'PHYSICAL',
  DROP_BOX_TAMPERING: 'PHYSICAL',
  POLLING_PLACE_DISRUPTION: 'PHYSICAL',
  SUSPICIOUS_MAIL: 'PHYSICAL',
  CHAIN_OF_CUSTODY_BREACH: 'PHYSICAL',
  CONTINUITY_EVENT: 'PHYSICAL',
  MISINFORMATION: 'INFORMATION',
  IMPERSONATION_OF_OFFICIALS: 'INFORMATION',
  FOREIGN_INFLUENCE: 'INFORMATION',
  OTHER: 'OTHER',
};

export interface OracleFilter {
  statuses?: Status[];
  severityAtLeast?: Severity;
  categories?: string[];
  domains?: Domain[];
  affectedCounty?: string;
  reportingOrganization?: string;
  tlp?: Tlp[];
  exercise?: boolean;
  /** A single unique word: matched against the incident's known unique words. */
  text?: string;
}

/** Whether an incident matches a filter, visibility aside. `words` are the unique words of its title and summary. */
export function matchesFilter(i: OracleIncident, f: OracleFilter, words: readonly string[]): boolean {
  if (f.exercise === true ? !i.exercise : i.exercise) return false;
  if (f.statuses && !f.statuses.includes(i.status)) return false;
  if (f.severityAtLeast && SEVERITY_ORDER.indexOf(i.severity) < SEVERITY_ORDER.indexOf(f.severityAtLeast)) return false;
  if (f.categories && !f.categories.includes(i.category)) return false;
  if (f.domains && !f.domains.includes(DOMAIN_OF_CATEGORY[i.category] as Domain)) return false;
  if (f.affectedCounty && !i.affectedCounties.includes(f.affectedCounty)) return false;
  if (f.reportingOrganization && i.reportingOrg !== f.reportingOrganization) return false;
  if (f.tlp && !f.tlp.includes(i.tlp)) return false;
  if (f.text !== undefined && !words.includes(f.text)) return false;
  return true;
}

// ── Who may change the audience (issue 10, item 3) ─────────────────────────────────────────────────
// access-policy.md "Who may widen the audience", "Changing the TLP label" and the LES sentence, read plainly.

/**
 * Widening the audience of the incident as it is labelled now: AMBER by an analyst of any audience
 * organization; AMBER_STRICT by an analyst of the reporting organization or a triage coordinator; RED by the
 * reporting user only; CLEAR and GREEN by any analyst (interpretation: every partner sees them already).
 */
export function mayWidenAudience(u: OracleUser, i: OracleIncident): boolean {
  if (!actsAsAnalyst(u)) return false;
  if (i.tlp === 'CLEAR' || i.tlp === 'GREEN') return true;
  if (i.tlp === 'AMBER') return audienceOrgs(i).includes(u.org);
  if (i.tlp === 'AMBER_STRICT') return u.org === i.reportingOrg || isTriageCoordinator(u);
  return u.email === i.reportingUser;
}

/** Every mutation that can change who sees an incident. */
export type AudienceChange =
  | { kind: 'share'; orgs: string[]; users: string[] }
  | { kind: 'tlp'; to: Tlp; recipients: string[] }
  | { kind: 'assign'; org: string; user: string }
  | { kind: 'clearLes' }
  | { kind: 'merge'; into: OracleIncident };

/**
 * Whether `u` may make the change, as the hub must answer it. Naming TLP:RED recipients is widening: a
 * user not yet named joins the audience, so it takes the right to widen the incident as it is labelled
 * now (the reporting user of a RED incident; whoever may share a non-RED one) on top of the right to
 * change the label. Assigning and merging never reach past the policy: an assignee of an AMBER incident
 * joins its audience (a coordinator may widen AMBER and AMBER_STRICT), of a RED one must already be named,
 * of an LES one must be law enforcement or the reporting organization (interpretation).
 */
export function mayChangeAudience(u: OracleUser, i: OracleIncident, c: AudienceChange, userOrg: (email: string) => string): Outcome {
  if (!canSee(u, i)) return 'NOT_FOUND';
  switch (c.kind) {
    case 'share':
      return expectShare(u, i, { orgs: c.orgs, users: c.users });
    case 'tlp': {
      if (!actsAsAnalyst(u)) return 'FORBIDDEN';
      if (c.to === i.tlp) {
        if (c.recipients.length === 0) throw new Error('the test does not ask for an unchanged TLP');
      } else if (isWider(c.to, i.tlp)) {
        if (u.org !== i.reportingOrg) return 'FORBIDDEN';
      } else if (u.org !== i.reportingOrg && !isTriageCoordinator(u)) return 'FORBIDDEN';
      if (c.recipients.length > 0 && c.to !== 'RED') return 'BAD_USER_INPUT';
      const added = c.recipients.filter((e) => e !== i.reportingUser && !i.recipients.includes(e));
      if (added.length > 0 && !mayWidenAudience(u, i)) return 'FORBIDDEN';
      return 'OK';
    }
    case 'assign': {
      if (!isTriageCoordinator(u)) return 'FORBIDDEN';
      if (userOrg(c.user) !== c.org) return 'BAD_USER_INPUT';
      if (i.les && !isLawEnforcementOrg(c.org) && c.org !== i.reportingOrg) return 'BAD_USER_INPUT';
      if (i.tlp === 'RED' && c.user !== i.reportingUser && !i.recipients.includes(c.user)) return 'BAD_USER_INPUT';
      return 'OK';
    }
    case 'clearLes':
      return expectSetLes(u, i, false);
    case 'merge':
      return expectMerge(u, i, c.into);
  }
}

/** The incident after an allowed change: only what the change adds to the audience, nothing else. */
export function applyAudienceChange(i: OracleIncident, c: AudienceChange): OracleIncident {
  const next: OracleIncident = { ...i, sharedOrgs: [...i.sharedOrgs], recipients: [...i.recipients] };
  switch (c.kind) {
    case 'share':
      for (const o of c.orgs) if (!next.sharedOrgs.includes(o)) next.sharedOrgs.push(o);
      for (const e of c.users) if (e !== i.reportingUser && !next.recipients.includes(e)) next.recipients.push(e);
      break;
    case 'tlp':
      next.tlp = c.to;
      for (const e of c.recipients) if (e !== i.reportingUser && !next.recipients.includes(e)) next.recipients.push(e);
      break;
    case 'assign':
      if ((i.tlp === 'AMBER' || i.tlp === 'AMBER_STRICT') && !next.sharedOrgs.includes(c.org)) next.sharedOrgs.push(c.org);
      break;
    case 'clearLes':
      next.les = false;
      break;
    case 'merge':
      next.status = 'MERGED';
      next.mergedInto = c.into.id;
      break;
  }
  return next;
}
