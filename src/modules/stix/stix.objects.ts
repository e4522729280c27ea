import type { Principal } from '../../access/principal.js';
import { isReportSeenByEveryUser } from '../../access/indicators.js';
import type { Handle } from '../../infra/handle.js';
import { TLPS, type Tlp } from '../../domain/taxonomy.js';
import type { IndicatorType } from '../../domain/indicator-types.js';
import {
  hiddenSightingCounts,
  loadOrganizations,
  loadVisibleIncidents,
  loadVisibleKept,
  loadVisibleNotes,
  loadVisibleReports,
  loadVisibleSightings,
  type FeedRow,
  type OrganizationFacts,
  type ReportFacts,
} from './stix.repository.js';
import { INCIDENT_CORE_EXTENSION, indicatorTypesOf, patternOf, stixIds, stixTime, TLP2_IDS } from './stix.core.js';

/**
 * Hub records as STIX 2.1 objects, for one reader: built only from what the access policy lets the
 * reader see (the loaders filter), so two readers may get different content under the same id.
 */

export type StixObject = Record<string, unknown> & { type: string; id: string };

/**
 * An object already written as JSON (an indicator's public form): a TAXII page writes it as it is
 * (writeObjects), never parsed and written again. JSON.stringify of it gives the object too (toJSON).
 */
