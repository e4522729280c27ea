import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt } from '../../infra/column-types.js';
import type { Tlp } from '../../domain/taxonomy.js';

/** The STIX / TAXII tables (migrations/2026-12-08T0600_stix.ts). */

export interface StixKeptTable {
  id: Generated<number>;
  stix_id: string;
  type: string;
  modified: Date;
  version: string;
  spec_version: Generated<string>;
  object: ColumnType<Record<string, unknown>, string, string>;
  organization_id: string;
  reported_by: string | null;
  tlp: Tlp;
  created_at: CreatedAt;
}

export interface StixTables {
  stix_kept: StixKeptTable;
  stix_refs: {
    stix_id: string;
    organization_id: string;
    hub_kind: string;
    hub_key: string;
    created: string;
    modified: string;
    imported_at: CreatedAt;
  };
  stix_feed: {
    stix_id: string;
    seq: number;
    date_added: Date;
    collection: 'indicators' | 'incidents' | 'objects';
    type: string;
    hub_kind: string;
    hub_key: string;
    hub_id: number | null;
    hub_uuid: string | null;
    mark: Date;
    /** An indicator's object as every user sees it ('' none, null not looked at yet: migration 2026-12-10T0100). */
    public_json: string | null;
    public_version: string | null;
  };
  stix_status: { id: Generated<string>; user_id: string; body: ColumnType<Record<string, unknown>, string, string>; created_at: CreatedAt };
  stix_identity: { organization_id: string; ais_consent: string; updated_at: Generated<Date> };
}
