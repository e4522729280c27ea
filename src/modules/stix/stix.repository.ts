import { sql, type SqlBool } from 'kysely';
import type { Principal } from '../../access/principal.js';
import { visibleIncidents } from '../../access/incidents.js';
import { visibleReports, visibleSightings } from '../../access/indicators.js';
import { visibleKeptObjects } from '../../access/stix.js';
import type { Handle } from '../../infra/handle.js';
import type { Db } from '../../infra/db.js';
import type { IndicatorType } from '../../domain/indicator-types.js';
import type { Tlp } from '../../domain/taxonomy.js';
import { textArray } from '../../infra/pg-arrays.js';
import { stixIds, stixTimeOf } from './stix.core.js';

/**
 * The STIX tables (private to the module) and the TAXII "added" log.
 *
 * The log (stix_feed) has one row per STIX object the hub serves, with a date_added that is unique and
 * increases in commit order: every writer takes one advisory lock for the rest of its transaction, so no
 * row can commit behind one a client has already read (a client polling with added_after, or paging with
 * next, sees each object once). Hub records (indicators, sightings, incidents, comments, links) enter the
 * log by syncFeed, which logs what changed since the last sync: a changed record moves to the end of
 * the log (a new version for pollers). What a reader sees of each row is decided at read time by the one
 * access policy (pageFeed).
 */

export const FEED_LOCK = 0x57_1f_00_15;
/** Writers of an indicator's inputs hold it shared (triggers), the filler of public forms exclusive (the migration). */
export const PUBLIC_FORMS_LOCK = 0x57_1f_00_16;

export type Collection = 'indicators' | 'incidents' | 'objects';
export type HubKind = 'identity' | 'indicator' | 'sighting' | 'incident' | 'note' | 'relationship' | 'kept';

export interface FeedRow {
  stix_id: string;
  seq: number;
  date_added: string;
  collection: Collection;
  type: string;
  hub_kind: HubKind;
  hub_key: string;
  hub_id: number | null;
  hub_uuid: string | null;
  /**
   * An indicator row read by pageFeed carries the report its object is built from (the primary visible
   * report), found in the same walk that decided it is visible: one statement per page, not two.
   */
  report?: ReportFacts | null;
  /**
   * An indicator whose object is the same for every user (its public form, migration 2026-12-10T0100),
   * read by pageFeed with `publicForms`: the object's JSON and version, served as they are.
   */
  publicForm?: { json: string; version: string };
}

export async function lockFeed(trx: Handle): Promise<void> {
  await sql`select pg_advisory_xact_lock(${FEED_LOCK})`.execute(trx);
}

interface Candidate {
  kind: HubKind;
  collection: Collection;
  type: string;
  hub_key: string;
  hub_id: number | null;
  hub_uuid: string | null;
  /** As PostgreSQL writes it (microseconds kept: a JavaScript Date would drop them and log the row again). */
  mark: string;
  /** For the id: whatever the kind needs (type and value, public id, an imported object's id). */
  a: string | null;
  b: string | null;
  ref: string | null;
  /** Whether its log row has a public form (or '' for none): only such a row can be held by a writer (rowsWritersHold). */
  has_form: boolean;
}

/** Hub records not yet in the log, or changed since they were logged. */
async function changedRecords(trx: Handle): Promise<Candidate[]> {
  const { rows } = await sql<Candidate>`
    with src as (
      select 'identity' as kind, 'objects' as collection, 'identity' as type, o.id::text as hub_key, null::bigint as hub_id, o.id as hub_uuid,
             greatest(o.created_at, coalesce(si.updated_at, o.created_at)) as mark, o.slug as a, null::text as b, null::text as ref
        from organizations o left join stix_identity si on si.organization_id = o.id
      union all
      select 'indicator', 'indicators', 'indicator', i.id::text, i.id, null, r.mark, i.type, i.value, null
        from (select indicator_id, max(updated_at) as mark from indicator_reports group by indicator_id) r join indicators i on i.id = r.indicator_id
      union all
      select 'sighting', 'indicators', 'sighting', s.id::text, s.id, null, s.created_at, s.public_id::text, null,
             (select rf.stix_id from stix_refs rf where rf.hub_kind = 'sighting' and rf.hub_key = s.id::text limit 1)
        from sightings s
      union all
      select 'incident', 'incidents', 'incident', x.id::text, null, x.id, x.updated_at, x.id::text, null,
             (select rf.stix_id from stix_refs rf where rf.hub_kind = 'incident' and rf.hub_key = x.id::text limit 1)
        from incidents x where not x.exercise
      union all
      select 'note', 'incidents', 'note', t.id::text, t.id, t.incident_id, t.at, t.public_id::text, null,
             (select rf.stix_id from stix_refs rf where rf.hub_kind = 'note' and rf.hub_key = t.id::text limit 1)
        from incident_timeline t join incidents x on x.id = t.incident_id where t.kind = 'COMMENT' and not x.exercise
      union all
      select 'relationship', 'incidents', 'relationship', l.indicator_id::text || ':' || l.incident_id::text, l.indicator_id, l.incident_id, l.mark,
             i.type || ':' || i.value, l.incident_id::text,
             (select rf.stix_id from stix_refs rf where rf.hub_kind = 'relationship' and rf.hub_key = l.indicator_id::text || ':' || l.incident_id::text limit 1)
        from (select indicator_id, incident_id, max(updated_at) as mark from indicator_reports where incident_id is not null group by 1, 2) l
        join indicators i on i.id = l.indicator_id join incidents x on x.id = l.incident_id where not x.exercise
    )
    select s.kind, s.collection, s.type, s.hub_key, s.hub_id, s.hub_uuid, s.mark::text as mark, s.a, s.b, s.ref, f.public_json is not null as has_form from src s
    left join stix_feed f on f.hub_kind = s.kind and f.hub_key = s.hub_key
    where f.hub_key is null or f.mark < s.mark
    order by s.mark, s.kind, s.hub_key`.execute(trx);
  return rows;
}

