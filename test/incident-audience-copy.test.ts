/**
 * The incident row's copies of its audience (affected_county_ids, shared_organization_ids,
 * recipient_user_ids: migration 2026-12-09T0100) are what the list's access filter reads, so they must
 * always say what the link tables say: after filing, sharing, naming RED recipients and editing counties
 * through the API; after raw statements of every kind (multi-row inserts across incidents, updates,
 * deletes, cascades); and when two transactions change one incident's audience at once (the second waits
 * for the first's row lock and must add to, not overwrite, what the first wrote). The same for
 * incident_county_order (each county's incidents newest first, what a county's list walks: migration
 * 2026-12-10T0500).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id version } }`;

describe('incident audience copies', () => {
  let hub: TestHub;
  let orange: TestUser, kern: TestUser, cisa: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [orange, kern, cisa] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
    ]);
  });
  afterAll(async () => hub?.close());

  const file = async (input: Record<string, unknown>): Promise<{ id: string; version: number }> => {
    const r = await hub.gql(orange.token, FILE, {
      input: { title: 'Phishing wave', summary: 'Credential phishing', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', ...input },
    });
    expect(r.errors).toBeUndefined();
    return r.data.fileIncident;
  };
  const orgId = async (slug: string) => (await sql<{ id: string }>`select id from organizations where slug = ${slug}`.execute(hub.db)).rows[0]!.id;

  /** Incidents whose copies differ from their link tables (as sets). */
  const mismatches = async () =>
    (
      await sql<{ id: string }>`
        select i.id from incidents i
        where array(select unnest(i.affected_county_ids) order by 1) is distinct from array(select organization_id from incident_affected_counties c where c.incident_id = i.id order by 1)
           or array(select unnest(i.shared_organization_ids) order by 1) is distinct from array(select organization_id from incident_shares s where s.incident_id = i.id order by 1)
           or array(select unnest(i.recipient_user_ids) order by 1) is distinct from array(select user_id from incident_recipients r where r.incident_id = i.id order by 1)
           -- incident_county_order (migration 2026-12-10T0500): each county link, with the incident's reported_at
           or array(select o.organization_id::text || ' ' || o.reported_at::text from incident_county_order o where o.incident_id = i.id order by 1)
              is distinct from array(select c.organization_id::text || ' ' || i.reported_at::text from incident_affected_counties c where c.incident_id = i.id order by 1)
        union
        select o.incident_id from incident_county_order o where not exists (select 1 from incidents i where i.id = o.incident_id)`.execute(hub.db)
    ).rows.map((r) => r.id);
  const copies = async (id: string) =>
    (
      await sql<{ c: string[]; s: string[]; r: string[] }>`select affected_county_ids::text[] c, shared_organization_ids::text[] s, recipient_user_ids::text[] r from incidents where id = ${id}`.execute(
        hub.db,
      )
    ).rows[0]!;

  it('follow filing, sharing, RED recipients and county edits made through the API', async () => {
    const a = await file({ affectedCounties: ['county-orange', 'county-riverside'] });
    expect((await copies(a.id)).c.sort()).toEqual([await orgId('county-orange'), await orgId('county-riverside')].sort());
    const shared = await hub.gql(orange.token, `mutation($id: ID!) { shareIncident(id: $id, organizations: ["county-kern", "cisa"]) { id version } }`, { id: a.id });
    expect(shared.errors).toBeUndefined();
    const edited = await hub.gql(orange.token, `mutation($id: ID!, $v: Int!) { updateIncident(id: $id, input: { affectedCounties: ["county-fresno"] }, expectedVersion: $v) { id } }`, {
      id: a.id,
      v: shared.data.shareIncident.version,
    });
    expect(edited.errors).toBeUndefined();
    expect((await copies(a.id)).c).toEqual([await orgId('county-fresno')]);

    const red = await file({ tlp: 'RED', shareWithUsers: [kern.email] });
    expect((await copies(red.id)).r).toEqual([kern.id]);
    const named = await hub.gql(orange.token, `mutation($id: ID!, $r: [String!]) { setIncidentTlp(id: $id, tlp: RED, recipients: $r) { id } }`, {
      id: red.id,
      r: [cisa.email],
    });
    expect(named.errors).toBeUndefined();
    expect((await copies(red.id)).r.sort()).toEqual([kern.id, cisa.id].sort());
    // What the copies are for: the list shows the RED incident to its recipients and to nobody else of their organizations.
    const list = async (u: TestUser) => (await hub.gql(u.token, `{ incidents(first: 100) { edges { node { id } } } }`)).data.incidents.edges.map((e: any) => e.node.id);
    expect(await list(kern)).toContain(red.id);
    expect(await list(await makeUser(hub.deps, 'county-kern', ['ANALYST']))).not.toContain(red.id);
    expect(await mismatches()).toEqual([]);
  });

  it('follow raw multi-row inserts, updates, deletes and cascades', async () => {
    const [x, y] = [await file({}), await file({})];
    const [kernId, monoId, cisaId] = [await orgId('county-kern'), await orgId('county-mono'), await orgId('cisa')];
    await sql`insert into incident_affected_counties (incident_id, organization_id) values (${x.id}, ${kernId}), (${x.id}, ${monoId}), (${y.id}, ${kernId})`.execute(hub.db);
    await sql`insert into incident_shares (incident_id, organization_id) values (${x.id}, ${cisaId}), (${y.id}, ${cisaId})`.execute(hub.db);
    await sql`insert into incident_shares (incident_id, organization_id) values (${x.id}, ${cisaId}) on conflict do nothing`.execute(hub.db);
    expect(await mismatches()).toEqual([]);
    await sql`update incident_affected_counties set organization_id = ${cisaId} where incident_id = ${y.id} and organization_id = ${kernId}`.execute(hub.db);
    await sql`delete from incident_affected_counties where organization_id = ${kernId} and incident_id in (${x.id}, ${y.id})`.execute(hub.db);
    await sql`delete from incident_shares where incident_id = ${y.id}`.execute(hub.db);
    expect(await mismatches()).toEqual([]);
    expect((await copies(x.id)).c).toEqual([monoId]);
    expect(await copies(y.id)).toEqual({ c: [cisaId], s: [], r: [] });
    // A statement that moves an incident's reported_at moves its county entries along.
    await sql`update incidents set reported_at = reported_at - interval '1 day' where id = ${x.id}`.execute(hub.db);
    expect(await mismatches()).toEqual([]);
    // Deleting the incident cascades to its links; the copies' triggers find no row to update.
    await sql`delete from incidents where id = ${y.id}`.execute(hub.db);
    expect(await mismatches()).toEqual([]);
  });

  it('keep both of two concurrent changes to one incident', async () => {
    const z = await file({});
    const [kernId, cisaId] = [await orgId('county-kern'), await orgId('cisa')];
    await hub.db.connection().execute(async (first) => {
      await sql`begin`.execute(first);
      await sql`insert into incident_shares (incident_id, organization_id) values (${z.id}, ${kernId})`.execute(first);
      // The second transaction's trigger waits for the first's row lock on the incident…
      const second = hub.db.transaction().execute(async (trx) => {
        await sql`insert into incident_shares (incident_id, organization_id) values (${z.id}, ${cisaId})`.execute(trx);
      });
      await new Promise((r) => setTimeout(r, 300));
      await sql`commit`.execute(first);
      // …and then appends to the row the first one wrote.
      await second;
    });
    expect((await copies(z.id)).s.sort()).toEqual([kernId, cisaId].sort());
    expect(await mismatches()).toEqual([]);
  });
});
