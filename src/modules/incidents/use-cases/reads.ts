import { canSeeIncident, visibleIncidents, type IncidentAccessFacts } from '../../../access/incidents.js';
import type { Principal } from '../../../access/principal.js';
import { InputError } from '../../../errors.js';
import { decodeCursor, encodeCursor, type Page } from '../../../graphql/pagination.js';
import { SEVERITIES, type TimelineEntryKind } from '../../../domain/taxonomy.js';
import { recordAudit } from '../../audit/index.js';
import {
  countIncidents,
  countTimeline,
  findVisibleIncident,
  isCorrelationIncident,
  listDuplicates,
  listIncidents,
  listTimeline,
  listTimelineLinks,
  orderKeyOf,
  type Direction,
  type IncidentFilterBySlug,
  type IncidentListFilter,
  type IncidentOrderField,
  type IncidentProjection,
  type IncidentRow,
  type OrderKey,
  type TimelineRow,
} from '../incidents.repository.js';
import { resolveIncidentFilter } from '../filter.js';
import { isUuid } from '../incidents.validation.js';
import { visibleAmong as visibleAmongIn } from '../visibility.js';
import { isSensitive, type IncidentsDeps } from './deps.js';

/** Reads of incidents: one incident, lists, duplicates, timelines. */

export interface IncidentListArgs {
  filter: IncidentFilterBySlug & {
    occurredAfter?: Date | null;
    occurredBefore?: Date | null;
    updatedSince?: Date | null;
    text?: string | null;
  };
  first: number;
  after: string | null;
  order: { field: IncidentOrderField; direction: Direction };
  /** Read only these columns of each row (absent: the whole row with its audience); see IncidentProjection. */
  projection?: IncidentProjection | null;
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

/**
 * A visible incident or null (absent and invisible look the same, and take the same work: one statement
 * that returns the row only when visible, not a fetch then a check). Reads of RED/LES incidents are audited.
 */
export async function readIncident(deps: IncidentsDeps, principal: Principal, key: { id: string } | { reference: string }): Promise<IncidentRow | null> {
  const { db } = deps;
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

export async function getIncident(deps: IncidentsDeps, principal: Principal, id: string): Promise<IncidentRow | null> {
  if (!isUuid(id)) return null;
  return readIncident(deps, principal, { id });
}

export async function getIncidentByReference(deps: IncidentsDeps, principal: Principal, reference: string): Promise<IncidentRow | null> {
  return readIncident(deps, principal, { reference });
}

/** Visible incidents among `ids`, without auditing (links between objects, loaders): see visibility.ts. */
export function visibleAmong(deps: IncidentsDeps, principal: Principal, ids: readonly string[]): Promise<Map<string, IncidentRow>> {
  return visibleAmongIn(deps.db, principal, ids);
}

export async function listVisibleIncidents(
  deps: IncidentsDeps,
  principal: Principal,
  args: IncidentListArgs,
): Promise<Page<IncidentRow> & { facts: Map<string, IncidentAccessFacts> }> {
  const { db } = deps;
  const f = args.filter;
  if (f.text && f.text.length > 500) throw new InputError('filter.text', 'must be at most 500 characters');
  const filter: IncidentListFilter = {
    ...(await resolveIncidentFilter(db, f)),
    occurredAfter: f.occurredAfter,
    occurredBefore: f.occurredBefore,
    updatedSince: f.updatedSince,
    text: f.text?.trim() || null,
  };
  const after = args.after ? decodeCursor<OrderKey>(args.after, (v): v is OrderKey => isOrderKey(v, args.order.field)) : null;
  const visible = visibleIncidents(principal);
  const rows = await listIncidents(db, visible, filter, args.order, after, args.first + 1, { projection: args.projection ?? null });
  const nodes = rows.slice(0, args.first).map((r) => r.incident);
  let total: Promise<number> | null = null;
  return {
    nodes,
    // Read with the page: the resolvers' audience loader starts with them (one statement, not two). None
    // when the projection left the audience out (no field asked for it).
    facts: new Map(rows.flatMap((r) => (r.facts ? [[r.incident.id, r.facts] as const] : []))),
    cursors: nodes.map((n) => encodeCursor(orderKeyOf(n, args.order.field))),
    hasNextPage: rows.length > args.first,
    totalCount: () => (total ??= countIncidents(db, visible, filter)),
  };
}

export async function duplicatesOf(deps: IncidentsDeps, principal: Principal, incident: IncidentRow): Promise<IncidentRow[]> {
  return listDuplicates(deps.db, incident.id, visibleIncidents(principal));
}

/** Timeline entries of a visible incident; entries naming an incident the principal may not see are left out. */
export async function timelineOf(
  deps: IncidentsDeps,
  principal: Principal,
  incident: IncidentRow,
  opts: { commentsOnly: boolean; first: number; after: string | null },
): Promise<Page<TimelineRow>> {
  const { db } = deps;
  const kinds: TimelineEntryKind[] | undefined = opts.commentsOnly ? ['COMMENT'] : undefined;
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
    const visible = related.length ? await visibleAmongIn(db, principal, related) : new Map();
    for (const b of batch) if (b.related_incident_id === null || visible.has(b.related_incident_id)) collected.push(b);
  }
  const nodes = collected.slice(0, opts.first);
  return {
    nodes,
    cursors: nodes.map((n) => encodeCursor(n.public_id)),
    hasNextPage: collected.length > opts.first,
    totalCount: async () => {
      const all = await countTimeline(db, incident.id, kinds);
      const links = await listTimelineLinks(db, incident.id, kinds);
      if (links.length === 0) return all;
      const visible = await visibleAmongIn(db, principal, links);
      return all - links.filter((l) => !visible.has(l)).length;
    },
  };
}

/** Whether the incident is a statewide correlation of an indicator. */
export function isCorrelation(deps: IncidentsDeps, incidentId: string): Promise<boolean> {
  return isCorrelationIncident(deps.db, incidentId);
}
