import type { RequestMeta, UserPrincipal } from '../access/principal.js';
import type { Logger } from '../infra/logger.js';

/**
 * Long-lived connections (SSE streams, WebSockets) hold a token for minutes or days; the rights it
 * carried when the stream opened are not the rights of now. Every few seconds each token still in use is
 * authenticated again (once per token and process, however many streams share it): the principal is
 * replaced with the fresh one (roles, organization), and when the token was revoked or expired, or its
 * user or organization deactivated, every stream opened with it ends.
 */

export type Authenticate = (token: string, meta: RequestMeta) => Promise<UserPrincipal | null>;

export interface LiveSession {
  /** The principal as of the last authentication; null once the token stopped working. */
  readonly principal: UserPrincipal | null;
  /** Calls `cb` once if the token stops working; returns the function that cancels it. */
  onEnd(cb: () => void): () => void;
  release(): void;
}

interface TokenEntry {
  token: string;
  meta: RequestMeta;
  principal: UserPrincipal | null;
  refs: number;
  onEnd: Set<() => void>;
}

/** How often a token in use is authenticated again: a revoked token's streams end within about this long. */
export const REAUTHENTICATE_EVERY_MS = 2_000;
const CONCURRENT_CHECKS = 8;

export function createSessionKeeper(deps: { authenticate: Authenticate; logger: Logger; everyMs?: number }) {
  const entries = new Map<string, TokenEntry>();
  let timer: NodeJS.Timeout | null = null;
  let sweeping = false;

  function end(entry: TokenEntry): void {
    entry.principal = null;
    entries.delete(entry.token);
    const callbacks = [...entry.onEnd];
    entry.onEnd.clear();
    for (const cb of callbacks) {
      try {
        cb();
      } catch (err) {
        deps.logger.error({ err }, 'ending a live session failed');
      }
    }
  }

  async function check(entry: TokenEntry): Promise<void> {
    let principal: UserPrincipal | null;
    try {
      principal = await deps.authenticate(entry.token, entry.meta);
    } catch (err) {
      // The database did not answer: keep the streams, try again next round.
      deps.logger.warn({ err }, 'could not re-authenticate a live session; will retry');
      return;
    }
    if (!entries.has(entry.token)) return;
    if (principal) entry.principal = principal;
    else end(entry);
  }

  async function sweep(): Promise<void> {
    if (sweeping) return;
    sweeping = true;
    try {
      const all = [...entries.values()];
      for (let i = 0; i < all.length; i += CONCURRENT_CHECKS) await Promise.all(all.slice(i, i + CONCURRENT_CHECKS).map(check));
    } finally {
      sweeping = false;
    }
  }

  function ensureTimer(): void {
    if (timer || entries.size === 0) return;
    timer = setInterval(() => void sweep(), deps.everyMs ?? REAUTHENTICATE_EVERY_MS);
    timer.unref();
  }

  function stopTimerIfIdle(): void {
    if (timer && entries.size === 0) {
      clearInterval(timer);
      timer = null;
    }
  }

  return {
    /** A session for a token that was just authenticated as `principal`. */
    open(token: string, principal: UserPrincipal, meta: RequestMeta): LiveSession {
      let entry = entries.get(token);
      if (!entry) {
        entry = { token, meta: { requestId: meta.requestId, clientAddress: meta.clientAddress }, principal, refs: 0, onEnd: new Set() };
        entries.set(token, entry);
      }
      const e = entry;
      e.refs++;
      ensureTimer();
      const mine = new Set<() => void>();
      let released = false;
      return {
        get principal() {
          return released ? null : e.principal;
        },
        onEnd(cb: () => void) {
          if (e.principal === null) {
            queueMicrotask(cb);
            return () => {};
          }
          e.onEnd.add(cb);
          mine.add(cb);
          return () => {
            e.onEnd.delete(cb);
            mine.delete(cb);
          };
        },
        release() {
          if (released) return;
          released = true;
          for (const cb of mine) e.onEnd.delete(cb);
          e.refs--;
          if (e.refs === 0 && entries.get(e.token) === e) entries.delete(e.token);
          stopTimerIfIdle();
        },
      };
    },
    /** Ends at once the sessions whose principal `revoked` picks (a token revoked, a user deactivated). */
    endWhere(revoked: (p: UserPrincipal) => boolean): void {
      for (const entry of [...entries.values()]) if (entry.principal && revoked(entry.principal)) end(entry);
    },
    /** Ends at once the sessions of one token (a console session signed out or revoked). */
    endToken(token: string): void {
      const entry = entries.get(token);
      if (entry) end(entry);
    },
    /** Re-authenticates every token in use now (tests; the timer does it every few seconds). */
    sweep,
    get size() {
      return entries.size;
    },
    close(): void {
      if (timer) clearInterval(timer);
      timer = null;
      entries.clear();
    },
  };
}

export type SessionKeeper = ReturnType<typeof createSessionKeeper>;
