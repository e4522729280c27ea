import type { Config } from '../../config.js';
import { canListEveryUser, canManageTokensOf, canSeeMembersOf } from '../../access/organizations.js';
import { canChangeHubWideRoles, canIssueTokenFor, canManageOrganizationMembers, canManagePartners } from '../../access/policy.js';
import {
  isRole,
  userPrincipal,
  type Principal,
  type RequestMeta,
  type Role,
  type UserPrincipal,
} from '../../access/principal.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { singleLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { findOrganizationBySlug, findOrganizationsByIds } from '../partners/index.js';
import {
  deactivateUserRow,
  findApiTokenByPrefix,
  findTokenOwner,
  findUserByEmail,
  findUserById,
  findUserWithOrganization,
  findUsersByIds,
  insertApiToken,
  insertUser,
  listApiTokensOf,
  listUsers,
  reactivateUserRow,
  revokeApiTokenRow,
  setUserRolesRow,
  touchApiToken,
  type ApiTokenRow,
  type UserWithOrganization,
  type UserRow,
} from './identity.repository.js';
import { generateToken, hashToken, looksLikeToken, MAX_TOKEN_LIFETIME_DAYS, parseLifetime } from './tokens.js';

export interface CreateUserInput {
  email: string;
  name: string;
  organization: string;
  roles: readonly string[];
}

export interface IssueTokenInput {
  email: string;
  name?: string | null;
  /** A lifetime such as 90d; absent for a token that does not expire. */
  expiresIn?: string | null;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Roles that widen what a person sees across the whole hub: only a HUB_ADMIN hands them out.
const HUB_GRANTED_ROLES: ReadonlySet<Role> = new Set(['HUB_ADMIN', 'AUDITOR']);

/** How a token minted at the host's shell is shown to its owner. */
export const OPERATOR_ISSUER = 'operator (estf token issue)';

export type IdentityService = ReturnType<typeof createIdentityService>;

export function createIdentityService(deps: { db: Db; config: Config }) {
  const { db, config } = deps;
  const coordinatorSlugs = new Set(config.coordinatorOrgSlugs);

  /** A user's principal from their row and their organization's (a token's owner, or a user acted as). */
  function principalOf(owner: UserWithOrganization, via: RequestMeta & { tokenPrefix: string | null }): UserPrincipal {
    return userPrincipal(
      {
        userId: owner.user_id,
        email: owner.email,
        name: owner.user_name,
        roles: owner.roles,
        organizationId: owner.organization_id,
        organizationSlug: owner.organization_slug,
        organizationName: owner.organization_name,
        organizationKind: owner.organization_kind,
      },
      coordinatorSlugs,
      via,
    );
  }

  /** The principal behind a bearer token, or null for an unknown, expired or revoked token or an inactive user. */
  async function authenticate(token: string, meta: RequestMeta): Promise<UserPrincipal | null> {
    if (!looksLikeToken(token)) return null;
    const owner = await findTokenOwner(db, hashToken(token));
    if (!owner) return null;
    const now = new Date();
    if (owner.revoked_at !== null) return null;
    if (owner.expires_at !== null && owner.expires_at <= now) return null;
    if (!owner.user_active || !owner.organization_active) return null;
    // Last use is recorded at most once a minute: most requests then write nothing.
    if (owner.last_used_at === null || now.getTime() - owner.last_used_at.getTime() > 60_000) void touchApiToken(db, owner.token_id, now).catch(() => {});
    return principalOf(owner, { ...meta, tokenPrefix: owner.prefix });
  }

  /**
   * A named user's principal for the operator's shell acting on their behalf (`estf stix import --as`): who
   * may issue that user a token (canIssueTokenFor: the operator) could act as them with it, so this gives
   * nothing more. The user and their organization must be active; `meta.requestId` says it was the shell.
   */
  async function actAs(principal: Principal, email: string, meta: RequestMeta): Promise<UserPrincipal> {
    const owner = await findUserWithOrganization(db, email.trim().toLowerCase());
    if (!owner || !canSeeMembersOf(principal, owner.organization_id)) throw new NotFoundError('User', email);
    if (!canIssueTokenFor(principal, owner.user_id)) throw new ForbiddenError('Only the operator at the shell may act as another user.');
    if (!owner.user_active) throw new InputError('as', `${owner.email} is deactivated`);
    if (!owner.organization_active) throw new InputError('as', `${owner.email}'s organization ${owner.organization_slug} is deactivated`);
    return principalOf(owner, { ...meta, tokenPrefix: null });
  }

  function validateUserInput(input: CreateUserInput): { email: string; name: string; roles: Role[] } {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL_RE.test(email) || email.length > 254) throw new InputError('email', `"${input.email}" is not an e-mail address`);
    const name = singleLineText(input.name);
    if (name.length === 0 || name.length > 200) throw new InputError('name', 'must be 1 to 200 characters');
    return { email, name, roles: validateRoles(input.roles) };
  }

