import type { Tlp } from '../domain/taxonomy.js';
import type { Principal } from './principal.js';
import { labelAllows } from './tlp.js';

/**
 * What may leave the hub as MISP (an event export, the feed a MISP instance pulls), on top of what the
 * principal may see (incidents.ts, indicators.ts decide that). TLP:RED is for named people: once in a
 * MISP instance it is everyone's there, so RED never leaves, not even to a named recipient's own MISP.
 * Exercise incidents are drills: they never leave either.
 */
export function mayLeaveAsMisp(object: { tlp: Tlp; exercise?: boolean }): boolean {
  return object.tlp !== 'RED' && object.exercise !== true;
}

/** The labels the feed carries (the incident list's filter, so that RED is not even read). */
export const MISP_FEED_TLPS: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT'];

/**
 * An attribute a MISP import kept as it came because the hub has no indicator for it (an AS number): it
 * carries the label of the attribute and is its importing organization's, with no other audience and no
 * named recipients, so the one TLP rule (tlp.ts) decides as for a report that was never shared. RED is
 * never kept (there would be nobody to name).
 */
export function canSeeKeptMispAttribute(p: Principal, attribute: { tlp: Tlp; organizationId: string }): boolean {
  return labelAllows(p, {
    tlp: attribute.tlp,
    lawEnforcementSensitive: false,
    organizationId: attribute.organizationId,
    inAudience: () => false,
    isRecipient: () => false,
  });
}
