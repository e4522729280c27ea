import { sql, type Kysely } from 'kysely';

// Incident reference numbers from a sequence instead of a per-year counter row. The counter row was
// locked from the moment a filing took its number to the moment it committed, so every filing in the
// hub waited for the one before it to commit. A sequence hands out numbers without a lock; the year in
// the reference is the filing's year and the number never restarts. A filing that fails leaves a gap:
// references are never reused, which is what they promise (domain.md), not that they are contiguous.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence incident_reference_seq as bigint minvalue 1`.execute(db);
  // Continue after every number handed out so far.
  await sql`select setval('incident_reference_seq', greatest(1, coalesce((select max(last_number) from incident_reference_counters), 0)), (select count(*) > 0 from incident_reference_counters))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The counter row of the current year continues after the sequence, so no number is handed out twice.
  await sql`insert into incident_reference_counters (year, last_number)
            select extract(year from now())::int, last_value from incident_reference_seq where is_called
            on conflict (year) do update set last_number = greatest(incident_reference_counters.last_number, excluded.last_number)`.execute(db);
  await sql`drop sequence incident_reference_seq`.execute(db);
}
