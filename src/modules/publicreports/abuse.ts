import { createHash } from 'node:crypto';
import { createChallenge, verifySolution, extractParams } from 'altcha-lib';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../config.js';

/**
 * Abuse protection of the public form, with no third party: ALTCHA proof of work (the challenge signed with
 * the hub's key; a solved challenge is spent in Redis until it expires, so a proof serves once), a limit per
 * client (keyed by the daily-salted hash of its address, never the address), and a surge limit for everyone
 * at once, past which the form answers "try again in a few minutes" instead of queueing work it cannot do.
 */

export const CHALLENGE_LIFETIME_MS = 20 * 60_000;

export type ProofOutcome = 'ok' | 'invalid' | 'replayed';
export type LimitOutcome = { ok: true } | { ok: false; retryAfterMs: number };

export interface AbuseGuard {
  /** A fresh challenge for the widget (JSON body of GET /report/altcha). */
  challenge(): Promise<Record<string, unknown>>;
  /** Verifies a proof and spends it: a second use of the same proof is 'replayed'. */
  spendProof(payload: string): Promise<ProofOutcome>;
  /** Counts one report of a client (its hash, hex); past the limit, how long to wait. */
  limitClient(clientHashHex: string): Promise<LimitOutcome>;
  /** Counts one report for everyone; past the surge limit, how long to wait. */
  limitSurge(): Promise<LimitOutcome>;
}

export function createAbuseGuard(deps: { redis: Redis; config: Config; prefix: string; hmacKey: () => Promise<string> }): AbuseGuard {
  const { redis, config } = deps;
  const p = config.publicReports;
  const perClient = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${deps.prefix}:report-client`, points: p.clientLimit, duration: Math.ceil(p.clientWindowMs / 1000) });
  const surge = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${deps.prefix}:report-surge`, points: p.surgeLimit, duration: Math.ceil(p.surgeWindowMs / 1000) });
  const consume = async (limiter: RateLimiterRedis, key: string): Promise<LimitOutcome> => {
    try {
      await limiter.consume(key, 1);
      return { ok: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1_000, err.msBeforeNext) };
      throw err;
    }
  };
  return {
    async challenge() {
      const c = await createChallenge({ hmacKey: await deps.hmacKey(), maxnumber: p.powMaxNumber, expires: new Date(Date.now() + CHALLENGE_LIFETIME_MS) });
      return { ...c };
    },
    async spendProof(payload) {
      if (payload.length === 0 || payload.length > 4_000) return 'invalid';
      let parsed: { signature?: unknown; salt?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { signature?: unknown; salt?: unknown };
      } catch {
        return 'invalid';
      }
      if (typeof parsed?.signature !== 'string' || typeof parsed.salt !== 'string') return 'invalid';
      if (!(await verifySolution(payload, await deps.hmacKey(), true))) return 'invalid';
      // Spent until the challenge expires (after which verifySolution refuses it anyway).
      const expires = Number(extractParams(payload as string).expires ?? 0) * 1000;
      const ttl = Math.max(1_000, Math.min(CHALLENGE_LIFETIME_MS, expires - Date.now()) + 60_000);
      const key = `${deps.prefix}:altcha-spent:${createHash('sha256').update(parsed.signature).digest('hex')}`;
      const set = await redis.set(key, '1', 'PX', ttl, 'NX');
      return set === 'OK' ? 'ok' : 'replayed';
    },
    limitClient: (hex) => consume(perClient, hex),
    limitSurge: () => consume(surge, 'all'),
  };
}
