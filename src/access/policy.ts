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

/** Managing partners themselves (adding an OTHER organization): HUB_ADMIN only. */
export function canManagePartners(p: Principal): boolean {
  return p.kind === 'system' || hasRole(p, 'HUB_ADMIN');
}

/** Reading the audit log: AUDITORs (content still filtered per object by the content policy). */
export function canReadAuditLog(p: Principal): boolean {
  return p.kind === 'system' || hasRole(p, 'AUDITOR');
}
