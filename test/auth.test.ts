import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { hashToken } from '../src/modules/identity/tokens.js';
import { makeUser } from './factories.js';
import { startTestHub, type GqlResponse, type TestHub } from './harness.js';

const VIEWER = '{ viewer { user { email name roles } organization { slug name kind } tokenPrefix } }';
const cli = systemPrincipal('test');

function expectUnauthenticated(res: GqlResponse<unknown>): void {
  expect(res.status).toBe(401);
  expect(res.data).toBeNull();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  // The transport hint stays on the server side.
  expect(res.errors![0]!.extensions?.http).toBeUndefined();
}

describe('token authentication over HTTP', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  /** A raw POST, for headers the gql helper does not send. */
  async function post(headers: Record<string, string>, query: string): Promise<GqlResponse<any>> {
    const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { data?: unknown; errors?: GqlResponse<unknown>['errors'] };
    return { status: res.status, data: body.data ?? null, errors: body.errors };
  }

  it('accepts a valid token and tells whose it is', async () => {
    const u = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST', 'ORG_ADMIN'], 'valid');
    const res = await hub.gql(u.token, VIEWER);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer).toEqual({
      user: { email: u.email, name: 'valid of county-los-angeles', roles: ['ANALYST', 'ORG_ADMIN'] },
      organization: { slug: 'county-los-angeles', name: 'Los Angeles County Elections', kind: 'COUNTY' },
      tokenPrefix: u.token.slice(0, 13),
    });
  });

  it('stores only a SHA-256 hash and a prefix of the token', async () => {
    const u = await makeUser(hub.deps, 'county-orange', ['VIEWER'], 'stored');
    expect(u.token).toMatch(/^estf_[A-Za-z0-9_-]{43}$/);
    const rows = await hub.db.selectFrom('api_tokens').selectAll().where('user_id', '=', u.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.prefix).toBe(u.token.slice(0, 13));
    expect(rows[0]!.token_hash.equals(hashToken(u.token))).toBe(true);
    const { rows: leaked } = await sql<{ n: number }>`
      select count(*)::int as n from api_tokens where position(${u.token} in (api_tokens::text)) > 0`.execute(hub.db);
    expect(leaked[0]!.n).toBe(0);
  });

  it('refuses an expired token', async () => {
    const u = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'expired');
    expect((await hub.gql(u.token, VIEWER)).status).toBe(200);
    await hub.db.updateTable('api_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('user_id', '=', u.id).execute();
    expectUnauthenticated(await hub.gql(u.token, VIEWER));
  });

  it('accepts a token whose expiry is still ahead', async () => {
    const u = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'expiring');
    const { token, row } = await hub.deps.services.identity.issueApiToken(cli, { email: u.email, expiresIn: '1h' });
    expect(row.expires_at!.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(row.expires_at!.getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect((await hub.gql(token, VIEWER)).data.viewer.user.email).toBe(u.email);
  });

  it('refuses a revoked token, and only that one', async () => {
    const u = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'revoked');
    const { token: second } = await hub.deps.services.identity.issueApiToken(cli, { email: u.email });
    await hub.deps.services.identity.revokeApiToken(cli, u.token.slice(0, 13));
    expectUnauthenticated(await hub.gql(u.token, VIEWER));
    expect((await hub.gql(second, VIEWER)).data.viewer.user.email).toBe(u.email);
  });

  it('refuses garbage in the Authorization header', async () => {
    for (const authorization of ['Bearer hello', 'Bearer estf_short', 'Bearer ', 'Basic dXNlcjpwYXNz', 'estf_' + 'A'.repeat(43), `Bearer ${'x'.repeat(5000)}`]) {
      expectUnauthenticated(await post({ authorization }, VIEWER));
    }
  });

  it('refuses a well-formed token that was never issued', async () => {
    const forged = `estf_${randomBytes(32).toString('base64url')}`;
    expect(forged).toMatch(/^estf_[A-Za-z0-9_-]{43}$/);
    expectUnauthenticated(await hub.gql(forged, VIEWER));
  });

  it('stops a deactivated user at once', async () => {
    const u = await makeUser(hub.deps, 'county-kern', ['ANALYST'], 'leaver');
    expect((await hub.gql(u.token, VIEWER)).status).toBe(200);
    await hub.deps.services.identity.deactivateUser(cli, u.email);
    expectUnauthenticated(await hub.gql(u.token, VIEWER));
  });

  it('stops the users of a deactivated organization', async () => {
    const u = await makeUser(hub.deps, 'county-modoc', ['ANALYST'], 'orgleaver');
    expect((await hub.gql(u.token, VIEWER)).status).toBe(200);
    await hub.db.updateTable('organizations').set({ active: false }).where('slug', '=', 'county-modoc').execute();
    expectUnauthenticated(await hub.gql(u.token, VIEWER));
  });

  it('answers 401 UNAUTHENTICATED to an operation without a token', async () => {
    expectUnauthenticated(await hub.gql(null, VIEWER));
    expectUnauthenticated(await hub.gql(null, '{ organizations { slug } }'));
    // Mixing introspection into a real query does not get it through.
    expectUnauthenticated(await hub.gql(null, '{ __typename organizations { slug } }'));
  });

  it('runs no mutation without a token', async () => {
    const before = await hub.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await hub.gql(null, 'mutation { createUser(input: { email: "anon@sos.example", name: "Anon", organization: "sos", roles: [HUB_ADMIN] }) { id } }');
    expectUnauthenticated(res);
    const after = await hub.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('lets introspection through without a token, so GraphiQL can load its documentation', async () => {
    const res = await hub.gql(null, '{ __schema { queryType { name } mutationType { name } } }');
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } } });
    expect((await hub.gql(null, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('refuses even introspection with a token that is not valid', async () => {
    expectUnauthenticated(await post({ authorization: 'Bearer nonsense' }, '{ __schema { queryType { name } } }'));
  });

  it('serves the GraphiQL page without a token', async () => {
    const res = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('ESTF Hub');
  });

  it('serves GraphiQL from the hub alone: the page names no other host, and every asset it names answers', async () => {
    const res = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await res.text();
    // On a closed network a CDN does not answer: the page stays blank.
    const hosts = [...html.matchAll(/(?:https?:)?\/\/([A-Za-z0-9.-]+(?::\d+)?)/g)].map((m) => m[1]);
    expect(hosts.filter((h) => h !== new URL(hub.url).host)).toEqual([]);
    const assets = [...new Set([...html.matchAll(/(?:src|href)="([^"]+)"|'(\/graphiql\/[^']+)'/g)].map((m) => m[1] ?? m[2]!))];
    expect(assets).toEqual(expect.arrayContaining(['/graphiql/graphiql.js', '/graphiql/graphiql.css', '/graphiql/graphql.worker.js']));
    for (const asset of assets) {
      const a = await fetch(new URL(asset, hub.url));
      expect(a.status, asset).toBe(200);
      expect((await a.text()).length, asset).toBeGreaterThan(1000);
    }
    expect((await fetch(`${hub.url}/graphiql/nothing.js`)).status).toBe(404);
  });

  it('records when a token was last used', async () => {
    const u = await makeUser(hub.deps, 'county-yolo', ['ANALYST'], 'lastused');
    const before = await hub.db.selectFrom('api_tokens').select('last_used_at').where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(before.last_used_at).toBeNull();
    const started = Date.now();
    expect((await hub.gql(u.token, VIEWER)).status).toBe(200);
    // Recorded after the answer, off the request's path: poll briefly.
    let lastUsed: Date | null = null;
    for (let i = 0; i < 50 && lastUsed === null; i++) {
      lastUsed = (await hub.db.selectFrom('api_tokens').select('last_used_at').where('user_id', '=', u.id).executeTakeFirstOrThrow()).last_used_at;
      if (lastUsed === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(lastUsed).not.toBeNull();
    expect(lastUsed!.getTime()).toBeGreaterThanOrEqual(started - 1_000);
    expect(lastUsed!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);

    // Shown to the owner through the API as well.
    const list = await hub.gql(u.token, `{ apiTokens(email: "${u.email}") { prefix lastUsedAt } }`);
    expect(list.data.apiTokens).toEqual([{ prefix: u.token.slice(0, 13), lastUsedAt: lastUsed!.toISOString() }]);
  });
});
