import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { UnauthenticatedError } from '../errors.js';
import type { GraphQLHandler, ServerContext } from '../graphql/yoga.js';
import type { LiveSession } from '../live/sessions.js';
import type { AppDeps } from './app.js';
import { authenticateBearer } from './auth.js';

/**
 * Live GraphQL beside the HTTP app: the graphql-ws protocol on the API's own port and path (/graphql),
 * authenticated with the same tokens as HTTP (connection parameters `{ authorization: 'Bearer estf_…' }`),
 * through the same Yoga plugins (authentication, limits, error masking). SSE needs nothing here: Yoga
 * serves it on POST /graphql with `Accept: text/event-stream`.
 *
 * The returned `close` ends every live stream, WebSocket and SSE alike, so that the HTTP server can
 * close: clients reconnect to another API process and catch up with `events(after:)`.
 */

export const GRAPHQL_PATH = '/graphql';

export interface LiveTransport {
  close(): Promise<void>;
}

interface Connection {
  token: string;
  session: LiveSession;
  requestId: string;
  clientAddress: string | null;
}

type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;

/** `yoga`: the process's one Yoga (the HTTP app's): its envelop (schema, plugins, context factory) run over graphql-ws. */
export function attachLiveTransport(server: Server, deps: AppDeps, yoga: GraphQLHandler): LiveTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== GRAPHQL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  // SSE streams are ordinary responses of the HTTP app; at shutdown they are cut (not completed), so that
  // clients treat it as a dropped connection and reconnect, to another API process.
  const sseResponses = new Set<ServerResponse>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!req.headers.accept?.includes('text/event-stream')) return;
    sseResponses.add(res);
    res.once('close', () => sseResponses.delete(res));
  };
  server.on('request', onRequest);

  const disposable = useServer<{ authorization?: unknown }, { connection?: Connection }>(
    {
      onConnect: async (ctx) => {
        const requestId = randomUUID();
        const clientAddress = ctx.extra.request.socket.remoteAddress ?? null;
        // Nothing sent is refused too: a WebSocket carries subscriptions only, and they need a principal.
        const { principal, token } = await authenticateBearer(deps.services.identity.authenticate, ctx.connectionParams?.authorization ?? null, { requestId, clientAddress });
        if (!token || !principal) {
          // 4401, not graphql-ws's 4403 for a refused connection: clients do not retry it with the same token.
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: send connection parameters { authorization: "Bearer estf_…" } with a valid token');
          return false;
        }
        const session = deps.services.alerts.openSession(token, principal);
        session.onEnd(() => ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: the API token was revoked or expired, or its user deactivated'));
        ctx.extra.connection = { token, session, requestId, clientAddress };
        return true;
      },
      onClose: (ctx) => {
        ctx.extra.connection?.session.release();
      },
      onSubscribe: async (ctx, _id, payload) => {
        const c = ctx.extra.connection;
        const principal = c?.session.principal;
        if (!c || !principal) return [new UnauthenticatedError('The API token was revoked or expired, or its user deactivated.')];
        const initial: ServerContext & { params: typeof payload } = {
          principal,
          token: c.token,
          rejectedToken: false,
          requestId: c.requestId,
          clientAddress: c.clientAddress,
          params: payload,
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(initial);
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('The query could not be parsed.')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        return args;
      },
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
    },
    wss,
    12_000,
  );

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      server.off('request', onRequest);
      // 1001 Going Away: clients retry (another API process) rather than give up.
      for (const ws of wss.clients) ws.close(1001, 'Going away: the server is shutting down');
      for (const res of sseResponses) res.destroy();
      await deps.services.alerts.close();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
