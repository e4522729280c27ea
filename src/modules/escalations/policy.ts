import { PARTNER_KINDS, type PartnerKind } from '../../domain/people.js';
import { InputError } from '../../errors.js';
import { CATEGORIES, DOMAINS, SEVERITIES, severityRank, type IncidentCategory, type IncidentDomain, type Severity } from '../../domain/taxonomy.js';

/**
 * Routing rules and escalation policies (domain.md, "Default routing matrix"). A rule matches an
 * incident and names a policy: ordered levels of targets, each with an acknowledgement timeout; the last
 * level is paged `repeatLastLevel` times in all; `notify` targets are informed once and not paged.
 */

export type Target =
  | { kind: 'DUTY'; organization: string; duty: string }
  | { kind: 'PARTNER_KIND'; partnerKind: PartnerKind; duty: string }
  | { kind: 'AFFECTED_COUNTIES'; duty: string }
  | { kind: 'REPORTING_ORGANIZATION'; duty: string };

export interface PolicyLevel {
  targets: Target[];
  /** Seconds until the next level (or the next repeat of the last level) is paged. */
  ackTimeoutSeconds: number;
}

export interface NotifyTarget {
  target: Target;
  /** Only when the incident is of one of these categories (empty: always). */
  categories: IncidentCategory[];
}

export interface EscalationPolicy {
  levels: PolicyLevel[];
  /** How many times the last level is paged in all (1: once). */
  repeatLastLevel: number;
  notify: NotifyTarget[];
}

/**
 * Paged at every level of every rule, besides the level's own targets, for a law-enforcement-sensitive
 * incident: the only organizations the LES rule lets see it (access-policy.md) are law enforcement and
 * the reporting organization, so coordinators' duties alone would page nobody able to act (every page
 * suppressed, the escalation looping). Law enforcement is reached where the label lets it see the
 * incident (shared with it, or CLEAR/GREEN); the reporting organization through its first-line duty.
 */
export const LAW_ENFORCEMENT_SENSITIVE_TARGETS: readonly Target[] = [
  { kind: 'PARTNER_KIND', partnerKind: 'FBI', duty: 'election-crimes' },
  { kind: 'PARTNER_KIND', partnerKind: 'CHP', duty: 'duty-officer' },
  // The seeded first-line duty of each kind of partner: the reporting organization has one of them.
  ...['rov-oncall', 'security-duty', 'csic-watch', 'election-advisor', 'election-crimes', 'duty-officer', 'soc'].map(
    (duty): Target => ({ kind: 'REPORTING_ORGANIZATION', duty }),
  ),
];

/** The targets a level pages for an incident: its own, and for an LES incident the LES targets too. */
export function levelTargetsFor(level: PolicyLevel, incident: { law_enforcement_sensitive: boolean }): Target[] {
  return incident.law_enforcement_sensitive ? [...level.targets, ...LAW_ENFORCEMENT_SENSITIVE_TARGETS] : level.targets;
}

export interface RuleMatch {
  severityAtLeast: Severity | null;
  domains: IncidentDomain[];
  categories: IncidentCategory[];
}

export function ruleMatches(rule: RuleMatch, incident: { severity: Severity; domain: IncidentDomain; category: IncidentCategory }): boolean {
  if (rule.severityAtLeast && severityRank(incident.severity) < severityRank(rule.severityAtLeast)) return false;
  if (rule.domains.length > 0 && !rule.domains.includes(incident.domain)) return false;
  if (rule.categories.length > 0 && !rule.categories.includes(incident.category)) return false;
  return true;
}

/** The pages of a policy in order: [level, loop] pairs, level 0 first, the last level repeated. */
export function pageSequence(policy: EscalationPolicy): Array<[number, number]> {
  const seq: Array<[number, number]> = [];
  policy.levels.forEach((_, i) => {
    const loops = i === policy.levels.length - 1 ? Math.max(1, policy.repeatLastLevel) : 1;
    for (let k = 0; k < loops; k++) seq.push([i, k]);
  });
  return seq;
}

/** The page after (level, loop), or null when the policy is exhausted. */
export function nextPage(policy: EscalationPolicy, level: number, loop: number): [number, number] | null {
  const seq = pageSequence(policy);
  const i = seq.findIndex(([l, k]) => l === level && k === loop);
  return i >= 0 && i + 1 < seq.length ? seq[i + 1]! : null;
}

