import { sql, type Kysely } from 'kysely';

// A claim promoted to a misinformation incident (issue 16): by an analyst or past the configured thresholds.
// One incident per claim; the incident is routed like any other, and links back to its claim through this row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('claim_incidents')
    .addColumn('claim_id', 'uuid', (c) => c.primaryKey().references('claims.id'))
    .addColumn('incident_id', 'uuid', (c) => c.notNull().unique().references('incidents.id'))
    // 'ANALYST', 'THRESHOLD' or 'VOTING_LOGISTICS'.
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('ANALYST', 'THRESHOLD', 'VOTING_LOGISTICS')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('claim_incidents').execute();
}
