import { randomUUID } from 'node:crypto';
import { UnknownJobObjectError } from '../../infra/queues.js';
import { hotText } from '../../infra/hot-sql.js';
import { lockIncidentWithFactsAnd } from '../incidents/index.js';
import { FINISHED_STATUSES, type IncidentStatus } from '../../domain/taxonomy.js';
import { addOutboxEvents } from '../outbox/index.js';
import {
  cancelPendingPages,
  insertEscalationIfAbsent,
  insertNotifications,
  pagingLockKey,
  loadPagingRoster,
  lockOpenEscalationsOf,
  touchEscalation,
  type NotificationRow,
  type RoutingRuleRow,
} from './escalations.repository.js';
import { enqueueAfterCommit, notificationRows, pageCurrentLevel, type EngineContext, type OutboxEventDraft, type TimerToArm } from './paging.js';
import { levelTargetsFor, ruleMatches } from './policy.js';
import { matchTargets, type IncidentTargetsContext } from './recipients.js';

/**
 * Routing: an incident → its escalations. The enabled routing rules an incident matches each start an
 * escalation (paging its first level at once, and telling its notify targets); a finished incident
 * stops paging.
 */

/** The enabled routing rules as listRoutingRules({ enabledOnly: true }) orders them, as one JSON value. */
const ENABLED_RULES = hotText(`coalesce((select json_agg(r order by r.position, r.name) from routing_rules r where r.enabled), '[]'::json)`);

/** A rule row from its JSON (ENABLED_RULES): the timestamps back to dates, the rest as the row has it. */
function ruleFromJson(json: Record<string, unknown>): RoutingRuleRow {
  const r = json as unknown as RoutingRuleRow & { created_at: string; updated_at: string };
  return { ...r, created_at: new Date(r.created_at), updated_at: new Date(r.updated_at) };
}

/**
 * Matches an incident against the enabled rules and starts an escalation for each rule that has none
 * yet for it (so raising severity starts the rules that now match, and routing twice is harmless).
 */
