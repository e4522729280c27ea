import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import { isDatabaseUnavailable, pingDb } from '../infra/db.js';
import { errorExtensions, ServiceUnavailableError, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../errors.js';
import { listHeartbeats } from '../modules/system/index.js';
import type { Logger } from '../infra/logger.js';
import { migrationsCurrent } from '../infra/migrate.js';
import type { Redis } from 'ioredis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createGraphQLHandler, GRAPHQL_LIMITS, type GraphQLHandler, type ServerContext } from '../graphql/yoga.js';
import { authenticateBearer } from './auth.js';
import { createSseSubscriptions, type SubscriptionRequest } from './sse.js';
import { GRAPHIQL_ASSETS_PATH, graphiqlAsset } from './graphiql.js';
import type { Services } from '../services.js';
import { cookieName, createConsole, loggablePath } from '../web/console.js';
import { createMispFeed } from '../modules/misp/index.js';
import { createPublicReportSite, createRumorControlSite } from '../web/public.js';
import { createTaxiiApp } from '../modules/stix/index.js';

type Env = {
  /** Set by @hono/node-server (absent when the app is called through app.fetch alone). */
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    logger: Logger;
    clientAddress: string | null;
  };
};

export interface AppDeps {
  config: Config;
  db: Db;
  redis: Redis;
  logger: Logger;
  services: Services;
}

/**
 * The HTTP application: request id, logging, health, readiness and GraphQL. Built once per API process,
 * with the process's one Yoga (shared with the WebSocket transport, src/http/live.ts).
 */
