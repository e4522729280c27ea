import { sql, type Kysely } from 'kysely';

// TAXII pages (issue 15): a page of indicators looked up, for every row, the reader's primary visible
// report (three index probes, a sort and four timestamps written as text) and built the object in Node:
// EXPLAIN of the bench's page, ~7,000 buffer hits for 1,000 rows against 25 for the walk of the log
// alone. Most indicators are shared CLEAR or GREEN, and then every reader sees the same object: when
// the widest-labelled, oldest live report of an indicator (over all its reports, whoever may see them)
// is CLEAR or GREEN and not law-enforcement-sensitive, every user sees that report and none ranks
// before it, so every user's object is built from it. The log row keeps that object's JSON
// (public_json; '' = looked at, not public; null = to be looked at) and its version, and a page
// serves it as it is.
//
// The copy must never outlive a change, above all a revocation or a relabelling (a TAXII reader must
// not get a report after it was withdrawn). So it is forgotten in the statement that changes any input
// of the object: a report of the indicator (insert, update, delete), the indicator's value or warning
// list reason, the import record of the indicator (its STIX created/modified), an organization (the
// slug names the identity). Statement-level triggers with transition tables, as the incidents' audience
// copies (2026-12-09T0100): one UPDATE per statement, nothing when no copy exists.
//
// Filling a copy races with a writer whose report the filler's snapshot does not yet see. The writers'
// triggers take an advisory lock shared (held to their commit); the filler takes it exclusive, with a
// try, before it reads: every writer whose trigger ran has then committed (its change visible to the
// filler's statements), and a writer whose trigger runs later waits for the filler's commit and then
// forgets the copy the filler wrote. The filler never waits: when writers hold the lock it leaves the
// rows for the next sync, and pages build those rows as before. (This holds under READ COMMITTED, where
// each statement of the trigger reads what committed before it: the hub runs no other isolation level.)
// Migrations never import src/: they must keep working as the application changes.

/** pg_advisory_xact_lock key of the public forms (stix.repository.ts PUBLIC_FORMS_LOCK: the same number). */
const PUBLIC_FORMS_LOCK = 0x57_1f_00_16;

// The lock comes before the look for copies: a filler's copies are committed only once it has let go.
const FORGET = (ids: string) => `
  perform pg_advisory_xact_lock_shared(${PUBLIC_FORMS_LOCK});
  if exists (select 1 from stix_feed where hub_kind = 'indicator' and public_json is not null) then
    update stix_feed f set public_json = null, public_version = null
      where f.hub_kind = 'indicator' and f.public_json is not null and f.hub_id in (${ids});
  end if;`;

const FUNCTIONS: Record<string, string> = {
  stix_forget_report_forms: FORGET('select indicator_id from changed'),
  stix_forget_indicator_forms: FORGET(
    'select n.id from changed n join changed_old o on o.id = n.id where (n.type, n.value, n.benign_reason) is distinct from (o.type, o.value, o.benign_reason)',
  ),
  stix_forget_ref_forms: FORGET(`select i.id from changed c join indicators i
        on i.type = split_part(c.hub_key, ':', 1) and i.value = substr(c.hub_key, strpos(c.hub_key, ':') + 1)
      where c.hub_kind = 'indicator'`),
  stix_forget_all_forms: FORGET('select hub_id from stix_feed where hub_kind = \'indicator\''),
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table stix_feed add column public_json text, add column public_version text`.execute(db);
  // The filler's work list, and the triggers' look-up of the copies to forget.
  await sql`create index stix_feed_unfilled_idx on stix_feed (seq) where hub_kind = 'indicator' and public_json is null`.execute(db);
  await sql`create index stix_feed_public_idx on stix_feed (hub_id) where hub_kind = 'indicator' and public_json is not null`.execute(db);
  for (const [name, body] of Object.entries(FUNCTIONS)) {
    await sql.raw(`create function "${name}"() returns trigger language plpgsql as $$
begin${body}
  return null;
end
$$`).execute(db);
  }
  const triggers = [
    `create trigger stix_forms_report_insert after insert on indicator_reports referencing new table as changed for each statement execute function stix_forget_report_forms()`,
    `create trigger stix_forms_report_update after update on indicator_reports referencing new table as changed for each statement execute function stix_forget_report_forms()`,
    `create trigger stix_forms_report_delete after delete on indicator_reports referencing old table as changed for each statement execute function stix_forget_report_forms()`,
    `create trigger stix_forms_indicator_update after update on indicators referencing old table as changed_old new table as changed for each statement execute function stix_forget_indicator_forms()`,
    `create trigger stix_forms_ref_insert after insert on stix_refs referencing new table as changed for each statement execute function stix_forget_ref_forms()`,
    `create trigger stix_forms_ref_update after update on stix_refs referencing new table as changed for each statement execute function stix_forget_ref_forms()`,
    `create trigger stix_forms_ref_delete after delete on stix_refs referencing old table as changed for each statement execute function stix_forget_ref_forms()`,
    `create trigger stix_forms_organization_update after update on organizations for each statement execute function stix_forget_all_forms()`,
  ];
  for (const t of triggers) await sql.raw(t).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, names] of [
    ['indicator_reports', ['stix_forms_report_insert', 'stix_forms_report_update', 'stix_forms_report_delete']],
    ['indicators', ['stix_forms_indicator_update']],
    ['stix_refs', ['stix_forms_ref_insert', 'stix_forms_ref_update', 'stix_forms_ref_delete']],
    ['organizations', ['stix_forms_organization_update']],
  ] as const) {
    for (const n of names) await sql.raw(`drop trigger if exists "${n}" on "${table}"`).execute(db);
  }
  for (const name of Object.keys(FUNCTIONS)) await sql.raw(`drop function if exists "${name}"()`).execute(db);
  await sql`drop index if exists stix_feed_public_idx`.execute(db);
  await sql`drop index if exists stix_feed_unfilled_idx`.execute(db);
  await sql`alter table stix_feed drop column public_json, drop column public_version`.execute(db);
}
