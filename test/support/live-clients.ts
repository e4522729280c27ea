import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Real GraphQL subscription clients (graphql-sse over Server-Sent Events, graphql-ws over WebSocket),
 * recording what they receive with the time it arrived, for tests and the fanout benchmark.
 */

export interface Received<T = any> {
  data: T | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
  at: number;
}

export interface LiveClient<T = any> {
  received: Array<Received<T>>;
  /** Resolves when the transport is up (SSE: the server accepted the subscription). */
  connected: Promise<void>;
  /** Resolves when the stream ends: completed, errored or closed (with the close code for WebSocket). */
  ended: Promise<{ how: 'complete' | 'error'; error?: unknown; code?: number; at: number }>;
  /** Resolves with the first received item `pred` accepts (rejects after `timeoutMs`). */
  waitFor(pred: (r: Received<T>) => boolean, timeoutMs?: number): Promise<Received<T>>;
  dispose(): void;
}

function recorder<T>() {
  const received: Array<Received<T>> = [];
  const waiters: Array<{ pred: (r: Received<T>) => boolean; resolve: (r: Received<T>) => void }> = [];
  let endResolve!: (v: { how: 'complete' | 'error'; error?: unknown; code?: number; at: number }) => void;
  const ended = new Promise<{ how: 'complete' | 'error'; error?: unknown; code?: number; at: number }>((r) => (endResolve = r));
  let endedOnce = false;
  return {
    received,
    ended,
    push(r: Received<T>) {
      received.push(r);
      for (const w of [...waiters]) {
        if (w.pred(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    },
    end(v: { how: 'complete' | 'error'; error?: unknown; code?: number }) {
      if (endedOnce) return;
      endedOnce = true;
      endResolve({ ...v, at: Date.now() });
    },
    waitFor(pred: (r: Received<T>) => boolean, timeoutMs = 5_000): Promise<Received<T>> {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (r: Received<T>) => (clearTimeout(timer), resolve(r)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching event within ${timeoutMs} ms; received ${JSON.stringify(received.map((x) => x.data ?? x.errors))}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
  };
}

/** A subscription over SSE (distinct connections mode, as Yoga serves it), token in the Authorization header. */
export function sseSubscribe<T = any>(baseUrl: string, token: string, query: string, variables?: Record<string, unknown>): LiveClient<T> {
  const rec = recorder<T>();
  let onConnected!: () => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  const client = createSseClient({ url: `${baseUrl}/graphql`, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => rec.push({ data: (r.data ?? null) as T | null, errors: r.errors as Received['errors'], at: Date.now() }),
      error: (error) => rec.end({ how: 'error', error }),
      complete: () => rec.end({ how: 'complete' }),
    },
    { connected: () => onConnected() },
  );
  return {
    received: rec.received,
    connected,
    ended: rec.ended,
    waitFor: rec.waitFor,
    dispose: () => {
      unsubscribe();
      client.dispose();
    },
  };
}

/** A subscription over WebSocket (graphql-ws), token in the connection parameters. */
export function wsSubscribe<T = any>(baseUrl: string, token: string, query: string, variables?: Record<string, unknown>): LiveClient<T> {
  const rec = recorder<T>();
  let onConnected!: () => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  let closeCode: number | undefined;
  const client = createWsClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: {
      connected: () => onConnected(),
      closed: (e) => {
        closeCode = (e as { code?: number }).code;
        rec.end({ how: 'error', code: closeCode, error: e });
      },
    },
  });
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => rec.push({ data: (r.data ?? null) as T | null, errors: r.errors as Received['errors'], at: Date.now() }),
      error: (error) => rec.end({ how: 'error', error, code: (error as { code?: number }).code }),
      complete: () => rec.end({ how: 'complete' }),
    },
  );
  return {
    received: rec.received,
    connected,
    ended: rec.ended,
    waitFor: rec.waitFor,
    dispose: () => {
      unsubscribe();
      void client.dispose();
    },
  };
}
