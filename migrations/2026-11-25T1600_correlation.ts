import { sql, type Kysely } from 'kysely';

// Cross-county correlation: one statewide incident per indicator seen by several counties, and the link
// from indicator reports to incidents (a foreign key now that both tables exist).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('indicator_correlations')
    .addColumn('indicator_id', 'bigint', (c) => c.primaryKey().references('indicators.id').onDelete('cascade'))
    .addColumn('incident_id', 'uuid', (c) => c.notNull().unique().references('incidents.id').onDelete('cascade'))
    .addColumn('county_ids', sql`uuid[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`update indicator_reports set incident_id = null where incident_id is not null and incident_id not in (select id from incidents)`.execute(db);
  await sql`alter table indicator_reports add constraint indicator_reports_incident_fkey foreign key (incident_id) references incidents(id) on delete set null`.execute(db);
  // Reports and sightings of one indicator within the correlation window, by time.
  await sql`create index indicator_reports_indicator_updated_idx on indicator_reports (indicator_id, updated_at desc) where revoked_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index indicator_reports_indicator_updated_idx`.execute(db);
  await sql`alter table indicator_reports drop constraint indicator_reports_incident_fkey`.execute(db);
  await db.schema.dropTable('indicator_correlations').execute();
}
