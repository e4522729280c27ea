import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/infra/logger.js';
import { startHub, type RunningHub } from '../src/hub.js';
import { GRAPHQL_LIMITS } from '../src/graphql/yoga.js';
import { makeUser, type TestUser } from './factories.js';
import { clearRedisPrefix, createTestDatabase, dropTestDatabase, startTestHub, testConfig, type TestHub } from './harness.js';

/**
 * What the abuse benchmark (bench/abuse.ts) found after the issue 10 fixes: a statement timeout answered as an
 * internal error, graphql-armor's refusals without a code, totalCount free in the cost model, and filings
 * queued behind heavy readers in the API's pool.
 */

async function post(port: number | null, token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> } };
}

/** Holds `lock table <table> in access exclusive mode` in a transaction until released. */
function holdLock(hub: RunningHub, table: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const done = hub.deps.db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.table(table)} in access exclusive mode`.execute(trx);
    locked();
    await released;
  });
  return { isLocked, release: async () => { release(); await done; } };
}

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { reference } }`;
const FILING = { input: { title: 'Ransomware at the county office', summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN' } };

describe('a statement cancelled by DATABASE_API_STATEMENT_TIMEOUT', () => {
  let database: { name: string; url: string };
  let hub: RunningHub;
  let county: TestUser;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: database.url, DATABASE_API_STATEMENT_TIMEOUT: '300ms' });
    prefix = config.queuePrefix;
    hub = await startHub(config, createLogger('silent'), { api: true, workers: false });
    county = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST']);
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    if (prefix) await clearRedisPrefix(prefix);
    if (database) await dropTestDatabase(database.name);
  });

  it('answers QUERY_TIMEOUT naming the limit, not an internal error', async () => {
    // The slow statement: a read that waits behind a lock for longer than the API's statement timeout.
    const lock = holdLock(hub, 'incidents');
    await lock.isLocked;
    try {
      const res = await post(hub.port, county.token, '{ incidents(first: 1) { totalCount } }');
      expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TIMEOUT');
      expect(res.body.errors?.[0]?.message).toMatch(/300 ms/);
      expect(res.body.errors?.[0]?.message).not.toMatch(/Unexpected error/);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await lock.release();
    }
  });
});

describe('graphql-armor refusals', () => {
  let hub: TestHub;
  let user: TestUser;
  beforeAll(async () => {
    hub = await startTestHub();
    user = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST']);
  }, 60_000);
  afterAll(async () => hub?.close());

  const nested = (depth: number) => {
    let inner = 'name';
    for (let level = depth - 1; level >= 2; level--) inner = `${level % 2 === 0 ? 'duties' : 'organization'} { ${inner} }`;
    return `{ organizations { ${inner} } }`;
  };
  const cases: Array<[string, string, RegExp]> = [
    ['maxAliases', `{ ${Array.from({ length: GRAPHQL_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { email }`).join(' ')} }`, /aliases/i],
    ['maxDepth', nested(GRAPHQL_LIMITS.maxDepth + 2), /depth/i],
    ['maxTokens', `{ me { ${Array.from({ length: GRAPHQL_LIMITS.maxTokens }, () => 'email').join(' ')} } }`, /token/i],
    ['maxDirectives', `{ me { email ${Array.from({ length: GRAPHQL_LIMITS.maxDirectives + 1 }, () => '@include(if: true)').join(' ')} } }`, /directives/i],
  ];
  for (const [limit, query, message] of cases) {
    it(`${limit}: QUERY_TOO_COMPLEX, the limit named, no "Syntax Error"`, async () => {
      const res = await hub.gql(user.token, query);
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(res.errors?.[0]?.extensions?.limit).toBe(limit);
      expect(res.errors?.[0]?.message).toMatch(message);
      expect(res.errors?.[0]?.message).not.toMatch(/Syntax Error/);
    });
  }

  it('prices totalCount: 15 × incidents(first: 166) with three totalCounts each is refused', async () => {
    const alias = (i: number) => `a${i}: incidents(first: 166) { totalCount edges { node { timeline(first: 0) { totalCount } comments(first: 0) { totalCount } } } }`;
    const res = await hub.gql(user.token, `{ ${Array.from({ length: 15 }, (_, i) => alias(i)).join(' ')} }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
    // One page asking only for its count is still cheap.
    const one = await hub.gql(user.token, '{ incidents(first: 0) { totalCount } }');
    expect(one.errors).toBeUndefined();
  });
});

describe('admission control: heavy requests run at most ESTF_HEAVY_REQUESTS_MAX at a time', () => {
  let database: { name: string; url: string };
  let hub: RunningHub;
  let county: TestUser;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: database.url, DATABASE_API_POOL_SIZE: '3', ESTF_HEAVY_REQUESTS_MAX: '2', ESTF_HEAVY_REQUESTS_WAIT: '1s' });
    prefix = config.queuePrefix;
    hub = await startHub(config, createLogger('silent'), { api: true, workers: false });
    county = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST']);
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    if (prefix) await clearRedisPrefix(prefix);
    if (database) await dropTestDatabase(database.name);
  });

  it('a filing finds a connection while heavy requests hold theirs; the ones over the limit are refused after the wait', async () => {
    // Heavy: 1,000 values to match. Slow: the indicators table is locked, so they wait holding their connection.
    const values = Array.from({ length: 1_000 }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}`);
    const lock = holdLock(hub, 'indicators');
    await lock.isLocked;
    const done: Array<{ code: string | undefined; retryAfter: string | null }> = [];
    try {
      const heavy = Array.from({ length: 4 }, () =>
        post(hub.port, county.token, 'query($v: [String!]!) { matchObservables(values: $v) { matches { __typename } } }', { v: values }).then((r) => {
          done.push({ code: r.body.errors?.[0]?.extensions?.code ?? 'OK', retryAfter: r.headers.get('retry-after') });
          return r;
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const filed = await post(hub.port, county.token, FILE, FILING);
      expect(filed.body.errors).toBeUndefined();
      expect(filed.body.data.fileIncident.reference).toMatch(/^ESTF-/);
      // The filing was answered while every heavy request that got a slot was still running.
      expect(done.filter((d) => d.code !== 'RATE_LIMITED')).toEqual([]);
      // Two waited for a slot beyond ESTF_HEAVY_REQUESTS_WAIT and were told to come back; two still hold theirs.
      while (done.length < 2) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      expect(done).toEqual([
        { code: 'RATE_LIMITED', retryAfter: expect.stringMatching(/^\d+$/) },
        { code: 'RATE_LIMITED', retryAfter: expect.stringMatching(/^\d+$/) },
      ]);
      await lock.release();
      await Promise.all(heavy);
      expect(done.slice(2).map((d) => d.code)).toEqual(['OK', 'OK']);
    } finally {
      await lock.release();
    }
  }, 30_000);
});
