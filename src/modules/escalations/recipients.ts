import type { Handle } from '../../infra/handle.js';
import { findSchedulesByDuties, listActiveOverrides, listUsableContactMethods, type ContactMethodRow } from '../oncall/oncall.repository.js';
import { toOverride, toRotation } from '../oncall/oncall.service.js';
import { onCallAt } from '../oncall/rotation.js';
import type { Target } from './policy.js';

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

/** The duties a list of targets names for one incident; targets naming nothing are simply absent. */
export async function resolveTargetDuties(db: Handle, targets: readonly Target[], ctx: IncidentTargetsContext | null): Promise<ResolvedDuty[]> {
  const out = new Map<string, ResolvedDuty>();
  if (targets.length === 0) return [];
  const rows = await db
    .selectFrom('duties as d')
    .innerJoin('organizations as o', 'o.id', 'd.organization_id')
    .select(['d.id as dutyId', 'd.name as dutyName', 'o.id as organizationId', 'o.slug as organizationSlug', 'o.kind as kind'])
    .where('d.name', 'in', [...new Set(targets.map((t) => t.duty))])
    .where('o.active', '=', true)
    .execute();
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

/** Who is on call for each duty at `at` (null: nobody, e.g. no schedule). */
export async function onCallForDuties(db: Handle, dutyIds: readonly string[], at: Date): Promise<Map<string, string | null>> {
  const result = new Map<string, string | null>(dutyIds.map((d) => [d, null]));
  if (dutyIds.length === 0) return result;
  const schedules = await findSchedulesByDuties(db, dutyIds);
  const overrides = await listActiveOverrides(
    db,
    schedules.map((s) => s.id),
    at,
  );
  for (const s of schedules) {
    const answer = onCallAt(
      toRotation(s),
      overrides.filter((o) => o.schedule_id === s.id).map(toOverride),
      at,
    );
    result.set(s.duty_id, answer?.userId ?? null);
  }
  return result;
}

export interface Recipient {
  userId: string;
  methods: ContactMethodRow[];
}

/** Active users on call for the duties, each once, with their usable contact methods. */
export async function recipientsFor(db: Handle, duties: readonly ResolvedDuty[], at: Date): Promise<Recipient[]> {
  const onCall = await onCallForDuties(
    db,
    duties.map((d) => d.dutyId),
    at,
  );
  const userIds = [...new Set([...onCall.values()].filter((u): u is string => u !== null))];
  if (userIds.length === 0) return [];
  const active = await db.selectFrom('users').select('id').where('id', 'in', userIds).where('active', '=', true).execute();
  const activeIds = new Set(active.map((u) => u.id));
  const methods = await listUsableContactMethods(db, [...activeIds]);
  return [...activeIds].map((userId) => ({ userId, methods: methods.filter((m) => m.user_id === userId) }));
}