/** The STIX id of a hub record (an imported record keeps the id it came with). */
async function stixIdsOf(trx: Handle, c: readonly Candidate[]): Promise<string[]> {
  // Incidents' ids are needed for relationships whose incident came from an import.
  const incidentRefs = new Map<string, string>();
  const relIncidents = [...new Set(c.filter((x) => x.kind === 'relationship').map((x) => x.b!))];
  if (relIncidents.length > 0) {
    const refs = await trx.selectFrom('stix_refs').select(['hub_key', 'stix_id']).where('hub_kind', '=', 'incident').where('hub_key', 'in', relIncidents).execute();
    for (const r of refs) incidentRefs.set(r.hub_key, r.stix_id);
  }
  return c.map((x) => {
    if (x.ref) return x.ref;
    switch (x.kind) {
      case 'identity':
        return stixIds.organization(x.a!);
      case 'indicator':
        return stixIds.indicator(x.a as IndicatorType, x.b!);
      case 'sighting':
        return stixIds.sighting(x.a!);
      case 'incident':
        return stixIds.incident(x.a!);
      case 'note':
        return stixIds.note(x.a!);
      case 'relationship': {
        const [type, ...rest] = x.a!.split(':');
        const indicatorId = stixIds.indicator(type as IndicatorType, rest.join(':'));
        const incidentId = incidentRefs.get(x.b!) ?? stixIds.incident(x.b!);
        return stixIds.relationship('indicates', indicatorId, incidentId);
      }
      case 'kept':
        return x.a!;
    }
  });
}

export interface FeedEntry {
  stixId: string;
  collection: Collection;
  type: string;
  kind: HubKind;
  hubKey: string;
  hubId: number | null;
  hubUuid: string | null;
  mark: Date | string;
}

/** Appends entries to the log (caller holds the lock): a row already there moves to the end. */
export async function appendFeed(trx: Handle, all: readonly FeedEntry[]): Promise<void> {
  // One row per STIX id: the last entry of an id wins (two versions of one object in one import).
  const last = new Map<string, FeedEntry>();
  for (const e of all) {
    last.delete(e.stixId);
    last.set(e.stixId, e);
  }
  const entries = [...last.values()];
  for (let i = 0; i < entries.length; i += 5_000) {
    const b = entries.slice(i, i + 5_000);
    await sql`
      with base as (
        select coalesce(max(seq), 0) as seq,
               greatest(date_trunc('microseconds', clock_timestamp()), coalesce(max(date_added), '-infinity'::timestamptz)) as at
        from stix_feed
      ),
      input as (
        select x.*, row_number() over () as rn
        from unnest(${textArray(b.map((e) => e.stixId))}::text[], ${textArray(b.map((e) => e.collection))}::text[], ${textArray(b.map((e) => e.type))}::text[], ${textArray(b.map((e) => e.kind))}::text[],
                    ${textArray(b.map((e) => e.hubKey))}::text[], ${textArray(b.map((e) => (e.hubId === null ? null : String(e.hubId))))}::bigint[], ${textArray(b.map((e) => e.hubUuid))}::uuid[],
                    ${textArray(b.map((e) => (typeof e.mark === 'string' ? e.mark : e.mark.toISOString())))}::timestamptz[])
          with ordinality as x(stix_id, collection, type, hub_kind, hub_key, hub_id, hub_uuid, mark, ord)
        order by ord
      )
      insert into stix_feed (stix_id, seq, date_added, collection, type, hub_kind, hub_key, hub_id, hub_uuid, mark)
      select i.stix_id, base.seq + i.rn, base.at + i.rn * interval '1 microsecond', i.collection, i.type, i.hub_kind, i.hub_key, i.hub_id, i.hub_uuid, i.mark
      from input i cross join base
      on conflict (stix_id) do update set seq = excluded.seq, date_added = excluded.date_added, mark = excluded.mark,
        hub_kind = excluded.hub_kind, hub_key = excluded.hub_key, hub_id = excluded.hub_id, hub_uuid = excluded.hub_uuid,
        collection = excluded.collection, type = excluded.type, public_json = null, public_version = null`.execute(trx);
  }
}

/**
 * Logs the hub records that are new or changed since the last sync. Returns how many were logged, and how
 * many were left for the next look (`deferred`: rows writers held).
 */
