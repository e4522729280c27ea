import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { canImportIndicatorsFor } from '../../access/indicators.js';
import type { Principal } from '../../access/principal.js';
import { MAX_AHEAD, tooFarAhead } from '../../dates.js';
import { isUuid } from '../../domain/ids.js';
import type { Tlp } from '../../domain/taxonomy.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { multiLineText, singleLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import type { IncidentsService } from '../incidents/index.js';
import { normalize, type IndicatorReportInput, type IndicatorReportsService, type IndicatorType } from '../indicators/index.js';
import { findOrganizationBySlug } from '../partners/index.js';
import { MispFormatError, readEventParts, type EventPart } from './event-stream.js';
import { checkAsNumber, enumField, isMispImportType, isMispKeptType, MISP_IMPORT_TYPES, MISP_KEPT_TYPES, mispInstant, tlpFromTags, toIdsOf, type MispImportType } from './mapping.js';
import { findDigests, upsertAttributes, type MispAttributeWrite } from './misp.repository.js';
import type { MispObjectRef } from './misp.tables.js';

/**
 * Importing a MISP event (issue 15, item 4): its attributes, and those of its objects, become indicator
 * reports of the importing organization, written by the indicators module's own report use case
 * (reportIndicators, one transaction per batch with its audit entry and outbox row), with what MISP said
 * of each attribute kept beside them (misp_attributes) in the same transaction.
 *
 * The file is read twice, as a stream: first to check that it is a MISP event at all and to read the
 * event's own members (its TLP tags may come after a million attributes), then to import. A file that is
 * not JSON, or not an event, therefore writes nothing. Every attribute is accounted for: imported,
 * unchanged (imported before with the same content: nothing is written, so a second import changes
 * nothing), or refused with a reason naming its uuid and the property at fault.
 */

export const ATTRIBUTE_BATCH = 1_000;
/** Refusals listed in a result; the rest are counted. */
export const REFUSED_SAMPLE = 1_000;
const MAX_INFO = 256;
const MAX_COMMENT = 2_000;
/** Confidence of a to_ids attribute (for detection) and of a context-only one (to_ids false). */
export const CONFIDENCE_TO_IDS = 50;
export const CONFIDENCE_CONTEXT = 15;

export interface MispImportInput {
  /** Opens the file (called twice: check, then import). */
  open: () => Readable;
  /** The importing organization's slug (default: the principal's own). */
  organization?: string | null;
  /** An incident (id or reference) the reports are linked to; the principal must see it. */
  incident?: string | null;
  sourceName?: string | null;
  onProgress?: (p: { phase: 'check' | 'import'; bytesRead: number; attributes: number }) => void;
}

export interface MispRefusal {
  /** The attribute's uuid (or the object's, for an object refused whole); null when it has none. */
  uuid: string | null;
  /** Where it sits in the file: Attribute[3], Object[1].Attribute[0]. */
  path: string;
  /** The property at fault: value, type, uuid, first_seen, … */
  property: string;
  reason: string;
}

export interface MispImportResult {
  event: { uuid: string; info: string; tlp: Tlp; orgc: { name: string | null; uuid: string | null } | null };
  organization: { id: string; slug: string };
  /** Attributes read (objects' attributes included). */
  attributes: number;
  imported: number;
  unchanged: number;
  refused: number;
  refusals: MispRefusal[];
  /** Indicators the hub did not know before. */
  createdIndicators: number;
  ms: number;
}

interface EventHeader {
  uuid: string;
  info: string;
  tlp: Tlp;
  orgc: { name: string | null; uuid: string | null } | null;
}

/** One attribute checked: what it becomes in the hub, or why not. */
type Checked =
  | {
      ok: true;
      path: string;
      uuid: string;
      /** A type the hub imports as indicators, or one it keeps as it came (parts then empty). */
      type: string;
      value: string;
      category: string | null;
      comment: string | null;
      toIds: boolean;
      firstSeen: Date | null;
      lastSeen: Date | null;
      tlp: Tlp;
      object: MispObjectRef | null;
      parts: Array<{ type: IndicatorType; value: string }>;
    }
  | ({ ok: false } & MispRefusal);

