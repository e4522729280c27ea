import { sql } from 'kysely';
import { canSeeIncident } from '../../access/incidents.js';
import { canSeeIndicatorAlert } from '../../access/indicators.js';
import { organizationPrincipal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import type { Logger } from '../../infra/logger.js';
import { UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { quoteLine } from '../../text.js';
import { alertItemsOf, indicatorAlertsOf, type IndicatorAlertModel } from '../alerts/indicator-alerts.js';
import type { EscalationEngine } from '../escalations/escalations.engine.js';
import { findIncidentsByIds, loadAccessFacts, type IncidentRow } from '../incidents/incidents.repository.js';
import { EXERCISE_BANNER, MESSAGE_TEXT_LIMITS, mayCarryContent } from '../notifications/messages.js';
import type { Senders, SendOutcome } from '../notifications/senders.js';
import type { DomainEvent } from '../outbox/outbox.jobs.js';
import { incidentMatches, indicatorMatches } from './filter.js';
import type { AlertSubscriptionsTable } from './subscriptions.tables.js';
import type { Selectable } from 'kysely';
import type { EventLogRow } from '../alerts/alerts.repository.js';

/**
 * Saved alert subscriptions at work: immediate alerts from the event log, hourly and daily digests, and
 * their delivery. Every delivery re-checks, at the moment it is sent, what the subscriber may see: an
 * alert about an incident since narrowed, or for a deactivated user, is not sent.
 */

export type SubscriptionRow = Selectable<AlertSubscriptionsTable>;
export type DigestMode = 'HOURLY_DIGEST' | 'DAILY_DIGEST';

const deliveryJobId = (id: string, attempt: number) => `a-${id}-${attempt}`;
/** Event-log rows read per page when a digest or an alert collects its range. */
const COLLECT_PAGE = 5_000;
/** Indicator reports and sightings checked per digest; beyond this, the digest says how many it left out. */
const MAX_INDICATOR_ITEMS = 10_000;
/** A digest of more events than this says that it is large (log line and message). */
const LARGE_DIGEST_EVENTS = 20_000;
/** Events younger than this are left to the next digest: a transaction may still be committing below them. */
const DIGEST_SETTLE_MS = 2_000;

export type SubscriptionJobs = ReturnType<typeof createSubscriptionJobs>;

export function createSubscriptionJobs(deps: { db: Db; queues: Queues; config: Config; logger: Logger; senders: Senders; engine: EscalationEngine }) {
  const { db, queues, config, logger, senders } = deps;
  const coordinatorSlugs = new Set(config.coordinatorOrgSlugs);

  /** Whose rights a subscription has: its user's, or (organization subscriptions) the organization's, never RED. */
  async function recipientOf(h: Handle, s: SubscriptionRow): Promise<UserPrincipal | null> {
    if (s.owner_user_id) return (await deps.engine.principalsOf(h, [s.owner_user_id])).get(s.owner_user_id) ?? null;
    const org = await h.selectFrom('organizations').selectAll().where('id', '=', s.organization_id).where('active', '=', true).executeTakeFirst();
    if (!org) return null;
    return organizationPrincipal(org, coordinatorSlugs);
  }

  function activeSubscriptions(h: Handle, mode: string) {
    return h.selectFrom('alert_subscriptions').selectAll().where('mode', '=', mode).where('deleted_at', 'is', null).where('paused_at', 'is', null).execute();
  }

  async function enqueue(ids: Array<{ id: string; attempts: number; at: Date }>) {
    await Promise.all(
      ids.map((d) =>
        queues.delivery.add(
          'alert',
          { alertDeliveryId: d.id },
          // Removed once done: a deferred delivery (see deliver) is enqueued again under the same id.
          { jobId: deliveryJobId(d.id, d.attempts), delay: Math.max(0, d.at.getTime() - Date.now()), removeOnComplete: true },
        ),
      ),
    ).catch((err) => logger.warn({ err: (err as Error).message }, 'alert enqueue failed; the reconciler will enqueue it'));
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
      const rows = await h
        .selectFrom('outbox')
        .select(['id', 'topic', 'aggregate_type', 'aggregate_id', 'payload', 'created_at'])
        .where('id', '>', after)
        .where('id', '<=', to)
        .where((eb) => eb.or([eb('topic', 'like', 'incident.%'), eb('topic', 'like', 'indicator.%')]))
        .orderBy('id')
        .limit(COLLECT_PAGE)
        .execute();
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
    const created: Array<{ id: string; attempts: number; at: Date }> = [];
    await db.transaction().execute(async (trx) => {
      const alertsByRange: AlertsByRange = new Map();
      for (const s of await activeSubscriptions(trx, 'IMMEDIATE')) {
        const recipient = await recipientOf(trx, s);
        if (!recipient) continue;
        const { incidents, indicators } = await collect(trx, s, recipient, e.outboxId - 1, e.outboxId, alertsByRange);
        if (incidents.length === 0 && indicators.length === 0) continue;
        for (const channel of s.channels) {
          const row = await trx
            .insertInto('alert_deliveries')
            .values({ subscription_id: s.id, kind: 'EVENT', channel, outbox_from: e.outboxId - 1, outbox_to: e.outboxId, status: 'PENDING', next_attempt_at: new Date(), items: incidents.length + indicators.length })
            .onConflict((oc) => oc.columns(['subscription_id', 'kind', 'channel', 'outbox_to']).doNothing())
            .returning(['id', 'attempts', 'next_attempt_at'])
            .executeTakeFirst();
          if (row) created.push({ id: row.id, attempts: row.attempts, at: row.next_attempt_at ?? new Date() });
        }
      }
    });
    await enqueue(created);
  }

  /** Assembles the digests of one mode: events after each subscription's last digest; an empty digest is not sent. */
  async function runDigests(mode: DigestMode, now = new Date()): Promise<{ created: number; empty: number }> {
    let createdCount = 0;
    let empty = 0;
    const created: Array<{ id: string; attempts: number; at: Date }> = [];
    await db.transaction().execute(async (trx) => {
      const settled = await trx
        .selectFrom('outbox')
        .select((eb) => eb.fn.max<number>('id').as('max'))
        .where('created_at', '<=', new Date(now.getTime() - DIGEST_SETTLE_MS))
        .executeTakeFirst();
      const to = Number(settled?.max ?? 0);
      for (const s of await activeSubscriptions(trx, mode)) {
        const from = Number(s.digest_after_outbox_id);
        if (to <= from) continue;
        const recipient = await recipientOf(trx, s);
        const found = recipient ? await collect(trx, s, recipient, from, to) : null;
        if (found && found.events > LARGE_DIGEST_EVENTS) logger.warn({ subscriptionId: s.id, mode, events: found.events, from, to }, 'a large digest: every event of its period is read');
        await trx.updateTable('alert_subscriptions').set({ digest_after_outbox_id: to, last_digest_at: now }).where('id', '=', s.id).execute();
        if (!found || (found.incidents.length === 0 && found.indicators.length === 0)) {
          empty++;
          continue;
        }
        for (const channel of s.channels) {
          const row = await trx
            .insertInto('alert_deliveries')
            .values({ subscription_id: s.id, kind: 'DIGEST', channel, outbox_from: from, outbox_to: to, status: 'PENDING', next_attempt_at: now, items: found.incidents.length + found.indicators.length })
            .onConflict((oc) => oc.columns(['subscription_id', 'kind', 'channel', 'outbox_to']).doNothing())
            .returning(['id', 'attempts', 'next_attempt_at'])
            .executeTakeFirst();
          if (row) {
            created.push({ id: row.id, attempts: row.attempts, at: row.next_attempt_at ?? now });
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
      // The API, where the incident is looked up by its reference: no page shows an incident yet.
      url: `${config.http.publicUrl}/graphql`,
    };
    // What leaves the hub (access-policy.md): title and summary only for CLEAR and GREEN.
    if (mayCarryContent({ tlp: i.tlp, lawEnforcementSensitive: i.law_enforcement_sensitive })) {
      base.title = i.title;
      base.summary = i.summary;
    }
    return base;
  }

  /** One attempt to deliver an alert or digest, built from what the subscriber may see now. */
  async function deliver(deliveryId: string): Promise<'done' | 'busy'> {
    let retry: { attempts: number; at: Date } | null = null;
    let deferred = false;
    await db.transaction().execute(async (trx) => {
      const d = await trx.selectFrom('alert_deliveries').selectAll().where('id', '=', deliveryId).forUpdate().skipLocked().executeTakeFirst();
      if (!d) {
        // Absent because another worker holds the row (skip locked), or because there is no such row.
        if (!(await trx.selectFrom('alert_deliveries').select('id').where('id', '=', deliveryId).executeTakeFirst())) throw new UnknownJobObjectError('alert delivery', deliveryId);
        return;
      }
      if (d.status !== 'PENDING') return;
      // Immediate alerts of one subscription go out in cursor order: while an earlier one of the same
      // channel has not had its first attempt (queued, or in flight), this one waits its turn. One that
      // already failed does not hold the others back through its retries.
      if (d.kind === 'EVENT') {
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
        if (earlier) {
          deferred = true;
          return;
        }
      }
      const finish = (status: string, reason: string) =>
        trx.updateTable('alert_deliveries').set({ status, status_reason: reason, next_attempt_at: null }).where('id', '=', d.id).execute();
      const s = await trx.selectFrom('alert_subscriptions').selectAll().where('id', '=', d.subscription_id).executeTakeFirst();
      if (!s || s.deleted_at || s.paused_at) return void (await finish('CANCELLED', 'the subscription was paused or deleted'));
      const recipient = await recipientOf(trx, s);
      if (!recipient) return void (await finish('SUPPRESSED', 'the subscriber is deactivated'));
      const found = await collect(trx, s, recipient, d.outbox_from, d.outbox_to);
      if (found.incidents.length === 0 && found.indicators.length === 0) return void (await finish('SUPPRESSED', 'nothing the subscriber may see any more'));
      const countyIds = [...new Set(found.incidents.flatMap((i) => found.facts.get(i.id)!.affectedCountyIds))];
      const names = new Map(
        (countyIds.length ? await trx.selectFrom('organizations').select(['id', 'name']).where('id', 'in', countyIds).execute() : []).map((o) => [
          o.id,
          o.name.replace(/ County Elections$/, ''),
        ]),
      );
      const incidents = found.incidents.map((i) => incidentView(i, found.facts.get(i.id)!.affectedCountyIds.map((c) => names.get(c) ?? c)));
      const indicators = found.indicators.map((i) => ({ type: i.type, value: i.value }));
      const exercise = found.incidents.some((i) => i.exercise);
      const label = d.kind === 'DIGEST' ? (s.mode === 'DAILY_DIGEST' ? 'Daily digest' : 'Hourly digest') : 'Alert';
      const subject = `${exercise ? EXERCISE_BANNER + ' ' : ''}[ESTF] ${label} "${s.name}": ${incidents.length} incident(s), ${indicators.length} indicator(s)`;
      // What happened, for an immediate alert: the event's kind (incident.filed, indicator.sighted, …).
      const event =
        d.kind === 'EVENT' ? await trx.selectFrom('outbox').select(['id', 'topic']).where('id', '=', d.outbox_to).executeTakeFirst() : undefined;
      let result: SendOutcome;
      if (d.channel === 'WEBHOOK') {
        // The sender checks the address it connects to (a refused target comes back as REFUSED).
        result = s.webhook_url
          ? await senders.webhook(s.webhook_url, s.webhook_secret ?? '', d.id, {
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
            })
          : { outcome: 'REFUSED', httpStatus: null, error: 'no webhook URL', latencyMs: 0 };
      } else {
        const lines = [exercise ? EXERCISE_BANNER : null, `${label} of your ESTF Hub subscription "${s.name}".`, ''].filter((x): x is string => x !== null);
        for (const i of incidents) {
          lines.push(`${i.reference}  ${i.severity}  ${i.category}  ${(i.affectedCounties as string[]).join(', ') || 'statewide'}  TLP:${i.tlp}  ${i.status}`);
          // The filer's words, quoted on one line: they cannot pass for a line of the digest's own.
          if (i.title) lines.push(`    ${quoteLine(String(i.title), MESSAGE_TEXT_LIMITS.title)}`);
          lines.push(`    look up incident(reference: "${i.reference}") at ${i.url}`);
        }
        if (indicators.length) lines.push('', 'Indicators:', ...indicators.slice(0, 500).map((x) => `  ${x.type}  ${x.value}`));
        const leftOut = Math.max(0, indicators.length - 500) + found.indicatorsLeftOut;
        if (leftOut > 0) lines.push(`  … and ${leftOut} more indicator report(s) and sighting(s): see the hub.`);
        if (found.events > LARGE_DIGEST_EVENTS) lines.push('', `A large period: ${found.events} events in the hub's event log.`);
        result = await senders.email(s.email ?? '', subject, lines.join('\n'), d.id);
      }
      const now = new Date();
      await trx
        .insertInto('alert_delivery_attempts')
        .values({ delivery_id: d.id, at: now, outcome: result.outcome, http_status: result.httpStatus, error: 'error' in result ? result.error.slice(0, 500) : null, latency_ms: result.latencyMs })
        .execute();
      const attempts = d.attempts + 1;
      if (result.outcome === 'DELIVERED') {
        await trx.updateTable('alert_deliveries').set({ status: 'DELIVERED', attempts, delivered_at: now, next_attempt_at: null, status_reason: null, items: incidents.length + indicators.length }).where('id', '=', d.id).execute();
      } else if (result.outcome === 'GONE' || result.outcome === 'REFUSED' || attempts >= config.delivery.maxAttempts) {
        if (result.outcome === 'GONE') await trx.updateTable('alert_subscriptions').set({ paused_at: now, updated_at: now }).where('id', '=', s.id).execute();
        await trx.updateTable('alert_deliveries').set({ status: 'FAILED', attempts, status_reason: result.error, next_attempt_at: null }).where('id', '=', d.id).execute();
      } else {
        const at = new Date(now.getTime() + config.delivery.backoffBaseMs * 2 ** (attempts - 1));
        await trx.updateTable('alert_deliveries').set({ attempts, next_attempt_at: at, status_reason: result.error }).where('id', '=', d.id).execute();
        retry = { attempts, at };
      }
    });
    const r = retry as { attempts: number; at: Date } | null;
    if (r) await enqueue([{ id: deliveryId, attempts: r.attempts, at: r.at }]);
    return deferred ? 'busy' : 'done';
  }

  /** For the reconciler: pending alert deliveries due soon. */
  async function reconcile(horizonMs: number): Promise<number> {
    const due = await db
      .selectFrom('alert_deliveries')
      .select(['id', 'attempts', 'next_attempt_at'])
      .where('status', '=', 'PENDING')
      .where('next_attempt_at', '<=', new Date(Date.now() + horizonMs))
      .limit(5_000)
      .execute();
    await enqueue(due.map((d) => ({ id: d.id, attempts: d.attempts, at: d.next_attempt_at! })));
    return due.length;
  }

  return { onEvent, runDigests, deliver, reconcile, recipientOf };
}

export { sql };
