import type { Tlp } from '../../domain/taxonomy.js';
import { TLPS } from '../../domain/taxonomy.js';
import { parseStixTime, tlpOfMarkingId } from './stix.core.js';

/**
 * Checking one STIX 2.1 object as it arrives: what every object must have, and what each object the hub
 * models must have. A problem names the object (its id, or its position) and the property.
 */

export const SCO_TYPES = new Set([
  'artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr', 'ipv6-addr', 'mac-addr',
  'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account', 'windows-registry-key', 'x509-certificate',
]);

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
const TYPE = /^([a-z][a-z0-9]*)+(-[a-z0-9]+)*-?$/;

export class StixObjectError extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(`property ${property}: ${message}`);
  }
}

export function isStixId(value: unknown, type?: string): value is string {
  if (typeof value !== 'string') return false;
  const at = value.indexOf('--');
  if (at < 1) return false;
  if (type !== undefined && value.slice(0, at) !== type) return false;
  return TYPE.test(value.slice(0, at)) && UUID.test(value.slice(at + 2));
}

export interface CheckedObject {
  type: string;
  id: string;
  /** The version (modified, or created for objects that never change); null for SCOs. */
  version: string | null;
  modified: Date | null;
  created: string | null;
  tlp: Tlp;
  /** An indicator's valid_from and valid_until as checked (the import writes them); null for other types. */
  validFrom: Date | null;
  validUntil: Date | null;
}

function timestamp(obj: Record<string, unknown>, prop: string, required: boolean): Date | null {
  const v = obj[prop];
  if (v === undefined) {
    if (required) throw new StixObjectError(prop, 'is required');
    return null;
  }
  const d = parseStixTime(v);
  if (!d) throw new StixObjectError(prop, `${JSON.stringify(v)} is not a STIX timestamp (RFC 3339 in UTC, e.g. 2026-11-03T08:00:00.000Z)`);
  return d;
}

function requireString(obj: Record<string, unknown>, prop: string): string {
  const v = obj[prop];
  if (typeof v !== 'string' || v.length === 0) throw new StixObjectError(prop, v === undefined ? 'is required' : 'must be a non-empty string');
  return v;
}

function refList(obj: Record<string, unknown>, prop: string, required: boolean): string[] {
  const v = obj[prop];
  if (v === undefined) {
    if (required) throw new StixObjectError(prop, 'is required');
    return [];
  }
  if (!Array.isArray(v) || (required && v.length === 0)) throw new StixObjectError(prop, 'must be a non-empty list of identifiers');
  v.forEach((x, i) => {
    if (!isStixId(x)) throw new StixObjectError(`${prop}[${i}]`, `${JSON.stringify(x)} is not a STIX identifier (type--UUID)`);
  });
  return v as string[];
}

/** The TLP of an object's markings (TLP 1.0 or 2.0 ids; the narrowest if several); none: AMBER. */
export function tlpOfMarkings(refs: readonly string[]): Tlp {
  let tlp: Tlp | null = null;
  for (const r of refs) {
    const t = tlpOfMarkingId(r);
    if (t && (tlp === null || TLPS.indexOf(t) > TLPS.indexOf(tlp))) tlp = t;
  }
  return tlp ?? 'AMBER';
}

/** Checks what every STIX 2.1 object must carry, and the properties of the types the hub models. */
export function checkObject(raw: unknown): CheckedObject {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new StixObjectError('(object)', 'each entry of objects must be a JSON object');
  const obj = raw as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== 'string' || !TYPE.test(type) || type.length < 3 || type.length > 250) throw new StixObjectError('type', `${JSON.stringify(type)} is not a STIX type name`);
  if (!isStixId(obj.id, type)) throw new StixObjectError('id', `${JSON.stringify(obj.id)} is not an identifier of a ${type} (${type}--UUID)`);
  const sco = SCO_TYPES.has(type);
  const spec = obj.spec_version;
  if (spec === undefined && !sco) throw new StixObjectError('spec_version', 'is missing: this looks like STIX 2.0, and the hub accepts STIX 2.1 only');
  if (spec !== undefined && spec !== '2.1') throw new StixObjectError('spec_version', `${JSON.stringify(spec)}: the hub accepts STIX 2.1 only`);
  const markings = refList(obj, 'object_marking_refs', false);
  markings.forEach((m, i) => {
    if (!m.startsWith('marking-definition--')) throw new StixObjectError(`object_marking_refs[${i}]`, `${m} is not a marking-definition`);
  });
  if (obj.created_by_ref !== undefined && !isStixId(obj.created_by_ref, 'identity')) throw new StixObjectError('created_by_ref', 'must be an identity identifier');
  const tlp = tlpOfMarkings(markings);
  if (sco) return { type, id: obj.id as string, version: null, modified: null, created: null, tlp, validFrom: null, validUntil: null };

  const created = timestamp(obj, 'created', true)!;
  if (type === 'marking-definition') return { type, id: obj.id as string, version: obj.created as string, modified: created, created: obj.created as string, tlp, validFrom: null, validUntil: null };
  const modified = timestamp(obj, 'modified', true)!;
  if (modified < created) throw new StixObjectError('modified', 'must not be earlier than created');
  let validFrom: Date | null = null;
  let validUntil: Date | null = null;

  switch (type) {
    case 'indicator': {
      requireString(obj, 'pattern');
      requireString(obj, 'pattern_type');
      validFrom = timestamp(obj, 'valid_from', true)!;
      validUntil = timestamp(obj, 'valid_until', false);
      if (validUntil && validUntil <= validFrom) throw new StixObjectError('valid_until', 'must be later than valid_from');
      if (obj.confidence !== undefined && !(Number.isInteger(obj.confidence) && (obj.confidence as number) >= 0 && (obj.confidence as number) <= 100)) {
        throw new StixObjectError('confidence', 'must be a whole number 0-100');
      }
      break;
    }
    case 'sighting': {
      if (!isStixId(obj.sighting_of_ref)) throw new StixObjectError('sighting_of_ref', 'is required and must be a STIX identifier');
      refList(obj, 'where_sighted_refs', false);
      timestamp(obj, 'first_seen', false);
      timestamp(obj, 'last_seen', false);
      if (obj.count !== undefined && !(Number.isInteger(obj.count) && (obj.count as number) >= 0 && (obj.count as number) <= 999_999_999)) {
        throw new StixObjectError('count', 'must be a whole number 0-999,999,999');
      }
      break;
    }
    case 'relationship':
      requireString(obj, 'relationship_type');
      if (!isStixId(obj.source_ref)) throw new StixObjectError('source_ref', 'is required and must be a STIX identifier');
      if (!isStixId(obj.target_ref)) throw new StixObjectError('target_ref', 'is required and must be a STIX identifier');
      break;
    case 'note':
      requireString(obj, 'content');
      refList(obj, 'object_refs', true);
      break;
    case 'incident':
    case 'identity':
    case 'malware':
    case 'threat-actor':
    case 'campaign':
    case 'intrusion-set':
    case 'attack-pattern':
    case 'tool':
    case 'vulnerability':
    case 'course-of-action':
    case 'infrastructure':
      requireString(obj, 'name');
      break;
    case 'report':
      requireString(obj, 'name');
      timestamp(obj, 'published', true);
      refList(obj, 'object_refs', true);
      break;
  }
  return { type, id: obj.id as string, version: obj.modified as string, modified, created: obj.created as string, tlp, validFrom, validUntil };
}
