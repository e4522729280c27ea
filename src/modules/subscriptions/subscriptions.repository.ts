import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { hotText } from '../../infra/hot-sql.js';
import type { Handle } from '../../infra/handle.js';
import type { AlertChannel, AlertMode, DeliveryStatus } from '../../domain/delivery.js';
import type { AttemptRecord, RowPatch } from '../notifications/index.js';
import type { AlertDeliveriesTable, AlertSubscriptionsTable } from './subscriptions.tables.js';

/** The queries of saved alert subscriptions and their deliveries (subscriptions.service.ts, subscriptions.jobs.ts). */

export type SubscriptionRow = Selectable<AlertSubscriptionsTable>;
export type AlertDeliveryRow = Selectable<AlertDeliveriesTable>;

// ── Subscriptions ───────────────────────────────────────────────────────────────────────────────────

/** The newest event of the log: where a new subscription (or a new mode) starts. */
export async function outboxHead(h: Handle): Promise<number> {
  const head = await h.selectFrom('outbox').select((eb) => eb.fn.max<number>('id').as('max')).executeTakeFirst();
  return Number(head?.max ?? 0);
}

/** The newest event created at or before `before` (a digest leaves younger ones to the next). */
export async function settledOutboxHead(h: Handle, before: Date): Promise<number> {
  const settled = await h.selectFrom('outbox').select((eb) => eb.fn.max<number>('id').as('max')).where('created_at', '<=', before).executeTakeFirst();
  return Number(settled?.max ?? 0);
}

