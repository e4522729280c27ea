import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { RequestMeta, UserPrincipal } from '../../access/principal.js';
import { isUuid } from '../../domain/ids.js';
import type { MispEventDoc } from './export.js';

/**
 * The hub as a MISP feed under /misp/feed/ (issue 15, item 4): `manifest.json`, `hashes.csv` and one
 * `<event-uuid>.json` per event, in the layout MISP's own feed generator writes (PyMISP's
 * feed_meta_generator), so a MISP instance adds it as a feed of type "MISP Feed". A thin adapter: the
 * events come from the MISP service, which asks the one access policy with the token's principal.
 *
 * Authentication: the hub's API token, sent by the MISP instance as a custom header of the feed (MISP's
 * "Headers" field, one `Name: value` per line): `Authorization: Bearer estf_…`, or `Authorization: estf_…`
 * the way MISP sends its own API keys.
 */

export interface MispFeedDeps {
  authenticate(token: string, meta: RequestMeta): Promise<UserPrincipal | null>;
  feedEvents(principal: UserPrincipal): AsyncIterable<MispEventDoc>;
  feedEvent(principal: UserPrincipal, uuid: string): Promise<MispEventDoc | null>;
}

const TOKEN = /^(?:Bearer\s+)?(estf_\S+)\s*$/i;

/** The token of an Authorization header as a MISP feed sends it, or null. */
export function feedToken(authorization: string | undefined): string | null {
  return authorization ? (TOKEN.exec(authorization.trim())?.[1] ?? null) : null;
}

/** MISP's hashes.csv: one line per attribute value part (composite types split on "|"), md5 then event uuid. */
export function hashLines(event: MispEventDoc): string[] {
  const attrs = [...event.Event.Attribute, ...event.Event.Object.flatMap((o) => o.Attribute)];
  const lines: string[] = [];
  for (const a of attrs) {
    const values = a.type.includes('|') ? a.value.split('|') : [a.value];
    for (const v of values) lines.push(`${createHash('md5').update(v, 'utf8').digest('hex')},${event.Event.uuid}`);
  }
  return lines;
}

/** An event's manifest entry (PyMISP MISPEvent.manifest). */
export function manifestEntry(event: MispEventDoc) {
  const e = event.Event;
  return {
    Orgc: e.Orgc,
    Tag: e.Tag,
    info: e.info,
    date: e.date,
    analysis: Number(e.analysis),
    threat_level_id: Number(e.threat_level_id),
    timestamp: Number(e.timestamp),
  };
}

export function createMispFeed(deps: MispFeedDeps) {
  const app = new Hono();
  const unauthorized = () =>
    new Response(JSON.stringify({ error: 'Authentication required: send Authorization: Bearer estf_… (a MISP feed: add it under the feed\'s Headers)' }), {
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="estf-misp-feed"', 'cache-control': 'no-store' },
    });

  app.use('*', async (c, next) => {
    const token = feedToken(c.req.header('authorization'));
    // The hub's request id and client address, set by src/http/app.ts for every request.
    const vars = c.var as { requestId?: string; clientAddress?: string | null };
    const principal = token ? await deps.authenticate(token, { requestId: vars.requestId ?? null, clientAddress: vars.clientAddress ?? null }) : null;
    if (!principal) return unauthorized();
    c.set('principal' as never, principal as never);
    await next();
    // What a token may see is that token's: no shared cache may keep it.
    c.res.headers.set('cache-control', 'private, no-store');
  });
  const principalOf = (c: { get: (k: never) => unknown }) => c.get('principal' as never) as UserPrincipal;

  app.get('/manifest.json', async (c) => {
    const manifest: Record<string, ReturnType<typeof manifestEntry>> = {};
    for await (const e of deps.feedEvents(principalOf(c))) manifest[e.Event.uuid] = manifestEntry(e);
    return c.json(manifest);
  });
  app.get('/hashes.csv', async (c) => {
    const lines: string[] = [];
    for await (const e of deps.feedEvents(principalOf(c))) lines.push(...hashLines(e));
    return c.body(lines.length > 0 ? `${lines.join('\n')}\n` : '', 200, { 'content-type': 'text/csv; charset=utf-8' });
  });
  app.get('/:file', async (c) => {
    const m = /^([0-9a-f-]{36})\.json$/i.exec(c.req.param('file'));
    if (!m || !isUuid(m[1]!)) return c.json({ error: 'not found' }, 404);
    const event = await deps.feedEvent(principalOf(c), m[1]!.toLowerCase());
    // An event the token may not see is one that does not exist.
    if (!event) return c.json({ error: 'not found' }, 404);
    return c.json(event);
  });
  return app;
}
