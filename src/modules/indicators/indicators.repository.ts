import { sql, type Selectable } from 'kysely';
import type { Handle } from '../../infra/handle.js';
import type { IndicatorReportsTable, IndicatorsTable } from './indicators.tables.js';

export type IndicatorRow = Selectable<IndicatorsTable>;
export type IndicatorReportRow = Selectable<IndicatorReportsTable>;

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
}

export interface ReportAttributes {
  organizationId: string;
  reportedBy: string | null;
  tlp: string;
  lawEnforcementSensitive: boolean;
}

/**
 * Inserts the batch's indicators, or updates an existing one only when something changed: its warning-list
 * reason, or last_seen moving forward by at least LAST_SEEN_RESOLUTION. An unchanged row is not rewritten
 * (no new tuple version, no index churn, no WAL). Pass the batch sorted by (type, value): concurrent imports
 * then take row locks in one order and cannot deadlock.
 */
export async function upsertIndicators(trx: Handle, batch: IndicatorBatch, seenAt: Date): Promise<{ inserted: number; updated: number }> {
  const { rows } = await sql<{ inserted: number; updated: number }>`
    with written as (
      insert into indicators as i (type, value, benign_reason, first_seen, last_seen)
      select t.type, t.value, t.benign_reason, ${seenAt}, ${seenAt}
      from unnest(${batch.types}::text[], ${batch.values}::text[], ${batch.benignReasons}::text[]) as t(type, value, benign_reason)
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
  const { rows } = await sql<{ known: number; inserted: number; updated: number; matched: number }>`
    with input as (
      select i.id, i.first_seen < ${importStartedAt} as known, x.confidence, x.valid_until, x.description
      from unnest(${batch.types}::text[], ${batch.values}::text[], ${batch.confidences}::int2[], ${batch.validUntils}::timestamptz[], ${batch.descriptions}::text[])
        as x(type, value, confidence, valid_until, description)
      -- One unique-index probe per value. LATERAL with LIMIT cannot be flattened into a join, which the
      -- planner would make a hash join scanning the whole table once per batch (quadratic over an import).
      cross join lateral (select id, first_seen from indicators where type = x.type and value = x.value limit 1) i
    ),
    written as (
      insert into indicator_reports as r
        (indicator_id, organization_id, reported_by, tlp, law_enforcement_sensitive, confidence, valid_from, valid_until, description)
      select id, ${report.organizationId}::uuid, ${report.reportedBy}::uuid, ${report.tlp}, ${report.lawEnforcementSensitive}, confidence, ${validFrom}, valid_until, description
      from input -- in the batch's (type, value) order: concurrent imports lock rows in one order
      on conflict (indicator_id, organization_id) do update
        set reported_by = coalesce(excluded.reported_by, r.reported_by),
            tlp = excluded.tlp,
            law_enforcement_sensitive = excluded.law_enforcement_sensitive,
            confidence = excluded.confidence,
            valid_from = case when r.revoked_at is null then r.valid_from else excluded.valid_from end,
            valid_until = excluded.valid_until,
            description = excluded.description,
            revoked_at = null,
            updated_at = now()
        where r.revoked_at is not null
           or (r.tlp, r.law_enforcement_sensitive, r.confidence, r.valid_until, r.description)
              is distinct from (excluded.tlp, excluded.law_enforcement_sensitive, excluded.confidence, excluded.valid_until, excluded.description)
           or (excluded.reported_by is not null and r.reported_by is distinct from excluded.reported_by)
      returning (xmax = 0) as inserted
    )
    select (select count(*) from input where known)::int as known,
           (select count(*) from input)::int as matched,
           count(*) filter (where inserted)::int as inserted,
           count(*) filter (where not inserted)::int as updated
    from written`.execute(trx);
  return rows[0]!;
}

export function findIndicator(db: Handle, type: string, value: string): Promise<IndicatorRow | undefined> {
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
