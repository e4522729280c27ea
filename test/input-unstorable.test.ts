import { isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type GqlResponse, type TestHub } from './harness.js';
import { casesOf, fieldName, literalDocument, schema, setAt, variablesDocument } from './support/schema-cases.js';

/**
 * A class test: every string argument and input field of every query and mutation of the schema, as it is
 * today and as it will be, is tried with a NUL character and with lone surrogates; every connection's
 * `after` with forged cursors. Each must be BAD_USER_INPUT naming the field, never an internal error.
 */

const CASES = [...casesOf(schema.getQueryType()!, 'query', isText), ...casesOf(schema.getMutationType()!, 'mutation', isText)];

const BAD_STRINGS: Array<[string, string]> = [
  ['NUL', 'county\u0000orange'],
  ['lone high surrogate', 'title \ud800 end'],
  ['lone low surrogate', 'title \udc00 end'],
  ['high surrogate at the end', 'title \udbff'],
];

function expectInputError(res: GqlResponse<unknown>, field: string): void {
  const errors = res.errors ?? [];
  const codes = errors.map((e) => e.extensions?.code);
  expect(codes, JSON.stringify(errors)).not.toContain('INTERNAL_SERVER_ERROR');
  expect(errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT' && e.extensions?.field === field), JSON.stringify(errors)).toBeDefined();
  // Nothing of the database, nor a stack, in what the client sees.
  expect(JSON.stringify(errors)).not.toMatch(/invalid byte sequence|stack|at async/i);
}

function isText(name: string): boolean {
  return name === 'String' || name === 'ID';
}

describe('strings no column can store', () => {
  let hub: TestHub;
  let admin: TestUser;
  beforeAll(async () => {
    hub = await startTestHub();
    admin = await makeUser(hub.deps, 'sos', ['HUB_ADMIN', 'COORDINATOR', 'ANALYST', 'ORG_ADMIN', 'AUDITOR'], 'admin');
  });
  afterAll(async () => hub?.close());

  it('the schema has string arguments to try (the enumeration works)', () => {
    expect(CASES.length).toBeGreaterThan(100);
    expect(CASES.map((c) => c.name)).toEqual(expect.arrayContaining(['fileIncident(title)', 'incidents(filter.text)', 'addIncidentComment(body)', 'reportIndicators(input[0].value)']));
  });

  it('in variables: every string argument and input field answers BAD_USER_INPUT naming it', async () => {
    for (const c of CASES) {
      const doc = variablesDocument(c);
      for (const [, bad] of BAD_STRINGS) expectInputError(await hub.gql(admin.token, doc, setAt(c.args, c.path, bad)), fieldName(c.path));
    }
  });

  it('in literals: a NUL in every string argument and input field answers BAD_USER_INPUT naming it', async () => {
    for (const c of CASES) {
      const res = await hub.gql(admin.token, literalDocument(c, setAt(c.args, c.path, 'a\u0000b')));
      expectInputError(res, fieldName(c.path));
    }
  });

  it('a lone surrogate escape in a literal is a syntax error, not an internal one', async () => {
    const res = await hub.gql(admin.token, String.raw`{ incidentByReference(reference: "ESTF-\ud800") { id } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('a variable used in a nested input object is named by where it is used', async () => {
    const res = await hub.gql(admin.token, `query($t: String) { incidents(filter: { text: $t }) { totalCount } }`, { t: 'a\u0000' });
    expectInputError(res, 'filter.text');
  });

  it('subscriptions too: every string argument and input field of every subscription, over Server-Sent Events', async () => {
    const cases = casesOf(schema.getSubscriptionType()!, 'subscription', isText);
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) {
      const res = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin.token}` },
        body: JSON.stringify({ query: variablesDocument(c), variables: setAt(c.args, c.path, 'x\u0000') }),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await res.text();
      const data = text.split('\n').find((l) => l.startsWith('data: {'));
      expect(data, `${c.name}: ${text}`).toBeDefined();
      const body = JSON.parse(data!.slice('data: '.length)) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
      expect(body.errors?.[0]?.extensions, `${c.name}: ${text}`).toMatchObject({ code: 'BAD_USER_INPUT', field: fieldName(c.path) });
    }
  });

  it('a well-formed surrogate pair (an emoji) is accepted', async () => {
    const res = await hub.gql(admin.token, `query($t: String) { incidents(filter: { text: $t }) { totalCount } }`, { t: 'ballot 🗳️' });
    expect(res.errors).toBeUndefined();
  });
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const UUID0 = '00000000-0000-4000-8000-000000000000';

/** Cursors no list ever returned: garbled, forged with the wrong shape, out of range, not a date. */
const FORGED_CURSORS: string[] = [
  'not a cursor',
  '!!!',
  'é',
  '-1',
  '1.5',
  '1e3',
  'NaN',
  '99999999999999999999',
  '0x10',
  ' 1',
  b64('[]'),
  b64('{}'),
  b64('null'),
  b64('"x"'),
  b64('-1'),
  b64('1.5'),
  b64('1e300'),
  b64('9223372036854775808'),
  b64(String(2 ** 53 + 2)),
  b64(`["x","${UUID0}"]`),
  b64(`["2026-02-30T00:00:00.000Z","${UUID0}"]`),
  b64(`["275760-09-13T00:00:00.000Z","${UUID0}"]`),
  b64(`["2026-11-03T21:00:00.000Z","not-a-uuid"]`),
  b64(`["2026-11-03T21:00:00.000Z",7]`),
  b64(`[1e300,"2026-11-03T21:00:00.000Z","${UUID0}"]`),
  b64(`[70000,"2026-11-03T21:00:00.000Z","${UUID0}"]`),
  b64(`["a","b","${UUID0}"]`),
  b64(`[{"x":1},"${UUID0}"]`),
  b64('"\\u0000"'),
];

describe('forged cursors', () => {
  let hub: TestHub;
  let admin: TestUser;
  let incidentId: string;
  beforeAll(async () => {
    hub = await startTestHub();
    admin = await makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST', 'AUDITOR'], 'admin');
    const filed = await hub.gql(admin.token, `mutation { fileIncident(input: { title: "t", summary: "s", category: PHISHING, severity: LOW, tlp: GREEN }) { id } }`);
    incidentId = filed.data.fileIncident.id;
    await hub.gql(admin.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "first") { id } }`, { id: incidentId });
  });
  afterAll(async () => hub?.close());

  /** How to reach each connection of the schema; the test fails when a new one is not listed here. */
  const CONNECTIONS: Record<string, Array<{ query: string; pick: (data: any) => any }>> = {
    'Query.incidents': (['REPORTED_AT', 'UPDATED_AT', 'OCCURRED_AT', 'SEVERITY'] as const).flatMap((field) =>
      (['ASC', 'DESC'] as const).map((direction) => ({
        query: `query($after: String) { incidents(first: 1, after: $after, orderBy: { field: ${field}, direction: ${direction} }) { edges { cursor } pageInfo { endCursor } } }`,
        pick: (d: any) => d.incidents,
      })),
    ),
    'Query.auditLog': [{ query: `query($after: String) { auditLog(first: 1, after: $after) { edges { cursor } pageInfo { endCursor } } }`, pick: (d) => d.auditLog }],
    'Query.indicators': [{ query: `query($after: String) { indicators(first: 1, after: $after) { edges { cursor } pageInfo { endCursor } } }`, pick: (d) => d.indicators }],
    'Query.events': [{ query: `query($after: String) { events(first: 1, after: $after) { edges { cursor } pageInfo { endCursor } } }`, pick: (d) => d.events }],
    'Query.indicatorAlerts': [
      { query: `query($after: String) { indicatorAlerts(first: 1, after: $after) { edges { cursor } pageInfo { endCursor } } }`, pick: (d) => d.indicatorAlerts },
    ],
    'Incident.timeline': [
      { query: `query($id: ID!, $after: String) { incident(id: $id) { timeline(first: 1, after: $after) { edges { cursor } pageInfo { endCursor } } } }`, pick: (d) => d.incident.timeline },
    ],
    'Incident.comments': [
      { query: `query($id: ID!, $after: String) { incident(id: $id) { comments(first: 1, after: $after) { edges { cursor } pageInfo { endCursor } } } }`, pick: (d) => d.incident.comments },
    ],
  };

  it('every field of the schema taking `after` is covered', () => {
    const withAfter: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || type === schema.getSubscriptionType()) continue;
      for (const f of Object.values(type.getFields())) if (f.args.some((a) => a.name === 'after')) withAfter.push(`${type.name}.${f.name}`);
    }
    expect(withAfter.sort()).toEqual(Object.keys(CONNECTIONS).sort());
  });

  it('a forged or garbled cursor is BAD_USER_INPUT naming `after` on every connection', async () => {
    for (const [name, variants] of Object.entries(CONNECTIONS)) {
      for (const v of variants) {
        for (const after of FORGED_CURSORS) {
          const res = await hub.gql(admin.token, v.query, { id: incidentId, after });
          const errors = res.errors ?? [];
          expect(errors.map((e) => e.extensions?.code), `${name} ${after} ${JSON.stringify(errors)}`).toEqual(['BAD_USER_INPUT']);
          expect(errors[0]!.extensions?.field, `${name} ${after}`).toBe('after');
        }
      }
    }
  });

  it('the cursors a list returns still work', async () => {
    for (const [name, variants] of Object.entries(CONNECTIONS)) {
      for (const v of variants) {
        const first = await hub.gql(admin.token, v.query, { id: incidentId, after: null });
        expect(first.errors, name).toBeUndefined();
        const end = v.pick(first.data).pageInfo.endCursor;
        if (end === null) continue;
        const next = await hub.gql(admin.token, v.query, { id: incidentId, after: end });
        expect(next.errors, `${name} ${end}`).toBeUndefined();
      }
    }
  });
});
