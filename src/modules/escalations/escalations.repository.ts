import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Handle } from '../../infra/handle.js';
import { hot } from '../../infra/hot-sql.js';
import type { DeliveryAttemptsTable, EscalationsTable, NotificationsTable, RoutingRulesTable } from './escalations.tables.js';
import type { EscalationPolicy } from './policy.js';
import type { ContactMethodKind, DeliveryOutcome, DeliveryStatus, EscalationState, NotificationKind } from '../../domain/delivery.js';
import type { PartnerKind } from '../../domain/people.js';
import type { IncidentRow } from '../incidents/index.js';
import type { ContactMethodRow } from '../oncall/index.js';

export type RoutingRuleRow = Selectable<RoutingRulesTable>;
export type EscalationRow = Selectable<EscalationsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptsTable>;

export function listRoutingRules(db: Handle, opts: { enabledOnly?: boolean } = {}): Promise<RoutingRuleRow[]> {
  let q = db.selectFrom('routing_rules').selectAll().orderBy('position').orderBy('name');
  if (opts.enabledOnly) q = q.where('enabled', '=', true);
  return q.execute();
}

export function findRoutingRule(db: Handle, name: string): Promise<RoutingRuleRow | undefined> {
  return db.selectFrom('routing_rules').selectAll().where('name', '=', name).executeTakeFirst();
}

export function lockEscalation(trx: Handle, id: string): Promise<EscalationRow | undefined> {
  return trx.selectFrom('escalations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findEscalation(db: Handle, id: string): Promise<EscalationRow | undefined> {
  return db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listEscalationsOfIncident(db: Handle, incidentId: string): Promise<EscalationRow[]> {
  return db.selectFrom('escalations').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').orderBy('rule_name').execute();
}

/** Creates the escalation of (incident, rule) unless one exists: routing twice never pages twice. */
export function insertEscalationIfAbsent(
  trx: Handle,
  e: { incident_id: string; rule_id: string; rule_name: string; policy: EscalationPolicy; timer_token: string; next_fire_at: Date; targeted_organization_ids: string[] },
): Promise<EscalationRow | undefined> {
  // SQL text, not built: one per routed incident and rule, on the path to the first page.
  return hot<EscalationRow>`
    insert into escalations (incident_id, rule_id, rule_name, policy, timer_token, next_fire_at, targeted_organization_ids, state, level, loop)
    values (${e.incident_id}, ${e.rule_id}, ${e.rule_name}, ${JSON.stringify(e.policy)}, ${e.timer_token}, ${e.next_fire_at}, ${e.targeted_organization_ids}, 'ACTIVE', 0, 0)
    on conflict (incident_id, rule_name) do nothing
    returning *`
    .execute(trx)
    .then((r) => r.rows[0]);
}

export function insertNotifications(
  trx: Handle,
  rows: Array<{
    escalation_id: string;
    incident_id: string;
    kind: 'PAGE' | 'NOTIFY';
    level: number;
    loop: number;
    recipient_user_id: string;
    contact_method_id: string;
    channel: ContactMethodKind;
    status: 'PENDING' | 'SUPPRESSED';
    status_reason: string | null;
    next_attempt_at: Date | null;
    ack_token_hash: Buffer | null;
    ack_expires_at: Date | null;
    /** Set when the row is created leased to the process that will send it (paging.ts). */
    claimed_by?: string | null;
  }>,
): Promise<NotificationRow[]> {
  if (rows.length === 0) return Promise.resolve([]);
  return trx
    .insertInto('notifications')
    .values(rows)
    .onConflict((oc) => oc.columns(['escalation_id', 'level', 'loop', 'recipient_user_id', 'contact_method_id']).doNothing())
    .returningAll()
    .execute();
}

/** Users already paged for this incident at (level, loop) by any of its escalations. */
export async function usersPagedAt(trx: Handle, incidentId: string, level: number, loop: number): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('notifications')
    .select('recipient_user_id')
    .distinct()
    .where('incident_id', '=', incidentId)
    .where('kind', '=', 'PAGE')
    .where('level', '=', level)
    .where('loop', '=', loop)
    .execute();
  return new Set(rows.map((r) => r.recipient_user_id));
}

/** Users informed about this incident already (notify targets): informed once per incident. */
export async function usersNotified(trx: Handle, incidentId: string): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('notifications')
    .select('recipient_user_id')
    .distinct()
    .where('incident_id', '=', incidentId)
    .where('kind', '=', 'NOTIFY')
    .execute();
  return new Set(rows.map((r) => r.recipient_user_id));
}