export async function syncFeed(db: Db): Promise<{ logged: number; deferred: number }> {
  return db.transaction().execute(async (trx) => {
    await lockFeed(trx);
    const changed = await changedRecords(trx);
    if (changed.length === 0) return { logged: 0, deferred: 0 };
    const ids = await stixIdsOf(trx, changed);
    const held = await rowsWritersHold(trx, ids.filter((_, i) => changed[i]!.has_form));
    const entries = changed
      .map((c, i) => ({ stixId: ids[i]!, collection: c.collection, type: c.type, kind: c.kind, hubKey: c.hub_key, hubId: c.hub_id === null ? null : Number(c.hub_id), hubUuid: c.hub_uuid, mark: c.mark }))
      .filter((e) => !held.has(e.stixId));
    // A record whose id is now held by another (an imported sighting's id, say) replaces that row.
    await appendFeed(trx, entries);
    // A large batch changes the table's shape: fresh statistics keep pages on the index.
    if (entries.length >= 1_000) await sql`analyze stix_feed`.execute(trx);
    return { logged: entries.length, deferred: changed.length - entries.length };
  });
}

/**
 * Log rows of `ids` (rows that had a public form, or '', when the look read them) that a writer holds; the
 * others are locked for this transaction. A writer of an indicator's reports or import records locks the
 * log row whose form its trigger forgets (migration 2026-12-10T0100) until it commits, and its next
 * statement may lock another row: waiting for it while this transaction holds rows it has moved already
 * is a deadlock (test/stix-public-forms-attack.test.ts). Such a row is left for the next look: the
 * writer's commit is a change of the record the log will see. Rows without a form cannot be held so
 * (the triggers lock no other, and no form is made while this transaction holds the feed lock), so a
 * look after an import, whose rows are new or forgotten, asks nothing.
 */
async function rowsWritersHold(trx: Handle, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows: locked } = await sql<{ stix_id: string }>`
    select stix_id from stix_feed where stix_id = any(${textArray(ids)}::text[]) order by stix_id for update skip locked`.execute(trx);
  const held = new Set(ids);
  for (const r of locked) held.delete(r.stix_id);
  return held;
}

/** A cheap signature of everything syncFeed looks at: unchanged, nothing to sync. */
export async function feedSignature(db: Handle): Promise<string> {
  const { rows } = await sql<{ s: string }>`select concat_ws('|',
      (select max(updated_at) from indicator_reports), (select count(*) from indicator_reports),
      (select max(id) from sightings), (select max(updated_at) from incidents), (select count(*) from incidents),
      (select max(id) from incident_timeline), (select max(imported_at) from stix_refs), (select count(*) from organizations),
      (select max(updated_at) from stix_identity)) as s`.execute(db);
  return rows[0]!.s;
}

// ── Reading the log ──────────────────────────────────────────────────────────────────────────────────

export interface FeedQuery {
  collections: readonly Collection[];
  /** Exclusive, as the client wrote it (microseconds kept: PostgreSQL parses it). */
  addedAfter: string | null;
  /** Exclusive: the seq of the last row of the previous page. */
  afterSeq: number | null;
  ids: readonly string[] | null;
  types: readonly string[] | null;
  limit: number;
  /** Serve an indicator's public form where it has one (TAXII pages) instead of finding its report. */
  publicForms?: boolean;
}

const KINDS_OF: Record<Collection, readonly HubKind[]> = {
  indicators: ['indicator', 'sighting'],
  incidents: ['incident', 'note', 'relationship'],
  objects: ['identity', 'kept'],
};

/**
 * The condition that a log row is visible to the principal: the one access policy, per kind. Only the kinds
 * the collections hold are written out (a smaller statement to plan for every page).
 */
export function visibleFeedRow(p: Principal, collections: readonly Collection[] = ['indicators', 'incidents', 'objects'], except: readonly HubKind[] = []) {
  if (p.kind !== 'user') return sql<SqlBool>`false`;
  const kinds = new Set(collections.flatMap((c) => KINDS_OF[c]).filter((k) => !except.includes(k)));
  if (kinds.size === 0) return sql<SqlBool>`false`;
  const branches: Array<ReturnType<typeof sql<SqlBool>>> = [];
  if (kinds.has('identity')) branches.push(sql<SqlBool>`(f.hub_kind = 'identity')`);
  if (kinds.has('indicator')) {
    branches.push(sql<SqlBool>`(f.hub_kind = 'indicator' and exists (select 1 from indicator_reports vr where vr.indicator_id = f.hub_id and ${visibleReports(p, 'vr')()}))`);
  }
  if (kinds.has('sighting')) branches.push(sql<SqlBool>`(f.hub_kind = 'sighting' and exists (select 1 from sightings vs where vs.id = f.hub_id and ${visibleSightings(p, 'vs')()}))`);
  if (kinds.has('incident')) {
    branches.push(sql<SqlBool>`(f.hub_kind = 'incident' and exists (select 1 from incidents vi where vi.id = f.hub_uuid and not vi.exercise and ${visibleIncidents(p, 'vi')(undefined as never)}))`);
  }
  if (kinds.has('note')) {
    branches.push(sql<SqlBool>`(f.hub_kind = 'note' and exists (select 1 from incidents ni where ni.id = f.hub_uuid and not ni.exercise and ${visibleIncidents(p, 'ni')(undefined as never)}))`);
  }
  if (kinds.has('relationship')) {
    branches.push(sql<SqlBool>`(f.hub_kind = 'relationship' and exists (select 1 from indicator_reports lr join incidents li on li.id = lr.incident_id
          where lr.indicator_id = f.hub_id and lr.incident_id = f.hub_uuid and not li.exercise and ${visibleReports(p, 'lr')()} and ${visibleIncidents(p, 'li')(undefined as never)}))`);
  }
  if (kinds.has('kept')) branches.push(sql<SqlBool>`(f.hub_kind = 'kept' and exists (select 1 from stix_kept vk where vk.id = f.hub_id and ${visibleKeptObjects(p, 'vk')()}))`);
  return sql<SqlBool>`exists (select 1 where (${sql.join(branches, sql` or `)}) offset 0)`;
}

