import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { createSchema, createYoga, handleStreamOrSingleExecutionResult, maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import type { UserPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import { errorExtensions, QueryTimeoutError, ServiceUnavailableError, UnauthenticatedError, isExpectedError, isStatementTimeout } from '../errors.js';
import { isDatabaseUnavailable, type Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { renderLocalGraphiQL } from '../http/graphiql.js';
import type { GraphQLContext } from './context.js';
import { limitCost, MAX_COST } from './cost.js';
import { checkInputValues } from './input-check.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import type { Services } from '../services.js';
import { isBearer } from '../http/auth.js';

export const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');

/** What the HTTP layer hands Yoga for each request. */
export interface ServerContext {
  principal: UserPrincipal | null;
  /** The bearer token the principal came from (src/http/auth.ts): live streams authenticate it again. */
  token: string | null;
  /** A token was sent but is unknown, expired, revoked or its user deactivated. */
  rejectedToken: boolean;
  requestId: string;
  clientAddress: string | null;
}

/**
 * Limits applied before anything executes: the request body (on every path: JSON, SSE), then at validation
 * (graphql-armor).
 */
export const GRAPHQL_LIMITS = { maxRequestBodyBytes: 25_000_000, maxDepth: 12, maxAliases: 15, maxCost: MAX_COST, maxTokens: 4_000, maxDirectives: 20 } as const;

/** The process's one Yoga: built by the composition's caller (src/hub.ts), shared by HTTP, SSE and WebSocket. */
export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

export function createGraphQLHandler(deps: { config: Config; db: Db; logger: Logger; services: Services }) {
  const { config, logger } = deps;
  const typeDefs = readFileSync(SCHEMA_PATH, 'utf8');
  const schema = subscribeWithArguments(createSchema<ServerContext & GraphQLContext>({ typeDefs, resolvers: resolvers as never }));
  // Internal errors already logged with their request's logger; maskError logs only those that were not.
  const logged = new WeakSet<object>();

  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphql.graphiql ? { title: 'ESTF Hub', headers: JSON.stringify({ Authorization: 'Bearer estf_…' }) } : false,
    // From the hub itself (src/http/graphiql.ts): Yoga's default page loads GraphiQL from a CDN.
    renderGraphiQL: (opts) => renderLocalGraphiQL(opts as Record<string, unknown>),
    landingPage: false,
    batching: false,
    maxRequestBodySize: GRAPHQL_LIMITS.maxRequestBodyBytes,
    logging: false,
    maskedErrors: {
      isDev: !config.graphql.maskErrors,
      maskError(error, message, isDev) {
        // Errors of an operation were logged with its request id by logInternalErrors; this catches the rest.
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        // An outage is not a bug: the client gets a code and a 503 that says when to come back.
        if (isDatabaseUnavailable(original)) return new ServiceUnavailableError();
        // The API's statement timeout is a limit, not a bug: a code, the limit, and when to come back.
        if (isStatementTimeout(original)) return new QueryTimeoutError(config.database.apiStatementTimeoutMs);
        if (
          !isExpectedError(original) &&
          !(error instanceof GraphQLError && error.originalError === undefined) &&
          !(typeof original === 'object' && original !== null && logged.has(original))
        ) {
          logger.error({ err: original }, 'internal error in a GraphQL operation');
        }
        return yogaMaskError(error, message, isDev);
      },
    },
    context: ({ principal, token, requestId }) => ({
      principal,
      token,
      requestId,
      services: deps.services,
      loaders: createLoaders(deps.db),
      logger: logger.child({ requestId }),
    }),
    plugins: [
      csrfPreventionUnlessBearer(),
      EnvelopArmorPlugin({
        maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...refuseWithCode('maxDepth') },
        maxAliases: { n: GRAPHQL_LIMITS.maxAliases, ...refuseWithCode('maxAliases') },
        // Cost is limitCost's (src/graphql/cost.ts): armor's never sees the variables' values.
        costLimit: { enabled: false },
        maxTokens: { n: GRAPHQL_LIMITS.maxTokens, ...refuseWithCode('maxTokens') },
        maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives, ...refuseWithCode('maxDirectives') },
        blockFieldSuggestion: { enabled: config.env === 'production' },
      }),
      ...(config.env === 'production' ? [withoutSuggestions()] : []),
      ...(config.graphql.introspection ? [] : [disableIntrospection()]),
      // Compiles each operation once into a function (graphql-jit) instead of interpreting the document
      // for every result: a 50-incident page executes ~600 fields, and a live event is executed once per
      // subscriber. Compiled operations are cached by document, like Yoga's parse and validation caches.
      useGraphQlJit(),
      requireAuthentication(),
      checkInputValues(),
      limitCost(config.heavyRequests),
      logInternalErrors(logged),
    ],
  });
}

/**
 * graphql-armor refuses with "Syntax Error: Aliases limit of 15 exceeded, found 16." and no code: the request
 * is well-formed, it is only too big. Each refusal is thrown instead as QUERY_TOO_COMPLEX with the limit's
 * name and value (GRAPHQL_LIMITS), so that clients can branch on it like on QUERY_TOO_COSTLY.
 */
