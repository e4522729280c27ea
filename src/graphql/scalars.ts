import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

function parseDate(value: unknown): Date {
  if (typeof value !== 'string') throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
  // A zone is required: "2026-11-03T21:00" is ambiguous on election night.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new GraphQLError(`DateTime "${value}" is not ISO 8601 with a zone (e.g. 2026-11-03T21:00:00-08:00)`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new GraphQLError(`DateTime "${value}" is not a valid date`, { extensions: { code: 'BAD_USER_INPUT' } });
  return d;
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO 8601 date-time with a zone; returned in UTC.',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    return d.toISOString();
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDate(ast.value);
  },
});
