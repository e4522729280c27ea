import { randomUUID } from 'node:crypto';
import { canSeeIncident, type IncidentAccessFacts } from '../../access/incidents.js';
import { recipientPrincipal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import type { Logger } from '../../infra/logger.js';
import { UnknownJobObjectError, type Queues } from '../../infra/queues.js';
import { accessFactsOf, loadAccessFacts, lockIncidentWithFacts, type IncidentRow } from '../incidents/index.js';
import { FINISHED_STATUSES } from '../../domain/taxonomy.js';
import { heldJobReplacer, type KindDelivery } from '../notifications/index.js';
import { addOutboxEvents } from '../outbox/index.js';
import type { AckLinks } from './ack-links.js';
import {
  dueTimers,
  findRecipientUsers,
  insertNotificationsMovingOn,
  loadPagingRoster,
  lockEscalation,
  lockFreeEscalationsAndPaging,
  lockIncidentPaging,
  pageSlotKey,
  touchEscalation,
  updateEscalations,
  type EscalationMove,
  type EscalationRow,
  type NotificationRow,
  type PagingRoster,
  type RecipientUserRow,
  type DeliveryContext,
  type IncidentFields,
} from './escalations.repository.js';
import { leasedPage } from './page-delivery.js';
import { LAW_ENFORCEMENT_SENSITIVE_TARGETS, levelTargetsFor, nextPage, type EscalationPolicy, type PolicyLevel, type Target } from './policy.js';
import { matchTargets, recipientsFromRoster, type DutyRow, type IncidentTargetsContext } from './recipients.js';

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
export type Known = {
  facts?: IncidentAccessFacts;
  dutyRows?: readonly DutyRow[];
  /**
   * A roster read once in this transaction (loadPagingRoster) for every target and slot the caller pages or
   * notifies: no roster read per call. Pages inserted through pageCurrentLevel are added to its paged users,
   * so a later call for the same slot (another rule of the incident) skips those people as a new read would.
   */
  roster?: PagingRoster;
  /** Where pageCurrentLevel puts its `page.sent` events for the caller to insert with its own (one outbox insert). */
  events?: OutboxEventDraft[];
};

export type OutboxEventDraft = { topic: string; aggregate: { type: string; id: string }; payload: Record<string, unknown> };

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
  const roster = known.roster ?? (await loadPagingRoster(h, dutyNamesOf(targets), now, []));
  return rowsFromRoster(ctx, h, roster, known.dutyRows ?? roster.duties, { escalation, incident, facts }, kind, level, loop, targets, skip, now);
}

const dutyNamesOf = (targets: readonly Target[]) => [...new Set(targets.map((t) => t.duty))];

/** The rows of notificationRows, from a roster already read (no statement of its own). */
async function rowsFromRoster(
  ctx: EngineContext,
  h: Handle,
  roster: PagingRoster,
  dutyRows: readonly DutyRow[],
  page: { escalation: EscalationRow; incident: IncidentFields; facts: IncidentAccessFacts },
  kind: 'PAGE' | 'NOTIFY',
  level: number,
  loop: number,
  targets: readonly Target[],
  skip: ReadonlySet<string>,
  now: Date,
) {
  const { escalation, incident, facts } = page;
  const targetsCtx: IncidentTargetsContext = { reportingOrganizationId: incident.reporting_organization_id, affectedCountyIds: facts.affectedCountyIds };
  const duties = matchTargets(dutyRows, targets, targetsCtx);
  const recipients = recipientsFromRoster(roster, duties, now).filter((r) => !skip.has(r.userId));
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
    await pageCurrentLevels(ctx, trx, [{ esc, incident: locked.incident, facts: locked.facts }], timers, deliveries);
  });
  await enqueueAfterCommit(ctx, timers, deliveries);
}

export type TimerFire = { escalationId: string; token: string };

/**
 * Several timers that fell due together, fired in one transaction: one lock statement, one roster read,
 * one insert of notification rows, one outbox insert and one commit for all of them, where firing each
 * alone costs a dozen statements and a commit apiece (a burst of 250 timers a second needed more than the
 * two cores). Same rules as fire(): the row lock, then the incident's paging lock, the token check, a
 * finished incident resolves. Only what the batch can take without waiting is fired here: the returned
 * timers (an escalation another transaction holds, a second escalation of an incident already in the
 * batch, an incident whose paging lock is held, an unknown escalation) are for fire() afterwards.
 */
