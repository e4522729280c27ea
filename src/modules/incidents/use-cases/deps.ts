import { canSeeIncident, type IncidentAccessFacts } from '../../../access/incidents.js';
import type { Principal, UserPrincipal } from '../../../access/principal.js';
import { ForbiddenError, InputError, NotFoundError } from '../../../errors.js';
import type { Db } from '../../../infra/db.js';
import type { Handle } from '../../../infra/handle.js';
import { LIMITS, type TimelineEntryKind } from '../../../domain/taxonomy.js';
import { recordAudit } from '../../audit/index.js';
import { findUsersByEmails, type UserRow } from '../../identity/index.js';
import { outboxEventsPart } from '../../outbox/index.js';
import { findOrganizationsBySlugs, type OrganizationRow } from '../../partners/index.js';
import { insertTimelineEntry, loadAccessFacts, lockIncident, type IncidentRow, type TimelineRow } from '../incidents.repository.js';
import { isUuid, uniqueList } from '../incidents.validation.js';

/**
 * What every incidents use case is handed (issue 13: use cases are named functions taking their
 * dependencies, bound once in createIncidentsService), and the steps they share.
 */

/**
 * The routing rules' targets (paged or notified) that may not see an incident now: answered by the
 * escalations module (which reads incidents), handed in by the composition so that incidents does not
 * import escalations back (issue 13: no cycle between modules).
 */
export type SuppressedRoutingTargets = (
  h: Handle,
  coordinatorSlugs: ReadonlySet<string>,
  incident: IncidentRow,
  facts: IncidentAccessFacts,
) => Promise<ReadonlyArray<{ organizationId: string; shareable: boolean }>>;

export interface IncidentsDeps {
  db: Db;
  coordinatorSlugs: ReadonlySet<string>;
  suppressedRoutingTargets: SuppressedRoutingTargets;
  /** This process's organizations by slug (resolveCounties). */
  organizations?: KnownOrganizations;
}

export const notFound = (id: string) => new NotFoundError('Incident', id);

/** TLP:RED and law-enforcement-sensitive incidents: every read by id is audited. */
export const isSensitive = (i: IncidentRow) => i.tlp === 'RED' || i.law_enforcement_sensitive;

export async function factsOf(h: Handle, row: IncidentRow): Promise<IncidentAccessFacts> {
  return (await loadAccessFacts(h, [row])).get(row.id)!;
}

/** Locks a visible incident for a change, or NOT_FOUND exactly as for one that does not exist. */
export async function lockVisible(trx: Handle, principal: Principal, id: string): Promise<{ row: IncidentRow; facts: IncidentAccessFacts }> {
  if (!isUuid(id)) throw notFound(id);
  const row = await lockIncident(trx, id);
  if (!row) throw notFound(id);
  const facts = await factsOf(trx, row);
  if (!canSeeIncident(principal, facts)) throw notFound(id);
  return { row, facts };
}

/**
 * Organizations by slug, as read once: an organization's id, slug and kind never change once it exists
 * (partners.repository.ts only ever inserts them), so the counties of every filing need not be read again.
 * Only organizations found are kept; a slug not found is read again each time.
 */
export type KnownOrganizations = Map<string, Pick<OrganizationRow, 'id' | 'slug' | 'kind'>>;
const KNOWN_ORGANIZATIONS_MAX = 1_000;

export async function resolveCounties(h: Handle, slugs: readonly string[], field: string, known?: KnownOrganizations): Promise<Array<Pick<OrganizationRow, 'id' | 'slug' | 'kind'>>> {
  const list = uniqueList(slugs, field, 58);
  const cached = known ? list.map((slug) => known.get(slug)) : [];
  const orgs = known && cached.every((o) => o !== undefined) ? (cached as Array<Pick<OrganizationRow, 'id' | 'slug' | 'kind'>>) : await findOrganizationsBySlugs(h, list);
  if (known && known.size < KNOWN_ORGANIZATIONS_MAX) for (const o of orgs) known.set(o.slug, { id: o.id, slug: o.slug, kind: o.kind });
  for (const slug of list) {
    const o = orgs.find((x) => x.slug === slug);
    if (!o) throw new InputError(field, `no organization with slug "${slug}"`);
    if (o.kind !== 'COUNTY') throw new InputError(field, `"${slug}" is not a county`);
  }
  return orgs;
}

export async function resolveOrganizations(h: Handle, slugs: readonly string[], field: string): Promise<OrganizationRow[]> {
  const list = uniqueList(slugs, field, LIMITS.shareTargets);
  const orgs = await findOrganizationsBySlugs(h, list);
  for (const slug of list) if (!orgs.some((o) => o.slug === slug)) throw new InputError(field, `no organization with slug "${slug}"`);
  return orgs;
}

export async function resolveUsers(h: Handle, emails: readonly string[], field: string): Promise<UserRow[]> {
  const list = uniqueList(emails, field, LIMITS.shareTargets).map((e) => e.toLowerCase());
  const users = await findUsersByEmails(h, list);
  for (const email of list) {
    const u = users.find((x) => x.email === email);
    if (!u) throw new InputError(field, `no user with e-mail ${email}`);
    if (!u.active) throw new InputError(field, `${email} is deactivated`);
  }
  return users;
}

/** A change's timeline entry (if any), its audit entry and its outbox events, in the change's transaction. */
export async function record(
  trx: Handle,
  principal: UserPrincipal,
  row: IncidentRow,
  timeline: { kind: TimelineEntryKind; body?: string | null; change?: Record<string, unknown> | null; relatedIncidentId?: string | null } | null,
  audit: { action: string; change: unknown },
  outbox: Array<{ topic: string; payload?: Record<string, unknown> }> = [],
): Promise<TimelineRow | null> {
  const entry = timeline
    ? await insertTimelineEntry(trx, {
        incidentId: row.id,
        kind: timeline.kind,
        actorUserId: principal.userId,
        actorOrganizationId: principal.organization.id,
        body: timeline.body ?? null,
        change: timeline.change ?? null,
        relatedIncidentId: timeline.relatedIncidentId ?? null,
      }, { takeLogAppendLock: true })
    : null;
  // The events are written by the audit entry's statement (one round trip), under the lock it holds.
  const events = outbox.map((o) => ({ topic: o.topic, aggregate: { type: 'Incident', id: row.id }, payload: { reference: row.reference, ...(o.payload ?? {}) } }));
  await recordAudit(trx, principal, audit.action, { type: 'Incident', id: row.id }, { reference: row.reference, ...(audit.change as object) }, () => outboxEventsPart(trx, events));
  return entry;
}

/**
 * Organizations of the routing rules' targets (paged or notified) that may not see the incident and
 * would by being shared with: what "share with the rule's targets" adds. Never for TLP:RED.
 */
export async function routingTargetShares(deps: IncidentsDeps, trx: Handle, row: IncidentRow, field: string): Promise<string[]> {
  if (row.tlp === 'RED') throw new InputError(field, 'TLP:RED is shared with named users, not with the routing targets\' organizations');
  const facts = (await loadAccessFacts(trx, [row])).get(row.id)!;
  const targets = await deps.suppressedRoutingTargets(trx, deps.coordinatorSlugs, row, facts);
  return [...new Set(targets.filter((t) => t.shareable).map((t) => t.organizationId))];
}

export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new ForbiddenError('Only users act on incidents.');
  return principal;
}
