import { canSeeIncident } from '../../access/incidents.js';
import { canSeeIndicatorAlert } from '../../access/indicators.js';
import { organizationPrincipal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import type { Logger } from '../../infra/logger.js';
import { quoteLine } from '../../text.js';
import { alertItemsOf, indicatorAlertsOf, type IndicatorAlertModel } from '../alerts/index.js';
import type { EscalationEngine } from '../escalations/index.js';
import { findIncidentsByIds, loadAccessFacts, type IncidentRow } from '../incidents/index.js';
import type { Outgoing } from '../notifications/index.js';
import { consoleIncidentUrl, EXERCISE_BANNER, MESSAGE_TEXT_LIMITS, mayCarryContent } from '../notifications/index.js';
import type { DeliveryKind, DeliveryPipeline, DeliveryStore } from '../notifications/index.js';
import type { DomainEvent } from '../outbox/index.js';
import { incidentMatches, indicatorMatches } from './filter.js';
import type { EventLogRow } from '../alerts/index.js';
import {
  activeSubscriptions,
  deliveryExists,
  duePendingDeliveries,
  earlierAlertWaiting,
  earlierEventUnmatched,
  findActiveOrganization,
  findOutboxTopic,
  findSubscription,
  finishDelivery,
  insertDeliveryIfAbsent,
  leaseDelivery,
  lockDelivery,
  lockDeliveryState,
  markDigested,
  markEventMatched,
  markMatchedUnlessSubscribed,
  markedUnlessSubscribedParts,
  organizationNames,
  outboxPage,
  pauseSubscription,
  pruneMatchedEvents,
  recordDeliveryAttempt,
  recordDeliveryAttemptAndSet,
  setDeliveryItems,
  settledOutboxHead,
  type AlertDeliveryRow,
  type SubscriptionRow,
} from './subscriptions.repository.js';
import { MATCHED_TOPICS } from './subscriptions.topics.js';

/**
 * Saved alert subscriptions at work: immediate alerts from the event log, hourly and daily digests, and
 * their delivery. Every delivery re-checks, at the moment it is sent, what the subscriber may see: an
 * alert about an incident since narrowed, or for a deactivated user, is not sent.
 */

export type { SubscriptionRow } from './subscriptions.repository.js';
export type DigestMode = 'HOURLY_DIGEST' | 'DAILY_DIGEST';

/** Event-log rows read per page when a digest or an alert collects its range. */
const COLLECT_PAGE = 5_000;
/** Indicator reports and sightings checked per digest; beyond this, the digest says how many it left out. */
const MAX_INDICATOR_ITEMS = 10_000;
/** A digest of more events than this says that it is large (log line and message). */
const LARGE_DIGEST_EVENTS = 20_000;
/** Events younger than this are left to the next digest: a transaction may still be committing below them. */
const DIGEST_SETTLE_MS = 2_000;
/**
 * Events are matched concurrently (the events worker), so an immediate alert may exist before that of an
 * earlier event: it waits while an earlier event among the last ORDER_WINDOW_EVENTS of the log is not
 * matched yet, but for ORDER_WAIT_MS at most after it was made (a lost event job, retried by the reconciler,
 * must not hold a subscription back for ever): then it goes out anyway, and says so in the log.
 */
const ORDER_WINDOW_EVENTS = 2_000;
const ORDER_WAIT_MS = 60_000;

export type SubscriptionJobs = ReturnType<typeof createSubscriptionJobs>;

/** Where alert deliveries and their attempts are stored. */
const alertDeliveryStore: DeliveryStore = {
  exists: deliveryExists,
  finish: finishDelivery,
  lease: (trx, id, until) => leaseDelivery(trx, id, until),
  lockState: lockDeliveryState,
  recordAttempt: recordDeliveryAttempt,
  recordAttemptAndSet: recordDeliveryAttemptAndSet,
  due: duePendingDeliveries,
};

export function createSubscriptionJobs(deps: { db: Db; config: Config; logger: Logger; delivery: DeliveryPipeline; engine: EscalationEngine }) {
  const { db, config, logger } = deps;
  const coordinatorSlugs = new Set(config.coordinatorOrgSlugs);

  /** Whose rights a subscription has: its user's, or (organization subscriptions) the organization's, never RED. */
  async function recipientOf(h: Handle, s: SubscriptionRow): Promise<UserPrincipal | null> {
    if (s.owner_user_id) return (await deps.engine.principalsOf(h, [s.owner_user_id])).get(s.owner_user_id) ?? null;
    const org = await findActiveOrganization(h, s.organization_id);
    if (!org) return null;
    return organizationPrincipal(org, coordinatorSlugs);
  }

  /** After the commit that created them: deliveries are enqueued; failures to enqueue are left to the reconciler. */
  async function enqueue(rows: Array<{ id: string; attempts: number; next_attempt_at: Date | null }>) {
    await alerts.enqueue(rows).catch((err) => logger.warn({ err: (err as Error).message }, 'alert enqueue failed; the reconciler will enqueue it'));
  }

  /** Indicator alerts of outbox ranges, shared by the subscriptions of one run: they do not depend on the recipient. */
  type AlertsByRange = Map<string, Promise<IndicatorAlertModel[]>>;

  /** What of the outbox range a subscriber may see and wants: incidents (by id) and indicators (by id). */
  async function collect(h: Handle, s: SubscriptionRow, recipient: UserPrincipal, from: number, to: number, alertsByRange: AlertsByRange = new Map()) {
    // The whole range, page by page in cursor order, however long the period: a digest reads every event
    // of its period (it moves its cursor to the end of it), not just the first page.
    const incidentOrder = new Map<string, number>();
    const indicatorRows: EventLogRow[] = [];
    let events = 0;
    for (let after = from; ; ) {
      const rows = await outboxPage(h, after, to, COLLECT_PAGE);
      events += rows.length;
      for (const r of rows) {
        if (r.topic.startsWith('incident.')) {
          if (!incidentOrder.has(r.aggregate_id)) incidentOrder.set(r.aggregate_id, Number(r.id));
        } else if (r.topic === 'indicator.reported' || r.topic === 'indicator.sighted') indicatorRows.push(r as EventLogRow);
      }
      if (rows.length < COLLECT_PAGE) break;
      after = Number(rows[rows.length - 1]!.id);
    }
    const incidents = (await findIncidentsByIds(h, [...incidentOrder.keys()])).sort((a, b) => incidentOrder.get(a.id)! - incidentOrder.get(b.id)!);
    const facts = await loadAccessFacts(h, incidents);
    const visibleIncidents = incidents.filter((i) => {
      const f = facts.get(i.id)!;
      return canSeeIncident(recipient, f) && incidentMatches(s.filter, i, f.affectedCountyIds);
    });
    // Indicator alerts: the live subscription's alerts (alerts/indicator-alerts.ts), loaded and checked the
    // same way, so that both tell a recipient about the same reports and sightings: the report or sighting
    // itself must be visible, not merely the indicator. Correlations reach subscriptions as their incident.
    let indicators: Array<{ id: number; type: string; value: string }> = [];
    let indicatorsLeftOut = 0;
    if (s.filter.includeIndicators || s.filter.indicatorTypes.length) {
      const key = `${from}:${to}`;
      let alerts = alertsByRange.get(key);
      const items = alertItemsOf(indicatorRows);
      // Said in the digest, not dropped silently: a message stays readable, the rest is in the hub.
      indicatorsLeftOut = Math.max(0, items.length - MAX_INDICATOR_ITEMS);
      if (!alerts) {
        alerts = indicatorAlertsOf(h, items.slice(0, MAX_INDICATOR_ITEMS));
        alertsByRange.set(key, alerts);
      }
      const found = new Map<number, { id: number; type: string; value: string }>();
      for (const a of await alerts) {
        const i = a.indicator;
        if (i.benign_reason === null && indicatorMatches(s.filter, i.type) && canSeeIndicatorAlert(recipient, a)) found.set(i.id, { id: i.id, type: i.type, value: i.value });
      }
      indicators = [...found.values()].sort((a, b) => a.id - b.id);
    }
    return { incidents: visibleIncidents, facts, indicators, events, indicatorsLeftOut };
  }

  /** Immediate alerts for one relayed event: one delivery per matching subscription and channel. */
  async function onEvent(e: DomainEvent): Promise<void> {
    if (!e.topic.startsWith('incident.') && !e.topic.startsWith('indicator.')) return;
    // Marked matched by the relay, in the transaction that relayed it (no immediate subscription then).
    if (e.matched) return;
    // Most events have no immediate subscription to match: one statement marks them matched, no transaction.
    if ((await markMatchedUnlessSubscribed(db, e.outboxId)).length === 0) return;
    const created: Array<{ id: string; attempts: number; next_attempt_at: Date | null }> = [];
    await db.transaction().execute(async (trx) => {
      // With the deliveries it made, in one commit: alerts of later events wait for this (buildAlert).
      await markEventMatched(trx, e.outboxId);
      const alertsByRange: AlertsByRange = new Map();
      for (const s of await activeSubscriptions(trx, 'IMMEDIATE')) {
        const recipient = await recipientOf(trx, s);
        if (!recipient) continue;
        const { incidents, indicators } = await collect(trx, s, recipient, e.outboxId - 1, e.outboxId, alertsByRange);
        if (incidents.length === 0 && indicators.length === 0) continue;
        for (const channel of s.channels) {
          const row = await insertDeliveryIfAbsent(trx, {
            subscription_id: s.id,
            kind: 'EVENT',
            channel,
            outbox_from: e.outboxId - 1,
            outbox_to: e.outboxId,
            next_attempt_at: new Date(),
            items: incidents.length + indicators.length,
          });
          if (row) created.push(row);
        }
      }
    });
    await enqueue(created);
  }

  /**
   * The matcher's whole work for relayed events, done by the relay's claiming statement when there is none
   * to do: with no immediate subscription, events are only marked matched (what onEvent would do, a queue
   * hop later). The relay skips the job of an event only the matcher handles, and tells onEvent it is done
   * for the others (DomainEvent.matched).
   */
  const settleInRelay = markedUnlessSubscribedParts;

  /** Assembles the digests of one mode: events after each subscription's last digest; an empty digest is not sent. */
  async function runDigests(mode: DigestMode, now = new Date()): Promise<{ created: number; empty: number }> {
    let createdCount = 0;
    let empty = 0;
    const created: Array<{ id: string; attempts: number; next_attempt_at: Date | null }> = [];
    await db.transaction().execute(async (trx) => {
      const to = await settledOutboxHead(trx, new Date(now.getTime() - DIGEST_SETTLE_MS));
      for (const s of await activeSubscriptions(trx, mode)) {
        const from = Number(s.digest_after_outbox_id);
        if (to <= from) continue;
        const recipient = await recipientOf(trx, s);
        const found = recipient ? await collect(trx, s, recipient, from, to) : null;
        if (found && found.events > LARGE_DIGEST_EVENTS) logger.warn({ subscriptionId: s.id, mode, events: found.events, from, to }, 'a large digest: every event of its period is read');
        await markDigested(trx, s.id, to, now);
        if (!found || (found.incidents.length === 0 && found.indicators.length === 0)) {
          empty++;
          continue;
        }
        for (const channel of s.channels) {
          const row = await insertDeliveryIfAbsent(trx, {
            subscription_id: s.id,
            kind: 'DIGEST',
            channel,
            outbox_from: from,
            outbox_to: to,
            next_attempt_at: now,
            items: found.incidents.length + found.indicators.length,
          });
          if (row) {
            created.push(row);
            createdCount++;
          }
        }
      }
    });
    await enqueue(created);
    return { created: createdCount, empty };
  }

  function incidentView(i: IncidentRow, counties: string[]) {
    const base: Record<string, unknown> = {
      reference: i.reference,
      severity: i.severity,
      category: i.category,
      domain: i.domain,
      status: i.status,
      tlp: i.tlp,
      lawEnforcementSensitive: i.law_enforcement_sensitive,
      exercise: i.exercise,
      affectedCounties: counties,
      // The incident's console page (where signing in and the access policy decide what it shows).
      url: consoleIncidentUrl(config.http.publicUrl, i.id),
    };
    // What leaves the hub (access-policy.md): title and summary only for CLEAR and GREEN.
    if (mayCarryContent({ tlp: i.tlp, lawEnforcementSensitive: i.law_enforcement_sensitive })) {
      base.title = i.title;
      base.summary = i.summary;
    }
    return base;
  }

  /**
   * Alerts and digests as a kind of the delivery pipeline (notifications/pipeline.ts): each attempt is
   * built from what the subscriber may see at that moment; GONE pauses the subscription.
   */
  const alertKind: DeliveryKind<AlertDeliveryRow, { subscriptionId: string; items: number }> = {
    jobName: 'alert',
    idField: 'alertDeliveryId',
    jobPrefix: 'a',
    objectName: 'alert delivery',
    label: 'alert delivery',
    directStarts: 0,
    // A claim reads the delivery's whole range of the log (a digest: its period): a few at a time.
    claimSlots: 4,
    priority: 5,
    store: alertDeliveryStore,
    load: async (trx, id) => (await lockDelivery(trx, id)) ?? null,
    build: buildAlert,
    onGone: (trx, c, _reason, at) => pauseSubscription(trx, c.subscriptionId, at),
    onDelivered: (trx, id, c) => setDeliveryItems(trx, id, c.items),
    givenUpReason: (_attempts, error) => error,
  };
  const alerts = deps.delivery.register(alertKind);

  /** The message of an alert or digest, from what the subscriber may see now; or its end. */
  async function buildAlert(trx: Handle, d: AlertDeliveryRow) {
    // Immediate alerts of one subscription go out in cursor order: while an earlier one of the same
    // channel has not had its first attempt (queued, or in flight), this one waits its turn. One that
    // already failed does not hold the others back through its retries.
    if (d.kind === 'EVENT' && (await earlierAlertWaiting(trx, d))) return 'waiting' as const;
    // An earlier event may not have its delivery row yet: events are matched concurrently, so one matched
    // later than this one (or its job lost) would otherwise be overtaken. Its first attempt waits for it.
    if (d.kind === 'EVENT' && d.attempts === 0) {
      const unmatched = await earlierEventUnmatched(trx, d.outbox_to, MATCHED_TOPICS, ORDER_WINDOW_EVENTS);
      if (unmatched !== undefined) {
        if (Date.now() - new Date(d.created_at).getTime() < ORDER_WAIT_MS) return 'waiting' as const;
        logger.warn({ alertDeliveryId: d.id, subscriptionId: d.subscription_id, cursor: d.outbox_to, unmatchedCursor: unmatched }, 'an earlier event is still not matched; alert sent out of cursor order');
      }
    }
    const s = await findSubscription(trx, d.subscription_id);
    if (!s || s.deleted_at || s.paused_at) return { finish: 'CANCELLED' as const, reason: 'the subscription was paused or deleted' };
    const recipient = await recipientOf(trx, s);
    if (!recipient) return { finish: 'SUPPRESSED' as const, reason: 'the subscriber is deactivated' };
    const found = await collect(trx, s, recipient, d.outbox_from, d.outbox_to);
    if (found.incidents.length === 0 && found.indicators.length === 0) return { finish: 'SUPPRESSED' as const, reason: 'nothing the subscriber may see any more' };
    const countyIds = [...new Set(found.incidents.flatMap((i) => found.facts.get(i.id)!.affectedCountyIds))];
    const names = new Map((await organizationNames(trx, countyIds)).map((o) => [o.id, o.name.replace(/ County Elections$/, '')]));
    const incidents = found.incidents.map((i) => incidentView(i, found.facts.get(i.id)!.affectedCountyIds.map((c) => names.get(c) ?? c)));
    const indicators = found.indicators.map((i) => ({ type: i.type, value: i.value }));
    const exercise = found.incidents.some((i) => i.exercise);
    const label = d.kind === 'DIGEST' ? (s.mode === 'DAILY_DIGEST' ? 'Daily digest' : 'Hourly digest') : 'Alert';
    const subject = `${exercise ? EXERCISE_BANNER + ' ' : ''}[ESTF] ${label} "${s.name}": ${incidents.length} incident(s), ${indicators.length} indicator(s)`;
    // What happened, for an immediate alert: the event's kind (incident.filed, indicator.sighted, …).
    const event = d.kind === 'EVENT' ? await findOutboxTopic(trx, d.outbox_to) : undefined;
    let outgoing: Outgoing;
    if (d.channel === 'WEBHOOK') {
      outgoing = {
        channel: 'WEBHOOK',
        url: s.webhook_url,
        secret: s.webhook_secret ?? '',
        payload: {
          type: d.kind === 'DIGEST' ? 'alert.digest' : 'alert.event',
          subscription: { id: s.id, name: s.name, mode: s.mode },
          subject,
          cursor: String(d.outbox_to),
          ...(event ? { event: { cursor: String(event.id), kind: event.topic } } : {}),
          // How many events of the log the range held, and indicator reports beyond what a message carries.
          events: found.events,
          ...(found.indicatorsLeftOut > 0 ? { indicatorsLeftOut: found.indicatorsLeftOut } : {}),
          incidents,
          indicators,
        },
      };
    } else {
      const lines = [exercise ? EXERCISE_BANNER : null, `${label} of your ESTF Hub subscription "${s.name}".`, ''].filter((x): x is string => x !== null);
      for (const i of incidents) {
        lines.push(`${i.reference}  ${i.severity}  ${i.category}  ${(i.affectedCounties as string[]).join(', ') || 'statewide'}  TLP:${i.tlp}  ${i.status}`);
        // The filer's words, quoted on one line: they cannot pass for a line of the digest's own.
        if (i.title) lines.push(`    ${quoteLine(String(i.title), MESSAGE_TEXT_LIMITS.title)}`);
        lines.push(`    Open: ${i.url}`);
      }
      if (indicators.length) lines.push('', 'Indicators:', ...indicators.slice(0, 500).map((x) => `  ${x.type}  ${x.value}`));
      const leftOut = Math.max(0, indicators.length - 500) + found.indicatorsLeftOut;
      if (leftOut > 0) lines.push(`  … and ${leftOut} more indicator report(s) and sighting(s): see the hub.`);
      if (found.events > LARGE_DIGEST_EVENTS) lines.push('', `A large period: ${found.events} events in the hub's event log.`);
      outgoing = { channel: 'EMAIL', to: s.email ?? '', subject, text: lines.join('\n') };
    }
    return { outgoing, context: { subscriptionId: s.id, items: incidents.length + indicators.length }, log: { alertDeliveryId: d.id, subscriptionId: s.id } };
  }

  /** For the reconciler: pending alert deliveries due soon. */
  const reconcile = async (horizonMs: number): Promise<number> => {
    // Only the recent handled events matter (ORDER_WINDOW_EVENTS): the table stays small.
    await pruneMatchedEvents(db, 10 * ORDER_WINDOW_EVENTS);
    return alerts.reconcile(horizonMs);
  };

  return { onEvent, settleInRelay, runDigests, deliver: alerts.deliver, reconcile, recipientOf };
}

