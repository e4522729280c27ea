import { sql, type Kysely } from 'kysely';

// Timeline entries (comments among them) and sightings were shown to clients by their bigserial ids:
// small integers, one after the other, that told anyone how many comments and sightings the hub holds
// and let them guess their neighbours'. Every other object is shown by a random UUID. Each row gets
// one too, `public_id`, which the API shows instead; the integer stays the key (foreign keys, the
// order of a timeline, the outbox's payloads) and is never shown.
//
// Existing rows each get their own UUID. Steps chosen for PostgreSQL 15: the column is added without a
// default (a catalogue change only), the default set afterwards applies to new rows only, existing rows
// are filled by one UPDATE; NOT NULL is then proven by a validated CHECK, so that SET NOT NULL skips its
// own scan. The migration runs in one transaction, so the tables stay locked until it commits.

const TABLES = ['incident_timeline', 'sightings'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    const t = sql.table(table);
    await sql`alter table ${t} add column public_id uuid`.execute(db);
    await sql`alter table ${t} alter column public_id set default gen_random_uuid()`.execute(db);
    await sql`update ${t} set public_id = gen_random_uuid() where public_id is null`.execute(db);
    await sql`alter table ${t} add constraint ${sql.id(`${table}_public_id_present`)} check (public_id is not null) not valid`.execute(db);
    await sql`alter table ${t} validate constraint ${sql.id(`${table}_public_id_present`)}`.execute(db);
    await sql`alter table ${t} alter column public_id set not null`.execute(db);
    await sql`alter table ${t} drop constraint ${sql.id(`${table}_public_id_present`)}`.execute(db);
    await sql`create unique index ${sql.id(`${table}_public_id_key`)} on ${t} (public_id)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`drop index ${sql.id(`${table}_public_id_key`)}`.execute(db);
    await sql`alter table ${sql.table(table)} drop column public_id`.execute(db);
  }
}
