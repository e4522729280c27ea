import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { pino } from 'pino';
import { GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { GRAPHQL_LIMITS } from '../src/graphql/yoga.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/** `{ organizations { duties { organization { … name } } } }`: `depth` levels of fields, the leaf included. */
function cyclicQuery(depth: number): string {
  let inner = 'name';
  for (let level = depth - 1; level >= 2; level--) inner = `${level % 2 === 0 ? 'duties' : 'organization'} { ${inner} }`;
  return `{ organizations { ${inner} } }`;
}

/** The same cycle below createUser's result (User.organization.duties…), so that executing it would leave a trace. */
function cyclicUserSelection(depth: number): string {
  let inner = 'name';
  for (let level = depth - 1; level >= 2; level--) inner = `${level % 2 === 0 ? 'organization' : 'duties'} { ${inner} }`;
  return inner;
}

/**
 * Rejected at parse or validation: errors and no `data` key at all (an execution always yields one).
 * The status is 200 for `application/json` clients, as the GraphQL over HTTP spec says.
 */
function expectRejectedBeforeExecution(res: { status: number; body: any }, message: RegExp): void {
  expect([200, 400]).toContain(res.status);
  expect(res.body).not.toHaveProperty('data');
  expect(res.body.errors.length).toBeGreaterThan(0);
  expect(res.body.errors.map((e: { message: string }) => e.message).join(' ')).toMatch(message);
}

async function rawPost(url: string, headers: Record<string, string>, body: string) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as any };
}

