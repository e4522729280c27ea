import { sql, type Kysely } from 'kysely';

// Who holds a delivery attempt in flight: the worker that claimed it (its heartbeat id). A claim moves
// next_attempt_at to the end of a lease; when that worker's heartbeat stops, the reconciler releases the
// claim at once instead of waiting for the lease (a send timeout and more) to run out.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table notifications add column claimed_by text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table notifications drop column claimed_by`.execute(db);
}