  function validateRoles(input: readonly string[]): Role[] {
    if (input.length === 0) throw new InputError('roles', 'at least one role is required');
    const roles: Role[] = [];
    for (const r of input) {
      const role = r.trim().toUpperCase();
      if (!isRole(role)) throw new InputError('roles', `"${r}" is not a role (VIEWER, ANALYST, COORDINATOR, ORG_ADMIN, AUDITOR, HUB_ADMIN)`);
      if (!roles.includes(role)) roles.push(role);
    }
    return roles;
  }

  async function createUser(principal: Principal, input: CreateUserInput): Promise<UserRow> {
    const { email, name, roles } = validateUserInput(input);
    return db.transaction().execute(async (trx) => {
      const org = await findOrganizationBySlug(trx, input.organization);
      if (!org) throw new InputError('organization', `no organization with slug "${input.organization}"`);
      if (!canManageOrganizationMembers(principal, org.id)) throw new ForbiddenError('Only an ORG_ADMIN of that organization or a HUB_ADMIN may add its users.');
      if (roles.includes('COORDINATOR') && !coordinatorSlugs.has(org.slug)) {
        throw new InputError('roles', `COORDINATOR is only for coordinator organizations (${[...coordinatorSlugs].join(', ')})`);
      }
      const granted = roles.filter((r) => HUB_GRANTED_ROLES.has(r));
      if (granted.length > 0 && !canManagePartners(principal)) {
        throw new ForbiddenError(`Only a HUB_ADMIN may grant ${granted.join(' and ')}.`);
      }
      if (await findUserByEmail(trx, email)) throw new InputError('email', `a user with e-mail ${email} already exists`);
      const user = await insertUser(trx, { organization_id: org.id, email, name, roles });
      await recordAudit(trx, principal, 'user.created', { type: 'User', id: user.id }, { email, name, organization: org.slug, roles });
      return user;
    });
  }

  async function deactivateUser(principal: Principal, email: string): Promise<UserRow> {
    return db.transaction().execute(async (trx) => {
      const user = await findUserByEmail(trx, email);
      if (!user || !canSeeMembersOf(principal, user.organization_id)) throw new NotFoundError('User', email);
      if (!canManageOrganizationMembers(principal, user.organization_id)) throw new ForbiddenError('Only an ORG_ADMIN of that organization or a HUB_ADMIN may deactivate its users.');
      // Deactivating a HUB_ADMIN or AUDITOR takes their hub-wide role away as surely as removing it (an ORG_ADMIN
      // could silence the auditor watching them); reactivating one gives it back: both only by a HUB_ADMIN, as the roles.
      const hubRoles = user.roles.filter((r) => HUB_GRANTED_ROLES.has(r));
      if (hubRoles.length > 0 && !canChangeHubWideRoles(principal)) throw new ForbiddenError(`Only a HUB_ADMIN may deactivate a user who holds ${hubRoles.join(' and ')}.`);
      if (!user.active) return user;
      const updated = await deactivateUserRow(trx, user.id);
      await recordAudit(trx, principal, 'user.deactivated', { type: 'User', id: user.id }, { email: user.email });
      // Live streams of this user end before any event committed after this one (src/modules/alerts).
      // `deactivatedAt`: the sessions open then are ended even if the user is reactivated before the workers run.
      await addOutboxEvent(trx, 'access.user_deactivated', { type: 'Access', id: user.id }, { userId: user.id, deactivatedAt: (updated.deactivated_at ?? new Date()).toISOString() });
      return updated;
    });
  }

