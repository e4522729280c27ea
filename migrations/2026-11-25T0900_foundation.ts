import { sql, type Kysely } from 'kysely';

// The partner directory, users, API tokens, the audit log, the outbox and worker heartbeats.
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) => c.notNull().unique().check(sql`slug ~ '^[a-z0-9][a-z0-9-]*$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('COUNTY','SECRETARY_OF_STATE','CAL_OES','CISA','FBI','CHP','EI_ISAC','CDT','OTHER')`),
    )
    .addColumn('fips', 'text', (c) => c.unique().check(sql`fips ~ '^[0-9]{5}$'`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('duties')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`name ~ '^[a-z0-9][a-z0-9-]*$'`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addUniqueConstraint('duties_org_name_key', ['organization_id', 'name'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email) and email like '%_@_%'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('roles', sql`text[]`, (c) =>
      c
        .notNull()
        .check(sql`cardinality(roles) > 0 and roles <@ array['VIEWER','ANALYST','COORDINATOR','ORG_ADMIN','AUDITOR','HUB_ADMIN']::text[]`),
    )
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('deactivated_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('users_email_key').on('users').column('email').unique().execute();
  await db.schema.createIndex('users_organization_idx').on('users').column('organization_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    // SHA-256 of the whole token: the token itself is never stored.
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

  // The audit log: append-only, hash-chained. seq gives the single order in which entries were appended.
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_user_id', 'uuid')
    .addColumn('actor_email', 'text')
    .addColumn('actor_organization_id', 'uuid')
    .addColumn('actor_organization_slug', 'text')
    .addColumn('token_prefix', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('change', 'jsonb')
    .addColumn('request_id', 'text')
    .addColumn('client_address', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_object_idx').on('audit_log').columns(['object_type', 'object_id']).execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').column('actor_user_id').execute();
  await sql`
    create function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_log_no_update before update or delete on audit_log for each row execute function audit_log_refuse_change()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_refuse_change()`.execute(db);

  // The transactional outbox: rows written with the change they describe, relayed to BullMQ afterwards.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('aggregate_type', 'text', (c) => c.notNull())
    .addColumn('aggregate_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .execute();
  await sql`create index outbox_unpublished_idx on outbox (id) where published_at is null`.execute(db);
  // Wakes the relay at commit time, so an event reaches its queue in milliseconds rather than a poll later.
  await sql`
    create function outbox_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('estf_outbox', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify()`.execute(db);

  await db.schema
    .createTable('worker_heartbeats')
    .addColumn('worker_id', 'text', (c) => c.primaryKey())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_beat_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('worker_heartbeats').execute();
  await db.schema.dropTable('outbox').execute();
  await sql`drop function outbox_notify()`.execute(db);
  await db.schema.dropTable('audit_log').execute();
  await sql`drop function audit_log_refuse_change()`.execute(db);
  await db.schema.dropTable('api_tokens').execute();
  await db.schema.dropTable('users').execute();
  await db.schema.dropTable('duties').execute();
  await db.schema.dropTable('organizations').execute();
}
