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

/**
 * Writes attributes as they came, replacing an earlier import of the same uuid by the organization. One
 * statement with the batch as one JSON parameter: a thousand rows of seventeen columns as bound
 * parameters would cost more to build and bind than to write.
 */
export async function upsertAttributes(trx: Handle, rows: readonly MispAttributeWrite[]): Promise<void> {
  if (rows.length === 0) return;
  const batch = JSON.stringify(
    rows.map((r) => ({
      organization_id: r.organizationId,
      attribute_uuid: r.attributeUuid,
      event_uuid: r.eventUuid,
      event_info: r.eventInfo,
      orgc: r.orgc,
      object: r.object,
      type: r.type,
      category: r.category,
      value: r.value,
      to_ids: r.toIds,
      comment: r.comment,
      first_seen: r.firstSeen?.toISOString() ?? null,
      last_seen: r.lastSeen?.toISOString() ?? null,
      tlp: r.tlp,
      indicator_ids: r.indicatorIds,
      incident_id: r.incidentId,
      digest: r.digest,
    })),
  );
  await sql`
    insert into misp_attributes as m
      (organization_id, attribute_uuid, event_uuid, event_info, orgc, object, type, category, value, to_ids, comment,
       first_seen, last_seen, tlp, indicator_ids, incident_id, digest)
    select organization_id, attribute_uuid, event_uuid, event_info, orgc, object, type, category, value, to_ids, comment,
           first_seen, last_seen, tlp, indicator_ids, incident_id, digest
    from jsonb_to_recordset(${batch}::jsonb) as x(
      organization_id uuid, attribute_uuid uuid, event_uuid uuid, event_info text, orgc jsonb, object jsonb, type text,
      category text, value text, to_ids boolean, comment text, first_seen timestamptz, last_seen timestamptz, tlp text,
      indicator_ids bigint[], incident_id uuid, digest text)
    order by attribute_uuid -- one lock order for concurrent imports of overlapping events
    on conflict (organization_id, attribute_uuid) do update
      set event_uuid = excluded.event_uuid, event_info = excluded.event_info, orgc = excluded.orgc, object = excluded.object,
          type = excluded.type, category = excluded.category, value = excluded.value, to_ids = excluded.to_ids,
          comment = excluded.comment, first_seen = excluded.first_seen, last_seen = excluded.last_seen, tlp = excluded.tlp,
          indicator_ids = excluded.indicator_ids, incident_id = excluded.incident_id, digest = excluded.digest, updated_at = now()`.execute(trx);
}

/**
 * Attributes the given organizations imported that name any of these indicators. Only a lookup: which of
 * them a reader may be shown is decided by the caller from the visible reports (the access policy).
 */
export async function findAttributesOf(h: Handle, organizationIds: readonly string[], indicatorIds: readonly number[]): Promise<MispAttributeRow[]> {
  if (organizationIds.length === 0 || indicatorIds.length === 0) return [];
  // By the indicators only (the GIN index); the organizations are few and filtered here, so the planner is
  // never tempted by the primary key's organization prefix, which holds every attribute an importer kept.
  const rows = await h
    .selectFrom('misp_attributes')
    .selectAll()
    .where(sql<boolean>`indicator_ids && ${sql.val(indicatorIds.map(String))}::bigint[]`)
    .orderBy('imported_at')
    .orderBy('attribute_uuid')
    .execute();
  const orgs = new Set(organizationIds);
  return rows.filter((r) => orgs.has(r.organization_id)).map((r) => ({ ...r, indicator_ids: r.indicator_ids.map(Number) }));
}

/** Attributes kept as they came (no indicator) by imports linked to an incident; the caller filters by the policy. */
export async function findKeptAttributesOf(h: Handle, incidentId: string): Promise<MispAttributeRow[]> {
  const rows = await h
    .selectFrom('misp_attributes')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .where(sql<boolean>`cardinality(indicator_ids) = 0`)
    .orderBy('imported_at')
    .orderBy('attribute_uuid')
    .execute();
  return rows.map((r) => ({ ...r, indicator_ids: [] }));
}
