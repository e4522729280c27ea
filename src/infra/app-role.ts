import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * The least privilege the hub's application role needs, granted by the admin role after migrations:
 * read and write every table, except the audit log, which it may only read and append to. Not owning
 * the tables, it cannot alter them, disable their triggers or truncate them; not being a superuser, it
 * cannot lift any of that. Idempotent: run after every migration, it covers tables added since.
 */
export async function grantAppRole(admin: Db, role: string): Promise<void> {
  const r = sql.id(role);
  await admin.transaction().execute(async (trx) => {
    await sql`grant usage on schema public to ${r}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema public to ${r}`.execute(trx);
    await sql`grant usage, select, update on all sequences in schema public to ${r}`.execute(trx);
    await sql`revoke all on audit_log from ${r}`.execute(trx);
    await sql`grant select, insert on audit_log to ${r}`.execute(trx);
  });
}

/** The role a connection logs in as, and whether it is a superuser (which no grant can restrict). */
export async function currentRole(db: Db): Promise<{ name: string; superuser: boolean }> {
  const { rows } = await sql<{ name: string; superuser: boolean }>`select current_user as name, rolsuper as superuser from pg_roles where rolname = current_user`.execute(db);
  return rows[0]!;
}
