import type { Handle } from '../../infra/handle.js';

/** SQL of the console's sign-in links and sessions. Private to the module. */

export async function insertLoginLink(h: Handle, row: { token_hash: Buffer; user_id: string; expires_at: Date; requested_by: string }): Promise<{ id: string }> {
  return h.insertInto('login_links').values(row).returning('id').executeTakeFirstOrThrow();
}

/** A link that is neither used nor expired (looked at, not consumed: GET only shows the confirm button). */
export async function findUsableLoginLink(h: Handle, tokenHash: Buffer, now: Date) {
  return h
    .selectFrom('login_links')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Consumes a link in one statement: of two concurrent presses, one gets the row and the other nothing. */
export async function consumeLoginLink(h: Handle, tokenHash: Buffer, now: Date) {
  return h
    .updateTable('login_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'user_id', 'requested_by'])
    .executeTakeFirst();
}

export async function insertSession(
  h: Handle,
  row: { token_hash: Buffer; user_id: string; idle_expires_at: Date; expires_at: Date; client_address_hash: Buffer | null; user_agent: string },
): Promise<{ id: string }> {
  return h.insertInto('sessions').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function findSessionByHash(h: Handle, tokenHash: Buffer) {
  return h.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function touchSession(h: Handle, id: string, now: Date, idleExpiresAt: Date): Promise<void> {
  await h.updateTable('sessions').set({ last_seen_at: now, idle_expires_at: idleExpiresAt }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function revokeSessionRow(h: Handle, id: string, now: Date): Promise<boolean> {
  const r = await h.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records a sign-in request and answers how many came, before it, from this address and this client since `since`. */
export async function recordSignInRequest(h: Handle, row: { email_hash: Buffer; client_address_hash: Buffer | null }, since: Date): Promise<{ byEmail: number; byClient: number }> {
  const count = (column: 'email_hash' | 'client_address_hash', value: Buffer) =>
    h.selectFrom('sign_in_requests').select((eb) => eb.fn.countAll<string>().as('n')).where(column, '=', value).where('at', '>', since).executeTakeFirstOrThrow();
  const byEmail = Number((await count('email_hash', row.email_hash)).n);
  const byClient = row.client_address_hash ? Number((await count('client_address_hash', row.client_address_hash)).n) : 0;
  await h.insertInto('sign_in_requests').values(row).execute();
  return { byEmail, byClient };
}

/** A user's sessions that could still be used (not revoked, within both lifetimes), newest first. */
export async function listLiveSessionsOf(h: Handle, userId: string, now: Date) {
  return h
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'idle_expires_at', 'expires_at', 'user_agent'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('idle_expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(200)
    .execute();
}

export async function findSessionById(h: Handle, id: string) {
  return h.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Revokes every open session of a user; answers how many. */
export async function revokeSessionsOfUser(h: Handle, userId: string, now: Date, openedBefore: Date | null = null): Promise<number> {
  let q = h.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now);
  if (openedBefore) q = q.where('created_at', '<=', openedBefore);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Deletes what can no longer sign anyone in or count towards a limit: links used or expired, sessions past
 * their absolute lifetime (revoked or not: nothing revives them), sign-in requests older than `requestsBefore`.
 */
export async function purgeSignInRows(h: Handle, now: Date, requestsBefore: Date): Promise<{ loginLinks: number; sessions: number; signInRequests: number }> {
  const links = await h.deleteFrom('login_links').where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)])).executeTakeFirst();
  const sessions = await h.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  const requests = await h.deleteFrom('sign_in_requests').where('at', '<', requestsBefore).executeTakeFirst();
  return { loginLinks: Number(links.numDeletedRows), sessions: Number(sessions.numDeletedRows), signInRequests: Number(requests.numDeletedRows) };
}
