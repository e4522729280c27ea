import {
  sharingLetsOrganizationSee,
  whyOrganizationMayNotSee,
  type IncidentAccessFacts,
  type TargetOrganization,
} from '../../access/incidents.js';
import { targetOrganization as organizationTarget } from '../../access/principal.js';
import type { Handle } from '../../infra/handle.js';
import type { IncidentRow } from '../incidents/index.js';
import { listRoutingRules } from './escalations.repository.js';
import { describeTarget, levelTargetsFor, ruleMatches, type EscalationPolicy, type Target } from './policy.js';
import { loadDutyRows, matchTargets, type DutyRow } from './recipients.js';

/**
 * Routing targets that may not see an incident: each of their pages and notifications is suppressed at
 * delivery, which nobody notices unless it is said. Said to the filer (fileIncident's answer), on the
 * incident and its escalations, so that someone who may widen the audience can share with them (or
 * decide not to).
 */

export interface SuppressedTarget {
  rule: string;
  /** 1-based level, or null for a notify target. */
  level: number | null;
  target: string;
  organizationId: string;
  organization: string;
  duty: string;
  reason: string;
  /** Sharing the incident with the organization would let it see it. */
  shareable: boolean;
}

export interface RuleOfIncident {
  name: string;
  policy: EscalationPolicy;
}

/** The enabled rules that match the incident now. */
export async function matchingRules(h: Handle, incident: IncidentRow): Promise<RuleOfIncident[]> {
  return (await listRoutingRules(h, { enabledOnly: true }))
    .filter((r) => ruleMatches({ severityAtLeast: r.severity_at_least, domains: r.domains, categories: r.categories }, incident))
    .map((r) => ({ name: r.name, policy: r.policy }));
}

export function targetOrganization(d: DutyRow, coordinatorSlugs: ReadonlySet<string>): TargetOrganization {
  return organizationTarget({ id: d.organizationId, slug: d.organizationSlug, kind: d.kind }, coordinatorSlugs);
}

/** What the enabled rules matching the incident now would reach and that may not see it (the incidents module's SuppressedRoutingTargets). */
export async function suppressedRoutingTargets(
  h: Handle,
  coordinatorSlugs: ReadonlySet<string>,
  incident: IncidentRow,
  facts: IncidentAccessFacts,
): Promise<SuppressedTarget[]> {
  return suppressedTargets(h, coordinatorSlugs, incident, facts, await matchingRules(h, incident));
}

/** Every (rule, level or notify, organization, duty) that the rules would reach and that may not see the incident. */
export async function suppressedTargets(
  h: Handle,
  coordinatorSlugs: ReadonlySet<string>,
  incident: IncidentRow,
  facts: IncidentAccessFacts,
  rules: readonly RuleOfIncident[],
): Promise<SuppressedTarget[]> {
  const named: Array<{ rule: string; level: number | null; target: Target }> = [];
  for (const r of rules) {
    r.policy.levels.forEach((l, i) => {
      for (const t of levelTargetsFor(l, incident)) named.push({ rule: r.name, level: i + 1, target: t });
    });
    for (const n of r.policy.notify) {
      if (n.categories.length === 0 || n.categories.includes(incident.category)) named.push({ rule: r.name, level: null, target: n.target });
    }
  }
  if (named.length === 0) return [];
  const rows = await loadDutyRows(h, named.map((n) => n.target));
  const ctx = { reportingOrganizationId: incident.reporting_organization_id, affectedCountyIds: facts.affectedCountyIds };
  const out: SuppressedTarget[] = [];
  const seen = new Set<string>();
  for (const n of named) {
    for (const d of matchTargets(rows, [n.target], ctx)) {
      const row = rows.find((r) => r.dutyId === d.dutyId)!;
      const org = targetOrganization(row, coordinatorSlugs);
      const reason = whyOrganizationMayNotSee(org, facts);
      const key = `${n.rule}|${n.level}|${d.dutyId}`;
      if (reason === null || seen.has(key)) continue;
      seen.add(key);
      out.push({
        rule: n.rule,
        level: n.level,
        target: describeTarget(n.target),
        organizationId: d.organizationId,
        organization: d.organizationSlug,
        duty: d.dutyName,
        reason,
        shareable: sharingLetsOrganizationSee(org, facts),
      });
    }
  }
  return out;
}