  /** Undoes deactivateUser: the user's tokens that are neither revoked nor expired work again. */
  async function reactivateUser(principal: Principal, email: string): Promise<UserRow> {
    return db.transaction().execute(async (trx) => {
      const user = await findUserByEmail(trx, email);
      if (!user || !canSeeMembersOf(principal, user.organization_id)) throw new NotFoundError('User', email);
      if (!canManageOrganizationMembers(principal, user.organization_id)) throw new ForbiddenError('Only an ORG_ADMIN of that organization or a HUB_ADMIN may reactivate its users.');
      // Deactivating a HUB_ADMIN or AUDITOR takes their hub-wide role away as surely as removing it (an ORG_ADMIN
      // could silence the auditor watching them); reactivating one gives it back: both only by a HUB_ADMIN, as the roles.
      const hubRoles = user.roles.filter((r) => HUB_GRANTED_ROLES.has(r));
      if (hubRoles.length > 0 && !canChangeHubWideRoles(principal)) throw new ForbiddenError(`Only a HUB_ADMIN may reactivate a user who holds ${hubRoles.join(' and ')}.`);
      if (user.active) return user;
      const updated = await reactivateUserRow(trx, user.id);
      await recordAudit(trx, principal, 'user.reactivated', { type: 'User', id: user.id }, { email: user.email });
      return updated;
    });
  }

  /** Replaces a user's roles, under the same rules as granting them at creation. */
  async function setUserRoles(principal: Principal, email: string, input: readonly string[]): Promise<UserRow> {
    const roles = validateRoles(input);
    return db.transaction().execute(async (trx) => {
      const user = await findUserByEmail(trx, email);
      if (!user || !canSeeMembersOf(principal, user.organization_id)) throw new NotFoundError('User', email);
      if (!canManageOrganizationMembers(principal, user.organization_id)) throw new ForbiddenError("Only an ORG_ADMIN of that organization or a HUB_ADMIN may change its users' roles.");
      const org = (await findOrganizationsByIds(trx, [user.organization_id]))[0]!;
      if (roles.includes('COORDINATOR') && !coordinatorSlugs.has(org.slug)) {
        throw new InputError('roles', `COORDINATOR is only for coordinator organizations (${[...coordinatorSlugs].join(', ')})`);
      }
      const before = user.roles;
      const changedHubRoles = [...HUB_GRANTED_ROLES].filter((r) => before.includes(r) !== roles.includes(r));
      if (changedHubRoles.length > 0 && !canChangeHubWideRoles(principal)) {
        throw new ForbiddenError(`Only a HUB_ADMIN may grant or remove ${changedHubRoles.join(' and ')}.`);
      }
      if (before.length === roles.length && before.every((r) => roles.includes(r))) return user;
      const updated = await setUserRolesRow(trx, user.id, roles);
      await recordAudit(trx, principal, 'user.roles_changed', { type: 'User', id: user.id }, { email: user.email, before, after: roles });
      // Live streams run with the roles they were opened with: end them, the client reconnects with the new ones.
      await addOutboxEvent(trx, 'access.user_roles_changed', { type: 'Access', id: user.id }, { userId: user.id });
      return updated;
    });
  }