export function listNotificationsOf(db: Handle, escalationIds: readonly string[]): Promise<NotificationRow[]> {
  if (escalationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('escalation_id', 'in', [...escalationIds])
    .orderBy('level')
    .orderBy('loop')
    .orderBy('created_at')
    .execute();
}

export function listAttemptsOf(db: Handle, notificationIds: readonly string[]): Promise<DeliveryAttemptRow[]> {
  if (notificationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('delivery_attempts').selectAll().where('notification_id', 'in', [...notificationIds]).orderBy('id').execute();
}

export function cancelPendingPages(trx: Handle, escalationId: string, reason: string): Promise<unknown> {
  return trx
    .updateTable('notifications')
    .set({ status: 'CANCELLED', status_reason: reason, next_attempt_at: null })
    .where('escalation_id', '=', escalationId)
    .where('kind', '=', 'PAGE')
    .where('status', '=', 'PENDING')
    .execute();
}

export function recordAttempt(
  trx: Handle,
  a: { notification_id: string; at: Date; outcome: DeliveryOutcome; http_status: number | null; error: string | null; latency_ms: number },
): Promise<unknown> {
  return trx.insertInto('delivery_attempts').values(a).execute();
}

export async function notificationExists(trx: Handle, id: string): Promise<boolean> {
  return (await trx.selectFrom('notifications').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Ends a pending notification without a send (cancelled, suppressed, or its contact method gone). */
export async function finishNotification(trx: Handle, id: string, status: DeliveryStatus, reason: string | null): Promise<void> {
  await trx.updateTable('notifications').set({ status, status_reason: reason, next_attempt_at: null }).where('id', '=', id).execute();
}

/** A claimed attempt: due at the lease's end, held by `ownerId` (released early if its heartbeat stops). */
export async function leaseNotification(trx: Handle, id: string, until: Date, ownerId: string): Promise<void> {
  await trx.updateTable('notifications').set({ next_attempt_at: until, claimed_by: ownerId }).where('id', '=', id).execute();
}

/** What recording an attempt checks of the row, locked. */
export function lockNotificationState(trx: Handle, id: string) {
  return trx.selectFrom('notifications').select(['status', 'attempts', 'next_attempt_at']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** A contact method whose address answered 410 Gone. */
export async function disableContactMethod(trx: Handle, id: string, reason: string, at: Date): Promise<void> {
  await trx.updateTable('contact_methods').set({ disabled_at: at, disabled_reason: reason }).where('id', '=', id).execute();
}

/** Escalations whose timer is due by `before` (the reconciler's view of what Redis should hold). */
export function dueTimers(db: Handle, before: Date, limit: number) {
  return db
    .selectFrom('escalations')
    .select(['id', 'timer_token', 'next_fire_at'])
    .where('state', '=', 'ACTIVE')
    .where('next_fire_at', '<=', before)
    .where('timer_token', 'is not', null)
    .orderBy('next_fire_at')
    .limit(limit)
    .execute();
}

/**
 * Claims of workers whose heartbeat stopped (killed mid-send): due now, so that the reconciler enqueues
 * them at once rather than when their lease runs out. Returns how many were released.
 */
export async function releaseDeadClaims(db: Handle, deadAfterMs: number): Promise<number> {
  const rows = await db
    .updateTable('notifications')
    .set({ next_attempt_at: sql`now()`, claimed_by: null })
    .where('status', '=', 'PENDING')
    .where('claimed_by', 'is not', null)
    .where('next_attempt_at', '>', sql<Date>`now()`)
    .where('claimed_by', 'in', (eb) =>
      eb.selectFrom('worker_heartbeats').select('worker_id').where('last_beat_at', '<', sql<Date>`now() - make_interval(secs => ${deadAfterMs / 1000})`),
    )
    .returning('id')
    .execute();
  return rows.length;
}

export function duePendingNotifications(db: Handle, before: Date, limit: number) {
  return db
    .selectFrom('notifications')
    .select(['id', 'attempts', 'next_attempt_at'])
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '<=', before)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** The hub's own secret named `name`, created on first use; the same for every process. */
export async function hubSecret(db: Handle, name: string, generate: () => string): Promise<string> {
  await db.insertInto('hub_secrets').values({ name, value: generate() }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('hub_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

export function touchEscalation(trx: Handle, id: string, patch: Updateable<EscalationsTable>): Promise<EscalationRow> {
  return trx
    .updateTable('escalations')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Everything one delivery attempt needs, read with one statement (see loadDeliveryContext). */
export interface DeliveryContext {
  notification: Pick<NotificationRow, 'id' | 'kind' | 'level' | 'status' | 'attempts' | 'next_attempt_at' | 'incident_id' | 'recipient_user_id' | 'contact_method_id'>;
  escalation: { id: string; state: string; rule_name: string };
  incident: IncidentFields | null;
  /** The incident's audience, for its access facts. */
  audience: { affectedCountyIds: string[]; sharedOrganizationIds: string[]; recipientUserIds: string[] };
  affectedCountyNames: string[];
  method: { id: string; kind: string; target: string; secret: string | null; removed_at: Date | null; disabled_at: Date | null } | null;
  recipient: RecipientUserRow | null;
}

/** What a message and the access check need of the incident. */
export type IncidentFields = Pick<
  IncidentRow,
  | 'id'
  | 'reference'
  | 'title'
  | 'summary'
  | 'category'
  | 'domain'
  | 'severity'
  | 'status'
  | 'tlp'
  | 'law_enforcement_sensitive'
  | 'exercise'
  | 'reporting_organization_id'
  | 'reporting_user_id'
>;

/** A user with their organization: what a principal is built from. */
export interface RecipientUserRow {
  id: string;
  email: string;
  name: string;
  roles: string[];
  active: boolean;
  orgId: string;
  slug: string;
  orgName: string;
  kind: PartnerKind;
  orgActive: boolean;
}

/**
 * Locks a pending notification (skipping one another worker holds) and its escalation FOR SHARE (an
 * acknowledgement takes it FOR UPDATE, so it waits for this send and no send starts after it), and reads
 * the incident, its access facts, the contact method and the recipient in the same statement: each round
 * trip to PostgreSQL is on the path from an incident to the first page.
 */
export async function loadDeliveryContext(trx: Handle, notificationId: string): Promise<DeliveryContext | null> {
  const { rows } = await sql<Record<string, any>>`
    select ${DELIVERY_CONTEXT_COLUMNS}, e.id as e_id, e.state as e_state, e.rule_name as e_rule_name
      from notifications n
      join escalations e on e.id = n.escalation_id
      ${DELIVERY_CONTEXT_JOINS}
     where n.id = ${notificationId}
       for share of e
       for update of n skip locked`.execute(trx);
  return rows[0] ? deliveryContextOf(rows[0]) : null;
}

/**
 * loadDeliveryContext and the claim's lease in one statement outside any transaction, for the attempt a
 * job expects: the row must be PENDING at that attempt and due time, and due; it is taken FOR UPDATE
 * (skipping one another worker holds) with its escalation FOR SHARE, exactly as in the claim's
 * transaction, and moved to the lease's end under `ownerId`. Null, with nothing written, when any of that
 * does not hold: the claim's transaction then tells why (held, stale, early, unknown). The escalation's
 * state is read from the locked row, so an acknowledgement that committed first is seen.
 */
export async function leaseDeliveryContext(
  db: Handle,
  notificationId: string,
  expected: { attempt: number; dueMs: number },
  leaseUntil: Date,
  ownerId: string,
): Promise<DeliveryContext | null> {
  const { rows } = await sql<Record<string, any>>`
    with claimed as (
      select n.id, e.id as e_id, e.state as e_state, e.rule_name as e_rule_name
        from notifications n join escalations e on e.id = n.escalation_id
       where n.id = ${notificationId} and n.status = 'PENDING' and n.attempts = ${expected.attempt}
         and n.next_attempt_at = ${new Date(expected.dueMs)}::timestamptz and n.next_attempt_at <= clock_timestamp()
         for share of e
         for update of n skip locked
    ), n as (
      update notifications set next_attempt_at = ${leaseUntil}::timestamptz, claimed_by = ${ownerId}
        from claimed where notifications.id = claimed.id
      returning notifications.*, claimed.e_id, claimed.e_state, claimed.e_rule_name
    )
    select ${DELIVERY_CONTEXT_COLUMNS}, n.e_id, n.e_state, n.e_rule_name
      from n
      ${DELIVERY_CONTEXT_JOINS}`.execute(db);
  return rows[0] ? deliveryContextOf(rows[0]) : null;
}

/** Puts a lease back (the claim found its endpoint busy): the row is due again at its due time. */
export async function releaseLease(db: Handle, notificationId: string, leaseUntil: Date, dueAt: Date): Promise<void> {
  await db
    .updateTable('notifications')
    .set({ next_attempt_at: dueAt, claimed_by: null })
    .where('id', '=', notificationId)
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '=', leaseUntil)
    .execute();
}

const DELIVERY_CONTEXT_COLUMNS = sql`n.id, n.kind, n.level, n.status, n.attempts, n.next_attempt_at, n.incident_id, n.recipient_user_id, n.contact_method_id,
           case when i.id is null then null else json_build_object(
             'id', i.id, 'reference', i.reference, 'title', i.title, 'summary', i.summary, 'category', i.category,
             'domain', i.domain, 'severity', i.severity, 'status', i.status, 'tlp', i.tlp,
             'law_enforcement_sensitive', i.law_enforcement_sensitive, 'exercise', i.exercise,
             'reporting_organization_id', i.reporting_organization_id, 'reporting_user_id', i.reporting_user_id) end as incident,
           array(select c.organization_id::text from incident_affected_counties c where c.incident_id = n.incident_id) as county_ids,
           array(select o2.name from incident_affected_counties c join organizations o2 on o2.id = c.organization_id
                  where c.incident_id = n.incident_id order by o2.name) as county_names,
           array(select s.organization_id::text from incident_shares s where s.incident_id = n.incident_id) as share_ids,
           array(select r.user_id::text from incident_recipients r where r.incident_id = n.incident_id) as recipient_ids,
           m.id as m_id, m.kind as m_kind, m.target as m_target, m.secret as m_secret, m.removed_at as m_removed_at, m.disabled_at as m_disabled_at,
           u.id as u_id, u.email as u_email, u.name as u_name, u.roles as u_roles, u.active as u_active,
           o.id as o_id, o.slug as o_slug, o.name as o_name, o.kind as o_kind, o.active as o_active`;

const DELIVERY_CONTEXT_JOINS = sql`left join incidents i on i.id = n.incident_id
      left join contact_methods m on m.id = n.contact_method_id
      left join users u on u.id = n.recipient_user_id
      left join organizations o on o.id = u.organization_id`;

function deliveryContextOf(r: Record<string, any>): DeliveryContext {
  return {
    notification: {
      id: r.id,
      kind: r.kind,
      level: r.level,
      status: r.status,
      attempts: r.attempts,
      next_attempt_at: r.next_attempt_at,
      incident_id: r.incident_id,
      recipient_user_id: r.recipient_user_id,
      contact_method_id: r.contact_method_id,
    },
    escalation: { id: r.e_id, state: r.e_state, rule_name: r.e_rule_name },
    incident: r.incident as IncidentFields | null,
    audience: { affectedCountyIds: r.county_ids, sharedOrganizationIds: r.share_ids, recipientUserIds: r.recipient_ids },
    affectedCountyNames: r.county_names,
    method: r.m_id
      ? { id: r.m_id, kind: r.m_kind, target: r.m_target, secret: r.m_secret, removed_at: r.m_removed_at, disabled_at: r.m_disabled_at }
      : null,
    recipient: r.u_id
      ? { id: r.u_id, email: r.u_email, name: r.u_name, roles: r.u_roles, active: r.u_active, orgId: r.o_id, slug: r.o_slug, orgName: r.o_name, kind: r.o_kind, orgActive: r.o_active }
      : null,
  };
}

/** Records an attempt and moves the notification on, in one statement. */
export async function recordAttemptAndSet(
  trx: Handle,
  a: { notification_id: string; at: Date; outcome: DeliveryOutcome; http_status: number | null; error: string | null; latency_ms: number },
  patch: { status?: DeliveryStatus; attempts: number; delivered_at?: Date | null; next_attempt_at: Date | null; status_reason: string | null },
): Promise<void> {
  await trx
    .with('attempt', (db) => db.insertInto('delivery_attempts').values(a))
    .updateTable('notifications')
    .set({ ...patch, claimed_by: null })
    .where('id', '=', a.notification_id)
    .execute();
}

/**
 * recordAttemptAndSet for an attempt whose claim still owns the row (PENDING, the claim's attempt count,
 * due at the claim's lease), in one statement outside any transaction: the update's row lock and its
 * re-check of those conditions stand in for lockNotificationState. False, with nothing written, when the
 * claim lost the row.
 */
export async function recordAttemptIfOwned(
  db: Handle,
  a: { notification_id: string; at: Date; outcome: DeliveryOutcome; http_status: number | null; error: string | null; latency_ms: number },
  claim: { attempts: number; leaseUntil: Date },
  patch: { status?: DeliveryStatus; attempts: number; delivered_at?: Date | null; next_attempt_at: Date | null; status_reason: string | null },
): Promise<boolean> {
  const { rows } = await hot<{ notification_id: string }>`
    with owned as (
      update notifications
         set status = coalesce(${patch.status ?? null}::text, status), attempts = ${patch.attempts}, delivered_at = coalesce(${patch.delivered_at ?? null}::timestamptz, delivered_at),
             next_attempt_at = ${patch.next_attempt_at}::timestamptz, status_reason = ${patch.status_reason}::text, claimed_by = null
       where id = ${a.notification_id} and status = 'PENDING' and attempts = ${claim.attempts} and next_attempt_at = ${claim.leaseUntil}::timestamptz
      returning id)
    insert into delivery_attempts (notification_id, at, outcome, http_status, error, latency_ms)
    select id, ${a.at}::timestamptz, ${a.outcome}::text, ${a.http_status}::int, ${a.error}::text, ${a.latency_ms}::int from owned
    returning notification_id`.execute(db);
  return rows.length > 0;
}

const RECIPIENT_USER_COLUMNS = ['u.id', 'u.email', 'u.name', 'u.roles', 'u.active', 'o.id as orgId', 'o.slug', 'o.name as orgName', 'o.kind', 'o.active as orgActive'] as const;

/** Users with their organizations (active or not: the caller decides). */
export function findRecipientUsers(db: Handle, userIds: readonly string[]): Promise<RecipientUserRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('users as u').innerJoin('organizations as o', 'o.id', 'u.organization_id').select(RECIPIENT_USER_COLUMNS).where('u.id', 'in', [...userIds]).execute();
}

/** Active users with their organizations and their usable contact methods, in one statement. */
export async function findActiveRecipientsWithMethods(db: Handle, userIds: readonly string[]): Promise<Array<RecipientUserRow & { methods: ContactMethodRow[] }>> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('organizations as o', 'o.id', 'u.organization_id')
    .select(RECIPIENT_USER_COLUMNS)
    .select(
      sql<Array<Record<string, string | null>>>`coalesce((
        select json_agg(json_build_object('id', m.id, 'user_id', m.user_id, 'kind', m.kind, 'target', m.target, 'verified_at', m.verified_at,
                                          'disabled_reason', m.disabled_reason, 'created_at', m.created_at) order by m.created_at)
          from contact_methods m where m.user_id = u.id and m.removed_at is null and m.disabled_at is null), '[]'::json)`.as('methods'),
    )
    .where('u.id', 'in', [...userIds])
    .where('u.active', '=', true)
    .execute();
  return rows.map((r) => ({
    ...r,
    // Usable methods only: never disabled, never removed.
    methods: r.methods.map((m) => ({
      ...m,
      verified_at: m.verified_at ? new Date(m.verified_at) : null,
      disabled_at: null,
      removed_at: null,
      created_at: new Date(m.created_at!),
    })) as unknown as ContactMethodRow[],
  }));
}

/** The open (paging or exhausted) escalations of an incident, locked. */
export function lockOpenEscalationsOf(trx: Handle, incidentId: string) {
  return trx.selectFrom('escalations').select('id').where('incident_id', '=', incidentId).where('state', 'in', ['ACTIVE', 'EXHAUSTED']).forUpdate().execute();
}

/** The page whose acknowledgement link hashes to `hash`, with what its confirmation page shows. */
export function findPageByAckTokenHash(h: Handle, hash: Buffer) {
  return h
    .selectFrom('notifications as n')
    .innerJoin('escalations as e', 'e.id', 'n.escalation_id')
    .innerJoin('incidents as i', 'i.id', 'n.incident_id')
    .select(['n.id', 'n.ack_used_at', 'n.ack_expires_at', 'n.recipient_user_id', 'n.incident_id', 'e.id as escalationId', 'e.state', 'e.rule_name', 'i.reference', 'i.severity', 'i.category', 'i.tlp', 'i.exercise'])
    // Who acknowledged, for the page of a link whose escalation someone else already acknowledged.
    .leftJoin('users as ack', 'ack.id', 'e.acknowledged_by')
    .leftJoin('organizations as ack_org', 'ack_org.id', 'ack.organization_id')
    .select(['e.acknowledged_at', 'ack.name as acknowledgedByName', 'ack_org.name as acknowledgedByOrganization'])
    .where('n.ack_token_hash', '=', hash)
    .executeTakeFirst();
}

/**
 * Serialises the paging of one incident across its escalations (and processes): "who was already
 * paged at this level" must see the other rules' pages, so each person is paged once per level.
 */
export async function lockIncidentPaging(trx: Handle, incidentId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${pagingLockKey(incidentId)}, 0))`.execute(trx);
}

/** The key of lockIncidentPaging's lock (hashtextextended of it), for a statement that takes it with its own work. */
export function pagingLockKey(incidentId: string): string {
  return `page:${incidentId}`;
}

/** The fields of a notification that say whose page it is, and where in its escalation. */
export function findNotificationSlot(db: Handle, id: string) {
  return db
    .selectFrom('notifications')
    .select(['id', 'kind', 'status', 'escalation_id', 'level', 'loop', 'recipient_user_id'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Every page of one person at one level and loop of an escalation (one per contact method). */
export function listPagesOfPerson(db: Handle, escalationId: string, level: number, loop: number, userId: string) {
  return db
    .selectFrom('notifications')
    .select(['status', 'channel'])
    .where('escalation_id', '=', escalationId)
    .where('kind', '=', 'PAGE')
    .where('level', '=', level)
    .where('loop', '=', loop)
    .where('recipient_user_id', '=', userId)
    .execute();
}

/** The next free loop of the notices at `level` of an escalation (each notice needs its own slot). */
export async function nextLoopAtLevel(db: Handle, escalationId: string, level: number): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.max<number | null>('loop').as('m'))
    .where('escalation_id', '=', escalationId)
    .where('level', '=', level)
    .executeTakeFirst();
  return row?.m === null || row?.m === undefined ? 0 : Number(row.m) + 1;
}

/** Whether the user was paged (any level, any loop) by this escalation: a paged person may acknowledge it. */
export function findPageOfUser(h: Handle, escalationId: string, userId: string): Promise<{ id: string } | undefined> {
  return h
    .selectFrom('notifications')
    .select('id')
    .where('escalation_id', '=', escalationId)
    .where('kind', '=', 'PAGE')
    .where('recipient_user_id', '=', userId)
    .executeTakeFirst();
}

/** The other open escalations of an incident, locked in id order (one acknowledgement stops them all). */
export function lockOtherOpenEscalationsOf(trx: Handle, incidentId: string, exceptId: string): Promise<EscalationRow[]> {
  const open: EscalationState[] = ['ACTIVE', 'EXHAUSTED'];
  return trx
    .selectFrom('escalations')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .where('id', '!=', exceptId)
    .where('state', 'in', open)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Every escalation of an incident, locked (whatever its state: who may escalate depends on all of them). */
export function lockEscalationsOfIncident(trx: Handle, incidentId: string): Promise<EscalationRow[]> {
  return trx.selectFrom('escalations').selectAll().where('incident_id', '=', incidentId).forUpdate().execute();
}

/** Marks an acknowledgement link used; undefined when it already was (single use, decided by the row). */
export function markAckLinkUsed(trx: Handle, notificationId: string, at: Date): Promise<{ id: string } | undefined> {
  return trx
    .updateTable('notifications')
    .set({ ack_used_at: at })
    .where('id', '=', notificationId)
    .where('ack_used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

/** The open escalations that paged this user, newest first, at most `limit`. */
export function listOpenEscalationsPaging(db: Handle, userId: string, limit: number): Promise<EscalationRow[]> {
  const open: EscalationState[] = ['ACTIVE', 'EXHAUSTED'];
  const page: NotificationKind = 'PAGE';
  return db
    .selectFrom('escalations as e')
    .selectAll('e')
    .where('e.state', 'in', open)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('notifications as n')
          .select('n.id')
          .whereRef('n.escalation_id', '=', 'e.id')
          .where('n.kind', '=', page)
          .where('n.recipient_user_id', '=', userId),
      ),
    )
    .orderBy('e.created_at', 'desc')
    .limit(limit)
    .execute();
}

/** The duties with one of these names, with their organization's slug and kind (a rule's targets must exist). */
export function findDutiesNamed(db: Handle, names: readonly string[]): Promise<Array<{ duty: string; slug: string; kind: PartnerKind }>> {
  if (names.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('duties as d')
    .innerJoin('organizations as o', 'o.id', 'd.organization_id')
    .select(['d.name as duty', 'o.slug as slug', 'o.kind as kind'])
    .where('d.name', 'in', [...names])
    .execute();
}

export function insertRoutingRule(trx: Handle, r: Omit<Insertable<RoutingRulesTable>, 'policy'> & { policy: EscalationPolicy }): Promise<RoutingRuleRow> {
  return trx
    .insertInto('routing_rules')
    .values({ ...r, policy: JSON.stringify(r.policy) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The rule named `name`, locked for an edit (its version decides a concurrent edit's conflict). */
export function lockRoutingRule(trx: Handle, name: string): Promise<RoutingRuleRow | undefined> {
  return trx.selectFrom('routing_rules').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
}

export function updateRoutingRule(
  trx: Handle,
  id: string,
  patch: Omit<Updateable<RoutingRulesTable>, 'policy'> & { policy: EscalationPolicy },
): Promise<RoutingRuleRow> {
  return trx
    .updateTable('routing_rules')
    .set({ ...patch, policy: JSON.stringify(patch.policy) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteRoutingRule(trx: Handle, id: string): Promise<void> {
  await trx.deleteFrom('routing_rules').where('id', '=', id).execute();
}

/** The duties with one of these names in active organizations, with the organization (what targets resolve against). */
export function findActiveDutiesNamed(
  db: Handle,
  names: readonly string[],
): Promise<Array<{ dutyId: string; dutyName: string; organizationId: string; organizationSlug: string; kind: PartnerKind }>> {
  if (names.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('duties as d')
    .innerJoin('organizations as o', 'o.id', 'd.organization_id')
    .select(['d.id as dutyId', 'd.name as dutyName', 'o.id as organizationId', 'o.slug as organizationSlug', 'o.kind as kind'])
    .where('d.name', 'in', [...names])
    .where('o.active', '=', true)
    .execute();
}

// ── Paging in few statements (paging.ts) ─────────────────────────────────────────────────────────────

/**
 * The escalations among `ids` that no other transaction holds, locked in id order, and for each one locked
 * that is ACTIVE at one of `tokens`, its incident's paging lock (lockIncidentPaging) tried in the same
 * statement. A batch of timer fires takes only what it can have at once, never waiting while it holds rows
 * of several escalations (a waiter could be waiting for one of them): whatever another transaction holds is
 * fired alone afterwards. Only rows actually locked are tried (the locking CTE is materialized first);
 * `pagingLocked` false: stale, or the paging lock is another's.
 */
export async function lockFreeEscalationsAndPaging(trx: Handle, ids: readonly string[], tokens: readonly string[]): Promise<Array<EscalationRow & { pagingLocked: boolean }>> {
  if (ids.length === 0) return [];
  const { rows } = await sql<EscalationRow & { paging_locked: boolean }>`
    with locked as materialized (
      select * from escalations where id = any(${[...ids]}::uuid[]) order by id for update skip locked
    )
    select locked.*,
           case when locked.state = 'ACTIVE' and locked.timer_token = any(${[...tokens]}::uuid[])
                then pg_try_advisory_xact_lock(hashtextextended('page:' || locked.incident_id::text, 0)) else false end as paging_locked
      from locked order by locked.id`.execute(trx);
  return rows.map(({ paging_locked, ...e }) => ({ ...e, pagingLocked: paging_locked }));
}

/** A slot of pages: (incident, level, loop); who was paged there already is read with the roster. */
export type PageSlot = { incidentId: string; level: number; loop: number };
export const pageSlotKey = (s: PageSlot) => `${s.incidentId}:${s.level}:${s.loop}`;

/** What paging a level needs to know of people, read in one statement (see loadPagingRoster). */
export interface PagingRoster {
  duties: Array<{ dutyId: string; dutyName: string; organizationId: string; organizationSlug: string; kind: PartnerKind }>;
  schedules: Array<{ schedule: ScheduleRowLike; overrides: OverrideRowLike[] }>;
  /** Active users who may be on call for those duties (every participant, every override), with their usable methods. */
  users: Map<string, RecipientUserRow & { methods: ContactMethodRow[] }>;
  /** Users already paged at each slot asked for, by pageSlotKey. */
  paged: Map<string, Set<string>>;
  /** Users informed already (NOTIFY rows of any level) about each incident asked for (usersNotified), by incident id. */
  notified: Map<string, Set<string>>;
  /** Webhook signing secrets of those contact methods, by method id: kept apart from the rows (ContactMethodRow has none). */
  secrets: Map<string, string | null>;
  /** The names of the affected counties of the slots' incidents, sorted (what a page's message lists). */
  countyNames: Map<string, string[]>;
  /** The incidents asked to be locked, with their audience, by id. */
  incidents: Map<string, { incident: IncidentFields; audience: { affectedCountyIds: string[]; sharedOrganizationIds: string[]; recipientUserIds: string[] } }>;
}
type ScheduleRowLike = { id: string; duty_id: string; time_zone: string; shift_length_hours: number; handoff_time: string; start_date: string; participants: string[]; created_at: Date; updated_at: Date };
type OverrideRowLike = { id: string; schedule_id: string; user_id: string; starts_at: Date; ends_at: Date; created_by: string | null; created_at: Date };

/**
 * Everything people-side that paging levels needs, in one round trip instead of four: the active duties
 * with these names and their organizations (targets → duties), their schedules with the overrides active
 * at `at` (who is on call is the rotation's arithmetic, done in Node), every active user who could be on
 * call with their usable contact methods, and who was already paged at each slot. Read after the paging
 * locks are held, so the paged users include every page committed before.
 */
export async function loadPagingRoster(
  trx: Handle,
  dutyNames: readonly string[],
  at: Date,
  slots: readonly PageSlot[],
  /** Also lock these incidents FOR SHARE and read them with their audience (a batch of timer fires). */
  lockIncidents: readonly string[] = [],
  /** Also read who was informed about these incidents already (routing's notify targets: informed once per incident). */
  notifiedOf: readonly string[] = [],
): Promise<PagingRoster> {
  const incidentIds = [...new Set(slots.map((s) => s.incidentId))];
  const { rows } = await hot<{
    duties: any[];
    schedules: any[];
    overrides: any[];
    users: any[];
    paged: Array<{ k: string; u: string }>;
    notified: Array<{ i: string; u: string }>;
    counties: Array<{ i: string; names: string[] }>;
    incidents: Array<IncidentFields & { county_ids: string[]; share_ids: string[]; recipient_ids: string[] }>;
  }>`
    with d as (
      select d.id, d.name, o.id as org_id, o.slug, o.kind
        from duties d join organizations o on o.id = d.organization_id
       where d.name = any(${[...dutyNames]}::text[]) and o.active
    ), s as (
      select * from schedules where duty_id in (select id from d)
    ), ov as (
      select * from schedule_overrides where schedule_id in (select id from s) and ends_at > ${at} and starts_at <= ${at}
    ), cand as (
      select unnest(participants) as user_id from s union select user_id from ov
    )
    select
      (select coalesce(json_agg(json_build_object('dutyId', d.id, 'dutyName', d.name, 'organizationId', d.org_id, 'organizationSlug', d.slug, 'kind', d.kind)), '[]'::json) from d) as duties,
      (select coalesce(json_agg(json_build_object('id', s.id, 'duty_id', s.duty_id, 'time_zone', s.time_zone, 'shift_length_hours', s.shift_length_hours,
              'handoff_time', s.handoff_time, 'start_date', to_char(s.start_date, 'YYYY-MM-DD'), 'participants', s.participants,
              'created_at', s.created_at, 'updated_at', s.updated_at)), '[]'::json) from s) as schedules,
      (select coalesce(json_agg(json_build_object('id', ov.id, 'schedule_id', ov.schedule_id, 'user_id', ov.user_id, 'starts_at', ov.starts_at,
              'ends_at', ov.ends_at, 'created_by', ov.created_by, 'created_at', ov.created_at) order by ov.created_at), '[]'::json) from ov) as overrides,
      (select coalesce(json_agg(json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'roles', u.roles, 'active', u.active,
              'orgId', o.id, 'slug', o.slug, 'orgName', o.name, 'kind', o.kind, 'orgActive', o.active,
              'methods', coalesce((select json_agg(json_build_object('id', m.id, 'user_id', m.user_id, 'kind', m.kind, 'target', m.target,
                                                   'verified_at', m.verified_at, 'disabled_reason', m.disabled_reason, 'created_at', m.created_at,
                                                   'secret', m.secret) order by m.created_at)
                                     from contact_methods m where m.user_id = u.id and m.removed_at is null and m.disabled_at is null), '[]'::json))), '[]'::json)
         from users u join organizations o on o.id = u.organization_id
        where u.active and u.id in (select user_id from cand)) as users,
      (select coalesce(json_agg(json_build_object('k', p.incident_id::text || ':' || p.level || ':' || p.loop, 'u', p.recipient_user_id)), '[]'::json)
         from (select distinct n.incident_id, n.level, n.loop, n.recipient_user_id
                 from unnest(${slots.map((s) => s.incidentId)}::uuid[], ${slots.map((s) => s.level)}::int[], ${slots.map((s) => s.loop)}::int[]) as q(incident_id, level, loop)
                 join notifications n on n.incident_id = q.incident_id and n.level = q.level and n.loop = q.loop and n.kind = 'PAGE') p) as paged,
      (select coalesce(json_agg(json_build_object('i', n.incident_id, 'u', n.recipient_user_id)), '[]'::json)
         from (select distinct incident_id, recipient_user_id from notifications
                where incident_id = any(${[...notifiedOf]}::uuid[]) and kind = 'NOTIFY') n) as notified,
      (select coalesce(json_agg(json_build_object('i', c.incident_id, 'names', c.names)), '[]'::json)
         from (select c.incident_id, array_agg(o2.name order by o2.name) as names
                 from incident_affected_counties c join organizations o2 on o2.id = c.organization_id
                where c.incident_id = any(${incidentIds}::uuid[]) group by c.incident_id) c) as counties,
      (select coalesce(json_agg(json_build_object(
                'id', i.id, 'reference', i.reference, 'title', i.title, 'summary', i.summary, 'category', i.category,
                'domain', i.domain, 'severity', i.severity, 'status', i.status, 'tlp', i.tlp,
                'law_enforcement_sensitive', i.law_enforcement_sensitive, 'exercise', i.exercise,
                'reporting_organization_id', i.reporting_organization_id, 'reporting_user_id', i.reporting_user_id,
                'county_ids', array(select organization_id::text from incident_affected_counties c where c.incident_id = i.id),
                'share_ids', array(select organization_id::text from incident_shares s where s.incident_id = i.id),
                'recipient_ids', array(select user_id::text from incident_recipients r where r.incident_id = i.id))), '[]'::json)
         from (select * from incidents where id = any(${[...lockIncidents]}::uuid[]) for share) i) as incidents`.execute(trx);
  const r = rows[0]!;
  const overridesBySchedule = new Map<string, OverrideRowLike[]>();
  for (const o of r.overrides) {
    const list = overridesBySchedule.get(o.schedule_id) ?? [];
    list.push({ ...o, starts_at: new Date(o.starts_at), ends_at: new Date(o.ends_at), created_at: new Date(o.created_at) });
    overridesBySchedule.set(o.schedule_id, list);
  }
  const secrets = new Map<string, string | null>();
  const paged = new Map<string, Set<string>>();
  for (const p of r.paged) {
    const set = paged.get(p.k) ?? new Set<string>();
    set.add(p.u);
    paged.set(p.k, set);
  }
  const notified = new Map<string, Set<string>>(notifiedOf.map((i) => [i, new Set<string>()]));
  for (const n of r.notified) notified.get(n.i)?.add(n.u);
  return {
    duties: r.duties,
    schedules: r.schedules.map((s) => ({
      schedule: { ...s, created_at: new Date(s.created_at), updated_at: new Date(s.updated_at) },
      overrides: overridesBySchedule.get(s.id) ?? [],
    })),
    users: new Map(
      r.users.map(({ methods, ...u }: any) => [
        u.id as string,
        {
          ...u,
          // Usable methods only: never disabled, never removed.
          methods: (methods as any[]).map(({ secret, ...m }) => (secrets.set(m.id, secret), {
            ...m,
            verified_at: m.verified_at ? new Date(m.verified_at) : null,
            disabled_at: null,
            removed_at: null,
            created_at: new Date(m.created_at),
          })) as ContactMethodRow[],
        },
      ]),
    ),
    paged,
    notified,
    secrets,
    countyNames: new Map(r.counties.map((c) => [c.i, c.names])),
    incidents: new Map(
      r.incidents.map(({ county_ids, share_ids, recipient_ids, ...incident }) => [
        incident.id,
        { incident, audience: { affectedCountyIds: county_ids, sharedOrganizationIds: share_ids, recipientUserIds: recipient_ids } },
      ]),
    ),
  };
}

/** The new state of an escalation after a page, set on many rows by one statement (see updateEscalations). */
export interface EscalationMove {
  id: string;
  state: EscalationState;
  level: number;
  loop: number;
  timer_token: string | null;
  next_fire_at: Date | null;
  last_paged_level: number | null;
}

/** The notification row a page or notice inserts (insertNotifications). */
export type NewNotification = Parameters<typeof insertNotifications>[1][number] & { id: string };

/**
 * insertNotifications and updateEscalations in one statement: the pages of a level and the escalations
 * moved on past it (paging.ts pageCurrentLevels), one round trip on the path from a filing to its page.
 * SQL text, not built, for the same reason as insertEscalationIfAbsent.
 */
export async function insertNotificationsMovingOn(trx: Handle, rows: readonly NewNotification[], moves: readonly EscalationMove[]): Promise<NotificationRow[]> {
  if (rows.length === 0) {
    await updateEscalations(trx, moves);
    return [];
  }
  // `hot` (infra/hot-sql.ts), with the rows and the moves as JSON values: one text whatever their number.
  const rowsJson = JSON.stringify(
    rows.map((r) => ({ ...r, claimed_by: r.claimed_by ?? null, ack_token_hash: r.ack_token_hash === null ? null : r.ack_token_hash.toString('hex') })),
  );
  const { rows: inserted } = await hot<NotificationRow>`
    with moved as (
      update escalations e
         set state = v.state, level = v.level, loop = v.loop, timer_token = v.timer_token, next_fire_at = v.next_fire_at,
             last_paged_level = v.last_paged_level, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb)
             as v(id uuid, state text, level int, loop int, timer_token uuid, next_fire_at timestamptz, last_paged_level int)
       where e.id = v.id)
    insert into notifications (id, escalation_id, incident_id, kind, level, loop, recipient_user_id, contact_method_id, channel,
                               status, status_reason, next_attempt_at, ack_token_hash, ack_expires_at, claimed_by)
    select r.id, r.escalation_id, r.incident_id, r.kind, r.level, r.loop, r.recipient_user_id, r.contact_method_id, r.channel,
           r.status, r.status_reason, r.next_attempt_at, decode(r.ack_token_hash, 'hex'), r.ack_expires_at, r.claimed_by
      from jsonb_to_recordset(${rowsJson}::jsonb)
           as r(id uuid, escalation_id uuid, incident_id uuid, kind text, level int, loop int, recipient_user_id uuid, contact_method_id uuid, channel text,
                status text, status_reason text, next_attempt_at timestamptz, ack_token_hash text, ack_expires_at timestamptz, claimed_by text)
    on conflict (escalation_id, level, loop, recipient_user_id, contact_method_id) do nothing
    returning *`.execute(trx);
  return inserted;
}

/** Moves many escalations on in one statement (a batch of timer fires pages many levels at once). */
export async function updateEscalations(trx: Handle, moves: readonly EscalationMove[]): Promise<void> {
  if (moves.length === 0) return;
  if (moves.length === 1) {
    const { id, ...patch } = moves[0]!;
    await touchEscalation(trx, id, patch);
    return;
  }
  await sql`
    update escalations e
       set state = v.state, level = v.level, loop = v.loop, timer_token = v.timer_token, next_fire_at = v.next_fire_at,
           last_paged_level = v.last_paged_level, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb)
           as v(id uuid, state text, level int, loop int, timer_token uuid, next_fire_at timestamptz, last_paged_level int)
     where e.id = v.id`.execute(trx);
}
