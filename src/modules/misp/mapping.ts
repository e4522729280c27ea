import { createHash } from 'node:crypto';
import type { IndicatorType } from '../../domain/indicator-types.js';
import type { IncidentStatus, Severity, Tlp } from '../../domain/taxonomy.js';

/**
 * What maps to what between MISP and the hub (interop.md, "MISP"). Pure: no I/O, no principal.
 */

/** The MISP attribute types the hub imports, each with the hub indicator types its value parts become. */
export const MISP_IMPORT_TYPES = [
  'ip-src',
  'ip-dst',
  'ip-src|port',
  'ip-dst|port',
  'domain',
  'hostname',
  'url',
  'email-src',
  'email-dst',
  'md5',
  'sha1',
  'sha256',
  'filename|sha256',
  'domain|ip',
  'phone-number',
] as const;
export type MispImportType = (typeof MISP_IMPORT_TYPES)[number];

/**
 * Types interop.md lists that the hub has no indicator type for: kept as they came (with their label, for
 * the export and the feed), never matched or correlated. The hub's indicators have no autonomous-system
 * type: an AS number is not an observable a county's logs hold, but partners' events carry them.
 */
export const MISP_KEPT_TYPES = ['AS'] as const;
export const isMispKeptType = (t: string): boolean => (MISP_KEPT_TYPES as readonly string[]).includes(t);

/** An AS number as MISP writes it (AS64496 or 64496), 0–4294967295 (RFC 6793); the reason when not. */
export function checkAsNumber(value: string): string | null {
  const m = /^(?:AS)?(\d{1,10})$/i.exec(value.trim());
  if (!m || Number(m[1]) > 4_294_967_295) return `${JSON.stringify(value.slice(0, 100))} is not an AS number (AS64496 or 64496, at most 4294967295)`;
  return null;
}

export const isMispImportType = (t: string): t is MispImportType => (MISP_IMPORT_TYPES as readonly string[]).includes(t);

/** The category MISP gives a type by default (its describeTypes "sane defaults"), for attributes the hub writes. */
export function defaultCategory(type: string): string {
  switch (type) {
    case 'email-src':
    case 'email-dst':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'filename|sha256':
      return 'Payload delivery';
    case 'phone-number':
      return 'Person';
    case 'text':
      return 'Social network';
    default:
      return 'Network activity';
  }
}

/** The MISP type an indicator of the hub is exported as, when no import says how it was written. */
export function mispTypeOf(type: IndicatorType): { type: string; toIds: boolean } {
  switch (type) {
    case 'IPV4':
    case 'IPV6':
    case 'CIDR':
      return { type: 'ip-dst', toIds: true };
    case 'DOMAIN':
      return { type: 'domain', toIds: true };
    case 'URL':
      return { type: 'url', toIds: true };
    case 'EMAIL':
      return { type: 'email-src', toIds: true };
    case 'MD5':
      return { type: 'md5', toIds: true };
    case 'SHA1':
      return { type: 'sha1', toIds: true };
    case 'SHA256':
      return { type: 'sha256', toIds: true };
    case 'PHONE':
      return { type: 'phone-number', toIds: false };
    case 'SOCIAL_ACCOUNT':
      // MISP has one type per platform (twitter-id, github-username…) but none for most of the hub's:
      // plain text, not for detection.
      return { type: 'text', toIds: false };
  }
}

// ── TLP ────────────────────────────────────────────────────────────────────────────────────────────

/** MISP's tlp taxonomy, TLP 2.0 and 1.0 spellings (tlp:white is TLP 1.0's CLEAR). */
const TLP_TAGS: Readonly<Record<string, Tlp>> = {
  'tlp:clear': 'CLEAR',
  'tlp:white': 'CLEAR',
  'tlp:green': 'GREEN',
  'tlp:amber': 'AMBER',
  'tlp:amber+strict': 'AMBER_STRICT',
  'tlp:red': 'RED',
};

const TLP_RANK: Readonly<Record<Tlp, number>> = { CLEAR: 0, GREEN: 1, AMBER: 2, AMBER_STRICT: 3, RED: 4 };

/** The tag an export writes for a TLP (TLP 2.0 spelling, as MISP's tlp taxonomy has it since 2022). */
export function tlpTag(tlp: Tlp): { name: string; colour: string } {
  switch (tlp) {
    case 'CLEAR':
      return { name: 'tlp:clear', colour: '#ffffff' };
    case 'GREEN':
      return { name: 'tlp:green', colour: '#33ff00' };
    case 'AMBER':
      return { name: 'tlp:amber', colour: '#ffc000' };
    case 'AMBER_STRICT':
      return { name: 'tlp:amber+strict', colour: '#ffc000' };
    case 'RED':
      return { name: 'tlp:red', colour: '#ff2b2b' };
  }
}