// ── The event's own members ────────────────────────────────────────────────────────────────────────

function readHeader(fields: Map<string, unknown>): EventHeader {
  const uuid = fields.get('uuid');
  if (typeof uuid !== 'string' || !isUuid(uuid)) throw new InputError('Event.uuid', uuid === undefined ? 'the event has no uuid' : `${JSON.stringify(uuid)} is not a UUID`);
  const rawInfo = fields.get('info');
  if (typeof rawInfo !== 'string') throw new InputError('Event.info', 'the event has no info (its one-line title)');
  const info = singleLineText(rawInfo);
  if (info.length === 0) throw new InputError('Event.info', 'is empty');
  if (info.length > MAX_INFO) throw new InputError('Event.info', `is longer than ${MAX_INFO} characters`);
  for (const [key, max] of [['threat_level_id', 4], ['analysis', 2], ['distribution', 5]] as const) {
    if (enumField(fields.get(key), key === 'threat_level_id' ? 1 : 0, max) === null) {
      throw new InputError(`Event.${key}`, `${JSON.stringify(fields.get(key))} is not one of MISP's values (${key === 'threat_level_id' ? '1-4' : `0-${max}`}, as a string or an integer)`);
    }
  }
  const date = fields.get('date');
  if (date !== undefined && (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))) {
    throw new InputError('Event.date', `${JSON.stringify(date)} is not a date YYYY-MM-DD`);
  }
  const tags = tlpFromTags(fields.get('Tag'));
  if (!tags.ok) throw new InputError('Event.Tag', tags.reason);
  const orgcRaw = fields.get('Orgc');
  let orgc: EventHeader['orgc'] = null;
  if (orgcRaw !== undefined && orgcRaw !== null) {
    if (typeof orgcRaw !== 'object' || Array.isArray(orgcRaw)) throw new InputError('Event.Orgc', 'must be an object with name and uuid');
    const o = orgcRaw as { name?: unknown; uuid?: unknown };
    if (o.name !== undefined && typeof o.name !== 'string') throw new InputError('Event.Orgc.name', 'must be text');
    if (o.uuid !== undefined && (typeof o.uuid !== 'string' || !isUuid(o.uuid))) throw new InputError('Event.Orgc.uuid', `${JSON.stringify(o.uuid)} is not a UUID`);
    orgc = { name: typeof o.name === 'string' ? singleLineText(o.name).slice(0, 255) || null : null, uuid: typeof o.uuid === 'string' ? o.uuid.toLowerCase() : null };
  }
  // No tlp:* tag: AMBER (interop.md), the default of partners' sharing agreements.
  return { uuid: uuid.toLowerCase(), info, tlp: tags.tlp ?? 'AMBER', orgc };
}

// ── One attribute ──────────────────────────────────────────────────────────────────────────────────

const IP_TYPES: ReadonlySet<IndicatorType> = new Set(['IPV4', 'IPV6', 'CIDR']);

function ip(raw: string): { type: IndicatorType; value: string } | string {
  const t: IndicatorType = raw.includes('/') ? 'CIDR' : raw.includes(':') ? 'IPV6' : 'IPV4';
  const n = normalize(t, raw);
  if (!n.ok) return n.reason;
  return IP_TYPES.has(n.type) ? { type: n.type, value: n.value } : `${JSON.stringify(raw)} is not an IP address or network`;
}

function one(type: IndicatorType, raw: string): { type: IndicatorType; value: string } | string {
  const n = normalize(type, raw);
  return n.ok ? { type: n.type, value: n.value } : n.reason;
}

