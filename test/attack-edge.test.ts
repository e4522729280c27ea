import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/** Angles on the request limits that the builders' tests did not take; these held when tried. */
describe('attack: request limits from other angles', () => {
  let hub: TestHub;
  let analyst: TestUser;
  beforeAll(async () => {
    hub = await startTestHub();
    analyst = await makeUser(hub.deps, 'county-marin', ['ANALYST'], 'analyst');
  });
  afterAll(async () => hub?.close());

  const costly = 'query($n: Int) { incidents(first: $n) { edges { node { timeline(first: $n) { edges { node { id } } } } } } }';
  const get = async (params: Record<string, string>, headers: Record<string, string> = { authorization: `Bearer ${analyst.token}` }) => {
    const r = await fetch(`${hub.url}/graphql?${new URLSearchParams(params)}`, { headers });
    return { status: r.status, body: await r.text() };
  };

  it('costs a GET with its variables from the query string', async () => {
    const r = await get({ query: costly, variables: JSON.stringify({ n: 500 }) });
    expect(JSON.parse(r.body).errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
  });

  it('costs a variable by its default when no value is sent', async () => {
    const r = await hub.gql(analyst.token, costly.replace('$n: Int)', '$n: Int = 500)'));
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });

  it('refuses a negative first as input', async () => {
    const r = await hub.gql(analyst.token, '{ incidents(first: -1) { totalCount } }');
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('never decompresses a gzip body (no zip bomb behind the 25 MB limit)', async () => {
    const r = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${analyst.token}` },
      body: gzipSync(JSON.stringify({ query: '{ __typename }' })),
    });
    expect(r.status).toBe(400);
    expect(await r.text()).not.toContain('"data"');
  });

  it('asks the CSRF header of a GET whose bearer token is empty, and of a form-like POST with a token', async () => {
    expect((await get({ query: '{ __typename }' }, { authorization: 'Bearer ' })).status).toBe(403);
    const r = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${analyst.token}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(r.status).toBe(403);
  });

  it('takes a lower-case bearer scheme as a token', async () => {
    const r = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `bearer ${analyst.token}` },
      body: JSON.stringify({ query: '{ incidents(first: 1) { totalCount } }' }),
    });
    expect((await r.json()).data.incidents.totalCount).toBe(0);
  });

  it('never runs a mutation from a GET, whichever operation the query string names', async () => {
    const r = await get({ query: 'query A { __typename } mutation B { __typename }', operationName: 'B' });
    expect(r.status).toBe(405);
  });
});
