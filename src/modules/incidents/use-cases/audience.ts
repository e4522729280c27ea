import {
  canAssign,
  canChangeTlp,
  canNameRecipients,
  canSetLawEnforcementSensitive,
  canWidenAudience,
  lawEnforcementRuleAdmits,
} from '../../../access/incidents.js';
import { targetOrganization, type Principal } from '../../../access/principal.js';
import { ForbiddenError, InputError } from '../../../errors.js';
import { LIMITS, tlpNarrowness, type Tlp } from '../../../domain/taxonomy.js';
import type { UserRow } from '../../identity/index.js';
import { findOrganizationBySlug, findOrganizationsByIds } from '../../partners/index.js';
import { addRecipients, addShares, updateIncidentRow, type IncidentRow } from '../incidents.repository.js';
import { uniqueList } from '../incidents.validation.js';
import { lockVisible, record, requireUser, resolveOrganizations, resolveUsers, routingTargetShares, type IncidentsDeps } from './deps.js';

/** Who sees an incident and who holds it: assignment, shares, the TLP label, the law-enforcement flag. */

export async function assignIncident(deps: IncidentsDeps, principal: Principal, id: string, organizationSlug: string, userEmail: string | null | undefined): Promise<IncidentRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, facts } = await lockVisible(trx, principal, id);
    const p = requireUser(principal);
    if (!canAssign(p)) throw new ForbiddenError('Only coordinators may assign incidents.');
    const org = await findOrganizationBySlug(trx, organizationSlug);
    if (!org) throw new InputError('organization', `no organization with slug "${organizationSlug}"`);
    let user: UserRow | null = null;
    if (userEmail) {
      user = (await resolveUsers(trx, [userEmail], 'user'))[0]!;
      if (user.organization_id !== org.id) throw new InputError('user', `${user.email} is not a member of ${org.slug}`);
    }
    if (!lawEnforcementRuleAdmits(targetOrganization(org, deps.coordinatorSlugs), facts)) {
      throw new InputError('organization', `${org.slug} may not see this law-enforcement-sensitive incident`);
    }
    let sharedNow = false;
    if (row.tlp === 'RED') {
      if (!user) throw new InputError('user', 'a TLP:RED incident is assigned to a named recipient: give the user');
      if (user.id !== facts.reportingUserId && !facts.recipientUserIds.includes(user.id)) {
        throw new InputError('user', `${user.email} is not a named recipient of this TLP:RED incident; ask the reporter to share it first`);
      }
    } else if (row.tlp === 'AMBER' || row.tlp === 'AMBER_STRICT') {
      // Assignment is need-to-know: the assignee joins the audience.
      sharedNow = (await addShares(trx, row.id, [org.id])).length > 0;
    }
    const updated = await updateIncidentRow(trx, row.id, { assignee_organization_id: org.id, assignee_user_id: user?.id ?? null });
    const change = { organization: org.slug, user: user?.email ?? null, sharedWithAssignee: sharedNow };
    await record(trx, p, updated, { kind: 'ASSIGNED', change }, { action: 'incident.assigned', change }, [
      { topic: 'incident.assigned', payload: { organizationId: org.id, userId: user?.id ?? null } },
    ]);
    return updated;
  });
}

