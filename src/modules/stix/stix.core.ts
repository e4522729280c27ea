import { createHash } from 'node:crypto';
import type { Tlp } from '../../domain/taxonomy.js';
import type { IndicatorType } from '../../domain/indicator-types.js';

/**
 * The fixed facts of the hub's STIX 2.1: deterministic ids, the TLP marking definitions (2.0 out, 1.0 and
 * 2.0 in), the Incident Core extension, timestamps. Facts from shared/design/interop.md.
 */

/** Namespace of the hub's UUIDv5 ids (fixed forever: changing it changes every exported id). */
export const HUB_NAMESPACE = '5d4a1c3e-8f2b-4e6a-9c71-0b3e5f7a9d21';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

const HUB_NAMESPACE_BYTES = uuidBytes(HUB_NAMESPACE);

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidv5(name: string, namespace = HUB_NAMESPACE): string {
  const hash = createHash('sha1').update(namespace === HUB_NAMESPACE ? HUB_NAMESPACE_BYTES : uuidBytes(namespace)).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const stixIds = {
  organization: (slug: string) => `identity--${uuidv5(`organization:${slug}`)}`,
  indicator: (type: IndicatorType, value: string) => `indicator--${uuidv5(`indicator:${type}:${value}`)}`,
  sighting: (publicId: string) => `sighting--${uuidv5(`sighting:${publicId}`)}`,
  sightingCount: (indicatorStixId: string) => `sighting--${uuidv5(`sighting-count:${indicatorStixId}`)}`,
  incident: (id: string) => `incident--${uuidv5(`incident:${id}`)}`,
  note: (publicId: string) => `note--${uuidv5(`note:${publicId}`)}`,
  relationship: (kind: string, source: string, target: string) => `relationship--${uuidv5(`${kind}:${source}:${target}`)}`,
};

// ── TLP ──────────────────────────────────────────────────────────────────────────────────────────────

export const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

export const TLP2_IDS: Record<Tlp, string> = {
  CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  AMBER_STRICT: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** TLP 1.0 marking definitions (definition_type "tlp"), accepted on import. */
export const TLP1_IDS: Record<string, Tlp> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'CLEAR',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'GREEN',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'AMBER',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'RED',
};

const TLP_BY_ID: ReadonlyMap<string, Tlp> = new Map([
  ...Object.entries(TLP2_IDS).map(([tlp, id]) => [id, tlp as Tlp] as const),
  ...Object.entries(TLP1_IDS),
]);

export function tlpOfMarkingId(id: string): Tlp | null {
  return TLP_BY_ID.get(id) ?? null;
}

const TLP2_NAMES: Record<Tlp, [string, string]> = {
  CLEAR: ['TLP:CLEAR', 'clear'],
  GREEN: ['TLP:GREEN', 'green'],
  AMBER: ['TLP:AMBER', 'amber'],
  AMBER_STRICT: ['TLP:AMBER+STRICT', 'amber+strict'],
  RED: ['TLP:RED', 'red'],
};

/** The TLP 2.0 marking-definition object, as FIRST/OASIS publish it. */
export function tlpMarkingDefinition(tlp: Tlp): Record<string, unknown> {
  const [name, value] = TLP2_NAMES[tlp];
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_IDS[tlp],
    created: '2022-10-01T00:00:00.000Z',
    name,
    extensions: { [TLP2_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: value } },
  };
}

// ── Incident Core ────────────────────────────────────────────────────────────────────────────────────

export const INCIDENT_CORE_EXTENSION = 'extension-definition--ef765651-680c-498d-9894-99799f2fa126';

