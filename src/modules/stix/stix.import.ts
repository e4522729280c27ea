import type { Principal, UserPrincipal } from '../../access/principal.js';
import { actsAsAnalyst } from '../../access/incidents.js';
import type { Db } from '../../infra/db.js';
import { CATEGORIES, type IncidentCategory, type Severity, type Tlp } from '../../domain/taxonomy.js';
import type { IndicatorType } from '../../domain/indicator-types.js';
import { recordAudit } from '../audit/index.js';
import { insertNewValues, isRetryable, normalize, upsertIndicators, upsertReports, type IndicatorReportsService } from '../indicators/index.js';
import type { FileIncidentInput, IncidentsService } from '../incidents/index.js';
import { sql } from 'kysely';
import {
  appendFeed,
  findKeptVersion,
  findRefsOf,
  insertKept,
  latestKept,
  loadOrganizations,
  lockFeed,
  newRefsStatement,
  upsertRefs,
} from './stix.repository.js';
import { INCIDENT_CORE_EXTENSION, stixIds, stixTime, tlpOfMarkingId } from './stix.core.js';
import { parsePattern, PatternError, valuesOfPattern } from './stix.pattern.js';
import { checkObject, StixObjectError, type CheckedObject } from './stix.validate.js';

/**
 * A STIX 2.1 bundle into the hub (issue 15): indicators, sightings, incidents, notes and relationships on
 * known objects become the importing organization's records; every other valid object is kept as it came;
 * every object gets a result (IMPORTED, KEPT or REFUSED with the reason). Importing the same bundle again
 * changes nothing (results say "unchanged").
 */

export type ObjectOutcome = 'IMPORTED' | 'KEPT' | 'REFUSED';

export interface ObjectResult {
  /** Position in the bundle's objects (0-based). */
  index: number;
  id: string | null;
  type: string | null;
  outcome: ObjectOutcome;
  /** False when the hub already held exactly this (a repeated import). */
  changed: boolean;
  message: string;
}

export interface ImportSummary {
  organization: { id: string; slug: string };
  total: number;
  imported: number;
  kept: number;
  refused: number;
  unchanged: number;
  results: ObjectResult[];
}

export interface ImportDeps {
  db: Db;
  incidents: IncidentsService;
  indicatorReports: IndicatorReportsService;
  isBenign: (type: IndicatorType, value: string) => string | null;
}

interface Pending {
  index: number;
  raw: Record<string, unknown>;
  checked: CheckedObject;
}

/**
 * An indicator object as the import writes it: what it says, read out of the parsed object, which is
 * then dropped (a batch of them would otherwise live long enough to be promoted and collected at a cost).
 */
interface IndicatorWrite {
  index: number;
  id: string;
  created: string;
  version: string;
  tlp: Tlp;
  confidence: number;
  validFrom: Date;
  validUntil: Date | null;
  description: string | null;
  values: Array<{ type: IndicatorType; value: string }>;
  notes: string[];
}

const BATCH = 5_000;
/**
 * Objects read between two turns of the event loop. Parsing runs in microtasks (a buffered stream's chunks
 * too), so without a turn a batch's statement finishing would not be seen, and the next not sent, until a
 * whole stretch of the bundle had been read: the database idles meanwhile.
 */
const TURN = 256;

