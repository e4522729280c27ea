import { sql, type Kysely } from 'kysely';

// Incident lists (issue 17): the access filter decided each row with up to three index probes (is the
// viewer's organization an affected county, a share; is the viewer a named RED recipient), and the page
// read each row's audience with three more; the per-row subplans cost a page several times the same
// rows fetched by primary key (EXPLAIN of the graphql bench: 300–7,000 buffer hits per page, most of
// them probes). The incident row now carries a copy of its audience, so the filter is a test on the row
// and the facts come with it; the link tables stay the record (foreign keys, who-names-what lookups).
//
// The copies are kept by statement-level triggers on the link tables, in the statement (so the
// transaction) that changes them: a filing's INSERT of its counties updates the incident once. They
// append and remove (array || and a filter of the row's own array) rather than recompute from the link
// table: under READ COMMITTED a concurrent change to the same incident waits for the row lock and then
// re-evaluates these expressions on the newest row version, while a recomputing subquery would read its
// own statement's snapshot and lose the other change.
//
// incidents_affected_counties_idx (GIN) lets a list filtered on a county named by few incidents start
// from that county's incidents instead of walking the whole order.
// Migrations never import src/: they must keep working as the application changes.

const MIRRORS = [
  { table: 'incident_affected_counties', member: 'organization_id', column: 'affected_county_ids' },
  { table: 'incident_shares', member: 'organization_id', column: 'shared_organization_ids' },
  { table: 'incident_recipients', member: 'user_id', column: 'recipient_user_ids' },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table incidents
    add column affected_county_ids uuid[] not null default '{}',
    add column shared_organization_ids uuid[] not null default '{}',
    add column recipient_user_ids uuid[] not null default '{}'`.execute(db);
  // The copies are filled by rewriting the table once (ALTER … TYPE … USING, through functions, since
  // USING takes no subquery) rather than by an UPDATE, which would leave a dead version of most rows and
  // a table twice its size until a VACUUM FULL: lists and text searches read it from shared buffers.
  for (const m of MIRRORS) {
    await sql.raw(`create function pg_temp."${m.column}_of"(incident uuid) returns uuid[] language sql stable as
      $$ select coalesce(array_agg("${m.member}" order by "${m.member}"), '{}') from "${m.table}" where incident_id = incident $$`).execute(db);
  }
  await sql.raw(`alter table incidents ${MIRRORS.map((m) => `alter column "${m.column}" type uuid[] using pg_temp."${m.column}_of"(id)`).join(', ')}`).execute(db);
  for (const m of MIRRORS) {
    await sql.raw(`drop function pg_temp."${m.column}_of"(uuid)`).execute(db);
    await sql.raw(`create function "${m.table}_mirror"() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then
    update incidents i set "${m.column}" = array(select x from unnest(i."${m.column}") with ordinality u(x, n) where x <> all (o.ids) order by n)
      from (select incident_id, array_agg("${m.member}") ids from old_rows group by incident_id) o
      where i.id = o.incident_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    update incidents i set "${m.column}" = i."${m.column}" || n.ids
      from (select incident_id, array_agg("${m.member}") ids from new_rows group by incident_id) n
      where i.id = n.incident_id;
  end if;
  return null;
end
$$`).execute(db);
    await sql.raw(`create trigger "${m.table}_mirror_insert" after insert on "${m.table}" referencing new table as new_rows for each statement execute function "${m.table}_mirror"()`).execute(db);
    await sql.raw(`create trigger "${m.table}_mirror_delete" after delete on "${m.table}" referencing old table as old_rows for each statement execute function "${m.table}_mirror"()`).execute(db);
    await sql.raw(
      `create trigger "${m.table}_mirror_update" after update on "${m.table}" referencing old table as old_rows new table as new_rows for each statement execute function "${m.table}_mirror"()`,
    ).execute(db);
  }
  await sql`create index incidents_affected_counties_idx on incidents using gin (affected_county_ids)`.execute(db);
  await sql`analyze incidents`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists incidents_affected_counties_idx`.execute(db);
  for (const m of MIRRORS) {
    for (const op of ['insert', 'delete', 'update']) await sql.raw(`drop trigger if exists "${m.table}_mirror_${op}" on "${m.table}"`).execute(db);
    await sql.raw(`drop function if exists "${m.table}_mirror"()`).execute(db);
  }
  await sql`alter table incidents drop column if exists affected_county_ids, drop column if exists shared_organization_ids, drop column if exists recipient_user_ids`.execute(db);
}
