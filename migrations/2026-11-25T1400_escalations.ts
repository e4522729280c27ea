import { sql, type Kysely } from 'kysely';

// Routing rules, escalations (one per incident and rule, with the policy snapshot taken when it
// started), notifications (unique per escalation, level, loop, recipient and contact method) and every
// delivery attempt.

export async function up(db: Kysely<any>): Promise<void> {
  // Secrets the hub generates for itself on first start (the acknowledgement-link key), shared by every
  // process through the database.
  await db.schema
    .createTable('hub_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique().check(sql`name ~ '^[a-z0-9][a-z0-9-]*$'`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('severity_at_least', 'text', (c) => c.check(sql`severity_at_least in ('LOW','MODERATE','HIGH','CRITICAL')`))
    .addColumn('domains', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('categories', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // {levels: [{targets, ackTimeoutSeconds}], repeatLastLevel, notify: [{target, categories}]}
    .addColumn('policy', 'jsonb', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('escalations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('rule_id', 'uuid', (c) => c.references('routing_rules.id').onDelete('set null'))
    .addColumn('rule_name', 'text', (c) => c.notNull())
    // The policy as it was when the escalation started: later edits of the rule do not change it.
    .addColumn('policy', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('ACTIVE','ACKNOWLEDGED','RESOLVED','EXHAUSTED')`))
    // The level (0-based) and loop of the next page.
    .addColumn('level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('loop', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('timer_token', 'uuid')
    .addColumn('next_fire_at', 'timestamptz')
    .addColumn('last_paged_level', 'integer')
    // Organizations the policy targets for this incident: their analysts may acknowledge.
    .addColumn('targeted_organization_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('acknowledged_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('escalations_incident_rule_key', ['incident_id', 'rule_name'])
    .execute();
  await sql`create index escalations_due_idx on escalations (next_fire_at) where state = 'ACTIVE'`.execute(db);
  await sql`create index escalations_incident_idx on escalations (incident_id)`.execute(db);

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('escalation_id', 'uuid', (c) => c.notNull().references('escalations.id').onDelete('cascade'))
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    // PAGE: needs acknowledgement; NOTIFY: informed only (level -1).
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('PAGE','NOTIFY')`))
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('loop', 'integer', (c) => c.notNull())
    .addColumn('recipient_user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('contact_method_id', 'uuid', (c) => c.notNull().references('contact_methods.id'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('EMAIL','WEBHOOK','SMS')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('PENDING','DELIVERED','FAILED','CANCELLED','SUPPRESSED')`),
    )
    .addColumn('status_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('ack_token_hash', 'bytea', (c) => c.unique())
    .addColumn('ack_expires_at', 'timestamptz')
    .addColumn('ack_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addUniqueConstraint('notifications_once_key', ['escalation_id', 'level', 'loop', 'recipient_user_id', 'contact_method_id'])
    .execute();
  await sql`create index notifications_pending_idx on notifications (next_attempt_at) where status = 'PENDING'`.execute(db);
  await sql`create index notifications_incident_idx on notifications (incident_id, level, loop, recipient_user_id)`.execute(db);
  await sql`create index notifications_recipient_idx on notifications (recipient_user_id, created_at desc)`.execute(db);

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('notification_id', 'uuid', (c) => c.notNull().references('notifications.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('DELIVERED','HTTP_ERROR','TIMEOUT','NETWORK_ERROR','REFUSED','GONE')`))
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .execute();
  await sql`create index delivery_attempts_notification_idx on delivery_attempts (notification_id, id)`.execute(db);

  // Escalation events join the incident timeline.
  await sql`alter table incident_timeline drop constraint incident_timeline_kind_check`.execute(db);
  await sql`alter table incident_timeline add constraint incident_timeline_kind_check check (kind in
    ('FILED','UPDATED','COMMENT','STATUS_CHANGED','SEVERITY_CHANGED','SHARED','TLP_CHANGED','LES_CHANGED','ASSIGNED','MERGED',
     'ESCALATION_ACKNOWLEDGED','ESCALATED'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from incident_timeline where kind in ('ESCALATION_ACKNOWLEDGED','ESCALATED')`.execute(db);
  await sql`alter table incident_timeline drop constraint incident_timeline_kind_check`.execute(db);
  await sql`alter table incident_timeline add constraint incident_timeline_kind_check check (kind in
    ('FILED','UPDATED','COMMENT','STATUS_CHANGED','SEVERITY_CHANGED','SHARED','TLP_CHANGED','LES_CHANGED','ASSIGNED','MERGED'))`.execute(db);
  await db.schema.dropTable('delivery_attempts').execute();
  await db.schema.dropTable('notifications').execute();
  await db.schema.dropTable('escalations').execute();
  await db.schema.dropTable('routing_rules').execute();
  await db.schema.dropTable('hub_secrets').execute();
}
