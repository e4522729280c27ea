import type { InTransaction } from '../../../infra/handle.js';
import { canFileIncident } from '../../../access/incidents.js';
import type { Principal } from '../../../access/principal.js';
import { ForbiddenError, InputError } from '../../../errors.js';
import { CATEGORY_DOMAIN, LIMITS, type IncidentCategory, type Severity, type Tlp } from '../../../domain/taxonomy.js';
import { addRecipients, addShares, insertFiledIncident, type IncidentRow } from '../incidents.repository.js';
import { checkAssets, checkCategory, checkExternalReferences, checkLongText, checkTimes, checkTitle, uniqueList } from '../incidents.validation.js';
import { record, resolveCounties, resolveOrganizations, resolveUsers, routingTargetShares, type IncidentsDeps } from './deps.js';

/** Filing an incident. */

export interface FileIncidentInput {
  title: string;
  summary: string;
  category: IncidentCategory;
  severity: Severity;
  tlp: Tlp;
  affectedCounties?: readonly string[] | null;
  affectedAssets?: readonly string[] | null;
  occurredAt?: Date | null;
  detectedAt?: Date | null;
  lawEnforcementSensitive?: boolean | null;
  exercise?: boolean | null;
  shareWith?: readonly string[] | null;
  shareWithUsers?: readonly string[] | null;
  /** Also share with the organizations of the matching routing rules' targets that could not see it otherwise. */
  shareWithRoutingTargets?: boolean | null;
  externalReferences?: ReadonlyArray<{ source: string; identifier: string; url?: string | null }> | null;
}

export async function fileIncident(deps: IncidentsDeps, principal: Principal, input: FileIncidentInput, also?: InTransaction<IncidentRow>): Promise<IncidentRow> {
  if (!canFileIncident(principal)) throw new ForbiddenError('Only analysts may file incidents.');
  const p = principal;
  const title = checkTitle(input.title);
  const summary = checkLongText(input.summary, 'summary', LIMITS.summary);
  const category = checkCategory(input.category);
  const assets = checkAssets(input.affectedAssets ?? []);
  checkTimes(input.occurredAt, input.detectedAt);
  const externalReferences = checkExternalReferences(input.externalReferences ?? []);
  const shareWithUsers = uniqueList(input.shareWithUsers, 'shareWithUsers', LIMITS.shareTargets).map((e) => e.toLowerCase());
  const shareWith = uniqueList(input.shareWith, 'shareWith', LIMITS.shareTargets);
  if (input.tlp === 'RED') {
    if (shareWith.length > 0) throw new InputError('shareWith', 'TLP:RED is shared with named users (shareWithUsers), not organizations');
    if (shareWithUsers.filter((e) => e !== p.email).length === 0) {
      throw new InputError('shareWithUsers', 'TLP:RED needs at least one named recipient besides you');
    }
  } else if (shareWithUsers.length > 0) {
    throw new InputError('shareWithUsers', `named recipients are for TLP:RED; share a TLP:${input.tlp} incident with organizations (shareWith)`);
  }

  return deps.db.transaction().execute(async (trx) => {
    const counties = await resolveCounties(trx, input.affectedCounties ?? [], 'affectedCounties', deps.organizations);
    const shareOrgs = await resolveOrganizations(trx, shareWith, 'shareWith');
    const recipients = (await resolveUsers(trx, shareWithUsers, 'shareWithUsers')).filter((u) => u.id !== p.userId);
    const now = new Date();
    const lawEnforcementSensitive = input.lawEnforcementSensitive ?? false;
    // Its timeline entry is written by the inserting statement (one round trip), which takes the log
    // append lock for the audit entry below too.
    const filed = { actorUserId: p.userId, actorOrganizationId: p.organization.id, change: { status: 'REPORTED', severity: input.severity, tlp: input.tlp, lawEnforcementSensitive } };
    const row = await insertFiledIncident(trx, now.getUTCFullYear(), {
      title,
      summary,
      category,
      domain: CATEGORY_DOMAIN[category],
      severity: input.severity,
      status: 'REPORTED',
      tlp: input.tlp,
      law_enforcement_sensitive: lawEnforcementSensitive,
      exercise: input.exercise ?? false,
      reporting_user_id: p.userId,
      reporting_organization_id: p.organization.id,
      affected_assets: assets,
      occurred_at: input.occurredAt ?? null,
      detected_at: input.detectedAt ?? null,
      reported_at: now,
      external_references: JSON.stringify(externalReferences),
      created_at: now,
      updated_at: now,
    }, counties.map((c) => c.id), filed);
    await addShares(trx, row.id, shareOrgs.map((o) => o.id));
    await addRecipients(trx, row.id, recipients.map((u) => u.id));
    const routingShares = input.shareWithRoutingTargets ? await addShares(trx, row.id, await routingTargetShares(deps, trx, row, 'shareWithRoutingTargets')) : [];
    await record(
      trx,
      p,
      row,
      null,
      {
        action: 'incident.filed',
        change: {
          title,
          category,
          severity: row.severity,
          tlp: row.tlp,
          lawEnforcementSensitive: row.law_enforcement_sensitive,
          exercise: row.exercise,
          affectedCounties: counties.map((c) => c.slug),
          shareWith: shareOrgs.map((o) => o.slug),
          shareWithUsers: recipients.map((u) => u.email),
          ...(input.shareWithRoutingTargets ? { sharedWithRoutingTargets: routingShares } : {}),
        },
      },
      [{ topic: 'incident.filed', payload: { severity: row.severity } }],
    );
    await also?.(trx, row);
    return row;
  });
}
