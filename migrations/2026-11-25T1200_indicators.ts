import { sql, type Kysely } from 'kysely';

// Indicators (one row per type and canonical value), the organizations' reports of them with their own
// TLP and audience, and sightings. Sized for millions of indicators: the bulk import writes here with
// INSERT … ON CONFLICT from arrays, so every index below is paid for on every imported row.
// Migrations never import src/: they must keep working as the application changes.

const TYPES = sql`('IPV4','IPV6','CIDR','DOMAIN','URL','EMAIL','MD5','SHA1','SHA256','PHONE','SOCIAL_ACCOUNT')`;
const TLPS = sql`('CLEAR','GREEN','AMBER','AMBER_STRICT','RED')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('indicators')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ${TYPES}`))
    // Canonical values compare byte for byte: the "C" collation makes the unique b-tree memcmp-fast.
    // 2,048 keeps every key well under the b-tree's limit of about 2,700 bytes per entry.
    .addColumn('value', sql`text collate "C"`, (c) => c.notNull().check(sql`octet_length(value) between 1 and 2048`))
    // The address or network of IP types, for containment matching (net >>= observed address).
    .addColumn('net', sql`inet`, (c) => c.generatedAlwaysAs(sql`case when type in ('IPV4','IPV6','CIDR') then value::inet end`).stored())
    // Why the value is on a warning list (private range, the state's own domain, …); null when it is not.
    .addColumn('benign_reason', 'text')
    // Across every report and sighting, for ordering and retention. What a user is shown is recomputed
    // from the reports and sightings visible to them (access-policy.md, "Indicators and sightings").
    .addColumn('first_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('indicators_type_value_key', ['type', 'value'])
    .addCheckConstraint('indicators_seen_order', sql`first_seen <= last_seen`)
    .execute();
  // Partial: only IP types have a net, and the other types cost this index nothing.
  await sql`create index indicators_net_idx on indicators using gist (net inet_ops) where net is not null`.execute(db);

  await db.schema
    .createTable('indicator_reports')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('indicator_id', 'bigint', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    // The reporting user: a RED report's named recipient. Null for an operator's bulk import.
    .addColumn('reported_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('tlp', 'text', (c) => c.notNull().check(sql`tlp in ${TLPS}`))
    // Named like the incidents' column so that one access filter reads both.
    .addColumn('law_enforcement_sensitive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('confidence', 'smallint', (c) => c.notNull().defaultTo(50).check(sql`confidence between 0 and 100`))
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    // Reports past valid_until are not matched unless asked for (issue 5, item 7).
    .addColumn('valid_until', 'timestamptz')
    .addColumn('description', 'text', (c) => c.check(sql`char_length(description) <= 4000`))
    // The linked incident. No foreign key yet: the incidents table lands in a migration written in
    // parallel; a later migration adds `references incidents(id)` once both are in.
    .addColumn('incident_id', 'uuid')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // One report per organization and indicator: reporting again updates it.
    .addUniqueConstraint('indicator_reports_indicator_org_key', ['indicator_id', 'organization_id'])
    .execute();
  // "Reported by" filters and an organization's own reports.
  await sql`create index indicator_reports_org_idx on indicator_reports (organization_id, indicator_id)`.execute(db);
  await sql`create index indicator_reports_incident_idx on indicator_reports (incident_id) where incident_id is not null`.execute(db);

  // A report's audience, shaped like an incident's (access-policy.md): organizations it was shared with
  // (AMBER, AMBER_STRICT) and, for RED, the users it was shared with besides the reporting user.
  await db.schema
    .createTable('indicator_report_shares')
    .addColumn('report_id', 'bigint', (c) => c.notNull().references('indicator_reports.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addPrimaryKeyConstraint('indicator_report_shares_pkey', ['report_id', 'organization_id'])
    .execute();
  await sql`create index indicator_report_shares_org_idx on indicator_report_shares (organization_id, report_id)`.execute(db);
  await db.schema
    .createTable('indicator_report_recipients')
    .addColumn('report_id', 'bigint', (c) => c.notNull().references('indicator_reports.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addPrimaryKeyConstraint('indicator_report_recipients_pkey', ['report_id', 'user_id'])
    .execute();
  await sql`create index indicator_report_recipients_user_idx on indicator_report_recipients (user_id, report_id)`.execute(db);

  // "We saw this value at this time": counted for every partner, attributed only where visible.
  await db.schema
    .createTable('sightings')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('indicator_id', 'bigint', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    // A RED sighting's named recipient, like a report's.
    .addColumn('reported_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1).check(sql`count > 0`))
    .addColumn('tlp', 'text', (c) => c.notNull().check(sql`tlp in ${TLPS}`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Correlation asks, per indicator, which organizations saw it in the last window: incremental work.
  await sql`create index sightings_indicator_seen_idx on sightings (indicator_id, seen_at desc)`.execute(db);
  await sql`create index sightings_org_seen_idx on sightings (organization_id, seen_at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sightings').execute();
  await db.schema.dropTable('indicator_report_recipients').execute();
  await db.schema.dropTable('indicator_report_shares').execute();
  await db.schema.dropTable('indicator_reports').execute();
  await db.schema.dropTable('indicators').execute();
}
