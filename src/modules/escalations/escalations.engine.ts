import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { canSeeIncident, type IncidentAccessFacts } from '../../access/incidents.js';
import { recipientPrincipal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import type { Logger } from '../../infra/logger.js';
import { UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { accessFactsOf, loadAccessFacts, lockIncidentWithFacts, type IncidentRow } from '../incidents/incidents.repository.js';
import { FINISHED_STATUSES, type IncidentStatus } from '../incidents/taxonomy.js';
import { addOutboxEvent } from '../outbox/outbox.repository.js';
import type { MessageContext } from '../notifications/messages.js';
import { smsOf, subjectOf, textOf, webhookPayloadOf } from '../notifications/messages.js';
import type { Senders, SendOutcome } from '../notifications/senders.js';
import {
  cancelPendingPages,
  duePendingNotifications,
  dueTimers,
  hubSecret,
  insertEscalationIfAbsent,
  insertNotifications,
  listRoutingRules,
  loadDeliveryContext,
  recordAttemptAndSet,
  findRecipientUsers,
  type RecipientUserRow,
  lockEscalation,
  touchEscalation,
  usersNotified,
  usersPagedAt,
  type EscalationRow,
  type NotificationRow,
} from './escalations.repository.js';
import { levelTargetsFor, nextPage, ruleMatches, type EscalationPolicy, type RuleMatch, type Target } from './policy.js';
import { loadDutyRows, matchTargets, recipientsFor, type DutyRow, type IncidentTargetsContext } from './recipients.js';
import { createUnreachablePages } from './unreachable.js';

/**
 * The escalation flow of architecture.md. PostgreSQL holds every decision (escalation state, timer
 * token and due time, notifications and their attempts); Redis holds only jobs that point at rows, so
 * the reconciler can rebuild everything Redis lost. Jobs carry ids, never incident content.
 */

export const ACK_LINK_LIFETIME_MS = 24 * 3_600_000;

export type EscalationEngine = ReturnType<typeof createEscalationEngine>;


const timerJobId = (escalationId: string, token: string) => `t-${escalationId}-${token}`;
const deliveryJobId = (notificationId: string, attempt: number) => `d-${notificationId}-${attempt}`;

export function createEscalationEngine(deps: { db: Db; queues: Queues; config: Config; logger: Logger; senders: Senders }) {
  const { db, queues, config, logger, senders } = deps;
  let ackKey: string | null = null;
  /**
   * The acknowledgement-link key, read through the caller's handle: fire and deliver already hold a
   * connection, and asking the pool for a second one deadlocks when a burst of them holds the whole pool
   * (each waits for a connection only the others can free). Cached once read; a failure is not cached.
   */
  const ackSecret = async (h: Handle) => (ackKey ??= await hubSecret(h, 'ack-link-key', () => randomBytes(32).toString('base64url')));

  // ── Scheduling: Redis jobs that mirror rows ───────────────────────────────────────────────────────

  async function scheduleTimer(escalationId: string, token: string, dueAt: Date): Promise<void> {
    await queues.timers.add('fire', { escalationId, token }, { jobId: timerJobId(escalationId, token), delay: Math.max(0, dueAt.getTime() - Date.now()) });
  }

  async function scheduleDelivery(notificationId: string, attempt: number, dueAt: Date): Promise<void> {
    await queues.delivery.add(
      'deliver',
      { notificationId },
      { jobId: deliveryJobId(notificationId, attempt), delay: Math.max(0, dueAt.getTime() - Date.now()) },
    );
  }

  /**
   * First attempts of pages made in this process start here at once, up to this many at a time; beyond
   * that they go through the delivery queue. A page is on the path from an incident to a person: a queue
   * hop (enqueue, a worker's pick-up, its bookkeeping) is time and CPU before the first attempt.
   */
  const MAX_DIRECT_DELIVERIES = 10;
  const direct = new Set<Promise<void>>();

  function deliverNow(n: NotificationRow): boolean {
    if (direct.size >= MAX_DIRECT_DELIVERIES) return false;
    const p = deliver(n.id)
      // Nothing is lost on failure (or if this process dies): the row stays PENDING, and the reconciler
      // enqueues it (as it enqueues every pending notification that is due), or a retry was scheduled.
      .catch((err) => logger.warn({ notificationId: n.id, err: (err as Error).message }, 'direct delivery failed; the reconciler will retry'))
      .finally(() => direct.delete(p));
    direct.add(p);
    return true;
  }

  /** After a commit: due pages start here (deliverNow), the rest is enqueued; failures to enqueue are left to the reconciler. */
  async function enqueueAfterCommit(timers: Array<{ id: string; token: string; at: Date }>, deliveries: NotificationRow[]): Promise<void> {
    const now = Date.now();
    const queued = deliveries.filter((n) => n.status === 'PENDING' && !((n.next_attempt_at?.getTime() ?? now) <= now && deliverNow(n)));
    try {
      await Promise.all([
        ...timers.map((t) => scheduleTimer(t.id, t.token, t.at)),
        ...queued.map((n) => scheduleDelivery(n.id, n.attempts, n.next_attempt_at ?? new Date())),
      ]);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'enqueue after commit failed; the reconciler will enqueue it');
    }
  }

  /** Waits for the deliveries started here (a worker that stops lets them finish first). */
  async function drain(): Promise<void> {
    while (direct.size > 0) await Promise.allSettled([...direct]);
  }

  // ── Acknowledgement links ─────────────────────────────────────────────────────────────────────────

  /** The link token of a page: derived from a hub key, so any process can rebuild it; only its hash is stored. */
  async function ackTokenOf(notificationId: string, h: Handle = db): Promise<string> {
    return createHmac('sha256', await ackSecret(h)).update(`ack:${notificationId}`).digest('base64url');
  }

  const hashAckToken = (token: string) => createHash('sha256').update(token).digest();

  // ── Recipients as principals: delivery checks the recipient's rights at that moment ──────────────────

  const coordinatorSlugs = new Set(config.coordinatorOrgSlugs);

  /** The principal of an active user of an active organization (null otherwise): recipients are checked as themselves. */
  function principalFromRow(r: RecipientUserRow): UserPrincipal | null {
    return recipientPrincipal(
      { userId: r.id, email: r.email, name: r.name, roles: r.roles, organizationId: r.orgId, organizationSlug: r.slug, organizationName: r.orgName, organizationKind: r.kind, active: r.active, organizationActive: r.orgActive },
      coordinatorSlugs,
    );
  }

  async function principalsOf(h: Handle, userIds: readonly string[]): Promise<Map<string, UserPrincipal>> {
    const out = new Map<string, UserPrincipal>();
    for (const r of await findRecipientUsers(h, userIds)) {
      const p = principalFromRow(r);
      if (p) out.set(r.id, p);
    }
    return out;
  }

  /**
   * Serialises the paging of one incident across its escalations (and processes): "who was already
   * paged at this level" must see the other rules' pages, so each person is paged once per level.
   */
  async function lockIncidentPaging(trx: Handle, incidentId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${'page:' + incidentId}, 0))`.execute(trx);
  }

  /** Notification rows for people, one per contact method, suppressed for whoever may not see the incident. */
  async function notificationRows(
    h: Handle,
    escalation: EscalationRow,
    incident: IncidentRow,
    kind: 'PAGE' | 'NOTIFY',
    level: number,
    loop: number,
    targets: readonly Target[],
    skip: ReadonlySet<string>,
    known: { facts?: IncidentAccessFacts; dutyRows?: readonly DutyRow[] } = {},
  ) {
    const now = new Date();
    // One read of the access facts serves both the targets (affected counties) and the visibility check.
    const facts = known.facts ?? (await loadAccessFacts(h, [incident])).get(incident.id)!;
    const ctx: IncidentTargetsContext = { reportingOrganizationId: incident.reporting_organization_id, affectedCountyIds: facts.affectedCountyIds };
    const duties = matchTargets(known.dutyRows ?? (await loadDutyRows(h, targets)), targets, ctx);
    const recipients = (await recipientsFor(h, duties, now)).filter((r) => !skip.has(r.userId));
    const rows = [];
    for (const r of recipients) {
      const p = principalFromRow(r.user);
      const visible = p !== null && canSeeIncident(p, facts);
      if (r.methods.length === 0) logger.warn({ escalationId: escalation.id, userId: r.userId }, 'on-call user has no contact method: nobody reached');
      for (const m of r.methods) {
        const id = randomUUID();
        rows.push({
          id,
          escalation_id: escalation.id,
          incident_id: incident.id,
          kind,
          level,
          loop,
          recipient_user_id: r.userId,
          contact_method_id: m.id,
          channel: m.kind,
          status: visible ? ('PENDING' as const) : ('SUPPRESSED' as const),
          status_reason: visible ? null : 'the recipient may not see this incident',
          next_attempt_at: visible ? now : null,
          ack_token_hash: kind === 'PAGE' ? hashAckToken(await ackTokenOf(id, h)) : null,
          ack_expires_at: kind === 'PAGE' ? new Date(now.getTime() + ACK_LINK_LIFETIME_MS) : null,
        });
      }
    }
    return rows;
  }

  // ── Routing ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Matches an incident against the enabled rules and starts an escalation for each rule that has none
   * yet for it (so raising severity starts the rules that now match, and routing twice is harmless).
   */
  async function route(incidentId: string): Promise<string[]> {
    const timers: Array<{ id: string; token: string; at: Date }> = [];
    const deliveries: NotificationRow[] = [];
    const created = await db.transaction().execute(async (trx) => {
      await lockIncidentPaging(trx, incidentId);
      const locked = await lockIncidentWithFacts(trx, incidentId);
      if (!locked) throw new UnknownJobObjectError('incident', incidentId);
      if (FINISHED_STATUSES.has(locked.incident.status as IncidentStatus)) return [];
      const { incident, facts } = locked;
      const rules = (await listRoutingRules(trx, { enabledOnly: true })).filter((r) =>
        ruleMatches({ severityAtLeast: r.severity_at_least as RuleMatch['severityAtLeast'], domains: r.domains as never, categories: r.categories as never }, incident),
      );
      const ctx: IncidentTargetsContext = { reportingOrganizationId: incident.reporting_organization_id, affectedCountyIds: facts.affectedCountyIds };
      // Every duty any matching rule names, read once for all of them.
      const dutyRows = await loadDutyRows(
        trx,
        rules.flatMap((r) => [...r.policy.levels.flatMap((l) => levelTargetsFor(l, incident)), ...r.policy.notify.map((n) => n.target)]),
      );
      const ids: string[] = [];
      const startedRules: string[] = [];
      for (const rule of rules) {
        const policy = rule.policy;
        const levelTargets = policy.levels.flatMap((l) => levelTargetsFor(l, incident));
        const targeted = matchTargets(dutyRows, levelTargets, ctx);
        const token = randomUUID();
        const now = new Date();
        const esc = await insertEscalationIfAbsent(trx, {
          incident_id: incident.id,
          rule_id: rule.id,
          rule_name: rule.name,
          policy,
          timer_token: token,
          next_fire_at: now,
          targeted_organization_ids: [...new Set(targeted.map((d) => d.organizationId))],
        });
        if (!esc) continue;
        ids.push(esc.id);
        startedRules.push(rule.name);
        // The first level is due now: it is paged in this transaction, as its timer would page it a moment
        // later (same row lock, same token rule, same unique notifications), without a commit and a queue
        // hop in between. If this transaction fails, nothing of it exists and routing runs again.
        if (policy.levels.length > 0) await pageCurrentLevel(trx, esc, incident, timers, deliveries, { facts, dutyRows });
        else await touchEscalation(trx, esc.id, { state: 'EXHAUSTED', timer_token: null, next_fire_at: null });
        const notifyTargets = policy.notify.filter((n) => n.categories.length === 0 || n.categories.includes(incident.category as never)).map((n) => n.target);
        if (notifyTargets.length > 0) {
          const skip = await usersNotified(trx, incident.id);
          const rows = await notificationRows(trx, esc, incident, 'NOTIFY', -1, 0, notifyTargets, skip, { facts, dutyRows });
          deliveries.push(...(await insertNotifications(trx, rows)));
        }
      }
      // The event log (live subscribers, events(after:)): paging started for this incident.
      if (startedRules.length > 0) {
        await addOutboxEvent(trx, 'incident.escalated', { type: 'Incident', id: incident.id }, { reference: incident.reference, rules: startedRules, manual: false });
      }
      return ids;
    });
    await enqueueAfterCommit(timers, deliveries);
    if (created.length) logger.info({ incidentId, escalations: created.length }, 'incident routed');
    return created;
  }

  /** An incident that is resolved, closed, rejected or merged stops paging. */
  async function stopForIncident(incidentId: string, reason: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const open = await trx
        .selectFrom('escalations')
        .select('id')
        .where('incident_id', '=', incidentId)
        .where('state', 'in', ['ACTIVE', 'EXHAUSTED'])
        .forUpdate()
        .execute();
      for (const e of open) {
        await touchEscalation(trx, e.id, { state: 'RESOLVED', resolved_at: new Date(), timer_token: null, next_fire_at: null });
        await cancelPendingPages(trx, e.id, reason);
      }
    });
  }

  async function onIncidentEvent(topic: string, incidentId: string, payload: Record<string, unknown>): Promise<void> {
    if (topic === 'incident.status_changed' && FINISHED_STATUSES.has(payload.to as IncidentStatus)) {
      await stopForIncident(incidentId, `incident ${String(payload.to)}`);
      return;
    }
    if (topic === 'incident.filed' || topic === 'incident.severity_changed' || topic === 'incident.status_changed') {
      // A reopened incident (RESOLVED → INVESTIGATING) routes again: rules whose escalation is over do not.
      await route(incidentId);
    }
  }

  // ── Timers ──────────────────────────────────────────────────────────────────────────────────────────

  /** A timer fired: page the escalation's current level unless the token is stale or it was acknowledged. */
  async function fire(escalationId: string, token: string): Promise<void> {
    const timers: Array<{ id: string; token: string; at: Date }> = [];
    const deliveries: NotificationRow[] = [];
    await db.transaction().execute(async (trx) => {
      const esc = await lockEscalation(trx, escalationId);
      // The token check, not job removal, is what stops a stale timer: active jobs cannot be removed.
      if (!esc) throw new UnknownJobObjectError('escalation', escalationId);
      if (esc.state !== 'ACTIVE' || esc.timer_token !== token) return;
      // After the row lock: whoever else takes the paging lock (routing, other timers of the incident)
      // never waits for this escalation's row while holding it, so the order cannot deadlock.
      await lockIncidentPaging(trx, esc.incident_id);
      const locked = await lockIncidentWithFacts(trx, esc.incident_id);
      if (!locked || FINISHED_STATUSES.has(locked.incident.status as IncidentStatus)) {
        await touchEscalation(trx, esc.id, { state: 'RESOLVED', resolved_at: new Date(), timer_token: null, next_fire_at: null });
        return;
      }
      await pageCurrentLevel(trx, esc, locked.incident, timers, deliveries, { facts: locked.facts });
    });
    await enqueueAfterCommit(timers, deliveries);
  }

  /**
   * Pages the escalation's current level and moves it on: the next level (or loop) with a new token and
   * due time, or EXHAUSTED. The caller holds the incident's paging lock and the escalation row, and has
   * checked the token; the timers and deliveries to enqueue after the commit are appended to its lists.
   */
  async function pageCurrentLevel(
    trx: Handle,
    esc: EscalationRow,
    incident: IncidentRow,
    timers: Array<{ id: string; token: string; at: Date }>,
    deliveries: NotificationRow[],
    known: { facts?: IncidentAccessFacts; dutyRows?: readonly DutyRow[] } = {},
  ): Promise<void> {
    const policy: EscalationPolicy = esc.policy;
    const level = policy.levels[esc.level];
    if (!level) {
      await touchEscalation(trx, esc.id, { state: 'EXHAUSTED', timer_token: null, next_fire_at: null });
      return;
    }
    const skip = await usersPagedAt(trx, incident.id, esc.level, esc.loop);
    const rows = await notificationRows(trx, esc, incident, 'PAGE', esc.level, esc.loop, levelTargetsFor(level, incident), skip, known);
    deliveries.push(...(await insertNotifications(trx, rows)));
    const next = nextPage(policy, esc.level, esc.loop);
    if (next) {
      const nextToken = randomUUID();
      const at = new Date(Date.now() + level.ackTimeoutSeconds * 1000);
      await touchEscalation(trx, esc.id, { level: next[0], loop: next[1], timer_token: nextToken, next_fire_at: at, last_paged_level: esc.level });
      timers.push({ id: esc.id, token: nextToken, at });
    } else {
      await touchEscalation(trx, esc.id, { state: 'EXHAUSTED', timer_token: null, next_fire_at: null, last_paged_level: esc.level });
    }
  }

  // ── Delivery ────────────────────────────────────────────────────────────────────────────────────────

  function backoffMs(attempts: number): number {
    return config.delivery.backoffBaseMs * 2 ** Math.max(0, attempts - 1);
  }

  /**
   * One delivery attempt. The escalation row is held FOR SHARE while sending, and acknowledging takes it
   * FOR UPDATE: an acknowledgement waits for sends in flight, and once it commits no page starts.
   */
  async function deliver(notificationId: string): Promise<void> {
    let retryAt: { attempts: number; at: Date } | null = null;
    // Set when a page ends FAILED: the unreachable-person check runs after the commit (unreachable.ts).
    let failedPage = false;
    await db.transaction().execute(async (trx) => {
      const ctx = await loadDeliveryContext(trx, notificationId);
      if (!ctx) {
        // Absent because another worker holds the row (skip locked), or because there is no such row.
        if (!(await trx.selectFrom('notifications').select('id').where('id', '=', notificationId).executeTakeFirst())) throw new UnknownJobObjectError('notification', notificationId);
        return;
      }
      if (ctx.notification.status !== 'PENDING') return;
      const { notification: n, escalation: esc, incident, method } = ctx;
      const finish = (status: string, reason: string | null) =>
        trx.updateTable('notifications').set({ status, status_reason: reason, next_attempt_at: null }).where('id', '=', n.id).execute();
      if (n.kind === 'PAGE' && esc.state !== 'ACTIVE' && esc.state !== 'EXHAUSTED') {
        await finish('CANCELLED', `escalation ${esc.state.toLowerCase()}`);
        return;
      }
      const recipient = ctx.recipient ? principalFromRow(ctx.recipient) : null;
      const facts = incident ? accessFactsOf(incident, ctx.audience) : null;
      if (!incident || !facts || !recipient || !canSeeIncident(recipient, facts)) {
        await finish('SUPPRESSED', 'the recipient may not see this incident (checked at delivery)');
        return;
      }
      if (!method || method.removed_at || method.disabled_at) {
        await finish('FAILED', 'the contact method was removed or disabled');
        failedPage = n.kind === 'PAGE';
        return;
      }
      const message: MessageContext = {
        kind: n.kind as 'PAGE' | 'NOTIFY',
        incident: {
          id: incident.id,
          reference: incident.reference,
          title: incident.title,
          summary: incident.summary,
          category: incident.category,
          domain: incident.domain,
          severity: incident.severity,
          status: incident.status,
          tlp: incident.tlp,
          lawEnforcementSensitive: incident.law_enforcement_sensitive,
          exercise: incident.exercise,
          affectedCounties: ctx.affectedCountyNames.map((name) => name.replace(/ County Elections$/, '')),
        },
        ruleName: esc.rule_name,
        level: n.level,
        notificationId: n.id,
        escalationId: esc.id,
        incidentUrl: `${config.http.publicUrl}/graphql`,
        ackUrl: n.kind === 'PAGE' ? `${config.http.publicUrl}/ack/${await ackTokenOf(n.id, trx)}` : null,
      };

      let result: SendOutcome;
      if (method.kind === 'EMAIL') {
        result = await senders.email(method.target, subjectOf(message), textOf(message), n.id);
      } else if (method.kind === 'SMS') {
        result = await senders.sms(method.target, smsOf(message), n.id);
      } else {
        // The sender checks the address it connects to (a refused target comes back as REFUSED).
        result = await senders.webhook(method.target, method.secret ?? '', n.id, webhookPayloadOf(message));
      }
      const now = new Date();
      const attempt = {
        notification_id: n.id,
        at: now,
        outcome: result.outcome,
        http_status: result.httpStatus,
        error: 'error' in result ? result.error.slice(0, 500) : null,
        latency_ms: result.latencyMs,
      };
      const attempts = n.attempts + 1;
      if (result.outcome === 'DELIVERED') {
        await recordAttemptAndSet(trx, attempt, { status: 'DELIVERED', attempts, delivered_at: now, next_attempt_at: null, status_reason: null });
      } else if (result.outcome === 'GONE' || result.outcome === 'REFUSED') {
        if (result.outcome === 'GONE') {
          await trx.updateTable('contact_methods').set({ disabled_at: now, disabled_reason: result.error }).where('id', '=', method.id).execute();
        }
        await recordAttemptAndSet(trx, attempt, { status: 'FAILED', attempts, status_reason: result.error, next_attempt_at: null });
        failedPage = n.kind === 'PAGE';
      } else if (attempts >= config.delivery.maxAttempts) {
        await recordAttemptAndSet(trx, attempt, { status: 'FAILED', attempts, status_reason: `gave up after ${attempts} attempts: ${result.error}`, next_attempt_at: null });
        failedPage = n.kind === 'PAGE';
      } else {
        const at = new Date(now.getTime() + backoffMs(attempts));
        await recordAttemptAndSet(trx, attempt, { attempts, next_attempt_at: at, status_reason: result.error });
        retryAt = { attempts, at };
      }
    });
    const retry = retryAt as { attempts: number; at: Date } | null;
    if (retry) await scheduleDelivery(notificationId, retry.attempts, retry.at).catch(() => {});
    if (failedPage) {
      await unreachable.onPageFailed(notificationId).catch((err) => logger.error({ notificationId, err: (err as Error).message }, 'checking for an unreachable person failed'));
    }
  }

  const unreachable = createUnreachablePages({ db, logger, lockIncidentPaging, notificationRows, enqueueAfterCommit });

  // ── The reconciler ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Re-enqueues what PostgreSQL says is due soon: timers and pending deliveries. Job ids make adding an
   * existing job a no-op, so running this often is harmless; after Redis lost everything it rebuilds it.
   */
  async function reconcile(horizonMs: number): Promise<{ timers: number; deliveries: number }> {
    const before = new Date(Date.now() + horizonMs);
    const timers = await dueTimers(db, before, 5_000);
    const deliveries = await duePendingNotifications(db, before, 5_000);
    await Promise.all([
      ...timers.map((t) => scheduleTimer(t.id, t.timer_token!, t.next_fire_at!)),
      ...deliveries.map((d) => scheduleDelivery(d.id, d.attempts, d.next_attempt_at!)),
    ]);
    return { timers: timers.length, deliveries: deliveries.length };
  }

  return {
    route,
    stopForIncident,
    onIncidentEvent,
    fire,
    deliver,
    reconcile,
    scheduleTimer,
    ackTokenOf,
    hashAckToken,
    principalsOf,
    enqueueAfterCommit,
    drain,
  };
}

