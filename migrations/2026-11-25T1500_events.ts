import { sql, type Kysely } from 'kysely';

// The outbox read as the event log (alerts): catching up walks one aggregate type's rows in id order
// from a cursor. Indicator rows will outnumber incident rows by far; without this index an incident
// catch-up would read every indicator event on its way.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index outbox_aggregate_type_id_idx on outbox (aggregate_type, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index outbox_aggregate_type_id_idx`.execute(db);
}