describe('GraphQL hardening', () => {
  let hub: TestHub;
  let admin: TestUser;
  let analyst: TestUser;
  beforeAll(async () => {
    hub = await startTestHub();
    admin = await makeUser(hub.deps, 'sos', ['HUB_ADMIN'], 'admin');
    analyst = await makeUser(hub.deps, 'county-marin', ['ANALYST'], 'analyst');
  });
  afterAll(async () => hub?.close());

  const send = (token: string, query: string) =>
    rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${token}` }, JSON.stringify({ query }));

  async function tokenCount(): Promise<number> {
    const r = await hub.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return r.n;
  }

  describe('limits', () => {
    it('allow a full page of 500 incidents with the usual fields', async () => {
      const res = await send(analyst.token, `{ incidents(first: 500) { totalCount edges { cursor node { id reference title severity status tlp reportedAt reportingOrganization { slug } affectedCounties { slug } } } pageInfo { hasNextPage endCursor } } }`);
      expect(res.body.errors).toBeUndefined();
    });

    it('allow a query within the depth limit', async () => {
      const res = await hub.gql(analyst.token, cyclicQuery(GRAPHQL_LIMITS.maxDepth));
      expect(res.errors).toBeUndefined();
      expect(res.data.organizations).toHaveLength(65);
    });

    it('reject a too-deep query before execution', async () => {
      const res = await send(analyst.token, cyclicQuery(GRAPHQL_LIMITS.maxDepth + 2));
      expectRejectedBeforeExecution(res, new RegExp(`depth limit of ${GRAPHQL_LIMITS.maxDepth} exceeded, found ${GRAPHQL_LIMITS.maxDepth + 2}`, 'i'));
    });

    it('reject a too-deep mutation without running it', async () => {
      const email = 'deep@county-marin.example';
      const res = await send(
        admin.token,
        `mutation { createUser(input: { email: "${email}", name: "Deep", organization: "county-marin", roles: [VIEWER] }) { ${cyclicUserSelection(GRAPHQL_LIMITS.maxDepth + 4)} } }`,
      );
      expectRejectedBeforeExecution(res, /depth limit/i);
      expect(await hub.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
    });

    it('reject 100 aliases before execution: 100 aliased issueApiToken mutations issue no token', async () => {
      const before = await tokenCount();
      const fields = Array.from({ length: 100 }, (_, i) => `t${i}: issueApiToken(input: { email: "${admin.email}" }) { token }`).join('\n');
      const res = await send(admin.token, `mutation { ${fields} }`);
      expectRejectedBeforeExecution(res, new RegExp(`aliases limit of ${GRAPHQL_LIMITS.maxAliases} exceeded, found 100`, 'i'));
      expect(await tokenCount()).toBe(before);
    });

    it('allow as many aliases as the limit', async () => {
      const before = await tokenCount();
      const fields = Array.from({ length: GRAPHQL_LIMITS.maxAliases }, (_, i) => `t${i}: issueApiToken(input: { email: "${admin.email}" }) { token }`).join('\n');
      const res = await hub.gql(admin.token, `mutation { ${fields} }`);
      expect(res.errors).toBeUndefined();
      expect(await tokenCount()).toBe(before + GRAPHQL_LIMITS.maxAliases);
    });

    it('reject a query with too many tokens', async () => {
      const res = await send(analyst.token, `{ ${'__typename '.repeat(GRAPHQL_LIMITS.maxTokens + 10)}}`);
      expectRejectedBeforeExecution(res, new RegExp(`token limit of ${GRAPHQL_LIMITS.maxTokens} exceeded`, 'i'));
    });

    it('reject a query with too many directives', async () => {
      const res = await send(analyst.token, `{ __typename ${'@include(if: true) '.repeat(GRAPHQL_LIMITS.maxDirectives + 1)}}`);
      expectRejectedBeforeExecution(res, new RegExp(`directives limit of ${GRAPHQL_LIMITS.maxDirectives} exceeded`, 'i'));
    });

    it('reject a query that is too costly although within the depth and alias limits', async () => {
      // Pages within pages: 100 incidents × 100 timeline entries each. A single page of 500 is fine.
      const res = await send(analyst.token, `{ incidents(first: 100) { edges { node { timeline(first: 100) { edges { node { id kind } } } } } } }`);
      expectRejectedBeforeExecution(res, new RegExp(`cost limit of ${GRAPHQL_LIMITS.maxCost.toLocaleString('en-US')} exceeded`, 'i'));
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', maxCost: GRAPHQL_LIMITS.maxCost });
    });

    it('allow a dashboard: 50 incidents, each with its last 20 timeline entries and 20 comments', async () => {
      const res = await send(
        analyst.token,
        `{ incidents(first: 50) { totalCount edges { cursor node { id reference title severity status tlp reportedAt updatedAt
            reportingOrganization { slug name } affectedCounties { slug name }
            timeline(first: 20) { totalCount edges { node { id kind at actor { email } body change } } }
            comments(first: 20) { edges { node { id at actor { email name } body } } } } } pageInfo { hasNextPage endCursor } } }`,
      );
      expect(res.body.errors).toBeUndefined();
    });

    it('count pages given in variables at their value: 15 aliases of nested pages of $n = 500 are refused before execution', async () => {
      const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: incidents(first: $n) { edges { node { id timeline(first: $n) { edges { node { id } } } comments(first: $n) { edges { node { id } } } } } }`);
      const started = performance.now();
      const res = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` }, JSON.stringify({ query: `query($n: Int) { ${aliases.join('\n')} }`, variables: { n: 500 } }));
      expectRejectedBeforeExecution(res, /cost limit of 10,000 exceeded/i);
      expect(res.body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
      expect(res.body.errors[0].extensions.cost).toBeGreaterThan(1_000_000);
      expect(performance.now() - started).toBeLessThan(1_000);
      // An unset variable counts as the default page (50), a small one as itself.
      const one = 'query($n: Int) { incidents(first: $n) { edges { node { timeline(first: $n) { edges { node { id } } } } } } }';
      expect((await hub.gql(analyst.token, one, { n: 20 })).errors).toBeUndefined();
      expect((await hub.gql(analyst.token, one, { n: 200 })).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
      // Fragments, named or inline, cost what they select.
      const fragments = 'query($n: Int) { incidents(first: $n) { ...page } } fragment page on IncidentConnection { edges { node { ... on Incident { timeline(first: $n) { edges { node { id } } } } } } }';
      expect((await hub.gql(analyst.token, fragments, { n: 20 })).errors).toBeUndefined();
      expect((await hub.gql(analyst.token, fragments, { n: 200 })).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
    });

    it('cap matchObservables values and reportIndicators items per request, all aliases together', async () => {
      const values = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `v${i}-${tag}.example`);
      const match = 'query($a: [String!]!, $b: [String!]!) { a: matchObservables(values: $a) { matches { value } } b: matchObservables(values: $b) { matches { value } } }';
      const refused = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` }, JSON.stringify({ query: match, variables: { a: values(6_000, 'a'), b: values(6_000, 'b') } }));
      expect(refused.body).not.toHaveProperty('data');
      expect(refused.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'values' });
      expect(refused.body.errors[0].message).toMatch(/at most 10,000 .* per request/);
      expect((await hub.gql(analyst.token, match, { a: values(10, 'a'), b: values(10, 'b') })).errors).toBeUndefined();

      const before = await hub.db.selectFrom('indicator_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const report = 'mutation($a: [IndicatorReportInput!]!, $b: [IndicatorReportInput!]!, $c: [IndicatorReportInput!]!) { a: reportIndicators(input: $a) { ok } b: reportIndicators(input: $b) { ok } c: reportIndicators(input: $c) { ok } }';
      const items = (tag: string) => values(4_000, tag).map((value) => ({ value, tlp: 'GREEN' }));
      const res = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` }, JSON.stringify({ query: report, variables: { a: items('a'), b: items('b'), c: items('c') } }));
      expect(res.body).not.toHaveProperty('data');
      expect(res.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input' });
      const after = await hub.db.selectFrom('indicator_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
    });
  });

  describe('transport', () => {
    it('has batching off: an array body is refused', async () => {
      const before = await tokenCount();
      const op = { query: `mutation { issueApiToken(input: { email: "${admin.email}" }) { token } }` };
      const res = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` }, JSON.stringify([op, op]));
      expect(res.status).toBe(400);
      expect(Array.isArray(res.body)).toBe(false);
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expect(await tokenCount()).toBe(before);
    });

    it('answers a GET query of a standard client (graphql-request) that authenticates with a bearer token', async () => {
      // A bearer token cannot be attached to a cross-site request without a CORS preflight: no CSRF header needed.
      const client = new GraphQLClient(`${hub.url}/graphql`, { method: 'GET', headers: { authorization: `Bearer ${analyst.token}` } });
      expect(await client.request<{ organization: { slug: string } }>('query($s: String!) { organization(slug: $s) { slug } }', { s: 'sos' })).toEqual({
        organization: { slug: 'sos' },
      });
      const post = new GraphQLClient(`${hub.url}/graphql`, { headers: { authorization: `Bearer ${analyst.token}` } });
      expect(await post.request('{ organization(slug: "sos") { slug } }')).toEqual({ organization: { slug: 'sos' } });
    });

    it('refuses a GET without a bearer token and without the CSRF header, and answers it with the header', async () => {
      const query = encodeURIComponent('{ __typename }');
      const refused = await fetch(`${hub.url}/graphql?query=${query}`, { headers: { accept: 'application/json' } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toMatch(/CSRF/);
      const allowed = await fetch(`${hub.url}/graphql?query=${query}`, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({ data: { __typename: 'Query' } });
      // A credential other than a bearer token (a cookie, Basic) is what a browser attaches cross-site: still refused.
      const basic = await fetch(`${hub.url}/graphql?query=${query}`, { headers: { accept: 'application/json', authorization: 'Basic YTpi' } });
      expect(basic.status).toBe(403);
    });

    it('refuses a POST with a simple (form-like) content type, so a cross-site form cannot run a mutation', async () => {
      const before = await tokenCount();
      const body = JSON.stringify({ query: `mutation { issueApiToken(input: { email: "${admin.email}" }) { token } }` });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin.token}` }, body });
        expect(res.status, type).toBe(403);
      }
      expect(await tokenCount()).toBe(before);
      // The same operation as JSON works.
      const ok = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` }, body);
      expect(ok.status).toBe(200);
      expect(ok.body.data.issueApiToken.token).toMatch(/^estf_/);
    });

    it('refuses a body over the limit on every path: JSON, and a subscription over SSE, with or without Content-Length', async () => {
      const query = 'subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { cursor } }';
      const big = JSON.stringify({ query, variables: { filter: { domains: [] }, padding: 'x'.repeat(GRAPHQL_LIMITS.maxRequestBodyBytes + 1_000_000) } });
      const auth = { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` };
      const chunked = () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            const bytes = new TextEncoder().encode(big);
            for (let i = 0; i < bytes.length; i += 1 << 20) controller.enqueue(bytes.subarray(i, i + (1 << 20)));
            controller.close();
          },
        });
      for (const accept of ['application/json', 'text/event-stream']) {
        for (const body of [big, chunked()]) {
          const label = `${accept}, ${typeof body === 'string' ? 'Content-Length' : 'chunked'}`;
          const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { ...auth, accept }, body, duplex: 'half' } as RequestInit).catch((e) => {
            throw new Error(`${label}: ${String(e.cause ?? e)}`);
          });
          expect(res.status, label).toBe(413);
          expect(res.headers.get('content-type'), label).not.toMatch(/event-stream/);
          expect(await res.text(), label).toMatch(/too large/i);
        }
      }
      expect(hub.deps.services.alerts.liveStreams).toBe(0);
    });

    it('refuses mutations over GET', async () => {
      const before = await tokenCount();
      const query = encodeURIComponent(`mutation { issueApiToken(input: { email: "${admin.email}" }) { token } }`);
      const res = await fetch(`${hub.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${admin.token}`, accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
      expect(res.status).toBe(405);
      expect(await tokenCount()).toBe(before);
    });
  });
});

describe('an internal error', () => {
  // The GraphQL path (["organizations", 0, "duties"]) is the client's own query and may be shown; SQL may not.
  const FORBIDDEN_IN_RESPONSES = [/relation/i, /does not exist/, /duties_gone/, /select /i, /from "/i, /postgres/i, /127\.0\.0\.1/, /localhost/, /\bat .+:\d+:\d+/, /node_modules/, /\.ts\b/, /stack/i];

  it('reaches the client masked, and is logged with the request id', async () => {
    const hub = await startTestHub();
    const lines: Array<Record<string, any>> = [];
    const logger = pino({ level: 'info' }, new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }));
    const app = createApp({ ...hub.deps, logger });
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const u = await makeUser(hub.deps, 'county-inyo', ['ANALYST']);
      // Break this test's own database under the running hub.
      await sql`alter table duties rename to duties_gone`.execute(hub.db);
      const res = await rawPost(url, { 'content-type': 'application/json', authorization: `Bearer ${u.token}`, 'x-request-id': 'broken-1' }, JSON.stringify({ query: '{ organizations { slug duties { name } } }' }));

      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].message).toBe('Unexpected error.');
      expect(res.body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      for (const pattern of [...FORBIDDEN_IN_RESPONSES, new RegExp(os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))]) {
        expect(res.text).not.toMatch(pattern);
      }

      // The operator still learns what happened, with the request id that ties it to the client's report.
      const logged = lines.filter((l) => l.level === 50 && String(l.err?.message ?? '').includes('relation "duties" does not exist'));
      expect(logged).toHaveLength(1);
      expect(logged[0]!.requestId).toBe('broken-1');
    } finally {
      await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
      await hub.close();
    }
  });

  it('is explained, with its stack, in development only', async () => {
    const hub = await startTestHub({ NODE_ENV: 'development' });
    try {
      const u = await makeUser(hub.deps, 'county-inyo', ['ANALYST']);
      await sql`alter table duties rename to duties_gone`.execute(hub.db);
      const res = await hub.gql(u.token, '{ organizations { duties { name } } }');
      expect(res.errors![0]!.message).toBe('Unexpected error.');
      expect(res.errors![0]!.extensions?.originalError?.message).toContain('relation "duties" does not exist');
      expect(res.errors![0]!.extensions?.originalError?.stack).toMatch(/\bat /);
    } finally {
      await hub.close();
    }
  });
});

describe('in production', () => {
  let hub: TestHub;
  let u: TestUser;
  beforeAll(async () => {
    hub = await startTestHub({ NODE_ENV: 'production' });
    u = await makeUser(hub.deps, 'county-lake', ['ANALYST']);
  });
  afterAll(async () => hub?.close());

  it('turns introspection off, with or without a token', async () => {
    for (const headers of [{ authorization: `Bearer ${u.token}` }, {}] as Array<Record<string, string>>) {
      const res = await rawPost(hub.url, { 'content-type': 'application/json', ...headers }, JSON.stringify({ query: '{ __schema { types { name } } }' }));
      expectRejectedBeforeExecution(res, /introspection/i);
    }
  });

  it('serves no GraphiQL page', async () => {
    const res = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/<html/i);
  });

  it('does not suggest field names', async () => {
    const res = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${u.token}` }, JSON.stringify({ query: '{ organizationz { slug } }' }));
    expectRejectedBeforeExecution(res, /organizationz/);
    expect(res.text).not.toMatch(/did you mean/i);
    expect(res.text).not.toContain('"organizations"');
  });

  it('suggests no enum value, argument, type or field name, whether in the document or in variables', async () => {
    const cases: Array<{ query: string; variables?: Record<string, unknown> }> = [
      { query: '{ incidents(filter: { severityAtLeast: HIHG }) { totalCount } }' },
      { query: 'query($s: Severity) { incidents(filter: { severityAtLeast: $s }) { totalCount } }', variables: { s: 'HIHG' } },
      { query: 'query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }', variables: { f: { severityAtLeast: 'HIHG', statuss: ['OPEN'] } } },
      { query: '{ incidents(fist: 5) { totalCount } }' },
      { query: 'query($s: Severty) { incidents { totalCount } }' },
      { query: '{ incidents { totalCont } }' },
    ];
    for (const c of cases) {
      const res = await rawPost(hub.url, { 'content-type': 'application/json', authorization: `Bearer ${u.token}` }, JSON.stringify(c));
      expect(res.body.errors?.length, c.query).toBeGreaterThan(0);
      expect(res.text, c.query).not.toMatch(/did you mean/i);
      expect(res.text, c.query).not.toMatch(/\bHIGH\b|statuses|"first"|"totalCount"/);
    }
  });

  it('still answers real queries', async () => {
    const res = await hub.gql(u.token, '{ viewer { organization { slug } } }');
    expect(res.data).toEqual({ viewer: { organization: { slug: 'county-lake' } } });
  });
});
