import { sql, type Expression, type RawBuilder, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { Database } from '../../infra/db-types.js';
import type { ReportAccessFacts, SightingAccessFacts } from '../../access/indicators.js';
import type { Handle } from '../../infra/handle.js';
import type { IncidentCategory, Tlp } from '../../domain/taxonomy.js';
import type { IndicatorType } from '../../domain/indicator-types.js';
import type { MatchVia } from './normalize.js';
import type { IndicatorReportsTable, IndicatorsTable, IndicatorsTables, SightingsTable } from './indicators.tables.js';
import { numberArray, textArray, timeArray } from '../../infra/pg-arrays.js';

export type IndicatorRow = Selectable<IndicatorsTable>;
export type IndicatorReportRow = Selectable<IndicatorReportsTable>;
export type SightingRow = Selectable<SightingsTable>;

/**
 * A re-report moves an indicator's last_seen forward only when it is at least this much later, so that
 * importing the same feed again within the hour rewrites no row (the same trade-off as the relatime mount
 * option: a coarser "last seen" for not turning reads of known data into millions of writes).
 */
export const LAST_SEEN_RESOLUTION = '1 hour';

/** Column arrays of one batch: entry i of each describes one distinct (type, value). */
export interface IndicatorBatch {
  types: string[];
  values: string[];
  benignReasons: Array<string | null>;
}

export interface ReportBatch {
  types: string[];
  values: string[];
  confidences: number[];
  validUntils: Array<Date | null>;
  descriptions: Array<string | null>;
  /**
   * Each value's own valid_from (a STIX import: every object says it). Without, the batch's one valid_from
   * applies to new reports and a live report keeps its own.
   */
  validFroms?: Date[];
}

/** A batch of values with what the organization says of each: the bulk import's unit of work. */
export type ValueBatch = IndicatorBatch & ReportBatch;

export interface ReportAttributes {
  organizationId: string;
  reportedBy: string | null;
  tlp: string;
  lawEnforcementSensitive: boolean;
}

// ---------------------------------------------------------------------------------------------------
// The bulk path: look first, then write only what is new or changed.
//
// INSERT … ON CONFLICT pays for its generality on every row: a speculative insertion (an extra WAL record
// and page write to confirm it) for a new row, and a row lock (a WAL record, a dirtied page) for an
// existing one even when its WHERE then declines the update. A bulk import is mostly one or the other:
// a new feed is nearly all new values, a re-import nearly all unchanged ones. So the import inserts new
// values with plain INSERTs (as cheap as COPY), probes the unique indexes (read-only) where values may be
// stored already, updates only rows that changed, and leaves the rest untouched: no write at all. Between
// the probe and the insert another import may store one of the same values; the insert then fails on the
// unique index, and the caller retries the batch with the ON CONFLICT statements below, which are correct
// under any concurrency. (ingest.ts decides which path a batch takes.)

/** What the probe found for a value of the batch that is already stored. */
export interface StoredValue {
  /** 0-based position in the batch. */
  index: number;
  indicatorId: number;
  /** Its warning-list reason differs, or last_seen would move forward by at least LAST_SEEN_RESOLUTION. */
  indicatorStale: boolean;
  /** The organization's report of it, if any. */
  reportId: number | null;
  /** That report says something else than this batch (or was revoked). */
  reportStale: boolean;
}

/** The stored state of the batch's values: one unique-index probe per value, per table. Reads only. */
export async function probeBatch(
  trx: Handle,
  batch: ValueBatch,
  report: ReportAttributes,
  seenAt: Date,
): Promise<StoredValue[]> {
  const { rows } = await sql<{ ord: string; id: number; indicator_stale: boolean; report_id: number | null; report_stale: boolean }>`
    select x.ord, i.id,
           (i.last_seen <= ${seenAt}::timestamptz - ${LAST_SEEN_RESOLUTION}::interval or i.benign_reason is distinct from x.benign_reason) as indicator_stale,
           r.id as report_id,
           (r.id is not null and (r.revoked_at is not null
             or (r.tlp, r.law_enforcement_sensitive, r.confidence, r.valid_until, r.description)
                is distinct from (${report.tlp}::text, ${report.lawEnforcementSensitive}::boolean, x.confidence, x.valid_until, x.description)
             or (${report.reportedBy}::uuid is not null and r.reported_by is distinct from ${report.reportedBy}::uuid))) as report_stale
    from unnest(${textArray(batch.types)}::text[], ${textArray(batch.values)}::text[], ${textArray(batch.benignReasons)}::text[], ${numberArray(batch.confidences)}::int2[],
                ${timeArray(batch.validUntils)}::timestamptz[], ${textArray(batch.descriptions)}::text[])
      with ordinality as x(type, value, benign_reason, confidence, valid_until, description, ord)
    -- LATERAL with LIMIT cannot be flattened into a join, which the planner would make a hash join
    -- scanning the whole table once per batch (quadratic over an import): one index probe per value.
    cross join lateral (
      select id, last_seen, benign_reason from indicators where type = x.type and value = x.value limit 1
    ) i
    left join lateral (
      select id, revoked_at, tlp, law_enforcement_sensitive, confidence, valid_until, description, reported_by
      from indicator_reports where indicator_id = i.id and organization_id = ${report.organizationId}::uuid limit 1
    ) r on true`.execute(trx);
  return rows.map((r) => ({
    index: Number(r.ord) - 1,
    indicatorId: r.id,
    indicatorStale: r.indicator_stale,
    reportId: r.report_id,
    reportStale: r.report_stale,
  }));
}

/**
 * Inserts values the probe did not find, each with the organization's report, in one statement of plain
 * INSERTs. Ids are drawn up front so that each report names its indicator without a lookup. Throws a
 * unique violation (23505) when a concurrent writer stored one of the values since the probe.
 *
 * `alongside`: another data-modifying statement run as part of this one (a CTE), for a caller that records
 * something with the values (the STIX import, the ids they came with): one statement is one transaction
 * and one round trip, where BEGIN, two statements and COMMIT are four, each waiting on a busy importer.
 */
export async function insertNewValues(trx: Handle, batch: ValueBatch, report: ReportAttributes, seenAt: Date, alongside?: RawBuilder<unknown>): Promise<number> {
  if (batch.types.length === 0) return 0;
  const own = batch.validFroms !== undefined;
  const result = await sql`
    with x as materialized (
      select nextval('indicators_id_seq'::regclass) as id, t.*
      from unnest(${textArray(batch.types)}::text[], ${textArray(batch.values)}::text[], ${textArray(batch.benignReasons)}::text[], ${numberArray(batch.confidences)}::int2[],
                  ${timeArray(batch.validUntils)}::timestamptz[], ${textArray(batch.descriptions)}::text[]${own ? sql`, ${timeArray(batch.validFroms!)}::timestamptz[]` : sql``})
        as t(type, value, benign_reason, confidence, valid_until, description${own ? sql`, valid_from` : sql``})
    ),
    indicator as (
      insert into indicators (id, type, value, benign_reason, first_seen, last_seen)
      select id, type, value, benign_reason, ${seenAt}, ${seenAt} from x
    )${alongside ? sql`, alongside as (${alongside})` : sql``}
    insert into indicator_reports
      (indicator_id, organization_id, reported_by, tlp, law_enforcement_sensitive, confidence, valid_from, valid_until, description)
    select id, ${report.organizationId}::uuid, ${report.reportedBy}::uuid, ${report.tlp}, ${report.lawEnforcementSensitive}, confidence, ${own ? sql`valid_from` : sql`${seenAt}`}, valid_until, description
    from x`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/** Moves last_seen forward and refreshes the warning-list reason of stored indicators, where still needed. */
export async function refreshIndicators(trx: Handle, ids: number[], benignReasons: Array<string | null>, seenAt: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await sql`
    update indicators as i
    set last_seen = greatest(i.last_seen, ${seenAt}), benign_reason = u.benign_reason
    from unnest(${numberArray(ids)}::int8[], ${textArray(benignReasons)}::text[]) as u(id, benign_reason)
    where i.id = u.id
      and (i.last_seen <= ${seenAt}::timestamptz - ${LAST_SEEN_RESOLUTION}::interval or i.benign_reason is distinct from u.benign_reason)`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/** The organization's first report of stored indicators. Throws 23505 if a concurrent import added one. */
export async function insertReports(
  trx: Handle,
  indicatorIds: number[],
  batch: Pick<ReportBatch, 'confidences' | 'validUntils' | 'descriptions'>,
  report: ReportAttributes,
  validFrom: Date,
): Promise<number> {
  if (indicatorIds.length === 0) return 0;
  const result = await sql`
    insert into indicator_reports
      (indicator_id, organization_id, reported_by, tlp, law_enforcement_sensitive, confidence, valid_from, valid_until, description)
    select id, ${report.organizationId}::uuid, ${report.reportedBy}::uuid, ${report.tlp}, ${report.lawEnforcementSensitive}, confidence, ${validFrom}, valid_until, description
    from unnest(${numberArray(indicatorIds)}::int8[], ${numberArray(batch.confidences)}::int2[], ${timeArray(batch.validUntils)}::timestamptz[], ${textArray(batch.descriptions)}::text[])
      as t(id, confidence, valid_until, description)`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Rewrites the organization's reports that say something else now (the same rule as upsertReports:
 * a revoked report reported again starts a new validity period).
 */
export async function updateReports(
  trx: Handle,
  reportIds: number[],
  batch: Pick<ReportBatch, 'confidences' | 'validUntils' | 'descriptions'>,
  report: ReportAttributes,
  validFrom: Date,
): Promise<number> {
  if (reportIds.length === 0) return 0;
  const result = await sql`
    update indicator_reports as r
    set reported_by = coalesce(${report.reportedBy}::uuid, r.reported_by),
        tlp = ${report.tlp},
        law_enforcement_sensitive = ${report.lawEnforcementSensitive},
        confidence = u.confidence,
        valid_from = case when r.revoked_at is null then r.valid_from else ${validFrom} end,
        valid_until = u.valid_until,
        description = u.description,
        revoked_at = null,
        updated_at = now()
    from unnest(${numberArray(reportIds)}::int8[], ${numberArray(batch.confidences)}::int2[], ${timeArray(batch.validUntils)}::timestamptz[], ${textArray(batch.descriptions)}::text[])
      as u(id, confidence, valid_until, description)
    where r.id = u.id
      and (r.revoked_at is not null
        or (r.tlp, r.law_enforcement_sensitive, r.confidence, r.valid_until, r.description)
           is distinct from (${report.tlp}::text, ${report.lawEnforcementSensitive}::boolean, u.confidence, u.valid_until, u.description)
        or (${report.reportedBy}::uuid is not null and r.reported_by is distinct from ${report.reportedBy}::uuid))`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------------------------------------------
// The general path: correct under any concurrency, one statement per table.

/**
 * Inserts the batch's indicators, or updates an existing one only when something changed: its warning-list
 * reason, or last_seen moving forward by at least LAST_SEEN_RESOLUTION. An unchanged row gets no new
 * version (ON CONFLICT still locks it). Pass the batch sorted by (type, value): concurrent writers then take
 * row locks in one order and cannot deadlock.
 */
export async function upsertIndicators(trx: Handle, batch: IndicatorBatch, seenAt: Date): Promise<{ inserted: number; updated: number }> {
  const { rows } = await sql<{ inserted: number; updated: number }>`
    with written as (
      insert into indicators as i (type, value, benign_reason, first_seen, last_seen)
      select t.type, t.value, t.benign_reason, ${seenAt}, ${seenAt}
      from unnest(${textArray(batch.types)}::text[], ${textArray(batch.values)}::text[], ${textArray(batch.benignReasons)}::text[]) as t(type, value, benign_reason)
      on conflict (type, value) do update
        set last_seen = greatest(i.last_seen, excluded.last_seen),
            benign_reason = excluded.benign_reason
        where i.last_seen <= excluded.last_seen - ${LAST_SEEN_RESOLUTION}::interval
           or i.benign_reason is distinct from excluded.benign_reason
      returning (xmax = 0) as inserted
    )
    select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from written`.execute(trx);
  return rows[0]!;
}

/**
 * Upserts the organization's report of each indicator in the batch (which must already exist: call after
 * upsertIndicators in the same transaction). A report is rewritten only when what it says changed (TLP, LES,
 * confidence, validity, description, reporting user) or it had been revoked; re-reporting a revoked
 * indicator starts a new validity period. `known` counts the indicators that existed before `importStartedAt`.
 */
export async function upsertReports(
  trx: Handle,
  batch: ReportBatch,
  report: ReportAttributes,
  validFrom: Date,
  importStartedAt: Date,
): Promise<{ known: number; inserted: number; updated: number; matched: number }> {
  const own = batch.validFroms !== undefined;
  const { rows } = await sql<{ known: number; inserted: number; updated: number; matched: number }>`
    with input as (
      select i.id, i.first_seen < ${importStartedAt} as known, x.confidence, x.valid_until, x.description${own ? sql`, x.valid_from` : sql``}
      from unnest(${textArray(batch.types)}::text[], ${textArray(batch.values)}::text[], ${numberArray(batch.confidences)}::int2[], ${timeArray(batch.validUntils)}::timestamptz[], ${textArray(batch.descriptions)}::text[]${own ? sql`, ${timeArray(batch.validFroms!)}::timestamptz[]` : sql``})
        as x(type, value, confidence, valid_until, description${own ? sql`, valid_from` : sql``})
      -- One unique-index probe per value (see probeBatch).
      cross join lateral (select id, first_seen from indicators where type = x.type and value = x.value limit 1) i
    ),
    written as (
      insert into indicator_reports as r
        (indicator_id, organization_id, reported_by, tlp, law_enforcement_sensitive, confidence, valid_from, valid_until, description)
      select id, ${report.organizationId}::uuid, ${report.reportedBy}::uuid, ${report.tlp}, ${report.lawEnforcementSensitive}, confidence, ${own ? sql`valid_from` : sql`${validFrom}`}, valid_until, description
      from input -- in the batch's (type, value) order: concurrent imports lock rows in one order
      on conflict (indicator_id, organization_id) do update
        set reported_by = coalesce(excluded.reported_by, r.reported_by),
            tlp = excluded.tlp,
            law_enforcement_sensitive = excluded.law_enforcement_sensitive,
            confidence = excluded.confidence,
            valid_from = ${own ? sql`excluded.valid_from` : sql`case when r.revoked_at is null then r.valid_from else excluded.valid_from end`},
            valid_until = excluded.valid_until,
            description = excluded.description,
            revoked_at = null,
            updated_at = now()
        where r.revoked_at is not null
           or (r.tlp, r.law_enforcement_sensitive, r.confidence, r.valid_until, r.description)
              is distinct from (excluded.tlp, excluded.law_enforcement_sensitive, excluded.confidence, excluded.valid_until, excluded.description)
           or (excluded.reported_by is not null and r.reported_by is distinct from excluded.reported_by)
           ${own ? sql`or r.valid_from is distinct from excluded.valid_from` : sql``}
      returning (xmax = 0) as inserted
    )
    select (select count(*) from input where known)::int as known,
           (select count(*) from input)::int as matched,
           count(*) filter (where inserted)::int as inserted,
           count(*) filter (where not inserted)::int as updated
    from written`.execute(trx);
  return rows[0]!;
}

export function findIndicator(db: Handle, type: IndicatorType, value: string): Promise<IndicatorRow | undefined> {
  return db.selectFrom('indicators').selectAll().where('type', '=', type).where('value', '=', value).executeTakeFirst();
}

export function listReportsOf(db: Handle, indicatorId: number): Promise<IndicatorReportRow[]> {
  return db.selectFrom('indicator_reports').selectAll().where('indicator_id', '=', indicatorId).orderBy('id').execute();
}

/** The database's clock, to the millisecond (times pass through JavaScript Dates). */
export async function databaseNow(db: Handle): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select date_trunc('milliseconds', now()) as now`.execute(db);
  return rows[0]!.now;
}

// ---------------------------------------------------------------------------------------------------
// Reads by id, in batches (live alerts read each event once per process, for every subscriber).

export function findIndicatorsByIds(db: Handle, ids: readonly number[]): Promise<IndicatorRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('indicators').selectAll().where('id', '=', sql<number>`any(${[...ids]}::bigint[])`).execute();
}

/** Every report of the indicators, revoked ones included (the policy decides what they show). */
export function listReportsOfIndicators(db: Handle, indicatorIds: readonly number[]): Promise<IndicatorReportRow[]> {
  if (indicatorIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('indicator_reports').selectAll().where('indicator_id', '=', sql<number>`any(${[...indicatorIds]}::bigint[])`).orderBy('id').execute();
}

export function findSightingsByIds(db: Handle, ids: readonly number[]): Promise<SightingRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('sightings').selectAll().where('id', '=', sql<number>`any(${[...ids]}::bigint[])`).execute();
}

/** The statewide incidents opened for the indicators (indicator id → incident id). */
export async function findCorrelationsOf(db: Handle, indicatorIds: readonly number[]): Promise<Map<number, string>> {
  if (indicatorIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('indicator_correlations')
    .select(['indicator_id', 'incident_id'])
    .where('indicator_id', '=', sql<number>`any(${[...indicatorIds]}::bigint[])`)
    .execute();
  return new Map(rows.map((r) => [r.indicator_id, r.incident_id]));
}

/** The access facts of reports (their TLP, LES flag, shares and RED recipients) in one round trip. */
export async function loadReportAccessFacts(db: Handle, reports: readonly IndicatorReportRow[]): Promise<Map<number, ReportAccessFacts>> {
  const facts = new Map<number, ReportAccessFacts & { sharedOrganizationIds: string[]; recipientUserIds: string[] }>();
  for (const r of reports) {
    facts.set(r.id, {
      tlp: r.tlp,
      lawEnforcementSensitive: r.law_enforcement_sensitive,
      organizationId: r.organization_id,
      reportedBy: r.reported_by,
      sharedOrganizationIds: [],
      recipientUserIds: [],
      revoked: r.revoked_at !== null,
    });
  }
  const ids = reports.map((r) => r.id);
  if (ids.length === 0) return facts;
  const rows = await db
    .selectFrom('indicator_report_shares')
    .select([sql.lit('share').as('kind'), 'report_id', 'organization_id as other_id'])
    .where('report_id', '=', sql<number>`any(${ids}::bigint[])`)
    .unionAll((eb) =>
      eb
        .selectFrom('indicator_report_recipients')
        .select([sql.lit('recipient').as('kind'), 'report_id', 'user_id as other_id'])
        .where('report_id', '=', sql<number>`any(${ids}::bigint[])`),
    )
    .execute();
  for (const r of rows) {
    const f = facts.get(Number(r.report_id));
    if (!f) continue;
    if (r.kind === 'share') f.sharedOrganizationIds.push(r.other_id);
    else f.recipientUserIds.push(r.other_id);
  }
  return facts;
}

export function sightingAccessFacts(s: Pick<SightingRow, 'tlp' | 'organization_id' | 'reported_by'>): SightingAccessFacts {
  return { tlp: s.tlp, organizationId: s.organization_id, reportedBy: s.reported_by };
}

/**
 * The distinct access facts of the indicators' sightings: what decides whether a sighting makes the
 * indicator visible, without reading every sighting of a value seen thousands of times.
 */
export async function listSightingAccessFacts(db: Handle, indicatorIds: readonly number[]): Promise<Map<number, SightingAccessFacts[]>> {
  const out = new Map<number, SightingAccessFacts[]>();
  if (indicatorIds.length === 0) return out;
  const rows = await db
    .selectFrom('sightings')
    .select(['indicator_id', 'tlp', 'organization_id', 'reported_by'])
    .distinct()
    .where('indicator_id', '=', sql<number>`any(${[...indicatorIds]}::bigint[])`)
    .execute();
  for (const r of rows) {
    const list = out.get(r.indicator_id) ?? [];
    list.push(sightingAccessFacts(r));
    out.set(r.indicator_id, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Reads and writes of the API's use cases (use-cases/), under the access policy's query forms: the caller
// hands them in (src/access/indicators.ts), so that this file holds the SQL and the policy its rule.

/** The query form of "P may see this row", for one alias. */
export type RowFilter = () => Expression<SqlBool>;

/** The policy's query forms for one principal: indicators, reports and sightings under any alias. */
export interface IndicatorVisibility {
  indicators: (alias?: string) => RowFilter;
  reports: (alias?: string) => RowFilter;
  sightings: (alias?: string) => RowFilter;
}

const keyIn = (types: readonly string[], values: readonly string[]) =>
  sql<boolean>`(type, value) in (select * from unnest(${[...types]}::text[], ${[...values]}::text[]))`;

/** The (type, value) keys among these that the filter lets through. */
export function findVisibleKeys(db: Handle, visible: RowFilter, types: readonly string[], values: readonly string[]): Promise<Array<{ type: string; value: string }>> {
  return db.selectFrom('indicators').select(['type', 'value']).where(keyIn(types, values)).where(visible).execute();
}

export function findIndicatorsByKeys(db: Handle, types: readonly string[], values: readonly string[]): Promise<IndicatorRow[]> {
  return db.selectFrom('indicators').selectAll().where(keyIn(types, values)).execute();
}

/** The organization's reports of these indicators (one per indicator and organization). */
export function findReportIdsOf(db: Handle, organizationId: string, indicatorIds: readonly number[]): Promise<Array<{ id: number; indicator_id: number }>> {
  return db.selectFrom('indicator_reports').select(['id', 'indicator_id']).where('organization_id', '=', organizationId).where('indicator_id', 'in', [...indicatorIds]).execute();
}

/** Names the incident a report is about, as part of reporting it (the report's upsert set updated_at). */
export async function attachReportToIncident(trx: Handle, reportId: number, incidentId: string): Promise<void> {
  await trx.updateTable('indicator_reports').set({ incident_id: incidentId }).where('id', '=', reportId).execute();
}

export async function addReportShares(trx: Handle, reportId: number, organizationIds: readonly string[]): Promise<void> {
  if (organizationIds.length === 0) return;
  await trx.insertInto('indicator_report_shares').values(organizationIds.map((o) => ({ report_id: reportId, organization_id: o }))).onConflict((oc) => oc.doNothing()).execute();
}

export async function addReportRecipients(trx: Handle, reportId: number, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await trx.insertInto('indicator_report_recipients').values(userIds.map((u) => ({ report_id: reportId, user_id: u }))).onConflict((oc) => oc.doNothing()).execute();
}

export function insertSighting(trx: Handle, values: Insertable<SightingsTable>): Promise<SightingRow> {
  return trx.insertInto('sightings').values(values).returningAll().executeTakeFirstOrThrow();
}

/** The organization's live (unrevoked) report of the value, locked for a change. */
export function lockLiveReportOf(trx: Handle, organizationId: string, type: IndicatorType, value: string): Promise<IndicatorReportRow | undefined> {
  return trx
    .selectFrom('indicator_reports as r')
    .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
    .selectAll('r')
    .where('i.type', '=', type)
    .where('i.value', '=', value)
    .where('r.organization_id', '=', organizationId)
    .where('r.revoked_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

/** Links a report to an incident after the fact (a change of the report: updated_at moves). */
export function setReportIncident(trx: Handle, reportId: number, incidentId: string): Promise<IndicatorReportRow> {
  return trx.updateTable('indicator_reports').set({ incident_id: incidentId, updated_at: new Date() }).where('id', '=', reportId).returningAll().executeTakeFirstOrThrow();
}

/** A report the filter lets through, locked for a change. */
export function lockVisibleReport(trx: Handle, visible: RowFilter, reportId: number): Promise<IndicatorReportRow | undefined> {
  return trx.selectFrom('indicator_reports').selectAll().where('id', '=', reportId).where(visible).forUpdate().executeTakeFirst();
}

export function revokeReportRow(trx: Handle, reportId: number): Promise<IndicatorReportRow> {
  return trx.updateTable('indicator_reports').set({ revoked_at: new Date(), updated_at: new Date() }).where('id', '=', reportId).returningAll().executeTakeFirstOrThrow();
}

export function findVisibleIndicator(db: Handle, visible: RowFilter, type: IndicatorType, value: string): Promise<IndicatorRow | undefined> {
  return db.selectFrom('indicators').selectAll().where('type', '=', type).where('value', '=', value).where(visible).executeTakeFirst();
}

export function findVisibleIndicatorById(db: Handle, visible: RowFilter, id: number): Promise<IndicatorRow | undefined> {
  return db.selectFrom('indicators').selectAll().where('id', '=', id).where(visible).executeTakeFirst();
}

export async function findVisibleIndicatorIds(db: Handle, visible: RowFilter, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('indicators').select('id').where('id', 'in', [...ids]).where(visible).execute();
  return new Set(rows.map((r) => r.id));
}

export interface IndicatorListQuery {
  types?: readonly IndicatorType[] | null;
  includeBenign?: boolean | null;
  text?: string | null;
  /** Slug of an organization with a visible report of the indicator. */
  reportedBy?: string | null;
  seenSince?: Date | null;
  /** An incident (already checked visible: otherwise the nil UUID) linked through a visible report or a correlation. */
  linkedIncidentId?: string | null;
}

/** A page of visible indicators, newest first, and their count (counted only when asked). */
export async function listVisibleIndicators(
  db: Handle,
  vis: IndicatorVisibility,
  f: IndicatorListQuery,
  first: number,
  afterId: number | null,
): Promise<{ rows: IndicatorRow[]; count: () => Promise<number> }> {
  const build = () => {
    let q = db.selectFrom('indicators').where(vis.indicators());
    if (f.types?.length) q = q.where('indicators.type', 'in', [...f.types]);
    if (!f.includeBenign) q = q.where('indicators.benign_reason', 'is', null);
    if (f.text) q = q.where('indicators.value', 'like', `%${f.text.replace(/[\\%_]/g, (c) => '\\' + c).toLowerCase()}%`);
    if (f.reportedBy) {
      const slug = f.reportedBy;
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('indicator_reports as fr')
            .innerJoin('organizations as fo', 'fo.id', 'fr.organization_id')
            .select(sql`1`.as('one'))
            .whereRef('fr.indicator_id', '=', 'indicators.id')
            .where('fo.slug', '=', slug)
            .where(vis.reports('fr')),
        ),
      );
    }
    if (f.seenSince) {
      const since = f.seenSince;
      q = q.where(({ or, exists, selectFrom }) =>
        or([
          exists(selectFrom('sightings as fs').select(sql`1`.as('one')).whereRef('fs.indicator_id', '=', 'indicators.id').where('fs.seen_at', '>=', since).where(vis.sightings('fs'))),
          exists(selectFrom('indicator_reports as fr2').select(sql`1`.as('one')).whereRef('fr2.indicator_id', '=', 'indicators.id').where('fr2.updated_at', '>=', since).where(vis.reports('fr2'))),
        ]),
      );
    }
    if (f.linkedIncidentId) {
      const incidentId = f.linkedIncidentId;
      q = q.where(({ or, exists, selectFrom }) =>
        or([
          exists(
            selectFrom('indicator_reports as fr3')
              .select(sql`1`.as('one'))
              .whereRef('fr3.indicator_id', '=', 'indicators.id')
              .where('fr3.incident_id', '=', incidentId)
              .where(vis.reports('fr3')),
          ),
          // The indicator a statewide incident was correlated from (itself visible: the outer filter).
          exists(selectFrom('indicator_correlations as fc').select(sql`1`.as('one')).whereRef('fc.indicator_id', '=', 'indicators.id').where('fc.incident_id', '=', incidentId)),
        ]),
      );
    }
    return q;
  };
  let rowsQ = build().selectAll('indicators').orderBy('indicators.id', 'desc').limit(first + 1);
  if (afterId !== null) rowsQ = rowsQ.where('indicators.id', '<', afterId);
  return {
    rows: await rowsQ.execute(),
    count: async () => Number((await build().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
  };
}

export function listVisibleReportsOf(db: Handle, visible: RowFilter, indicatorId: number): Promise<IndicatorReportRow[]> {
  return db.selectFrom('indicator_reports').selectAll().where('indicator_id', '=', indicatorId).where(visible).orderBy('updated_at', 'desc').execute();
}

/**
 * The live reports linked to an incident that the filter lets through, each with its indicator's type and
 * value: one statement on the incident index (an export reads an incident's indicators this way, not
 * indicator by indicator).
 */
export function listVisibleReportsLinkedTo(
  db: Handle,
  visible: RowFilter,
  incidentId: string,
): Promise<Array<IndicatorReportRow & { indicator_type: IndicatorType; indicator_value: string }>> {
  return db
    .selectFrom('indicator_reports')
    .innerJoin('indicators', 'indicators.id', 'indicator_reports.indicator_id')
    .selectAll('indicator_reports')
    .select(['indicators.type as indicator_type', 'indicators.value as indicator_value'])
    .where('indicator_reports.incident_id', '=', incidentId)
    .where('indicator_reports.revoked_at', 'is', null)
    .where(visible)
    .orderBy('indicator_reports.indicator_id')
    .orderBy('indicator_reports.id')
    .execute();
}

export function listVisibleSightingsOf(db: Handle, visible: RowFilter, indicatorId: number, since: Date | null): Promise<SightingRow[]> {
  let q = db.selectFrom('sightings').selectAll().where('indicator_id', '=', indicatorId).where(visible);
  if (since) q = q.where('seen_at', '>=', since);
  return q.orderBy('seen_at', 'desc').limit(500).execute();
}

/** Counts of every sighting of the indicator (since a time), and of the organizations that made them. */
export async function countSightings(db: Handle, indicatorId: number, since: Date | null): Promise<{ sightings: number; organizations: number }> {
  let q = db
    .selectFrom('sightings')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('count'), sql<number>`0`).as('n'), eb.fn.count<number>('organization_id').distinct().as('orgs')])
    .where('indicator_id', '=', indicatorId);
  if (since) q = q.where('seen_at', '>=', since);
  const r = await q.executeTakeFirstOrThrow();
  return { sightings: Number(r.n), organizations: Number(r.orgs) };
}

/** Distinct counties with a sighting of the indicator (since a time): a number, whatever the sightings' labels. */
export async function countSightingCounties(db: Handle, indicatorId: number, since: Date | null): Promise<number> {
  let q = db
    .selectFrom('sightings')
    .innerJoin('organizations', 'organizations.id', 'sightings.organization_id')
    .select((eb) => eb.fn.count<number>('sightings.organization_id').distinct().as('n'))
    .where('sightings.indicator_id', '=', indicatorId)
    .where('organizations.kind', '=', 'COUNTY');
  if (since) q = q.where('sightings.seen_at', '>=', since);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** First and last seen, from the reports and sightings the filters let through. */
export async function seenRangeOf(db: Handle, vis: Pick<IndicatorVisibility, 'reports' | 'sightings'>, indicatorId: number): Promise<{ first: Date | null; last: Date | null }> {
  const { rows } = await sql<{ first: Date | null; last: Date | null }>`
    select min(t) as first, max(u) as last from (
      select r.valid_from as t, greatest(r.valid_from, r.updated_at) as u from indicator_reports r where r.indicator_id = ${indicatorId} and ${vis.reports('r')()}
      union all
      select s.seen_at, s.seen_at from sightings s where s.indicator_id = ${indicatorId} and ${vis.sightings('s')()}) x`.execute(db);
  return rows[0] ?? { first: null, last: null };
}

/** Incidents named by the reports the filter lets through, and the incident correlated from the indicator. */
export async function linkedIncidentIdsOf(db: Handle, visibleReports: RowFilter, indicatorId: number): Promise<string[]> {
  const viaReports = await db
    .selectFrom('indicator_reports')
    .select('incident_id')
    .distinct()
    .where('indicator_id', '=', indicatorId)
    .where('incident_id', 'is not', null)
    .where(visibleReports)
    .execute();
  const viaCorrelation = await db.selectFrom('indicator_correlations').select('incident_id').where('indicator_id', '=', indicatorId).execute();
  return [...new Set([...viaReports.map((r) => r.incident_id!), ...viaCorrelation.map((c) => c.incident_id)])];
}

/**
 * The matching SQL: exact (type, value) probes (each saying which rule it stands for, see observableOf) and
 * GiST containment for addresses, filtered by visibility.
 * Both arms probe an index once per observable (LATERAL): the containment arm must not be planned as a join
 * filter over every reported network (the planner guesses 1% of the observables are addresses and would
 * compare each address with each network: seconds at 10,000 observables and thousands of networks).
 */
export async function matchQuery(
  db: Handle,
  vis: Pick<IndicatorVisibility, 'reports' | 'sightings'>,
  idx: readonly number[],
  types: readonly string[],
  values: readonly string[],
  includeExpired: boolean,
  vias: readonly string[] = idx.map(() => 'EXACT'),
): Promise<Array<{ i: number; indicator_id: number; via: MatchVia }>> {
  const usable = sql`exists (select 1 from indicator_reports mr where mr.indicator_id = ind.id
      and (${includeExpired} or mr.valid_until is null or mr.valid_until > now())
      and ${vis.reports('mr')()})
    or exists (select 1 from sightings ms where ms.indicator_id = ind.id and ${vis.sightings('ms')()})`;
  const { rows } = await sql<{ i: number; indicator_id: number; via: MatchVia }>`
    with obs as (select * from unnest(${[...idx]}::int[], ${[...types]}::text[], ${[...values]}::text[], ${[...vias]}::text[]) as o(i, type, value, via))
    select o.i, ind.id as indicator_id, o.via
      from obs o cross join lateral (select id from indicators where type = o.type and value = o.value limit 1) ind
     where ${usable}
    union all
    select o.i, ind.id, 'CIDR'
      from obs o cross join lateral (select id from indicators
             where type = 'CIDR' and net is not null and net >>= (case when o.type in ('IPV4', 'IPV6') then o.value::inet end)) ind
     where o.type in ('IPV4', 'IPV6') and (${usable})
    order by 1, 3`.execute(db);
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// Cross-county correlation (correlation.ts): the statewide incident of an indicator.

export type CorrelationRow = Selectable<IndicatorsTables['indicator_correlations']>;

/**
 * Distinct counties that reported or sighted the indicator since `since`, counting only reports and
 * sightings under the given labels (and never law-enforcement-sensitive reports).
 */
export async function countiesReportingSince(db: Handle, indicatorId: number, since: Date, countedTlps: readonly Tlp[]): Promise<string[]> {
  const { rows } = await sql<{ organization_id: string }>`
    select r.organization_id from indicator_reports r join organizations o on o.id = r.organization_id and o.kind = 'COUNTY'
     where r.indicator_id = ${indicatorId} and r.revoked_at is null and r.updated_at >= ${since}
       and r.tlp = any(${countedTlps}::text[]) and not r.law_enforcement_sensitive
    union
    select s.organization_id from sightings s join organizations o on o.id = s.organization_id and o.kind = 'COUNTY'
     where s.indicator_id = ${indicatorId} and s.seen_at >= ${since} and s.tlp = any(${countedTlps}::text[])`.execute(db);
  return rows.map((r) => r.organization_id);
}

/**
 * The indicator's correlation row, locked, after taking the indicator's correlation lock: one statewide
 * incident per indicator, even when counties report it at the same moment.
 */
export async function lockCorrelation(trx: Handle, indicatorId: number): Promise<CorrelationRow | undefined> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${'correlate:' + indicatorId}, 0))`.execute(trx);
  return trx.selectFrom('indicator_correlations').selectAll().where('indicator_id', '=', indicatorId).forUpdate().executeTakeFirst();
}

export async function insertCorrelation(trx: Handle, indicatorId: number, incidentId: string, countyIds: readonly string[]): Promise<void> {
  await trx.insertInto('indicator_correlations').values({ indicator_id: indicatorId, incident_id: incidentId, county_ids: [...countyIds] }).execute();
}

export async function setCorrelationCounties(trx: Handle, indicatorId: number, countyIds: readonly string[]): Promise<void> {
  await trx.updateTable('indicator_correlations').set({ county_ids: [...countyIds], updated_at: new Date() }).where('indicator_id', '=', indicatorId).execute();
}

export function findCorrelationOfIncident(db: Handle, incidentId: string): Promise<Pick<CorrelationRow, 'indicator_id' | 'county_ids'> | undefined> {
  return db.selectFrom('indicator_correlations').select(['indicator_id', 'county_ids']).where('incident_id', '=', incidentId).executeTakeFirst();
}

/**
 * The most frequent category of the incidents the indicator's live reports are linked to, counting only
 * reports and incidents under the given labels and not law-enforcement sensitive; undefined when none.
 */
export async function dominantLinkedCategory(db: Handle, indicatorId: number, reportTlps: readonly Tlp[], incidentTlps: readonly Tlp[]): Promise<IncidentCategory | undefined> {
  const linked = await db
    .selectFrom('indicator_reports as r')
    .innerJoin('incidents as i', 'i.id', 'r.incident_id')
    .select(['i.category'])
    .where('r.indicator_id', '=', indicatorId)
    .where('r.revoked_at', 'is', null)
    .where('r.tlp', 'in', [...reportTlps])
    .where('r.law_enforcement_sensitive', '=', false)
    .where('i.tlp', 'in', [...incidentTlps])
    .where('i.law_enforcement_sensitive', '=', false)
    .groupBy('i.category')
    .orderBy(sql`count(*)`, 'desc')
    .limit(1)
    .executeTakeFirst();
  return linked?.category;
}

/**
 * The statewide correlations opened or widened since `since`, newest first, whose incident passes
 * `visible` (the incidents policy's query form, on `incidents`): a hidden one takes no place in the limit.
 */
export async function listRecentCorrelations(
  db: Handle,
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  since: Date,
  limit: number,
): Promise<Array<{ incident_id: string; indicator_id: number; county_count: number; updated_at: Date }>> {
  const rows = await db
    .selectFrom('indicator_correlations as c')
    .innerJoin('incidents', 'incidents.id', 'c.incident_id')
    .select(['c.incident_id', 'c.indicator_id', sql<number>`cardinality(c.county_ids)`.as('county_count'), 'c.updated_at'])
    .where('c.updated_at', '>=', since)
    .where(visible)
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.incident_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, indicator_id: Number(r.indicator_id), county_count: Number(r.county_count) }));
}