export class StixJson {
  constructor(
    readonly id: string,
    readonly version: string,
    readonly json: string,
  ) {}
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** What a TAXII page serves: objects built for the reader, or public forms. */
export type ServedObject = StixObject | StixJson;

/** `body` as JSON, its `objects` written with the public forms as they are (one string, no parse). */
export function writeEnvelope(body: object): string {
  const { objects, ...rest } = body as { objects?: unknown };
  if (!Array.isArray(objects) || !objects.some((o) => o instanceof StixJson)) return JSON.stringify(body);
  const head = JSON.stringify(rest);
  const parts = objects.map((o) => (o instanceof StixJson ? o.json : JSON.stringify(o)));
  return `${head.slice(0, -1)}${head === '{}' ? '' : ','}"objects":[${parts.join(',')}]}`;
}

export interface BuildOptions {
  /** Exports meant for CISA AIS: no personal data (e-mail addresses in free text are removed). */
  ais: boolean;
}

const SECTORS: Record<string, string[]> = {
  COUNTY: ['government-local'],
  SECRETARY_OF_STATE: ['government-regional'],
  CAL_OES: ['government-regional', 'government-emergency-services'],
  CDT: ['government-regional'],
  CHP: ['government-regional'],
  CISA: ['government-national'],
  FBI: ['government-national'],
  EI_ISAC: ['non-profit'],
};

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function text(s: string, o: BuildOptions): string {
  return o.ais ? s.replace(EMAIL, '[e-mail address removed]') : s;
}

export function identityObject(org: OrganizationFacts): StixObject {
  const created = org.created_at;
  const modified = org.consent_updated_at && org.consent_updated_at > created ? org.consent_updated_at : created;
  const obj: StixObject = {
    type: 'identity',
    spec_version: '2.1',
    id: stixIds.organization(org.slug),
    created: stixTime(created),
    modified: stixTime(modified),
    name: org.name,
    identity_class: 'organization',
  };
  const sectors = SECTORS[org.kind];
  if (sectors) obj.sectors = sectors;
  if (org.ais_consent) obj.labels = [org.ais_consent];
  return obj;
}

/** created/modified: the imported object's own while the hub record has not changed since the import. */
function times(created: Date, updated: Date, ref: { created: string | null; modified: string | null; importedAt: Date | null }) {
  if (ref.created && ref.modified && (ref.importedAt === null || updated.getTime() <= ref.importedAt.getTime())) return { created: ref.created, modified: ref.modified };
  return { created: stixTime(created), modified: stixTime(updated > created ? updated : created) };
}

/** The same for a report, whose times come as STIX text (same format and length: text order is time order). */
function reportTimes(r: ReportFacts) {
  if (r.ref_created && r.ref_modified && r.ref_current) return { created: r.ref_created, modified: r.ref_modified };
  return { created: r.created_at, modified: r.updated_at > r.created_at ? r.updated_at : r.created_at };
}

/** The report an indicator object is built from: the widest-labelled visible report, then the oldest (pageFeed orders the same). */
export function primaryReport(reports: readonly ReportFacts[]): ReportFacts {
  return [...reports].sort((a, b) => TLPS.indexOf(a.tlp) - TLPS.indexOf(b.tlp) || (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0) || a.id - b.id)[0]!;
}

/** Identity ids by slug: a hash each, the same forever, asked for on every object. */
const organizationIds = new Map<string, string>();
function organizationStixId(slug: string): string {
  let id = organizationIds.get(slug);
  if (id === undefined) organizationIds.set(slug, (id = stixIds.organization(slug)));
  return id;
}

/** `id`: the log row's id when known (it is the same UUIDv5, or the id the indicator was imported with). */
export function indicatorObject(r: ReportFacts, orgSlug: (id: string) => string, o: BuildOptions, id = stixIds.indicator(r.type, r.value)): StixObject {
  const t = reportTimes(r);
  const obj: StixObject = {
    type: 'indicator',
    spec_version: '2.1',
    id,
    created_by_ref: organizationStixId(orgSlug(r.organization_id)),
    created: t.created,
    modified: t.modified,
    name: r.value,
    indicator_types: indicatorTypesOf(r.benign_reason !== null),
    pattern: patternOf(r.type, r.value),
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: r.valid_from,
    confidence: r.confidence,
    object_marking_refs: [TLP2_IDS[r.tlp]],
  };
  if (r.valid_until && r.valid_until > r.valid_from) obj.valid_until = r.valid_until;
  if (r.description) obj.description = text(r.description, o);
  return obj;
}

/**
 * An indicator's public form (migration 2026-12-10T0100): the object every user gets, when its primary
 * live report (over all reports) is one every user sees; null when readers may differ. TAXII's options
 * (no AIS stripping).
 */
export function publicIndicatorForm(stixId: string, primary: ReportFacts | null, les: boolean, orgSlug: (id: string) => string): { json: string; version: string } | null {
  if (!primary || !isReportSeenByEveryUser({ tlp: primary.tlp, lawEnforcementSensitive: les, revoked: false })) return null;
  const obj = indicatorObject(primary, orgSlug, { ais: false }, stixId);
  return { json: JSON.stringify(obj), version: obj.modified as string };
}

const INVESTIGATION: Record<string, string> = {
  REPORTED: 'new',
  TRIAGED: 'open',
  INVESTIGATING: 'open',
  CONTAINED: 'open',
  RESOLVED: 'closed',
  CLOSED: 'closed',
  REJECTED: 'closed',
  MERGED: 'closed',
};
const DETERMINATION: Record<string, string> = {
  REPORTED: 'suspected',
  TRIAGED: 'suspected',
  INVESTIGATING: 'suspected',
  CONTAINED: 'confirmed',
  RESOLVED: 'confirmed',
  CLOSED: 'confirmed',
  REJECTED: 'false-positive',
  MERGED: 'suspected',
};
export const CRITICALITY: Record<string, number> = { LOW: 25, MODERATE: 50, HIGH: 75, CRITICAL: 100 };

export function incidentTypeOf(category: string): string {
  return category.toLowerCase().replace(/_/g, '-');
}

function narrower(a: Tlp, b: Tlp): Tlp {
  return TLPS.indexOf(a) >= TLPS.indexOf(b) ? a : b;
}

/**
 * The objects of the log rows the reader may see, in the rows' order (rows the reader may not see, or
 * whose record is gone, are left out: the caller filtered by the same policy, so that is a race only).
 */
export async function buildObjects(db: Handle, p: Principal, rows: readonly FeedRow[], o: BuildOptions): Promise<Map<string, StixObject>> {
  const ids = (kind: string) => rows.filter((r) => r.hub_kind === kind);
  const orgs = new Map((await loadOrganizations(db, null)).map((x) => [x.id, x]));
  const slug = (id: string) => orgs.get(id)?.slug ?? 'unknown';
  const out = new Map<string, StixObject>();

  for (const r of ids('identity')) {
    const org = orgs.get(r.hub_uuid!);
    if (org) out.set(r.stix_id, identityObject(org));
  }

  const indicatorRows = ids('indicator');
  // Rows from pageFeed carry their primary report (or null: none visible); the others are looked up.
  const reports = await loadVisibleReports(db, p, indicatorRows.filter((r) => r.report === undefined).map((r) => r.hub_id!));
  const byIndicator = new Map<number, ReportFacts[]>();
  for (const rep of reports) (byIndicator.get(rep.indicator_id) ?? byIndicator.set(rep.indicator_id, []).get(rep.indicator_id)!).push(rep);
  for (const r of indicatorRows) {
    const primary = r.report !== undefined ? r.report : primaryOf(byIndicator.get(r.hub_id!));
    // The log's id: an imported indicator keeps the id it came with only through the log (stixIdsOf).
    if (primary) out.set(r.stix_id, indicatorObject(primary, slug, o, r.stix_id));
  }

  const sightings = await loadVisibleSightings(db, p, ids('sighting').map((r) => r.hub_id!));
  const sightingById = new Map(sightings.map((s) => [s.id, s]));
  for (const r of ids('sighting')) {
    const s = sightingById.get(r.hub_id!);
    if (!s) continue;
    const t = times(s.created_at, s.created_at, { created: s.ref_created, modified: s.ref_modified, importedAt: null });
    const identity = stixIds.organization(slug(s.organization_id));
    out.set(r.stix_id, {
      type: 'sighting',
      spec_version: '2.1',
      id: r.stix_id,
      created_by_ref: identity,
      created: t.created,
      modified: t.modified,
      first_seen: stixTime(s.seen_at),
      last_seen: stixTime(s.seen_at),
      count: s.count,
      sighting_of_ref: stixIds.indicator(s.type, s.value),
      // The sighting itself is visible to this reader, so who saw it is too (access-policy.md).
      where_sighted_refs: [identity],
      object_marking_refs: [TLP2_IDS[s.tlp]],
    });
  }

  const incidentRows = ids('incident');
  const incidents = await loadVisibleIncidents(db, p, incidentRows.map((r) => r.hub_uuid!));
  const incidentById = new Map(incidents.map((i) => [i.id, i]));
  for (const r of incidentRows) {
    const i = incidentById.get(r.hub_uuid!);
    if (!i) continue;
    const t = times(i.reported_at, i.updated_at, { created: i.ref_created, modified: i.ref_modified, importedAt: i.ref_imported_at });
    const obj: StixObject = {
      type: 'incident',
      spec_version: '2.1',
      id: r.stix_id,
      created_by_ref: stixIds.organization(slug(i.reporting_organization_id)),
      created: t.created,
      modified: t.modified,
      name: text(i.title, o),
      description: text(i.summary, o),
      external_references: [{ source_name: 'estf-hub', external_id: i.reference }],
      object_marking_refs: [TLP2_IDS[i.tlp]],
      extensions: {
        [INCIDENT_CORE_EXTENSION]: {
          extension_type: 'property-extension',
          determination: DETERMINATION[i.status] ?? 'suspected',
          investigation_status: INVESTIGATION[i.status] ?? 'new',
          criticality: CRITICALITY[i.severity] ?? 50,
          incident_types: [incidentTypeOf(i.category)],
        },
      },
    };
    if (i.summary.trim() === '') delete obj.description;
    out.set(r.stix_id, obj);
  }

  // Notes and relationships name their incident by its STIX id: the log knows it.
  const incidentStixIds = new Map<string, string>();
  const needIncidentIds = [...new Set([...ids('note'), ...ids('relationship')].map((r) => r.hub_uuid!))];
  if (needIncidentIds.length > 0) {
    const rowsOfIncidents = await db.selectFrom('stix_feed').select(['hub_uuid', 'stix_id']).where('hub_kind', '=', 'incident').where('hub_uuid', 'in', needIncidentIds).execute();
    for (const x of rowsOfIncidents) incidentStixIds.set(x.hub_uuid!, x.stix_id);
  }
  const incidentStixId = (id: string) => incidentStixIds.get(id) ?? stixIds.incident(id);

  const notes = await loadVisibleNotes(db, p, ids('note').map((r) => r.hub_id!));
  const noteById = new Map(notes.map((n) => [n.id, n]));
  for (const r of ids('note')) {
    const n = noteById.get(r.hub_id!);
    if (!n) continue;
    const t = times(n.at, n.at, { created: n.ref_created, modified: n.ref_modified, importedAt: null });
    const obj: StixObject = {
      type: 'note',
      spec_version: '2.1',
      id: r.stix_id,
      created: t.created,
      modified: t.modified,
      content: text(n.body ?? '', o),
      object_refs: [incidentStixId(n.incident_id)],
      object_marking_refs: [TLP2_IDS[n.incident_tlp]],
    };
    if (n.actor_organization_id) obj.created_by_ref = stixIds.organization(slug(n.actor_organization_id));
    out.set(r.stix_id, obj);
  }

  const relRows = ids('relationship');
  if (relRows.length > 0) {
    const relReports = await loadVisibleReports(db, p, [...new Set(relRows.map((r) => r.hub_id!))]);
    const relIncidents = new Map((await loadVisibleIncidents(db, p, [...new Set(relRows.map((r) => r.hub_uuid!))])).map((i) => [i.id, i]));
    for (const r of relRows) {
      const inc = relIncidents.get(r.hub_uuid!);
      const reps = relReports.filter((x) => x.indicator_id === r.hub_id && x.incident_id === r.hub_uuid);
      if (!inc || reps.length === 0) continue;
      const rep = primaryReport(reps);
      const t = reportTimes(rep);
      out.set(r.stix_id, {
        type: 'relationship',
        spec_version: '2.1',
        id: r.stix_id,
        created_by_ref: stixIds.organization(slug(rep.organization_id)),
        created: t.created,
        modified: t.modified,
        relationship_type: 'indicates',
        source_ref: stixIds.indicator(rep.type as IndicatorType, rep.value),
        target_ref: incidentStixId(inc.id),
        object_marking_refs: [TLP2_IDS[narrower(rep.tlp, inc.tlp)]],
      });
    }
  }

  const kept = await loadVisibleKept(db, p, ids('kept').map((r) => r.hub_id!));
  const keptById = new Map(kept.map((k) => [k.id, k]));
  for (const r of ids('kept')) {
    const k = keptById.get(r.hub_id!);
    if (k) out.set(r.stix_id, k.object as StixObject);
  }

  // Keep the rows' order.
  const ordered = new Map<string, StixObject>();
  for (const r of rows) {
    const obj = out.get(r.stix_id);
    if (obj) ordered.set(r.stix_id, obj);
  }
  return ordered;
}

function primaryOf(reports: readonly ReportFacts[] | undefined): ReportFacts | null {
  return reports?.length ? primaryReport(reports) : null;
}

/** Sightings the reader may not see, as one count per indicator: no created_by_ref, no where_sighted_refs. */
export async function sightingCountObjects(db: Handle, p: Principal, indicators: ReadonlyArray<{ indicatorId: number; stixId: string }>): Promise<StixObject[]> {
  const counts = await hiddenSightingCounts(db, p, indicators.map((i) => i.indicatorId));
  const stixIdOf = new Map(indicators.map((i) => [i.indicatorId, i.stixId]));
  return counts.map((c) => ({
    type: 'sighting',
    spec_version: '2.1',
    id: stixIds.sightingCount(stixIdOf.get(c.indicator_id)!),
    created: stixTime(c.first_seen),
    modified: stixTime(c.mark > c.first_seen ? c.mark : c.first_seen),
    first_seen: stixTime(c.first_seen),
    last_seen: stixTime(c.last_seen),
    count: Math.min(c.count, 999_999_999),
    sighting_of_ref: stixIdOf.get(c.indicator_id)!,
    description: 'Sightings by organizations this reader may not know of: a count only.',
    object_marking_refs: [TLP2_IDS.GREEN],
  }));
}