/** Imports the objects for the organization; the caller has checked the principal may import for it. */
export async function importObjects(
  deps: ImportDeps,
  principal: Principal,
  org: { id: string; slug: string },
  objects: Iterable<unknown> | AsyncIterable<unknown>,
  onProgress?: (done: number) => void,
): Promise<ImportSummary> {
  const results: ObjectResult[] = [];
  const user: UserPrincipal | null = principal.kind === 'user' && actsAsAnalyst(principal) ? principal : null;
  const result = (p: { index: number; id: string | null; type: string | null }, outcome: ObjectOutcome, message: string, changed = true) =>
    results.push({ index: p.index, id: p.id, type: p.type, outcome, changed: outcome !== 'REFUSED' && changed, message });

  // 1. Check every object; sort them by what the hub does with them.
  const indicators: IndicatorWrite[] = [];
  const kept: Pending[] = [];
  const later: Pending[] = []; // sightings, incidents, notes, relationships: after the indicators and incidents they name
  const bundleIndicatorValues = new Map<string, Array<{ type: IndicatorType; value: string }>>();
  // Each STIX id's versions seen (one version, the common case, without a set).
  const seenVersions = new Map<string, string | Set<string>>();
  const orgIdentities = new Map((await loadOrganizations(deps.db, null)).map((o) => [stixIds.organization(o.slug), o.slug]));
  // Indicators are written in batches while the rest of the bundle is still being read and checked (the
  // database works on one batch while Node parses the next); one batch in flight keeps memory bounded
  // and the batches in bundle order. A failed batch fails the import at the next hand-over. Progress is
  // the objects read (at most one batch ahead of those written).
  let writing: Promise<void> | null = null;
  const writeState = { presumedNew: true };
  const handOver = async (batch: IndicatorWrite[]) => {
    if (writing) await writing;
    writing = writeIndicatorBatch(deps, principal, org, batch, result, writeState);
    writing.catch(() => {});
  };
  let index = 0;
  for await (const raw of objects as AsyncIterable<unknown>) {
    const i = index++;
    const idOf = (raw as { id?: unknown })?.id;
    const typeOf = (raw as { type?: unknown })?.type;
    const ref = { index: i, id: typeof idOf === 'string' ? idOf : null, type: typeof typeOf === 'string' ? typeOf : null };
    let checked: CheckedObject;
    try {
      checked = checkObject(raw);
    } catch (err) {
      if (err instanceof StixObjectError) {
        result(ref, 'REFUSED', `${ref.id ?? `objects[${i}]`}: ${err.message}`);
        continue;
      }
      throw err;
    }
    const obj = raw as Record<string, unknown>;
    const version = checked.version ?? '';
    const seen = seenVersions.get(checked.id);
    if (seen !== undefined && (typeof seen === 'string' ? seen === version : seen.has(version))) {
      result(ref, 'REFUSED', `${checked.id}: the same object and version appears earlier in the bundle`);
      continue;
    }
    if (seen === undefined) seenVersions.set(checked.id, version);
    else if (typeof seen === 'string') seenVersions.set(checked.id, new Set([seen, version]));
    else seen.add(version);
    if (i % TURN === 0 && writing !== null) await new Promise<void>((resolve) => setImmediate(resolve));
    const p: Pending = { index: i, raw: obj, checked };
    switch (checked.type) {
      case 'indicator': {
        if (obj.pattern_type !== 'stix') {
          kept.push(p);
          break;
        }
        let comparisons;
        try {
          comparisons = parsePattern(obj.pattern as string);
        } catch (err) {
          if (err instanceof PatternError) {
            result(ref, 'REFUSED', `${checked.id}: property pattern: ${err.message}`);
            break;
          }
          throw err;
        }
        const { values, notRepresented } = valuesOfPattern(comparisons);
        const ok: Array<{ type: IndicatorType; value: string }> = [];
        const notes = [...notRepresented];
        for (const v of values) {
          const n = normalize(v.type, v.value);
          if (n.ok) ok.push({ type: n.type, value: n.value });
          else notes.push(`'${v.value}': ${n.reason}`);
        }
        if (ok.length === 0) {
          result(ref, 'REFUSED', `${checked.id}: property pattern: nothing the hub can represent as an indicator value (${notes.join('; ')})`);
          break;
        }
        indicators.push({
          index: i,
          id: checked.id,
          created: checked.created!,
          version: checked.version!,
          tlp: checked.tlp,
          confidence: typeof obj.confidence === 'number' ? obj.confidence : 50,
          validFrom: checked.validFrom!,
          validUntil: checked.validUntil,
          description: typeof obj.description === 'string' && obj.description.trim() !== '' ? obj.description.slice(0, 4_000) : null,
          values: ok,
          notes,
        });
        bundleIndicatorValues.set(checked.id, ok);
        if (indicators.length >= BATCH) await handOver(indicators.splice(0));
        break;
      }
      case 'marking-definition':
        if (tlpOfMarkingId(checked.id)) result(ref, 'IMPORTED', `${checked.id}: a TLP marking definition the hub knows`, false);
        else kept.push(p);
        break;
      case 'identity':
        if (orgIdentities.has(checked.id)) result(ref, 'IMPORTED', `${checked.id}: the hub's own organization ${orgIdentities.get(checked.id)}`, false);
        else kept.push(p);
        break;
      case 'extension-definition':
        if (checked.id === INCIDENT_CORE_EXTENSION) result(ref, 'IMPORTED', `${checked.id}: the Incident Core extension the hub knows`, false);
        else kept.push(p);
        break;
      case 'sighting':
      case 'incident':
      case 'note':
      case 'relationship':
        later.push(p);
        break;
      default:
        kept.push(p);
    }
    if (i % 1000 === 0) onProgress?.(i);
  }
  const total = index;

  // 2. The last indicators (one transaction per batch: values, reports, the ids they came with).
  if (indicators.length > 0) await handOver(indicators.splice(0));
  if (writing) await writing;
  // Partners may name a value by the id the hub gives it (a sighting of the hub's own indicator): those
  // ids (a hash each) only when something may name them.
  if (later.length > 0) {
    for (const values of [...bundleIndicatorValues.values()]) for (const v of values) bundleIndicatorValues.set(stixIds.indicator(v.type, v.value), [v]);
  }

  // 3. Incidents first, then what names them.
  const incidentIds = new Map<string, string>(); // STIX id → hub incident id
  const known = await findRefsOf(deps.db, later.flatMap((p) => referencedIds(p.raw)).concat(later.map((p) => p.checked.id)));
  for (const r of known) if (r.hub_kind === 'incident') incidentIds.set(r.stix_id, r.hub_key);
  const feedIncidents = await deps.db.selectFrom('stix_feed').select(['stix_id', 'hub_uuid']).where('hub_kind', '=', 'incident').where('stix_id', 'in', ['', ...later.flatMap((p) => referencedIds(p.raw))]).execute();
  for (const f of feedIncidents) if (f.hub_uuid && !incidentIds.has(f.stix_id)) incidentIds.set(f.stix_id, f.hub_uuid);
  const ownRefs = new Map(known.filter((r) => r.organization_id === org.id).map((r) => [r.stix_id, r]));

  const needsUser = (p: Pending) => {
    result({ index: p.index, id: p.checked.id, type: p.checked.type }, 'REFUSED', `${p.checked.id}: a ${p.checked.type} becomes a record with a reporting analyst: import it over GraphQL (importStixBundle) or TAXII as an analyst of ${org.slug}, or with estf stix import --as <analyst's e-mail>`);
  };

  /**
   * An incident imported before, sent again: a later version (its `modified`) is applied to the hub's
   * incident (title, summary, category, severity) with the version it now stands for, in one transaction,
   * unless the incident has changed in the hub since it was imported: then its analysts keep it, and the
   * version is refused saying so. Its TLP is not changed by an import (narrowing or widening an audience is
   * the owner's decision in the hub). An earlier or the same version changes nothing.
   */
  const laterIncidentVersion = async (p: Pending, prior: { hub_key: string; modified: string; imported_at: Date }): Promise<void> => {
    const c = p.checked;
    const ref = { index: p.index, id: c.id, type: c.type };
    if (!isLaterTime(c.version!, prior.modified)) {
      result(ref, 'IMPORTED', `${c.id}: already imported as incident ${prior.hub_key}`, false);
      return;
    }
    if (!user) return needsUser(p);
    try {
      const current = await deps.incidents.get(user, prior.hub_key);
      if (!current) throw new Error(`incident ${prior.hub_key} is gone or out of your reach`);
      if (current.updated_at.getTime() > prior.imported_at.getTime()) {
        result(ref, 'REFUSED', `${c.id}: modified: a later version of incident ${current.reference} is not applied: the incident has changed in the hub since it was imported`);
        return;
      }
      const input = incidentInput(p.raw, c.tlp);
      await deps.incidents.update(user, current.id, { title: input.title, summary: input.summary, category: input.category, severity: input.severity }, current.version, (trx, updated) =>
        upsertRefs(trx, [{ stixId: c.id, organizationId: org.id, kind: 'incident', key: current.id, created: c.created!, modified: c.version! }], updated.updated_at),
      );
      result(ref, 'IMPORTED', `${c.id}: a later version applied to incident ${current.reference}${input.tlp !== current.tlp ? ` (its TLP stays ${current.tlp}: an import does not change an audience)` : ''}`);
    } catch (err) {
      result(ref, 'REFUSED', `${c.id}: ${(err as Error).message}`);
    }
  };

  for (const p of later.filter((x) => x.checked.type === 'incident')) {
    const c = p.checked;
    const prior = ownRefs.get(c.id);
    if (prior) {
      incidentIds.set(c.id, prior.hub_key);
      await laterIncidentVersion(p, prior);
      continue;
    }
    if (!user) {
      needsUser(p);
      continue;
    }
    try {
      // Filed and recorded as this object in one transaction: a crash between them cannot file it twice.
      const row = await deps.incidents.file(user, incidentInput(p.raw, c.tlp), (trx, filed) =>
        upsertRefs(trx, [{ stixId: c.id, organizationId: org.id, kind: 'incident', key: filed.id, created: c.created!, modified: c.version! }], filed.updated_at),
      );
      incidentIds.set(c.id, row.id);
      result({ index: p.index, id: c.id, type: c.type }, 'IMPORTED', `${c.id}: filed as incident ${row.reference}`);
    } catch (err) {
      result({ index: p.index, id: c.id, type: c.type }, 'REFUSED', `${c.id}: ${(err as Error).message}`);
    }
  }

  const indicatorValueOf = async (stixId: string): Promise<{ type: IndicatorType; value: string } | null> => {
    const inBundle = bundleIndicatorValues.get(stixId);
    if (inBundle) return inBundle[0]!;
    const row = await deps.db
      .selectFrom('stix_feed as f')
      .innerJoin('indicators as i', 'i.id', 'f.hub_id')
      .select(['i.type', 'i.value'])
      .where('f.stix_id', '=', stixId)
      .where('f.hub_kind', '=', 'indicator')
      .executeTakeFirst();
    if (row) return { type: row.type, value: row.value };
    const ref = await deps.db.selectFrom('stix_refs').select('hub_key').where('stix_id', '=', stixId).where('hub_kind', '=', 'indicator').executeTakeFirst();
    if (!ref) return null;
    const [type, ...rest] = ref.hub_key.split(':');
    return { type: type as IndicatorType, value: rest.join(':') };
  };

  for (const p of later.filter((x) => x.checked.type !== 'incident')) {
    const c = p.checked;
    const ref = { index: p.index, id: c.id, type: c.type };
    const prior = ownRefs.get(c.id);
    if (prior) {
      result(ref, 'IMPORTED', `${c.id}: already imported (${prior.hub_kind} ${prior.hub_key})`, false);
      continue;
    }
    const o = p.raw;
    if (c.type === 'sighting') {
      // Who saw it unknown (no created_by_ref, no where_sighted_refs, like the hub's own counts of hidden
      // sightings): it is nobody's sighting to record, so it is kept as it came.
      const anonymous = o.created_by_ref === undefined && (!Array.isArray(o.where_sighted_refs) || o.where_sighted_refs.length === 0);
      const of = anonymous ? null : await indicatorValueOf(o.sighting_of_ref as string);
      if (!of) {
        kept.push(p);
        continue;
      }
      if (!user) {
        needsUser(p);
        continue;
      }
      try {
        const seen = (o.last_seen ?? o.first_seen ?? o.created) as string;
        const count = typeof o.count === 'number' && o.count >= 1 ? Math.min(o.count, 1_000_000) : 1;
        await deps.indicatorReports.reportSighting(user, { type: of.type, value: of.value, seenAt: new Date(seen), count, tlp: c.tlp }, (trx, s) =>
          upsertRefs(trx, [{ stixId: c.id, organizationId: org.id, kind: 'sighting', key: String(s.id), created: c.created!, modified: c.version! }]),
        );
        result(ref, 'IMPORTED', `${c.id}: a sighting of ${of.type} ${of.value}`);
      } catch (err) {
        result(ref, 'REFUSED', `${c.id}: ${(err as Error).message}`);
      }
      continue;
    }
    if (c.type === 'note') {
      const target = (o.object_refs as string[]).map((r) => incidentIds.get(r)).find((x) => x !== undefined);
      if (!target) {
        kept.push(p);
        continue;
      }
      if (!user) {
        needsUser(p);
        continue;
      }
      try {
        await deps.incidents.comment(user, target, o.content as string, async (trx, entry) => {
          await upsertRefs(trx, [{ stixId: c.id, organizationId: org.id, kind: 'note', key: String(entry.id), created: c.created!, modified: c.version! }]);
          // The comment is part of this import: an incident this import brought is still as it came.
          await trx.updateTable('stix_refs').set({ imported_at: sql`greatest(now(), (select updated_at from incidents where id = ${target}::uuid))` } as never).where('organization_id', '=', org.id).where('hub_kind', '=', 'incident').where('hub_key', '=', target).execute();
        });
        result(ref, 'IMPORTED', `${c.id}: a comment on incident ${target}`);
      } catch (err) {
        result(ref, 'REFUSED', `${c.id}: ${(err as Error).message}`);
      }
      continue;
    }
    // relationship
    const rt = o.relationship_type as string;
    const source = o.source_ref as string;
    const targetIncident = incidentIds.get(o.target_ref as string);
    const sourceValue = source.startsWith('indicator--') ? await indicatorValueOf(source) : null;
    if ((rt !== 'indicates' && rt !== 'related-to') || !sourceValue || !targetIncident) {
      kept.push(p);
      continue;
    }
    if (!user) {
      needsUser(p);
      continue;
    }
    try {
      await deps.indicatorReports.linkToIncident(user, { type: sourceValue.type, value: sourceValue.value, incidentId: targetIncident }, async (trx, row) => {
        await upsertRefs(trx, [{ stixId: c.id, organizationId: org.id, kind: 'relationship', key: `${row.indicator_id}:${targetIncident}`, created: c.created!, modified: c.version! }]);
        // The link is part of this import: the imported indicator is still as it came.
        await trx.updateTable('stix_refs').set({ imported_at: sql`greatest(now(), ${row.updated_at}::timestamptz)` } as never).where('organization_id', '=', org.id).where('hub_kind', '=', 'indicator')
          .where('hub_key', '=', `${sourceValue.type}:${sourceValue.value}`).execute();
      });
      result(ref, 'IMPORTED', `${c.id}: links ${sourceValue.type} ${sourceValue.value} to incident ${targetIncident}`);
    } catch (err) {
      result(ref, 'REFUSED', `${c.id}: ${(err as Error).message}`);
    }
  }

  // 4. Everything else, as it came.
  for (let b = 0; b < kept.length; b += BATCH) await writeKept(deps, principal, org, kept.slice(b, b + BATCH), result);

  await deps.db.transaction().execute((trx) =>
    recordAudit(trx, principal, 'stix.imported', { type: 'Organization', id: org.id }, {
      objects: total,
      imported: results.filter((r) => r.outcome === 'IMPORTED').length,
      kept: results.filter((r) => r.outcome === 'KEPT').length,
      refused: results.filter((r) => r.outcome === 'REFUSED').length,
    }),
  );
  results.sort((a, b) => a.index - b.index);
  return {
    organization: org,
    total,
    imported: results.filter((r) => r.outcome === 'IMPORTED').length,
    kept: results.filter((r) => r.outcome === 'KEPT').length,
    refused: results.filter((r) => r.outcome === 'REFUSED').length,
    unchanged: results.filter((r) => r.outcome !== 'REFUSED' && !r.changed).length,
    results,
  };
}

