import { sql, type Kysely } from 'kysely';

// Public reports of misleading election information (issue 16, shared/design/public-reports.md) and the
// claims analysts cluster them into. No client address is stored: only a keyed, daily-salted hash, for
// rate limiting and for telling "same sender today" in an investigation. pg_trgm: claims are found by
// trigram similarity of their text (a trusted extension since PostgreSQL 13; its functions are PUBLIC, so
// the application's role uses them without a grant once the admin role has created it).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await db.schema
    .createTable('claims')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('NEW').check(sql`status in ('NEW', 'TRIAGING', 'FALSE_CONFIRMED', 'NOT_ACTIONABLE', 'RESOLVED')`))
    // The text of the report that opened the claim (analysts may retitle it), and the normalized text the
    // trigram index compares new reports with.
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('match_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('links', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('phones', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    // A claim merged into another keeps its row (its reference stays findable) and no reports.
    .addColumn('merged_into_id', 'uuid', (c) => c.references('claims.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index claims_match_text_trgm_idx on claims using gin (match_text gin_trgm_ops)`.execute(db);
  await sql`create index claims_links_idx on claims using gin (links)`.execute(db);
  await sql`create index claims_phones_idx on claims using gin (phones)`.execute(db);
  await db.schema.createIndex('claims_open_last_seen_idx').on('claims').columns(['status', 'last_seen_at']).execute();
  await sql`create sequence claim_reference_seq`.execute(db);

  await db.schema
    .createTable('public_reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // What the reporter keeps: random, not sequential (a number says nothing about how many reports exist).
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('claim_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('link', 'text')
    .addColumn('seen_where', 'text', (c) => c.notNull().check(sql`seen_where in ('SOCIAL_MEDIA', 'TEXT_MESSAGE', 'EMAIL', 'WEBSITE', 'PHONE_CALL', 'IN_PERSON', 'OTHER')`))
    .addColumn('seen_when', 'text', (c) => c.notNull().check(sql`seen_when in ('TODAY', 'YESTERDAY', 'THIS_WEEK', 'EARLIER')`))
    // A county's FIPS code, 'STATEWIDE', or null (not given).
    .addColumn('county', 'text')
    .addColumn('why_false', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('followup_email', 'text')
    .addColumn('followup_sent_at', 'timestamptz')
    .addColumn('followup_deleted_at', 'timestamptz')
    .addColumn('screenshot', 'bytea')
    .addColumn('screenshot_type', 'text')
    .addColumn('screenshot_deleted_at', 'timestamptz')
    .addColumn('client_hash', 'bytea', (c) => c.notNull())
    // Filled by the clustering job.
    .addColumn('detected_language', 'text')
    .addColumn('links', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('handles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('phones', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('claim_id', 'uuid', (c) => c.references('claims.id'))
    .addColumn('cluster_reason', 'text', (c) => c.check(sql`cluster_reason in ('LINK', 'PHONE', 'SIMILAR_TEXT', 'NEW_CLAIM', 'ANALYST')`))
    .addColumn('clustered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('public_reports_claim_or_link', sql`claim_text <> '' or link is not null`)
    .execute();
  await db.schema.createIndex('public_reports_claim_idx').on('public_reports').columns(['claim_id', 'created_at']).execute();
  await sql`create index public_reports_unclustered_idx on public_reports (created_at) where clustered_at is null`.execute(db);

  await db.schema
    .createTable('claim_notes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('claim_id', 'uuid', (c) => c.notNull().references('claims.id'))
    .addColumn('author_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('claim_notes_claim_idx').on('claim_notes').columns(['claim_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('claim_notes').execute();
  await db.schema.dropTable('public_reports').execute();
  await sql`drop sequence claim_reference_seq`.execute(db);
  await db.schema.dropTable('claims').execute();
  // The hub's only user of the extension: down leaves the schema as it found it.
  await sql`drop extension if exists pg_trgm`.execute(db);
}