  async function issueApiToken(principal: Principal, input: IssueTokenInput): Promise<{ token: string; row: ApiTokenRow }> {
    let expiresAt: Date | null = null;
    if (input.expiresIn) {
      const ms = parseLifetime(input.expiresIn);
      if (ms === null) throw new InputError('expiresIn', `"${input.expiresIn}" is not a lifetime such as 90d, 12h, 2w or 30m`);
      if (ms > MAX_TOKEN_LIFETIME_DAYS * 86_400_000) throw new InputError('expiresIn', `must be at most ${MAX_TOKEN_LIFETIME_DAYS}d (two years); rotate tokens instead`);
      expiresAt = new Date(Date.now() + ms);
    }
    const label = singleLineText(input.name ?? '');
    if (label.length > 100) throw new InputError('name', 'must be at most 100 characters');
    return db.transaction().execute(async (trx) => {
      const user = await findUserByEmail(trx, input.email);
      if (!user || !canSeeMembersOf(principal, user.organization_id)) throw new NotFoundError('User', input.email);
      if (!canIssueTokenFor(principal, user.id)) {
        throw new ForbiddenError('You may issue tokens only for yourself: a token acts as its user. An admin may revoke them; ask the user to issue their own.');
      }
      if (!user.active) throw new InputError('email', `${user.email} is deactivated`);
      const { token, prefix, hash } = generateToken();
      // The operator's CLI is the one way to mint a token for someone else: the user sees it on their list.
      const issuedBy = principal.kind === 'system' ? OPERATOR_ISSUER : null;
      const row = await insertApiToken(trx, { user_id: user.id, name: label, prefix, token_hash: hash, expires_at: expiresAt, issued_by: issuedBy });
      await recordAudit(trx, principal, 'api_token.issued', { type: 'ApiToken', id: row.id }, { user: user.email, prefix, name: label, expiresAt, issuedBy });
      return { token, row };
    });
  }

  async function revokeApiToken(principal: Principal, prefix: string): Promise<ApiTokenRow> {
    return db.transaction().execute(async (trx) => {
      const token = await findApiTokenByPrefix(trx, prefix.trim());
      const owner = token ? await findUserById(trx, token.user_id) : undefined;
      if (!token || !owner || !canSeeMembersOf(principal, owner.organization_id)) throw new NotFoundError('API token', prefix);
      if (!canManageTokensOf(principal, owner)) throw new ForbiddenError('You may revoke only your own tokens or those of users you manage.');
      if (token.revoked_at !== null) return token;
      const row = await revokeApiTokenRow(trx, token.id);
      await recordAudit(trx, principal, 'api_token.revoked', { type: 'ApiToken', id: token.id }, { user: owner.email, prefix: token.prefix });
      await addOutboxEvent(trx, 'access.token_revoked', { type: 'Access', id: token.id }, { userId: owner.id, tokenPrefix: token.prefix });
      return row;
    });
  }

  async function listApiTokens(principal: Principal, email: string): Promise<ApiTokenRow[]> {
    const user = await findUserByEmail(db, email);
    if (!user || !canSeeMembersOf(principal, user.organization_id)) throw new NotFoundError('User', email);
    if (!canManageTokensOf(principal, user)) throw new ForbiddenError('You may list only your own tokens or those of users you manage.');
    return listApiTokensOf(db, user.id);
  }

  async function listOrganizationUsers(principal: Principal, organizationSlug?: string | null): Promise<UserRow[]> {
    if (organizationSlug) {
      const org = await findOrganizationBySlug(db, organizationSlug);
      if (!org) throw new NotFoundError('Organization', organizationSlug);
      if (!canSeeMembersOf(principal, org.id)) throw new ForbiddenError('You may list only the users of your own organization.');
      return listUsers(db, { organizationId: org.id });
    }
    // The operator is a HUB_ADMIN here (canListEveryUser); the kind test only narrows the type.
    if (principal.kind === 'system' || canListEveryUser(principal)) return listUsers(db, {});
    return listUsers(db, { organizationId: principal.organization.id });
  }

  async function userOrganizations(users: readonly UserRow[]) {
    return findOrganizationsByIds(db, [...new Set(users.map((u) => u.organization_id))]);
  }

  /** Names of the people who acted on something the principal may see (a timeline's actors, in the console). */
  async function actorNames(_principal: Principal, ids: readonly string[]): Promise<Map<string, { name: string; organization: string }>> {
    const users = await findUsersByIds(db, [...new Set(ids)]);
    const orgs = new Map((await findOrganizationsByIds(db, [...new Set(users.map((u) => u.organization_id))])).map((o) => [o.id, o.name]));
    return new Map(users.map((u) => [u.id, { name: u.name, organization: orgs.get(u.organization_id) ?? '' }]));
  }

  return { actorNames, authenticate, actAs, createUser, deactivateUser, reactivateUser, setUserRoles, issueApiToken, revokeApiToken, listApiTokens, listOrganizationUsers, userOrganizations };
}
