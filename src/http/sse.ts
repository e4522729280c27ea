import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { GraphQLError, Kind, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { GraphQLHandler, ServerContext } from '../graphql/yoga.js';

/**
 * GraphQL subscriptions over Server-Sent Events, written straight to the socket.
 *
 * Yoga serves SSE too, and every other operation still goes through it; but a live stream lives for hours,
 * and through Yoga each one keeps a fetch Request, a Response, web streams and their encoders, and costs a
 * chain of promise wrappers per event. With a thousand partners' tools connected that was 100 KB and a
 * quarter of a millisecond per subscriber and event. Here a stream is the Node response, the operation's
 * context and its result iterator, and an event is one JSON.stringify and one write; streams of one token
 * with the same operation and variables (a partner's tool opened on several screens) share one execution.
 *
 * The operation runs through the same envelop as Yoga's own (getEnveloped: parse and validation caches,
 * graphql-armor limits, authentication, error masking, graphql-jit), and the wire format is Yoga's (the
 * GraphQL over SSE protocol's distinct connections mode: a `:` ping first and every 12 s, `event: next`
 * per result, `event: complete` at the end), so graphql-sse clients see no difference.
 */

type Yoga = GraphQLHandler;

export interface SubscriptionRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

const PING_EVERY_MS = 12_000;
/** Bytes a stream's reader may fall behind before the stream is cut. */
const MAX_BUFFERED = 1024 * 1024;

/**
 * Streams that may share one execution: same token, operation and variables. A digest, so that the map of
 * running executions does not hold each stream's document and variables for the stream's life.
 */
function groupKey(initial: ServerContext, params: SubscriptionRequest): string {
  const key = JSON.stringify([initial.token, params.query, params.operationName ?? null, params.variables ?? null]);
  return createHash('sha256').update(key).digest('base64');
}

export function createSseSubscriptions(yoga: Yoga) {
  // One timer pings every open stream (a timer per stream would be memory held per subscriber).
  const open = new Set<ServerResponse>();
  let pinger: NodeJS.Timeout | null = null;
  const ping = () => {
    for (const res of open) if (!res.writableNeedDrain) res.write(':\n\n');
  };

  function track(res: ServerResponse): void {
    open.add(res);
    if (!pinger) {
      pinger = setInterval(ping, PING_EVERY_MS);
      pinger.unref();
    }
  }

  function untrack(res: ServerResponse): void {
    open.delete(res);
    if (open.size === 0 && pinger) {
      clearInterval(pinger);
      pinger = null;
    }
  }

  /** Whether `params` is a subscription operation (anything else is left to Yoga). */
  function isSubscription(document: DocumentNode, operationName: string | null | undefined): boolean {
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
    return op?.operation === 'subscription';
  }

  /**
   * Serves a subscription on `res` and returns true, or returns false without touching `res` when the
   * request is not a subscription this path takes (Yoga answers it, errors included).
   */
  async function serve(res: ServerResponse, initial: ServerContext, params: SubscriptionRequest): Promise<boolean> {
    if (typeof params.query !== 'string') return false;
    const { schema, parse, validate, contextFactory, subscribe } = yoga.getEnveloped({ ...initial, params });
    let document: DocumentNode;
    try {
      document = parse(params.query);
    } catch {
      return false;
    }
    if (!isSubscription(document, params.operationName)) return false;
    const errors = validate(schema, document);
    if (errors.length > 0) return false;

    const key = groupKey(initial, params);
    const running = groups.get(key);
    if (running && (await running.ready) && groups.get(key) === running) {
      // The same token (authenticated just now), document and variables as a running execution: its
      // results are this stream's results, to the byte. Join it rather than subscribe again.
      openStream(res, 200, initial.requestId);
      join(running, res);
      return true;
    }

    // Registered before subscribing, so that streams arriving meanwhile wait for this one and join it.
    let started!: (ok: boolean) => void;
    const group: Group = { members: new Set(), iterator: null, ready: new Promise((r) => (started = r)) };
    groups.set(key, group);
    // Did not start: the streams waiting for it subscribe on their own.
    const forget = () => {
      if (groups.get(key) === group) groups.delete(key);
      started(false);
    };
    let result: ExecutionResult | AsyncIterable<ExecutionResult>;
    try {
      result = (await subscribe({
        schema,
        document,
        operationName: params.operationName ?? undefined,
        variableValues: params.variables ?? undefined,
        contextValue: await contextFactory(),
      })) as ExecutionResult | AsyncIterable<ExecutionResult>;
    } catch (err) {
      forget();
      throw err;
    }
    if (!(Symbol.asyncIterator in result)) {
      forget();
      openStream(res, statusOf(result), initial.requestId);
      res.end(`event: next\ndata: ${stringify(result)}\n\nevent: complete\ndata:\n\n`);
      return true;
    }
    group.iterator = result[Symbol.asyncIterator]();
    openStream(res, 200, initial.requestId);
    join(group, res);
    run(key, group);
    started(true);
    return true;
  }

  function openStream(res: ServerResponse, status: number, requestId: string): void {
    res.writeHead(status, {
      'content-type': 'text/event-stream',
      connection: 'keep-alive',
      'cache-control': 'no-cache',
      'content-encoding': 'none',
      'x-request-id': requestId,
    });
    // Some clients wait for a first byte before they report the stream open.
    res.write(':\n\n');
  }

  /**
   * Streams of one token with the same document and variables share one execution: the same principal
   * and session (rights re-checked per event, revocation ends them all), the same filter, hence the same
   * results, serialized once and written to each. A reader that falls more than MAX_BUFFERED behind is
   * cut (it reconnects and catches up with events(after:)), so one slow client never holds the others.
   */
  interface Group {
    members: Set<ServerResponse>;
    iterator: AsyncIterator<ExecutionResult> | null;
    /** Whether the execution started (streams that arrive while it subscribes wait for this). */
    ready: Promise<boolean>;
  }
  const groups = new Map<string, Group>();

  function join(group: Group, res: ServerResponse): void {
    // A client that left while its stream waited for the group's start: nothing to join.
    if (res.destroyed) return;
    track(res);
    group.members.add(res);
    res.once('close', () => {
      untrack(res);
      group.members.delete(res);
      if (group.members.size === 0) void group.iterator?.return?.();
    });
  }

  function run(key: string, group: Group): void {
    const iterator = group.iterator!;
    void (async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done || group.members.size === 0) break;
          const frame = `event: next\ndata: ${stringify(next.value)}\n\n`;
          for (const res of group.members) {
            if (res.writableLength > MAX_BUFFERED) res.destroy();
            else res.write(frame);
          }
        }
        if (groups.get(key) === group) groups.delete(key);
        // Ends the subscription too when the loop stopped because every member left.
        void iterator.return?.();
        for (const res of group.members) res.end('event: complete\ndata:\n\n');
      } catch {
        // The stream failed after it started: end the responses; clients reconnect and catch up.
        if (groups.get(key) === group) groups.delete(key);
        for (const res of group.members) res.destroy();
      }
    })();
  }

  // Shutdown cuts these responses with every other live stream (src/http/live.ts).
  return { serve };
}

/** The HTTP status Yoga gives a result that ends before streaming (e.g. 401 for UNAUTHENTICATED). */
function statusOf(result: ExecutionResult): number {
  for (const e of result.errors ?? []) {
    const status = (e.extensions?.http as { status?: number } | undefined)?.status;
    if (typeof status === 'number') return status;
  }
  return 200;
}

/** JSON of a result as Yoga writes it: without the internal `http` and `unexpected` error extensions. */
function stringify(result: ExecutionResult): string {
  if (!result.errors?.length) return JSON.stringify(result);
  return JSON.stringify({
    ...result,
    errors: result.errors.map((e) => {
      const json = e instanceof GraphQLError ? e.toJSON() : { message: (e as Error).message };
      if (json.extensions) {
        const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions as Record<string, unknown>;
        return { ...json, extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
      }
      return json;
    }),
  });
}
