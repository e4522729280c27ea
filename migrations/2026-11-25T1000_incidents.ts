import { sql, type Kysely } from 'kysely';

// Incidents: the incident, its audience (affected counties, shared organizations, RED recipients),
// its timeline (comments included) and the per-year reference counter.

export async function up(db: Kysely<any>): Promise<void> {
  // One row per year; the row lock serialises filers for a moment and references are never reused.
  await db.schema
    .createTable('incident_reference_counters')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('last_number', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull().check(sql`char_length(title) between 1 and 200`))
    .addColumn('summary', 'text', (c) => c.notNull().check(sql`char_length(summary) <= 20000`))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull().check(sql`domain in ('CYBER','PHYSICAL','INFORMATION','OTHER')`))
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('LOW','MODERATE','HIGH','CRITICAL')`))
    .addColumn('severity_rank', 'smallint', (c) =>
      c.generatedAlwaysAs(sql`case severity when 'LOW' then 1 when 'MODERATE' then 2 when 'HIGH' then 3 else 4 end`).stored(),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('REPORTED','TRIAGED','INVESTIGATING','CONTAINED','RESOLVED','CLOSED','REJECTED','MERGED')`),
    )
    .addColumn('tlp', 'text', (c) => c.notNull().check(sql`tlp in ('CLEAR','GREEN','AMBER','AMBER_STRICT','RED')`))
    .addColumn('law_enforcement_sensitive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('exercise', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('reporting_user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('reporting_organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('affected_assets', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('occurred_at', 'timestamptz')
    .addColumn('detected_at', 'timestamptz')
    // Millisecond precision everywhere: keyset cursors carry these times through JavaScript Dates.
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`date_trunc('milliseconds', now())`))
    .addColumn('assignee_organization_id', 'uuid', (c) => c.references('organizations.id'))
    .addColumn('assignee_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('external_references', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('merged_into_id', 'uuid', (c) => c.references('incidents.id'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`date_trunc('milliseconds', now())`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`date_trunc('milliseconds', now())`))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', summary), 'B')`).stored(),
    )
    .execute();
  await sql`create index incidents_reported_idx on incidents (reported_at desc, id desc)`.execute(db);
  await sql`create index incidents_updated_idx on incidents (updated_at desc, id desc)`.execute(db);
  await sql`create index incidents_occurred_idx on incidents ((coalesce(occurred_at, reported_at)) desc, id desc)`.execute(db);
  await sql`create index incidents_severity_idx on incidents (severity_rank desc, reported_at desc, id desc)`.execute(db);
  await sql`create index incidents_reporting_org_idx on incidents (reporting_organization_id, reported_at desc)`.execute(db);
  await sql`create index incidents_status_idx on incidents (status)`.execute(db);
  await sql`create index incidents_search_idx on incidents using gin (search)`.execute(db);
  await sql`create index incidents_merged_into_idx on incidents (merged_into_id) where merged_into_id is not null`.execute(db);

  for (const [table, column] of [
    ['incident_affected_counties', 'organization_id'],
    ['incident_shares', 'organization_id'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
      .addColumn(column, 'uuid', (c) => c.notNull().references('organizations.id'))
      .addPrimaryKeyConstraint(`${table}_pkey`, ['incident_id', column])
      .execute();
    // The access filter asks "is organization O in this incident's list": (incident, org) is the key.
    await sql`create index ${sql.raw(`${table}_org_idx`)} on ${sql.table(table)} (${sql.ref(column)}, incident_id)`.execute(db);
  }
  await db.schema
    .createTable('incident_recipients')
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addPrimaryKeyConstraint('incident_recipients_pkey', ['incident_id', 'user_id'])
    .execute();
  await sql`create index incident_recipients_user_idx on incident_recipients (user_id, incident_id)`.execute(db);

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(sql`kind in ('FILED','UPDATED','COMMENT','STATUS_CHANGED','SEVERITY_CHANGED','SHARED','TLP_CHANGED','LES_CHANGED','ASSIGNED','MERGED')`),
    )
    .addColumn('actor_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('actor_organization_id', 'uuid', (c) => c.references('organizations.id'))
    .addColumn('body', 'text')
    .addColumn('change', 'jsonb')
    // A MERGED entry names the other incident: shown only to those who may see it.
    .addColumn('related_incident_id', 'uuid', (c) => c.references('incidents.id'))
    .execute();
  await sql`create index incident_timeline_incident_idx on incident_timeline (incident_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('incident_timeline').execute();
  await db.schema.dropTable('incident_recipients').execute();
  await db.schema.dropTable('incident_shares').execute();
  await db.schema.dropTable('incident_affected_counties').execute();
  await db.schema.dropTable('incidents').execute();
  await db.schema.dropTable('incident_reference_counters').execute();
}
