import { sql, type Kysely } from 'kysely';

// Saved alert subscriptions of users and organizations, their deliveries (one per event or digest and
// channel) and every delivery attempt.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('alert_subscriptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // A user's own subscription (their rights apply), or an organization's (null user: the
    // organization's rights apply, so never TLP:RED).
    .addColumn('owner_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`char_length(name) between 1 and 100`))
    .addColumn('filter', 'jsonb', (c) => c.notNull())
    .addColumn('channels', sql`text[]`, (c) => c.notNull().check(sql`cardinality(channels) > 0 and channels <@ array['WEBHOOK','EMAIL']::text[]`))
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('email', 'text')
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('IMMEDIATE','HOURLY_DIGEST','DAILY_DIGEST')`))
    .addColumn('paused_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    // Digests cover outbox rows after this one: the event log's position, not a clock.
    .addColumn('digest_after_outbox_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_digest_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index alert_subscriptions_active_idx on alert_subscriptions (mode) where deleted_at is null and paused_at is null`.execute(db);

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('subscription_id', 'uuid', (c) => c.notNull().references('alert_subscriptions.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('EVENT','DIGEST')`))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('WEBHOOK','EMAIL')`))
    // EVENT: the one outbox row; DIGEST: the range (from, to] of outbox rows.
    .addColumn('outbox_from', 'bigint', (c) => c.notNull())
    .addColumn('outbox_to', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('PENDING','DELIVERED','FAILED','CANCELLED','SUPPRESSED')`))
    .addColumn('status_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('items', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addUniqueConstraint('alert_deliveries_once_key', ['subscription_id', 'kind', 'channel', 'outbox_to'])
    .execute();
  await sql`create index alert_deliveries_pending_idx on alert_deliveries (next_attempt_at) where status = 'PENDING'`.execute(db);
  await sql`create index alert_deliveries_subscription_idx on alert_deliveries (subscription_id, created_at desc)`.execute(db);

  await db.schema
    .createTable('alert_delivery_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('alert_deliveries.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .execute();
  await sql`create index alert_delivery_attempts_delivery_idx on alert_delivery_attempts (delivery_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alert_delivery_attempts').execute();
  await db.schema.dropTable('alert_deliveries').execute();
  await db.schema.dropTable('alert_subscriptions').execute();
}
