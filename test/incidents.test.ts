import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../src/modules/audit/audit.repository.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference status version tlp domain affectedCounties { slug } } }`;
const GET = `query($id: ID!) { incident(id: $id) { id reference title status } }`;

describe('incidents', () => {
  let hub: TestHub;
  let orange: TestUser, riverside: TestUser, kern: TestUser, fresno: TestUser, sosCoord: TestUser, calOes: TestUser, auditor: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [orange, riverside, kern, fresno, sosCoord, calOes, auditor] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'county-riverside', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'county-fresno', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'cal-oes', ['VIEWER']),
      makeUser(hub.deps, 'sos', ['AUDITOR']),
    ]);
  });
  afterAll(async () => hub?.close());

  const file = (u: TestUser, input: Record<string, unknown>) =>
    hub.gql(u.token, FILE, {
      input: { title: 'Phishing wave', summary: 'Staff received credential phishing', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', ...input },
    });

  it('an AMBER incident naming two counties reaches exactly its audience, and is triaged on one timeline', async () => {
    const filed = await file(orange, { affectedCounties: ['county-orange', 'county-riverside', 'county-kern'], title: 'Credential phishing at the ROV' });
    expect(filed.errors).toBeUndefined();
    const inc = filed.data.fileIncident;
    expect(inc.reference).toMatch(/^ESTF-\d{4}-\d{5}$/);
    expect(inc.status).toBe('REPORTED');
    expect(inc.domain).toBe('CYBER');

    for (const u of [orange, riverside, kern, sosCoord, calOes]) {
      const r = await hub.gql(u.token, GET, { id: inc.id });
      expect(r.data.incident?.reference, u.email).toBe(inc.reference);
      const list = await hub.gql(u.token, `{ incidents { totalCount edges { node { id } } } }`);
      expect(list.data.incidents.edges.map((e: any) => e.node.id)).toContain(inc.id);
    }
    // A third county: not in the list, not in the count, NOT_FOUND by id, null by reference.
    const byId = await hub.gql(fresno.token, GET, { id: inc.id });
    expect(byId.data.incident).toBeNull();
    const byRef = await hub.gql(fresno.token, `query($r: String!) { incidentByReference(reference: $r) { id } }`, { r: inc.reference });
    expect(byRef.data.incidentByReference).toBeNull();
    const list = await hub.gql(fresno.token, `{ incidents { totalCount edges { node { id } } } }`);
    expect(list.data.incidents.edges.map((e: any) => e.node.id)).not.toContain(inc.id);
    expect(list.data.incidents.totalCount).toBe(0);
    const comment = await hub.gql(fresno.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "x") { id } }`, { id: inc.id });
    expectCode(comment, 'NOT_FOUND');
    const ghost = await hub.gql(fresno.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "x") { id } }`, { id: '00000000-0000-4000-8000-000000000000' });
    expect(ghost.errors?.[0]?.message.replace(/"[^"]+"/, 'X')).toBe(comment.errors?.[0]?.message.replace(/"[^"]+"/, 'X'));

    // The county may not triage; the coordinator does.
    const denied = await hub.gql(orange.token, `mutation($id: ID!) { transitionIncident(id: $id, to: TRIAGED) { status } }`, { id: inc.id });
    expectCode(denied, 'FORBIDDEN');
    const triaged = await hub.gql(sosCoord.token, `mutation($id: ID!) { transitionIncident(id: $id, to: TRIAGED, note: "Confirmed by SOS") { status } }`, { id: inc.id });
    expect(triaged.data.transitionIncident.status).toBe('TRIAGED');
    await hub.gql(riverside.token, `mutation($id: ID!) { addIncidentComment(id: $id, body: "Seen here too") { id } }`, { id: inc.id });
    await hub.gql(sosCoord.token, `mutation($id: ID!) { assignIncident(id: $id, organization: "cal-oes") { assignee { organization { slug } } } }`, { id: inc.id });
    const raised = await hub.gql(sosCoord.token, `mutation($id: ID!) { updateIncident(id: $id, input: { severity: CRITICAL }, expectedVersion: 3) { severity version } }`, { id: inc.id });
    expect(raised.data.updateIncident.severity).toBe('CRITICAL');

    const tl = await hub.gql(kern.token, `query($id: ID!) { incident(id: $id) { timeline { totalCount edges { node { kind body change actor { email } } } } } }`, { id: inc.id });
    const kinds = tl.data.incident.timeline.edges.map((e: any) => e.node.kind);
    expect(kinds).toEqual(['FILED', 'STATUS_CHANGED', 'COMMENT', 'ASSIGNED', 'SEVERITY_CHANGED']);
    expect(tl.data.incident.timeline.totalCount).toBe(5);
    const status = tl.data.incident.timeline.edges[1].node;
    expect(status.change).toEqual({ from: 'REPORTED', to: 'TRIAGED' });
    expect(status.body).toBe('Confirmed by SOS');
    expect(status.actor.email).toBe(sosCoord.email);

    // Outbox rows were written with the changes.
    const topics = await hub.db.selectFrom('outbox').select('topic').where('aggregate_id', '=', inc.id).orderBy('id').execute();
    expect(topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['incident.filed', 'incident.status_changed', 'incident.severity_changed']));
    expect(await verifyAuditChain(hub.db)).toMatchObject({ ok: true });
  });

  it('refuses bad input with the field named, and writes nothing', async () => {
    const before = await hub.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: '   ' }, 'title'],
      [{ summary: 'y'.repeat(20_001) }, 'summary'],
      [{ affectedCounties: ['sos'] }, 'affectedCounties'],
      [{ affectedCounties: ['county-atlantis'] }, 'affectedCounties'],
      [{ occurredAt: new Date(Date.now() + 3_600_000).toISOString() }, 'occurredAt'],
      [{ tlp: 'RED' }, 'shareWithUsers'],
      [{ tlp: 'RED', shareWithUsers: [kern.email], shareWith: ['county-kern'] }, 'shareWith'],
      [{ shareWithUsers: [kern.email] }, 'shareWithUsers'],
      [{ externalReferences: [{ source: 'FBI', identifier: 'X', url: 'javascript:alert(1)' }] }, 'externalReferences[0].url'],
    ];
    for (const [input, field] of cases) {
      const r = await file(orange, input);
      expectCode(r, 'BAD_USER_INPUT');
      expect(r.errors![0]!.extensions!.field, JSON.stringify(input).slice(0, 80)).toBe(field);
    }
    const enumErr = await file(orange, { category: 'ALIENS' });
    expect(enumErr.errors?.[0]?.message).toMatch(/ALIENS/);
    const after = await hub.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('allows only the transitions of the life cycle, naming the current status and the allowed ones', async () => {
    const inc = (await file(orange, {})).data.fileIncident;
    const r = await hub.gql(orange.token, `mutation($id: ID!) { transitionIncident(id: $id, to: CLOSED) { status } }`, { id: inc.id });
    expectCode(r, 'BAD_USER_INPUT');
    expect(r.errors![0]!.message).toMatch(/from REPORTED to CLOSED.*TRIAGED, REJECTED/);
    for (const to of ['TRIAGED', 'INVESTIGATING', 'CONTAINED', 'RESOLVED', 'INVESTIGATING', 'CONTAINED', 'RESOLVED', 'CLOSED']) {
      const u = to === 'TRIAGED' ? sosCoord : orange;
      const t = await hub.gql(u.token, `mutation($id: ID!, $to: IncidentStatus!) { transitionIncident(id: $id, to: $to) { status } }`, { id: inc.id, to });
      expect(t.errors, to).toBeUndefined();
    }
    const reopen = await hub.gql(orange.token, `mutation($id: ID!) { transitionIncident(id: $id, to: INVESTIGATING) { status } }`, { id: inc.id });
    expect(reopen.errors![0]!.message).toMatch(/allowed from CLOSED: none/);
  });

  it('detects a stale version with CONFLICT', async () => {
    const inc = (await file(orange, {})).data.fileIncident;
    const upd = `mutation($id: ID!, $v: Int!, $t: String) { updateIncident(id: $id, input: { title: $t }, expectedVersion: $v) { version title } }`;
    const first = await hub.gql(orange.token, upd, { id: inc.id, v: 1, t: 'First edit' });
    expect(first.data.updateIncident.version).toBe(2);
    const stale = await hub.gql(orange.token, upd, { id: inc.id, v: 1, t: 'Second edit' });
    expectCode(stale, 'CONFLICT');
    expect(stale.errors![0]!.extensions!.currentVersion).toBe(2);
  });

  it('never reuses a reference, even under concurrent filing', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => file(orange, {})));
    const refs = results.map((r) => r.data.fileIncident.reference);
    expect(new Set(refs).size).toBe(20);
    expect(await verifyAuditChain(hub.db)).toMatchObject({ ok: true });
  });

  it('keeps the audit chain tamper-evident: verify finds an altered row', async () => {
    expect(await verifyAuditChain(hub.db)).toMatchObject({ ok: true });
    await expect(sql`update audit_log set action = 'x' where seq = 2`.execute(hub.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where seq = 2`.execute(hub.db)).rejects.toThrow(/append-only/);
    // A superuser can still bypass triggers; the chain is what catches it.
    await hub.db.connection().execute(async (c) => {
      await sql`set session_replication_role = replica`.execute(c);
      await sql`update audit_log set change = '{"title":"rewritten"}' where seq = 3`.execute(c);
      await sql`set session_replication_role = origin`.execute(c);
    });
    const r = await verifyAuditChain(hub.db);
    expect(r).toMatchObject({ ok: false, brokenSeq: 3 });
  });
});