export async function route(ctx: EngineContext, incidentId: string): Promise<string[]> {
  const timers: TimerToArm[] = [];
  const deliveries: NotificationRow[] = [];
  const created = await ctx.db.transaction().execute(async (trx) => {
    // One statement takes the incident's paging lock, then locks the incident with its facts and reads the
    // enabled rules: one round trip, not three. After a wait for the paging lock (another routing or timer of
    // this incident), the incident row and its facts (the row's own copies of its audience) are read as the
    // row lock finds them, newest version; only the rules are as of the statement's start, as if this
    // routing had read them a moment before: an escalation is created once per rule and incident whatever
    // the order (insertEscalationIfAbsent). Everything read afterwards (the roster: who was paged) is read
    // by later statements, under the lock.
    const locked = await lockIncidentWithFactsAnd<Array<Record<string, unknown>>>(trx, incidentId, ENABLED_RULES, pagingLockKey(incidentId));
    if (!locked) throw new UnknownJobObjectError('incident', incidentId);
    if (FINISHED_STATUSES.has(locked.incident.status)) return [];
    const { incident, facts } = locked;
    const rules = locked.also.map(ruleFromJson).filter((r) =>
      ruleMatches({ severityAtLeast: r.severity_at_least, domains: r.domains, categories: r.categories }, incident),
    );
    const targetsCtx: IncidentTargetsContext = { reportingOrganizationId: incident.reporting_organization_id, affectedCountyIds: facts.affectedCountyIds };
    // One roster read for every rule (after the paging lock, so it sees every page committed before): the
    // duties any level or notify target names (targeted organizations; the law enforcement targets are in
    // levelTargetsFor when the incident is LES), their on-call people and methods, who was paged at the
    // first level's slot, who was informed already. No duty, user or method read per rule.
    const roster =
      rules.length === 0
        ? undefined
        : await loadPagingRoster(
            trx,
            [...new Set(rules.flatMap((r) => [...r.policy.levels.flatMap((l) => levelTargetsFor(l, incident)), ...r.policy.notify.map((n) => n.target)]).map((t) => t.duty))],
            new Date(),
            [{ incidentId: incident.id, level: 0, loop: 0 }],
            [],
            [incident.id],
          );
    const dutyRows = roster?.duties ?? [];
    // Rule 2 skips whom rule 1 informed, as a new read would: the rows inserted below are added here.
    const notified = roster?.notified.get(incident.id) ?? new Set<string>();
    // The `page.sent` events of every rule, inserted with `incident.escalated` in one outbox insert.
    const events: OutboxEventDraft[] = [];
    const ids: string[] = [];
    const startedRules: string[] = [];
    for (const rule of rules) {
      const policy = rule.policy;
      const levelTargets = policy.levels.flatMap((l) => levelTargetsFor(l, incident));
      const targeted = matchTargets(dutyRows, levelTargets, targetsCtx);
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
      const known = { facts, dutyRows, roster, events };
      // The first level is due now: it is paged in this transaction, as its timer would page it a moment
      // later (same row lock, same token rule, same unique notifications), without a commit and a queue
      // hop in between. If this transaction fails, nothing of it exists and routing runs again. The pages
      // inserted are added to the roster's paged users of the slot: the next rule skips those people.
      if (policy.levels.length > 0) await pageCurrentLevel(ctx, trx, esc, incident, timers, deliveries, known);
      else await touchEscalation(trx, esc.id, { state: 'EXHAUSTED', timer_token: null, next_fire_at: null });
      const notifyTargets = policy.notify.filter((n) => n.categories.length === 0 || n.categories.includes(incident.category)).map((n) => n.target);
      if (notifyTargets.length > 0) {
        const rows = await notificationRows(ctx, trx, esc, incident, 'NOTIFY', -1, 0, notifyTargets, notified, known);
        const inserted = await insertNotifications(trx, rows);
        for (const n of inserted) notified.add(n.recipient_user_id);
        deliveries.push(...inserted);
      }
    }
    // The event log (live subscribers, events(after:)): who was paged, then that paging started for this
    // incident, in that order as before; last, since the outbox holds the log append lock until the commit.
    if (startedRules.length > 0) {
      events.push({ topic: 'incident.escalated', aggregate: { type: 'Incident', id: incident.id }, payload: { reference: incident.reference, rules: startedRules, manual: false } });
    }
    await addOutboxEvents(trx, events);
    return ids;
  });
  await enqueueAfterCommit(ctx, timers, deliveries);
  if (created.length) ctx.logger.info({ incidentId, escalations: created.length }, 'incident routed');
  return created;
}

/** An incident that is resolved, closed, rejected or merged stops paging. */
export async function stopForIncident(ctx: EngineContext, incidentId: string, reason: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    for (const e of await lockOpenEscalationsOf(trx, incidentId)) {
      await touchEscalation(trx, e.id, { state: 'RESOLVED', resolved_at: new Date(), timer_token: null, next_fire_at: null });
      await cancelPendingPages(trx, e.id, reason);
    }
  });
}

/** The incident events that route (filed, severity or status changed) or stop paging (finished). */
export async function onIncidentEvent(ctx: EngineContext, topic: string, incidentId: string, payload: Record<string, unknown>): Promise<void> {
  if (topic === 'incident.status_changed' && FINISHED_STATUSES.has(payload.to as IncidentStatus)) {
    await stopForIncident(ctx, incidentId, `incident ${String(payload.to)}`);
    return;
  }
  if (topic === 'incident.filed' || topic === 'incident.severity_changed' || topic === 'incident.status_changed') {
    // A reopened incident (RESOLVED → INVESTIGATING) routes again: rules whose escalation is over do not.
    await route(ctx, incidentId);
  }
}