/** The conditions of a walk of the log (collections, position, ids, types), on `f`. */
function walkConditions(q: Pick<FeedQuery, 'collections' | 'addedAfter' | 'afterSeq' | 'ids' | 'types'>) {
  const conds = [q.collections.length === 1 ? sql<SqlBool>`f.collection = ${q.collections[0]}` : sql<SqlBool>`f.collection = any(${[...q.collections]}::text[])`];
  // added_after as a position in the log (seq and date_added grow together), so that a page walks the
  // (collection, seq) index in order and stops after `limit` visible rows.
  if (q.addedAfter !== null) conds.push(sql<SqlBool>`f.seq > coalesce((select max(a.seq) from stix_feed a where a.date_added <= ${q.addedAfter}::timestamptz), 0)`);
  if (q.afterSeq !== null) conds.push(sql<SqlBool>`f.seq > ${q.afterSeq}`);
  if (q.ids) conds.push(sql<SqlBool>`f.stix_id = any(${[...q.ids]}::text[])`);
  if (q.types) conds.push(sql<SqlBool>`f.type = any(${[...q.types]}::text[])`);
  return conds;
}

function feedRowOf(x: Omit<FeedRow, 'report' | 'publicForm'>): FeedRow {
  return {
    stix_id: x.stix_id, seq: Number(x.seq), date_added: stixTimeOf(x.date_added, 6), collection: x.collection, type: x.type, hub_kind: x.hub_kind,
    hub_key: x.hub_key, hub_id: x.hub_id === null ? null : Number(x.hub_id), hub_uuid: x.hub_uuid,
  };
}

export async function pageFeed(db: Handle, p: Principal, q: FeedQuery): Promise<FeedRow[]> {
  // An indicator is visible when one of its reports is: the walk finds that report (the primary one, as
  // primaryReport orders them) in the same step and carries it, so building the page needs no second look.
  const withReports = p.kind === 'user' && q.collections.some((c) => KINDS_OF[c].includes('indicator'));
  if (withReports && q.publicForms === true) return pageWithPublicForms(db, p, q);
  const conds = [
    ...walkConditions(q),
    withReports ? sql<SqlBool>`(r.id is not null or (f.hub_kind <> 'indicator' and ${visibleFeedRow(p, q.collections, ['indicator'])}))` : visibleFeedRow(p, q.collections),
  ];
  const { rows } = await sql<FeedRow & ReportColumns>`
    select f.stix_id, f.seq, ${utcText('f.date_added')} as date_added,
           f.collection, f.type, f.hub_kind, f.hub_key, f.hub_id, f.hub_uuid
           ${withReports ? sql`, ${REPORT_COLUMNS}` : sql``}
    from stix_feed f
    ${withReports ? sql`left join lateral (${primaryVisibleReport(p, sql`f.hub_id`, sql<SqlBool>`f.hub_kind = 'indicator'`)}) r on true ${REPORT_REF_JOIN}` : sql``}
    where ${sql.join(conds, sql` and `)}
    order by f.seq limit ${q.limit}`.execute(db);
  return rows.map((x) => {
    const row = feedRowOf(x);
    if (withReports && x.hub_kind === 'indicator') row.report = x.r_id === null ? null : reportFacts(x);
    return row;
  });
}

/**
 * A page that serves public forms: a plain walk of the log (no per-row look-up, a statement planned in
 * a fraction of the other's time, a few columns a row), then the full statement, by id, for the rows the
 * walk could not decide (no public form: sightings, AMBER/RED/LES indicators), and again from where the
 * walk stopped while the page is short. The same rows in the same order as the single statement.
 */
async function pageWithPublicForms(db: Handle, p: Principal, q: FeedQuery): Promise<FeedRow[]> {
  const out: FeedRow[] = [];
  // At least 100 rows a walk: a page of a few rows among many hidden ones takes few rounds.
  const size = Math.max(q.limit, 100);
  let position: Pick<FeedQuery, 'addedAfter' | 'afterSeq'> = { addedAfter: q.addedAfter, afterSeq: q.afterSeq };
  for (;;) {
    const { rows: walk } = await sql<Omit<FeedRow, 'report' | 'publicForm'> & { public_json: string | null; public_version: string | null }>`
      select f.stix_id, f.seq, ${utcText('f.date_added')} as date_added, f.collection, f.type, f.hub_kind, f.hub_key, f.hub_id, f.hub_uuid,
             f.public_json, f.public_version
      from stix_feed f
      where ${sql.join(walkConditions({ ...q, ...position }), sql` and `)}
      order by f.seq limit ${size}`.execute(db);
    const undecided = walk.filter((x) => !(x.hub_kind === 'indicator' && x.public_json));
    const decided =
      undecided.length === 0
        ? new Map<string, FeedRow>()
        : new Map(
            (await pageFeed(db, p, { collections: q.collections, addedAfter: null, afterSeq: null, ids: undecided.map((x) => x.stix_id), types: null, limit: undecided.length })).map(
              (r) => [r.stix_id, r],
            ),
          );
    for (const x of walk) {
      if (x.hub_kind === 'indicator' && x.public_json) {
        const row = feedRowOf(x);
        row.publicForm = { json: x.public_json, version: x.public_version! };
        out.push(row);
      } else {
        const row = decided.get(x.stix_id);
        if (row) out.push(row);
      }
      if (out.length === q.limit) return out;
    }
    if (walk.length < size) return out;
    position = { addedAfter: null, afterSeq: Number(walk[walk.length - 1]!.seq) };
  }
}

