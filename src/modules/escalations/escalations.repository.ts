import { sql, type Selectable } from 'kysely';
import type { Handle } from '../../infra/handle.js';
import type { DeliveryAttemptsTable, EscalationsTable, NotificationsTable, RoutingRulesTable } from './escalations.tables.js';
import type { EscalationPolicy } from './policy.js';

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
  return trx
    .insertInto('escalations')
    .values({ ...e, policy: JSON.stringify(e.policy), state: 'ACTIVE', level: 0, loop: 0 })
    .onConflict((oc) => oc.columns(['incident_id', 'rule_name']).doNothing())
    .returningAll()
    .executeTakeFirst();
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
    channel: string;
    status: 'PENDING' | 'SUPPRESSED';
    status_reason: string | null;
    next_attempt_at: Date | null;
    ack_token_hash: Buffer | null;
    ack_expires_at: Date | null;
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
  a: { notification_id: string; at: Date; outcome: string; http_status: number | null; error: string | null; latency_ms: number },
): Promise<unknown> {
  return trx.insertInto('delivery_attempts').values(a).execute();
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

export function touchEscalation(trx: Handle, id: string, patch: Partial<Record<keyof EscalationsTable, unknown>>): Promise<EscalationRow> {
  return trx
    .updateTable('escalations')
    .set({ ...(patch as object), updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
