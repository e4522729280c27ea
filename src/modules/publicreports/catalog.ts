import { readdirSync, readFileSync } from 'node:fs';

/**
 * The public pages' message catalogs: one JSON file per language under ./catalogs (data, not code: a county's
 * language under Elections Code §14201 is one more file). Each has a `_meta` block (its code, its name in
 * itself, its direction, whether a native speaker has reviewed it) and one string per key of the English
 * catalog. A missing string falls back to English here and fails test/public-reports-catalogs.test.ts.
 */

export interface CatalogMeta {
  /** BCP 47 tag, also the URL segment: /report/es. */
  code: string;
  /** The page's lang attribute when it says more than the code (zh → zh-Hant: the SOS's Chinese is Traditional). */
  htmlLang: string;
  /** The language's name in itself, for the switcher. */
  name: string;
  /** English name, for analysts. */
  englishName: string;
  dir: 'ltr' | 'rtl';
  /** false until a native speaker has reviewed this release's strings. */
  reviewed: boolean;
}

export interface Catalog {
  meta: CatalogMeta;
  messages: Readonly<Record<string, string>>;
}

export const DEFAULT_LANGUAGE = 'en';
const CATALOG_DIR = new URL('./catalogs/', import.meta.url);

let loaded: { list: Catalog[]; byCode: Map<string, Catalog> } | null = null;

function parseCatalog(file: string, text: string): Catalog {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const meta = raw._meta as CatalogMeta | undefined;
  if (!meta || typeof meta.code !== 'string' || typeof meta.name !== 'string' || (meta.dir !== 'ltr' && meta.dir !== 'rtl')) {
    throw new Error(`catalog ${file}: _meta needs code, name and dir (ltr or rtl)`);
  }
  const messages: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (k !== '_meta' && typeof v === 'string') messages[k] = v;
  return { meta: { ...meta, htmlLang: meta.htmlLang ?? meta.code, reviewed: meta.reviewed === true, englishName: meta.englishName ?? meta.code }, messages };
}

/** Every catalog, English first, then in the order of their codes. Read once per process. */
export function catalogs(): { list: readonly Catalog[]; byCode: ReadonlyMap<string, Catalog> } {
  if (!loaded) {
    const files = readdirSync(CATALOG_DIR).filter((f) => f.endsWith('.json')).sort();
    const list = files.map((f) => parseCatalog(f, readFileSync(new URL(f, CATALOG_DIR), 'utf8')));
    list.sort((a, b) => (a.meta.code === DEFAULT_LANGUAGE ? -1 : b.meta.code === DEFAULT_LANGUAGE ? 1 : a.meta.code.localeCompare(b.meta.code)));
    if (list[0]?.meta.code !== DEFAULT_LANGUAGE) throw new Error('the English catalog (en.json) is missing');
    loaded = { list, byCode: new Map(list.map((c) => [c.meta.code, c])) };
  }
  return loaded;
}

/** The keys of `messages` that `english` has and it lacks or leaves empty (empty list: complete). */
export function missingKeysIn(messages: Readonly<Record<string, string>>, english: Readonly<Record<string, string>>): string[] {
  return Object.keys(english).filter((k) => !(k in messages) || messages[k]!.trim() === '');
}

/** The keys of a language's catalog that the English one has and it lacks (empty: complete). */
export function missingKeys(code: string): string[] {
  const { byCode } = catalogs();
  const en = byCode.get(DEFAULT_LANGUAGE)!.messages;
  return missingKeysIn(byCode.get(code)?.messages ?? {}, en);
}

/** A catalog by its URL code, or null. */
export function catalogFor(code: string | undefined | null): Catalog | null {
  if (!code) return null;
  return catalogs().byCode.get(code) ?? null;
}

/**
 * The language of an Accept-Language header that has a catalog (by quality, then order; `zh-TW` matches `zh`),
 * else English.
 */
export function negotiateLanguage(header: string | undefined | null): string {
  const { byCode } = catalogs();
  if (!header) return DEFAULT_LANGUAGE;
  const ranges = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (byCode.has(r.tag)) return r.tag;
    const base = r.tag.split('-')[0]!;
    if (byCode.has(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** The translator of a language: its string, else English's; {name} placeholders filled from vars. */
export function translator(code: string): Translate {
  const { byCode } = catalogs();
  const en = byCode.get(DEFAULT_LANGUAGE)!.messages;
  const own = byCode.get(code)?.messages ?? en;
  return (key, vars) => {
    const template = own[key] ?? en[key] ?? key;
    return vars ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : template;
  };
}