export const MIN_ACK_TIMEOUT_SECONDS = 1;
export const MAX_ACK_TIMEOUT_SECONDS = 7 * 86_400;

/** Shape and value checks of a policy from GraphQL input; each error names the field. */
export function checkPolicy(p: EscalationPolicy, field = 'policy'): EscalationPolicy {
  if (p.levels.length > 10) throw new InputError(`${field}.levels`, 'at most 10 levels');
  if (p.levels.length === 0 && p.notify.length === 0) throw new InputError(`${field}.levels`, 'a rule needs at least one level or one notify target');
  p.levels.forEach((l, i) => {
    if (l.targets.length === 0) throw new InputError(`${field}.levels[${i}].targets`, 'a level needs at least one target');
    if (!Number.isInteger(l.ackTimeoutSeconds) || l.ackTimeoutSeconds < MIN_ACK_TIMEOUT_SECONDS || l.ackTimeoutSeconds > MAX_ACK_TIMEOUT_SECONDS) {
      throw new InputError(`${field}.levels[${i}].ackTimeoutSeconds`, `must be a whole number of seconds from ${MIN_ACK_TIMEOUT_SECONDS} to ${MAX_ACK_TIMEOUT_SECONDS}`);
    }
    l.targets.forEach((t, j) => checkTarget(t, `${field}.levels[${i}].targets[${j}]`));
  });
  if (!Number.isInteger(p.repeatLastLevel) || p.repeatLastLevel < 1 || p.repeatLastLevel > 20) {
    throw new InputError(`${field}.repeatLastLevel`, 'must be a whole number from 1 to 20');
  }
  p.notify.forEach((n, i) => {
    checkTarget(n.target, `${field}.notify[${i}].target`);
    for (const c of n.categories) if (!CATEGORIES.includes(c)) throw new InputError(`${field}.notify[${i}].categories`, `"${c}" is not a category`);
  });
  return p;
}

function checkTarget(t: Target, field: string): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(t.duty)) throw new InputError(`${field}.duty`, `"${t.duty}" is not a duty name`);
  if (t.kind === 'PARTNER_KIND' && !PARTNER_KINDS.includes(t.partnerKind)) throw new InputError(`${field}.partnerKind`, `"${t.partnerKind}" is not a partner kind`);
}

export function checkMatch(m: RuleMatch): RuleMatch {
  if (m.severityAtLeast && !SEVERITIES.includes(m.severityAtLeast)) throw new InputError('severityAtLeast', `"${m.severityAtLeast}" is not a severity`);
  for (const d of m.domains) if (!DOMAINS.includes(d)) throw new InputError('domains', `"${d}" is not a domain`);
  for (const c of m.categories) if (!CATEGORIES.includes(c)) throw new InputError('categories', `"${c}" is not a category`);
  return m;
}

export function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'DUTY':
      return `${t.organization}/${t.duty}`;
    case 'PARTNER_KIND':
      return `every ${t.partnerKind}/${t.duty}`;
    case 'AFFECTED_COUNTIES':
      return `affected counties/${t.duty}`;
    case 'REPORTING_ORGANIZATION':
      return `reporting organization/${t.duty}`;
  }
}

// ── The default matrix of domain.md ──────────────────────────────────────────────────────────────────

const duty = (organization: string, d: string): Target => ({ kind: 'DUTY', organization, duty: d });
const counties = (d: string): Target => ({ kind: 'AFFECTED_COUNTIES', duty: d });
const notify = (target: Target, categories: IncidentCategory[] = []): NotifyTarget => ({ target, categories });
const MIN = 60;

export interface DefaultRule extends RuleMatch {
  name: string;
  description: string;
  position: number;
  policy: EscalationPolicy;
}