function refuseWithCode(limit: 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxDirectives') {
  return {
    propagateOnRejection: false,
    onReject: [
      (_context: unknown, error: GraphQLError): never => {
        const message = error.message.replace(/^Syntax Error:\s*/, '');
        throw new GraphQLError(`Query too complex: ${message}`, {
          extensions: errorExtensions('QUERY_TOO_COMPLEX', { limit, max: GRAPHQL_LIMITS[limit] }),
        });
      },
    ],
  };
}

/**
 * graphql-jit's compiled subscribe calls a subscription field's `subscribe` with the operation's variables
 * as its arguments (graphql-jit#183, envelop#2008): `incidentEvents(filter: $f)` or an inline filter reached
 * the resolver as `{ f: … }` or `{}`, and only a variable literally named `$filter` filtered anything. Each
 * `subscribe` here computes its arguments itself from the field node and the variables, as graphql-js does,
 * so that both execution paths (and both transports) see the same arguments. The events themselves are
 * still executed by the compiled query.
 */
function subscribeWithArguments<S extends GraphQLSchema>(schema: S): S {
  const fields = schema.getSubscriptionType()?.getFields() ?? {};
  for (const field of Object.values(fields)) {
    const subscribe = field.subscribe;
    if (!subscribe) continue;
    field.subscribe = (source, _args, context, info) => {
      const node = info.fieldNodes[0];
      return subscribe(source, node ? getArgumentValues(field, node, info.variableValues) : _args, context, info);
    };
  }
  return schema;
}

/**
 * Logs each error that Yoga is about to mask with the request's own logger, so that the log line carries
 * the request id the client got in x-request-id. Yoga's masking runs after every plugin given here, so
 * this still sees the original error.
 */
function logInternalErrors(logged: WeakSet<object>): Plugin<ServerContext & GraphQLContext> {
  const logErrorsOf = (log: Logger) => ({ result }: { result: ExecutionResult }) => {
    for (const error of result.errors ?? []) {
      const original = error.originalError;
      // A GraphQLError (ours or graphql-js's) is shown to the client as it is: not internal.
      if (!original || original instanceof GraphQLError || logged.has(original)) continue;
      logged.add(original);
      if (isStatementTimeout(original)) {
        log.warn({ err: original, path: error.path }, 'statement timeout in a GraphQL operation (answered QUERY_TIMEOUT)');
        continue;
      }
      log.error({ err: original, path: error.path }, 'internal error in a GraphQL operation');
    }
  };
  return {
    onExecute({ args }) {
      const onResult = logErrorsOf((args.contextValue as GraphQLContext).logger);
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, onResult) };
    },
    onSubscribe({ args }) {
      const onResult = logErrorsOf((args.contextValue as GraphQLContext).logger);
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, onResult) };
    },
  };
}

/**
 * graphql-armor blocks field suggestions only; graphql-js also suggests enum values ("Did you mean the enum
 * value HIGH?"), arguments, types and input fields, at validation and when it coerces variables. In
 * production none of them is sent: they map the schema for someone who may not introspect it.
 */
function withoutSuggestions(): Plugin {
  const strip = (e: Error): Error => {
    if (!(e instanceof GraphQLError)) return e;
    const message = e.message.replace(/\s*Did you mean [^?]*\?/g, '');
    if (message === e.message) return e;
    return new GraphQLError(message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: e.extensions });
  };
  const onResult = ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
    if (result.errors?.length) setResult({ ...result, errors: result.errors.map((e) => strip(e) as GraphQLError) });
  };
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((e) => strip(e) as GraphQLError));
      };
    },
    onExecute() {
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, onResult) };
    },
    onSubscribe() {
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, onResult) };
    },
  };
}

/**
 * CSRF prevention (a GET, or a POST with a form-like content type, needs the `x-graphql-yoga-csrf` header)
 * guards what a browser attaches to a cross-site request by itself: cookies, Basic credentials. A request
 * that carries `Authorization: Bearer` cannot be forged that way (the header triggers a CORS preflight, and
 * the page would have to know the token), so a GET with a bearer token is answered as standard clients
 * (urql, graphql-request) send it. Form-like POSTs are refused all the same: no GraphQL client sends them.
 */
function csrfPreventionUnlessBearer(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] });
  const formLike = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;
  return {
    onRequestParse(payload) {
      const { headers } = payload.request;
      if (isBearer(headers.get('authorization')) && !formLike.test(headers.get('content-type') ?? '')) return;
      return csrf.onRequestParse?.(payload);
    },
  };
}

function disableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/**
 * Operations need a valid token; only introspection (and `__typename`) may run without one, so that
 * GraphiQL can load its documentation before a token is pasted. A token that was sent but is not
 * valid is refused even for introspection.
 */
function requireAuthentication(): Plugin<ServerContext & GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as ServerContext;
      if (ctx.rejectedToken) {
        setResultAndStopExecution({ errors: [new UnauthenticatedError('The API token is unknown, expired or revoked, or its user is deactivated.')] });
        return;
      }
      if (!ctx.principal && !isIntrospectionOnly(args.document, args.operationName ?? null)) {
        setResultAndStopExecution({ errors: [new UnauthenticatedError()] });
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as ServerContext;
      if (ctx.rejectedToken || !ctx.principal) setResultAndStopExecution({ errors: [new UnauthenticatedError()] });
    },
  };
}

function isIntrospectionOnly(document: DocumentNode, operationName: string | null): boolean {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op || op.operation !== 'query') return false;
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}
