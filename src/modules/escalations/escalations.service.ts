import { randomUUID } from 'node:crypto';
import { canAcknowledge, canEscalate } from '../../access/escalations.js';
import { isTriageCoordinator, whyOrganizationMayNotSee } from '../../access/incidents.js';
import type { Principal, UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { listScheduledDutyIds, listUsableContactMethodOwners, usersWithWorkingContactMethod } from '../oncall/index.js';
import { findUsersActivity } from '../identity/index.js';
import { multiLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { findIncidentById, insertTimelineEntry, loadAccessFacts, visibleIncident, type IncidentRow } from '../incidents/index.js';
import { isUuid } from '../../domain/ids.js';
import { FINISHED_STATUSES, type Tlp } from '../../domain/taxonomy.js';
import { findOrganizationsBySlugs } from '../partners/index.js';
import { findPageByAckToken } from './ack-links.js';
import type { EscalationEngine } from './escalations.engine.js';
import {
  cancelPendingPages,
  deleteRoutingRule,
  findDutiesNamed,
  findPageOfUser,
  findRoutingRule,
  insertRoutingRule,
  listAttemptsOf,
  listEscalationsOfIncident,
  listNotificationsOf,
  listOpenEscalationsPaging,
  listRoutingRules,
  lockEscalation,
  lockEscalationsOfIncident,
  lockOtherOpenEscalationsOf,
  lockRoutingRule,
  markAckLinkUsed,
  touchEscalation,
  updateRoutingRule,
  type EscalationRow,
  type NotificationRow,
  type RoutingRuleRow,
} from './escalations.repository.js';
import { checkMatch, checkPolicy, describeTarget, LAW_ENFORCEMENT_SENSITIVE_TARGETS, type EscalationPolicy, type RuleMatch, type Target } from './policy.js';
import { loadDutyRows, matchTargets, onCallForDuties, resolveTargetDuties } from './recipients.js';
import { matchingRules, suppressedTargets, targetOrganization, type SuppressedTarget } from './suppressed.js';

export interface RoutingRuleInput extends RuleMatch {
  name: string;
  description?: string | null;
  enabled?: boolean | null;
  position?: number | null;
  policy: EscalationPolicy;
}

export interface PreflightProblem {
  rule: string;
  /** 1-based level, or null for a notify target. */
  level: number | null;
  target: string;
  organization: string;
  duty: string;
  problem: 'NO_SUCH_DUTY' | 'NO_SCHEDULE' | 'NOBODY_ON_CALL' | 'NO_CONTACT_METHOD' | 'NO_WORKING_CONTACT_METHOD' | 'NOBODY_MAY_SEE' | 'SUPPRESSED_BY_LABEL';
  userEmail: string | null;
  /** For NOBODY_MAY_SEE and SUPPRESSED_BY_LABEL: the incident shape, e.g. `AMBER LES`. */
  shape: string | null;
}

/**
 * The incident shapes the preflight tries every rule on: a county files it (the usual filer), naming
 * itself affected; CLEAR answers as GREEN and AMBER_STRICT as AMBER for organizations. TLP:RED reaches
 * named recipients only, whoever the rule names: the filer chooses them, so it is not a rule's problem.
 */
const PREFLIGHT_SHAPES: ReadonlyArray<{ label: string; tlp: Tlp; les: boolean }> = [
  { label: 'GREEN', tlp: 'GREEN', les: false },
  { label: 'AMBER', tlp: 'AMBER', les: false },
  { label: 'GREEN LES', tlp: 'GREEN', les: true },
  { label: 'AMBER LES', tlp: 'AMBER', les: true },
];
const SOME_OTHER_ORGANIZATION = '00000000-0000-0000-0000-000000000000';

export type EscalationsService = ReturnType<typeof createEscalationsService>;

export function createEscalationsService(deps: { db: Db; config: Config; engine: EscalationEngine | null }) {
  const { db } = deps;
  const coordinatorSlugs = new Set(deps.config.coordinatorOrgSlugs);
  const engine = () => {
    if (!deps.engine) throw new Error('the escalation engine is not available in this process');
    return deps.engine;
  };

  const notFound = (id: string) => new NotFoundError('Escalation', id);

  function incidentVisible(h: Handle, principal: Principal, incidentId: string): Promise<IncidentRow | null> {
    return visibleIncident(h, principal, incidentId);
  }

  /** A paged user, or an analyst of an organization the policy targets (who must also see the incident). */
  async function mayAcknowledge(h: Handle, p: UserPrincipal, esc: EscalationRow): Promise<boolean> {
    if (canAcknowledge(p, { targetedOrganizationIds: esc.targeted_organization_ids, pagedPrincipal: false })) return true;
    const paged = await findPageOfUser(h, esc.id, p.userId);
    return canAcknowledge(p, { targetedOrganizationIds: esc.targeted_organization_ids, pagedPrincipal: paged !== undefined });
  }

  /**
   * Acknowledges the escalation and, since one person acknowledging means someone is on it, every other
   * open escalation of the same incident that this person may acknowledge (several rules matching one
   * incident must not keep paging after the acknowledgement).
   */
  async function acknowledgeLocked(trx: Handle, p: UserPrincipal, esc: EscalationRow, via: string): Promise<EscalationRow> {
    // The siblings are locked before anything is acknowledged: acknowledging records an audit entry, which
    // holds the log append lock to the commit, and a timer batch holding a sibling's row waits for that lock
    // at its end (its outbox insert): waiting for the sibling while holding the lock would deadlock.
    const others = await lockOtherOpenEscalationsOf(trx, esc.incident_id, esc.id);
    const result = await acknowledgeOne(trx, p, esc, via);
    for (const o of others) if (await mayAcknowledge(trx, p, o)) await acknowledgeOne(trx, p, o, via);
    return result;
  }

  async function acknowledgeOne(trx: Handle, p: UserPrincipal, esc: EscalationRow, via: string): Promise<EscalationRow> {
    if (esc.state === 'ACKNOWLEDGED' || esc.state === 'RESOLVED') return esc;
    const updated = await touchEscalation(trx, esc.id, {
      state: 'ACKNOWLEDGED',
      acknowledged_by: p.userId,
      acknowledged_at: new Date(),
      timer_token: null,
      next_fire_at: null,
    });
    await cancelPendingPages(trx, esc.id, `acknowledged by ${p.email}`);
    await insertTimelineEntry(trx, {
      incidentId: esc.incident_id,
      kind: 'ESCALATION_ACKNOWLEDGED',
      actorUserId: p.userId,
      actorOrganizationId: p.organization.id,
      change: { rule: esc.rule_name, via },
    });
    await recordAudit(trx, p, 'escalation.acknowledged', { type: 'Incident', id: esc.incident_id }, { escalation: esc.id, rule: esc.rule_name, via });
    await addOutboxEvent(trx, 'incident.acknowledged', { type: 'Incident', id: esc.incident_id }, { rule: esc.rule_name, via });
    return updated;
  }

  async function acknowledge(principal: Principal, escalationId: string): Promise<EscalationRow> {
    if (!isUuid(escalationId)) throw notFound(escalationId);
    return db.transaction().execute(async (trx) => {
      const esc = await lockEscalation(trx, escalationId);
      if (!esc || principal.kind !== 'user' || !(await incidentVisible(trx, principal, esc.incident_id))) throw notFound(escalationId);
      if (!(await mayAcknowledge(trx, principal, esc))) throw new ForbiddenError('Only a paged user or an analyst of a targeted organization may acknowledge.');
      return acknowledgeLocked(trx, principal, esc, 'hub');
    });
  }

  /**
   * The page behind an acknowledgement link, for the confirmation page. Null when the link is unknown,
   * used or expired, or when its recipient may no longer see the incident: the link carries the paged
   * person's rights of now, not of the moment they were paged (a narrowed incident shows nothing).
   */
  async function pageByAckToken(token: string, h: Handle = db) {
    const n = await findPageByAckToken(h, token);
    if (!n) return null;
    const recipient = (await engine().principalsOf(h, [n.recipient_user_id])).get(n.recipient_user_id);
    if (!recipient || !(await incidentVisible(h, recipient, n.incident_id))) return null;
    return n;
  }

  /** Acknowledges through a link: single use, 24 hours, as the paged user. */
  async function acknowledgeByToken(token: string, meta: { requestId: string | null; clientAddress: string | null }): Promise<{ ok: boolean; reference?: string; message: string }> {
    const page = await pageByAckToken(token);
    if (!page) return { ok: false, message: 'This acknowledgement link is unknown, already used or expired.' };
    return db.transaction().execute(async (trx) => {
      // Checked again in the transaction (no incident lock: timers lock the escalation first, then the incident).
      if (!(await pageByAckToken(token, trx))) return { ok: false, message: 'This acknowledgement link is unknown, already used or expired.' };
      const used = await markAckLinkUsed(trx, page.id, new Date());
      if (!used) return { ok: false, message: 'This acknowledgement link was already used.' };
      const principal = (await engine().principalsOf(trx, [page.recipient_user_id])).get(page.recipient_user_id);
      const esc = await lockEscalation(trx, page.escalationId);
      if (!principal || !esc) return { ok: false, message: 'This page can no longer be acknowledged.' };
      await acknowledgeLocked(trx, { ...principal, requestId: meta.requestId, clientAddress: meta.clientAddress }, esc, 'link');
      return { ok: true, reference: page.reference, message: `Acknowledged ${page.reference}. Paging has stopped.` };
    });
  }

  /** Pages the next level of every open escalation of the incident now. */
  async function escalateIncident(principal: Principal, incidentId: string, note: string | null | undefined): Promise<EscalationRow[]> {
    if (!isUuid(incidentId)) throw new NotFoundError('Incident', incidentId);
    const timers: Array<{ id: string; token: string; at: Date }> = [];
    const result = await db.transaction().execute(async (trx) => {
      const incident = await incidentVisible(trx, principal, incidentId);
      if (!incident || principal.kind !== 'user') throw new NotFoundError('Incident', incidentId);
      const facts = (await loadAccessFacts(trx, [incident])).get(incident.id)!;
      const escalations = await lockEscalationsOfIncident(trx, incident.id);
      const p: UserPrincipal = principal;
      const mayEscalate = canEscalate(
        principal,
        facts,
        escalations.map((e) => ({ targetedOrganizationIds: e.targeted_organization_ids })),
      );
      if (!mayEscalate) throw new ForbiddenError('Only coordinators, the reporting organization or a targeted organization may escalate.');
      if (FINISHED_STATUSES.has(incident.status)) throw new InputError('id', `the incident is ${incident.status}: nothing to escalate`);
      const open = escalations.filter((e) => e.state === 'ACTIVE');
      if (open.length === 0) throw new InputError('id', 'no escalation of this incident is paging (acknowledged, exhausted or none matched)');
      const text = note && multiLineText(note) ? multiLineText(note).slice(0, 20_000) : null;
      const out: EscalationRow[] = [];
      for (const e of open) {
        const token = randomUUID();
        const now = new Date();
        out.push(await touchEscalation(trx, e.id, { timer_token: token, next_fire_at: now }));
        timers.push({ id: e.id, token, at: now });
      }
      await insertTimelineEntry(trx, {
        incidentId: incident.id,
        kind: 'ESCALATED',
        actorUserId: p.userId,
        actorOrganizationId: p.organization.id,
        body: text,
        change: { escalations: open.map((e) => e.rule_name) },
      });
      await recordAudit(trx, p, 'incident.escalated', { type: 'Incident', id: incident.id }, { note: text, rules: open.map((e) => e.rule_name) });
      await addOutboxEvent(trx, 'incident.escalated', { type: 'Incident', id: incident.id }, { reference: incident.reference, rules: open.map((e) => e.rule_name), manual: true });
      return out;
    });
    await engine().enqueueAfterCommit(timers, []);
    return result;
  }

  async function escalationsOfIncident(_principal: Principal, incident: IncidentRow): Promise<EscalationRow[]> {
    // The incident was already checked visible by whoever handed it over (a resolver of a visible incident).
    return listEscalationsOfIncident(db, incident.id);
  }

  async function notificationsOf(escalationIds: readonly string[]): Promise<NotificationRow[]> {
    return listNotificationsOf(db, escalationIds);
  }

  const attemptsOf = (ids: readonly string[]) => listAttemptsOf(db, ids);

  /** Open escalations paging me (the on-call user's view). */
  async function myPages(principal: Principal): Promise<EscalationRow[]> {
    if (principal.kind !== 'user') return [];
    const rows = await listOpenEscalationsPaging(db, principal.userId, 200);
    const visible: EscalationRow[] = [];
    for (const r of rows) if (await incidentVisible(db, principal, r.incident_id)) visible.push(r);
    return visible;
  }

  // ── Routing rules ─────────────────────────────────────────────────────────────────────────────────

  const listRules = (_principal: Principal) => listRoutingRules(db);

  /**
   * Every target names an organization and a duty that exist: a duty nobody has would page nobody, and
   * the rule would look fine until the incident it was meant for. Field names as in checkPolicy.
   */
  async function validateTargetsExist(policy: EscalationPolicy): Promise<void> {
    const targets = [
      ...policy.levels.flatMap((l, i) => l.targets.map((t, j) => ({ t, field: `policy.levels[${i}].targets[${j}]` }))),
      ...policy.notify.map((n, i) => ({ t: n.target, field: `policy.notify[${i}].target` })),
    ];
    const slugs = [...new Set(targets.flatMap(({ t }) => (t.kind === 'DUTY' ? [t.organization] : [])))];
    const orgs = await findOrganizationsBySlugs(db, slugs);
    const names = [...new Set(targets.map(({ t }) => t.duty))];
    const duties = await findDutiesNamed(db, names);
    for (const { t, field } of targets) {
      if (t.kind === 'DUTY') {
        if (!orgs.some((o) => o.slug === t.organization)) throw new InputError(`${field}.organization`, `no organization with slug "${t.organization}"`);
        if (!duties.some((d) => d.slug === t.organization && d.duty === t.duty)) throw new InputError(`${field}.duty`, `${t.organization} has no duty "${t.duty}"`);
      } else if (t.kind === 'PARTNER_KIND') {
        if (!duties.some((d) => d.kind === t.partnerKind && d.duty === t.duty)) throw new InputError(`${field}.duty`, `no ${t.partnerKind} organization has a duty "${t.duty}"`);
      } else if (t.kind === 'AFFECTED_COUNTIES') {
        if (!duties.some((d) => d.kind === 'COUNTY' && d.duty === t.duty)) throw new InputError(`${field}.duty`, `no county has a duty "${t.duty}"`);
      } else if (!duties.some((d) => d.duty === t.duty)) {
        throw new InputError(`${field}.duty`, `no organization has a duty "${t.duty}"`);
      }
    }
  }

  function requireCoordinator(principal: Principal): UserPrincipal {
    if (!isTriageCoordinator(principal)) throw new ForbiddenError('Only coordinators may change routing rules.');
    return principal;
  }

  async function createRule(principal: Principal, input: RoutingRuleInput): Promise<RoutingRuleRow> {
    const p = requireCoordinator(principal);
    const name = input.name.trim();
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) throw new InputError('name', 'must be lower-case letters, digits and dashes (at most 63)');
    checkMatch(input);
    checkPolicy(input.policy);
    await validateTargetsExist(input.policy);
    return db.transaction().execute(async (trx) => {
      if (await findRoutingRule(trx, name)) throw new InputError('name', `a rule named "${name}" exists`);
      const row = await insertRoutingRule(trx, {
        name,
        description: input.description == null ? '' : multiLineText(input.description),
        enabled: input.enabled ?? true,
        position: input.position ?? 100,
        severity_at_least: input.severityAtLeast,
        domains: input.domains,
        categories: input.categories,
        policy: input.policy,
      });
      await recordAudit(trx, p, 'routing_rule.created', { type: 'RoutingRule', id: row.id }, { ...input });
      return row;
    });
  }

  async function updateRule(principal: Principal, name: string, input: RoutingRuleInput, expectedVersion: number): Promise<RoutingRuleRow> {
    const p = requireCoordinator(principal);
    checkMatch(input);
    checkPolicy(input.policy);
    await validateTargetsExist(input.policy);
    return db.transaction().execute(async (trx) => {
      const rule = await lockRoutingRule(trx, name);
      if (!rule) throw new NotFoundError('Routing rule', name);
      if (rule.version !== expectedVersion) throw new ConflictError(`The rule changed since you read it (version ${rule.version}).`, { currentVersion: rule.version });
      // Running escalations keep the snapshot they started with: only new escalations see this edit.
      const row = await updateRoutingRule(trx, rule.id, {
        description: input.description == null ? rule.description : multiLineText(input.description),
        enabled: input.enabled ?? rule.enabled,
        position: input.position ?? rule.position,
        severity_at_least: input.severityAtLeast,
        domains: input.domains,
        categories: input.categories,
        policy: input.policy,
        version: rule.version + 1,
        updated_at: new Date(),
      });
      await recordAudit(trx, p, 'routing_rule.updated', { type: 'RoutingRule', id: rule.id }, { before: { ...rule, policy: rule.policy }, after: input });
      return row;
    });
  }

  async function deleteRule(principal: Principal, name: string): Promise<boolean> {
    const p = requireCoordinator(principal);
    return db.transaction().execute(async (trx) => {
      const rule = await findRoutingRule(trx, name);
      if (!rule) throw new NotFoundError('Routing rule', name);
      await deleteRoutingRule(trx, rule.id);
      await recordAudit(trx, p, 'routing_rule.deleted', { type: 'RoutingRule', id: rule.id }, { name });
      return true;
    });
  }

  /**
   * Every rule level (and notify target) whose targets have nobody on call right now, or whose on-call
   * people have no usable contact method: the misconfiguration that silently pages nobody.
   */
  async function preflight(_principal: Principal, at = new Date()): Promise<PreflightProblem[]> {
    const rules = await listRoutingRules(db, { enabledOnly: true });
    const problems: PreflightProblem[] = [];
    const check = async (rule: RoutingRuleRow, level: number | null, target: Target) => {
      const duties = await resolveTargetDuties(db, [target], null);
      if (duties.length === 0) {
        problems.push({ rule: rule.name, level, target: describeTarget(target), organization: target.kind === 'DUTY' ? target.organization : '*', duty: target.duty, problem: 'NO_SUCH_DUTY', userEmail: null, shape: null });
        return;
      }
      const schedules = await listScheduledDutyIds(db, duties.map((d) => d.dutyId));
      const onCall = await onCallForDuties(db, duties.map((d) => d.dutyId), at);
      const userIds = [...new Set([...onCall.values()].filter((u): u is string => u !== null))];
      const users = await findUsersActivity(db, userIds);
      const methods = await listUsableContactMethodOwners(db, userIds);
      const working = await usersWithWorkingContactMethod(db, userIds, at);
      for (const d of duties) {
        const base = { rule: rule.name, level, target: describeTarget(target), organization: d.organizationSlug, duty: d.dutyName, shape: null };
        if (!schedules.some((s) => s.duty_id === d.dutyId)) {
          problems.push({ ...base, problem: 'NO_SCHEDULE', userEmail: null });
          continue;
        }
        const uid = onCall.get(d.dutyId);
        const user = users.find((u) => u.id === uid);
        if (!uid || !user || !user.active) {
          problems.push({ ...base, problem: 'NOBODY_ON_CALL', userEmail: user?.email ?? null });
          continue;
        }
        if (!methods.some((m) => m.user_id === uid)) problems.push({ ...base, problem: 'NO_CONTACT_METHOD', userEmail: user.email });
        else if (!working.has(uid)) problems.push({ ...base, problem: 'NO_WORKING_CONTACT_METHOD', userEmail: user.email });
      }
    };
    for (const rule of rules) {
      const policy = rule.policy;
      for (const [i, l] of policy.levels.entries()) for (const t of l.targets) await check(rule, i + 1, t);
      for (const n of policy.notify) await check(rule, null, n.target);
    }
    problems.push(...(await labelProblems(rules)));
    return problems;
  }

  /**
   * Rule × incident shape: the shapes whose every page is suppressed (NOBODY_MAY_SEE: nobody paged may see
   * the incident), and the notify targets that may not see a shape (SUPPRESSED_BY_LABEL), decided by the
   * access policy for the organizations the targets name, as delivery decides it for their people.
   */
  async function labelProblems(rules: readonly RoutingRuleRow[]): Promise<PreflightProblem[]> {
    const all = rules.flatMap((r) => [...r.policy.levels.flatMap((l) => l.targets), ...r.policy.notify.map((n) => n.target)]);
    const rows = await loadDutyRows(db, [...all, ...LAW_ENFORCEMENT_SENSITIVE_TARGETS]);
    const problems: PreflightProblem[] = [];
    // Whether the organizations a target may name (any county for AFFECTED_COUNTIES, any filer for REPORTING_ORGANIZATION) may see the shape.
    const verdicts = (t: Target, shape: (typeof PREFLIGHT_SHAPES)[number]) =>
      matchTargets(rows, [t], null).map((d) => {
        const row = rows.find((r) => r.dutyId === d.dutyId)!;
        const org = targetOrganization(row, coordinatorSlugs);
        const why = whyOrganizationMayNotSee(org, {
          tlp: shape.tlp,
          lawEnforcementSensitive: shape.les,
          reportingOrganizationId: t.kind === 'REPORTING_ORGANIZATION' ? org.id : SOME_OTHER_ORGANIZATION,
          reportingUserId: SOME_OTHER_ORGANIZATION,
          affectedCountyIds: t.kind === 'AFFECTED_COUNTIES' ? [org.id] : [],
          sharedOrganizationIds: [],
          recipientUserIds: [],
        });
        return { duty: d, why };
      });
    for (const rule of rules) {
      const policy = rule.policy;
      for (const shape of PREFLIGHT_SHAPES) {
        if (policy.levels.length > 0) {
          const paged = policy.levels.flatMap((l) => (shape.les ? [...l.targets, ...LAW_ENFORCEMENT_SENSITIVE_TARGETS] : l.targets));
          if (!paged.some((t) => verdicts(t, shape).some((v) => v.why === null))) {
            problems.push({ rule: rule.name, level: null, target: 'every level', organization: '*', duty: '*', problem: 'NOBODY_MAY_SEE', userEmail: null, shape: shape.label });
          }
        }
        for (const n of policy.notify) {
          for (const v of verdicts(n.target, shape)) {
            if (v.why === null) continue;
            problems.push({
              rule: rule.name,
              level: null,
              target: describeTarget(n.target),
              organization: v.duty.organizationSlug,
              duty: v.duty.dutyName,
              problem: 'SUPPRESSED_BY_LABEL',
              userEmail: null,
              shape: shape.label,
            });
          }
        }
      }
    }
    return problems;
  }

  /** The routing targets of the rules matching the incident now that may not see it (the incident was checked visible). */
  async function suppressedTargetsOf(incident: IncidentRow): Promise<SuppressedTarget[]> {
    const facts = (await loadAccessFacts(db, [incident])).get(incident.id)!;
    return suppressedTargets(db, coordinatorSlugs, incident, facts, await matchingRules(db, incident));
  }

  /** The same for one escalation's policy snapshot. */
  async function suppressedTargetsOfEscalation(esc: EscalationRow): Promise<SuppressedTarget[]> {
    const incident = await findIncidentById(db, esc.incident_id);
    if (!incident) return [];
    const facts = (await loadAccessFacts(db, [incident])).get(incident.id)!;
    return suppressedTargets(db, coordinatorSlugs, incident, facts, [{ name: esc.rule_name, policy: esc.policy }]);
  }

  return {
    acknowledge,
    acknowledgeByToken,
    pageByAckToken,
    escalateIncident,
    escalationsOfIncident,
    notificationsOf,
    attemptsOf,
    myPages,
    listRules,
    createRule,
    updateRule,
    deleteRule,
    preflight,
    suppressedTargetsOf,
    suppressedTargetsOfEscalation,
  };
}