export const DEFAULT_RULES: readonly DefaultRule[] = [
  {
    name: 'critical',
    description: 'Severity CRITICAL: SOS duty analyst and Cal-CSIC watch at once, leads after 5 min, everyone again every 10 min (×3).',
    position: 10,
    severityAtLeast: 'CRITICAL',
    domains: [],
    categories: [],
    policy: {
      levels: [
        { targets: [duty('sos', 'security-duty'), duty('cal-oes', 'csic-watch')], ackTimeoutSeconds: 5 * MIN },
        { targets: [duty('sos', 'security-lead'), duty('cal-oes', 'warning-center')], ackTimeoutSeconds: 10 * MIN },
        {
          targets: [duty('sos', 'security-duty'), duty('cal-oes', 'csic-watch'), duty('sos', 'security-lead'), duty('cal-oes', 'warning-center')],
          ackTimeoutSeconds: 10 * MIN,
        },
      ],
      repeatLastLevel: 3,
      notify: [notify(duty('cisa', 'election-advisor')), notify(duty('fbi', 'election-crimes')), notify(counties('rov-oncall'))],
    },
  },
  {
    name: 'cyber-high',
    description: 'Severity HIGH or above, domain CYBER.',
    position: 20,
    severityAtLeast: 'HIGH',
    domains: ['CYBER'],
    categories: [],
    policy: {
      levels: [
        { targets: [duty('sos', 'security-duty'), duty('cal-oes', 'csic-watch')], ackTimeoutSeconds: 15 * MIN },
        { targets: [duty('sos', 'security-lead')], ackTimeoutSeconds: 15 * MIN },
      ],
      repeatLastLevel: 1,
      notify: [notify(duty('cisa', 'election-advisor')), notify(duty('ei-isac', 'soc'))],
    },
  },
  {
    name: 'physical',
    description: 'Severity MODERATE or above, domain PHYSICAL.',
    position: 30,
    severityAtLeast: 'MODERATE',
    domains: ['PHYSICAL'],
    categories: [],
    policy: {
      levels: [
        { targets: [duty('chp', 'duty-officer'), counties('rov-oncall'), duty('sos', 'security-duty')], ackTimeoutSeconds: 10 * MIN },
        { targets: [duty('fbi', 'election-crimes'), duty('sos', 'security-lead')], ackTimeoutSeconds: 10 * MIN },
      ],
      repeatLastLevel: 1,
      notify: [notify(duty('cal-oes', 'warning-center'))],
    },
  },
  {
    name: 'worker-threat',
    description: 'Any threat to election workers, whatever its severity.',
    position: 40,
    severityAtLeast: null,
    domains: [],
    categories: ['THREAT_TO_ELECTION_WORKERS'],
    policy: {
      levels: [
        { targets: [duty('fbi', 'election-crimes'), duty('chp', 'duty-officer')], ackTimeoutSeconds: 10 * MIN },
        { targets: [duty('sos', 'security-lead')], ackTimeoutSeconds: 10 * MIN },
      ],
      repeatLastLevel: 1,
      notify: [notify(counties('rov-oncall'))],
    },
  },
  {
    name: 'information',
    description: 'Domain INFORMATION, severity MODERATE or above.',
    position: 50,
    severityAtLeast: 'MODERATE',
    domains: ['INFORMATION'],
    categories: [],
    policy: {
      levels: [
        { targets: [duty('sos', 'misinformation-desk')], ackTimeoutSeconds: 30 * MIN },
        { targets: [duty('sos', 'security-lead')], ackTimeoutSeconds: 30 * MIN },
      ],
      repeatLastLevel: 1,
      notify: [notify(duty('fbi', 'election-crimes'), ['FOREIGN_INFLUENCE']), notify(duty('cisa', 'election-advisor'), ['FOREIGN_INFLUENCE'])],
    },
  },
  {
    // Not in the matrix of domain.md: statewide correlations of indicators are filed as OTHER when no
    // linked incident gives them a category, and must still reach the duty analysts.
    name: 'other-high',
    description: 'Severity HIGH or above, domain OTHER (e.g. statewide indicator correlations).',
    position: 60,
    severityAtLeast: 'HIGH',
    domains: ['OTHER'],
    categories: [],
    policy: {
      levels: [
        { targets: [duty('sos', 'security-duty'), duty('cal-oes', 'csic-watch')], ackTimeoutSeconds: 15 * MIN },
        { targets: [duty('sos', 'security-lead')], ackTimeoutSeconds: 15 * MIN },
      ],
      repeatLastLevel: 1,
      notify: [],
    },
  },
];
