import type { Handle } from '../../infra/handle.js';
import type { PartnerKind } from '../../domain/people.js';
import { findSchedulesWithActiveOverrides, onCallAt, toOverride, toRotation, type ContactMethodRow } from '../oncall/index.js';
import type { Target } from './policy.js';
import { findActiveDutiesNamed, findActiveRecipientsWithMethods, type PagingRoster, type RecipientUserRow } from './escalations.repository.js';

/**
 * From a policy's targets to people: targets → (organization, duty) → who is on call at an instant →
 * their usable contact methods. Read at the moment a level fires, so a hand-off or an override made
 * during an escalation is honoured.
 */

export interface IncidentTargetsContext {
  reportingOrganizationId: string;
  affectedCountyIds: readonly string[];
}

export interface ResolvedDuty {
  dutyId: string;
  dutyName: string;
  organizationId: string;
  organizationSlug: string;
}

/** The (duty, organization) rows that targets could name: read once, matched per target by matchTargets. */
export interface DutyRow extends ResolvedDuty {
  kind: PartnerKind;
}

export function loadDutyRows(db: Handle, targets: readonly Target[]): Promise<DutyRow[]> {
  if (targets.length === 0) return Promise.resolve([]);
  return findActiveDutiesNamed(db, [...new Set(targets.map((t) => t.duty))]);
}

/** The duties a list of targets names for one incident, among rows loaded by loadDutyRows for (at least) these targets. */
export function matchTargets(rows: readonly DutyRow[], targets: readonly Target[], ctx: IncidentTargetsContext | null): ResolvedDuty[] {
  const out = new Map<string, ResolvedDuty>();
  for (const t of targets) {
    for (const r of rows) {
      if (r.dutyName !== t.duty) continue;
      const match =
        t.kind === 'DUTY'
          ? r.organizationSlug === t.organization
          : t.kind === 'PARTNER_KIND'
            ? r.kind === t.partnerKind
            : t.kind === 'AFFECTED_COUNTIES'
              ? // Without an incident (preflight), every county could be affected.
                ctx === null
                ? r.kind === 'COUNTY'
                : ctx.affectedCountyIds.includes(r.organizationId)
              : ctx === null || ctx.reportingOrganizationId === r.organizationId;
      if (match) out.set(r.dutyId, { dutyId: r.dutyId, dutyName: r.dutyName, organizationId: r.organizationId, organizationSlug: r.organizationSlug });
    }
  }
  return [...out.values()];
}

/** The duties a list of targets names for one incident; targets naming nothing are simply absent. */
export async function resolveTargetDuties(db: Handle, targets: readonly Target[], ctx: IncidentTargetsContext | null): Promise<ResolvedDuty[]> {
  return matchTargets(await loadDutyRows(db, targets), targets, ctx);
}

/** Who is on call for each duty at `at` (null: nobody, e.g. no schedule). */
export async function onCallForDuties(db: Handle, dutyIds: readonly string[], at: Date): Promise<Map<string, string | null>> {
  const result = new Map<string, string | null>(dutyIds.map((d) => [d, null]));
  if (dutyIds.length === 0) return result;
  for (const { schedule, overrides } of await findSchedulesWithActiveOverrides(db, dutyIds, at)) {
    const answer = onCallAt(toRotation(schedule), overrides.map(toOverride), at);
    result.set(schedule.duty_id, answer?.userId ?? null);
  }
  return result;
}

export interface Recipient {
  userId: string;
  methods: ContactMethodRow[];
  /** The user and their organization: whom the page is checked against. */
  user: RecipientUserRow;
}

/** Active users on call for the duties, each once, with their usable contact methods. */
export async function recipientsFor(db: Handle, duties: readonly ResolvedDuty[], at: Date): Promise<Recipient[]> {
  const onCall = await onCallForDuties(
    db,
    duties.map((d) => d.dutyId),
    at,
  );
  const userIds = [...new Set([...onCall.values()].filter((u): u is string => u !== null))];
  const users = await findActiveRecipientsWithMethods(db, userIds);
  return users.map(({ methods, ...user }) => ({ userId: user.id, methods, user }));
}

/**
 * recipientsFor over a roster already read (loadPagingRoster): who is on call for each duty at `at`,
 * each active user once, with their usable contact methods; no statement of its own.
 */
export function recipientsFromRoster(roster: PagingRoster, duties: readonly ResolvedDuty[], at: Date): Recipient[] {
  const out = new Map<string, Recipient>();
  for (const d of duties) {
    const entry = roster.schedules.find((s) => s.schedule.duty_id === d.dutyId);
    if (!entry) continue;
    const userId = onCallAt(toRotation(entry.schedule), entry.overrides.map(toOverride), at)?.userId;
    const user = userId ? roster.users.get(userId) : undefined;
    if (!user || out.has(user.id)) continue;
    const { methods, ...row } = user;
    out.set(user.id, { userId: user.id, methods, user: row });
  }
  return [...out.values()];
}
