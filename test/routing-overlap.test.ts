/**
 * Two rules matching one incident, routed in one transaction from one roster read (routing.ts): the second
 * rule skips whom the first paged at level 1 and whom it informed, exactly as when each rule read the
 * database itself; the event log has each rule's `page.sent`, then `incident.escalated`, in that order.
 *
 * Routing is run directly through the engine (no workers): what is checked is the rows written.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { AUDIT_APPEND_LOCK_KEY } from '../src/modules/audit/audit.repository.js';
import { until } from './support/until.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const RULE = `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`;

describe('routing several rules at once', () => {
  let hub: TestHub;
  let county: TestUser, coordinator: TestUser, duty: TestUser, watch: TestUser, lead: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    [county, coordinator, duty, watch, lead] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coord'),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch'),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'lead'),
    ]);
    const oncall = hub.deps.services.oncall;
    for (const [org, d, u] of [
      ['sos', 'security-duty', duty],
      ['cal-oes', 'csic-watch', watch],
      ['sos', 'security-lead', lead],
    ] as const) {
      await oncall.setSchedule(sys, { organization: org, duty: d, participants: [u.email], shiftLengthHours: 24, handoffTime: '09:00' });
      await oncall.addContactMethod(sys, { email: u.email, kind: 'EMAIL', target: u.email });
    }
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const sosDuty = { kind: 'DUTY', organization: 'sos', duty: 'security-duty' };
    const watchDuty = { kind: 'DUTY', organization: 'cal-oes', duty: 'csic-watch' };
    const leadDuty = { kind: 'DUTY', organization: 'sos', duty: 'security-lead' };
    // Rule a pages the SOS duty and informs the lead; rule b pages the SOS duty and the watch, and informs
    // the lead and the watch: the duty is paged once, the lead informed once, the watch paged and informed.
    for (const [position, name, level, notify] of [
      [1, 'overlap-a', [sosDuty], [leadDuty]],
      [2, 'overlap-b', [sosDuty, watchDuty], [leadDuty, watchDuty]],
    ] as const) {
      const r = await hub.gql<any>(coordinator.token, RULE, {
        input: { name, position, severityAtLeast: 'HIGH', levels: [{ ackTimeoutSeconds: 300, targets: level }], notify: notify.map((target) => ({ target })) },
      });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    }
  });
  afterAll(async () => hub?.close());

  it('pages and informs each person once across the rules, and logs page.sent per rule before incident.escalated', async () => {
    const filed = await hub.gql<any>(county.token, FILE, { input: { title: 'Overlap', summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN' } });
    expect(filed.errors, JSON.stringify(filed.errors)).toBeUndefined();
    const inc = filed.data.fileIncident;
    const routed = await hub.deps.engine.route(inc.id);
    expect(routed).toHaveLength(2);
    const rows = await hub.db
      .selectFrom('notifications as n')
      .innerJoin('users as u', 'u.id', 'n.recipient_user_id')
      .innerJoin('escalations as e', 'e.id', 'n.escalation_id')
      .select(['u.email', 'n.kind', 'e.rule_name'])
      .where('n.incident_id', '=', inc.id)
      .execute();
    const got = rows.map((r) => `${r.rule_name} ${r.kind} ${r.email}`).sort();
    expect(got).toEqual(
      [`overlap-a PAGE ${duty.email}`, `overlap-a NOTIFY ${lead.email}`, `overlap-b PAGE ${watch.email}`, `overlap-b NOTIFY ${watch.email}`].sort(),
    );
    const escalations = await hub.db.selectFrom('escalations').select(['id', 'rule_name']).where('incident_id', '=', inc.id).execute();
    const ruleOf = new Map(escalations.map((e) => [e.id, e.rule_name]));
    const events = await hub.db
      .selectFrom('outbox')
      .select(['topic', 'aggregate_id', 'payload'])
      .where((eb) => eb.or([eb('aggregate_id', '=', inc.id), eb('aggregate_id', 'in', escalations.map((e) => e.id))]))
      .where('topic', 'in', ['page.sent', 'incident.escalated'])
      .orderBy('id')
      .execute();
    expect(events.map((e) => (e.topic === 'page.sent' ? `page.sent ${ruleOf.get(e.aggregate_id)}` : e.topic))).toEqual(['page.sent overlap-a', 'page.sent overlap-b', 'incident.escalated']);
    expect((events[2]!.payload as any).rules).toEqual(['overlap-a', 'overlap-b']);

    // Routing again is harmless: no new escalation, no new row, no new event.
    expect(await hub.deps.engine.route(inc.id)).toEqual([]);
    const again = await hub.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('incident_id', '=', inc.id).executeTakeFirstOrThrow();
    expect(Number(again.n)).toBe(rows.length);
  });

  it('acknowledging while a timer batch holds a sibling escalation and then waits for the log append lock: both finish (no deadlock)', async () => {
    const filed = await hub.gql<any>(county.token, FILE, { input: { title: 'Overlap ack', summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'GREEN' } });
    expect(filed.errors, JSON.stringify(filed.errors)).toBeUndefined();
    const inc = filed.data.fileIncident;
    expect(await hub.deps.engine.route(inc.id)).toHaveLength(2);
    const escalations = await hub.db.selectFrom('escalations').select(['id', 'rule_name']).where('incident_id', '=', inc.id).execute();
    const a = escalations.find((e) => e.rule_name === 'overlap-a')!;
    const b = escalations.find((e) => e.rule_name === 'overlap-b')!;
    // What a timer batch does (paging.ts fireMany): holds the escalation row, and at its end takes the log
    // append lock for its outbox insert.
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    let proceed!: () => void;
    const go = new Promise<void>((r) => (proceed = r));
    const batch = hub.db.transaction().execute(async (trx) => {
      await sql`select id from escalations where id = ${b.id} for update`.execute(trx);
      holding();
      await go;
      await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY})`.execute(trx);
    });
    await held;
    const ack = hub.gql<any>(duty.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: a.id });
    // The acknowledgement waits for the sibling's row (held above) before the batch asks for the append lock.
    await until(async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(hub.db)).rows[0]!.n > 0, 10_000);
    proceed();
    // Acknowledging first and locking the siblings afterwards held the append lock while waiting for the row:
    // PostgreSQL found the deadlock and failed one of the two.
    await batch;
    const acked = await ack;
    expect(acked.errors, JSON.stringify(acked.errors)).toBeUndefined();
    expect(acked.data.acknowledgeEscalation.state).toBe('ACKNOWLEDGED');
  });
});
