import { GraphQLError } from 'graphql';

/**
 * Expected failures, each with a stable `extensions.code` that clients branch on. Anything else thrown
 * is an internal error: Yoga masks it and the hub logs it with the request id.
 */

export class UnauthenticatedError extends GraphQLError {
  constructor(message = 'Authentication required: send Authorization: Bearer estf_…') {
    super(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

export class ForbiddenError extends GraphQLError {
  constructor(message = 'You are not allowed to do this.') {
    super(message, { extensions: { code: 'FORBIDDEN' } });
  }
}

/** Also what an object the principal may not see looks like: existence itself is sensitive. */
export class NotFoundError extends GraphQLError {
  constructor(what: string, id?: string) {
    super(id === undefined ? `${what} not found.` : `${what} ${JSON.stringify(id)} not found.`, { extensions: { code: 'NOT_FOUND' } });
  }
}

export class InputError extends GraphQLError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', field } });
  }
}

export class ConflictError extends GraphQLError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code: 'CONFLICT', ...extra } });
  }
}

/** Too much, too fast: a live subscriber that does not keep up with its events, for one. */
export class RateLimitedError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'RATE_LIMITED' } });
  }
}

/** Seconds a client is asked to wait (Retry-After) when the hub's database is out of reach. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The database is out of reach for a moment (an outage, a restart): HTTP 503 with Retry-After. */
export class ServiceUnavailableError extends GraphQLError {
  constructor(message = 'The hub cannot reach its database right now; retry shortly.') {
    super(message, {
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } } },
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
      { extensions: { code: 'QUERY_TIMEOUT', timeoutMs, http: { status: 503, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } } } },
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
