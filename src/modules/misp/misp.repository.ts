import { sql, type Selectable } from 'kysely';
import type { Handle } from '../../infra/handle.js';
import type { MispAttributesTable, MispObjectRef } from './misp.tables.js';

/** SQL of the MISP module: functions of a handle (db or trx). Private to the module. */

export type MispAttributeRow = Selectable<MispAttributesTable>;

export interface MispAttributeWrite {
  organizationId: string;
  attributeUuid: string;
  eventUuid: string;
  eventInfo: string;
  orgc: { name: string | null; uuid: string | null } | null;
  object: MispObjectRef | null;
  type: string;
  category: string | null;
  value: string;
  toIds: boolean;
  comment: string | null;
  firstSeen: Date | null;
  lastSeen: Date | null;
  tlp: string;
  indicatorIds: number[];
  incidentId: string | null;
  digest: string;
}

/** The stored digest of each of these attributes the organization imported before. */
export async function findDigests(h: Handle, organizationId: string, uuids: readonly string[]): Promise<Map<string, string>> {
  if (uuids.length === 0) return new Map();
  const rows = await h
    .selectFrom('misp_attributes')
    .select(['attribute_uuid', 'digest'])
    .where('organization_id', '=', organizationId)
    .where('attribute_uuid', 'in', [...uuids])
    .execute();
  return new Map(rows.map((r) => [r.attribute_uuid, r.digest]));
}

/** Writes attributes as they came, replacing an earlier import of the same uuid by the organization. */
export async function upsertAttributes(trx: Handle, rows: readonly MispAttributeWrite[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('misp_attributes')
    .values(
      rows.map((r) => ({
        organization_id: r.organizationId,
        attribute_uuid: r.attributeUuid,
        event_uuid: r.eventUuid,
        event_info: r.eventInfo,
        orgc: r.orgc === null ? null : JSON.stringify(r.orgc),
        object: r.object === null ? null : JSON.stringify(r.object),
        type: r.type,
        category: r.category,
        value: r.value,
        to_ids: r.toIds,
        comment: r.comment,
        first_seen: r.firstSeen,
        last_seen: r.lastSeen,
        tlp: r.tlp as MispAttributeRow['tlp'],
        indicator_ids: r.indicatorIds,
        incident_id: r.incidentId,
        digest: r.digest,
        updated_at: sql<Date>`now()`,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['organization_id', 'attribute_uuid']).doUpdateSet((eb) => ({
        event_uuid: eb.ref('excluded.event_uuid'),
        event_info: eb.ref('excluded.event_info'),
        orgc: eb.ref('excluded.orgc'),
        object: eb.ref('excluded.object'),
        type: eb.ref('excluded.type'),
        category: eb.ref('excluded.category'),
        value: eb.ref('excluded.value'),
        to_ids: eb.ref('excluded.to_ids'),
        comment: eb.ref('excluded.comment'),
        first_seen: eb.ref('excluded.first_seen'),
        last_seen: eb.ref('excluded.last_seen'),
        tlp: eb.ref('excluded.tlp'),
        indicator_ids: eb.ref('excluded.indicator_ids'),
        incident_id: eb.ref('excluded.incident_id'),
        digest: eb.ref('excluded.digest'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

/**
 * Attributes the given organizations imported that name any of these indicators. Only a lookup: which of
 * them a reader may be shown is decided by the caller from the visible reports (the access policy).
 */
export async function findAttributesOf(h: Handle, organizationIds: readonly string[], indicatorIds: readonly number[]): Promise<MispAttributeRow[]> {
  if (organizationIds.length === 0 || indicatorIds.length === 0) return [];
  const rows = await h
    .selectFrom('misp_attributes')
    .selectAll()
    .where('organization_id', 'in', [...organizationIds])
    .where(sql<boolean>`indicator_ids && ${sql.val(indicatorIds.map(String))}::bigint[]`)
    .orderBy('imported_at')
    .orderBy('attribute_uuid')
    .execute();
  return rows.map((r) => ({ ...r, indicator_ids: r.indicator_ids.map(Number) }));
}
