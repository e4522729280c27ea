import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { parseInstant } from '../dates.js';
import { errorExtensions } from '../errors.js';

function parseDate(value: unknown): Date {
  if (typeof value !== 'string') throw new GraphQLError('DateTime must be an RFC 3339 string', { extensions: errorExtensions('BAD_USER_INPUT') });
  // A zone is required: "2026-11-03T21:00" is ambiguous on election night. Calendar and bounds: src/dates.ts.
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new GraphQLError(`DateTime ${JSON.stringify(value)} ${parsed.reason}`, { extensions: errorExtensions('BAD_USER_INPUT') });
  return parsed.value;
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An RFC 3339 date-time with seconds and a zone (e.g. 2026-11-03T21:00:00-08:00), in the years 2000 to 2099; returned in UTC.',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    return d.toISOString();
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { extensions: errorExtensions('BAD_USER_INPUT') });
    return parseDate(ast.value);
  },
});
