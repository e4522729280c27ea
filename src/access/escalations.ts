import { actsAsAnalyst, isTriageCoordinator, type IncidentAccessFacts } from './incidents.js';
import type { Principal } from './principal.js';

/**
 * Who may act on an escalation (access-policy.md, Principals: an ANALYST acknowledges escalations paged to
 * them). Seeing the incident is checked before these, by the caller, with canSeeIncident.
 */

/** What the policy needs to know about an escalation, for one principal. */
export interface EscalationAccessFacts {
  /** The organizations the escalation policy targets. */
  targetedOrganizationIds: readonly string[];
  /** Whether the principal was paged for this escalation. */
  pagedPrincipal: boolean;
}

/** A paged user, or an analyst of an organization the policy targets. */
export function canAcknowledge(p: Principal, e: EscalationAccessFacts): boolean {
  if (p.kind !== 'user') return false;
  return (actsAsAnalyst(p) && e.targetedOrganizationIds.includes(p.organization.id)) || e.pagedPrincipal;
}

/** Escalating by hand: coordinators, and analysts of the reporting organization or of a targeted organization. */
export function canEscalate(p: Principal, f: IncidentAccessFacts, escalations: readonly Pick<EscalationAccessFacts, 'targetedOrganizationIds'>[]): boolean {
  // A triage coordinator also acts as an analyst, so the order of the two checks does not matter.
  if (p.kind !== 'user' || !actsAsAnalyst(p)) return false;
  const org = p.organization.id;
  return isTriageCoordinator(p) || f.reportingOrganizationId === org || escalations.some((e) => e.targetedOrganizationIds.includes(org));
}
