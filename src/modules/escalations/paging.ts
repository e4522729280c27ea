import { randomUUID } from 'node:crypto';
import { canSeeIncident, type IncidentAccessFacts } from '../../access/incidents.js';
import { recipientPrincipal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import type { Logger } from '../../infra/logger.js';
import { UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { loadAccessFacts, lockIncidentWithFacts, type IncidentRow } from '../incidents/index.js';
import { FINISHED_STATUSES } from '../../domain/taxonomy.js';
import { heldJobReplacer, type KindDelivery } from '../notifications/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import type { AckLinks } from './ack-links.js';
import {
  dueTimers,
  findRecipientUsers,
  insertNotifications,
  lockEscalation,
  lockIncidentPaging,
  touchEscalation,
  usersPagedAt,
  type EscalationRow,
  type NotificationRow,
  type RecipientUserRow,
} from './escalations.repository.js';
import { levelTargetsFor, nextPage, type EscalationPolicy, type Target } from './policy.js';
import { loadDutyRows, matchTargets, recipientsFor, type DutyRow, type IncidentTargetsContext } from './recipients.js';

/**
 * Paging: an escalation's timers and levels, and the notification rows they create. A timer fires, the
 * escalation's current level is paged (one notification per person and contact method, suppressed for
 * whoever may not see the incident), and the next level (or loop) is armed. Sending the rows is the
 * delivery pipeline's (notifications/pipeline.ts, the page kind in page-delivery.ts).
 */

/** What the engine's use cases share: infrastructure, the ack links and the page kind of the delivery pipeline. */
export interface EngineContext {
  db: Db;
  queues: Queues;
  config: Config;
  logger: Logger;
  ackLinks: AckLinks;
  coordinatorSlugs: ReadonlySet<string>;
  pages: KindDelivery;
}

export type TimerToArm = { id: string; token: string; at: Date };

/** Known already by the caller (read once for several escalations of one incident). */
export type Known = { facts?: IncidentAccessFacts; dutyRows?: readonly DutyRow[] };

export const timerJobId = (escalationId: string, token: string) => `t-${escalationId}-${token}`;

// ── Recipients as principals: delivery checks the recipient's rights at that moment ──────────────────

/** The principal of an active user of an active organization (null otherwise): recipients are checked as themselves. */
export function principalFromRow(coordinatorSlugs: ReadonlySet<string>, r: RecipientUserRow): UserPrincipal | null {
  return recipientPrincipal(
    { userId: r.id, email: r.email, name: r.name, roles: r.roles, organizationId: r.orgId, organizationSlug: r.slug, organizationName: r.orgName, organizationKind: r.kind, active: r.active, organizationActive: r.orgActive },
    coordinatorSlugs,
  );
}

export async function principalsOf(ctx: Pick<EngineContext, 'coordinatorSlugs'>, h: Handle, userIds: readonly string[]): Promise<Map<string, UserPrincipal>> {
  const out = new Map<string, UserPrincipal>();
  for (const r of await findRecipientUsers(h, userIds)) {
    const p = principalFromRow(ctx.coordinatorSlugs, r);
    if (p) out.set(r.id, p);
  }
  return out;
}

// ── Scheduling: Redis jobs that mirror rows ───────────────────────────────────────────────────────

export async function scheduleTimer(ctx: Pick<EngineContext, 'queues'>, escalationId: string, token: string, dueAt: Date): Promise<void> {
  await ctx.queues.timers.add('fire', { escalationId, token }, { jobId: timerJobId(escalationId, token), delay: Math.max(0, dueAt.getTime() - Date.now()) });
}

/** After a commit: due pages start at once (the pipeline's direct starts), the rest is enqueued; failures to enqueue are left to the reconciler. */
export async function enqueueAfterCommit(ctx: EngineContext, timers: TimerToArm[], deliveries: NotificationRow[]): Promise<void> {
  try {
    await Promise.all([...timers.map((t) => scheduleTimer(ctx, t.id, t.token, t.at)), ctx.pages.enqueue(deliveries)]);
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'enqueue after commit failed; the reconciler will enqueue it');
  }
}

/** Notification rows for people, one per contact method, suppressed for whoever may not see the incident. */
export async function notificationRows(
  ctx: EngineContext,
  h: Handle,
  escalation: EscalationRow,
  incident: IncidentRow,
  kind: 'PAGE' | 'NOTIFY',
  level: number,
  loop: number,
  targets: readonly Target[],
  skip: ReadonlySet<string>,
  known: Known = {},
) {
  const now = new Date();
  // One read of the access facts serves both the targets (affected counties) and the visibility check.
  const facts = known.facts ?? (await loadAccessFacts(h, [incident])).get(incident.id)!;
  const targetsCtx: IncidentTargetsContext = { reportingOrganizationId: incident.reporting_organization_id, affectedCountyIds: facts.affectedCountyIds };
  const duties = matchTargets(known.dutyRows ?? (await loadDutyRows(h, targets)), targets, targetsCtx);
  const recipients = (await recipientsFor(h, duties, now)).filter((r) => !skip.has(r.userId));
  const rows = [];
  for (const r of recipients) {
    const p = principalFromRow(ctx.coordinatorSlugs, r.user);
    const visible = p !== null && canSeeIncident(p, facts);
    if (r.methods.length === 0) ctx.logger.warn({ escalationId: escalation.id, userId: r.userId }, 'on-call user has no contact method: nobody reached');
    for (const m of r.methods) {
      const id = randomUUID();
      const ack = kind === 'PAGE' ? await ctx.ackLinks.ackColumnsOf(id, h, now) : { ack_token_hash: null, ack_expires_at: null };
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
        ...ack,
      });
    }
  }
  return rows;
}

