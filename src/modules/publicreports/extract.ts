import { detect } from 'tinyld';

/**
 * What a report says, made comparable: links canonicalized (scheme and host lowercased, `www.` dropped,
 * tracking parameters and fragments removed, parameters sorted), links, @handles and US phone numbers
 * extracted from the text, the text's language detected (tinyld, no model download), and the text
 * normalized for trigram comparison.
 */

/** Query parameters that say who shared a link, not what it points at. */
const TRACKING = /^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|igsh|si|ref|ref_src|ref_url|t|share_id|_hsenc|_hsmi|mkt_tok|yclid|twclid|ttclid|li_fat_id|cmpid|spm|feature)$/i;

export function canonicalizeLink(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const host = u.hostname.toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
  if (!host.includes('.')) return null;
  const params = [...u.searchParams.entries()].filter(([k]) => !TRACKING.test(k)).sort(([a], [b]) => a.localeCompare(b));
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  const path = u.pathname.replace(/\/+$/, '') || '';
  // http and https of one page are one claim; the port only when it is not the default.
  return `https://${host}${u.port ? `:${u.port}` : ''}${path}${query}`;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'）)\]]+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|gov|info|io|co|us|news|vote|xyz|site|online|app|me|ly|gl|to|example|ca)(?:\/[^\s<>"'）)\]]*)?/gi;

export function extractLinks(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const c = canonicalizeLink(m[0].replace(/[.,;:!?]+$/, ''));
    if (c) found.add(c);
  }
  return [...found];
}

export function extractHandles(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:^|[^\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)/g)) found.add(`@${m[1]!.toLowerCase()}`);
  return [...found];
}

/** US numbers (10 digits, optional +1), as E.164; also 5-6 digit SMS short codes written as such ("text VOTE to 12345"). */
export function extractPhones(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?([2-9]\d{2})[\s.-]?(\d{4})\b/g)) found.add(`+1${m[1]}${m[2]}${m[3]}`);
  for (const m of text.matchAll(/\b(?:to|al|a|sms|text)\s+(\d{5,6})\b/gi)) found.add(`short:${m[1]}`);
  return [...found];
}

/** tinyld's guess (ISO 639-1), or null for text too short to tell. */
export function detectLanguage(text: string): string | null {
  const t = text.replace(URL_IN_TEXT, ' ').trim();
  if (Array.from(t).length < 12) return null;
  return detect(t) || null;
}

/** The text trigram similarity compares: lowercased, links, handles and digits out, punctuation as spaces. */
export function matchText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(URL_IN_TEXT, ' ')
    .replace(/@[a-z0-9_.]+/g, ' ')
    .replace(/[\p{P}\p{S}\d]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 2_000);
}
