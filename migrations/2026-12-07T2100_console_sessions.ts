import { sql, type Kysely } from 'kysely';

// The console's sign-in: one-time links (15 minutes, single use) and browser sessions. Only SHA-256 hashes
// of the link token and of the cookie value are stored: a copy of the database signs nobody in.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_links')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    // Who asked for it: 'operator (estf login-link)' or 'e-mail request'.
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_links_user_idx').on('login_links').column('user_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Idle expiry moves with use; the absolute one never does.
    .addColumn('idle_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // A hash, not the address: enough to tell "same place" in an investigation without keeping a location.
    .addColumn('client_address_hash', 'bytea')
    .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  // Every e-mail sign-in request, known address or not: the rate limits per address and per client count
  // these, so a limit reached says nothing about whether an address has an account. Hashes only.
  await db.schema
    .createTable('sign_in_requests')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('email_hash', 'bytea', (c) => c.notNull())
    .addColumn('client_address_hash', 'bytea')
    .execute();
  await db.schema.createIndex('sign_in_requests_email_idx').on('sign_in_requests').columns(['email_hash', 'at']).execute();
  await db.schema.createIndex('sign_in_requests_client_idx').on('sign_in_requests').columns(['client_address_hash', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_requests').execute();
  await db.schema.dropTable('sessions').execute();
  await db.schema.dropTable('login_links').execute();
}
