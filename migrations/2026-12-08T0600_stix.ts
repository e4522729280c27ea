import { sql, type Kysely } from 'kysely';

// STIX 2.1 and TAXII 2.1 (issue 15).
//  - stix_kept: every valid STIX 2.1 object the hub does not model, kept as it came (one row per version),
//    owned by the organization that imported it, under the TLP of its markings.
//  - stix_refs: which hub record an imported STIX object became (idempotent imports; exports keep the id).
//  - stix_feed: the TAXII "added" log: one row per STIX object with a unique, monotonic date_added and seq,
//    written under one advisory lock so that the commit order is the order (stable paging).
//  - stix_status: TAXII status resources of POSTs.
//  - stix_identity: per organization, the AIS consent label of its identity.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stix_kept')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('stix_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('modified', 'timestamptz', (c) => c.notNull())
    // The version as the object wrote it (microseconds and all), for match[version] and the versions list.
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('spec_version', 'text', (c) => c.notNull().defaultTo('2.1'))
    .addColumn('object', 'jsonb', (c) => c.notNull())
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('reported_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('tlp', 'text', (c) => c.notNull().check(sql`tlp in ('CLEAR','GREEN','AMBER','AMBER_STRICT','RED')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('stix_kept_id_version_key', ['stix_id', 'version'])
    .execute();

  await db.schema
    .createTable('stix_refs')
    .addColumn('stix_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    // 'indicator' (hub_key = type:value), 'sighting' (sightings.id), 'incident' (incidents.id), 'note'
    // (incident_timeline.id), 'relationship' (indicator id:incident id).
    .addColumn('hub_kind', 'text', (c) => c.notNull())
    .addColumn('hub_key', 'text', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('modified', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('stix_refs_pkey', ['stix_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('stix_refs_hub_idx').on('stix_refs').columns(['hub_kind', 'hub_key']).execute();

  await db.schema
    .createTable('stix_feed')
    .addColumn('stix_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('date_added', 'timestamptz', (c) => c.notNull().unique())
    .addColumn('collection', 'text', (c) => c.notNull().check(sql`collection in ('indicators','incidents','objects')`))
    .addColumn('type', 'text', (c) => c.notNull())
    // 'indicator' | 'sighting' | 'incident' | 'note' | 'relationship' | 'identity' | 'kept'
    .addColumn('hub_kind', 'text', (c) => c.notNull())
    // The hub record: indicators.id, sightings.id, incident_timeline.id, stix_kept.id (hub_id); incidents.id
    // (hub_uuid); a relationship has both (indicator, incident). hub_key is the two as text (unique per kind).
    .addColumn('hub_key', 'text', (c) => c.notNull())
    .addColumn('hub_id', 'bigint')
    .addColumn('hub_uuid', 'uuid')
    // The hub's change mark of what was logged: a newer one moves the row to the end of the log.
    .addColumn('mark', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stix_feed_hub_idx').on('stix_feed').columns(['hub_kind', 'hub_key']).unique().execute();
  // A page walks one collection in log order and stops after `limit` visible rows.
  await db.schema.createIndex('stix_feed_collection_seq_idx').on('stix_feed').columns(['collection', 'seq']).execute();

  await db.schema
    .createTable('stix_status')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('stix_identity')
    .addColumn('organization_id', 'uuid', (c) => c.primaryKey().references('organizations.id'))
    .addColumn('ais_consent', 'text', (c) =>
      c.notNull().defaultTo('ais-consent-none').check(sql`ais_consent in ('ais-consent-none','ais-consent-usg','ais-consent-everyone-cisa-proprietary','ais-consent-everyone')`),
    )
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['stix_identity', 'stix_status', 'stix_feed', 'stix_refs', 'stix_kept']) await db.schema.dropTable(t).ifExists().execute();
}
