/**
 * An `incidents` page reads only the columns its selected fields need (incidents.projection.ts), a
 * county's page finds its ids by an index-only walk first, and a text search tries the newest incidents
 * first (incidents.repository.ts listIncidents): none of these may change an answer. Every field of
 * Incident asked for alone must answer what it answers when the page reads whole rows; the text
 * search's first try must give the page the full search gives, and come back to the full search when
 * the newest incidents hold too few matches.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isLeafType, isObjectType, parse, type GraphQLField, type GraphQLNamedType, type OperationDefinitionNode, type FieldNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleIncidents } from '../src/access/incidents.js';
import { SCHEMA_PATH } from '../src/graphql/yoga.js';
import { incidentListProjection } from '../src/modules/incidents/incidents.projection.js';
import { listIncidents } from '../src/modules/incidents/incidents.repository.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));

/** A selection of one field: leaves as they are, objects with their leaf fields (no required arguments). */
function selectionOf(field: GraphQLField<unknown, unknown>, depth = 0): string {
  const type: GraphQLNamedType = getNamedType(field.type);
  if (isLeafType(type)) return field.name;
  if (!isObjectType(type) || depth > 1) return `${field.name} { __typename }`;
  const inner = Object.values(type.getFields())
    .filter((f) => !f.args.some((a) => a.type.toString().endsWith('!')))
    .map((f) => (isLeafType(getNamedType(f.type)) ? f.name : depth < 1 ? selectionOf(f, depth + 1) : null))
    .filter((s): s is string => s !== null);
  return `${field.name} { __typename ${inner.join(' ')} }`;
}

const projectionOf = (query: string) => {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const fragments = Object.fromEntries(doc.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d]] : [])));
  return incidentListProjection({ fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments });
};

describe('incident list projection', () => {
  it('reads the columns of the fields asked for, through fragments, and the whole row for a field it does not know', () => {
    const bench = projectionOf(`query($f: IncidentFilter) { incidents(first: 50, filter: $f) { edges { cursor node { id reference title severity status tlp reportedAt reportingOrganization { slug } affectedCounties { slug } } } pageInfo { hasNextPage } } }`);
    expect(bench).not.toBeNull();
    expect([...bench!.columns].sort()).toEqual(['reference', 'reported_at', 'severity', 'status', 'title']);
    expect(bench!.audience).toBe(true);
    const viaFragments = projectionOf(`{ incidents { edges { ...E } } } fragment E on IncidentEdge { node { ... on Incident { summary } ...N } } fragment N on Incident { createdAt }`);
    expect([...viaFragments!.columns].sort()).toEqual(['created_at', 'summary']);
    expect(viaFragments!.audience).toBe(false);
    // Another module's field is handed the row: the whole row is read.
    expect(projectionOf(`{ incidents { edges { node { id escalations { id } } } } }`)).toBeNull();
    expect(projectionOf(`{ incidents { edges { node { id correlation { countyCount } } } } }`)).toBeNull();
  });
});

