import { Hono, type Context } from 'hono';
import type { RequestMeta, UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { isExpectedError } from '../../errors.js';
import { parseStixTime } from './stix.core.js';
import { writeEnvelope } from './stix.objects.js';
import { isStixId } from './stix.validate.js';
import { COLLECTIONS, type StixService, type TaxiiQuery } from './stix.service.js';

/**
 * The TAXII 2.1 server (OASIS TAXII 2.1, 10 June 2021) under /taxii2/: discovery, one API root
 * (/taxii2/api/), three collections, manifest, objects (GET with every filter, POST with a status
 * resource), object by id (GET, DELETE), versions, status. A thin adapter: every read and write is a call
 * to the STIX service with the caller's principal; the one access policy decides what each caller sees.
 */

export const TAXII_MEDIA = 'application/taxii+json;version=2.1';
const MAX_PAGE = 1_000;

type Env = { Variables: { principal: UserPrincipal; requestId: string; clientAddress: string | null } };

function taxiiError(c: Context, status: 400 | 401 | 403 | 404 | 406 | 413 | 415 | 422 | 500, title: string, description: string) {
  const headers: Record<string, string> = { 'content-type': TAXII_MEDIA };
  if (status === 401) headers['www-authenticate'] = 'Basic realm="ESTF Hub TAXII", Bearer';
  return c.body(JSON.stringify({ title, description, http_status: String(status), error_code: String(status) }), status, headers);
}

function json(c: Context, body: object, status: 200 | 202 = 200, headers: Record<string, string> = {}) {
  // Envelopes carry public forms as JSON text already written (writeEnvelope).
  return c.body(writeEnvelope(body), status, { 'content-type': TAXII_MEDIA, ...headers });
}

/** Whether an Accept header admits TAXII 2.1 (absent or any type: yes). */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type === '*/*' || type === 'application/*') return true;
    if (type !== 'application/taxii+json') return false;
    const version = params.find((p) => p.startsWith('version='));
    return !version || version === 'version=2.1';
  });
}

function isTaxiiContentType(ct: string | undefined): boolean {
  if (!ct) return false;
  const [type, ...params] = ct.split(';').map((s) => s.trim().toLowerCase());
  return type === 'application/taxii+json' && params.includes('version=2.1');
}

