import { sql, type Kysely } from 'kysely';

// What a MISP import keeps beside the indicator reports it writes (issue 15, item 4): each attribute as it
// came (its uuid, MISP type, category, original value, to_ids, comment, first/last seen, the object it sat
// in), keyed by the importing organization and the attribute's uuid. The hub's indicators are canonical
// and typeless in MISP's sense (ip-src and ip-dst are one IPV4 indicator; filename|sha256 keeps only the
// hash): this is what lets an export give back the same types, values and to_ids, and what makes a second
// import of the same event a no-op (digest unchanged → nothing written).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table misp_attributes (
      organization_id uuid not null references organizations (id),
      attribute_uuid uuid not null,
      event_uuid uuid not null,
      event_info text not null,
      orgc jsonb,
      object jsonb,
      type text not null,
      category text,
      value text not null,
      to_ids boolean not null,
      comment text,
      first_seen timestamptz,
      last_seen timestamptz,
      tlp text not null check (tlp in ('CLEAR','GREEN','AMBER','AMBER_STRICT','RED')),
      indicator_ids bigint[] not null,
      incident_id uuid,
      digest text not null,
      imported_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (organization_id, attribute_uuid)
    )`.execute(db);
  await sql`create index misp_attributes_indicators on misp_attributes using gin (indicator_ids)`.execute(db);
  // An incident's export reads the attributes kept (no indicator) by imports linked to it.
  await sql`create index misp_attributes_incident on misp_attributes (incident_id) where incident_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table misp_attributes`.execute(db);
}
