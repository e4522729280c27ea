import { sql, type Kysely } from 'kysely';

// Whether a contact method works (routing preflight, issue 11 item 7): its last delivery attempt and its
// last delivered page are read per method, so notifications are looked up by contact method.
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index notifications_contact_method_idx on notifications (contact_method_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists notifications_contact_method_idx`.execute(db);
}