function referencedIds(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['sighting_of_ref', 'source_ref', 'target_ref']) if (typeof o[k] === 'string') out.push(o[k] as string);
  if (Array.isArray(o.object_refs)) out.push(...(o.object_refs as string[]));
  return out;
}

const SEVERITY_OF = (criticality: unknown): Severity => {
  const c = typeof criticality === 'number' ? criticality : 50;
  return c >= 88 ? 'CRITICAL' : c >= 63 ? 'HIGH' : c >= 38 ? 'MODERATE' : 'LOW';
};

function incidentInput(o: Record<string, unknown>, tlp: Tlp): FileIncidentInput {
  const ext = ((o.extensions as Record<string, Record<string, unknown>> | undefined)?.[INCIDENT_CORE_EXTENSION] ?? {}) as Record<string, unknown>;
  const types = Array.isArray(ext.incident_types) ? (ext.incident_types as unknown[]) : [];
  const category = (types.map((t) => String(t).toUpperCase().replace(/-/g, '_')).find((t) => (CATEGORIES as string[]).includes(t)) ?? 'OTHER') as IncidentCategory;
  const name = String(o.name).replace(/\s+/g, ' ').trim().slice(0, 200);
  const description = typeof o.description === 'string' && o.description.trim() !== '' ? o.description : name;
  return { title: name, summary: description.slice(0, 10_000), category, severity: SEVERITY_OF(ext.criticality), tlp, exercise: false };
}

