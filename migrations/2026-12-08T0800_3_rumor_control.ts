import { sql, type Kysely } from 'kysely';

// Rumor control (issue 16): the SOS's answer to a claim, per language, published at /rumor-control and in a
// feed; reporters who left an e-mail hear back once (public_reports.followup_sent_at).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rumor_answers')
    .addColumn('claim_id', 'uuid', (c) => c.primaryKey().references('claims.id'))
    // The public address: /rumor-control/<language>/<slug> (the claim's reference, lowercased).
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('DRAFT').check(sql`status in ('DRAFT', 'PUBLISHED', 'UNPUBLISHED')`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('rumor_answer_texts')
    .addColumn('claim_id', 'uuid', (c) => c.notNull().references('rumor_answers.claim_id'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('rumor_answer_texts_pk', ['claim_id', 'language'])
    .execute();
  await sql`create index public_reports_followup_idx on public_reports (claim_id) where followup_email is not null and followup_sent_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index public_reports_followup_idx`.execute(db);
  await db.schema.dropTable('rumor_answer_texts').execute();
  await db.schema.dropTable('rumor_answers').execute();
}
