import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { canSeeIncident, type IncidentAccessFacts } from '../../access/incidents.js';
import { recipientPrincipal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { createLogThrottle, type Logger } from '../../infra/logger.js';
import { UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { accessFactsOf, loadAccessFacts, lockIncidentWithFacts, type IncidentRow } from '../incidents/incidents.repository.js';
import { FINISHED_STATUSES, type IncidentStatus } from '../../domain/taxonomy.js';
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
  recordAttempt,
  releaseDeadClaims,
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
/**
 * A delivery job is named after the state of its row it acts on: the attempt number and the due time
 * (next_attempt_at). Any other state (an attempt made since, a retry rescheduled, a send in flight whose
 * lease moved the due time) makes the job a no-op, and the job for the row's real state has another id:
 * a stale or duplicate job can never burn the id of the one that must run.
 */
const deliveryJobId = (notificationId: string, attempt: number, dueMs: number) => `d-${notificationId}-${attempt}-${dueMs}`;

/** What a delivery job expects of its row (absent for jobs enqueued before job ids carried it). */
export interface DeliveryExpectation {
  attempt: number;
  dueMs: number;
}

/** A send in flight per endpoint and process at most this many: a hanging endpoint keeps to its share. */
const MAX_SENDS_PER_ENDPOINT = 4;

export function createEscalationEngine(deps: { db: Db; queues: Queues; config: Config; logger: Logger; senders: Senders }) {
  const { db, queues, config, logger, senders } = deps;
  /** This process's identity: its claims carry it, and a worker's heartbeat is written under it. */
  const ownerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
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

  async function scheduleDelivery(notificationId: string, attempt: number, dueAt: Date, suffix = ''): Promise<void> {
    await queues.delivery.add(
      'deliver',
      { notificationId, attempt, dueMs: dueAt.getTime() },
      // Removed once done: the id is the row's state, so no later job needs the completed one to exist.
      { jobId: deliveryJobId(notificationId, attempt, dueAt.getTime()) + suffix, delay: Math.max(0, dueAt.getTime() - Date.now()), removeOnComplete: true },
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
    if (direct.size >= MAX_DIRECT_DELIVERIES || !n.next_attempt_at) return false;
    const due = n.next_attempt_at;
    const p = deliver(n.id, { attempt: n.attempts, dueMs: due.getTime() })
      // Its endpoint is busy with other sends here: the queue takes it (a worker defers it until a slot frees).
      .then((r) => (r === 'busy' ? scheduleDelivery(n.id, n.attempts, due) : undefined))
      // Nothing is lost on failure (or if this process dies): the row stays PENDING (its lease runs out if
      // the send had started), and the reconciler enqueues it, as it enqueues every pending notification.
      .catch((err) => logger.warn({ notificationId: n.id, err: (err as Error).message }, 'direct delivery failed; the reconciler will retry'))
      .then(() => undefined)
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
        ...queued.map((n) => scheduleDelivery(n.id, n.attempts, n.next_attempt_at!)),
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

  /** Sends in flight in this process, by endpoint (a webhook's origin, the SMS gateway, the SMTP server). */
  const sending = new Map<string, number>();
  /** The endpoint of a notification, learned on first load: a busy endpoint defers a job without a query. */
  const endpointOfNotification = new Map<string, string>();
  const throttle = createLogThrottle(10_000);
  /**
   * How long a claimed attempt owns its row: the longest a send may take, and a margin. A process that
   * dies mid-send leaves a row whose due time is the lease's end; the reconciler then enqueues it again.
   */
  const leaseMs = () => config.delivery.webhookTimeoutMs + 1_000;

  function endpointOf(method: { kind: string; target: string }): string {
    if (method.kind === 'WEBHOOK') {
      try {
        return new URL(method.target).origin;
      } catch {
        return 'webhook:invalid';
      }
    }
    if (method.kind === 'SMS') return config.delivery.smsGatewayUrl ? 'sms-gateway' : 'sms-files';
    return config.delivery.smtpUrl ? 'smtp' : 'mail-files';
  }

  const endpointBusy = (endpoint: string) => (sending.get(endpoint) ?? 0) >= MAX_SENDS_PER_ENDPOINT;

  type Claimed = {
    n: { id: string; attempts: number; kind: string; incident_id: string };
    method: { id: string; kind: string; target: string; secret: string | null };
    message: MessageContext;
    endpoint: string;
    leaseUntil: Date;
  };

  /**
   * Claims the attempt the job expects, in a short transaction: the row must be PENDING, at that attempt
   * and due time, and due. The claim moves the due time to the end of a lease, so that no other job
   * takes the row while the send is in flight; no connection is held during the send itself.
   */
  async function claim(notificationId: string, expected: DeliveryExpectation | null): Promise<Claimed | 'busy' | 'skipped' | 'failedPage' | { earlyMs: number }> {
    const known = endpointOfNotification.get(notificationId);
    if (known && endpointBusy(known)) return 'busy';
    return db.transaction().execute(async (trx) => {
      const ctx = await loadDeliveryContext(trx, notificationId);
      if (!ctx) {
        // Absent because another worker holds the row (skip locked), or because there is no such row.
        if (!(await trx.selectFrom('notifications').select('id').where('id', '=', notificationId).executeTakeFirst())) throw new UnknownJobObjectError('notification', notificationId);
        return 'skipped';
      }
      if (ctx.notification.status !== 'PENDING') return 'skipped';
      const { notification: n, escalation: esc, incident, method } = ctx;
      const due = n.next_attempt_at?.getTime() ?? null;
      // A job for another attempt or another due time (stale, or a duplicate of one that already ran).
      if (expected && (n.attempts !== expected.attempt || due !== expected.dueMs)) return 'skipped';
      if (due === null) return 'skipped';
      if (due > Date.now()) return expected ? { earlyMs: due - Date.now() } : 'skipped';
      const finish = async (status: string, reason: string | null) => {
        await trx.updateTable('notifications').set({ status, status_reason: reason, next_attempt_at: null }).where('id', '=', n.id).execute();
        return 'skipped' as const;
      };
      if (n.kind === 'PAGE' && esc.state !== 'ACTIVE' && esc.state !== 'EXHAUSTED') return finish('CANCELLED', `escalation ${esc.state.toLowerCase()}`);
      const recipient = ctx.recipient ? principalFromRow(ctx.recipient) : null;
      const facts = incident ? accessFactsOf(incident, ctx.audience) : null;
      if (!incident || !facts || !recipient || !canSeeIncident(recipient, facts)) return finish('SUPPRESSED', 'the recipient may not see this incident (checked at delivery)');
      if (!method || method.removed_at || method.disabled_at) {
        await finish('FAILED', 'the contact method was removed or disabled');
        // The unreachable-person check runs after the commit (unreachable.ts).
        return n.kind === 'PAGE' ? 'failedPage' : 'skipped';
      }
      const endpoint = endpointOf(method);
      if (endpointOfNotification.size > 50_000) endpointOfNotification.clear();
      endpointOfNotification.set(n.id, endpoint);
      if (endpointBusy(endpoint)) return 'busy';
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
      const leaseUntil = new Date(Date.now() + leaseMs());
      await trx.updateTable('notifications').set({ next_attempt_at: leaseUntil, claimed_by: ownerId }).where('id', '=', n.id).execute();
      return { n: { id: n.id, attempts: n.attempts, kind: n.kind, incident_id: n.incident_id }, method, message, endpoint, leaseUntil };
    });
  }

  async function send(c: Claimed): Promise<SendOutcome> {
    const { method, message, n } = c;
    if (method.kind === 'EMAIL') return senders.email(method.target, subjectOf(message), textOf(message), n.id);
    if (method.kind === 'SMS') return senders.sms(method.target, smsOf(message), n.id);
    // The sender checks the address it connects to (a refused target comes back as REFUSED).
    return senders.webhook(method.target, method.secret ?? '', n.id, webhookPayloadOf(message));
  }

  /**
   * One delivery attempt: claim (a short transaction), send (no transaction, no connection held), record
   * (a short transaction). An acknowledgement waits only for claims in progress, never for a send, and
   * once it commits no attempt is claimed; a send claimed before it still goes out (same webhook-id).
   * Returns 'busy' when the endpoint has its share of sends in flight here (the caller defers the job).
   */
  async function deliver(notificationId: string, expected: DeliveryExpectation | null = null): Promise<'done' | 'busy' | 'skipped'> {
    let claimed = await claim(notificationId, expected);
    // A job a little early (another process's clock, a delay rounded down): wait for the due time once.
    if (typeof claimed === 'object' && 'earlyMs' in claimed) {
      const wait = claimed.earlyMs;
      if (wait > 5_000) return 'skipped';
      await new Promise((r) => setTimeout(r, wait));
      claimed = await claim(notificationId, expected);
      if (typeof claimed === 'object' && 'earlyMs' in claimed) return 'skipped';
    }
    if (claimed === 'failedPage') {
      await pageFailed(notificationId);
      return 'done';
    }
    if (claimed === 'busy' || claimed === 'skipped') return claimed;
    const c = claimed;
    sending.set(c.endpoint, (sending.get(c.endpoint) ?? 0) + 1);
    let result: SendOutcome;
    try {
      result = await send(c);
    } finally {
      const left = (sending.get(c.endpoint) ?? 1) - 1;
      if (left > 0) sending.set(c.endpoint, left);
      else sending.delete(c.endpoint);
    }
    const recorded = await record(c, result);
    if (recorded === 'failedPage') await pageFailed(notificationId);
    else if (recorded) await scheduleDelivery(notificationId, recorded.attempts, recorded.at).catch(() => {});
    return 'done';
  }

  /** Records an attempt; moves the row on only if the claim still owns it (its lease did not run out). */
  async function record(c: Claimed, result: SendOutcome): Promise<{ attempts: number; at: Date } | 'failedPage' | null> {
    const now = new Date();
    const attempts = c.n.attempts + 1;
    const log = { notificationId: c.n.id, incidentId: c.n.incident_id, channel: c.method.kind, endpoint: c.endpoint, attempt: attempts };
    if (result.outcome !== 'DELIVERED') {
      // One line per failed attempt, at most one per endpoint every 10 s (a receiver down fails every page).
      const suppressed = throttle(c.endpoint);
      if (suppressed !== null) logger.warn({ ...log, outcome: result.outcome, error: result.error, suppressed }, 'delivery attempt failed');
    }
    return db.transaction().execute(async (trx) => {
      const attempt = {
        notification_id: c.n.id,
        at: now,
        outcome: result.outcome,
        http_status: result.httpStatus,
        error: 'error' in result ? result.error.slice(0, 500) : null,
        latency_ms: result.latencyMs,
      };
      const row = await trx.selectFrom('notifications').select(['status', 'attempts', 'next_attempt_at']).where('id', '=', c.n.id).forUpdate().executeTakeFirst();
      const owned = row?.status === 'PENDING' && row.attempts === c.n.attempts && row.next_attempt_at?.getTime() === c.leaseUntil.getTime();
      if (!owned) {
        // The lease ran out (another attempt may be in flight) or the page was cancelled meanwhile: the
        // attempt is on record all the same, and a page that went out is delivered.
        await recordAttempt(trx, attempt);
        if (row?.status === 'PENDING' && result.outcome === 'DELIVERED') {
          await trx
            .updateTable('notifications')
            .set({ status: 'DELIVERED', attempts: row.attempts + 1, delivered_at: now, next_attempt_at: null, status_reason: null, claimed_by: null })
            .where('id', '=', c.n.id)
            .execute();
        }
        return null;
      }
      if (result.outcome === 'DELIVERED') {
        await recordAttemptAndSet(trx, attempt, { status: 'DELIVERED', attempts, delivered_at: now, next_attempt_at: null, status_reason: null });
        return null;
      }
      if (result.outcome === 'GONE' || result.outcome === 'REFUSED' || attempts >= config.delivery.maxAttempts) {
        if (result.outcome === 'GONE') {
          await trx.updateTable('contact_methods').set({ disabled_at: now, disabled_reason: result.error }).where('id', '=', c.method.id).execute();
        }
        const reason = result.outcome === 'GONE' || result.outcome === 'REFUSED' ? result.error : `gave up after ${attempts} attempts: ${result.error}`;
        await recordAttemptAndSet(trx, attempt, { status: 'FAILED', attempts, status_reason: reason, next_attempt_at: null });
        logger.error({ ...log, kind: c.n.kind, reason }, 'page abandoned: no further attempt will be made');
        return c.n.kind === 'PAGE' ? 'failedPage' : null;
      }
      const at = new Date(now.getTime() + backoffMs(attempts));
      await recordAttemptAndSet(trx, attempt, { attempts, next_attempt_at: at, status_reason: result.error });
      return { attempts, at };
    });
  }

  const unreachable = createUnreachablePages({ db, logger, lockIncidentPaging, notificationRows, enqueueAfterCommit });
  /** When every page of a person at a level has failed, the next level and the coordinator hear of it. */
  const pageFailed = (notificationId: string) =>
    unreachable.onPageFailed(notificationId).catch((err) => logger.error({ notificationId, err: (err as Error).message }, 'checking for an unreachable person failed'));

  // ── The reconciler ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Re-enqueues what PostgreSQL says is due soon: timers and pending deliveries. Job ids make adding an
   * existing job a no-op, so running this often is harmless; after Redis lost everything it rebuilds it.
   */
  async function reconcile(horizonMs: number): Promise<{ timers: number; deliveries: number }> {
    // A worker killed mid-send stops beating: its claims are due now, not when their lease runs out.
    const released = await releaseDeadClaims(db, 3 * config.intervals.heartbeatMs);
    if (released > 0) logger.warn({ released }, 'released the attempts of a worker whose heartbeat stopped');
    const before = new Date(Date.now() + horizonMs);
    const timers = await dueTimers(db, before, 5_000);
    const deliveries = await duePendingNotifications(db, before, 5_000);
    // Overdue by more than an interval while its job is active: the job is held by a worker that died
    // (BullMQ would only notice at its stalled-job check, 30 s or more later) or is stuck. A second job
    // under another id does the work now; the row's state lets only one of them act.
    const stuckBefore = Date.now() - config.intervals.reconcileMs;
    const round = `-r${Math.floor(Date.now() / config.intervals.reconcileMs)}`;
    const stuck = async (queue: Queues['timers'], id: string) => (await (await queue.getJob(id))?.getState()) === 'active';
    await Promise.all([
      ...timers.map(async (t) => {
        await scheduleTimer(t.id, t.timer_token!, t.next_fire_at!);
        if (t.next_fire_at!.getTime() < stuckBefore && (await stuck(queues.timers, timerJobId(t.id, t.timer_token!)))) {
          await queues.timers.add('fire', { escalationId: t.id, token: t.timer_token }, { jobId: timerJobId(t.id, t.timer_token!) + round, removeOnComplete: true });
        }
      }),
      ...deliveries.map(async (d) => {
        await scheduleDelivery(d.id, d.attempts, d.next_attempt_at!);
        if (d.next_attempt_at!.getTime() < stuckBefore && (await stuck(queues.delivery, deliveryJobId(d.id, d.attempts, d.next_attempt_at!.getTime())))) {
          await scheduleDelivery(d.id, d.attempts, d.next_attempt_at!, round);
        }
      }),
    ]);
    return { timers: timers.length, deliveries: deliveries.length };
  }

  return {
    ownerId,
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