export function insertSubscription(
  trx: Handle,
  values: Insertable<AlertSubscriptionsTable>,
): Promise<SubscriptionRow> {
  return trx.insertInto('alert_subscriptions').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Subscriptions not deleted: a user's own, or an organization's (owner_user_id null). */
export function listSubscriptions(h: Handle, of: { ownerUserId: string } | { organizationId: string }): Promise<SubscriptionRow[]> {
  let q = h.selectFrom('alert_subscriptions').selectAll().where('deleted_at', 'is', null).orderBy('created_at');
  q = 'ownerUserId' in of ? q.where('owner_user_id', '=', of.ownerUserId) : q.where('organization_id', '=', of.organizationId).where('owner_user_id', 'is', null);
  return q.execute();
}

export function findSubscription(h: Handle, id: string): Promise<SubscriptionRow | undefined> {
  return h.selectFrom('alert_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A subscription not deleted, locked for a change. */
export function lockLiveSubscription(trx: Handle, id: string): Promise<SubscriptionRow | undefined> {
  return trx.selectFrom('alert_subscriptions').selectAll().where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
}

export function updateSubscription(
  trx: Handle,
  id: string,
  patch: Updateable<AlertSubscriptionsTable>,
): Promise<SubscriptionRow> {
  return trx.updateTable('alert_subscriptions').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Subscriptions of a mode that deliver (not paused, not deleted). */
export function activeSubscriptions(h: Handle, mode: AlertMode): Promise<SubscriptionRow[]> {
  return h.selectFrom('alert_subscriptions').selectAll().where('mode', '=', mode).where('deleted_at', 'is', null).where('paused_at', 'is', null).execute();
}

/** A subscription's digest covered the log up to `to`. */
export async function markDigested(trx: Handle, id: string, to: number, at: Date): Promise<void> {
  await trx.updateTable('alert_subscriptions').set({ digest_after_outbox_id: to, last_digest_at: at }).where('id', '=', id).execute();
}

/** A subscription whose webhook answered 410 Gone: paused until its owner resumes it. */
export async function pauseSubscription(trx: Handle, id: string, at: Date): Promise<void> {
  await trx.updateTable('alert_subscriptions').set({ paused_at: at, updated_at: at }).where('id', '=', id).execute();
}

export function findUserEmail(h: Handle, userId: string): Promise<{ email: string } | undefined> {
  return h.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
}

// ── Deliveries ──────────────────────────────────────────────────────────────────────────────────────

/** One delivery of a range of the log to one channel; none if that (subscription, kind, channel, range end) exists. */
export function insertDeliveryIfAbsent(
  trx: Handle,
  d: { subscription_id: string; kind: 'EVENT' | 'DIGEST'; channel: AlertChannel; outbox_from: number; outbox_to: number; next_attempt_at: Date; items: number },
): Promise<{ id: string; attempts: number; next_attempt_at: Date | null } | undefined> {
  return trx
    .insertInto('alert_deliveries')
    .values({ ...d, status: 'PENDING' })
    .onConflict((oc) => oc.columns(['subscription_id', 'kind', 'channel', 'outbox_to']).doNothing())
    .returning(['id', 'attempts', 'next_attempt_at'])
    .executeTakeFirst();
}

/** Pending deliveries of a subscription paused or deleted: cancelled. */
export async function cancelPendingDeliveries(trx: Handle, subscriptionId: string, reason: string): Promise<void> {
  await trx.updateTable('alert_deliveries').set({ status: 'CANCELLED', status_reason: reason, next_attempt_at: null }).where('subscription_id', '=', subscriptionId).where('status', '=', 'PENDING').execute();
}

export function listDeliveries(h: Handle, subscriptionId: string, limit: number): Promise<AlertDeliveryRow[]> {
  return h.selectFrom('alert_deliveries').selectAll().where('subscription_id', '=', subscriptionId).orderBy('created_at', 'desc').limit(limit).execute();
}

export function listDeliveryAttempts(h: Handle, deliveryIds: readonly string[]) {
  if (deliveryIds.length === 0) return Promise.resolve([]);
  return h.selectFrom('alert_delivery_attempts').selectAll().where('delivery_id', 'in', [...deliveryIds]).orderBy('id').execute();
}

/** A delivery, locked, skipping one another worker holds. */
export function lockDelivery(trx: Handle, id: string): Promise<AlertDeliveryRow | undefined> {
  return trx.selectFrom('alert_deliveries').selectAll().where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();
}

export async function deliveryExists(trx: Handle, id: string): Promise<boolean> {
  return (await trx.selectFrom('alert_deliveries').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/**
 * Whether an immediate alert of the same subscription and channel, earlier in the log, has not had its
 * first attempt yet (queued, or in flight).
 */
export async function earlierAlertWaiting(trx: Handle, d: Pick<AlertDeliveryRow, 'subscription_id' | 'channel' | 'outbox_to'>): Promise<boolean> {
  const earlier = await trx
    .selectFrom('alert_deliveries')
    .select('id')
    .where('subscription_id', '=', d.subscription_id)
    .where('channel', '=', d.channel)
    .where('kind', '=', 'EVENT')
    .where('status', '=', 'PENDING')
    .where('attempts', '=', 0)
    .where('outbox_to', '<', d.outbox_to)
    .limit(1)
    .executeTakeFirst();
  return earlier !== undefined;
}

/** Records that the matcher handled an outbox event (again, after a retry: a no-op). */
export async function markEventMatched(trx: Handle, outboxId: number): Promise<void> {
  await trx.insertInto('alert_matched_events').values({ outbox_id: outboxId }).onConflict((oc) => oc.column('outbox_id').doNothing()).execute();
}

/**
 * One statement for the usual event, which no immediate subscription exists to match: the event is marked
 * matched (committed by itself) if there are no active IMMEDIATE subscriptions, and those subscriptions are
 * returned otherwise, with nothing marked, for the caller's transaction to match and mark together. Both
 * parts read one snapshot: a subscription created after it is as one created just after the event was matched.
 */
export async function markMatchedUnlessSubscribed(h: Handle, outboxId: number): Promise<SubscriptionRow[]> {
  const { rows } = await sql<SubscriptionRow>`
    with subs as (select * from alert_subscriptions where mode = 'IMMEDIATE' and deleted_at is null and paused_at is null),
    marked as (insert into alert_matched_events (outbox_id) select ${outboxId} where not exists (select 1 from subs) on conflict (outbox_id) do nothing)
    select * from subs`.execute(h);
  return rows;
}

/**
 * Marks a batch of events matched if no active IMMEDIATE subscription exists, as CTEs of the caller's
 * statement (the outbox relay's claim, whose CTE `settle_ids` holds the outbox ids): `answer` is whether
 * such a subscription exists (then nothing is marked). One snapshot, as markMatchedUnlessSubscribed.
 */
export const markedUnlessSubscribedParts = {
  ctes: hotText(`immediate_subs as (select 1 from alert_subscriptions where mode = 'IMMEDIATE' and deleted_at is null and paused_at is null limit 1),
      marked_matched as (insert into alert_matched_events (outbox_id) select id from settle_ids where not exists (select 1 from immediate_subs) on conflict (outbox_id) do nothing)`),
  answer: hotText('exists (select 1 from immediate_subs)'),
};

/**
 * An event of the log before `outboxTo`, among the `window` before it, of a topic the matcher handles,
 * that it has not handled yet (its job queued, in flight, or lost); or undefined.
 */
export async function earlierEventUnmatched(h: Handle, outboxTo: number, topics: readonly string[], window: number): Promise<number | undefined> {
  const row = await h
    .selectFrom('outbox as o')
    .select('o.id')
    .where('o.id', '<', outboxTo)
    .where('o.id', '>', outboxTo - window)
    .where('o.topic', 'in', [...topics])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('alert_matched_events as m').select('m.outbox_id').whereRef('m.outbox_id', '=', 'o.id'))))
    .orderBy('o.id')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

/** Forgets handled events more than `keep` ids behind the newest one handled. */
export async function pruneMatchedEvents(h: Handle, keep: number): Promise<void> {
  const head = await h.selectFrom('alert_matched_events').select((eb) => eb.fn.max<number>('outbox_id').as('max')).executeTakeFirst();
  if (head?.max == null) return;
  await h.deleteFrom('alert_matched_events').where('outbox_id', '<', Number(head.max) - keep).execute();
}

export async function finishDelivery(trx: Handle, id: string, status: DeliveryStatus, reason: string): Promise<void> {
  await trx.updateTable('alert_deliveries').set({ status, status_reason: reason, next_attempt_at: null }).where('id', '=', id).execute();
}

/** A claimed attempt: due at the lease's end (a delivery keeps no owner; its lease runs out on its own). */
export async function leaseDelivery(trx: Handle, id: string, until: Date): Promise<void> {
  await trx.updateTable('alert_deliveries').set({ next_attempt_at: until }).where('id', '=', id).execute();
}

export function lockDeliveryState(trx: Handle, id: string) {
  return trx.selectFrom('alert_deliveries').select(['status', 'attempts', 'next_attempt_at']).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function recordDeliveryAttempt(trx: Handle, id: string, a: AttemptRecord): Promise<void> {
  await trx.insertInto('alert_delivery_attempts').values({ delivery_id: id, ...a }).execute();
}

/** Records an attempt and moves the delivery on. */
export async function recordDeliveryAttemptAndSet(trx: Handle, id: string, a: AttemptRecord, patch: RowPatch): Promise<void> {
  await recordDeliveryAttempt(trx, id, a);
  await trx.updateTable('alert_deliveries').set(patch).where('id', '=', id).execute();
}

/** What a delivered message carried (incidents and indicators). */
export async function setDeliveryItems(trx: Handle, id: string, items: number): Promise<void> {
  await trx.updateTable('alert_deliveries').set({ items }).where('id', '=', id).execute();
}

/** Pending deliveries due by `before` (the reconciler's view of what Redis should hold). */
export function duePendingDeliveries(h: Handle, before: Date, limit: number) {
  return h.selectFrom('alert_deliveries').select(['id', 'attempts', 'next_attempt_at']).where('status', '=', 'PENDING').where('next_attempt_at', '<=', before).limit(limit).execute();
}

// ── What a delivery reads ───────────────────────────────────────────────────────────────────────────

/** Event-log rows of incidents and indicators in (after, to], in id order, a page at a time. */
export function outboxPage(h: Handle, after: number, to: number, limit: number) {
  return h
    .selectFrom('outbox')
    .select(['id', 'topic', 'aggregate_type', 'aggregate_id', 'payload', 'created_at'])
    .where('id', '>', after)
    .where('id', '<=', to)
    .where((eb) => eb.or([eb('topic', 'like', 'incident.%'), eb('topic', 'like', 'indicator.%')]))
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function findOutboxTopic(h: Handle, id: number) {
  return h.selectFrom('outbox').select(['id', 'topic']).where('id', '=', id).executeTakeFirst();
}

export function findActiveOrganization(h: Handle, id: string) {
  return h.selectFrom('organizations').selectAll().where('id', '=', id).where('active', '=', true).executeTakeFirst();
}

export function organizationNames(h: Handle, ids: readonly string[]): Promise<Array<{ id: string; name: string }>> {
  if (ids.length === 0) return Promise.resolve([]);
  return h.selectFrom('organizations').select(['id', 'name']).where('id', 'in', [...ids]).execute();
}
