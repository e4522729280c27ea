import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import { applyFilter, perRow, type IncidentListFilter } from '../incidents/incidents.repository.js';

/**
 * The outbox read as the hub's event log: its id is the cursor (addOutboxEvent makes ids visible in
 * increasing order, so "after N" never skips a row that commits later).
 */

/** One log entry as the live bus and the catch-up read it: a position and ids, plus the change summary. */
export interface EventLogRow {
  id: number;
  topic: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

type Visible = (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>;

export interface IncidentEventQuery {
  /** Outbox topics to include (the kinds asked for). */
  topics: readonly string[];
  filter: IncidentListFilter;
  incidentId: string | null;
}

/** The last id of the log (0 when empty): where a live bus starts. */
export async function lastEventId(db: Handle): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

/** Log rows by id, in id order. */
export function findEventLogRows(db: Handle, ids: readonly number[]): Promise<EventLogRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('outbox')
    .select(['id', 'topic', 'aggregate_type', 'aggregate_id', 'payload', 'created_at'])
    .where('id', '=', sql<number>`any(${[...ids]}::bigint[])`)
    .orderBy('id')
    .execute();
}

/** Log rows after a position, of some topic families (`incident`, …), in id order (a live bus catching up after a gap). */
export function listEventLogAfter(db: Handle, afterId: number, families: readonly string[], limit: number): Promise<EventLogRow[]> {
  if (families.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('outbox')
    .select(['id', 'topic', 'aggregate_type', 'aggregate_id', 'payload', 'created_at'])
    .where(sql<string>`split_part(topic, '.', 1)`, 'in', [...families])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * The incident's events after a position, joined to the incident as it is now: the access policy's
 * query form and the incident filter apply to the incident's current state, exactly as the live path
 * applies `canSeeIncident` and the same filter in memory at delivery.
 */
function incidentEvents(db: Handle, visible: Visible, q: IncidentEventQuery, afterId: number | null) {
  // The CASE keeps the cast away from other aggregates' ids (an indicator's id is not a uuid).
  let query = db
    .selectFrom('outbox as o')
    .innerJoin('incidents', (join) => join.on(sql<SqlBool>`incidents.id = (case when o.aggregate_type = 'Incident' then o.aggregate_id::uuid end)`))
    .where('o.aggregate_type', '=', 'Incident')
    .where('o.topic', 'in', [...q.topics])
    .where(applyFilter(visible, q.filter) as never);
  if (afterId !== null) query = query.where('o.id', '>', afterId);
  if (q.incidentId !== null) query = query.where('o.aggregate_id', '=', q.incidentId);
  return query;
}

export function listIncidentEvents(db: Handle, visible: Visible, q: IncidentEventQuery, afterId: number | null, limit: number): Promise<EventLogRow[]> {
  if (q.topics.length === 0) return Promise.resolve([]);
  // Walks the log in id order and checks each row's incident: per-row form of the policy (see perRow).
  return incidentEvents(db, perRow(visible), q, afterId)
    .select(['o.id', 'o.topic', 'o.aggregate_type', 'o.aggregate_id', 'o.payload', 'o.created_at'])
    .orderBy('o.id')
    .limit(limit)
    .execute();
}

export async function countIncidentEvents(db: Handle, visible: Visible, q: IncidentEventQuery, afterId: number | null): Promise<number> {
  if (q.topics.length === 0) return 0;
  const r = await incidentEvents(db, visible, q, afterId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