async function writeIndicatorBatch(
  deps: ImportDeps,
  principal: Principal,
  org: { id: string; slug: string },
  batch: readonly IndicatorWrite[],
  result: (p: { index: number; id: string | null; type: string | null }, outcome: ObjectOutcome, message: string, changed?: boolean) => void,
  state: { presumedNew: boolean },
): Promise<void> {
  const reportedBy = principal.kind === 'user' ? principal.userId : null;
  // One report per (type, value): the last object of the batch that names it wins. The key "type:value"
  // is also the hub key of the object's first value in stix_refs.
  const rows = new Map<string, { type: IndicatorType; value: string; w: IndicatorWrite }>();
  const written: IndicatorWrite[] = [];
  const firstKeys: string[] = [];
  for (const w of batch) {
    if (w.tlp === 'RED' && reportedBy === null) {
      result({ index: w.index, id: w.id, type: 'indicator' }, 'REFUSED', `${w.id}: object_marking_refs: TLP:RED names its recipients, and an operator import has no reporting user (estf stix import --as names one)`);
      continue;
    }
    written.push(w);
    for (let k = 0; k < w.values.length; k++) {
      const v = w.values[k]!;
      const key = `${v.type}:${v.value}`;
      if (k === 0) firstKeys.push(key);
      rows.set(key, { type: v.type, value: v.value, w });
    }
  }
  if (rows.size === 0) return;
  // In (type, value) order, as every bulk writer locks rows: the keys "type:value" sort the same (no type
  // has a colon, none is the start of another).
  const keys = [...rows.keys()].sort();
  const list = keys.map((k) => rows.get(k)!);
  // Whether the batch changed anything (per batch, not per value: the bulk statements count, they do not
  // list): a repeated import writes nothing and says so.
  let batchChanged = false;
  const parts = (['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const).map((tlp) => [tlp, list.filter((r) => r.w.tlp === tlp)] as const).filter(([, part]) => part.length > 0);
  const valuesOf = (part: typeof list) => ({
    types: part.map((r) => r.type),
    values: part.map((r) => r.value),
    benignReasons: part.map((r) => deps.isBenign(r.type, r.value)),
    confidences: part.map((r) => r.w.confidence),
    validUntils: part.map((r) => r.w.validUntil),
    descriptions: part.map((r) => r.w.description),
    // valid_from as each object says, in the same statement.
    validFroms: part.map((r) => r.w.validFrom),
  });
  const attributes = (tlp: Tlp) => ({ organizationId: org.id, reportedBy, tlp, lawEnforcementSensitive: false });
  // One ref per STIX id: the last version in the batch wins (as the upsert of the values).
  const refsById = new Map<string, { stixId: string; key: string; created: string; modified: string }>();
  written.forEach((w, k) => refsById.set(w.id, { stixId: w.id, key: firstKeys[k]!, created: w.created, modified: w.version }));
  const refs = [...refsById.values()];
  // A bundle is presumed new, as the indicators import presumes a feed: plain INSERTs of the values with
  // their reports and of the ids they came with. With one TLP (the common case) that is one statement, and
  // one statement is one transaction: no BEGIN and COMMIT to wait for. A value or id stored already (a
  // unique violation) rolls the batch back, and this batch and the rest of the import take the upserts.
  let done = false;
  if (state.presumedNew) {
    try {
      const now = new Date();
      if (parts.length === 1) {
        const [tlp, part] = parts[0]!;
        await insertNewValues(deps.db, valuesOf(part), attributes(tlp), now, newRefsStatement(org.id, 'indicator', refs));
      } else {
        await deps.db.transaction().execute(async (trx) => {
          for (let k = 0; k < parts.length; k++) {
            const [tlp, part] = parts[k]!;
            await insertNewValues(trx, valuesOf(part), attributes(tlp), now, k === parts.length - 1 ? newRefsStatement(org.id, 'indicator', refs) : undefined);
          }
        });
      }
      done = true;
      batchChanged = true;
    } catch (err) {
      if (!isRetryable(err)) throw err;
      state.presumedNew = false;
    }
  }
  if (!done) {
    await deps.db.transaction().execute(async (trx) => {
      const now = new Date();
      const stored = await upsertIndicators(trx, { types: list.map((r) => r.type), values: list.map((r) => r.value), benignReasons: list.map((r) => deps.isBenign(r.type, r.value)) }, now);
      if (stored.inserted > 0) batchChanged = true;
      for (const [tlp, part] of parts) {
        const reports = await upsertReports(trx, valuesOf(part), attributes(tlp), now, now);
        if (reports.inserted + reports.updated > 0) batchChanged = true;
      }
      await upsertRefs(trx, refs.map((r) => ({ stixId: r.stixId, organizationId: org.id, kind: 'indicator', key: r.key, created: r.created, modified: r.modified })));
    });
  }
  for (const w of written) {
    const changed = batchChanged;
    const what = w.values.length === 1 ? `${w.values[0]!.type} ${w.values[0]!.value}` : w.values.map((v) => `${v.type} ${v.value}`).join(', ');
    const extra = w.notes.length > 0 ? `; not represented: ${w.notes.join('; ')}` : '';
    const several = w.values.length > 1 ? ' (a compound pattern: each value is an indicator of its own)' : '';
    result({ index: w.index, id: w.id, type: 'indicator' }, 'IMPORTED', `${w.id}: ${what}${several}${changed ? '' : ' (unchanged)'}${extra}`, changed);
  }
}

async function writeKept(
  deps: ImportDeps,
  principal: Principal,
  org: { id: string; slug: string },
  batch: readonly Pending[],
  result: (p: { index: number; id: string | null; type: string | null }, outcome: ObjectOutcome, message: string, changed?: boolean) => void,
): Promise<void> {
  const reportedBy = principal.kind === 'user' ? principal.userId : null;
  await deps.db.transaction().execute(async (trx) => {
    await lockFeed(trx);
    const feed = [];
    for (const p of batch) {
      const c = p.checked;
      const ref = { index: p.index, id: c.id, type: c.type };
      if (c.tlp === 'RED' && reportedBy === null) {
        result(ref, 'REFUSED', `${c.id}: object_marking_refs: TLP:RED names its recipients, and an operator import has no reporting user (estf stix import --as names one)`);
        continue;
      }
      const version = c.version ?? 'sco';
      const existing = await findKeptVersion(trx, c.id, version);
      if (existing) {
        if (existing.organization_id === org.id) result(ref, 'KEPT', `${c.id}: already kept (unchanged)`, false);
        else result(ref, 'REFUSED', `${c.id}: this version is already held by another organization`);
        continue;
      }
      const latest = await latestKept(trx, c.id);
      if (latest && latest.organization_id !== org.id) {
        result(ref, 'REFUSED', `${c.id}: the object is held by another organization: only it may add versions`);
        continue;
      }
      const modified = c.modified ?? new Date(0);
      const id = await insertKept(trx, { stixId: c.id, type: c.type, modified, version, object: p.raw, organizationId: org.id, reportedBy, tlp: c.tlp });
      if (!latest || latest.modified.getTime() <= modified.getTime()) {
        feed.push({ stixId: c.id, collection: 'objects' as const, type: c.type, kind: 'kept' as const, hubKey: c.id, hubId: id, hubUuid: null, mark: new Date() });
      }
      result(ref, 'KEPT', `${c.id}: kept as it came (the hub does not model ${c.type}${c.type === 'indicator' ? ` with pattern_type ${String(p.raw.pattern_type)}` : c.type === 'sighting' || c.type === 'note' || c.type === 'relationship' ? ' objects that name no record the hub knows' : ''}), TLP:${c.tlp}`);
    }
    await appendFeed(trx, feed);
  });
}

export { stixIds, stixTime };

/** Whether STIX timestamp `a` is after `b` (to the millisecond by value, then by the finer digits as written). */
function isLaterTime(a: string, b: string): boolean {
  const x = Date.parse(a);
  const y = Date.parse(b);
  return x > y || (x === y && a.replace(/Z$/, '').padEnd(30, '0') > b.replace(/Z$/, '').padEnd(30, '0'));
}