export async function fireMany(ctx: EngineContext, fires: readonly TimerFire[]): Promise<TimerFire[]> {
  const timers: TimerToArm[] = [];
  const deliveries: NotificationRow[] = [];
  const leftover = await ctx.db.transaction().execute(async (trx) => {
    const locked = await lockFreeEscalationsAndPaging(trx, [...new Set(fires.map((f) => f.escalationId))], fires.map((f) => f.token));
    const byId = new Map(locked.map((e) => [e.id, e]));
    const rest: TimerFire[] = [];
    const mine: EscalationRow[] = [];
    const incidents = new Set<string>();
    for (const f of fires) {
      const esc = byId.get(f.escalationId);
      if (!esc) rest.push(f);
      // The token check, not job removal, is what stops a stale timer: active jobs cannot be removed.
      else if (esc.state !== 'ACTIVE' || esc.timer_token !== f.token || mine.includes(esc)) continue;
      // Another transaction pages this incident now, or two escalations of one incident (they page in
      // order, each seeing the other's pages): fired alone, after this batch.
      else if (!esc.pagingLocked || incidents.has(esc.incident_id)) rest.push(f);
      else {
        incidents.add(esc.incident_id);
        mine.push(esc);
      }
    }
    if (mine.length === 0) return rest;
    // The roster of every level these escalations could page (an incident's own targets, and the law
    // enforcement targets in case it is LES: it is read in the same statement), and the incidents, locked.
    const targets = mine.flatMap((e) => {
      const level = (e.policy as EscalationPolicy).levels[e.level];
      return level ? [...level.targets, ...LAW_ENFORCEMENT_SENSITIVE_TARGETS] : [];
    });
    const slots = mine.map((e) => ({ incidentId: e.incident_id, level: e.level, loop: e.loop }));
    const roster = await loadPagingRoster(trx, dutyNamesOf(targets), new Date(), slots, [...incidents]);
    const tasks: PageTask[] = [];
    for (const esc of mine) {
      const r = roster.incidents.get(esc.incident_id);
      if (!r || FINISHED_STATUSES.has(r.incident.status)) await touchEscalation(trx, esc.id, { state: 'RESOLVED', resolved_at: new Date(), timer_token: null, next_fire_at: null });
      else tasks.push({ esc, incident: r.incident, facts: accessFactsOf(r.incident, r.audience) });
    }
    await pageCurrentLevels(ctx, trx, tasks, timers, deliveries, undefined, roster);
    return rest;
  });
  await enqueueAfterCommit(ctx, timers, deliveries);
  return leftover;
}

/**
 * Timer fires of this process, grouped: a fire that arrives while `lanes` batches are being written waits
 * for a lane to free, and the next batch takes every fire waiting by then (group commit). A fire on an idle
 * hub still goes at once. Batches in flight together share no waits but the outbox lock at their end: a
 * batch skips whatever another holds (fireMany). Each caller's promise settles with its own timer; if a
 * batch fails, each of its timers is fired alone, so one bad escalation fails only its own job.
 */
export function createTimerBatcher(ctx: EngineContext, opts: { maxBatch: number; lanes: number }) {
  type Waiting = TimerFire & { resolve: () => void; reject: (err: unknown) => void };
  let waiting: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const alone = (w: Waiting) => fire(ctx, w.escalationId, w.token).then(w.resolve, w.reject);

  async function runBatch(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return alone(batch[0]!);
    let leftover: TimerFire[];
    try {
      leftover = await fireMany(ctx, batch);
    } catch (err) {
      ctx.logger.warn({ timers: batch.length, err: (err as Error).message }, 'a batch of timer fires failed; firing each alone');
      await Promise.all(batch.map(alone));
      return;
    }
    const again = new Set(leftover.map((l) => `${l.escalationId}:${l.token}`));
    await Promise.all(batch.map((w) => (again.has(`${w.escalationId}:${w.token}`) ? alone(w) : w.resolve())));
  }

  function pump(): void {
    scheduled = false;
    while (inFlight < opts.lanes && waiting.length > 0) {
      const batch = waiting.slice(0, opts.maxBatch);
      waiting = waiting.slice(batch.length);
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (escalationId: string, token: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ escalationId, token, resolve, reject });
      // The fires that BullMQ hands over in the same tick go together.
      if (!scheduled && inFlight < opts.lanes) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}

/** One escalation whose current level is paged, with its incident (locked) and the incident's access facts. */
export type PageTask = { esc: EscalationRow; incident: IncidentFields; facts: IncidentAccessFacts };

const moveOf = (esc: EscalationRow): EscalationMove => ({
  id: esc.id,
  state: esc.state,
  level: esc.level,
  loop: esc.loop,
  timer_token: esc.timer_token,
  next_fire_at: esc.next_fire_at,
  last_paged_level: esc.last_paged_level,
});

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
  const facts = known.facts ?? (await loadAccessFacts(trx, [incident])).get(incident.id)!;
  await pageCurrentLevels(ctx, trx, [{ esc, incident, facts }], timers, deliveries, known.dutyRows, known.roster, known.events);
}

/**
 * pageCurrentLevel for several escalations of distinct incidents, in a fixed number of statements: one
 * roster read (duties, schedules, candidates and their contact methods, who was paged already), one insert
 * of notification rows, one update of the escalations, one outbox insert of their `page.sent` events.
 */
