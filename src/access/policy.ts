import type { Principal } from './principal.js';
import { hasRole } from './principal.js';

/**
 * The access policy: the one place that decides who may see and do what (access-policy.md).
 * Content visibility (incidents, indicators) lives in the sibling modules of this folder; every
 * service asks here rather than deciding on its own.
 */

/** Managing an organization's users, tokens, contact methods and schedules: its ORG_ADMIN, or a HUB_ADMIN. */
export function canManageOrganizationMembers(p: Principal, organizationId: string): boolean {
  if (p.kind === 'system') return true;
  if (hasRole(p, 'HUB_ADMIN')) return true;
  return hasRole(p, 'ORG_ADMIN') && p.organization.id === organizationId;
}

/**
 * Issuing an API token: the user themself, or the operator at the host's shell (audited, and shown on the
 * user's token list). No admin mints a token for someone else: a token is the user's identity, and
 * with it their TLP:RED incidents; an admin manages structure, not content. Revoking is management.
 */
export function canIssueTokenFor(p: Principal, userId: string): boolean {
  return p.kind === 'system' || p.userId === userId;
}

/** Managing partners themselves (adding an OTHER organization): HUB_ADMIN only. */
export function canManagePartners(p: Principal): boolean {
  return p.kind === 'system' || hasRole(p, 'HUB_ADMIN');
}

/**
 * Granting or removing the hub-wide roles (HUB_ADMIN, AUDITOR: they widen what a person sees across the
 * hub): HUB_ADMIN only, even for an ORG_ADMIN of the user's own organization.
 */
export function canChangeHubWideRoles(p: Principal): boolean {
  return canManagePartners(p);
}

/** Reading the audit log: AUDITORs (content still filtered per object by the content policy). */
export function canReadAuditLog(p: Principal): boolean {
  return p.kind === 'system' || hasRole(p, 'AUDITOR');
}

// ── On-call schedules and contact methods (issue 4) ──

/**
 * Managing a duty's on-call schedule (rotation and overrides): the organization's ORG_ADMIN (or a
 * HUB_ADMIN, as for everything an ORG_ADMIN manages), and COORDINATORs for every partner.
 */
export function canManageOnCallSchedule(p: Principal, organizationId: string): boolean {
  if (canManageOrganizationMembers(p, organizationId)) return true;
  // The role is only granted at coordinator organizations, but the list is configuration: check both.
  return p.kind === 'user' && p.isCoordinatorOrg && hasRole(p, 'COORDINATOR');
}

/** Schedules and who is on call are readable by every partner: the task force must know whom to call. */
export function canReadOnCallSchedules(_p: Principal): boolean {
  return true;
}

/**
 * Seeing and managing a user's contact methods (where pages go): the user themself, their organization's
 * ORG_ADMIN, and a HUB_ADMIN. Nobody else sees them, coordinators included.
 */
export function canManageContactMethods(p: Principal, owner: { id: string; organization_id: string }): boolean {
  if (p.kind === 'user' && p.userId === owner.id) return true;
  return canManageOrganizationMembers(p, owner.organization_id);
}
