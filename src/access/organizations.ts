import { canManageOrganizationMembers } from './policy.js';
import { hasRole, type Principal } from './principal.js';

/**
 * Who may see an organization's people (access-policy.md, Principals: ORG_ADMIN and HUB_ADMIN manage
 * users, tokens and contact methods). Content is not decided here; what is decided is whether a member
 * lookup answers at all: a user of an organization one may not see is NOT_FOUND, like one that does not
 * exist, and a visible user one may not manage is FORBIDDEN.
 */

/** A user as the policy sees them: who they are and where they belong. */
export interface Member {
  id: string;
  organization_id: string;
}

/** Members of an organization are visible to its own users and to those who manage it (and the operator). */
export function canSeeMembersOf(p: Principal, organizationId: string): boolean {
  if (p.kind === 'system') return true;
  return p.organization.id === organizationId || canManageOrganizationMembers(p, organizationId);
}

/** Listing and revoking a user's API tokens: the user themself, their ORG_ADMIN, a HUB_ADMIN. */
export function canManageTokensOf(p: Principal, user: Member): boolean {
  if (p.kind === 'user' && p.userId === user.id) return true;
  return canManageOrganizationMembers(p, user.organization_id);
}

/** Listing the users of every organization at once: a HUB_ADMIN (and the operator); others see their own. */
export function canListEveryUser(p: Principal): boolean {
  return p.kind === 'system' || hasRole(p, 'HUB_ADMIN');
}