export async function pageCurrentLevels(
  ctx: EngineContext,
  trx: Handle,
  tasks: readonly PageTask[],
  timers: TimerToArm[],
  deliveries: NotificationRow[],
  dutyRows?: readonly DutyRow[],
  /** Read already by the caller, for these tasks' slots and targets (fireMany, Known.roster). */
  known?: PagingRoster,
  /** The caller inserts the `page.sent` events itself (Known.events); otherwise they are inserted here. */
  eventsOut?: OutboxEventDraft[],
): Promise<void> {
  const moves: EscalationMove[] = [];
  const paging: Array<PageTask & { level: PolicyLevel; targets: Target[] }> = [];
  for (const t of tasks) {
    const level = (t.esc.policy as EscalationPolicy).levels[t.esc.level];
    if (!level) moves.push({ ...moveOf(t.esc), state: 'EXHAUSTED', timer_token: null, next_fire_at: null });
    else paging.push({ ...t, level, targets: levelTargetsFor(level, t.incident) });
  }
  const events: OutboxEventDraft[] = [];
  if (paging.length > 0) {
    const now = new Date();
    // Pages due now are created leased to this process, which sends them right after the commit: the
    // claim a delivery job would make (a statement, its locks, the lease) is this transaction's, made
    // under the escalation's row lock. If this process dies, the lease runs out (or its heartbeat stops)
    // and the reconciler enqueues them like any claimed page.
    const lease = ctx.pages.leaseTerms();
    const parts = new Map<string, Omit<DeliveryContext, 'notification'>>();
    const slots = paging.map((t) => ({ incidentId: t.incident.id, level: t.esc.level, loop: t.esc.loop }));
    const roster = known ?? (await loadPagingRoster(trx, dutyNamesOf(paging.flatMap((t) => t.targets)), now, slots));
    const rows = [];
    for (const [i, t] of paging.entries()) {
      const skip = roster.paged.get(pageSlotKey(slots[i]!)) ?? new Set<string>();
      const mine = await rowsFromRoster(ctx, trx, roster, dutyRows ?? roster.duties, { escalation: t.esc, incident: t.incident, facts: t.facts }, 'PAGE', t.esc.level, t.esc.loop, t.targets, skip, now);
      // The escalation as it will be after this page (a send checks that it still pages).
      const policy = t.esc.policy as EscalationPolicy;
      const next = nextPage(policy, t.esc.level, t.esc.loop);
      for (const r of mine) {
        if (r.status !== 'PENDING') {
          rows.push(r);
          continue;
        }
        rows.push({ ...r, next_attempt_at: lease.until, claimed_by: lease.ownerId });
        const user = roster.users.get(r.recipient_user_id)!;
        const method = user.methods.find((m) => m.id === r.contact_method_id)!;
        const { methods: _, ...recipient } = user;
        parts.set(r.id, {
          escalation: { id: t.esc.id, state: next ? t.esc.state : 'EXHAUSTED', rule_name: t.esc.rule_name },
          incident: t.incident,
          audience: { affectedCountyIds: [...t.facts.affectedCountyIds], sharedOrganizationIds: [...t.facts.sharedOrganizationIds], recipientUserIds: [...t.facts.recipientUserIds] },
          affectedCountyNames: roster.countyNames.get(t.incident.id) ?? [],
          method: { id: method.id, kind: method.kind, target: method.target, secret: roster.secrets.get(method.id) ?? null, removed_at: null, disabled_at: null },
          recipient,
        });
      }
      // The event log: who was just paged (the console's page notice hears it live, src/modules/alerts).
      const paged = [...new Set(mine.map((r) => r.recipient_user_id))];
      if (paged.length > 0) events.push({ topic: 'page.sent', aggregate: { type: 'Escalation', id: t.esc.id }, payload: { incidentId: t.incident.id, userIds: paged } });
      if (next) {
        const nextToken = randomUUID();
        const at = new Date(Date.now() + t.level.ackTimeoutSeconds * 1000);
        moves.push({ id: t.esc.id, state: t.esc.state, level: next[0], loop: next[1], timer_token: nextToken, next_fire_at: at, last_paged_level: t.esc.level });
        timers.push({ id: t.esc.id, token: nextToken, at });
      } else {
        moves.push({ ...moveOf(t.esc), state: 'EXHAUSTED', timer_token: null, next_fire_at: null, last_paged_level: t.esc.level });
      }
    }
    // The escalations move on in the same statement (one round trip, not two).
    for (const n of await insertNotificationsMovingOn(trx, rows, moves)) {
      // Paged now: a later page of the same slot in this transaction (another rule, same roster) skips them.
      const key = pageSlotKey({ incidentId: n.incident_id, level: n.level, loop: n.loop });
      roster.paged.set(key, (roster.paged.get(key) ?? new Set<string>()).add(n.recipient_user_id));
      const p = n.claimed_by === lease.ownerId ? parts.get(n.id) : undefined;
      deliveries.push(p ? Object.assign(n, leasedPage(n, lease.until, p)) : n);
    }
  } else {
    await updateEscalations(trx, moves);
  }
  if (eventsOut) {
    eventsOut.push(...events);
    return;
  }
  // Last: the outbox holds the log append lock until the commit, so nothing else is written after it.
  await addOutboxEvents(trx, events);
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