async function readWithin(request: Request, limit: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

export interface TaxiiDeps {
  config: Config;
  stix: StixService;
  authenticate: (token: string, meta: RequestMeta) => Promise<UserPrincipal | null>;
}

export function createTaxiiApp(deps: TaxiiDeps) {
  const app = new Hono<Env>();
  const { stix } = deps;
  const maxContentLength = deps.config.taxii.maxContentLength;
  // The API root's URL: the hub's public URL, or (no fixed port: PORT=0) the one the client used.
  const configuredRoot = /:0$/.test(deps.config.http.publicUrl) ? null : `${deps.config.http.publicUrl}/taxii2/api/`;
  const rootOf = (c: Context) => configuredRoot ?? new URL('/taxii2/api/', c.req.url).toString();

  app.use('*', async (c, next) => {
    if (!acceptsTaxii(c.req.header('accept'))) return taxiiError(c, 406, 'Not Acceptable', `this server answers ${TAXII_MEDIA}`);
    const auth = c.req.header('authorization') ?? '';
    const meta: RequestMeta = { requestId: c.req.header('x-request-id') ?? null, clientAddress: null };
    let principal: UserPrincipal | null = null;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (bearer) principal = await deps.authenticate(bearer[1]!, meta);
    else if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        const user = decoded.slice(0, colon).trim().toLowerCase();
        const p = await deps.authenticate(decoded.slice(colon + 1), meta);
        // The user name must be the token's owner: a token is no one else's password.
        principal = p && p.email.toLowerCase() === user ? p : null;
      }
    }
    if (!principal) return taxiiError(c, 401, 'Unauthorized', 'send HTTP Basic (e-mail and API token) or Authorization: Bearer <API token>');
    c.set('principal', principal);
    await next();
  });

  // The service's expected errors as TAXII error resources; anything else is the hub's internal error.
  app.onError((err, c) => {
    if (isExpectedError(err)) {
      const code = err.extensions.code;
      if (code === 'NOT_FOUND') return taxiiError(c, 404, 'Not Found', err.message);
      if (code === 'FORBIDDEN') return taxiiError(c, 403, 'Forbidden', err.message);
      if (code === 'BAD_USER_INPUT') return taxiiError(c, 400, 'Bad Request', err.message);
    }
    throw err;
  });

  app.get('/', (c) =>
    json(c, {
      title: 'ESTF Hub',
      description: "TAXII 2.1 server of California's Election Security Task Force hub",
      contact: 'the hub operators',
      default: rootOf(c),
      api_roots: [rootOf(c)],
    }),
  );

  app.get('/api/', (c) =>
    json(c, {
      title: 'ESTF Hub',
      description: 'Indicators, sightings, incidents and any STIX 2.1 object partners share, under the hub access policy',
      versions: [TAXII_MEDIA],
      max_content_length: maxContentLength,
    }),
  );

  const describe = (col: (typeof COLLECTIONS)[number], p: UserPrincipal) => ({
    id: col.id,
    title: col.title,
    description: col.description,
    can_read: true,
    can_write: stix.canWrite(p),
    media_types: ['application/stix+json;version=2.1'],
  });

  app.get('/api/collections/', (c) => json(c, { collections: COLLECTIONS.map((col) => describe(col, c.get('principal'))) }));

  app.get('/api/collections/:id/', (c) => {
    const col = stix.collectionByid(c.req.param('id'));
    if (!col) return taxiiError(c, 404, 'Not Found', 'no such collection');
    return json(c, describe(col, c.get('principal')));
  });

  /** The filters of a request, or the name of the bad one. */
  function query(c: Context<Env>, opts: { id?: string } = {}): TaxiiQuery | string {
    const url = new URL(c.req.url);
    const list = (name: string) => {
      const all = url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
      return all.length > 0 ? all : null;
    };
    const addedAfter = url.searchParams.get('added_after');
    if (addedAfter !== null && !parseStixTime(addedAfter)) return `added_after: ${JSON.stringify(addedAfter)} is not a timestamp (RFC 3339, UTC, e.g. 2026-11-03T08:00:00.000000Z)`;
    const limitText = url.searchParams.get('limit');
    let limit = MAX_PAGE;
    if (limitText !== null) {
      if (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1) return `limit: must be a positive whole number, got ${JSON.stringify(limitText)}`;
      limit = Math.min(Number(limitText), MAX_PAGE);
    }
    const versions = list('match[version]');
    for (const v of versions ?? []) if (v !== 'first' && v !== 'last' && v !== 'all' && !parseStixTime(v)) return `match[version]: ${JSON.stringify(v)} must be first, last, all or a timestamp`;
    const ids = opts.id ? [opts.id] : list('match[id]');
    for (const id of ids ?? []) if (!isStixId(id)) return `match[id]: ${JSON.stringify(id)} is not a STIX identifier`;
    return { addedAfter, limit, next: url.searchParams.get('next'), ids, types: list('match[type]'), versions, specVersions: list('match[spec_version]') };
  }

  function dateHeaders(first: string | null, last: string | null): Record<string, string> {
    return first && last ? { 'X-TAXII-Date-Added-First': first, 'X-TAXII-Date-Added-Last': last } : {};
  }

  // The manifest and the objects endpoints page the same walk of the collection (same filters, next, headers);
  // one lists each object's manifest entry, the other the object itself.
  for (const kind of ['manifest', 'objects'] as const) {
    app.get(`/api/collections/:id/${kind}/`, async (c) => {
      const col = stix.collectionByid(c.req.param('id'));
      if (!col) return taxiiError(c, 404, 'Not Found', 'no such collection');
      const q = query(c);
      if (typeof q === 'string') return taxiiError(c, 400, 'Bad Request', q);
      const page = await stix.taxiiPage(c.get('principal'), col.key, q);
      const listed = kind === 'manifest' ? page.manifest : page.objects;
      const body: Record<string, unknown> = { more: page.more };
      if (page.next) body.next = page.next;
      if (listed.length > 0) body.objects = listed;
      return json(c, body, 200, dateHeaders(page.first, page.last));
    });
  }

  app.post('/api/collections/:id/objects/', async (c) => {
    const col = stix.collectionByid(c.req.param('id'));
    if (!col) return taxiiError(c, 404, 'Not Found', 'no such collection');
    if (!stix.canWrite(c.get('principal'))) return taxiiError(c, 403, 'Forbidden', 'this account may not add objects (can_write is false)');
    if (!isTaxiiContentType(c.req.header('content-type'))) return taxiiError(c, 415, 'Unsupported Media Type', `send the envelope as ${TAXII_MEDIA}`);
    const text = await readWithin(c.req.raw, maxContentLength);
    if (text === null) return taxiiError(c, 413, 'Payload Too Large', `the body is larger than max_content_length (${maxContentLength} bytes)`);
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch (err) {
      return taxiiError(c, 400, 'Bad Request', `the body is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || !Array.isArray((envelope as { objects?: unknown }).objects)) {
      return taxiiError(c, 400, 'Bad Request', 'the body must be an envelope: {"objects": [ … ]}');
    }
    const status = await stix.taxiiPost(c.get('principal'), (envelope as { objects: unknown[] }).objects);
    return json(c, status, 202);
  });

  app.get('/api/collections/:id/objects/:objectId/', async (c) => {
    const col = stix.collectionByid(c.req.param('id'));
    if (!col) return taxiiError(c, 404, 'Not Found', 'no such collection');
    const id = c.req.param('objectId');
    if (!isStixId(id)) return taxiiError(c, 404, 'Not Found', 'no such object');
    const q = query(c, { id });
    if (typeof q === 'string') return taxiiError(c, 400, 'Bad Request', q);
    const page = await stix.taxiiPage(c.get('principal'), col.key, q);
    if (page.objects.length === 0) return taxiiError(c, 404, 'Not Found', 'no such object');
    return json(c, { more: false, objects: page.objects }, 200, dateHeaders(page.first, page.last));
  });

  app.delete('/api/collections/:id/objects/:objectId/', async (c) => {
    const col = stix.collectionByid(c.req.param('id'));
    if (!col) return taxiiError(c, 404, 'Not Found', 'no such collection');
    const id = c.req.param('objectId');
    if (!isStixId(id)) return taxiiError(c, 404, 'Not Found', 'no such object');
    const version = new URL(c.req.url).searchParams.get('match[version]');
    await stix.taxiiDelete(c.get('principal'), col.key, id, version && version !== 'all' ? version : null);
    return c.body(null, 200);
  });

  app.get('/api/collections/:id/objects/:objectId/versions/', async (c) => {
    const col = stix.collectionByid(c.req.param('id'));
    if (!col) return taxiiError(c, 404, 'Not Found', 'no such collection');
    const id = c.req.param('objectId');
    if (!isStixId(id)) return taxiiError(c, 404, 'Not Found', 'no such object');
    const q = query(c, { id });
    if (typeof q === 'string') return taxiiError(c, 400, 'Bad Request', q);
    const page = await stix.taxiiPage(c.get('principal'), col.key, { ...q, versions: ['all'] });
    if (page.manifest.length === 0) return taxiiError(c, 404, 'Not Found', 'no such object');
    return json(c, { more: false, versions: page.manifest.map((m) => m.version) }, 200, dateHeaders(page.first, page.last));
  });

  app.get('/api/status/:statusId/', async (c) => json(c, await stix.taxiiStatus(c.get('principal'), c.req.param('statusId'))));

  app.notFound((c) => taxiiError(c, 404, 'Not Found', 'no such TAXII resource'));
  return app;
}
