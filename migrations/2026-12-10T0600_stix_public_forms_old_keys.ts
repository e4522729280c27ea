import { sql, type Kysely } from 'kysely';

// TAXII public forms (2026-12-10T0100): the UPDATE triggers of stix_refs and indicator_reports forgot the
// copies of the rows' new keys only. An UPDATE may change the key: a STIX object imported again naming
// another value moves its import record (upsertRefs: hub_key = excluded.hub_key), so the value it named
// before kept a copy with the import's created/modified while a build no longer found that import
// (test/stix-public-forms-attack.test.ts). Both tables' UPDATE triggers now read the old rows as well.
// The copies made so far are forgotten (the next look makes them again): some may be such stale ones, and
// some were made from the first of several import records of a value where pages now read the latest
// (stix.repository.ts REPORT_REF_JOIN). Any change to what an indicator object says must do the same.
// Migrations never import src/: the lock protocol is written out again (2026-12-10T0100 explains it).

/** pg_advisory_xact_lock key of the public forms (stix.repository.ts PUBLIC_FORMS_LOCK: the same number). */
const PUBLIC_FORMS_LOCK = 0x57_1f_00_16;

const FORGET = (ids: string) => `
  perform pg_advisory_xact_lock_shared(${PUBLIC_FORMS_LOCK});
  if exists (select 1 from stix_feed where hub_kind = 'indicator' and public_json is not null) then
    update stix_feed f set public_json = null, public_version = null
      where f.hub_kind = 'indicator' and f.public_json is not null and f.hub_id in (${ids});
  end if;`;

const REF_IDS = (keys: string) => `select i.id from (${keys}) c join indicators i
        on i.type = split_part(c.hub_key, ':', 1) and i.value = substr(c.hub_key, strpos(c.hub_key, ':') + 1)
      where c.hub_kind = 'indicator'`;

const NEW: Record<string, string> = {
  stix_forget_report_update_forms: FORGET('select indicator_id from changed union select indicator_id from changed_old'),
  stix_forget_ref_update_forms: FORGET(REF_IDS('select hub_kind, hub_key from changed union select hub_kind, hub_key from changed_old')),
};

async function createFunction(db: Kysely<any>, name: string, body: string): Promise<void> {
  await sql.raw(`create function "${name}"() returns trigger language plpgsql as $$
begin${body}
  return null;
end
$$`).execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, body] of Object.entries(NEW)) await createFunction(db, name, body);
  await sql`drop trigger stix_forms_report_update on indicator_reports`.execute(db);
  await sql`drop trigger stix_forms_ref_update on stix_refs`.execute(db);
  await sql.raw(`create trigger stix_forms_report_update after update on indicator_reports referencing old table as changed_old new table as changed
    for each statement execute function stix_forget_report_update_forms()`).execute(db);
  await sql.raw(`create trigger stix_forms_ref_update after update on stix_refs referencing old table as changed_old new table as changed
    for each statement execute function stix_forget_ref_update_forms()`).execute(db);
  await sql`update stix_feed set public_json = null, public_version = null where hub_kind = 'indicator' and public_json is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists stix_forms_report_update on indicator_reports`.execute(db);
  await sql`drop trigger if exists stix_forms_ref_update on stix_refs`.execute(db);
  await sql.raw(`create trigger stix_forms_report_update after update on indicator_reports referencing new table as changed
    for each statement execute function stix_forget_report_forms()`).execute(db);
  await sql.raw(`create trigger stix_forms_ref_update after update on stix_refs referencing new table as changed
    for each statement execute function stix_forget_ref_forms()`).execute(db);
  for (const name of Object.keys(NEW)) await sql.raw(`drop function if exists "${name}"()`).execute(db);
}