// ── Timers ──────────────────────────────────────────────────────────────────────────────────────────

/** A timer fired: page the escalation's current level unless the token is stale or it was acknowledged. */
export async function fire(ctx: EngineContext, escalationId: string, token: string): Promise<void> {
  const timers: TimerToArm[] = [];
  const deliveries: NotificationRow[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    const esc = await lockEscalation(trx, escalationId);
    // The token check, not job removal, is what stops a stale timer: active jobs cannot be removed.
    if (!esc) throw new UnknownJobObjectError('escalation', escalationId);
    if (esc.state !== 'ACTIVE' || esc.timer_token !== token) return;
    // After the row lock: whoever else takes the paging lock (routing, other timers of the incident)
    // never waits for this escalation's row while holding it, so the order cannot deadlock.
    await lockIncidentPaging(trx, esc.incident_id);
    const locked = await lockIncidentWithFacts(trx, esc.incident_id);
    if (!locked || FINISHED_STATUSES.has(locked.incident.status)) {
      await touchEscalation(trx, esc.id, { state: 'RESOLVED', resolved_at: new Date(), timer_token: null, next_fire_at: null });
      return;
    }
    await pageCurrentLevel(ctx, trx, esc, locked.incident, timers, deliveries, { facts: locked.facts });
  });
  await enqueueAfterCommit(ctx, timers, deliveries);
}

/**
 * Pages the escalation's current level and moves it on: the next level (or loop) with a new token and
 * due time, or EXHAUSTED. The caller holds the incident's paging lock and the escalation row, and has
 * checked the token; the timers and deliveries to enqueue after the commit are appended to its lists.
 */
export async function pageCurrentLevel(
  ctx: EngineContext,
  trx: Handle,
  esc: EscalationRow,
  incident: IncidentRow,
  timers: TimerToArm[],
  deliveries: NotificationRow[],
  known: Known = {},
): Promise<void> {
  const policy: EscalationPolicy = esc.policy;
  const level = policy.levels[esc.level];
  if (!level) {
    await touchEscalation(trx, esc.id, { state: 'EXHAUSTED', timer_token: null, next_fire_at: null });
    return;
  }
  const skip = await usersPagedAt(trx, incident.id, esc.level, esc.loop);
  const rows = await notificationRows(ctx, trx, esc, incident, 'PAGE', esc.level, esc.loop, levelTargetsFor(level, incident), skip, known);
  deliveries.push(...(await insertNotifications(trx, rows)));
  // The event log: who was just paged (the console's page notice hears it live, src/modules/alerts).
  const paged = [...new Set(rows.map((r) => r.recipient_user_id))];
  if (paged.length > 0) await addOutboxEvent(trx, 'page.sent', { type: 'Escalation', id: esc.id }, { incidentId: incident.id, userIds: paged });
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

// ── The reconciler ──────────────────────────────────────────────────────────────────────────────────

/**
 * Re-enqueues what PostgreSQL says is due soon: timers (here) and pending pages (the pipeline). Job ids
 * make adding an existing job a no-op, so running this often is harmless; after Redis lost everything
 * it rebuilds it.
 */
export async function reconcile(ctx: EngineContext, horizonMs: number): Promise<{ timers: number; deliveries: number }> {
  const { db, queues, config } = ctx;
  const before = new Date(Date.now() + horizonMs);
  const deliveries = await ctx.pages.reconcile(horizonMs);
  const timers = await dueTimers(db, before, 5_000);
  const replaceIfHeld = heldJobReplacer(config);
  await Promise.all(
    timers.map(async (t) => {
      const id = timerJobId(t.id, t.timer_token!);
      await scheduleTimer(ctx, t.id, t.timer_token!, t.next_fire_at!);
      // The token lets only one of the two jobs act.
      await replaceIfHeld(queues.timers, id, t.next_fire_at!, (suffix) =>
        queues.timers.add('fire', { escalationId: t.id, token: t.timer_token }, { jobId: id + suffix, removeOnComplete: true }),
      );
    }),
  );
  return { timers: timers.length, deliveries };
}
