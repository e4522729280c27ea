import { canSeeKeptMispAttribute, mayLeaveAsMisp, MISP_FEED_TLPS } from '../../access/misp.js';
import type { Principal } from '../../access/principal.js';
import { isUuid } from '../../domain/ids.js';
import type { Tlp } from '../../domain/taxonomy.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { IncidentRow, IncidentsService } from '../incidents/index.js';
import type { IndicatorReportsService, IndicatorRow } from '../indicators/index.js';
import { findOrganizationsByIds } from '../partners/index.js';
import { analysisOf, defaultCategory, distributionOf, eventUuidOfIncident, mispTime, mispTypeOf, orgUuidOf, threatLevelOf, tlpTag, uuidV5 } from './mapping.js';
import { findAttributesOf, findKeptAttributesOf, type MispAttributeRow } from './misp.repository.js';

/**
 * An incident and its indicators as a MISP event (issue 15, item 4), built from what the principal may
 * see and nothing else: the incident through the incidents service, its indicators through the visible
 * reports linked to it (the indicators service, under src/access/indicators.ts). Indicators that came
 * from a MISP import go back with the type, value, to_ids, category and comment MISP gave them (and in
 * their object); the others with the default type of their hub type.
 */

const TLP_RANK: Record<Tlp, number> = { CLEAR: 0, GREEN: 1, AMBER: 2, AMBER_STRICT: 3, RED: 4 };

export interface MispAttributeDoc {
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  timestamp: string;
  distribution: string;
  first_seen?: string;
  last_seen?: string;
  object_relation?: string;
  Tag?: Array<{ name: string; colour: string }>;
}

export interface MispObjectDoc {
  uuid: string;
  name: string;
  'meta-category': string;
  template_uuid?: string;
  template_version?: string;
  distribution: string;
  timestamp: string;
  Attribute: MispAttributeDoc[];
}

export interface MispEventDoc {
  Event: {
    uuid: string;
    info: string;
    date: string;
    timestamp: string;
    publish_timestamp: string;
    published: boolean;
    threat_level_id: string;
    analysis: string;
    distribution: string;
    Orgc: { name: string; uuid: string };
    Tag: Array<{ name: string; colour: string }>;
    Attribute: MispAttributeDoc[];
    Object: MispObjectDoc[];
  };
}

export interface MispExportDeps {
  db: Db;
  incidents: IncidentsService;
  indicatorReports: IndicatorReportsService;
}

const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));

