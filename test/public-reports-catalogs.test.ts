import { describe, expect, it } from 'vitest';
import { catalogs, missingKeys, missingKeysIn, negotiateLanguage, translator } from '../src/modules/publicreports/index.js';

/**
 * The public pages' message catalogs (src/modules/publicreports/catalogs/*.json): the SOS's ten languages, each
 * complete (a missing string fails here, naming it), each a translation (not English left in place), the same
 * placeholders as English, the language named in itself, its direction given.
 */

const SOS_LANGUAGES = ['en', 'es', 'zh', 'hi', 'ja', 'km', 'ko', 'tl', 'th', 'vi'];
const { list, byCode } = catalogs();
const en = byCode.get('en')!.messages;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('public report catalogs', () => {
  it('has a catalog for every language the SOS serves', () => {
    for (const code of SOS_LANGUAGES) expect(byCode.has(code), `missing catalog ${code}.json`).toBe(true);
    expect(list[0]!.meta.code).toBe('en');
  });

  it.each(list.map((c) => c.meta.code))('%s has every key of the English catalog', (code) => {
    expect(missingKeys(code)).toEqual([]);
  });

  it('the completeness check fails on a catalog missing a key or leaving it empty', () => {
    const { title: _dropped, ...rest } = en;
    expect(missingKeysIn(rest, en)).toEqual(['title']);
    expect(missingKeysIn({ ...en, submit: '  ' }, en)).toEqual(['submit']);
    // And an incomplete catalog falls back to English, string by string.
    expect(translator('xx')('submit')).toBe(en.submit);
  });

  it.each(list.filter((c) => c.meta.code !== 'en').map((c) => c.meta.code))('%s is translated: its strings are not English left in place, and keep the placeholders', (code) => {
    const c = byCode.get(code)!;
    const keys = Object.keys(en);
    // Words that stay the same in some languages (E-mail, Website, County, Screenshot in Tagalog) are few.
    const same = keys.filter((k) => c.messages[k] === en[k]);
    expect(same.length, `${code}: left in English: ${same.join(', ')}`).toBeLessThanOrEqual(Math.floor(keys.length * 0.1));
    for (const k of keys) expect(placeholders(c.messages[k] ?? ''), `${code}.${k}`).toEqual(placeholders(en[k]!));
    expect(c.meta.name).not.toBe('');
    expect(['ltr', 'rtl']).toContain(c.meta.dir);
  });

  it('names each language in itself, each name different', () => {
    const names = list.map((c) => c.meta.name);
    expect(new Set(names).size).toBe(names.length);
    expect(byCode.get('es')!.meta.name).toBe('Español');
    expect(byCode.get('zh')!.meta.name).toBe('中文');
    expect(byCode.get('vi')!.meta.name).toBe('Tiếng Việt');
    expect(byCode.get('km')!.meta.name).toBe('ភាសាខ្មែរ');
  });

  it('marks right-to-left languages (a county language under Elections Code §14201)', () => {
    expect(byCode.get('ar')?.meta.dir).toBe('rtl');
    for (const code of SOS_LANGUAGES) expect(byCode.get(code)!.meta.dir).toBe('ltr');
  });

  it('negotiates Accept-Language: quality, then order; a regional tag matches its language; English otherwise', () => {
    expect(negotiateLanguage('es-MX,es;q=0.9,en;q=0.8')).toBe('es');
    expect(negotiateLanguage('zh-TW')).toBe('zh');
    expect(negotiateLanguage('de-DE, fr;q=0.5')).toBe('en');
    expect(negotiateLanguage('en;q=0.2, km;q=0.9')).toBe('km');
    expect(negotiateLanguage('')).toBe('en');
    expect(negotiateLanguage('vi;q=0')).toBe('en');
  });
});
