import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import { applyFilter, perRow, type IncidentListFilter } from '../incidents/index.js';

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

// ── Indicator alerts ────────────────────────────────────────────────────────────────────────────────

/** The access policy's query forms the indicator catch-up needs, each over a table alias (built by the service). */
export interface IndicatorAlertVisibility {
  report(alias: string): Expression<SqlBool>;
  sighting(alias: string): Expression<SqlBool>;
  incident(alias: string): Expression<SqlBool>;
  indicator(alias: string): Expression<SqlBool>;
}

/** IndicatorAlertFilter with slugs resolved: the conditions of `matchesIndicatorAlertFilter` (indicator-alerts.ts). */
export interface IndicatorAlertQuery {
  /** Outbox topics to include (the kinds asked for). */
  topics: readonly string[];
  types: readonly string[] | null;
  confidenceAtLeast: number | null;
  tlp: readonly string[] | null;
  organizationId: string | null;
  linkedIncidentId: string | null;
  linkedToIncident: boolean | null;
  includeBenign: boolean;
}

/** An alert's place in the log: its row, and its position among the indicators the row names. */
export interface AlertPosition {
  logId: number;
  item: number;
}

/** One alert as the catch-up finds it: the log row, and which of its indicators. */
export interface IndicatorAlertLogRow extends EventLogRow {
  item: number;
  indicator_id: number;
}

/**
 * The alerts of the log after a position, one per (row, indicator): a report batch's row names many
 * indicators (payload.indicatorIds, item = index in that list), a sighting's or correlation's row one
 * (its aggregate). Each is joined to what it is about as it is now (the report of the row's organization,
 * the sighting, the statewide incident) and checked with the policy's query forms, exactly as the live
 * path checks the same objects with the in-memory forms at delivery.
 */
function indicatorAlertItems(v: IndicatorAlertVisibility, q: IndicatorAlertQuery, after: AlertPosition | null, perRowForm: boolean): RawBuilder<unknown> {
  // Row by row for a page (see perRow in incidents.repository.ts); hashed for a count.
  const check = (e: Expression<SqlBool>) => (perRowForm ? sql<SqlBool>`exists (select 1 where ${e} offset 0)` : e);
  const conds: Array<Expression<SqlBool>> = [
    sql<SqlBool>`o.topic = any(${[...q.topics]}::text[])`,
    check(sql<SqlBool>`(case o.topic
      when 'indicator.reported' then r.id is not null and ${v.report('r')}
      when 'indicator.sighted' then s.id is not null and ${v.sighting('s')}
      else c.id is not null and ${v.incident('c')} and ${v.indicator('i')} end)`),
  ];
  if (after) conds.push(sql<SqlBool>`o.id >= ${after.logId} and (o.id > ${after.logId} or x.item > ${after.item})`);
  if (!q.includeBenign) conds.push(sql<SqlBool>`i.benign_reason is null`);
  if (q.types) conds.push(sql<SqlBool>`i.type = any(${[...q.types]}::text[])`);
  if (q.tlp) conds.push(sql<SqlBool>`coalesce(r.tlp, s.tlp, c.tlp) = any(${[...q.tlp]}::text[])`);
  if (q.organizationId) conds.push(sql<SqlBool>`coalesce(r.organization_id, s.organization_id) = ${q.organizationId}::uuid`);
  if (q.confidenceAtLeast !== null) {
    conds.push(
      check(sql<SqlBool>`(case when o.topic = 'indicator.reported' then r.confidence >= ${q.confidenceAtLeast}
        else exists (select 1 from indicator_reports cr where cr.indicator_id = i.id and cr.confidence >= ${q.confidenceAtLeast} and ${v.report('cr')}) end)`),
    );
  }
  if (q.linkedIncidentId !== null) {
    const id = q.linkedIncidentId;
    conds.push(
      check(sql<SqlBool>`(exists (select 1 from incidents li where li.id = ${id}::uuid and ${v.incident('li')})
        and (exists (select 1 from indicator_reports lr where lr.indicator_id = i.id and lr.incident_id = ${id}::uuid and ${v.report('lr')})
          or exists (select 1 from indicator_correlations lc where lc.indicator_id = i.id and lc.incident_id = ${id}::uuid)))`),
    );
  }
  if (q.linkedToIncident !== null) {
    conds.push(
      check(sql<SqlBool>`((exists (select 1 from indicator_reports lr join incidents li on li.id = lr.incident_id
            where lr.indicator_id = i.id and ${v.report('lr')} and ${v.incident('li')})
          or exists (select 1 from indicator_correlations lc join incidents li on li.id = lc.incident_id
            where lc.indicator_id = i.id and ${v.incident('li')})) = ${q.linkedToIncident})`),
    );
  }
  // The CASEs keep each cast to the rows of its topic (an organization's id is not a number, …).
  return sql`
    from outbox o
    cross join lateral (
      select e.value::bigint as indicator_id, (e.ord - 1)::int as item
        from jsonb_array_elements_text(case when o.topic = 'indicator.reported' then o.payload->'indicatorIds' end) with ordinality as e(value, ord)
      union all
      select (case when o.topic <> 'indicator.reported' and o.aggregate_id ~ '^[0-9]{1,18}$' then o.aggregate_id::bigint end), 0
       where o.topic <> 'indicator.reported'
    ) x
    join indicators i on i.id = x.indicator_id
    left join indicator_reports r on o.topic = 'indicator.reported' and r.indicator_id = i.id
      and r.organization_id = (case when o.topic = 'indicator.reported' then o.aggregate_id::uuid end)
    left join sightings s on o.topic = 'indicator.sighted' and s.indicator_id = i.id
      and s.id = (case when o.topic = 'indicator.sighted' then (o.payload->>'sightingId')::bigint end)
    left join incidents c on o.topic = 'indicator.correlated' and c.id = (case when o.topic = 'indicator.correlated' then (o.payload->>'incidentId')::uuid end)
    where ${sql.join(conds, sql` and `)}`;
}

export async function listIndicatorAlerts(
  db: Handle,
  v: IndicatorAlertVisibility,
  q: IndicatorAlertQuery,
  after: AlertPosition | null,
  limit: number,
): Promise<IndicatorAlertLogRow[]> {
  if (q.topics.length === 0) return [];
  const { rows } = await sql<IndicatorAlertLogRow>`
    select o.id, o.topic, o.aggregate_type, o.aggregate_id, o.payload, o.created_at, x.item, x.indicator_id
    ${indicatorAlertItems(v, q, after, true)}
    order by o.id, x.item
    limit ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id), item: Number(r.item), indicator_id: Number(r.indicator_id) }));
}

export async function countIndicatorAlerts(db: Handle, v: IndicatorAlertVisibility, q: IndicatorAlertQuery, after: AlertPosition | null): Promise<number> {
  if (q.topics.length === 0) return 0;
  const { rows } = await sql<{ n: number }>`select count(*) as n ${indicatorAlertItems(v, q, after, false)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
