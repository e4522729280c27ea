import {
  canAssign,
  canChangeSeverity,
  canChangeTlp,
  canComment,
  canEditIncident,
  canFileIncident,
  canNameRecipients,
  canSeeIncident,
  canSetLawEnforcementSensitive,
  canTransitionTo,
  canWidenAudience,
  isTriageCoordinator,
  lawEnforcementRuleAdmits,
  visibleIncidents,
  type IncidentAccessFacts,
} from '../../access/incidents.js';
import { targetOrganization, type Principal, type UserPrincipal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { recordAudit } from '../audit/index.js';
import { findUsersByEmails, type UserRow } from '../identity/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { findOrganizationBySlug, findOrganizationsBySlugs, organizationDirectory, type OrganizationRow } from '../partners/index.js';
import {
  addRecipients,
  addShares,
  countIncidents,
  countTimeline,
  findIncidentsByIds,
  findVisibleIncident,
  insertIncident,
  insertTimelineEntry,
  listDuplicates,
  listIncidents,
  listTimeline,
  loadAccessFacts,
  lockIncident,
  nextIncidentReference,
  orderKeyOf,
  replaceAffectedCounties,
  updateIncidentRow,
  type Direction,
  type IncidentListFilter,
  type IncidentOrderField,
  type IncidentRow,
  type OrderKey,
  type TimelineRow,
} from './incidents.repository.js';
import type { ExternalReference } from './incidents.tables.js';
import { decodeCursor, encodeCursor, type Page } from '../../graphql/pagination.js';
import {
  checkAssets,
  checkCategory,
  checkExternalReferences,
  checkLongText,
  checkTimes,
  checkTitle,
  isUuid,
  uniqueList,
} from './incidents.validation.js';
import {
  allowedTransitions,
  CATEGORY_DOMAIN,
  LIMITS,
  SEVERITIES,
  tlpNarrowness,
  type IncidentCategory,
  type IncidentDomain,
  type IncidentStatus,
  type Severity,
  type TimelineEntryKind,
  type Tlp,
} from '../../domain/taxonomy.js';

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

export interface UpdateIncidentInput {
  title?: string | null;
  summary?: string | null;
  category?: IncidentCategory | null;
  severity?: Severity | null;
  affectedCounties?: readonly string[] | null;
  affectedAssets?: readonly string[] | null;
  occurredAt?: Date | null;
  detectedAt?: Date | null;
  externalReferences?: ReadonlyArray<{ source: string; identifier: string; url?: string | null }> | null;
}

export interface IncidentListArgs {
  filter: {
    statuses?: readonly IncidentStatus[] | null;
    severityAtLeast?: Severity | null;
    categories?: readonly IncidentCategory[] | null;
    domains?: readonly IncidentDomain[] | null;
    affectedCounty?: string | null;
    reportingOrganization?: string | null;
    tlp?: readonly Tlp[] | null;
    exercise?: boolean | null;
    occurredAfter?: Date | null;
    occurredBefore?: Date | null;
    updatedSince?: Date | null;
    text?: string | null;
  };
  first: number;
  after: string | null;
  order: { field: IncidentOrderField; direction: Direction };
}

/**
 * An instant in a cursor, exactly as orderKeyOf wrote it: anything else (a date PostgreSQL would refuse,
 * or roll over, like February 30) would reach the database as a forged value.
 */
const isCursorInstant = (v: unknown): boolean =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) && new Date(v).toISOString() === v;

function isOrderKey(v: unknown, field: IncidentOrderField): v is OrderKey {
  if (!Array.isArray(v) || v.length !== (field === 'SEVERITY' ? 3 : 2)) return false;
  const id = v[v.length - 1];
  if (typeof id !== 'string' || !isUuid(id)) return false;
  if (field !== 'SEVERITY') return isCursorInstant(v[0]);
  return Number.isInteger(v[0]) && v[0] >= 1 && v[0] <= SEVERITIES.length && isCursorInstant(v[1]);
}

