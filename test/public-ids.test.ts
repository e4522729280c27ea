import { pathToFileURL } from 'node:url';
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/infra/migrate.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MIGRATION = '2026-12-07T1300_timeline_sighting_public_ids';

/** Comments (timeline entries) and sightings are shown by random UUIDs, like every other object. */
describe('comment and sighting ids', () => {
  let hub: TestHub;
  let analyst: TestUser;
  let incidentId: string;
  beforeAll(async () => {
    hub = await startTestHub();
    analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST']);
    const filed = await hub.gql(analyst.token, `mutation { fileIncident(input: { title: "t", summary: "s", category: PHISHING, severity: LOW, tlp: GREEN }) { id } }`);
    incidentId = filed.data.fileIncident.id;
  });
  afterAll(async () => hub?.close());

  it('a comment and every timeline entry have a UUID id, the same in every list', async () => {
    const c1 = await hub.gql(analyst.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "one") { id } }`, { id: incidentId });
    const c2 = await hub.gql(analyst.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "two") { id } }`, { id: incidentId });
    const [id1, id2] = [c1.data.addIncidentComment.id, c2.data.addIncidentComment.id];
    expect(id1).toMatch(UUID);
    expect(id2).toMatch(UUID);
    expect(id1).not.toBe(id2);
    const read = await hub.gql(analyst.token, `query($id: ID!) { incident(id: $id) { timeline { edges { node { id kind } } } comments { edges { node { id } } } } }`, { id: incidentId });
    const timeline = read.data.incident.timeline.edges.map((e: any) => e.node);
    for (const e of timeline) expect(e.id, e.kind).toMatch(UUID);
    expect(read.data.incident.comments.edges.map((e: any) => e.node.id)).toEqual([id1, id2]);
  });

  it('timeline cursors name entries by their UUIDs, and page through the timeline', async () => {
    const page = (after: string | null) =>
      hub.gql(analyst.token, `query($id: ID!, $after: String) { incident(id: $id) { timeline(first: 1, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }`, { id: incidentId, after });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await page(after);
      expect(res.errors).toBeUndefined();
      const t = res.data.incident.timeline;
      for (const e of t.edges) {
        expect(JSON.parse(Buffer.from(e.cursor, 'base64url').toString('utf8'))).toBe(e.node.id);
        seen.push(e.node.id);
      }
      if (!t.pageInfo.hasNextPage) break;
      after = t.pageInfo.endCursor;
    }
    const all = await hub.gql(analyst.token, `query($id: ID!) { incident(id: $id) { timeline { totalCount edges { node { id } } } } }`, { id: incidentId });
    expect(seen).toEqual(all.data.incident.timeline.edges.map((e: any) => e.node.id));
    expect(seen.length).toBe(all.data.incident.timeline.totalCount);
    // The cursor of another incident's entry (or of none) lists nothing of this one.
    const other = await hub.gql(analyst.token, `mutation { fileIncident(input: { title: "o", summary: "s", category: PHISHING, severity: LOW, tlp: GREEN }) { timeline { edges { cursor } } } }`);
    const foreign = other.data.fileIncident.timeline.edges[0].cursor;
    expect((await page(foreign)).data.incident.timeline.edges).toEqual([]);
  });

  it('a sighting has a UUID id, the same when listed, and the audit log names it by it', async () => {
    const s = await hub.gql(analyst.token, `mutation { reportSighting(input: { value: "sighted.example-evil.net", tlp: GREEN }) { id } }`);
    const id = s.data.reportSighting.id;
    expect(id).toMatch(UUID);
    const listed = await hub.gql(analyst.token, `{ indicator(type: DOMAIN, value: "sighted.example-evil.net") { sightings { id } } }`);
    expect(listed.data.indicator.sightings).toEqual([{ id }]);
    const audit = await hub.db.selectFrom('audit_log').select('change').where('action', '=', 'indicator.sighted').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect((audit.change as { sighting: unknown }).sighting).toBe(id);
  });

  it('the migration gives each existing row its own UUID and new rows one by default', async () => {
    const mod = (await import(pathToFileURL(`${MIGRATIONS_DIR}/${MIGRATION}.ts`).href)) as Migration;
    const db = hub.db as unknown as Kysely<any>;
    await db.transaction().execute(async (trx) => {
      await mod.down!(trx);
      // Rows written before the migration (no public_id column yet).
      await sql`insert into incident_timeline (incident_id, kind, body) select ${incidentId}::uuid, 'COMMENT', 'old ' || g from generate_series(1, 50) g`.execute(trx);
      await mod.up(trx);
      const { rows } = await sql<{ n: number; distinct_ids: number; missing: number }>`
        select count(*)::int as n, count(distinct public_id)::int as distinct_ids, count(*) filter (where public_id is null)::int as missing from incident_timeline`.execute(trx);
      expect(rows[0]!.missing).toBe(0);
      expect(rows[0]!.distinct_ids).toBe(rows[0]!.n);
      const s = await sql<{ missing: number }>`select count(*) filter (where public_id is null)::int as missing from sightings`.execute(trx);
      expect(s.rows[0]!.missing).toBe(0);
    });
    const after = await hub.gql(analyst.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "after") { id } }`, { id: incidentId });
    expect(after.data.addIncidentComment.id).toMatch(UUID);
  });
});
