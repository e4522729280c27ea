/**
 * Who is asking. A user principal comes from an API token; the system principal is the operator at the
 * host's shell (`estf users add`, seeds), trusted to manage structure but shown no content.
 */

import { ROLES, type PartnerKind, type Role } from '../domain/people.js';
import { isOneOf } from '../domain/unions.js';

// The unions live in the domain leaf (the table types use them); re-exported for the policy's callers.
export { PARTNER_KINDS, ROLES, type PartnerKind, type Role } from '../domain/people.js';

/** Partner kinds whose organizations are law enforcement (access-policy.md, LES rule). */
export const LAW_ENFORCEMENT_KINDS: ReadonlySet<PartnerKind> = new Set(['FBI', 'CHP']);

export interface PrincipalOrganization {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly kind: PartnerKind;
}

export interface RequestMeta {
  readonly requestId: string | null;
  readonly clientAddress: string | null;
}

export interface UserPrincipal extends RequestMeta {
  readonly kind: 'user';
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  readonly organization: PrincipalOrganization;
  readonly isCoordinatorOrg: boolean;
  readonly isLawEnforcementOrg: boolean;
  readonly tokenPrefix: string | null;
}

export interface SystemPrincipal extends RequestMeta {
  readonly kind: 'system';
  /** What acts: 'cli' for an operator's command, 'seed', 'worker'. */
  readonly name: string;
}

export type Principal = UserPrincipal | SystemPrincipal;

export function systemPrincipal(name: string): SystemPrincipal {
  return { kind: 'system', name, requestId: null, clientAddress: null };
}

/** A user and their organization as read from the database: what a user principal is made of. */
export interface UserOfOrganization {
  userId: string;
  email: string;
  name: string;
  roles: readonly string[];
  organizationId: string;
  organizationSlug: string;
  organizationName: string;
  organizationKind: PartnerKind;
}

/** The principal of a user (the caller has checked that the user and the organization are active). */
export function userPrincipal(
  u: UserOfOrganization,
  coordinatorSlugs: ReadonlySet<string>,
  via: RequestMeta & { tokenPrefix: string | null },
): UserPrincipal {
  const kind = u.organizationKind;
  return {
    kind: 'user',
    userId: u.userId,
    email: u.email,
    name: u.name,
    roles: new Set(u.roles.filter(isRole)),
    organization: { id: u.organizationId, slug: u.organizationSlug, name: u.organizationName, kind },
    isCoordinatorOrg: coordinatorSlugs.has(u.organizationSlug),
    isLawEnforcementOrg: LAW_ENFORCEMENT_KINDS.has(kind),
    tokenPrefix: via.tokenPrefix,
    requestId: via.requestId,
    clientAddress: via.clientAddress,
  };
}

/** An organization as read from the database: what an organization principal or routing target is made of. */
export interface OrganizationOfRow {
  id: string;
  slug: string;
  name: string;
  kind: PartnerKind;
}

/** No user: an organization principal is no named recipient of anything. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

/**
 * The principal of an organization as a whole (an organization's alert subscription): the rights every
 * VIEWER of it has, and no TLP:RED, since it is no named recipient.
 */
export function organizationPrincipal(o: OrganizationOfRow, coordinatorSlugs: ReadonlySet<string>): UserPrincipal {
  const kind = o.kind;
  return {
    kind: 'user',
    userId: NO_USER,
    email: `organization:${o.slug}`,
    name: o.name,
    roles: new Set(['VIEWER']),
    organization: { id: o.id, slug: o.slug, name: o.name, kind },
    isCoordinatorOrg: coordinatorSlugs.has(o.slug),
    isLawEnforcementOrg: LAW_ENFORCEMENT_KINDS.has(kind),
    tokenPrefix: null,
    requestId: null,
    clientAddress: null,
  };
}

/** An organization a routing rule names, as the policy sees it (whether its on-call people may see an incident). */
export interface TargetOrganization {
  id: string;
  kind: PartnerKind;
  isCoordinatorOrg: boolean;
}

export function targetOrganization(o: { id: string; slug: string; kind: PartnerKind }, coordinatorSlugs: ReadonlySet<string>): TargetOrganization {
  return { id: o.id, kind: o.kind, isCoordinatorOrg: coordinatorSlugs.has(o.slug) };
}

/**
 * The principal of a page or alert recipient, checked as themselves at delivery: null unless the user and
 * their organization are active (a deactivated user stops receiving at once).
 */
export function recipientPrincipal(
  u: UserOfOrganization & { active: boolean; organizationActive: boolean },
  coordinatorSlugs: ReadonlySet<string>,
): UserPrincipal | null {
  if (!u.active || !u.organizationActive) return null;
  return userPrincipal(u, coordinatorSlugs, { tokenPrefix: null, requestId: null, clientAddress: null });
}

export function hasRole(p: Principal, role: Role): boolean {
  return p.kind === 'user' && p.roles.has(role);
}

export function isRole(value: string): value is Role {
  return isOneOf(ROLES, value);
}
