import type { RequestMeta, UserPrincipal } from '../access/principal.js';

/**
 * The bearer token, read in one place for every transport: the Authorization header over HTTP (JSON and
 * SSE), the `authorization` connection parameter over WebSocket. The token travels on in the GraphQL
 * context (`token`), where live streams keep it to authenticate again while they run.
 */

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` value; null for anything else. */
export function bearerToken(authorization: unknown): string | null {
  return typeof authorization === 'string' ? (BEARER.exec(authorization)?.[1] ?? null) : null;
}

/** Whether the value names the Bearer scheme at all (CSRF: a browser never attaches one by itself). */
export function isBearer(authorization: string | null | undefined): boolean {
  return /^Bearer\s/i.test(authorization ?? '');
}

export interface Authentication {
  principal: UserPrincipal | null;
  /** The token the principal came from (null: none sent, or not a bearer token). */
  token: string | null;
  /** A credential was sent but is unknown, expired, revoked or its user deactivated. */
  rejectedToken: boolean;
}

/**
 * Authenticates what a request or connection sent. `authorization` undefined: nothing was sent (an
 * anonymous introspection may run); anything sent that is not a working bearer token is rejected.
 */
export async function authenticateBearer(
  authenticate: (token: string, meta: RequestMeta) => Promise<UserPrincipal | null>,
  authorization: unknown,
  meta: RequestMeta,
): Promise<Authentication> {
  if (authorization === undefined) return { principal: null, token: null, rejectedToken: false };
  const token = bearerToken(authorization);
  const principal = token ? await authenticate(token, meta) : null;
  return { principal, token: principal ? token : null, rejectedToken: principal === null };
}