/** The extension-definition object the hub's incidents point at (so that a bundle is complete). */
export function incidentCoreExtensionDefinition(): Record<string, unknown> {
  return {
    type: 'extension-definition',
    spec_version: '2.1',
    id: INCIDENT_CORE_EXTENSION,
    created_by_ref: 'identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01',
    created: '2022-08-02T19:34:35.143Z',
    modified: '2022-08-02T19:34:35.143Z',
    name: 'Incident Core Extension',
    description: 'This extension defines the core properties of the STIX Incident object.',
    schema: 'https://github.com/oasis-open/cti-stix-common-objects/tree/main/extension-definition-specifications/incident-core',
    version: '1.0.0',
    extension_types: ['property-extension'],
  };
}

// ── Timestamps ───────────────────────────────────────────────────────────────────────────────────────

/** A STIX timestamp (RFC 3339, UTC, "Z"), millisecond precision. */
export function stixTime(d: Date): string {
  return d.toISOString();
}

/**
 * A UTC timestamp as PostgreSQL writes it as text ("2026-11-01 08:00:00.123456", DateStyle ISO, which
 * node-pg needs too) as a STIX timestamp, "2026-11-01T08:00:00.123Z": the fraction cut to `digits` (3,
 * milliseconds, as a Date would; 6 for TAXII's date_added).
 */
export function stixTimeOf(utc: string, digits: 3 | 6 = 3): string {
  if (utc.length < 19 || utc[10] !== ' ' || utc[4] !== '-') return new Date(`${utc}Z`).toISOString(); // not a four-digit year: let Date say it
  const fraction = `${utc.length > 20 ? utc.slice(20, 20 + digits) : ''}000000`.slice(0, digits);
  return `${utc.slice(0, 10)}T${utc.slice(11, 19)}.${fraction}Z`;
}

const STIX_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;

// The last timestamp parsed: an object's created, modified and valid_from are often the same text.
let lastText = '';
let lastTime = 0;

/** Parses a STIX timestamp; null when it is not one (the specification: UTC, "Z", a real date). */
export function parseStixTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  if (value === lastText) return new Date(lastTime);
  const date = parseStixTimeText(value);
  if (date) {
    lastText = value;
    lastTime = date.getTime();
  }
  return date;
}

function parseStixTimeText(value: string): Date | null {
  const m = STIX_TIMESTAMP.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return null;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > days) return null;
  // Built from the parts already read (a bulk import parses three per object); a leap second (60) is
  // left to Date's own parser, as before, which refuses it.
  if (s === 60 || y < 100) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  // Fractions beyond milliseconds are cut, as Date's parser cuts them.
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000 + 1e-9) : 0;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, Math.min(ms, 999)));
}

// ── Patterns out ─────────────────────────────────────────────────────────────────────────────────────

/** A literal in a pattern: ' and \ escaped with a backslash. */
export function patternLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The STIX pattern of a hub indicator (a CIDR block: any address in it, ISSUBSET). */
export function patternOf(type: IndicatorType, value: string): string {
  const v = patternLiteral(value);
  switch (type) {
    case 'IPV4':
      return `[ipv4-addr:value = ${v}]`;
    case 'IPV6':
      return `[ipv6-addr:value = ${v}]`;
    case 'CIDR':
      return value.includes(':') ? `[ipv6-addr:value ISSUBSET ${v}]` : `[ipv4-addr:value ISSUBSET ${v}]`;
    case 'DOMAIN':
      return `[domain-name:value = ${v}]`;
    case 'URL':
      return `[url:value = ${v}]`;
    case 'EMAIL':
      return `[email-addr:value = ${v}]`;
    case 'MD5':
      return `[file:hashes.MD5 = ${v}]`;
    case 'SHA1':
      return `[file:hashes.'SHA-1' = ${v}]`;
    case 'SHA256':
      return `[file:hashes.'SHA-256' = ${v}]`;
    case 'PHONE':
      return `[x-estf-phone-number:value = ${v}]`;
    case 'SOCIAL_ACCOUNT':
      return `[user-account:user_id = ${v}]`;
  }
}

/** STIX indicator_types (open vocabulary) for a hub indicator. */
export function indicatorTypesOf(benign: boolean): string[] {
  return benign ? ['benign'] : ['malicious-activity'];
}