/** The hub indicators a MISP value stands for, or why it cannot. */
function partsOf(type: MispImportType, value: string): Array<{ type: IndicatorType; value: string }> | string {
  const pieces = (want: number): string[] | string => {
    const at = value.lastIndexOf('|');
    if (at <= 0 || at === value.length - 1) return `a ${type} value is two parts joined by "|", got ${JSON.stringify(value.slice(0, 100))}`;
    return want === 2 ? [value.slice(0, at), value.slice(at + 1)] : [value];
  };
  const all = (...r: Array<{ type: IndicatorType; value: string } | string>) => {
    const bad = r.find((x): x is string => typeof x === 'string');
    return bad ?? (r as Array<{ type: IndicatorType; value: string }>);
  };
  switch (type) {
    case 'ip-src':
    case 'ip-dst':
      return all(ip(value));
    case 'ip-src|port':
    case 'ip-dst|port': {
      const p = pieces(2);
      if (typeof p === 'string') return p;
      if (!/^\d{1,5}$/.test(p[1]!) || Number(p[1]) > 65_535) return `the port ${JSON.stringify(p[1])} is not a number 0-65535`;
      return all(ip(p[0]!));
    }
    case 'domain':
    case 'hostname':
      return all(one('DOMAIN', value));
    case 'url':
      return all(one('URL', value));
    case 'email-src':
    case 'email-dst':
      return all(one('EMAIL', value));
    case 'md5':
      return all(one('MD5', value));
    case 'sha1':
      return all(one('SHA1', value));
    case 'sha256':
      return all(one('SHA256', value));
    case 'filename|sha256': {
      const p = pieces(2);
      if (typeof p === 'string') return p;
      if (p[0]!.trim().length === 0) return 'the file name before "|" is empty';
      return all(one('SHA256', p[1]!));
    }
    case 'domain|ip': {
      const p = pieces(2);
      if (typeof p === 'string') return p;
      return all(one('DOMAIN', p[0]!), ip(p[1]!));
    }
    case 'phone-number':
      return all(one('PHONE', value));
  }
}