const notFound = (id: string) => new NotFoundError('Incident', id);

/** TLP:RED and law-enforcement-sensitive incidents: every read by id is audited. */
const isSensitive = (i: IncidentRow) => i.tlp === 'RED' || i.law_enforcement_sensitive;

export type IncidentsService = ReturnType<typeof createIncidentsService>;

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

export function createIncidentsService(deps: { db: Db; config: Config; suppressedRoutingTargets: SuppressedRoutingTargets }) {
  const { db } = deps;
  const coordinatorSlugs = new Set(deps.config.coordinatorOrgSlugs);

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────────

  async function factsOf(h: Handle, row: IncidentRow): Promise<IncidentAccessFacts> {
    return (await loadAccessFacts(h, [row])).get(row.id)!;
  }

  /** Locks a visible incident for a change, or NOT_FOUND exactly as for one that does not exist. */
  async function lockVisible(trx: Handle, principal: Principal, id: string): Promise<{ row: IncidentRow; facts: IncidentAccessFacts }> {
    if (!isUuid(id)) throw notFound(id);
    const row = await lockIncident(trx, id);
    if (!row) throw notFound(id);
    const facts = await factsOf(trx, row);
    if (!canSeeIncident(principal, facts)) throw notFound(id);
    return { row, facts };
  }

  async function resolveCounties(h: Handle, slugs: readonly string[], field: string): Promise<OrganizationRow[]> {
    const list = uniqueList(slugs, field, 58);
    const orgs = await findOrganizationsBySlugs(h, list);
    for (const slug of list) {
      const o = orgs.find((x) => x.slug === slug);
      if (!o) throw new InputError(field, `no organization with slug "${slug}"`);
      if (o.kind !== 'COUNTY') throw new InputError(field, `"${slug}" is not a county`);
    }
    return orgs;
  }

  async function resolveOrganizations(h: Handle, slugs: readonly string[], field: string): Promise<OrganizationRow[]> {
    const list = uniqueList(slugs, field, LIMITS.shareTargets);
    const orgs = await findOrganizationsBySlugs(h, list);
    for (const slug of list) if (!orgs.some((o) => o.slug === slug)) throw new InputError(field, `no organization with slug "${slug}"`);
    return orgs;
  }

  async function resolveUsers(h: Handle, emails: readonly string[], field: string): Promise<UserRow[]> {
    const list = uniqueList(emails, field, LIMITS.shareTargets).map((e) => e.toLowerCase());
    const users = await findUsersByEmails(h, list);
    for (const email of list) {
      const u = users.find((x) => x.email === email);
      if (!u) throw new InputError(field, `no user with e-mail ${email}`);
      if (!u.active) throw new InputError(field, `${email} is deactivated`);
    }
    return users;
  }

  async function record(
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
        })
      : null;
    await recordAudit(trx, principal, audit.action, { type: 'Incident', id: row.id }, { reference: row.reference, ...(audit.change as object) });
    for (const o of outbox) {
      await addOutboxEvent(trx, o.topic, { type: 'Incident', id: row.id }, { reference: row.reference, ...(o.payload ?? {}) });
    }
    return entry;
  }

  /**
   * Organizations of the routing rules' targets (paged or notified) that may not see the incident and
   * would by being shared with: what "share with the rule's targets" adds. Never for TLP:RED.
   */
  async function routingTargetShares(trx: Handle, row: IncidentRow, field: string): Promise<string[]> {
    if (row.tlp === 'RED') throw new InputError(field, 'TLP:RED is shared with named users, not with the routing targets\' organizations');
    const facts = (await loadAccessFacts(trx, [row])).get(row.id)!;
    const targets = await deps.suppressedRoutingTargets(trx, coordinatorSlugs, row, facts);
    return [...new Set(targets.filter((t) => t.shareable).map((t) => t.organizationId))];
  }

  function requireUser(principal: Principal): UserPrincipal {
    if (principal.kind !== 'user') throw new ForbiddenError('Only users act on incidents.');
    return principal;
  }

  // ── Reads ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * A visible incident or null (absent and invisible look the same, and take the same work: one statement
   * that returns the row only when visible, not a fetch then a check). Reads of RED/LES incidents are audited.
   */
  async function readOne(principal: Principal, key: { id: string } | { reference: string }): Promise<IncidentRow | null> {
    const found = await findVisibleIncident(db, visibleIncidents(principal), key);
    // The in-memory rule agrees with the query form (test/access-matrix.test.ts); checked again at no cost.
    if (!found || !canSeeIncident(principal, found.facts)) return null;
    const row = found.incident;
    if (isSensitive(row)) {
      await db.transaction().execute((trx) =>
        recordAudit(trx, principal, 'incident.read', { type: 'Incident', id: row.id }, { reference: row.reference }),
      );
    }
    return row;
  }

  async function get(principal: Principal, id: string): Promise<IncidentRow | null> {
    if (!isUuid(id)) return null;
    return readOne(principal, { id });
  }

  async function getByReference(principal: Principal, reference: string): Promise<IncidentRow | null> {
    return readOne(principal, { reference });
  }

  /** Visible incidents among `ids`, without auditing (links between objects, loaders). */
  async function visibleAmong(principal: Principal, ids: readonly string[]): Promise<Map<string, IncidentRow>> {
    const rows = await findIncidentsByIds(db, ids.filter(isUuid));
    const facts = await loadAccessFacts(db, rows);
    return new Map(rows.filter((r) => canSeeIncident(principal, facts.get(r.id)!)).map((r) => [r.id, r]));
  }

  async function list(principal: Principal, args: IncidentListArgs): Promise<Page<IncidentRow> & { facts: Map<string, IncidentAccessFacts> }> {
    const f = args.filter;
    const filter: IncidentListFilter = {
      statuses: f.statuses,
      severityAtLeast: f.severityAtLeast,
      categories: f.categories,
      domains: f.domains,
      tlp: f.tlp,
      exercise: f.exercise,
      occurredAfter: f.occurredAfter,
      occurredBefore: f.occurredBefore,
      updatedSince: f.updatedSince,
      text: f.text?.trim() || null,
    };
    if (f.text && f.text.length > 500) throw new InputError('filter.text', 'must be at most 500 characters');
    // A slug that names no organization matches nothing, exactly like one nobody reported from.
    if (f.affectedCounty) filter.affectedCountyId = (await organizationDirectory(db).bySlug(f.affectedCounty))?.id ?? '00000000-0000-0000-0000-000000000000';
    if (f.reportingOrganization) {
      filter.reportingOrganizationId = (await organizationDirectory(db).bySlug(f.reportingOrganization))?.id ?? '00000000-0000-0000-0000-000000000000';
    }
    const after = args.after ? decodeCursor<OrderKey>(args.after, (v): v is OrderKey => isOrderKey(v, args.order.field)) : null;
    const visible = visibleIncidents(principal);
    const rows = await listIncidents(db, visible, filter, args.order, after, args.first + 1);
    const nodes = rows.slice(0, args.first).map((r) => r.incident);
    let total: Promise<number> | null = null;
    return {
      nodes,
      // Read with the page: the resolvers' audience loader starts with them (one statement, not two).
      facts: new Map(rows.map((r) => [r.incident.id, r.facts])),
      cursors: nodes.map((n) => encodeCursor(orderKeyOf(n, args.order.field))),
      hasNextPage: rows.length > args.first,
      totalCount: () => (total ??= countIncidents(db, visible, filter)),
    };
  }

  async function duplicatesOf(principal: Principal, incident: IncidentRow): Promise<IncidentRow[]> {
    return listDuplicates(db, incident.id, visibleIncidents(principal));
  }

  /** Timeline entries of a visible incident; entries naming an incident the principal may not see are left out. */
  async function timeline(
    principal: Principal,
    incident: IncidentRow,
    opts: { commentsOnly: boolean; first: number; after: string | null },
  ): Promise<Page<TimelineRow>> {
    const kinds = opts.commentsOnly ? ['COMMENT' as const] : undefined;
    // Cursors name entries by their UUIDs, like their ids: a number would tell how many entries the hub holds.
    const afterId = opts.after ? decodeCursor<string>(opts.after, (v): v is string => typeof v === 'string' && isUuid(v)) : null;
    const collected: TimelineRow[] = [];
    let cursor: number | string | null = afterId;
    let more = true;
    // Few entries are ever hidden (merge links), so one extra page is almost always enough.
    while (collected.length <= opts.first && more) {
      const batch = await listTimeline(db, incident.id, { kinds, afterId: cursor, limit: opts.first + 1 });
      more = batch.length === opts.first + 1;
      if (batch.length === 0) break;
      cursor = batch[batch.length - 1]!.id;
      const related = batch.map((b) => b.related_incident_id).filter((x): x is string => x !== null);
      const visible = related.length ? await visibleAmong(principal, related) : new Map();
      for (const b of batch) if (b.related_incident_id === null || visible.has(b.related_incident_id)) collected.push(b);
    }
    const nodes = collected.slice(0, opts.first);
    return {
      nodes,
      cursors: nodes.map((n) => encodeCursor(n.public_id)),
      hasNextPage: collected.length > opts.first,
      totalCount: async () => {
        const all = await countTimeline(db, incident.id, kinds);
        const links = await db
          .selectFrom('incident_timeline')
          .select('related_incident_id')
          .where('incident_id', '=', incident.id)
          .where('related_incident_id', 'is not', null)
          .$if(kinds !== undefined, (q) => q.where('kind', 'in', kinds!))
          .execute();
        if (links.length === 0) return all;
        const visible = await visibleAmong(principal, links.map((l) => l.related_incident_id!));
        return all - links.filter((l) => !visible.has(l.related_incident_id!)).length;
      },
    };
  }

  // ── Changes ───────────────────────────────────────────────────────────────────────────────────

  async function file(principal: Principal, input: FileIncidentInput): Promise<IncidentRow> {
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

    return db.transaction().execute(async (trx) => {
      const counties = await resolveCounties(trx, input.affectedCounties ?? [], 'affectedCounties');
      const shareOrgs = await resolveOrganizations(trx, shareWith, 'shareWith');
      const recipients = (await resolveUsers(trx, shareWithUsers, 'shareWithUsers')).filter((u) => u.id !== p.userId);
      const now = new Date();
      const reference = await nextIncidentReference(trx, now.getUTCFullYear());
      const row = await insertIncident(trx, {
        reference,
        title,
        summary,
        category,
        domain: CATEGORY_DOMAIN[category],
        severity: input.severity,
        status: 'REPORTED',
        tlp: input.tlp,
        law_enforcement_sensitive: input.lawEnforcementSensitive ?? false,
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
      });
      await replaceAffectedCounties(trx, row.id, counties.map((c) => c.id), { fresh: true });
      await addShares(trx, row.id, shareOrgs.map((o) => o.id));
      await addRecipients(trx, row.id, recipients.map((u) => u.id));
      const routingShares = input.shareWithRoutingTargets ? await addShares(trx, row.id, await routingTargetShares(trx, row, 'shareWithRoutingTargets')) : [];
      await record(
        trx,
        p,
        row,
        { kind: 'FILED', change: { status: 'REPORTED', severity: row.severity, tlp: row.tlp, lawEnforcementSensitive: row.law_enforcement_sensitive } },
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
      return row;
    });
  }

  async function update(principal: Principal, id: string, input: UpdateIncidentInput, expectedVersion: number): Promise<IncidentRow> {
    return db.transaction().execute(async (trx) => {
      const { row, facts } = await lockVisible(trx, principal, id);
      const p = requireUser(principal);
      const patch: Record<string, unknown> = {};
      const diff: Record<string, { from: unknown; to: unknown }> = {};
      const set = (field: string, column: string, from: unknown, to: unknown) => {
        if (JSON.stringify(from) !== JSON.stringify(to)) {
          patch[column] = to;
          diff[field] = { from, to };
        }
      };
      if (input.title !== undefined && input.title !== null) set('title', 'title', row.title, checkTitle(input.title));
      if (input.summary !== undefined && input.summary !== null) set('summary', 'summary', row.summary, checkLongText(input.summary, 'summary', LIMITS.summary));
      if (input.category) {
        const c = checkCategory(input.category);
        set('category', 'category', row.category, c);
        if (c !== row.category) patch.domain = CATEGORY_DOMAIN[c];
      }
      if (input.severity) set('severity', 'severity', row.severity, input.severity);
      if (input.affectedAssets) set('affectedAssets', 'affected_assets', row.affected_assets, checkAssets(input.affectedAssets));
      const occurredAt = input.occurredAt !== undefined && input.occurredAt !== null ? input.occurredAt : row.occurred_at;
      const detectedAt = input.detectedAt !== undefined && input.detectedAt !== null ? input.detectedAt : row.detected_at;
      if (input.occurredAt || input.detectedAt) checkTimes(occurredAt, detectedAt);
      if (input.occurredAt) set('occurredAt', 'occurred_at', row.occurred_at?.toISOString() ?? null, input.occurredAt.toISOString());
      if (input.detectedAt) set('detectedAt', 'detected_at', row.detected_at?.toISOString() ?? null, input.detectedAt.toISOString());
      if (input.externalReferences) {
        const refs = checkExternalReferences(input.externalReferences);
        set('externalReferences', 'external_references', row.external_references, refs);
        if ('external_references' in patch) patch.external_references = JSON.stringify(refs satisfies ExternalReference[]);
      }
      let counties: OrganizationRow[] | null = null;
      if (input.affectedCounties) {
        counties = await resolveCounties(trx, input.affectedCounties, 'affectedCounties');
        const before = await trx
          .selectFrom('incident_affected_counties as c')
          .innerJoin('organizations as o', 'o.id', 'c.organization_id')
          .select('o.slug')
          .where('c.incident_id', '=', row.id)
          .execute();
        const from = before.map((b) => b.slug).sort();
        const to = counties.map((c) => c.slug).sort();
        if (JSON.stringify(from) !== JSON.stringify(to)) diff.affectedCounties = { from, to };
        else counties = null;
      }

      const fields = Object.keys(diff);
      const contentFields = fields.filter((f) => f !== 'severity');
      if (contentFields.length > 0 && !canEditIncident(p, facts)) {
        throw new ForbiddenError(
          isTriageCoordinator(p)
            ? `Coordinators may change only the severity of another organization's incident (not ${contentFields.join(', ')}).`
            : "Only the reporting organization's analysts may edit this incident.",
        );
      }
      if (fields.includes('severity') && !canChangeSeverity(p, facts)) throw new ForbiddenError("Only the reporting organization's analysts or coordinators may change severity.");
      if (fields.length === 0 && !canEditIncident(p, facts) && !canChangeSeverity(p, facts)) {
        throw new ForbiddenError("Only the reporting organization's analysts may edit this incident.");
      }
      if (row.version !== expectedVersion) {
        throw new ConflictError(`The incident changed since you read it (version ${row.version}, you sent ${expectedVersion}); reload and retry.`, {
          currentVersion: row.version,
        });
      }
      if (fields.length === 0) return row;

      if (counties) await replaceAffectedCounties(trx, row.id, counties.map((c) => c.id));
      const updated = await updateIncidentRow(trx, row.id, patch);
      const outbox: Array<{ topic: string; payload?: Record<string, unknown> }> = [{ topic: 'incident.updated', payload: { fields } }];
      if (diff.severity) {
        await insertTimelineEntry(trx, {
          incidentId: row.id,
          kind: 'SEVERITY_CHANGED',
          actorUserId: p.userId,
          actorOrganizationId: p.organization.id,
          change: diff.severity,
        });
        outbox.push({ topic: 'incident.severity_changed', payload: diff.severity });
      }
      const contentDiff = Object.fromEntries(Object.entries(diff).filter(([k]) => k !== 'severity'));
      await record(
        trx,
        p,
        updated,
        Object.keys(contentDiff).length ? { kind: 'UPDATED', change: contentDiff } : null,
        { action: 'incident.updated', change: diff },
        outbox,
      );
      return updated;
    });
  }

  async function transition(principal: Principal, id: string, to: IncidentStatus, note: string | null | undefined): Promise<IncidentRow> {
    return db.transaction().execute(async (trx) => {
      const { row, facts } = await lockVisible(trx, principal, id);
      const p = requireUser(principal);
      if (!canTransitionTo(p, facts, to)) {
        throw new ForbiddenError(
          to === 'TRIAGED' || to === 'REJECTED' || to === 'MERGED'
            ? `Only coordinators may move an incident to ${to}.`
            : "Only the reporting organization's analysts or coordinators may change this incident's status.",
        );
      }
      if (to === 'MERGED') throw new InputError('to', 'use mergeIncident to mark an incident as a duplicate');
      const from = row.status as IncidentStatus;
      const allowed = allowedTransitions(from).filter((s) => s !== 'MERGED');
      if (!allowed.includes(to)) {
        throw new InputError('to', `cannot move from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none'}`);
      }
      const body = note ? checkLongText(note, 'note', LIMITS.note, true) || null : null;
      const updated = await updateIncidentRow(trx, row.id, { status: to });
      await record(
        trx,
        p,
        updated,
        { kind: 'STATUS_CHANGED', body, change: { from, to } },
        { action: 'incident.status_changed', change: { from, to, note: body } },
        [{ topic: 'incident.status_changed', payload: { from, to } }],
      );
      return updated;
    });
  }

  async function merge(principal: Principal, id: string, intoId: string): Promise<IncidentRow> {
    if (id === intoId) throw new InputError('intoId', 'an incident cannot be merged into itself');
    return db.transaction().execute(async (trx) => {
      // Lock both in a fixed order so that two opposite merges cannot deadlock.
      const [first, second] = [id, intoId].sort();
      const locked = new Map<string, { row: IncidentRow; facts: IncidentAccessFacts }>();
      for (const x of [first!, second!]) locked.set(x, await lockVisible(trx, principal, x));
      const source = locked.get(id)!;
      const target = locked.get(intoId)!;
      const p = requireUser(principal);
      if (!isTriageCoordinator(p)) throw new ForbiddenError('Only coordinators may merge incidents.');
      const from = source.row.status as IncidentStatus;
      if (!allowedTransitions(from).includes('MERGED')) throw new InputError('id', `a ${from} incident cannot be merged; only open incidents can`);
      if (target.row.status === 'MERGED' || target.row.status === 'REJECTED') {
        throw new InputError('intoId', `cannot merge into a ${target.row.status} incident`);
      }
      const updated = await updateIncidentRow(trx, source.row.id, { status: 'MERGED', merged_into_id: target.row.id });
      await insertTimelineEntry(trx, {
        incidentId: source.row.id,
        kind: 'STATUS_CHANGED',
        actorUserId: p.userId,
        actorOrganizationId: p.organization.id,
        change: { from, to: 'MERGED' },
      });
      await record(
        trx,
        p,
        updated,
        { kind: 'MERGED', change: { into: target.row.reference }, relatedIncidentId: target.row.id },
        // Ids, not references: an auditor sees which objects an entry names, the content only of those they may see.
        { action: 'incident.merged', change: { into: target.row.id, related: [{ type: 'Incident', id: target.row.id }] } },
        [{ topic: 'incident.status_changed', payload: { from, to: 'MERGED', into: target.row.id } }],
      );
      await insertTimelineEntry(trx, {
        incidentId: target.row.id,
        kind: 'MERGED',
        actorUserId: p.userId,
        actorOrganizationId: p.organization.id,
        change: { duplicate: source.row.reference },
        relatedIncidentId: source.row.id,
      });
      await updateIncidentRow(trx, target.row.id, {});
      return updated;
    });
  }

  async function comment(principal: Principal, id: string, body: string): Promise<TimelineRow> {
    return db.transaction().execute(async (trx) => {
      const { row } = await lockVisible(trx, principal, id);
      if (!canComment(principal)) throw new ForbiddenError('Only analysts may comment.');
      const text = checkLongText(body, 'body', LIMITS.comment);
      const entry = await record(
        trx,
        principal,
        row,
        { kind: 'COMMENT', body: text },
        { action: 'incident.commented', change: { length: text.length } },
        [{ topic: 'incident.commented' }],
      );
      await trx.updateTable('incidents').set({ updated_at: new Date() }).where('id', '=', row.id).execute();
      return entry!;
    });
  }

  async function assign(principal: Principal, id: string, organizationSlug: string, userEmail: string | null | undefined): Promise<IncidentRow> {
    return db.transaction().execute(async (trx) => {
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
      if (!lawEnforcementRuleAdmits(targetOrganization(org, coordinatorSlugs), facts)) {
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

  async function share(
    principal: Principal,
    id: string,
    organizations: readonly string[] | null | undefined,
    users: readonly string[] | null | undefined,
    routingTargets?: boolean | null,
  ): Promise<IncidentRow> {
    return db.transaction().execute(async (trx) => {
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
      const routingOrgIds = routingTargets ? await routingTargetShares(trx, row, 'routingTargets') : [];
      const addedOrgs = await addShares(trx, row.id, [...new Set([...orgs.map((o) => o.id), ...routingOrgIds])]);
      const addedUsers = await addRecipients(trx, row.id, us.filter((u) => u.id !== row.reporting_user_id).map((u) => u.id));
      if (addedOrgs.length === 0 && addedUsers.length === 0) return row;
      const updated = await updateIncidentRow(trx, row.id, {});
      const routingSlugs = routingOrgIds.length ? (await trx.selectFrom('organizations').select(['id', 'slug']).where('id', 'in', routingOrgIds).execute()) : [];
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

  async function setTlp(principal: Principal, id: string, tlp: Tlp, recipients: readonly string[] | null | undefined): Promise<IncidentRow> {
    return db.transaction().execute(async (trx) => {
      const { row, facts } = await lockVisible(trx, principal, id);
      const p = requireUser(principal);
      const from = row.tlp as Tlp;
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

  async function setLawEnforcementSensitive(principal: Principal, id: string, value: boolean): Promise<IncidentRow> {
    return db.transaction().execute(async (trx) => {
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

  return {
    get,
    getByReference,
    visibleAmong,
    list,
    duplicatesOf,
    timeline,
    file,
    update,
    transition,
    merge,
    comment,
    assign,
    share,
    setTlp,
    setLawEnforcementSensitive,
    /** Whether the incident is a statewide correlation of an indicator. */
    async isCorrelation(incidentId: string): Promise<boolean> {
      const r = await db.selectFrom('indicator_correlations').select('indicator_id').where('incident_id', '=', incidentId).executeTakeFirst();
      return r !== undefined;
    },
    /** For other modules' queries: the visibility filter of incidents. */
    visibleFilter: visibleIncidents,
  };
}
