import { sql, type Expression, type ExpressionBuilder, type Insertable, type RawBuilder, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { IncidentAccessFacts } from '../../access/incidents.js';
import type { Database } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import type { IncidentsTable, IncidentTimelineTable } from './incidents.tables.js';
import type { IncidentCategory, IncidentDomain, IncidentStatus, Severity, TimelineEntryKind, Tlp } from '../../domain/taxonomy.js';
import { severityRank } from '../../domain/taxonomy.js';
import { appendLockCte, appendLockKeyTakenBy } from '../audit/index.js';
import { hot, hotText, type HotText } from '../../infra/hot-sql.js';

/**
 * An incident as the hub reads it: every column but `search`, the tsvector only WHERE clauses use, and the
 * audience copies, read as the row's access facts (FACT_ARRAYS).
 */
export type IncidentRow = Omit<Selectable<IncidentsTable>, 'search' | 'affected_county_ids' | 'shared_organization_ids' | 'recipient_user_ids'>;

// The generated tsvector is about 40% of a row's bytes: sending it to Node with every row read, only to
// be dropped, costs the database and the driver real time on lists of 50.
const INCIDENT_COLUMNS = [
  'id',
  'reference',
  'title',
  'summary',
  'category',
  'domain',
  'severity',
  'severity_rank',
  'status',
  'tlp',
  'law_enforcement_sensitive',
  'exercise',
  'reporting_user_id',
  'reporting_organization_id',
  'affected_assets',
  'occurred_at',
  'detected_at',
  'reported_at',
  'assignee_organization_id',
  'assignee_user_id',
  'external_references',
  'merged_into_id',
  'version',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof IncidentRow>;
const INCIDENT_SELECTION = INCIDENT_COLUMNS.map((c) => `incidents.${c}` as const);
export type IncidentColumn = (typeof INCIDENT_COLUMNS)[number];

/**
 * What a list reads of each incident when its reader asks for less than the whole row (a GraphQL page of
 * a few fields): these columns besides LIST_KEY_COLUMNS and the order's keys (ORDER_KEY_COLUMNS), and the
 * audience copies only when `audience`.
 * Reading and parsing the 25 columns of 50 rows (five timestamps and four arrays each) was most of a
 * page's Node CPU and much of its PostgreSQL time for pages that show six of them. A row read so is an
 * IncidentRow with only these columns set: the caller (incidents.resolvers.ts) answers only the fields
 * these columns hold.
 */
export interface IncidentProjection {
  columns: readonly IncidentColumn[];
  audience: boolean;
}

/** Always read: the id and what the access policy needs of the row itself (besides the order's keys). */
const LIST_KEY_COLUMNS = ['id', 'tlp', 'law_enforcement_sensitive', 'reporting_organization_id', 'reporting_user_id'] as const satisfies readonly IncidentColumn[];

/** What orderKeyOf reads of a row, for each order: a page's cursors. */
const ORDER_KEY_COLUMNS: Record<IncidentOrderField, readonly IncidentColumn[]> = {
  REPORTED_AT: ['reported_at'],
  UPDATED_AT: ['updated_at'],
  OCCURRED_AT: ['occurred_at', 'reported_at'],
  SEVERITY: ['severity', 'reported_at'],
};
/** The same columns as SQL text, for the statements written as text (insertFiledIncident). */
const RETURNED_INCIDENT = sql.raw(INCIDENT_COLUMNS.join(', '));
const RETURNED_INCIDENT_TEXT = hotText(INCIDENT_COLUMNS.join(', '));
export type TimelineRow = Selectable<IncidentTimelineTable>;

/**
 * The next reference, e.g. ESTF-2026-00042: the filing's year and a number from a sequence (no lock is
 * held until the filing commits, so filings do not wait for each other; see the migration
 * 2026-11-25T1900). Never reused; a filing that rolls back leaves a gap.
 */
export async function nextIncidentReference(trx: Handle, year: number): Promise<string> {
  const { rows } = await sql<{ n: number }>`select nextval('incident_reference_seq') as n`.execute(trx);
  return `ESTF-${year}-${String(rows[0]!.n).padStart(5, '0')}`;
}

/** What a filing stores of a new incident (insertFiledIncident); the rest is the table's defaults. */
export interface FiledIncidentValues {
  title: string;
  summary: string;
  category: IncidentCategory;
  domain: IncidentDomain;
  severity: Severity;
  status: IncidentStatus;
  tlp: Tlp;
  law_enforcement_sensitive: boolean;
  exercise: boolean;
  reporting_user_id: string;
  reporting_organization_id: string;
  affected_assets: string[];
  occurred_at: Date | null;
  detected_at: Date | null;
  reported_at: Date;
  /** JSON text. */
  external_references: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * A new incident with its reference (as nextIncidentReference makes it) and its affected counties, in one
 * statement: a filing's one round trip for what would otherwise be three. Written as SQL text rather than
 * built: building and compiling this statement with the query builder cost a filing more CPU than its
 * round trip.
 */
export async function insertFiledIncident(
  trx: Handle,
  year: number,
  v: FiledIncidentValues,
  countyIds: readonly string[],
  /**
   * The filing's timeline entry, written by the same statement, which also takes the log append lock for
   * the audit entry that follows (see insertTimelineEntry's takeLogAppendLock: it reads nothing under it).
   */
  filed: { actorUserId: string; actorOrganizationId: string; change: Record<string, unknown> },
): Promise<IncidentRow> {
  // `hot`: the text is made once (see infra/hot-sql.ts); every filing runs this.
  const { rows } = await hot<IncidentRow>`
    with append_lock as materialized (select pg_advisory_xact_lock(${appendLockKeyTakenBy(trx)})),
    filed as (
      insert into incidents (reference, title, summary, category, domain, severity, status, tlp, law_enforcement_sensitive, exercise,
                             reporting_user_id, reporting_organization_id, affected_assets, occurred_at, detected_at, reported_at,
                             external_references, created_at, updated_at)
      values (
        -- padStart's behaviour: at least five digits, never cut (lpad would cut a sixth).
        (select ${`ESTF-${year}-`}::text || case when n < 100000 then lpad(n::text, 5, '0') else n::text end from nextval('incident_reference_seq') as n),
        ${v.title}, ${v.summary}, ${v.category}, ${v.domain}, ${v.severity}, ${v.status}, ${v.tlp}, ${v.law_enforcement_sensitive}, ${v.exercise},
        ${v.reporting_user_id}, ${v.reporting_organization_id}, ${v.affected_assets}, ${v.occurred_at}, ${v.detected_at}, ${v.reported_at},
        ${v.external_references}, ${v.created_at}, ${v.updated_at})
      returning ${RETURNED_INCIDENT_TEXT}
    ),
    counties as (insert into incident_affected_counties (incident_id, organization_id) select filed.id, unnest(${[...countyIds]}::uuid[]) from filed),
    timeline as (
      insert into incident_timeline (incident_id, kind, at, actor_user_id, actor_organization_id, body, change, related_incident_id)
      select filed.id, 'FILED', ${new Date()}, ${filed.actorUserId}, ${filed.actorOrganizationId}, null, ${JSON.stringify(filed.change)}, null
        from filed cross join append_lock)
    select * from filed`.execute(trx);
  return rows[0]!;
}

export function insertIncident(trx: Handle, values: Insertable<IncidentsTable>): Promise<IncidentRow> {
  return trx.insertInto('incidents').values(values).returning(INCIDENT_SELECTION).executeTakeFirstOrThrow();
}

export function findIncidentById(db: Handle, id: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').select(INCIDENT_SELECTION).where('id', '=', id).executeTakeFirst();
}

export function findIncidentsByIds(db: Handle, ids: readonly string[]): Promise<IncidentRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('incidents').select(INCIDENT_SELECTION).where('id', 'in', [...ids]).execute();
}

export function findIncidentByReference(db: Handle, reference: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').select(INCIDENT_SELECTION).where('reference', '=', reference.trim().toUpperCase()).executeTakeFirst();
}

/**
 * The incident by id or reference with its access facts, only if `visible` holds for it: one statement,
 * whether it exists and is hidden or does not exist at all, so that neither answers sooner than the other.
 */
export async function findVisibleIncident(
  db: Handle,
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  key: { id: string } | { reference: string },
): Promise<{ incident: IncidentRow; facts: FactsOf } | undefined> {
  const row = await db
    .selectFrom('incidents')
    .select(INCIDENT_SELECTION)
    .select(FACT_ARRAYS)
    .where('id' in key ? 'incidents.id' : 'incidents.reference', '=', 'id' in key ? key.id : key.reference.trim().toUpperCase())
    .where(visible)
    .executeTakeFirst();
  return row ? withFacts(row) : undefined;
}

/**
 * The incidents among `ids` for which `visible` holds, with their access facts: one statement, so that an
 * id that is hidden and one that does not exist take the same work.
 */
export async function findVisibleIncidents(
  db: Handle,
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  ids: readonly string[],
): Promise<Array<{ incident: IncidentRow; facts: FactsOf }>> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('incidents').select(INCIDENT_SELECTION).select(FACT_ARRAYS).where('incidents.id', 'in', [...ids]).where(visible).execute();
  return rows.map(withFacts);
}

/** Locks the incident row for the rest of the transaction: concurrent changes to one incident queue up. */
export function lockIncident(trx: Handle, id: string): Promise<IncidentRow | undefined> {
  return trx.selectFrom('incidents').select(INCIDENT_SELECTION).where('id', '=', id).forUpdate().executeTakeFirst();
}

export type FactsOf = IncidentAccessFacts & { affectedCountyIds: string[]; sharedOrganizationIds: string[]; recipientUserIds: string[] };

/**
 * An incident FOR SHARE (its status cannot change under the caller) with its access facts, in one
 * statement: the router reads this on the path from a filing to its first page.
 */
export async function lockIncidentWithFacts(trx: Handle, id: string): Promise<{ incident: IncidentRow; facts: FactsOf } | undefined> {
  const row = await trx.selectFrom('incidents').select(INCIDENT_SELECTION).select(FACT_ARRAYS).where('id', '=', id).forShare().executeTakeFirst();
  return row ? withFacts(row) : undefined;
}

/**
 * lockIncidentWithFacts, and one more value the caller reads in the same statement (the router: the enabled
 * routing rules), saving a round trip. `also` is a scalar expression; it sees the statement's snapshot.
 */
export async function lockIncidentWithFactsAnd<T>(
  trx: Handle,
  id: string,
  /** Fixed SQL text of a value read with the row (the routing rules), as of the statement's start. */
  also: HotText,
  /**
   * The key of an advisory lock (hashtextextended of it, as lockIncidentPaging takes it) the statement takes
   * before the row's: the row and its facts (its own columns) are read as the row lock finds them, newest
   * version, after any wait; `also` is read as of the statement's start.
   */
  firstLockKey: string,
): Promise<{ incident: IncidentRow; facts: FactsOf; also: T } | undefined> {
  // `hot` (infra/hot-sql.ts): it is on every routed event's path.
  const { rows } = await hot<IncidentRow & { county_ids: string[]; share_ids: string[]; recipient_ids: string[]; also: T }>`
    with first_lock as materialized (select pg_advisory_xact_lock(hashtextextended(${firstLockKey}, 0)))
    select ${RETURNED_INCIDENT_TEXT},
           incidents.affected_county_ids::text[] as county_ids,
           incidents.shared_organization_ids::text[] as share_ids,
           incidents.recipient_user_ids::text[] as recipient_ids,
           ${also} as also
    from incidents cross join first_lock where id = ${id} for share of incidents`.execute(trx);
  const row = rows[0];
  if (!row) return undefined;
  const { also: value, ...rest } = row;
  return { ...withFacts(rest), also: value };
}

/**
 * An incident's audience (affected counties, shares, RED recipients), read from the row's own copies of
 * the link tables (kept by triggers in the changing transaction: migration 2026-12-09T0100), not with a
 * subquery per row and table.
 */
const FACT_ARRAYS = [
  sql<string[]>`incidents.affected_county_ids::text[]`.as('county_ids'),
  sql<string[]>`incidents.shared_organization_ids::text[]`.as('share_ids'),
  sql<string[]>`incidents.recipient_user_ids::text[]`.as('recipient_ids'),
];

function withFacts(row: IncidentRow & { county_ids: string[]; share_ids: string[]; recipient_ids: string[] }): { incident: IncidentRow; facts: FactsOf } {
  const { county_ids, share_ids, recipient_ids, ...incident } = row;
  return { incident, facts: accessFactsOf(incident, { affectedCountyIds: county_ids, sharedOrganizationIds: share_ids, recipientUserIds: recipient_ids }) };
}

/** An incident's access facts: what its row says, and its audience (empty lists when not given). */
export function accessFactsOf(
  incident: Pick<IncidentRow, 'tlp' | 'law_enforcement_sensitive' | 'reporting_organization_id' | 'reporting_user_id'>,
  audience: Pick<FactsOf, 'affectedCountyIds' | 'sharedOrganizationIds' | 'recipientUserIds'> = { affectedCountyIds: [], sharedOrganizationIds: [], recipientUserIds: [] },
): FactsOf {
  return {
    tlp: incident.tlp,
    lawEnforcementSensitive: incident.law_enforcement_sensitive,
    reportingOrganizationId: incident.reporting_organization_id,
    reportingUserId: incident.reporting_user_id,
    ...audience,
  };
}

export async function updateIncidentRow(
  trx: Handle,
  id: string,
  patch: Updateable<IncidentsTable>,
): Promise<IncidentRow> {
  return trx
    .updateTable('incidents')
    .set({ ...patch, version: sql`version + 1`, updated_at: new Date() })
    .where('id', '=', id)
    .returning(INCIDENT_SELECTION)
    .executeTakeFirstOrThrow();
}

export async function replaceAffectedCounties(trx: Handle, incidentId: string, organizationIds: readonly string[], opts: { fresh?: boolean } = {}): Promise<void> {
  // A new incident has no counties yet: nothing to delete.
  if (!opts.fresh) await trx.deleteFrom('incident_affected_counties').where('incident_id', '=', incidentId).execute();
  if (organizationIds.length === 0) return;
  await trx
    .insertInto('incident_affected_counties')
    .values(organizationIds.map((organization_id) => ({ incident_id: incidentId, organization_id })))
    .execute();
}

/** Adds shares; returns the organizations newly added. */
export async function addShares(trx: Handle, incidentId: string, organizationIds: readonly string[]): Promise<string[]> {
  if (organizationIds.length === 0) return [];
  const rows = await trx
    .insertInto('incident_shares')
    .values(organizationIds.map((organization_id) => ({ incident_id: incidentId, organization_id })))
    .onConflict((oc) => oc.doNothing())
    .returning('organization_id')
    .execute();
  return rows.map((r) => r.organization_id);
}

/** Adds RED recipients; returns the users newly added. */
export async function addRecipients(trx: Handle, incidentId: string, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await trx
    .insertInto('incident_recipients')
    .values(userIds.map((user_id) => ({ incident_id: incidentId, user_id })))
    .onConflict((oc) => oc.doNothing())
    .returning('user_id')
    .execute();
  return rows.map((r) => r.user_id);
}

/**
 * The access facts of many incidents in one query: their audience from the rows' own copies (one index
 * probe per incident, not one per link table).
 */
export async function loadAccessFacts(db: Handle, incidents: readonly IncidentRow[]): Promise<Map<string, IncidentAccessFacts>> {
  const facts = new Map<string, FactsOf>();
  for (const i of incidents) facts.set(i.id, accessFactsOf(i));
  if (incidents.length === 0) return facts;
  const rows = await db
    .selectFrom('incidents')
    .select(['incidents.id', ...FACT_ARRAYS])
    .where('incidents.id', '=', sql<string>`any(${incidents.map((i) => i.id)}::uuid[])`)
    .execute();
  for (const r of rows) {
    const f = facts.get(r.id)!;
    f.affectedCountyIds.push(...r.county_ids);
    f.sharedOrganizationIds.push(...r.share_ids);
    f.recipientUserIds.push(...r.recipient_ids);
  }
  return facts;
}

export function insertTimelineEntry(
  trx: Handle,
  e: {
    incidentId: string;
    kind: TimelineEntryKind;
    actorUserId: string | null;
    actorOrganizationId: string | null;
    body?: string | null;
    change?: Record<string, unknown> | null;
    relatedIncidentId?: string | null;
  },
  /**
   * The change's audit entry follows in this transaction (use-cases/deps.ts record): this statement takes
   * the log append lock that entry needs, instead of a statement of its own. It reads nothing, so the
   * snapshot it took before waiting for the lock does not matter; the audit entry's statements come after.
   */
  opts: { takeLogAppendLock?: boolean } = {},
): Promise<TimelineRow> {
  // SQL text, not built: every change of an incident writes one (see insertFiledIncident).
  return sql<TimelineRow>`
    ${opts.takeLogAppendLock ? sql`with ${appendLockCte(trx)}` : sql``}
    insert into incident_timeline (incident_id, kind, at, actor_user_id, actor_organization_id, body, change, related_incident_id)
    select ${e.incidentId}, ${e.kind}, ${new Date()}, ${e.actorUserId}, ${e.actorOrganizationId}, ${e.body ?? null}, ${e.change ? JSON.stringify(e.change) : null}, ${e.relatedIncidentId ?? null}
    ${opts.takeLogAppendLock ? sql`from append_lock` : sql``}
    returning *`
    .execute(trx)
    .then((r) => r.rows[0]!);
}

/** A comment moves the incident up in "recently updated" without being a change of its row (no new version). */
export async function touchIncident(trx: Handle, id: string): Promise<void> {
  await trx.updateTable('incidents').set({ updated_at: new Date() }).where('id', '=', id).execute();
}

/** The slugs of the counties an incident names (what an edit's diff compares). */
export async function affectedCountySlugs(db: Handle, incidentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('incident_affected_counties as c')
    .innerJoin('organizations as o', 'o.id', 'c.organization_id')
    .select('o.slug')
    .where('c.incident_id', '=', incidentId)
    .execute();
  return rows.map((r) => r.slug);
}

/** Whether the incident is a statewide correlation of an indicator. */
export async function isCorrelationIncident(db: Handle, incidentId: string): Promise<boolean> {
  const r = await db.selectFrom('indicator_correlations').select('indicator_id').where('incident_id', '=', incidentId).executeTakeFirst();
  return r !== undefined;
}

/** The incidents an incident's timeline entries name (merge links), one per entry, of the given kinds. */
export async function listTimelineLinks(db: Handle, incidentId: string, kinds?: readonly TimelineEntryKind[]): Promise<string[]> {
  const rows = await db
    .selectFrom('incident_timeline')
    .select('related_incident_id')
    .where('incident_id', '=', incidentId)
    .where('related_incident_id', 'is not', null)
    .$if(kinds !== undefined, (q) => q.where('kind', 'in', [...kinds!]))
    .execute();
  return rows.map((r) => r.related_incident_id!);
}

/** Whether the incident's timeline holds an entry of this kind whose change contains `change` (jsonb @>). */
export async function hasTimelineEntryWith(db: Handle, incidentId: string, kind: TimelineEntryKind, change: Record<string, unknown>): Promise<boolean> {
  const r = await db
    .selectFrom('incident_timeline')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('kind', '=', kind)
    .where(sql<boolean>`change @> ${JSON.stringify(change)}::jsonb`)
    .executeTakeFirst();
  return r !== undefined;
}

export function listTimeline(
  db: Handle,
  incidentId: string,
  opts: { kinds?: readonly TimelineEntryKind[]; afterId: number | string | null; limit: number },
): Promise<TimelineRow[]> {
  let q = db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', incidentId);
  if (opts.kinds?.length) q = q.where('kind', 'in', [...opts.kinds]);
  if (typeof opts.afterId === 'number') q = q.where('id', '>', opts.afterId);
  // A cursor names an entry by its public id (a UUID): one of another incident, or none, lists nothing.
  if (typeof opts.afterId === 'string') {
    const after = opts.afterId;
    q = q.where('id', '>', (eb) =>
      eb.selectFrom('incident_timeline as a').select('a.id').where('a.public_id', '=', after).where('a.incident_id', '=', incidentId),
    );
  }
  return q.orderBy('id').limit(opts.limit).execute();
}

export async function countTimeline(db: Handle, incidentId: string, kinds?: readonly TimelineEntryKind[]): Promise<number> {
  let q = db.selectFrom('incident_timeline').select((eb) => eb.fn.countAll<number>().as('n')).where('incident_id', '=', incidentId);
  if (kinds?.length) q = q.where('kind', 'in', [...kinds]);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export function listDuplicates(db: Handle, incidentId: string, visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>) {
  return db.selectFrom('incidents').select(INCIDENT_SELECTION).where('merged_into_id', '=', incidentId).where(visible).orderBy('reported_at').execute();
}

// ── Lists ───────────────────────────────────────────────────────────────────────────────────────────

/** What every incident filter says of the incident itself: lists, live events and their catch-up alike. */
export interface IncidentFacetFilter {
  statuses?: readonly IncidentStatus[] | null;
  severityAtLeast?: Severity | null;
  categories?: readonly IncidentCategory[] | null;
  domains?: readonly IncidentDomain[] | null;
  tlp?: readonly Tlp[] | null;
  exercise?: boolean | null;
}

/** The same, with organizations by slug, as clients write them (GraphQL inputs, the console's query string). */
export interface IncidentFilterBySlug extends IncidentFacetFilter {
  affectedCounty?: string | null;
  reportingOrganization?: string | null;
}

/** An incident list's filter as the repository applies it: organizations resolved to ids. */
export interface IncidentListFilter extends IncidentFacetFilter {
  affectedCountyId?: string | null;
  reportingOrganizationId?: string | null;
  occurredAfter?: Date | null;
  occurredBefore?: Date | null;
  updatedSince?: Date | null;
  text?: string | null;
}

export type IncidentOrderField = 'REPORTED_AT' | 'UPDATED_AT' | 'OCCURRED_AT' | 'SEVERITY';
export type Direction = 'ASC' | 'DESC';

/** The keyset of an order: the values a cursor carries. */
export type OrderKey = Array<string | number>;

const ORDER_COLUMNS: Record<IncidentOrderField, (a: string) => ReturnType<typeof sql>[]> = {
  REPORTED_AT: (a) => [sql.ref(`${a}.reported_at`), sql.ref(`${a}.id`)],
  UPDATED_AT: (a) => [sql.ref(`${a}.updated_at`), sql.ref(`${a}.id`)],
  OCCURRED_AT: (a) => [sql`coalesce(${sql.ref(`${a}.occurred_at`)}, ${sql.ref(`${a}.reported_at`)})`, sql.ref(`${a}.id`)],
  SEVERITY: (a) => [sql.ref(`${a}.severity_rank`), sql.ref(`${a}.reported_at`), sql.ref(`${a}.id`)],
};

export function orderKeyOf(i: IncidentRow, field: IncidentOrderField): OrderKey {
  switch (field) {
    case 'REPORTED_AT':
      return [i.reported_at.toISOString(), i.id];
    case 'UPDATED_AT':
      return [i.updated_at.toISOString(), i.id];
    case 'OCCURRED_AT':
      return [(i.occurred_at ?? i.reported_at).toISOString(), i.id];
    case 'SEVERITY':
      return [severityRank(i.severity), i.reported_at.toISOString(), i.id];
  }
}

export function applyFilter(
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  f: IncidentListFilter,
) {
  return (eb: ExpressionBuilder<Database, 'incidents'>): Expression<SqlBool> => {
    const conds: Expression<SqlBool>[] = [visible(eb)];
    if (f.statuses?.length) conds.push(eb('incidents.status', 'in', [...f.statuses]));
    if (f.severityAtLeast) conds.push(eb('incidents.severity_rank', '>=', severityRank(f.severityAtLeast) as never));
    if (f.categories?.length) conds.push(eb('incidents.category', 'in', [...f.categories]));
    if (f.domains?.length) conds.push(eb('incidents.domain', 'in', [...f.domains]));
    if (f.tlp?.length) conds.push(eb('incidents.tlp', 'in', [...f.tlp]));
    conds.push(eb('incidents.exercise', '=', f.exercise === true));
    if (f.reportingOrganizationId) conds.push(eb('incidents.reporting_organization_id', '=', f.reportingOrganizationId));
    // The row's own copy of its affected counties (kept by triggers: migration 2026-12-09T0100): a list
    // walks its order's index and tests each row in place, or, for a county named by few incidents,
    // starts from the GIN index on the copy and sorts what it finds (the planner picks by the county's size).
    if (f.affectedCountyId) conds.push(sql<SqlBool>`incidents.affected_county_ids @> array[${f.affectedCountyId}::uuid]`);
    if (f.occurredAfter) conds.push(eb('incidents.occurred_at', '>=', f.occurredAfter));
    if (f.occurredBefore) conds.push(eb('incidents.occurred_at', '<', f.occurredBefore));
    if (f.updatedSince) conds.push(eb('incidents.updated_at', '>=', f.updatedSince));
    if (f.text) conds.push(sql<SqlBool>`incidents.search @@ websearch_to_tsquery('english', ${f.text})`);
    return eb.and(conds);
  };
}

/**
 * The same condition, evaluated row by row: `exists (select … offset 0)`, which the planner neither
 * flattens nor hashes. The incident filter tests the row itself since migration 2026-12-09T0100 and needs
 * no such wrapping; it stays for callers whose conditions still hold subqueries (alerts' event log, the
 * indicators' correlations), where a hashed subplan would read the principal's whole list for a page.
 * `exists (select 1 where c)` holds exactly when c is true: the rows are the same.
 */
export function perRow(visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>) {
  return (eb: ExpressionBuilder<Database, any>): Expression<SqlBool> => sql<SqlBool>`exists (select 1 where ${visible(eb)} offset 0)`;
}

export interface ListIncidentsOptions {
  /** Read only these columns (null or absent: the whole row with its audience). */
  projection?: IncidentProjection | null;
  /** How many of the newest incidents a text search looks among first (RECENT_WINDOW; tests make it small). */
  recentWindow?: number;
}

/**
 * A text search's first try looks among this many of the newest incidents (see recentBound): a term
 * that one incident in a hundred names finds a page of 50 there.
 */
const RECENT_WINDOW = 5_000;

export async function listIncidents(
  db: Handle,
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  filter: IncidentListFilter,
  order: { field: IncidentOrderField; direction: Direction },
  after: OrderKey | null,
  limit: number,
  opts: ListIncidentsOptions = {},
): Promise<Array<{ incident: IncidentRow; facts: FactsOf | null }>> {
  // A text search, newest first: the GIN index knows every match but not which are newest, so the page
  // would visit every match's row to sort them. It asks first for the matches reported since the
  // RECENT_WINDOW-th newest incident (reported_at is in the same GIN index: migration 2026-12-10T0500),
  // and only when those fill less than the page, again without that bound. Every incident reported since
  // the bound comes before every other one in this order, so a full page found there is the same page.
  if (filter.text && order.field === 'REPORTED_AT' && order.direction === 'DESC' && limit > 0) {
    const since = await recentBound(db, opts.recentWindow ?? RECENT_WINDOW);
    if (since !== null && (!after || String(after[0]) > since)) {
      const rows = await listPage(db, visible, filter, order, after, limit, opts.projection ?? null, since);
      if (rows.length === limit) return rows;
    }
  }
  return listPage(db, visible, filter, order, after, limit, opts.projection ?? null, null);
}

async function listPage(
  db: Handle,
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  filter: IncidentListFilter,
  order: { field: IncidentOrderField; direction: Direction },
  after: OrderKey | null,
  limit: number,
  projection: IncidentProjection | null,
  reportedSince: string | null,
): Promise<Array<{ incident: IncidentRow; facts: FactsOf | null }>> {
  const selection = projection
    ? [...new Set([...LIST_KEY_COLUMNS, ...ORDER_KEY_COLUMNS[order.field], ...projection.columns])].map((c) => `incidents.${c}` as const)
    : INCIDENT_SELECTION;
  const withAudience = !projection || projection.audience;
  // A county: its own entries in incident_county_order, in the order's order, each joined to its row and
  // tested there, until the page is full (migration 2026-12-10T0500); walking every incident's order and
  // testing each row's copy read up to 2,200 buffers for a county that few incidents name. An entry's
  // reported_at and incident_id are its row's: the order and the cursors are the same.
  const byCounty = filter.affectedCountyId && order.field === 'REPORTED_AT' ? filter.affectedCountyId : null;
  const cols = byCounty ? [sql.ref('o.reported_at'), sql.ref('o.incident_id')] : ORDER_COLUMNS[order.field]('incidents');
  let q = byCounty
    ? db
        .selectFrom('incident_county_order as o')
        .innerJoin('incidents', 'incidents.id', 'o.incident_id')
        .select(selection)
        .where('o.organization_id', '=', byCounty)
        .where(applyFilter(visible, { ...filter, affectedCountyId: null }))
    : db.selectFrom('incidents').select(selection).where(applyFilter(visible, filter));
  if (withAudience) q = q.select(FACT_ARRAYS) as unknown as typeof q;
  if (reportedSince !== null) q = q.where(sql<SqlBool>`${cols[0]} >= ${reportedSince}::timestamptz`);
  if (after) {
    const op = order.direction === 'DESC' ? sql`<` : sql`>`;
    const values = after.map((v, idx) => {
      const isLast = idx === after.length - 1;
      if (isLast) return sql`${v}::uuid`;
      if (order.field === 'SEVERITY' && idx === 0) return sql`${v}::smallint`;
      return sql`${v}::timestamptz`;
    });
    q = q.where(sql<SqlBool>`(${sql.join(cols)}) ${op} (${sql.join(values)})`);
  }
  const dir = order.direction === 'DESC' ? sql`desc` : sql`asc`;
  const orderBy = sql`${sql.join(cols.map((c) => sql`${c} ${dir}`))}` as never;
  const rows = (await q.orderBy(orderBy).limit(limit).execute()) as unknown as Array<IncidentRow & Partial<{ county_ids: string[]; share_ids: string[]; recipient_ids: string[] }>>;
  return rows.map((r) => (r.county_ids ? withFacts(r as Parameters<typeof withFacts>[0]) : { incident: r, facts: null }));
}

/**
 * The reported_at (as text) of the `window`-th newest incident, or null when there are fewer: read at most
 * once a minute per database handle. A bound older than it should be only widens the first try; one
 * newer only makes it come back short more often (and the list asks again): neither changes a page.
 */
const recentBounds = new WeakMap<object, { at: number; value: Promise<string | null>; window: number }>();
async function recentBound(db: Handle, window: number): Promise<string | null> {
  const cached = recentBounds.get(db);
  if (cached && cached.window === window && Date.now() - cached.at < 60_000) return cached.value;
  const value = sql<{ at: string }>`select to_char(reported_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
      from incidents order by reported_at desc, id desc offset ${window - 1} limit 1`
    .execute(db)
    .then((r) => r.rows[0]?.at ?? null);
  recentBounds.set(db, { at: Date.now(), value, window });
  // A failed read is not kept: the next list asks again.
  value.catch(() => recentBounds.delete(db));
  return value;
}

export async function countIncidents(
  db: Handle,
  visible: (eb: ExpressionBuilder<Database, any>) => Expression<SqlBool>,
  filter: IncidentListFilter,
): Promise<number> {
  const r = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(applyFilter(visible, filter))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