function checkAttribute(raw: unknown, path: string, eventTlp: Tlp, object: MispObjectRef | null): Checked {
  const refuse = (uuid: string | null, property: string, reason: string): Checked => ({ ok: false, uuid, path, property, reason });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return refuse(null, path, 'an attribute must be a JSON object');
  const a = raw as Record<string, unknown>;
  const uuid = typeof a.uuid === 'string' && isUuid(a.uuid) ? a.uuid.toLowerCase() : null;
  if (uuid === null) return refuse(null, 'uuid', a.uuid === undefined ? 'the attribute has no uuid' : `${JSON.stringify(a.uuid)} is not a UUID`);
  if (a.deleted === true || a.deleted === '1' || a.deleted === 1) return refuse(uuid, 'deleted', 'the attribute is deleted in MISP');
  if (typeof a.type !== 'string') return refuse(uuid, 'type', 'the attribute has no type');
  const type = a.type.trim();
  const kept = isMispKeptType(type);
  if (!kept && !isMispImportType(type)) {
    return refuse(uuid, 'type', `type ${JSON.stringify(type.slice(0, 100))} is not one the hub imports (${[...MISP_IMPORT_TYPES, ...MISP_KEPT_TYPES].join(', ')})`);
  }
  if (typeof a.value !== 'string' && typeof a.value !== 'number') return refuse(uuid, 'value', 'the attribute has no value');
  const value = String(a.value);
  const toIds = toIdsOf(a.to_ids);
  if (toIds === null) return refuse(uuid, 'to_ids', `${JSON.stringify(a.to_ids)} is not a boolean`);
  for (const k of ['category', 'comment'] as const) {
    if (a[k] !== undefined && a[k] !== null && typeof a[k] !== 'string') return refuse(uuid, k, 'must be text');
  }
  const category = typeof a.category === 'string' ? singleLineText(a.category) || null : null;
  const comment = typeof a.comment === 'string' ? multiLineText(a.comment) || null : null;
  if (comment !== null && comment.length > MAX_COMMENT) return refuse(uuid, 'comment', `is longer than ${MAX_COMMENT} characters`);
  const seen: { first_seen: Date | null; last_seen: Date | null } = { first_seen: null, last_seen: null };
  for (const k of ['first_seen', 'last_seen'] as const) {
    const v = a[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') return refuse(uuid, k, 'must be an ISO 8601 date-time');
    const t = mispInstant(v);
    if (!t.ok) return refuse(uuid, k, t.reason);
    seen[k] = t.value;
  }
  if (seen.first_seen && seen.last_seen && seen.last_seen < seen.first_seen) return refuse(uuid, 'last_seen', 'is before first_seen');
  if (seen.first_seen && tooFarAhead(seen.first_seen, MAX_AHEAD.validUntilDays)) return refuse(uuid, 'first_seen', 'is more than five years ahead');
  const tags = tlpFromTags(a.Tag);
  if (!tags.ok) return refuse(uuid, 'Tag', tags.reason);
  const tlp = tags.tlp ?? eventTlp;
  let parts: Array<{ type: IndicatorType; value: string }> | string;
  if (kept) {
    const problem = checkAsNumber(value);
    if (problem) return refuse(uuid, 'value', problem);
    // Kept attributes have no reporting user and no recipients: RED would be visible to nobody.
    if (tlp === 'RED') return refuse(uuid, 'Tag', `TLP:RED: a ${type} attribute is kept without named recipients, so it would be visible to nobody`);
    parts = [];
  } else {
    parts = partsOf(type as MispImportType, value);
    if (typeof parts === 'string') return refuse(uuid, 'value', parts);
  }
  return { ok: true, path, uuid, type, value, category, comment, toIds, firstSeen: seen.first_seen, lastSeen: seen.last_seen, tlp, object, parts };
}

/** The attributes of one Object item, or its refusal as a whole (no uuid, not an object). */
function objectAttributes(raw: unknown, index: number): { ref: MispObjectRef; attributes: unknown[] } | MispRefusal {
  const path = `Object[${index}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { uuid: null, path, property: path, reason: 'an object must be a JSON object' };
  const o = raw as Record<string, unknown>;
  const uuid = typeof o.uuid === 'string' && isUuid(o.uuid) ? o.uuid.toLowerCase() : null;
  if (uuid === null) return { uuid: null, path, property: 'uuid', reason: o.uuid === undefined ? 'the object has no uuid' : `${JSON.stringify(o.uuid)} is not a UUID` };
  if (typeof o.name !== 'string' || o.name.trim() === '') return { uuid, path, property: 'name', reason: 'the object has no name' };
  const attrs = o.Attribute ?? [];
  if (!Array.isArray(attrs)) return { uuid, path, property: 'Attribute', reason: 'must be a list of attributes' };
  const metaCategory = typeof o['meta-category'] === 'string' ? (o['meta-category'] as string) : null;
  const templateUuid = typeof o.template_uuid === 'string' && isUuid(o.template_uuid) ? o.template_uuid.toLowerCase() : null;
  const templateVersion = typeof o.template_version === 'string' || typeof o.template_version === 'number' ? String(o.template_version).slice(0, 20) : null;
  return { ref: { uuid, name: o.name.trim().slice(0, 255), metaCategory, relation: null, templateUuid, templateVersion }, attributes: attrs };
}

function digestOf(h: EventHeader, c: Extract<Checked, { ok: true }>, incidentId: string | null): string {
  return createHash('sha256')
    .update(
      JSON.stringify([h.uuid, h.info, h.orgc, c.object, c.type, c.category, c.value, c.toIds, c.comment, c.firstSeen?.toISOString() ?? null, c.lastSeen?.toISOString() ?? null, c.tlp, incidentId]),
    )
    .digest('hex');
}

function describe(h: EventHeader, c: Extract<Checked, { ok: true }>): string {
  const by = h.orgc?.name ? ` by ${h.orgc.name}` : '';
  const text = `MISP event ${h.uuid} "${h.info}"${by}: ${c.type} attribute ${c.uuid}${c.toIds ? '' : ' (to_ids false: context, not for detection)'}${c.comment ? `: ${c.comment}` : ''}`;
  return text.length > 4_000 ? `${text.slice(0, 3_997)}...` : text;
}

// ── The use case ───────────────────────────────────────────────────────────────────────────────────

export interface MispImportDeps {
  db: Db;
  indicatorReports: IndicatorReportsService;
  incidents: IncidentsService;
}

async function checkFile(input: MispImportInput): Promise<{ header: EventHeader; attributes: number }> {
  const fields = new Map<string, unknown>();
  let attributes = 0;
  try {
    for await (const parts of readEventParts(input.open(), (bytesRead) => input.onProgress?.({ phase: 'check', bytesRead, attributes }))) {
      for (const p of parts) {
        if (p.kind === 'field') fields.set(p.key, p.value);
        else if (p.kind === 'attribute') attributes++;
        else {
          const o = p.value as { Attribute?: unknown } | null;
          attributes += o && typeof o === 'object' && Array.isArray(o.Attribute) ? o.Attribute.length : 1;
        }
      }
    }
  } catch (err) {
    if (err instanceof MispFormatError) throw new InputError('event', err.message);
    throw err;
  }
  return { header: readHeader(fields), attributes };
}

export async function importMispEvent(deps: MispImportDeps, principal: Principal, input: MispImportInput): Promise<MispImportResult> {
  const started = performance.now();
  // Who the reports are of: the operator for any organization, an analyst for their own (the bulk import's rule).
  const slug = input.organization ?? (principal.kind === 'user' ? principal.organization.slug : null);
  if (!slug) throw new InputError('organization', 'name the importing organization (its slug)');
  const org = await findOrganizationBySlug(deps.db, slug);
  if (!org) throw new InputError('organization', `no organization with slug "${slug}"`);
  if (!canImportIndicatorsFor(principal, org.id)) throw new ForbiddenError('Only an ANALYST of that organization may report its indicators.');
  let incidentId: string | null = null;
  if (input.incident) {
    const found = isUuid(input.incident) ? await deps.incidents.get(principal, input.incident) : await deps.incidents.getByReference(principal, input.incident);
    if (!found) throw new NotFoundError('Incident', input.incident);
    incidentId = found.id;
  }

  const { header } = await checkFile(input);
  const result: MispImportResult = {
    event: header,
    organization: { id: org.id, slug: org.slug },
    attributes: 0,
    imported: 0,
    unchanged: 0,
    refused: 0,
    refusals: [],
    createdIndicators: 0,
    ms: 0,
  };
  const refuse = (r: MispRefusal) => {
    result.refused++;
    if (result.refusals.length < REFUSED_SAMPLE) result.refusals.push(r);
  };
  const seenUuids = new Map<string, string>();
  let batch: Array<Extract<Checked, { ok: true }>> = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    const stored = await findDigests(deps.db, org.id, b.map((c) => c.uuid));
    const all = b.filter((c) => stored.get(c.uuid) !== digestOf(header, c, incidentId));
    result.unchanged += b.length - all.length;
    const rowOf = (c: Extract<Checked, { ok: true }>, indicatorIds: number[]): MispAttributeWrite => ({
      organizationId: org.id,
      attributeUuid: c.uuid,
      eventUuid: header.uuid,
      eventInfo: header.info,
      orgc: header.orgc,
      object: c.object,
      type: c.type,
      category: c.category,
      value: c.value,
      toIds: c.toIds,
      comment: c.comment,
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
      tlp: c.tlp,
      indicatorIds,
      incidentId,
      digest: digestOf(header, c, incidentId),
    });
    // Attributes the hub keeps as they came (no indicator type for them): one transaction with its audit entry.
    const kept = all.filter((c) => c.parts.length === 0);
    if (kept.length > 0) {
      await deps.db.transaction().execute(async (trx) => {
        await upsertAttributes(trx, kept.map((c) => rowOf(c, [])));
        await recordAudit(trx, principal, 'misp.attributes_kept', { type: 'Organization', id: org.id }, { event: header.uuid, attributes: kept.map((c) => c.uuid) });
      });
      result.imported += kept.length;
    }
    const changed = all.filter((c) => c.parts.length > 0);
    if (changed.length === 0) return;
    const inputs: IndicatorReportInput[] = [];
    const owner: number[] = [];
    changed.forEach((c, k) => {
      for (const part of c.parts) {
        inputs.push({
          type: part.type,
          value: part.value,
          tlp: c.tlp,
          confidence: c.toIds ? CONFIDENCE_TO_IDS : CONFIDENCE_CONTEXT,
          validFrom: c.firstSeen,
          description: describe(header, c),
          incidentId,
        });
        owner.push(k);
      }
    });
    const failed = new Map<number, { field: string; error: string }>();
    const results = await deps.indicatorReports.reportIndicators(principal, inputs, {
      organizationId: org.id,
      auditDetails: { source: 'misp', event: header.uuid },
      within: async (trx, written) => {
        // Only attributes all of whose parts were stored are kept as imported (the others are refused below).
        const byAttr = new Map<number, number[]>();
        for (const w of written) byAttr.set(owner[w.index]!, [...(byAttr.get(owner[w.index]!) ?? []), w.indicator.id]);
        const rows: MispAttributeWrite[] = [];
        changed.forEach((c, k) => {
          const ids = byAttr.get(k) ?? [];
          if (ids.length === c.parts.length) rows.push(rowOf(c, ids));
        });
        await upsertAttributes(trx, rows);
      },
    });
    results.forEach((r, i) => {
      if (!r.ok) failed.set(owner[i]!, { field: r.field ?? 'value', error: r.error ?? 'refused' });
      else if (r.created) result.createdIndicators++;
    });
    const property: Record<string, string> = { validFrom: 'first_seen', tlp: 'Tag', incidentId: 'incident' };
    changed.forEach((c, k) => {
      const f = failed.get(k);
      if (f) refuse({ uuid: c.uuid, path: c.path, property: property[f.field] ?? f.field, reason: f.error });
      else result.imported++;
    });
  };

  const take = async (c: Checked) => {
    result.attributes++;
    if (!c.ok) return refuse(c);
    const earlier = seenUuids.get(c.uuid);
    if (earlier !== undefined) return refuse({ uuid: c.uuid, path: c.path, property: 'uuid', reason: `repeats the uuid of ${earlier}` });
    seenUuids.set(c.uuid, c.path);
    batch.push(c);
    if (batch.length >= ATTRIBUTE_BATCH) await flush();
  };

  try {
    const report = (bytesRead: number) => input.onProgress?.({ phase: 'import', bytesRead, attributes: result.attributes });
    for await (const parts of readEventParts(input.open(), report)) {
      for (const p of parts as EventPart[]) {
        if (p.kind === 'attribute') {
          await take(checkAttribute(p.value, `Attribute[${p.index}]`, header.tlp, null));
        } else if (p.kind === 'object') {
          const o = objectAttributes(p.value, p.index);
          if ('reason' in o) {
            result.attributes++;
            refuse(o);
            continue;
          }
          for (const [k, a] of o.attributes.entries()) {
            const relation = a && typeof a === 'object' && typeof (a as { object_relation?: unknown }).object_relation === 'string' ? (a as { object_relation: string }).object_relation : null;
            await take(checkAttribute(a, `Object[${p.index}].Attribute[${k}]`, header.tlp, { ...o.ref, relation }));
          }
        }
      }
    }
    await flush();
  } catch (err) {
    if (err instanceof MispFormatError) throw new InputError('event', `${err.message} (the file changed while it was read?)`);
    throw err;
  }
  result.ms = performance.now() - started;
  await deps.db.transaction().execute((trx) =>
    recordAudit(trx, principal, 'misp.imported', { type: 'Organization', id: org.id }, {
      event: header.uuid,
      info: header.info,
      tlp: header.tlp,
      source: input.sourceName ?? null,
      incident: incidentId,
      attributes: result.attributes,
      imported: result.imported,
      unchanged: result.unchanged,
      refused: result.refused,
    }),
  );
  return result;
}
