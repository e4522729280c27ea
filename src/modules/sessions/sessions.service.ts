import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';
import { systemPrincipal, userPrincipal, type Principal, type UserPrincipal } from '../../access/principal.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { recordAudit } from '../audit/index.js';
import { findUserByEmail, findUserById } from '../identity/index.js';
import { findOrganizationsByIds } from '../partners/index.js';
import type { Senders } from '../notifications/index.js';
import type { Logger } from '../../infra/logger.js';
import { addOutboxEvent } from '../outbox/index.js';
import {
  consumeLoginLink,
  findSessionByHash,
  findSessionById,
  findUsableLoginLink,
  insertLoginLink,
  insertSession,
  listLiveSessionsOf,
  purgeSignInRows,
  recordSignInRequest,
  revokeSessionRow,
  revokeSessionsOfUser,
  touchSession,
} from './sessions.repository.js';
import { isUuid } from '../../domain/ids.js';

/**
 * The console's sign-in: one-time links and browser sessions. A session does not care how it began (a link
 * today; OpenID Connect or a passkey later would create the same row). Tokens and cookie values are 256
 * random bits; only their SHA-256 is stored.
 */

export const LOGIN_LINK_LIFETIME_MS = 15 * 60_000;
export const OPERATOR_LINK_REQUESTER = 'operator (estf login-link)';
export const EMAIL_LINK_REQUESTER = 'e-mail request';
/** E-mail sign-in requests allowed per address and per client within one link lifetime. */
export const SIGN_IN_REQUEST_LIMITS = { perAddress: 3, perClient: 10 } as const;
/** Where a sign-in link lands; the token follows. */
export const SIGN_IN_PATH = '/console/sign-in';

export interface SessionMeta {
  requestId: string | null;
  clientAddress: string | null;
  userAgent: string | null;
}

export interface ConsoleSession {
  id: string;
  principal: UserPrincipal;
  /** The per-session CSRF token every state-changing form carries. */
  csrfToken: string;
}

/**
 * A console session's live streams are kept by the same keeper as the API's long-lived tokens
 * (src/live/sessions.ts), under this name plus the session's id (never the cookie value): re-authenticated
 * every few seconds, ended at once by an `access.session_revoked` event.
 */
export const CONSOLE_LIVE_TOKEN_PREFIX = 'console-session:';
export const consoleLiveToken = (sessionId: string) => `${CONSOLE_LIVE_TOKEN_PREFIX}${sessionId}`;

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const looksLikeSecret = (s: string) => /^[A-Za-z0-9_-]{43}$/.test(s);

export type SessionsService = ReturnType<typeof createSessionsService>;