describe('incident list pages', () => {
  let hub: TestHub;
  let orange: TestUser, sos: TestUser, kern: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [orange, sos, kern] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
    ]);
    const file = async (input: Record<string, unknown>) => {
      const r = await hub.gql(orange.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`, {
        input: { title: 'Phishing wave', summary: 'Credential phishing at the county', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', ...input },
      });
      expect(r.errors).toBeUndefined();
      return r.data.fileIncident.id as string;
    };
    const a = await file({
      affectedCounties: ['county-orange', 'county-kern'],
      affectedAssets: ['EMAIL', 'PUBLIC_WEBSITE'],
      occurredAt: '2026-11-03T20:00:00Z',
      detectedAt: '2026-11-03T21:00:00Z',
      shareWith: ['cisa'],
      externalReferences: [{ source: 'MS-ISAC', identifier: 'EI-1', url: 'https://example.org/ei-1' }],
    });
    await file({ title: 'Ballot drop box damaged', summary: 'Drop box tipped over', category: 'DROP_BOX_TAMPERING', tlp: 'RED', shareWithUsers: [sos.email], affectedCounties: ['county-orange'] });
    await file({ title: 'Voicemail threat', summary: 'A threatening voicemail', category: 'THREAT_TO_ELECTION_WORKERS', tlp: 'GREEN', lawEnforcementSensitive: true, exercise: false });
    for (let i = 0; i < 6; i++) await file({ title: `Phishing follow-up ${i}`, summary: `More phishing ${i}`, affectedCounties: [i % 2 ? 'county-kern' : 'county-orange'] });
    const assigned = await hub.gql(sos.token, `mutation($id: ID!) { assignIncident(id: $id, organization: "county-orange", user: "${orange.email}") { id } }`, { id: a });
    expect(assigned.errors).toBeUndefined();
  });
  afterAll(async () => hub?.close());

  const nodes = async (token: string, selection: string, filter: Record<string, unknown> | null = null, orderBy: Record<string, string> | null = null) => {
    const r = await hub.gql(token, `query($f: IncidentFilter, $o: IncidentOrder) { incidents(first: 10, filter: $f, orderBy: $o) { edges { cursor node { id ${selection} } } } }`, {
      f: filter,
      o: orderBy,
    });
    expect(r.errors).toBeUndefined();
    return r.data.incidents.edges as Array<{ cursor: string; node: Record<string, unknown> }>;
  };

  it('answers every field of Incident alone as it does from the whole row', async () => {
    const incident = schema.getType('Incident');
    if (!isObjectType(incident)) throw new Error('no Incident type');
    // `escalations` is not projected: asking for it too makes the page read whole rows.
    const whole = 'escalations { id }';
    for (const user of [orange, sos, kern]) {
      for (const field of Object.values(incident.getFields())) {
        const sel = selectionOf(field);
        const alone = await nodes(user.token, sel);
        const full = (await nodes(user.token, `${sel} ${whole}`)).map((e) => ({ ...e, node: { ...e.node, escalations: undefined } }));
        expect(alone.length, field.name).toBeGreaterThan(0);
        expect(alone.map((e) => ({ ...e, node: { ...e.node, escalations: undefined } })), `${field.name} as ${user.organization}`).toEqual(full);
      }
    }
    // Every order's cursors come from its own keys, read whatever the fields.
    for (const field of ['REPORTED_AT', 'UPDATED_AT', 'OCCURRED_AT', 'SEVERITY']) {
      for (const direction of ['ASC', 'DESC']) {
        const o = { field, direction };
        const alone = await nodes(sos.token, 'title', null, o);
        expect(alone, `${field} ${direction}`).toEqual((await nodes(sos.token, `title ${whole}`, null, o)).map((e) => ({ ...e, node: { ...e.node, escalations: undefined } })));
      }
    }
  });

  it('lists a county the same way, by its own walk, as the whole rows filtered in memory', async () => {
    const sel = 'reference title affectedCounties { slug } sharedWith { slug }';
    for (const user of [orange, sos, kern]) {
      for (const county of ['county-orange', 'county-kern', 'county-fresno']) {
        const all = await nodes(user.token, sel);
        const filtered = await nodes(user.token, sel, { affectedCounty: county });
        expect(filtered, `${user.organization} / ${county}`).toEqual(all.filter((e) => (e.node.affectedCounties as Array<{ slug: string }>).some((c) => c.slug === county)));
      }
    }
  });

  it('finds a text search page among the newest incidents first, or in all of them when those hold too few', async () => {
    const order = { field: 'REPORTED_AT', direction: 'DESC' } as const;
    const principal = (await hub.deps.services.identity.authenticate(sos.token, { requestId: null, clientAddress: null }))!;
    const visible = visibleIncidents(principal);
    const ids = (rows: Array<{ incident: { id: string } }>) => rows.map((r) => r.incident.id);
    for (const text of ['phishing', 'voicemail', 'ballot', 'nothing-matches-this']) {
      for (const limit of [1, 2, 3, 5, 50]) {
        // A window larger than the table: no bound, the full search.
        const full = await listIncidents(hub.db, visible, { text, exercise: false }, order, null, limit, { recentWindow: 1_000_000 });
        for (const window of [1, 2, 4, 7]) {
          const tried = await listIncidents(hub.db, visible, { text, exercise: false }, order, null, limit, { recentWindow: window });
          expect(ids(tried), `${text} / ${limit} / window ${window}`).toEqual(ids(full));
          // The next page from the first one's last row, with and without the window.
          if (full.length > 0) {
            const last = full[full.length - 1]!.incident as { id: string; reported_at: Date };
            const after = [last.reported_at.toISOString(), last.id];
            const next = await listIncidents(hub.db, visible, { text, exercise: false }, order, after, limit, { recentWindow: 1_000_000 });
            expect(ids(await listIncidents(hub.db, visible, { text, exercise: false }, order, after, limit, { recentWindow: window }))).toEqual(ids(next));
          }
        }
      }
    }
  });
});
