import { InputError } from '../../errors.js';
import { multiLineText, singleLineText } from '../../text.js';
import type { ExternalReference } from './incidents.tables.js';
import { AFFECTED_ASSETS, CATEGORIES, LIMITS, type AffectedAsset, type IncidentCategory } from '../../domain/taxonomy.js';
import { isOneOf } from '../../domain/unions.js';

/** Input checks shared by filing and editing; each error names the field. */

// A little clock skew between a county's laptop and the hub must not reject a report.
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export function checkTitle(value: string, field = 'title'): string {
  const t = singleLineText(value);
  if (t.length === 0) throw new InputError(field, 'must not be empty');
  if (t.length > LIMITS.title) throw new InputError(field, `must be at most ${LIMITS.title} characters (got ${t.length})`);
  return t;
}

export function checkLongText(value: string, field: string, max: number, allowEmpty = false): string {
  const t = multiLineText(value);
  if (!allowEmpty && t.length === 0) throw new InputError(field, 'must not be empty');
  if (t.length > max) throw new InputError(field, `must be at most ${max.toLocaleString('en-US')} characters (got ${t.length.toLocaleString('en-US')})`);
  return t;
}

export function checkCategory(value: string, field = 'category'): IncidentCategory {
  // Not `value in CATEGORY_DOMAIN`: that also holds for "toString" and the other keys of Object.prototype.
  if (!isOneOf(CATEGORIES, value)) throw new InputError(field, `"${value}" is not a category`);
  return value;
}

export function checkAssets(values: readonly string[], field = 'affectedAssets'): AffectedAsset[] {
  const out: AffectedAsset[] = [];
  for (const v of values) {
    if (!isOneOf(AFFECTED_ASSETS, v)) throw new InputError(field, `"${v}" is not an affected asset`);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

export function checkTimes(occurredAt: Date | null | undefined, detectedAt: Date | null | undefined): void {
  const limit = Date.now() + FUTURE_TOLERANCE_MS;
  if (occurredAt && occurredAt.getTime() > limit) throw new InputError('occurredAt', 'must not be in the future');
  if (detectedAt && detectedAt.getTime() > limit) throw new InputError('detectedAt', 'must not be in the future');
  if (occurredAt && detectedAt && detectedAt < occurredAt) throw new InputError('detectedAt', 'must not be before occurredAt');
}

export function checkExternalReferences(
  refs: ReadonlyArray<{ source: string; identifier: string; url?: string | null }>,
  field = 'externalReferences',
): ExternalReference[] {
  if (refs.length > LIMITS.externalReferences) throw new InputError(field, `at most ${LIMITS.externalReferences} references`);
  return refs.map((r, i) => {
    const source = singleLineText(r.source);
    const identifier = singleLineText(r.identifier);
    if (source.length === 0 || source.length > 50) throw new InputError(`${field}[${i}].source`, 'must be 1 to 50 characters');
    if (identifier.length === 0 || identifier.length > 200) throw new InputError(`${field}[${i}].identifier`, 'must be 1 to 200 characters');
    let url: string | null = null;
    if (r.url) {
      try {
        const u = new URL(r.url);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
        url = u.toString();
      } catch {
        throw new InputError(`${field}[${i}].url`, `"${r.url}" is not an http(s) URL`);
      }
      if (url.length > 2_000) throw new InputError(`${field}[${i}].url`, 'must be at most 2,000 characters');
    }
    return { source, identifier, url };
  });
}

export function uniqueList(values: readonly string[] | null | undefined, field: string, max: number): string[] {
  const list = [...new Set((values ?? []).map((v) => v.trim()).filter((v) => v.length > 0))];
  if (list.length > max) throw new InputError(field, `at most ${max} entries`);
  return list;
}

// Moved to the domain leaf (every module checks ids); re-exported for this module's own files.
export { isUuid } from '../../domain/ids.js';