export async function shareIncident(deps: IncidentsDeps, principal: Principal,
  id: string,
  organizations: readonly string[] | null | undefined,
  users: readonly string[] | null | undefined,
  routingTargets?: boolean | null,
): Promise<IncidentRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, facts } = await lockVisible(trx, principal, id);
    const p = requireUser(principal);
    if (!canWidenAudience(p, facts)) {
      throw new ForbiddenError(
        row.tlp === 'RED'
          ? 'Only the reporting user may share a TLP:RED incident.'
          : row.tlp === 'AMBER_STRICT'
            ? "Only the reporting organization's analysts or coordinators may share a TLP:AMBER+STRICT incident."
            : 'Only analysts of the audience may share this incident.',
      );
    }
    const orgSlugs = uniqueList(organizations, 'organizations', LIMITS.shareTargets);
    const emails = uniqueList(users, 'users', LIMITS.shareTargets);
    if (orgSlugs.length === 0 && emails.length === 0 && !routingTargets) throw new InputError('organizations', 'name at least one organization or user, or routingTargets');
    if (row.tlp === 'RED' && orgSlugs.length > 0) throw new InputError('organizations', 'TLP:RED is shared with named users, not organizations');
    if (row.tlp !== 'RED' && emails.length > 0) throw new InputError('users', `named users are for TLP:RED; share a TLP:${row.tlp} incident with organizations`);
    const orgs = await resolveOrganizations(trx, orgSlugs, 'organizations');
    const us = await resolveUsers(trx, emails, 'users');
    const routingOrgIds = routingTargets ? await routingTargetShares(deps, trx, row, 'routingTargets') : [];
    const addedOrgs = await addShares(trx, row.id, [...new Set([...orgs.map((o) => o.id), ...routingOrgIds])]);
    const addedUsers = await addRecipients(trx, row.id, us.filter((u) => u.id !== row.reporting_user_id).map((u) => u.id));
    if (addedOrgs.length === 0 && addedUsers.length === 0) return row;
    const updated = await updateIncidentRow(trx, row.id, {});
    const routingSlugs = await findOrganizationsByIds(trx, routingOrgIds);
    const change = {
      organizations: [...orgs.filter((o) => addedOrgs.includes(o.id)).map((o) => o.slug), ...routingSlugs.filter((o) => addedOrgs.includes(o.id) && !orgs.some((x) => x.id === o.id)).map((o) => o.slug)],
      users: us.filter((u) => addedUsers.includes(u.id)).map((u) => u.email),
      ...(routingTargets ? { routingTargets: true } : {}),
    };
    await record(trx, p, updated, { kind: 'SHARED', change }, { action: 'incident.shared', change }, [
      { topic: 'incident.shared', payload: { organizationIds: addedOrgs, userIds: addedUsers } },
    ]);
    return updated;
  });
}

export async function setIncidentTlp(deps: IncidentsDeps, principal: Principal, id: string, tlp: Tlp, recipients: readonly string[] | null | undefined): Promise<IncidentRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, facts } = await lockVisible(trx, principal, id);
    const p = requireUser(principal);
    const from = row.tlp;
    if (!canChangeTlp(p, facts, tlp)) {
      throw new ForbiddenError(
        tlpNarrowness(tlp) < tlpNarrowness(from)
          ? 'Only the reporting organization may widen the TLP label.'
          : 'Only the reporting organization or a coordinator may narrow the TLP label.',
      );
    }
    const emails = uniqueList(recipients, 'recipients', LIMITS.shareTargets);
    if (emails.length > 0 && tlp !== 'RED') throw new InputError('recipients', 'named recipients are for TLP:RED');
    if (tlp === from && emails.length === 0) return row;
    let added: UserRow[] = [];
    if (tlp === 'RED') {
      const us = (await resolveUsers(trx, emails, 'recipients')).filter((u) => u.id !== row.reporting_user_id);
      if (!canNameRecipients(p, facts, us.map((u) => u.id))) {
        throw new ForbiddenError(
          from === 'RED' ? 'Only the reporting user may add recipients to a TLP:RED incident.' : `Only those who may share this TLP:${from} incident may name new recipients.`,
        );
      }
      await addRecipients(trx, row.id, us.map((u) => u.id));
      added = us;
      if (facts.recipientUserIds.length === 0 && us.length === 0) {
        throw new InputError('recipients', 'TLP:RED needs at least one named recipient besides the reporting user');
      }
    }
    const updated = tlp === from ? await updateIncidentRow(trx, row.id, {}) : await updateIncidentRow(trx, row.id, { tlp });
    const change = { from, to: tlp, recipients: added.map((u) => u.email) };
    await record(trx, p, updated, { kind: 'TLP_CHANGED', change }, { action: 'incident.tlp_changed', change }, [
      { topic: 'incident.tlp_changed', payload: { from, to: tlp } },
    ]);
    return updated;
  });
}

export async function setLawEnforcementSensitive(deps: IncidentsDeps, principal: Principal, id: string, value: boolean): Promise<IncidentRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, facts } = await lockVisible(trx, principal, id);
    const p = requireUser(principal);
    if (!canSetLawEnforcementSensitive(p, facts, value)) {
      throw new ForbiddenError(
        value
          ? 'Only the reporting organization, law enforcement or coordinators may mark an incident law-enforcement sensitive.'
          : 'Only the reporting organization or a law-enforcement organization may clear the law-enforcement-sensitive flag.',
      );
    }
    if (row.law_enforcement_sensitive === value) return row;
    const updated = await updateIncidentRow(trx, row.id, { law_enforcement_sensitive: value });
    const change = { from: row.law_enforcement_sensitive, to: value };
    await record(trx, p, updated, { kind: 'LES_CHANGED', change }, { action: 'incident.les_changed', change }, [
      { topic: 'incident.les_changed', payload: change },
    ]);
    return updated;
  });
}
