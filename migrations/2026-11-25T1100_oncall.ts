import { sql, type Kysely } from 'kysely';

// On-call schedules (one rotation per duty, plus overrides) and users' contact methods.
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Unique: "who is on call for (organization, duty)" is one indexed lookup.
    .addColumn('duty_id', 'uuid', (c) => c.notNull().unique().references('duties.id').onDelete('cascade'))
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('America/Los_Angeles'))
    .addColumn('shift_length_hours', 'integer', (c) => c.notNull().check(sql`shift_length_hours between 1 and 672`))
    .addColumn('handoff_time', 'text', (c) => c.notNull().check(sql`handoff_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`))
    .addColumn('start_date', 'date', (c) => c.notNull())
    // Ordered user ids. Users are never deleted (only deactivated), so an array needs no foreign key to
    // stay meaningful, and the whole rotation is read with its schedule in one row.
    .addColumn('participants', sql`uuid[]`, (c) => c.notNull().check(sql`cardinality(participants) between 1 and 100`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('schedule_overrides')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('schedule_id', 'uuid', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('schedule_overrides_interval_check', sql`ends_at > starts_at`)
    .execute();
  // "Active at T" and "not over yet" are both ranges on ends_at within one schedule.
  await db.schema.createIndex('schedule_overrides_schedule_ends_idx').on('schedule_overrides').columns(['schedule_id', 'ends_at']).execute();

  await db.schema
    .createTable('contact_methods')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('EMAIL','WEBHOOK','SMS')`))
    .addColumn('target', 'text', (c) => c.notNull().check(sql`length(target) between 1 and 2048`))
    .addColumn('secret', 'text')
    .addColumn('verified_at', 'timestamptz')
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('disabled_reason', 'text')
    .addColumn('removed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A live webhook always has its signing secret; nothing else ever has one.
    .addCheckConstraint(
      'contact_methods_secret_check',
      sql`case when kind = 'WEBHOOK' then secret is not null or removed_at is not null else secret is null end`,
    )
    .execute();
  // Also serves "the live methods of these users" (it leads with user_id, with the same predicate).
  await sql`create unique index contact_methods_live_key on contact_methods (user_id, kind, target) where removed_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contact_methods').execute();
  await db.schema.dropTable('schedule_overrides').execute();
  await db.schema.dropTable('schedules').execute();
}
