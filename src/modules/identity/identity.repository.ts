import { sql, type Selectable } from 'kysely';
import { hot, hotText } from '../../infra/hot-sql.js';
import type { ApiTokensTable, UsersTable } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import { PREPARED_MARK } from '../../infra/db.js';
import type { PartnerKind, Role } from '../../domain/people.js';

export type UserRow = Selectable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;

export function findUserByEmail(db: Handle, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

export function findUsersByEmails(db: Handle, emails: readonly string[]): Promise<UserRow[]> {
  if (emails.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('users')
    .selectAll()
    .where('email', 'in', emails.map((e) => e.trim().toLowerCase()))
    .execute();
}

export function findUserById(db: Handle, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUsersByIds(db: Handle, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('users').selectAll().where('id', 'in', [...ids]).execute();
}

export function listUsers(db: Handle, filter: { organizationId?: string | null }): Promise<UserRow[]> {
  let q = db.selectFrom('users').selectAll().orderBy('email');
  if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
  return q.execute();
}

export function insertUser(db: Handle, u: { organization_id: string; email: string; name: string; roles: Role[] }): Promise<UserRow> {
  return db.insertInto('users').values(u).returningAll().executeTakeFirstOrThrow();
}

export async function insertUserIfAbsent(
  db: Handle,
  u: { organization_id: string; email: string; name: string; roles: Role[] },
): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(u)
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function reactivateUserRow(db: Handle, id: string): Promise<UserRow> {
  return db.updateTable('users').set({ active: true, deactivated_at: null }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function setUserRolesRow(db: Handle, id: string, roles: readonly Role[]): Promise<UserRow> {
  return db.updateTable('users').set({ roles: [...roles] }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function deactivateUserRow(db: Handle, id: string): Promise<UserRow> {
  return db
    .updateTable('users')
    .set({ active: false, deactivated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function insertApiToken(
  db: Handle,
  t: { user_id: string; name: string; prefix: string; token_hash: Buffer; expires_at: Date | null; issued_by: string | null },
): Promise<ApiTokenRow> {
  return db.insertInto('api_tokens').values(t).returningAll().executeTakeFirstOrThrow();
}

export function listApiTokensOf(db: Handle, userId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}

export function findApiTokenByPrefix(db: Handle, prefix: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

export function revokeApiTokenRow(db: Handle, id: string): Promise<ApiTokenRow> {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface TokenOwner {
  token_id: string;
  prefix: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  user_id: string;
  email: string;
  user_name: string;
  roles: string[];
  user_active: boolean;
  organization_id: string;
  organization_slug: string;
  organization_name: string;
  organization_kind: PartnerKind;
  organization_active: boolean;
}

/** The token with its user and organization, by hash: one indexed lookup per authenticated request. */
export async function findTokenOwner(db: Handle, hash: Buffer): Promise<TokenOwner | undefined> {
  // SQL text made once (hot), not built: every API request runs it, and building and compiling it cost more
  // CPU than its round trip. Prepared (PREPARED_MARK): planning the three-table join was half of its
  // PostgreSQL time.
  const { rows } = await hot<TokenOwner>`${hotText(PREPARED_MARK)}
    select t.id as token_id, t.prefix, t.expires_at, t.revoked_at, t.last_used_at,
           u.id as user_id, u.email, u.name as user_name, u.roles, u.active as user_active,
           o.id as organization_id, o.slug as organization_slug, o.name as organization_name, o.kind as organization_kind, o.active as organization_active
    from api_tokens as t
    inner join users as u on u.id = t.user_id
    inner join organizations as o on o.id = u.organization_id
    where t.token_hash = ${hash}`.execute(db);
  return rows[0];
}

export type UserWithOrganization = Omit<TokenOwner, 'token_id' | 'prefix' | 'expires_at' | 'revoked_at' | 'last_used_at'>;

/** A user with their organization, by e-mail (lower case): what a principal is made of, as findTokenOwner. */
export async function findUserWithOrganization(db: Handle, email: string): Promise<UserWithOrganization | undefined> {
  const { rows } = await sql<UserWithOrganization>`
    select u.id as user_id, u.email, u.name as user_name, u.roles, u.active as user_active,
           o.id as organization_id, o.slug as organization_slug, o.name as organization_name, o.kind as organization_kind, o.active as organization_active
    from users as u
    inner join organizations as o on o.id = u.organization_id
    where u.email = ${email}`.execute(db);
  return rows[0];
}

/** Records use at most once a minute per token: authentication must not write on every request. */
export async function touchApiToken(db: Handle, tokenId: string, now: Date): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(now.getTime() - 60_000))]))
    .execute();
}

/** Just whether these users are active, and their e-mail (what a routing preflight reports). */
export function findUsersActivity(db: Handle, ids: readonly string[]): Promise<Array<Pick<UserRow, 'id' | 'email' | 'active'>>> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('users').select(['id', 'email', 'active']).where('id', 'in', [...ids]).execute();
}
