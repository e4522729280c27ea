import { createHash, randomBytes } from 'node:crypto';

/**
 * API tokens: `estf_` + 32 random bytes (256 bits) in base64url. Only the SHA-256 of the token is stored,
 * with its first characters as a prefix by which people can name it (`estf token revoke estf_AbCd1234`).
 */

export const TOKEN_PREFIX_LENGTH = 13; // 'estf_' + 8 characters

export function generateToken(): { token: string; prefix: string; hash: Buffer } {
  const token = `estf_${randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, TOKEN_PREFIX_LENGTH), hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function looksLikeToken(value: string): boolean {
  return /^estf_[A-Za-z0-9_-]{43}$/.test(value);
}

/** Parses a lifetime such as 90d, 12h, 30m or 2w into milliseconds; null for an invalid one. */
/** The longest lifetime a token may be given: 99999w (the year 3943) was accepted as a lifetime. */
export const MAX_TOKEN_LIFETIME_DAYS = 730;

export function parseLifetime(value: string): number | null {
  const m = /^(\d{1,5})(m|h|d|w)$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (n <= 0) return null;
  return n * ({ m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const)[m[2] as 'm' | 'h' | 'd' | 'w'];
}
