import { sql, type Kysely } from 'kysely';

// The audit chain's scheme, per entry. Scheme 1 (every entry written before this migration) is a plain
// SHA-256 chain: anyone who can write the table can also recompute it, so a rewrite re-hashed with the
// hub's own function verified as intact. Scheme 2 is an HMAC-SHA256 chain keyed with a secret kept
// outside PostgreSQL (ESTF_AUDIT_KEY or the data directory's audit.key). Old entries keep scheme 1 and
// stay verifiable as they were; the first scheme-2 entry chains onto them, and no scheme-1 entry may
// follow a scheme-2 one. Adding a column with a default rewrites no row, so the append-only triggers
// are not involved.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_log add column scheme smallint not null default 1 check (scheme in (1, 2))`.execute(db);
  // New entries must say which scheme they use.
  await sql`alter table audit_log alter column scheme drop default`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_log drop column scheme`.execute(db);
}
