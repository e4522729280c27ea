import { actsAsAnalyst } from './incidents.js';
import type { Principal } from './principal.js';

/**
 * Who triages the public's reports and the claims they form (issue 16): analysts (and coordinators) of the
 * coordinator organizations, the SOS and Cal OES, see every claim and every report, and manage claims (status,
 * merge, split, promotion, answers); a county's analysts see the claims that have reports naming their county,
 * and of those only the reports naming it, and may add notes. Nobody else sees a report: they are voters'
 * words, some with an e-mail address.
 */

export type ClaimScope = { kind: 'all' } | { kind: 'county'; fips: string } | { kind: 'none' };

/** The principal's view of claims; `organizationFips`: the FIPS code of the principal's organization, if a county. */
export function claimScope(p: Principal, organizationFips: string | null): ClaimScope {
  if (p.kind !== 'user' || !actsAsAnalyst(p)) return { kind: 'none' };
  if (p.isCoordinatorOrg) return { kind: 'all' };
  if (p.organization.kind === 'COUNTY' && organizationFips) return { kind: 'county', fips: organizationFips };
  return { kind: 'none' };
}

/** Whether a report (its county: a FIPS code, 'STATEWIDE' or null) is visible in a scope. */
export function canSeePublicReport(scope: ClaimScope, reportCounty: string | null): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'county') return reportCounty === scope.fips;
  return false;
}

/** Status, merge, split, promotion, rumor-control answers: the coordinator organizations' analysts. */
export function canManageClaims(scope: ClaimScope): boolean {
  return scope.kind === 'all';
}

/** Notes on a claim: anyone who sees it. */
export function canNoteClaim(scope: ClaimScope): boolean {
  return scope.kind !== 'none';
}
