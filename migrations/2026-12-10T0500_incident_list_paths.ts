import { sql, type Kysely } from 'kysely';

// Incident lists (issue 17), the two filters whose pages cost PostgreSQL several times the same rows
// fetched by primary key (graphql bench, EXPLAIN (ANALYZE, BUFFERS)):
//
// - A county: the page walked incidents_reported_idx and read each incident's row from the heap to test
//   its audience copy, 630–2,200 buffers for a county that few incidents name (6.5 ms for the Secretary of
//   State's coordinator filtering on Fresno), or, for a county named by very few, read all of them and
//   sorted. incident_county_order lists each county's incidents newest first (a copy of
//   incident_affected_counties with the incident's reported_at, kept by statement-level triggers in the
//   changing statement, like the audience copies of migration 2026-12-09T0100): a county's page walks
//   its county's entries in order and reads only the rows it shows (and those the access filter drops).
// - Text: the GIN index found every match (about 2,000 for "ballot drop box" in 100,000) and the page
//   visited each one's row, then sorted them, to keep the 50 newest. With reported_at in the same GIN
//   index (btree_gin, a trusted extension), a page first asks for the matches among the newest incidents
//   only, in the index, and visits ~100 rows; it asks again without that bound only when those are too
//   few. It replaces incidents_search_idx (a GIN index answers a condition on its first column alone).
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists btree_gin`.execute(db);
  await sql`create index incidents_search_reported_idx on incidents using gin (search, reported_at)`.execute(db);
  await sql`drop index incidents_search_idx`.execute(db);

  await sql`create table incident_county_order (
    organization_id uuid not null,
    reported_at timestamptz not null,
    incident_id uuid not null,
    primary key (organization_id, reported_at, incident_id)
  )`.execute(db);
  // Deletes find an incident's entries by its id (an incident deleted cascades to its links, whose
  // trigger removes them here).
  await sql`create index incident_county_order_incident_idx on incident_county_order (incident_id)`.execute(db);
  await sql`insert into incident_county_order (organization_id, reported_at, incident_id)
    select c.organization_id, i.reported_at, c.incident_id from incident_affected_counties c join incidents i on i.id = c.incident_id`.execute(db);
  // Statement-level, after the statement: a filing inserts its incident and its counties in one statement
  // (a CTE), and only an after-statement trigger sees the incident's row.
  await sql.raw(`create function incident_county_order_sync() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then
    delete from incident_county_order o using old_rows r where o.incident_id = r.incident_id and o.organization_id = r.organization_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into incident_county_order (organization_id, reported_at, incident_id)
      select r.organization_id, i.reported_at, r.incident_id from new_rows r join incidents i on i.id = r.incident_id
      on conflict do nothing;
  end if;
  return null;
end
$$`).execute(db);
  await sql`create trigger incident_county_order_insert after insert on incident_affected_counties referencing new table as new_rows for each statement execute function incident_county_order_sync()`.execute(db);
  await sql`create trigger incident_county_order_delete after delete on incident_affected_counties referencing old table as old_rows for each statement execute function incident_county_order_sync()`.execute(db);
  await sql`create trigger incident_county_order_update after update on incident_affected_counties referencing old table as old_rows new table as new_rows for each statement execute function incident_county_order_sync()`.execute(db);
  // The hub never changes an incident's reported_at; a statement that does moves its entries along.
  await sql.raw(`create function incident_county_order_reported() returns trigger language plpgsql as $$
begin
  update incident_county_order set reported_at = new.reported_at where incident_id = new.id;
  return null;
end
$$`).execute(db);
  await sql`create trigger incident_county_order_reported after update of reported_at on incidents for each row
    when (old.reported_at is distinct from new.reported_at) execute function incident_county_order_reported()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger incident_county_order_reported on incidents`.execute(db);
  await sql`drop table incident_county_order`.execute(db);
  await sql`drop function incident_county_order_reported()`.execute(db);
  for (const t of ['insert', 'delete', 'update']) await sql.raw(`drop trigger incident_county_order_${t} on incident_affected_counties`).execute(db);
  await sql`drop function incident_county_order_sync()`.execute(db);
  await sql`create index incidents_search_idx on incidents using gin (search)`.execute(db);
  await sql`drop index incidents_search_reported_idx`.execute(db);
  await sql`drop extension if exists btree_gin`.execute(db);
}
