import { readFileSync } from 'node:fs';
import { buildSchema, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationCost } from '../src/graphql/cost.js';
import { SCHEMA_PATH } from '../src/graphql/yoga.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * Fragments that spread the next one twice: a document of a few hundred tokens whose fragment tree has
 * 2^levels leaves. Execution merges repeated spreads (graphql-js and graphql-jit collect a fragment once
 * per selection set) and graphql-armor counts each fragment once; the cost must not walk the tree either,
 * or one request holds the event loop for minutes before anything is refused.
 */
function doublingFragments(levels: number, leaf: string): string {
  let doc = 'query Doubling { ...F0 }\n';
  for (let i = 0; i < levels; i++) doc += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
  return `${doc}fragment F${levels} on Query { ${leaf} }\n`;
}

describe('attack: cost of fragments', () => {
  const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));

  it('is computed in time linear in the document, not in the fragment tree', () => {
    for (const levels of [24, 200]) {
      const started = performance.now();
      const cost = operationCost(schema, parse(doublingFragments(levels, '__typename')), null, {});
      expect(performance.now() - started, `${levels} levels`).toBeLessThan(1_000);
      expect(cost?.cost).toBe(0);
    }
  }, 120_000);

  it('still counts every spread of a fragment that costs something', () => {
    const cost = operationCost(schema, parse(doublingFragments(200, 'incidents(first: 1) { totalCount }')), null, {});
    expect(cost!.cost).toBeGreaterThan(10_000);
    const small = operationCost(schema, parse(doublingFragments(3, 'incidents(first: $n) { edges { node { id reportingOrganization { slug } } } }').replace('query Doubling', 'query Doubling($n: Int)')), null, { n: 10 });
    // 8 leaves × (1 + 10 × (1 + 1 × (1 + 1)))
    expect(small!.cost).toBe(8 * (1 + 10 * (1 + 1 * (1 + 1))));
  });

  it('counts a page under a list that is not a page once per item the list may hold', () => {
    // Each linked incident's timeline is one SQL statement: 48 indicators × 50 linked incidents (a statewide
    // phishing domain) are 2,400 statements, which cost as if each indicator had one linked incident.
    const perItem = parse(`{ indicators(first: 48) { edges { node { linkedIncidents { timeline(first: 100) { edges { node { id } } } } } } } }`);
    expect(operationCost(schema, perItem, null, {})!.cost).toBeGreaterThan(10_000);
    const viaMatches = parse(`query($v: [String!]!) { matchObservables(values: $v) { matches { indicator { linkedIncidents { comments(first: 20) { edges { node { id } } } } } } } }`);
    expect(operationCost(schema, viaMatches, null, { v: ['evil.example'] })!.cost).toBeGreaterThan(10_000);
    const subscriptions = parse(`{ alertSubscriptions { deliveries(first: 100) { attempts { at } } } }`);
    expect(operationCost(schema, subscriptions, null, {})!.cost).toBe(1 + 50 * (1 + 100 * 1));
    // Lists without a page below them cost what they did: their items come in one statement per list.
    const plain = parse(`{ indicators(first: 100) { edges { node { reports { organization { slug } incident { id } } linkedIncidents { id } sightings { organization { slug } } } } } }`);
    expect(operationCost(schema, plain, null, {})!.cost).toBe(1 + 100 * (1 + 1 * (1 + (1 + 2) + 1 + (1 + 1))));
    // The edges of a page are that page's items, already counted by its first.
    const page = parse(`{ incidents(first: 20) { edges { node { timeline(first: 20) { edges { node { id } } } } } } }`);
    expect(operationCost(schema, page, null, {})!.cost).toBe(1 + 20 * (1 + (1 + (1 + 20 * (1 + 1)))));
  });

  it('counts batch items of a fragment at each of its spreads', () => {
    const doc = parse(`query { ...A ...A }\nfragment A on Query { matchObservables(values: ["a", "b", "c"]) { value } }`);
    expect(operationCost(schema, doc, null, {})!.batches['Query.matchObservables']).toBe(6);
  });
});

describe('attack: cost of fragments over HTTP', () => {
  let hub: TestHub;
  let analyst: TestUser;
  beforeAll(async () => {
    hub = await startTestHub();
    analyst = await makeUser(hub.deps, 'county-marin', ['ANALYST'], 'analyst');
  });
  afterAll(async () => hub?.close());

  it('answers a doubling-fragment query promptly, refused when its tree costs too much', async () => {
    let started = performance.now();
    const cheap = await hub.gql(analyst.token, doublingFragments(24, '__typename'));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(cheap.errors).toBeUndefined();
    expect(cheap.data).toEqual({ __typename: 'Query' });

    started = performance.now();
    const costly = await hub.gql(analyst.token, doublingFragments(60, 'incidents(first: 1) { totalCount }'));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(costly.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  }, 120_000);
});
