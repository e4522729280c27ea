import { sql, type Kysely } from 'kysely';

// Incident lists (issue 17), the two filters whose pages cost PostgreSQL several times the same rows
// fetched by primary key (graphql bench, EXPLAIN (ANALYZE, BUFFERS)):
//
// - A county: the page walked incidents_reported_idx and read each incident's row from the heap to test
//   its audience copy, 630–2,200 buffers for a county that few incidents name (6.5 ms for the Secretary of
//   State's coordinator filtering on Fresno). The order's index now carries what the access filter and
//   the usual filters test (INCLUDE columns), so the list finds its page's ids by an index-only walk and
//   reads only those rows (the repository's `listIncidents`); it replaces incidents_reported_idx (same key).
// - Text: the GIN index found every match (about 2,000 for "ballot drop box" in 100,000) and the page
//   visited each one's row, then sorted them, to keep the 50 newest. With reported_at in the same GIN
//   index (btree_gin, a trusted extension), a page first asks for the matches among the newest incidents
//   only, in the index, and visits ~100 rows; it asks again without that bound only when those are too
//   few. It replaces incidents_search_idx (a GIN index answers a condition on its first column alone).
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index incidents_list_idx on incidents (reported_at desc, id desc)
    include (tlp, law_enforcement_sensitive, exercise, reporting_organization_id, reporting_user_id,
             affected_county_ids, shared_organization_ids, recipient_user_ids, status, severity_rank)`.execute(db);
  await sql`drop index incidents_reported_idx`.execute(db);
  await sql`create extension if not exists btree_gin`.execute(db);
  await sql`create index incidents_search_reported_idx on incidents using gin (search, reported_at)`.execute(db);
  await sql`drop index incidents_search_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index incidents_search_idx on incidents using gin (search)`.execute(db);
  await sql`drop index incidents_search_reported_idx`.execute(db);
  await sql`drop extension if exists btree_gin`.execute(db);
  await sql`create index incidents_reported_idx on incidents (reported_at desc, id desc)`.execute(db);
  await sql`drop index incidents_list_idx`.execute(db);
}
