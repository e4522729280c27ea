import type { ColumnType } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';
import type { Tlp } from '../../domain/taxonomy.js';

/** The MISP module's table (migrations/2026-12-08T0700_misp_attributes.ts). */

/** Where an attribute sat in a MISP object: enough to rebuild the object on export. */
export interface MispObjectRef {
  uuid: string;
  name: string;
  metaCategory: string | null;
  relation: string | null;
  /** The MISP object template it follows, when the file said (MISP matches objects to templates by it). */
  templateUuid?: string | null;
  templateVersion?: string | null;
}

export interface MispAttributesTable {
  organization_id: string;
  attribute_uuid: string;
  event_uuid: string;
  event_info: string;
  orgc: ColumnType<{ name: string | null; uuid: string | null } | null, string | null, string | null>;
  object: ColumnType<MispObjectRef | null, string | null, string | null>;
  type: string;
  category: string | null;
  value: string;
  to_ids: boolean;
  comment: string | null;
  first_seen: Timestamp | null;
  last_seen: Timestamp | null;
  tlp: Tlp;
  indicator_ids: number[];
  incident_id: string | null;
  digest: string;
  imported_at: CreatedAt;
  updated_at: Timestamp;
}

export interface MispTables {
  misp_attributes: MispAttributesTable;
}