// ── Public forms (migration 2026-12-10T0100) ─────────────────────────────────────────────────────────

/**
 * Takes the right to fill public forms for the rest of the transaction, or says no (writers of an
 * indicator's inputs are in flight: their changes are not visible yet). Never waits: see the migration.
 */
export async function tryLockPublicForms(trx: Handle): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${PUBLIC_FORMS_LOCK}) as ok`.execute(trx);
  return rows[0]!.ok;
}

/** Whether some indicator row of the log waits for its public form to be looked at (a partial index). */
export async function hasUnfilledIndicators(db: Handle): Promise<boolean> {
  const { rows } = await sql`select 1 from stix_feed where hub_kind = 'indicator' and public_json is null limit 1`.execute(db);
  return rows.length > 0;
}

/**
 * Indicator rows of the log whose public form is to be looked at, each with its primary live report
 * over all its reports (whoever may see them: a public form is only made when that report is one every
 * user sees) and whether that report is law-enforcement-sensitive.
 */
export async function unfilledIndicators(trx: Handle, limit: number): Promise<Array<{ stix_id: string; report: ReportFacts | null; les: boolean }>> {
  const { rows } = await sql<ReportColumns & { stix_id: string; r_les: boolean | null }>`
    select f.stix_id, ${REPORT_COLUMNS}, r.law_enforcement_sensitive as r_les
    from stix_feed f
    left join lateral (select * from (${reportsOf(sql`f.hub_id`, sql<SqlBool>`vr.revoked_at is null`)}) v order by v.rank, v.created_ts, v.id limit 1) r on true
    ${REPORT_REF_JOIN}
    where f.hub_kind = 'indicator' and f.public_json is null
    order by f.seq limit ${limit}`.execute(trx);
  return rows.map((x) => ({ stix_id: x.stix_id, report: x.r_id === null ? null : reportFacts(x), les: x.r_les === true }));
}

/** Stores public forms ('' for a row looked at that has none). */
export async function storePublicForms(trx: Handle, forms: ReadonlyArray<{ stixId: string; json: string; version: string | null }>): Promise<void> {
  if (forms.length === 0) return;
  await sql`
    update stix_feed f set public_json = x.json, public_version = x.version
    from unnest(${textArray(forms.map((x) => x.stixId))}::text[], ${textArray(forms.map((x) => x.json))}::text[], ${textArray(forms.map((x) => x.version))}::text[]) as x(stix_id, json, version)
    where f.stix_id = x.stix_id and f.hub_kind = 'indicator' and f.public_json is null`.execute(trx);
}

/** The log row of one STIX id, whatever its visibility (callers check). */
export function findFeedRow(db: Handle, stixId: string) {
  return db.selectFrom('stix_feed').selectAll().where('stix_id', '=', stixId).executeTakeFirst();
}

export async function deleteFeedRow(trx: Handle, stixId: string): Promise<void> {
  await trx.deleteFrom('stix_feed').where('stix_id', '=', stixId).execute();
}

// ── Loading what the rows stand for (already filtered by visibility) ─────────────────────────────────

export interface OrganizationFacts {
  id: string;
  slug: string;
  name: string;
  kind: string;
  created_at: Date;
  ais_consent: string | null;
  consent_updated_at: Date | null;
}

export function loadOrganizations(db: Handle, ids: readonly string[] | null): Promise<OrganizationFacts[]> {
  let q = db
    .selectFrom('organizations as o')
    .leftJoin('stix_identity as si', 'si.organization_id', 'o.id')
    .select(['o.id', 'o.slug', 'o.name', 'o.kind', 'o.created_at', 'si.ais_consent', 'si.updated_at as consent_updated_at']);
  if (ids !== null) {
    if (ids.length === 0) return Promise.resolve([]);
    q = q.where('o.id', 'in', ids);
  }
  return q.execute();
}

/** Times as STIX writes them (text from PostgreSQL: no Date parsed and formatted again per row). */
export interface ReportFacts {
  id: number;
  indicator_id: number;
  type: IndicatorType;
  value: string;
  benign_reason: string | null;
  organization_id: string;
  tlp: Tlp;
  confidence: number;
  valid_from: string;
  valid_until: string | null;
  description: string | null;
  incident_id: string | null;
  created_at: string;
  updated_at: string;
  /** The STIX object the report came from (if imported), and whether the report is unchanged since. */
  ref_created: string | null;
  ref_modified: string | null;
  ref_current: boolean;
}

/**
 * A timestamp column as PostgreSQL writes a UTC timestamp ("2026-11-01 08:00:00.123456"): its cheapest text
 * (to_char costs about three times as much, a Date parsed and formatted again more); stixTimeOf makes it
 * a STIX timestamp.
 */
function utcText(col: string) {
  return sql.raw(`(${col} at time zone 'UTC')::text`);
}


type ReportColumns = { [K in keyof ReportFacts as `r_${K}`]: ReportFacts[K] };

/** The columns of a report (aliased r, with its import ref rf) as `r_<field>`. */
const REPORT_COLUMNS = sql.raw(
  [
    'r.id as r_id', 'r.indicator_id as r_indicator_id', 'r.type as r_type', 'r.value as r_value', 'r.benign_reason as r_benign_reason',
    'r.organization_id as r_organization_id', 'r.tlp as r_tlp', 'r.confidence as r_confidence', 'r.valid_from as r_valid_from',
    'r.valid_until as r_valid_until', 'r.description as r_description', 'r.incident_id as r_incident_id', 'r.created_at as r_created_at',
    'r.updated_at as r_updated_at', 'rf.created as r_ref_created', 'rf.modified as r_ref_modified',
    // As exports compared them before (milliseconds): unchanged since the import keeps the object's own times.
    "coalesce(date_trunc('milliseconds', r.updated_ts) <= date_trunc('milliseconds', rf.imported_at), false) as r_ref_current",
  ].join(', '),
);

/**
 * The import a report came from, if any (joined after r): one row per report. An organization may import
 * one value under several STIX ids (two feeds naming it, a re-issued id): the latest import counts. A plain
 * join gave the report once per import, so a page served the object twice and each path picked its own
 * times (the first import's in a public form, the last one's in a built page). The key is compared in the
 * index's collation: indicators.value is "C", and compared in it the key found no index and every row
 * scanned all of stix_refs (EXPLAIN of a page of 1,000 AMBER rows against 20,000 import records: 465,000
 * buffer hits, 20 million with the plain join).
 */
const REPORT_REF_JOIN = sql`left join lateral (
    select x.created, x.modified, x.imported_at from stix_refs x
    where x.hub_kind = 'indicator' and x.organization_id = r.organization_id and x.hub_key = (r.type || ':' || r.value) collate "default"
    order by x.imported_at desc, x.stix_id desc limit 1) rf on true`;

/** Reports of indicator `indicatorId` meeting `condition` (on `vr`), as columns of REPORT_COLUMNS (times as STIX text). */
function reportsOf(indicatorId: ReturnType<typeof sql>, condition: ReturnType<typeof sql<SqlBool>>) {
  return sql`
    select vr.id, vr.indicator_id, i.type, i.value, i.benign_reason, vr.organization_id, vr.tlp, vr.confidence,
           ${utcText('vr.valid_from')} as valid_from, ${utcText('vr.valid_until')} as valid_until, vr.description, vr.incident_id,
           ${utcText('vr.created_at')} as created_at, ${utcText('vr.updated_at')} as updated_at, vr.updated_at as updated_ts,
           array_position(array['CLEAR','GREEN','AMBER','AMBER_STRICT','RED'], vr.tlp) as rank, date_trunc('milliseconds', vr.created_at) as created_ts,
           vr.law_enforcement_sensitive
    from indicator_reports vr join indicators i on i.id = vr.indicator_id
    where vr.indicator_id = ${indicatorId} and ${condition}`;
}

/** The visible, live reports of indicator `indicatorId` (and `extra`). */
function visibleReportsOf(p: Principal, indicatorId: ReturnType<typeof sql>, extra: ReturnType<typeof sql<SqlBool>> = sql<SqlBool>`true`) {
  return reportsOf(indicatorId, sql<SqlBool>`${extra} and ${visibleReports(p, 'vr')()}`);
}

/** The report an indicator object is built from: the widest-labelled visible report, then the oldest (primaryReport). */
function primaryVisibleReport(p: Principal, indicatorId: ReturnType<typeof sql>, extra: ReturnType<typeof sql<SqlBool>>) {
  return sql`select * from (${visibleReportsOf(p, indicatorId, extra)}) v order by v.rank, v.created_ts, v.id limit 1`;
}

/** A report's `r_` columns (a literal, not a loop: built for every row of every page). */
function reportFacts(x: ReportColumns): ReportFacts {
  return {
    id: Number(x.r_id), indicator_id: Number(x.r_indicator_id), type: x.r_type, value: x.r_value, benign_reason: x.r_benign_reason,
    organization_id: x.r_organization_id, tlp: x.r_tlp, confidence: x.r_confidence, valid_from: stixTimeOf(x.r_valid_from),
    valid_until: x.r_valid_until === null ? null : stixTimeOf(x.r_valid_until), description: x.r_description, incident_id: x.r_incident_id,
    created_at: stixTimeOf(x.r_created_at), updated_at: stixTimeOf(x.r_updated_at),
    ref_created: x.r_ref_created, ref_modified: x.r_ref_modified, ref_current: x.r_ref_current,
  };
}

/** The visible, live reports of the indicators, with the import each came from (if any). */
export async function loadVisibleReports(db: Handle, p: Principal, indicatorIds: readonly number[]): Promise<ReportFacts[]> {
  if (indicatorIds.length === 0) return [];
  const { rows } = await sql<ReportColumns>`
    select ${REPORT_COLUMNS}
    from unnest(${indicatorIds.map(String)}::bigint[]) as x(indicator_id)
    cross join lateral (${visibleReportsOf(p, sql`x.indicator_id`)}) r ${REPORT_REF_JOIN}`.execute(db);
  return rows.map(reportFacts);
}

export interface SightingFacts {
  id: number;
  public_id: string;
  indicator_id: number;
  type: IndicatorType;
  value: string;
  organization_id: string;
  seen_at: Date;
  count: number;
  tlp: Tlp;
  created_at: Date;
  ref_created: string | null;
  ref_modified: string | null;
}

export function loadVisibleSightings(db: Handle, p: Principal, ids: readonly number[]): Promise<SightingFacts[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('sightings as vs')
    .innerJoin('indicators as i', 'i.id', 'vs.indicator_id')
    .leftJoin('stix_refs as rf', (j) => j.on('rf.hub_kind', '=', 'sighting').on(sql<SqlBool>`rf.hub_key = vs.id::text`))
    .select(['vs.id', 'vs.public_id', 'vs.indicator_id', 'i.type', 'i.value', 'vs.organization_id', 'vs.seen_at', 'vs.count', 'vs.tlp', 'vs.created_at', 'rf.created as ref_created', 'rf.modified as ref_modified'])
    .where('vs.id', 'in', [...ids])
    .where(visibleSightings(p, 'vs'))
    .execute() as Promise<SightingFacts[]>;
}

/** Sightings of the indicators that the principal may not see: only their number and time span go out. */
export async function hiddenSightingCounts(db: Handle, p: Principal, indicatorIds: readonly number[]) {
  if (indicatorIds.length === 0) return [];
  const { rows } = await sql<{ indicator_id: number; count: number; first_seen: Date; last_seen: Date; mark: Date }>`
    select vs.indicator_id, sum(vs.count)::int as count, min(vs.seen_at) as first_seen, max(vs.seen_at) as last_seen, max(vs.created_at) as mark
    from sightings vs where vs.indicator_id = any(${indicatorIds.map(String)}::bigint[]) and not (${visibleSightings(p, 'vs')()})
    group by vs.indicator_id`.execute(db);
  return rows.map((r) => ({ ...r, indicator_id: Number(r.indicator_id) }));
}

export interface IncidentFacts {
  id: string;
  reference: string;
  title: string;
  summary: string;
  category: string;
  severity: string;
  status: string;
  tlp: Tlp;
  law_enforcement_sensitive: boolean;
  reporting_organization_id: string;
  occurred_at: Date | null;
  detected_at: Date | null;
  reported_at: Date;
  created_at: Date;
  updated_at: Date;
  affected_county_ids: string[];
  ref_created: string | null;
  ref_modified: string | null;
  ref_imported_at: Date | null;
}

export function loadVisibleIncidents(db: Handle, p: Principal, ids: readonly string[]): Promise<IncidentFacts[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('incidents as vi')
    .leftJoin('stix_refs as rf', (j) => j.on('rf.hub_kind', '=', 'incident').on(sql<SqlBool>`rf.hub_key = vi.id::text`))
    .select([
      'vi.id', 'vi.reference', 'vi.title', 'vi.summary', 'vi.category', 'vi.severity', 'vi.status', 'vi.tlp', 'vi.law_enforcement_sensitive',
      'vi.reporting_organization_id', 'vi.occurred_at', 'vi.detected_at', 'vi.reported_at', 'vi.created_at', 'vi.updated_at',
      sql<string[]>`array(select organization_id::text from incident_affected_counties c where c.incident_id = vi.id order by 1)`.as('affected_county_ids'),
      'rf.created as ref_created', 'rf.modified as ref_modified', 'rf.imported_at as ref_imported_at',
    ])
    .where('vi.id', 'in', [...ids])
    .where('vi.exercise', '=', false)
    .where(visibleIncidents(p, 'vi'))
    .execute() as Promise<IncidentFacts[]>;
}

export interface NoteFacts {
  id: number;
  public_id: string;
  incident_id: string;
  at: Date;
  body: string | null;
  actor_organization_id: string | null;
  incident_tlp: Tlp;
  ref_created: string | null;
  ref_modified: string | null;
}

export function loadVisibleNotes(db: Handle, p: Principal, ids: readonly number[]): Promise<NoteFacts[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('incident_timeline as t')
    .innerJoin('incidents as vi', 'vi.id', 't.incident_id')
    .leftJoin('stix_refs as rf', (j) => j.on('rf.hub_kind', '=', 'note').on(sql<SqlBool>`rf.hub_key = t.id::text`))
    .select(['t.id', 't.public_id', 't.incident_id', 't.at', 't.body', 't.actor_organization_id', 'vi.tlp as incident_tlp', 'rf.created as ref_created', 'rf.modified as ref_modified'])
    .where('t.id', 'in', [...ids])
    .where('t.kind', '=', 'COMMENT')
    .where('vi.exercise', '=', false)
    .where(visibleIncidents(p, 'vi'))
    .execute() as Promise<NoteFacts[]>;
}

export interface KeptFacts {
  id: number;
  stix_id: string;
  version: string;
  object: Record<string, unknown>;
  organization_id: string;
  reported_by: string | null;
  tlp: Tlp;
  created_at: Date;
}

export function loadVisibleKept(db: Handle, p: Principal, ids: readonly number[]): Promise<KeptFacts[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('stix_kept as vk')
    .select(['vk.id', 'vk.stix_id', 'vk.version', 'vk.object', 'vk.organization_id', 'vk.reported_by', 'vk.tlp', 'vk.created_at'])
    .where('vk.id', 'in', [...ids])
    .where(visibleKeptObjects(p, 'vk'))
    .execute() as Promise<KeptFacts[]>;
}

/** Every visible version of a kept object, oldest first. */
export function listKeptVersions(db: Handle, p: Principal, stixId: string): Promise<KeptFacts[]> {
  return db
    .selectFrom('stix_kept as vk')
    .select(['vk.id', 'vk.stix_id', 'vk.version', 'vk.object', 'vk.organization_id', 'vk.reported_by', 'vk.tlp', 'vk.created_at'])
    .where('vk.stix_id', '=', stixId)
    .where(visibleKeptObjects(p, 'vk'))
    .orderBy('vk.modified')
    .orderBy('vk.id')
    .execute() as Promise<KeptFacts[]>;
}

export function findKeptVersion(db: Handle, stixId: string, version: string) {
  return db.selectFrom('stix_kept').select(['id', 'organization_id']).where('stix_id', '=', stixId).where('version', '=', version).executeTakeFirst();
}

export async function insertKept(
  trx: Handle,
  k: { stixId: string; type: string; modified: Date; version: string; object: Record<string, unknown>; organizationId: string; reportedBy: string | null; tlp: Tlp },
): Promise<number> {
  const row = await trx
    .insertInto('stix_kept')
    .values({ stix_id: k.stixId, type: k.type, modified: k.modified, version: k.version, object: JSON.stringify(k.object), organization_id: k.organizationId, reported_by: k.reportedBy, tlp: k.tlp })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The newest version of a kept object (the one the log points at). */
export async function latestKept(trx: Handle, stixId: string) {
  return trx.selectFrom('stix_kept').select(['id', 'organization_id', 'reported_by', 'tlp', 'modified']).where('stix_id', '=', stixId).orderBy('modified', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function deleteKept(trx: Handle, stixId: string): Promise<number> {
  const r = await trx.deleteFrom('stix_kept').where('stix_id', '=', stixId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function findRef(db: Handle, stixId: string, organizationId: string) {
  return db.selectFrom('stix_refs').selectAll().where('stix_id', '=', stixId).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** Any organization's import of the STIX id (a sighting, note or link to a known object). */
export function findRefsOf(db: Handle, stixIds: readonly string[]) {
  if (stixIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('stix_refs').selectAll().where('stix_id', 'in', [...stixIds]).execute();
}

/**
 * `importedAt`: when the hub record was written in the same transaction, its own updated_at (written from
 * the application's clock, which may be ahead of the transaction's now()): the record is then "as it came".
 */
export async function upsertRefs(
  trx: Handle,
  refs: ReadonlyArray<{ stixId: string; organizationId: string; kind: string; key: string; created: string; modified: string }>,
  importedAt: Date | null = null,
): Promise<void> {
  for (let i = 0; i < refs.length; i += 5_000) {
    const b = refs.slice(i, i + 5_000);
    await sql`
      insert into stix_refs (stix_id, organization_id, hub_kind, hub_key, created, modified, imported_at)
      select *, greatest(now(), ${importedAt}::timestamptz) from unnest(${textArray(b.map((r) => r.stixId))}::text[], ${textArray(b.map((r) => r.organizationId))}::uuid[], ${textArray(b.map((r) => r.kind))}::text[],
                           ${textArray(b.map((r) => r.key))}::text[], ${textArray(b.map((r) => r.created))}::text[], ${textArray(b.map((r) => r.modified))}::text[])
      on conflict (stix_id, organization_id) do update set hub_kind = excluded.hub_kind, hub_key = excluded.hub_key, created = excluded.created,
        modified = excluded.modified, imported_at = excluded.imported_at
        where (stix_refs.hub_key, stix_refs.created, stix_refs.modified) is distinct from (excluded.hub_key, excluded.created, excluded.modified)`.execute(trx);
  }
}

/**
 * The plain INSERT of refs not recorded yet, as a statement for another to run with its own writes (a
 * bundle presumed new, see insertNewValues): a ref recorded already fails it with a unique violation.
 */
export function newRefsStatement(organizationId: string, kind: string, refs: ReadonlyArray<{ stixId: string; key: string; created: string; modified: string }>) {
  return sql`
      insert into stix_refs (stix_id, organization_id, hub_kind, hub_key, created, modified, imported_at)
      select r.stix_id, ${organizationId}::uuid, ${kind}, r.hub_key, r.created, r.modified, now()
      from unnest(${textArray(refs.map((r) => r.stixId))}::text[], ${textArray(refs.map((r) => r.key))}::text[], ${textArray(refs.map((r) => r.created))}::text[],
                  ${textArray(refs.map((r) => r.modified))}::text[]) as r(stix_id, hub_key, created, modified)`;
}

export async function insertStatus(db: Handle, userId: string, body: Record<string, unknown>): Promise<string> {
  const r = await db.insertInto('stix_status').values({ user_id: userId, body: JSON.stringify(body) }).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export function findStatus(db: Handle, id: string, userId: string) {
  return db.selectFrom('stix_status').select(['id', 'body']).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

export async function setAisConsent(trx: Handle, organizationId: string, consent: string): Promise<void> {
  await trx
    .insertInto('stix_identity')
    .values({ organization_id: organizationId, ais_consent: consent })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ ais_consent: consent, updated_at: new Date() }))
    .execute();
}

/** Indicator ids by (type, value). */
export async function indicatorIdsByKey(db: Handle, keys: ReadonlyArray<{ type: string; value: string }>): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const { rows } = await sql<{ id: number; type: string; value: string }>`
    select i.id, i.type, i.value from unnest(${keys.map((k) => k.type)}::text[], ${keys.map((k) => k.value)}::text[]) as x(type, value)
    join indicators i on i.type = x.type and i.value = x.value`.execute(db);
  return new Map(rows.map((r) => [`${r.type}:${r.value}`, Number(r.id)]));
}