export function createApp(deps: AppDeps, yoga: GraphQLHandler = createGraphQLHandler(deps)) {
  const { logger, services } = deps;
  const app = new Hono<Env>();
  const sse = createSseSubscriptions(yoga);

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    // Accept a caller's id only when it is short and plain: it is echoed into logs.
    const requestId = incoming && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    let clientAddress: string | null = null;
    try {
      clientAddress = getConnInfo(c).remote.address ?? null;
    } catch {
      clientAddress = null;
    }
    c.set('clientAddress', clientAddress);
    const log = logger.child({ requestId });
    c.set('logger', log);
    const started = performance.now();
    await next();
    // A live stream written straight to the socket (src/http/sse.ts) has sent its own headers.
    if (c.res !== RESPONSE_ALREADY_SENT) c.res.headers.set('x-request-id', requestId);
    log.info({ method: c.req.method, path: loggablePath(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // Live workers, from their heartbeats: an API that answers while no worker pages anyone is not healthy
  // paging. Separate from /readyz, which decides whether this API process takes requests.
  app.get('/healthz/workers', async (c) => {
    const staleAfterMs = 3 * deps.config.intervals.heartbeatMs;
    try {
      const beats = await listHeartbeats(deps.db);
      const now = Date.now();
      const workers = beats.map((b) => ({ id: b.worker_id, lastBeatAt: b.last_beat_at.toISOString(), live: now - b.last_beat_at.getTime() <= staleAfterMs }));
      const live = workers.filter((w) => w.live).length;
      return c.json({ status: live > 0 ? 'ok' : 'no live worker', live, workers }, live > 0 ? 200 : 503);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      c.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      return c.json({ status: 'unknown: PostgreSQL unreachable', live: null, workers: [] }, 503);
    }
  });

  app.get('/readyz', async (c) => {
    const checks = await readiness(deps);
    const ready = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  });

  if (deps.config.graphql.graphiql) {
    app.get(`${GRAPHIQL_ASSETS_PATH}/:asset`, async (c) => {
      const asset = await graphiqlAsset(c.req.param('asset'));
      if (!asset) return c.json({ error: 'not found' }, 404);
      return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
    });
  }

  app.on(['GET', 'POST', 'OPTIONS'], '/graphql', async (c) => {
    const meta = { requestId: c.get('requestId'), clientAddress: c.get('clientAddress') };
    const { principal, token, rejectedToken } = await authenticateBearer(services.identity.authenticate, c.req.header('authorization'), meta);
    const context: ServerContext = { principal, token, rejectedToken, ...meta };
    // One body limit for every path (JSON, SSE, the lean SSE path that reads the body itself), applied here
    // rather than by Yoga: Yoga cuts the connection of a chunked body over its limit, under the client's
    // next request on that socket; this answers 413 and reads the rest.
    let request = c.req.raw;
    let text: string | null = null;
    if (c.req.method === 'POST') {
      const incoming = c.env?.incoming;
      const outgoing = c.env?.outgoing;
      const declared = c.req.header('content-length');
      if (incoming && outgoing && declared !== undefined && /^\d+$/.test(declared) && Number(declared) <= GRAPHQL_LIMITS.maxRequestBodyBytes) {
        // The usual request, of a declared size within the limit, is read from Node's own stream: touching the
        // body or signal of c.req.raw builds a whole fetch Request around a web stream first, and this handler
        // built a second one for Yoga (together a fifth of the API's CPU for `{ __typename }`). Node's parser
        // stops the body at its declared length; the signal aborts as @hono/node-server's would.
        text = await readIncoming(incoming);
        const abort = new AbortController();
        outgoing.once('close', () => {
          if (!outgoing.writableFinished) abort.abort(incoming.errored ? incoming.errored.toString() : 'Client connection prematurely closed.');
        });
        request = new Request(c.req.url, { method: 'POST', headers: c.req.raw.headers, body: text, signal: abort.signal });
      } else {
        text = await readBodyWithin(c.req.raw, GRAPHQL_LIMITS.maxRequestBodyBytes);
        if (text === null) {
          return c.json({ errors: [{ message: 'Request body too large', extensions: errorExtensions('REQUEST_ENTITY_TOO_LARGE') }] }, 413);
        }
        request = new Request(c.req.url, { method: 'POST', headers: c.req.raw.headers, body: text, signal: c.req.raw.signal });
      }
    }
    // Subscriptions over SSE by an authenticated caller are served by the lean path of src/http/sse.ts.
    const outgoing = c.env?.outgoing;
    if (principal && outgoing && text !== null && c.req.header('accept')?.includes('text/event-stream')) {
      let params: SubscriptionRequest | null = null;
      try {
        params = JSON.parse(text) as SubscriptionRequest;
      } catch {
        params = null;
      }
      if (params && typeof params === 'object' && (await sse.serve(outgoing, context, params))) return RESPONSE_ALREADY_SENT;
      // Anything else (a query over SSE, a bad body) is Yoga's.
    }
    return yoga.fetch(request, context);
  });

  // Acknowledgement links from notifications: GET shows what would be acknowledged, POST does it. The
  // token is the credential (random, hashed, single use, 24 hours), so no login is needed on a phone.
  // A console user signed in on this browser also gets a way on to My pages; without a session the
  // page stays as it was (the token alone acknowledges).
  const myPagesLink = async (c: Context<Env>): Promise<string> => {
    const value = getCookie(c, cookieName(deps.config));
    if (!value) return '';
    const session = await services.sessions.authenticate(value, { requestId: c.get('requestId'), clientAddress: c.get('clientAddress'), userAgent: c.req.header('user-agent') ?? null });
    return session ? '<p><a href="/console/pages">My pages</a></p>' : '';
  };
  app.get('/ack/:token', async (c) => {
    const page = await services.escalations.pageByAckToken(c.req.param('token'));
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    if (!page) return c.html(ackPage('Link not valid', `<p>This acknowledgement link is unknown, already used or expired.</p>${await myPagesLink(c)}`), 404);
    const banner = page.exercise ? '<p><strong>EXERCISE EXERCISE EXERCISE</strong></p>' : '';
    const open = page.state === 'ACTIVE' || page.state === 'EXHAUSTED';
    // A closed escalation offers no button: pressing it could only fail, and the page says who took it.
    const action = open ? '<form method="post"><button type="submit">Acknowledge: I am on it</button></form>' : ackClosedState(page);
    return c.html(
      ackPage(
        open ? `Acknowledge ${page.reference}` : `${page.reference}: ${page.state.toLowerCase()}`,
        `${banner}<p><strong>${escapeHtml(page.reference)}</strong> · ${escapeHtml(page.severity)} · ${escapeHtml(page.category)} · TLP:${escapeHtml(page.tlp)}</p>
         <p>Rule <code>${escapeHtml(page.rule_name)}</code>.</p>
         ${action}<p><a href="/console/incidents/${encodeURIComponent(page.incident_id)}">Open ${escapeHtml(page.reference)} in the console</a></p>${await myPagesLink(c)}`,
      ),
    );
  });
  app.post('/ack/:token', async (c) => {
    const result = await services.escalations.acknowledgeByToken(c.req.param('token'), { requestId: c.get('requestId'), clientAddress: c.get('clientAddress') });
    c.header('cache-control', 'no-store');
    return c.html(ackPage(result.ok ? 'Acknowledged' : 'Not acknowledged', `<p>${escapeHtml(result.message)}</p>${await myPagesLink(c)}`), result.ok ? 200 : 410);
  });

  // The analyst console (src/web): server-rendered pages over the same services.
  app.route('/console', createConsole({ config: deps.config, services }));
  // The public side (no sign-in): the report form, with its own CSP, Origin check and abuse limits.
  app.route('/report', createPublicReportSite({ config: deps.config, services, redis: deps.redis }));
  app.route('/rumor-control', createRumorControlSite({ config: deps.config, services }));

  // The hub as a MISP feed (src/modules/misp/feed.ts): token-protected, what the token may see, never RED.
  app.route('/misp/feed', createMispFeed({ authenticate: services.identity.authenticate, feedEvents: services.misp.feedEvents, feedEvent: services.misp.feedEvent }));

  // TAXII 2.1 (issue 15): discovery, one API root, collections, under the same services and policy.
  app.route('/taxii2/', createTaxiiApp({ config: deps.config, stix: services.stix, authenticate: services.identity.authenticate }));

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((err, c) => {
    // The database out of reach (authenticating a token needs it): a GraphQL error with a code, and a
    // 503 that says when to come back, not an internal error.
    if (isDatabaseUnavailable(err)) {
      c.get('logger')?.warn({ err: (err as Error).message }, 'database unavailable');
      c.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      const e = new ServiceUnavailableError();
      return c.json({ errors: [{ message: e.message, extensions: { code: e.extensions.code } }] }, 503);
    }
    c.get('logger')?.error({ err }, 'unhandled error');
    return c.json({ error: 'internal error', requestId: c.get('requestId') }, 500);
  });

  return app;
}

async function readiness(deps: AppDeps): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  const timeout = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
  await Promise.all([
    (async () => {
      try {
        await timeout(pingDb(deps.db), 2_000);
        checks.postgres = 'ok';
        checks.migrations = (await timeout(migrationsCurrent(deps.db), 2_000)) ? 'ok' : 'pending migrations';
      } catch (err) {
        checks.postgres = `unreachable: ${(err as Error).message}`;
        checks.migrations = 'unknown';
      }
    })(),
    (async () => {
      try {
        await timeout(deps.redis.ping(), 2_000);
        checks.redis = 'ok';
      } catch (err) {
        checks.redis = `unreachable: ${(err as Error).message}`;
      }
    })(),
  ]);
  return checks;
}

/**
 * The request's body as text, or null when it is longer than `limit` bytes (by its Content-Length or by what
 * arrived). Nothing is buffered beyond the limit: the rest is read and dropped, so that the client gets its 413
 * rather than a cut connection, up to as much again; a longer body is refused without reading it.
 */
/** A body whose length Node's parser holds to the declared Content-Length (checked against the limit by the caller). */
async function readIncoming(incoming: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readBodyWithin(request: Request, limit: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && !(/^\d+$/.test(declared) && Number(declared) <= 2 * limit)) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length <= limit) chunks.push(value);
    else if (length > 2 * limit) {
      await reader.cancel().catch(() => {});
      return null;
    } else chunks.length = 0;
  }
  return length > limit ? null : Buffer.concat(chunks, length).toString('utf8');
}

/** What an acknowledgement page says instead of its button once the escalation is acknowledged or over. */
function ackClosedState(page: { state: string; acknowledged_at: Date | null; acknowledgedByName: string | null; acknowledgedByOrganization: string | null }): string {
  if (page.state === 'ACKNOWLEDGED' && page.acknowledgedByName) {
    const who = `${page.acknowledgedByName}${page.acknowledgedByOrganization ? ` (${page.acknowledgedByOrganization})` : ''}`;
    const when = page.acknowledged_at ? ` at ${page.acknowledged_at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
    return `<p>Already acknowledged. Acknowledged by ${escapeHtml(who)}${escapeHtml(when)}; paging has stopped, nothing more to do here.</p>`;
  }
  return `<p>This escalation is already ${escapeHtml(page.state.toLowerCase())}; nothing more to do here.</p>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

function ackPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · ESTF Hub</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}button{font-size:1.2rem;padding:.8rem 1.4rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