/**
 * The TLP a Tag list states: null when it has no tlp:* tag; the most restrictive when it has several (a
 * label is a sharing limit: when two disagree, the narrower one holds). A tlp:* tag the hub does not know
 * (tlp:ex:chr, a typo) is an error, not "no label": the sender meant a restriction the hub cannot honour.
 */
export function tlpFromTags(tags: unknown): { ok: true; tlp: Tlp | null } | { ok: false; reason: string } {
  if (tags === undefined || tags === null) return { ok: true, tlp: null };
  if (!Array.isArray(tags)) return { ok: false, reason: 'Tag must be a list of tags' };
  let tlp: Tlp | null = null;
  for (const [i, t] of tags.entries()) {
    const name = typeof t === 'string' ? t : t && typeof t === 'object' ? (t as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return { ok: false, reason: `Tag[${i}] has no name` };
    const key = name.trim().toLowerCase().replace(/\s+/g, '');
    if (!key.startsWith('tlp:')) continue;
    const label = TLP_TAGS[key];
    if (label === undefined) return { ok: false, reason: `Tag[${i}] ${JSON.stringify(name)} is not a TLP label the hub knows (tlp:clear, tlp:white, tlp:green, tlp:amber, tlp:amber+strict, tlp:red)` };
    if (tlp === null || TLP_RANK[label] > TLP_RANK[tlp]) tlp = label;
  }
  return { ok: true, tlp };
}

// ── Event fields ───────────────────────────────────────────────────────────────────────────────────

/** threat_level_id: 1 High, 2 Medium, 3 Low, 4 Undefined. */
export function threatLevelOf(severity: Severity): number {
  switch (severity) {
    case 'CRITICAL':
    case 'HIGH':
      return 1;
    case 'MODERATE':
      return 2;
    case 'LOW':
      return 3;
  }
}

/** analysis: 0 Initial, 1 Ongoing, 2 Complete. */
export function analysisOf(status: IncidentStatus): number {
  switch (status) {
    case 'REPORTED':
    case 'TRIAGED':
      return 0;
    case 'INVESTIGATING':
    case 'CONTAINED':
      return 1;
    default:
      return 2;
  }
}

/**
 * distribution: 0 your organisation only, 1 this community only, 2 connected communities, 3 all. What a
 * receiving MISP may pass on: CLEAR anywhere, GREEN within its community, AMBER and narrower nowhere.
 */
export function distributionOf(tlp: Tlp): number {
  switch (tlp) {
    case 'CLEAR':
      return 3;
    case 'GREEN':
      return 1;
    default:
      return 0;
  }
}

/** A MISP enum field (threat_level_id, analysis, distribution): a JSON string or an integer in range. */
export function enumField(v: unknown, min: number, max: number): number | null | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

/** to_ids: MISP writes a boolean; older exports "0"/"1" or 0/1. null: not one of those. */
export function toIdsOf(v: unknown): boolean | null {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === '0' || v === 'false') return false;
  if (v === 1 || v === '1' || v === 'true') return true;
  return null;
}

/**
 * first_seen / last_seen as MISP writes them: ISO 8601 with microseconds and an offset, the offset with or
 * without its colon (2026-11-03T19:40:00.000000+00:00, …+0000). Returns the instant or why not.
 */
export function mispInstant(v: string): { ok: true; value: Date } | { ok: false; reason: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/.exec(v.trim());
  if (!m) return { ok: false, reason: `${JSON.stringify(v)} is not an ISO 8601 date-time (e.g. 2026-11-03T19:40:00.000000+00:00)` };
  const [, y, mo, d, h, mi, s = '00', frac, zone] = m;
  const z = zone === undefined || zone === 'Z' || zone === 'z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
  const text = `${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${z}`;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return { ok: false, reason: `${JSON.stringify(v)} is not a real date and time` };
  }
  const value = new Date(text);
  if (Number.isNaN(value.getTime()) || value.getUTCFullYear() < 2000 || value.getUTCFullYear() > 2099) {
    return { ok: false, reason: `${JSON.stringify(v)} must be a date-time in the years 2000 to 2099` };
  }
  return { ok: true, value };
}

/** An instant as MISP writes first_seen and last_seen: microseconds and +00:00. */
export function mispTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

// ── Deterministic ids ──────────────────────────────────────────────────────────────────────────────

/** The namespace of every UUIDv5 the hub derives for MISP (RFC 4122 §4.3): fixed forever. */
const MISP_NAMESPACE = 'dec0e8da-d227-4b53-beb5-d037ad665185';

/** UUIDv5 of a name in the hub's MISP namespace: the same hub object always gets the same MISP uuid. */
export function uuidV5(name: string): string {
  const ns = Buffer.from(MISP_NAMESPACE.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export const eventUuidOfIncident = (incidentId: string) => uuidV5(`incident:${incidentId}`);
export const orgUuidOf = (slug: string) => uuidV5(`organization:${slug}`);
