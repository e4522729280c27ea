import { InputError } from '../errors.js';

/**
 * Relay-style pagination shared by every list of the API: page sizes, opaque cursors and the connection
 * fields built from a page. Lives with the GraphQL layer (issue 13) so that no module takes it from
 * another module's service.
 */

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 500;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_DEFAULT;
  if (!Number.isInteger(first) || first < 0 || first > PAGE_MAX) throw new InputError('first', `must be between 0 and ${PAGE_MAX}`);
  return first;
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (check(v)) return v;
  } catch {
    // fall through
  }
  throw new InputError('after', 'is not a cursor this list returned');
}

/** A row id or sequence number in a cursor: what a bigint column holds and JSON carries exactly. */
export const isCursorId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The edges of a connection whose page carries one cursor per node. */
export function pageEdges<T>(c: Page<T>): Array<{ node: T; cursor: string }> {
  return c.nodes.map((node, i) => ({ node, cursor: c.cursors[i]! }));
}

/** The pageInfo of such a connection. */
export function pageInfoOf(c: Page<unknown>): { hasNextPage: boolean; endCursor: string | null } {
  return { hasNextPage: c.hasNextPage, endCursor: c.cursors[c.cursors.length - 1] ?? null };
}
