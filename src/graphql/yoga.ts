import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { createSchema, createYoga, handleStreamOrSingleExecutionResult, maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import type { UserPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import { ServiceUnavailableError, UnauthenticatedError, isExpectedError } from '../errors.js';
import { isDatabaseUnavailable, type Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { GraphQLContext } from './context.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import type { Services } from './services.js';

export const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');

/** What the HTTP layer hands Yoga for each request. */
export interface ServerContext {
  principal: UserPrincipal | null;
  /** A token was sent but is unknown, expired, revoked or its user deactivated. */
  rejectedToken: boolean;
  requestId: string;
  clientAddress: string | null;
}

/** Limits applied at validation, before anything executes (graphql-armor). */
export const GRAPHQL_LIMITS = { maxDepth: 12, maxAliases: 15, maxCost: 50_000, maxTokens: 4_000, maxDirectives: 20 } as const;

export function createGraphQLHandler(deps: { config: Config; db: Db; logger: Logger; services: Services }) {
  const { config, logger } = deps;
  const typeDefs = readFileSync(SCHEMA_PATH, 'utf8');
  const schema = createSchema<ServerContext & GraphQLContext>({ typeDefs, resolvers: resolvers as never });
  // Internal errors already logged with their request's logger; maskError logs only those that were not.
  const logged = new WeakSet<object>();

  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphql.graphiql ? { title: 'ESTF Hub', headers: JSON.stringify({ Authorization: 'Bearer estf_…' }) } : false,
    landingPage: false,
    batching: false,
    logging: false,
    maskedErrors: {
      isDev: !config.graphql.maskErrors,
      maskError(error, message, isDev) {
        // Errors of an operation were logged with its request id by logInternalErrors; this catches the rest.
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        // An outage is not a bug: the client gets a code and a 503 that says when to come back.
        if (isDatabaseUnavailable(original)) return new ServiceUnavailableError();
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
    context: ({ principal, requestId }) => ({
      principal,
      requestId,
      services: deps.services,
      loaders: createLoaders(deps.db),
      logger: logger.child({ requestId }),
    }),
    plugins: [
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      EnvelopArmorPlugin({
        maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true },
        maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
        costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, ignoreIntrospection: true },
        maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
        maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
        blockFieldSuggestion: { enabled: config.env === 'production' },
      }),
      ...(config.graphql.introspection ? [] : [disableIntrospection()]),
      // Compiles each operation once into a function (graphql-jit) instead of interpreting the document
      // for every result: a 50-incident page executes ~600 fields, and a live event is executed once per
      // subscriber. Compiled operations are cached by document, like Yoga's parse and validation caches.
      useGraphQlJit(),
      requireAuthentication(),
      logInternalErrors(logged),
    ],
  });
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
