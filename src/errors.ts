import { GraphQLError } from 'graphql';

/**
 * Expected failures, each with a stable `extensions.code` that clients branch on. Anything else thrown
 * is an internal error: Yoga masks it and the hub logs it with the request id.
 */

/**
 * Every `extensions.code` a client of the hub can meet: the hub's own (the classes below, the cost limit,
 * the body limit) and those Yoga and graphql-js send for it (a query that does not parse or validate, a
 * malformed HTTP request, a masked internal error). Closed: a new code is added here first.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'QUERY_TOO_COSTLY',
  'QUERY_TOO_COMPLEX',
  'QUERY_TIMEOUT',
  'REQUEST_ENTITY_TOO_LARGE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The extensions of an expected error: its code, then what the code documents (`field`, `cost`, `http`, …). */
export interface ErrorExtensions extends Record<string, unknown> {
  code: ErrorCode;
}

/** Builds error extensions, for the classes below and the few places that write an error by hand. */
export function errorExtensions(code: ErrorCode, extra: Record<string, unknown> = {}): ErrorExtensions {
  return { code, ...extra };
}

export class UnauthenticatedError extends GraphQLError {
  constructor(message = 'Authentication required: send Authorization: Bearer estf_…') {
    super(message, { extensions: errorExtensions('UNAUTHENTICATED', { http: { status: 401 } }) });
  }
}

export class ForbiddenError extends GraphQLError {
  constructor(message = 'You are not allowed to do this.') {
    super(message, { extensions: errorExtensions('FORBIDDEN') });
  }
}

/** Also what an object the principal may not see looks like: existence itself is sensitive. */
export class NotFoundError extends GraphQLError {
  constructor(what: string, id?: string) {
    super(id === undefined ? `${what} not found.` : `${what} ${JSON.stringify(id)} not found.`, { extensions: errorExtensions('NOT_FOUND') });
  }
}

export class InputError extends GraphQLError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, { extensions: errorExtensions('BAD_USER_INPUT', { field }) });
  }
}

export class ConflictError extends GraphQLError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: errorExtensions('CONFLICT', extra) });
  }
}

/** Too much, too fast: a live subscriber that does not keep up with its events, for one. */
export class RateLimitedError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: errorExtensions('RATE_LIMITED') });
  }
}

/** Seconds a client is asked to wait (Retry-After) when the hub's database is out of reach. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The database is out of reach for a moment (an outage, a restart): HTTP 503 with Retry-After. */
export class ServiceUnavailableError extends GraphQLError {
  constructor(message = 'The hub cannot reach its database right now; retry shortly.') {
    super(message, {
      extensions: errorExtensions('SERVICE_UNAVAILABLE', { http: { status: 503, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } } }),
    });
  }
}

/**
 * A statement of the request ran past the API's statement timeout (DATABASE_API_STATEMENT_TIMEOUT) and was
 * cancelled: the request asked for more than the hub does in one go (or the database is overloaded). HTTP 503
 * with Retry-After; asking for smaller pages usually succeeds.
 */
export class QueryTimeoutError extends GraphQLError {
  constructor(timeoutMs: number) {
    super(
      `Query timeout: a statement of this request ran longer than the limit of ${timeoutMs.toLocaleString('en-US')} ms and was cancelled. ` +
        'Ask for smaller pages (first) or fewer values, or retry later.',
      { extensions: errorExtensions('QUERY_TIMEOUT', { timeoutMs, http: { status: 503, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } } }) },
    );
  }
}

/** PostgreSQL cancelled the statement: statement_timeout (SQLSTATE 57014, query_canceled). */
export function isStatementTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '57014';
}

export function isExpectedError(err: unknown): err is GraphQLError {
  return (
    err instanceof UnauthenticatedError ||
    err instanceof ForbiddenError ||
    err instanceof NotFoundError ||
    err instanceof InputError ||
    err instanceof ConflictError ||
    err instanceof RateLimitedError ||
    err instanceof ServiceUnavailableError ||
    err instanceof QueryTimeoutError
  );
}