export function createSessionsService(deps: { db: Db; config: Config; senders?: Senders | null; logger?: Logger | null }) {
  const { db, config } = deps;
  const coordinatorSlugs = new Set(config.coordinatorOrgSlugs);
  const { idleMs, absoluteMs } = config.console;

  /** The CSRF token of a session: derived from its cookie value, so nothing more is stored and only its holder knows it. */
  function csrfTokenOf(cookieValue: string): string {
    return createHmac('sha256', cookieValue).update('estf-console-csrf').digest('base64url');
  }

  /** The operator's one-time link for a user (audited). Printed, never mailed: the operator hands it over. */
  async function issueLoginLink(principal: Principal, email: string): Promise<{ url: string; expiresAt: Date }> {
    return db.transaction().execute(async (trx) => {
      const user = await findUserByEmail(trx, email.trim().toLowerCase());
      if (!user) throw new NotFoundError('User', email);
      if (!user.active) throw new InputError('email', `${user.email} is deactivated`);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + LOGIN_LINK_LIFETIME_MS);
      const row = await insertLoginLink(trx, { token_hash: sha256(token), user_id: user.id, expires_at: expiresAt, requested_by: OPERATOR_LINK_REQUESTER });
      await recordAudit(trx, principal, 'console.login_link_issued', { type: 'LoginLink', id: row.id }, { user: user.email, expiresAt, requestedBy: OPERATOR_LINK_REQUESTER });
      return { url: `${config.http.publicUrl}${SIGN_IN_PATH}/${token}`, expiresAt };
    });
  }

  /**
   * The sign-in form's request: a link by e-mail when the address belongs to an active user. The answer is
   * the same whether or not it does ('sent'), and the mail leaves after the answer, so that neither the
   * words nor the time tell; 'limited' when this address or this client asked too often (counted for
   * unknown addresses too, so a limit reveals nothing either).
   */
  async function requestLoginLink(email: string, meta: SessionMeta): Promise<'sent' | 'limited'> {
    const address = email.trim().toLowerCase().slice(0, 254);
    const since = new Date(Date.now() - LOGIN_LINK_LIFETIME_MS);
    const outcome = await db.transaction().execute(async (trx) => {
      const counts = await recordSignInRequest(
        trx,
        { email_hash: sha256(`estf-sign-in-email:${address}`), client_address_hash: meta.clientAddress ? sha256(`estf-session-client:${meta.clientAddress}`) : null },
        since,
      );
      if (counts.byEmail >= SIGN_IN_REQUEST_LIMITS.perAddress || counts.byClient >= SIGN_IN_REQUEST_LIMITS.perClient) return 'limited' as const;
      const user = await findUserByEmail(trx, address);
      if (!user || !user.active) return null;
      const token = randomBytes(32).toString('base64url');
      const row = await insertLoginLink(trx, { token_hash: sha256(token), user_id: user.id, expires_at: new Date(Date.now() + LOGIN_LINK_LIFETIME_MS), requested_by: EMAIL_LINK_REQUESTER });
      const who = { ...systemPrincipal('console'), requestId: meta.requestId, clientAddress: meta.clientAddress };
      await recordAudit(trx, who, 'console.login_link_requested', { type: 'LoginLink', id: row.id }, { user: user.email });
      return { to: user.email, url: `${config.http.publicUrl}${SIGN_IN_PATH}/${token}`, id: row.id };
    });
    if (outcome === 'limited') {
      await auditFailure('console.sign_in_request_limited', meta, {});
      return 'limited';
    }
    if (outcome && deps.senders) {
      const text = `Someone (we hope you) asked to sign in to ESTF Hub.\n\nOpen this link and press "Sign in" within 15 minutes:\n${outcome.url}\n\nIt works once. If you did not ask for it, ignore this message.\n`;
      void deps.senders.email(outcome.to, 'Your ESTF Hub sign-in link', text, `sign-in-${outcome.id}`).then(
        (r) => { if (r.outcome !== 'DELIVERED') deps.logger?.warn({ outcome: r.outcome, error: r.error }, 'sign-in link not delivered'); },
        (err: unknown) => deps.logger?.warn({ err }, 'sign-in link not delivered'),
      );
    }
    return 'sent';
  }

  /** Whether a link would sign in now (GET shows a button only; mail scanners follow links). */
  async function loginLinkUsable(token: string): Promise<boolean> {
    if (!looksLikeSecret(token)) return false;
    return (await findUsableLoginLink(db, sha256(token), new Date())) !== undefined;
  }

  async function principalOf(userId: string, meta: SessionMeta): Promise<UserPrincipal | null> {
    const user = await findUserById(db, userId);
    if (!user || !user.active) return null;
    const org = (await findOrganizationsByIds(db, [user.organization_id]))[0];
    if (!org || !org.active) return null;
    return userPrincipal(
      {
        userId: user.id,
        email: user.email,
        name: user.name,
        roles: user.roles,
        organizationId: org.id,
        organizationSlug: org.slug,
        organizationName: org.name,
        organizationKind: org.kind,
      },
      coordinatorSlugs,
      { requestId: meta.requestId, clientAddress: meta.clientAddress, tokenPrefix: null },
    );
  }

  /**
   * Consumes a link and opens a session: the cookie value (to set, never stored) and the session, or null for
   * an unknown, used or expired link or an inactive user (one answer for all: audited as a failure).
   */
  async function signIn(token: string, meta: SessionMeta): Promise<{ cookieValue: string; session: ConsoleSession } | null> {
    const now = new Date();
    const opened = await db.transaction().execute(async (trx) => {
      const link = looksLikeSecret(token) ? await consumeLoginLink(trx, sha256(token), now) : undefined;
      if (!link) return null;
      const principal = await principalOf(link.user_id, meta);
      if (!principal) return null;
      const cookieValue = randomBytes(32).toString('base64url');
      const row = await insertSession(trx, {
        token_hash: sha256(cookieValue),
        user_id: principal.userId,
        idle_expires_at: new Date(now.getTime() + Math.min(idleMs, absoluteMs)),
        expires_at: new Date(now.getTime() + absoluteMs),
        client_address_hash: meta.clientAddress ? sha256(`estf-session-client:${meta.clientAddress}`) : null,
        user_agent: (meta.userAgent ?? '').slice(0, 500),
      });
      await recordAudit(trx, principal, 'console.signed_in', { type: 'Session', id: row.id }, { via: 'login link', loginLinkId: link.id });
      return { cookieValue, session: { id: row.id, principal, csrfToken: csrfTokenOf(cookieValue) } };
    });
    if (!opened) await auditFailure('console.sign_in_failed', meta, { reason: 'link unknown, used or expired, or user inactive' });
    return opened;
  }

  async function auditFailure(action: string, meta: SessionMeta, change: Record<string, unknown>): Promise<void> {
    const who = { ...systemPrincipal('console'), requestId: meta.requestId, clientAddress: meta.clientAddress };
    await db.transaction().execute((trx) => recordAudit(trx, who, action, { type: 'Session', id: null }, change));
  }

  /**
   * The session behind a cookie, checked on every request: not revoked, within both lifetimes, its user and
   * organization active now (a deactivation ends the session at the next request). Null otherwise.
   */
  async function authenticate(cookieValue: string, meta: SessionMeta): Promise<ConsoleSession | null> {
    if (!looksLikeSecret(cookieValue)) return null;
    const row = await findSessionByHash(db, sha256(cookieValue));
    const now = new Date();
    if (!row || row.revoked_at !== null || row.expires_at <= now || row.idle_expires_at <= now) return null;
    const principal = await principalOf(row.user_id, meta);
    if (!principal) return null;
    // Last seen is written at most once a minute: most requests then write nothing.
    if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
      await touchSession(db, row.id, now, new Date(Math.min(now.getTime() + idleMs, row.expires_at.getTime())));
    }
    return { id: row.id, principal, csrfToken: csrfTokenOf(cookieValue) };
  }

  /** Compares a submitted CSRF token with the session's in constant time. */
  function csrfMatches(session: ConsoleSession, submitted: string | null | undefined): boolean {
    if (!submitted) return false;
    const a = Buffer.from(session.csrfToken);
    const b = Buffer.from(submitted);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async function signOut(session: ConsoleSession): Promise<void> {
    await db.transaction().execute(async (trx) => {
      if (await revokeSessionRow(trx, session.id, new Date())) {
        await recordAudit(trx, session.principal, 'console.signed_out', { type: 'Session', id: session.id });
        // Every API process ends the session's live streams at once (src/modules/alerts access events).
        await addOutboxEvent(trx, 'access.session_revoked', { type: 'Access', id: session.id }, { userId: session.principal.userId, sessionId: session.id });
      }
    });
  }

  /**
   * The principal behind a console session's live token (consoleLiveToken), checked as every request is
   * (not revoked, within both lifetimes, user and organization active) but without counting as activity:
   * an open tab's stream does not keep an idle session alive. Null otherwise.
   */
  async function authenticateLive(token: string): Promise<UserPrincipal | null> {
    if (!token.startsWith(CONSOLE_LIVE_TOKEN_PREFIX)) return null;
    const id = token.slice(CONSOLE_LIVE_TOKEN_PREFIX.length);
    if (!isUuid(id)) return null;
    const row = await findSessionById(db, id);
    const now = new Date();
    if (!row || row.revoked_at !== null || row.expires_at <= now || row.idle_expires_at <= now) return null;
    return principalOf(row.user_id, { requestId: null, clientAddress: null, userAgent: null });
  }

  /** A refused state-changing request (bad Origin or CSRF token): audited, as sign-in failures are. */
  async function recordRefusal(meta: SessionMeta, reason: string, path: string): Promise<void> {
    await auditFailure('console.request_refused', meta, { reason, path: path.slice(0, 200) });
  }

  /** The signed-in user's own sessions that could still be used, newest first; `current` marks this one. */
  async function listMine(session: ConsoleSession): Promise<Array<{ id: string; createdAt: Date; lastSeenAt: Date; expiresAt: Date; userAgent: string; current: boolean }>> {
    const rows = await listLiveSessionsOf(db, session.principal.userId, new Date());
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, userAgent: r.user_agent, current: r.id === session.id }));
  }

  /**
   * Revokes one of the signed-in user's own sessions (this one too: that signs out here). Anyone else's, or
   * an unknown id, is NOT_FOUND, worded alike. Audited as console.session_revoked.
   */
  async function revokeMine(session: ConsoleSession, id: string): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError('Session', id);
    await db.transaction().execute(async (trx) => {
      const row = await findSessionById(trx, id);
      if (!row || row.user_id !== session.principal.userId) throw new NotFoundError('Session', id);
      if (await revokeSessionRow(trx, id, new Date())) {
        await recordAudit(trx, session.principal, 'console.session_revoked', { type: 'Session', id }, { current: id === session.id });
        // Its live streams end at once, in every API process (src/modules/alerts access events).
        await addOutboxEvent(trx, 'access.session_revoked', { type: 'Access', id }, { userId: session.principal.userId, sessionId: id });
      }
    });
  }

  /**
   * Ends every open session of a deactivated user (the outbox event of the deactivation): they already end
   * at the next request (authenticate checks the user), and revoking them keeps a reactivation from reviving them.
   */
  async function endSessionsOfDeactivatedUser(userId: string, deactivatedAt: Date | null = null): Promise<number> {
    if (!isUuid(userId)) return 0;
    return db.transaction().execute(async (trx) => {
      const user = await findUserById(trx, userId);
      if (!user) return 0;
      // Reactivated before this ran: the sessions open at the deactivation end all the same (a stolen cookie
      // must not come back with its owner); a later sign-in's session is not ended by this old event. An
      // event without the time (written before it carried one) ends nothing of a reactivated user.
      if (user.active && !deactivatedAt) return 0;
      const n = await revokeSessionsOfUser(trx, userId, new Date(), deactivatedAt);
      if (n > 0) await recordAudit(trx, systemPrincipal('console'), 'console.sessions_ended', { type: 'User', id: userId }, { sessions: n, reason: 'user deactivated' });
      return n;
    });
  }

  /**
   * Deletes sign-in rows nothing needs any more: used or expired links, sessions past their absolute lifetime,
   * sign-in requests older than the rate limits' window (they no longer count). Run by the workers every
   * ESTF_SIGN_IN_PURGE_INTERVAL.
   */
  async function purge(now: Date = new Date()): Promise<{ loginLinks: number; sessions: number; signInRequests: number }> {
    return purgeSignInRows(db, now, new Date(now.getTime() - LOGIN_LINK_LIFETIME_MS));
  }

  return {
    issueLoginLink,
    requestLoginLink,
    loginLinkUsable,
    signIn,
    authenticate,
    authenticateLive,
    csrfMatches,
    signOut,
    recordRefusal,
    listMine,
    revokeMine,
    endSessionsOfDeactivatedUser,
    purge,
  };
}