/** The MISP event of a visible incident (null: not visible, an exercise, or RED). */
export async function buildIncidentEvent(deps: MispExportDeps, principal: Principal, incident: IncidentRow): Promise<MispEventDoc | null> {
  if (!mayLeaveAsMisp(incident)) return null;
  const eventTlp = incident.tlp;
  // The visible, live reports linked to this incident (one statement), that may leave (not RED), per indicator.
  const eligible = new Map<number, { indicator: Pick<IndicatorRow, 'id' | 'type' | 'value'>; orgs: Set<string>; tlp: Tlp; updated: Date; description: string | null }>();
  for (const r of await deps.indicatorReports.reportsLinkedTo(principal, incident.id)) {
    if (!mayLeaveAsMisp({ tlp: r.tlp })) continue;
    const e = eligible.get(r.indicator_id);
    if (!e) {
      eligible.set(r.indicator_id, {
        indicator: { id: r.indicator_id, type: r.indicator_type, value: r.indicator_value },
        orgs: new Set([r.organization_id]),
        tlp: r.tlp,
        updated: r.updated_at,
        description: r.description,
      });
      continue;
    }
    // Several organizations' reports: the attribute carries the narrowest of their labels.
    e.orgs.add(r.organization_id);
    if (TLP_RANK[r.tlp] > TLP_RANK[e.tlp]) e.tlp = r.tlp;
    if (r.updated_at > e.updated) e.updated = r.updated_at;
  }
  const orgIds = [...new Set([...eligible.values()].flatMap((e) => [...e.orgs]))];
  const provenance = await findAttributesOf(deps.db, orgIds, [...eligible.keys()]);
  // A row may be shown when every indicator it stands for has a visible linked report of the row's organization.
  const showable = provenance.filter((row) => row.indicator_ids.every((id) => eligible.get(id)?.orgs.has(row.organization_id) === true));
  const mine = showable.filter((r) => r.incident_id === incident.id);
  const covered = new Set(mine.flatMap((r) => r.indicator_ids));
  const chosen: MispAttributeRow[] = [...mine];
  // Indicators no import of this incident covers: the latest row that names them, if any.
  for (const row of [...showable].reverse()) {
    if (row.incident_id === incident.id) continue;
    if (row.indicator_ids.some((id) => covered.has(id))) continue;
    chosen.push(row);
    for (const id of row.indicator_ids) covered.add(id);
  }

  // Attributes kept as they came (AS numbers) by imports linked to this incident, under the TLP rule.
  const kept = (await findKeptAttributesOf(deps.db, incident.id)).filter(
    (row) => mayLeaveAsMisp({ tlp: row.tlp }) && canSeeKeptMispAttribute(principal, { tlp: row.tlp, organizationId: row.organization_id }),
  );
  chosen.push(...kept);

  const attributes: MispAttributeDoc[] = [];
  const objects = new Map<string, MispObjectDoc>();
  const uuids = new Set<string>();
  let latest = incident.updated_at;
  const tagFor = (tlp: Tlp) => (tlp === eventTlp ? {} : { Tag: [tlpTag(tlp)] });
  for (const row of chosen) {
    const uuid = row.incident_id === incident.id ? row.attribute_uuid : uuidV5(`incident:${incident.id}/attribute:${row.attribute_uuid}`);
    if (uuids.has(uuid)) continue;
    uuids.add(uuid);
    const parts = row.indicator_ids.map((id) => eligible.get(id)!);
    const tlp = parts.map((p) => p.tlp).reduce((a, b) => (TLP_RANK[b] > TLP_RANK[a] ? b : a), row.indicator_ids.length === 0 ? row.tlp : 'CLEAR');
    const updated = parts.length === 0 ? row.updated_at : new Date(Math.max(...parts.map((p) => p.updated.getTime())));
    if (updated > latest) latest = updated;
    const doc: MispAttributeDoc = {
      uuid,
      type: row.type,
      category: row.category ?? defaultCategory(row.type),
      value: row.value,
      to_ids: row.to_ids,
      comment: row.comment ?? '',
      timestamp: seconds(updated),
      distribution: '5',
      ...(row.first_seen ? { first_seen: mispTime(row.first_seen) } : {}),
      ...(row.last_seen ? { last_seen: mispTime(row.last_seen) } : {}),
      ...tagFor(tlp),
    };
    if (row.object) {
      const objUuid = row.incident_id === incident.id ? row.object.uuid : uuidV5(`incident:${incident.id}/object:${row.object.uuid}`);
      let o = objects.get(objUuid);
      if (!o) {
        o = {
          uuid: objUuid,
          name: row.object.name,
          'meta-category': row.object.metaCategory ?? 'network',
          ...(row.object.templateUuid ? { template_uuid: row.object.templateUuid } : {}),
          ...(row.object.templateVersion ? { template_version: row.object.templateVersion } : {}),
          distribution: '5',
          timestamp: doc.timestamp,
          Attribute: [],
        };
        objects.set(objUuid, o);
      }
      if (doc.timestamp > o.timestamp) o.timestamp = doc.timestamp;
      o.Attribute.push({ ...doc, object_relation: row.object.relation ?? row.type });
    } else {
      attributes.push(doc);
    }
  }
  for (const e of eligible.values()) {
    if (covered.has(e.indicator.id)) continue;
    const m = mispTypeOf(e.indicator.type);
    if (e.updated > latest) latest = e.updated;
    attributes.push({
      uuid: uuidV5(`incident:${incident.id}/indicator:${e.indicator.id}`),
      type: m.type,
      category: defaultCategory(m.type),
      value: e.indicator.value,
      to_ids: m.toIds,
      comment: e.description ? e.description.slice(0, 1_000) : '',
      timestamp: seconds(e.updated),
      distribution: '5',
      ...tagFor(e.tlp),
    });
  }

  const [org] = await findOrganizationsByIds(deps.db, [incident.reporting_organization_id]);
  const info = `${incident.reference} ${incident.title}`;
  return {
    Event: {
      uuid: eventUuidOfIncident(incident.id),
      info: info.length > 256 ? `${info.slice(0, 253)}...` : info,
      date: (incident.occurred_at ?? incident.reported_at).toISOString().slice(0, 10),
      timestamp: seconds(latest),
      publish_timestamp: seconds(latest),
      published: true,
      threat_level_id: String(threatLevelOf(incident.severity)),
      analysis: String(analysisOf(incident.status)),
      distribution: String(distributionOf(eventTlp)),
      Orgc: { name: org?.name ?? 'ESTF Hub', uuid: orgUuidOf(org?.slug ?? 'estf-hub') },
      Tag: [tlpTag(eventTlp)],
      Attribute: attributes,
      Object: [...objects.values()],
    },
  };
}

/** `mispEvent(incident: ID!)`: an incident by id or reference, as a MISP event. */
export async function exportIncident(deps: MispExportDeps, principal: Principal, key: string): Promise<MispEventDoc> {
  const incident = isUuid(key) ? await deps.incidents.get(principal, key) : await deps.incidents.getByReference(principal, key);
  if (!incident) throw new NotFoundError('Incident', key);
  if (incident.exercise) throw new InputError('incident', 'exercise incidents are never exported');
  if (incident.tlp === 'RED') throw new InputError('incident', 'TLP:RED incidents never leave the hub (a MISP instance shares with everyone there)');
  return (await buildIncidentEvent(deps, principal, incident))!;
}

/**
 * The feed's events: every incident the principal may see that may leave as MISP, newest change first.
 * The list's filter leaves out exercises and RED, so neither is even read.
 */
export async function* feedEvents(deps: MispExportDeps, principal: Principal): AsyncGenerator<MispEventDoc> {
  for await (const incident of feedIncidents(deps, principal)) {
    const event = await buildIncidentEvent(deps, principal, incident);
    if (event) yield event;
  }
}

async function* feedIncidents(deps: MispExportDeps, principal: Principal): AsyncGenerator<IncidentRow> {
  let after: string | null = null;
  for (;;) {
    const page = await deps.incidents.list(principal, {
      filter: { exercise: false, tlp: MISP_FEED_TLPS },
      first: 500,
      after,
      order: { field: 'UPDATED_AT', direction: 'DESC' },
    });
    yield* page.nodes;
    if (!page.hasNextPage || page.nodes.length === 0) return;
    after = page.cursors[page.cursors.length - 1]!;
  }
}

/** The feed's event for a uuid, when the principal may see it. */
export async function feedEvent(deps: MispExportDeps, principal: Principal, uuid: string): Promise<MispEventDoc | null> {
  // The uuid is derived from the incident id (one way): find the incident among those listed, build only it.
  for await (const incident of feedIncidents(deps, principal)) {
    if (eventUuidOfIncident(incident.id) === uuid) return buildIncidentEvent(deps, principal, incident);
  }
  return null;
}
