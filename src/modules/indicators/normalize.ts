import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';
// The indicator types are domain vocabulary (subscription filters name them too): a leaf, re-exported here.
import { INDICATOR_TYPES, type IndicatorType } from '../../domain/indicator-types.js';

/**
 * Indicator types and their canonical forms: one indicator per (type, canonical value), however a
 * partner spelled it. Pure functions with no I/O: the bulk import runs them on millions of values, so the
 * common cases take a hand-written fast path and allocate little.
 *
 * @example
 * normalize(null, 'hxxps://Evil[.]Example.COM:443/login#top')
 * // → { ok: true, type: 'URL', value: 'https://evil.example.com/login' }
 * normalize('IPV4', '010.1.1.1')
 * // → { ok: false, reason: '"010.1.1.1" is not a valid IPv4 address: …leading zero…' }
 */

export { INDICATOR_TYPES, type IndicatorType };

export type NormalizeResult = { ok: true; type: IndicatorType; value: string } | { ok: false; reason: string };

/**
 * Longest canonical value. The unique b-tree on (type, value) refuses entries over ~2,700 bytes (a third
 * of a page), so a longer value would fail its whole batch; 2,048 also matches what browsers and proxies
 * reliably carry in a URL.
 */
export const MAX_VALUE_LENGTH = 2048;
// Raw input may be longer than its canonical form (defanging, separators), but not by this much.
const MAX_RAW_LENGTH = 2 * MAX_VALUE_LENGTH;

/** Social platforms accepted in `platform:handle`, with the aliases partners use for them. */
const SOCIAL_PLATFORMS: ReadonlyMap<string, { name: string; caseSensitive: boolean }> = (() => {
  // caseSensitive: only YouTube, whose channel ids (UC…) are case-sensitive; every other platform listed
  // resolves handles case-insensitively, so lower-casing them merges spellings of one account.
  const platforms: Array<[string, string[], boolean?]> = [
    ['x', ['twitter']],
    ['facebook', ['fb']],
    ['instagram', ['ig']],
    ['tiktok', []],
    ['youtube', ['yt'], true],
    ['telegram', ['tg']],
    ['reddit', []],
    ['threads', []],
    ['bluesky', ['bsky']],
    ['mastodon', []],
    ['truthsocial', ['truth']],
    ['gab', []],
    ['rumble', []],
    ['gettr', []],
    ['linkedin', []],
    ['snapchat', []],
    ['discord', []],
    ['whatsapp', []],
    ['twitch', []],
    ['nextdoor', []],
    ['vk', []],
    ['weibo', []],
  ];
  const map = new Map<string, { name: string; caseSensitive: boolean }>();
  for (const [name, aliases, caseSensitive] of platforms) {
    const entry = { name, caseSensitive: caseSensitive === true };
    map.set(name, entry);
    for (const a of aliases) map.set(a, entry);
  }
  return map;
})();

/** Canonical names of the social platforms accepted in SOCIAL_ACCOUNT values. */
export const SOCIAL_PLATFORM_NAMES: readonly string[] = [...new Set([...SOCIAL_PLATFORMS.values()].map((p) => p.name))];

const TYPE_LABEL: Record<IndicatorType, string> = {
  IPV4: 'IPv4 address',
  IPV6: 'IPv6 address',
  CIDR: 'CIDR network',
  DOMAIN: 'domain name',
  URL: 'URL',
  EMAIL: 'e-mail address',
  MD5: 'MD5 hash',
  SHA1: 'SHA-1 hash',
  SHA256: 'SHA-256 hash',
  PHONE: 'phone number',
  SOCIAL_ACCOUNT: 'social media account',
};

const TYPE_ALIASES: ReadonlyMap<string, IndicatorType> = new Map<string, IndicatorType>([
  ...INDICATOR_TYPES.map((t): [string, IndicatorType] => [t, t]),
  ['IP4', 'IPV4'],
  ['IP6', 'IPV6'],
  ['NETWORK', 'CIDR'],
  ['HOSTNAME', 'DOMAIN'],
  ['FQDN', 'DOMAIN'],
  ['E_MAIL', 'EMAIL'],
  ['SHA_1', 'SHA1'],
  ['SHA_256', 'SHA256'],
  ['TELEPHONE', 'PHONE'],
  ['SOCIAL', 'SOCIAL_ACCOUNT'],
]);

/** Reads a type name as partners write it ("sha256", "SHA-256", "social account"); null when unknown. */
export function parseIndicatorType(name: string): IndicatorType | null {
  return TYPE_ALIASES.get(name.trim().toUpperCase().replace(/[\s-]+/g, '_')) ?? null;
}

// ---------------------------------------------------------------------------------------------------
// Refanging

// Defanging marks that neutralise a value in e-mails and reports; undone before anything else.
const DEFANG_MARK = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[@\]|\(@\)|\[at\]|\(at\)|\[:\]|\[:\/\/\]/gi;
const DEFANG_HINT = /[[({]|^h[x*]{2}p/i;
const DEFANGED_SCHEME = /^h[x*]{2}p(s?):\/\//i;

/** Undoes common defanging: `hxxp://`, `hxxps://`, `[.]`, `(.)`, `[dot]`, `[@]`, `[at]`, `[:]`. */
export function refang(value: string): string {
  if (!DEFANG_HINT.test(value)) return value;
  let s = value.replace(DEFANG_MARK, (m) => {
    const inner = m.slice(1, -1).toLowerCase();
    if (inner === '.' || inner === 'dot') return '.';
    if (inner === '@' || inner === 'at') return '@';
    return inner; // ':' or '://'
  });
  s = s.replace(DEFANGED_SCHEME, (_m, secure: string) => (secure ? 'https://' : 'http://'));
  return s;
}

// ---------------------------------------------------------------------------------------------------
// IPv4

const IPV4_LEADING_ZERO = -2;
const IPV4_OUT_OF_RANGE = -3;
const IPV4_MALFORMED = -1;

/**
 * Parses strict dotted-decimal IPv4 between `start` and `end`: four decimal octets 0–255.
 * A leading zero ("010") is refused: inet_aton and WHATWG URLs read it as octal (8), PostgreSQL's inet
 * and most log tools as decimal (10), so the value names two different hosts depending on who reads it.
 * Returns the address as an unsigned 32-bit number, or a negative error code.
 */
function parseIPv4Range(s: string, start: number, end: number): number {
  let addr = 0;
  let parts = 0;
  let octet = 0;
  let digits = 0;
  let leadingZero = false;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 /* '.' */ : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return IPV4_MALFORMED;
      if (++parts > 4) return IPV4_MALFORMED;
      if (leadingZero && digits > 1) return IPV4_LEADING_ZERO;
      if (octet > 255) return IPV4_OUT_OF_RANGE;
      addr = addr * 256 + octet;
      octet = 0;
      digits = 0;
      leadingZero = false;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0 && c === 48) leadingZero = true;
      if (++digits > 3) return leadingZero ? IPV4_LEADING_ZERO : IPV4_OUT_OF_RANGE;
      octet = octet * 10 + (c - 48);
    } else {
      return IPV4_MALFORMED;
    }
  }
  return parts === 4 ? addr : IPV4_MALFORMED;
}

/** An IPv4 address as an unsigned 32-bit number, or null when `s` is not strict dotted decimal. */
export function parseIPv4(s: string): number | null {
  const a = parseIPv4Range(s, 0, s.length);
  return a >= 0 ? a : null;
}

export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function ipv4Problem(code: number): string {
  if (code === IPV4_LEADING_ZERO) return 'an octet has a leading zero, which some software reads as octal; write it without (e.g. 10.1.1.1)';
  if (code === IPV4_OUT_OF_RANGE) return 'an octet is greater than 255';
  return 'expected four decimal numbers 0-255 separated by dots';
}

// ---------------------------------------------------------------------------------------------------
// IPv6

/** Parses an IPv6 address (RFC 4291 text forms, embedded IPv4 tail allowed) into 8 16-bit words; null if invalid. */
export function parseIPv6(input: string): number[] | null {
  let s = input;
  if (s.length > 2 && s.charCodeAt(0) === 91 /* [ */ && s.charCodeAt(s.length - 1) === 93 /* ] */) s = s.slice(1, -1);
  if (s.length < 2 || s.length > 45) return null;
  const words: number[] = [];
  let compressAt = -1;
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 58 /* : */) {
    if (s.charCodeAt(1) !== 58) return null;
    compressAt = 0;
    i = 2;
    if (i === n) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  while (i < n) {
    if (words.length === 8) return null;
    // A group: 1–4 hex digits, or a dotted IPv4 tail in the last 32 bits.
    let j = i;
    let value = 0;
    while (j < n && j - i < 5) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      value = value * 16 + d;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46 /* . */) {
      if (words.length > 6) return null;
      const v4 = parseIPv4Range(s, i, n);
      if (v4 < 0) return null;
      words.push(v4 >>> 16, v4 & 0xffff);
      i = n;
      break;
    }
    const len = j - i;
    if (len === 0 || len > 4) return null;
    words.push(value);
    i = j;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return null;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (compressAt !== -1) return null;
      compressAt = words.length;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return null; // trailing single colon
    }
  }
  if (compressAt === -1) return words.length === 8 ? words : null;
  if (words.length > 7) return null;
  const filled = words.slice(0, compressAt);
  for (let k = words.length; k < 8; k++) filled.push(0);
  for (let k = compressAt; k < words.length; k++) filled.push(words[k]!);
  return filled;
}

/**
 * RFC 5952 text: lower-case hex without leading zeros, the longest run of two or more zero groups
 * (the first on a tie) as "::", and IPv4-mapped addresses (::ffff:0:0/96) with a dotted IPv4 tail.
 */
export function formatIPv6(w: readonly number[]): string {
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${w[6]! >>> 8}.${w[6]! & 255}.${w[7]! >>> 8}.${w[7]! & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return w.map((x) => x.toString(16)).join(':');
  const head = w.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = w.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

// ---------------------------------------------------------------------------------------------------
// Domains

const ASCII_HOSTNAME = /^[a-z0-9._-]+$/;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * A domain name's canonical form: lower case, no trailing dot, internationalized labels as A-labels
 * (punycode, UTS #46 via node's url.domainToASCII), each label 1–63 characters of letters, digits,
 * hyphens (not first or last) and underscores (seen in real hostnames), at least two labels, a top-level
 * label of letters (or xn--), at most 253 characters. Returns the value, or a problem description
 * prefixed with "!" (cheaper than an object on the hot path).
 */
function canonicalDomain(input: string): string {
  let s = input.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0) return '!it is empty';
  const ascii = ASCII_ONLY.test(s);
  if (ascii && !ASCII_HOSTNAME.test(s)) return '!it contains characters not allowed in a domain name';
  if (!ascii || s.includes('xn--')) {
    // Non-ASCII, or punycode that must be checked: let UTS #46 map and validate it.
    const mapped = domainToASCII(s);
    if (mapped === '') return '!it is not a valid internationalized domain name';
    s = mapped.endsWith('.') ? mapped.slice(0, -1) : mapped;
    if (!ASCII_HOSTNAME.test(s)) return '!it contains characters not allowed in a domain name';
  }
  if (s.length > 253) return '!it is longer than 253 characters';
  let labels = 0;
  let start = 0;
  for (;;) {
    let end = s.indexOf('.', start);
    if (end === -1) end = s.length;
    const len = end - start;
    if (len === 0) return '!it has an empty label (two dots in a row, or a leading dot)';
    if (len > 63) return '!a label is longer than 63 characters';
    if (s.charCodeAt(start) === 45 || s.charCodeAt(end - 1) === 45) return '!a label starts or ends with a hyphen';
    labels++;
    if (end === s.length) {
      if (labels < 2) return '!it has a single label; expected a name such as example.com';
      if (!TLD.test(s.slice(start))) return '!its top-level label must be letters (e.g. .com, .gov)';
      return s;
    }
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Detection

const HEX = /^[0-9a-fA-F]+$/;
const URL_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const PHONE_SHAPE = /^\+[\d\s().\-/]+$/;
const PLATFORM_PREFIX = /^([a-zA-Z]{1,20}):(.+)$/s;
const NOT_IN_HOSTNAME = /[\s/@:?#]/;
const PORT_SUFFIX = /:\d{1,5}$/;
const IPV6_CHARS = /^\[?[0-9a-fA-F:.]+\]?$/;

/** Looks like a host name: at least one inner dot, a non-empty last label, no URL punctuation. Linear time. */
function isHostnameShape(s: string): boolean {
  const end = s.endsWith('.') ? s.length - 1 : s.length;
  const dot = s.lastIndexOf('.', end - 1);
  return dot > 0 && dot < end - 1 && !NOT_IN_HOSTNAME.test(s);
}

/**
 * The indicator type a value looks like, after refanging; null when it looks like none. Detection is by
 * shape only: a value that looks like an IPv4 address but has an octet of 300 is still IPV4, so that
 * normalize can say what is wrong with it.
 */
export function detectType(value: string): IndicatorType | null {
  const s = value.trim();
  return s.length > MAX_RAW_LENGTH ? null : detectRefanged(refang(s));
}

function detectRefanged(s: string): IndicatorType | null {
  if (s.length === 0) return null;
  const c0 = s.charCodeAt(0);
  // Hashes: hex of an exact length.
  if ((s.length === 32 || s.length === 40 || s.length === 64) && HEX.test(s)) {
    return s.length === 32 ? 'MD5' : s.length === 40 ? 'SHA1' : 'SHA256';
  }
  if (URL_SCHEME.test(s)) return 'URL';
  if (c0 === 43 /* + */ && PHONE_SHAPE.test(s)) return 'PHONE';
  if (s.startsWith('tel:')) return 'PHONE';
  const slash = s.indexOf('/');
  if (slash !== -1) {
    const head = s.slice(0, slash);
    const tail = s.slice(slash + 1);
    if (/^\d{1,3}$/.test(tail) && (isIPv4Shape(head) || head.includes(':'))) return 'CIDR';
    // A host followed by a path: a URL written without its scheme.
    if (isHostnameShape(head.replace(PORT_SUFFIX, '')) || head.startsWith('[')) return 'URL';
    return null;
  }
  if (isIPv4Shape(s)) return 'IPV4';
  const colon = s.indexOf(':');
  if (colon !== -1) {
    // IPv6 before platform:handle: "fb::1" is an address even though "fb" names a platform.
    if (s.indexOf(':', colon + 1) !== -1 && IPV6_CHARS.test(s)) return 'IPV6';
    const m = PLATFORM_PREFIX.exec(s);
    if (m && SOCIAL_PLATFORMS.has(m[1]!.toLowerCase())) return 'SOCIAL_ACCOUNT';
    if (s.startsWith('mailto:')) return 'EMAIL';
    return null;
  }
  if (s.includes('@')) return 'EMAIL';
  if (isHostnameShape(s)) return 'DOMAIN';
  return null;
}

/** Four dot-separated runs of digits: the shape of an IPv4 address, valid or not. */
function isIPv4Shape(s: string): boolean {
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return false;
      dots++;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      digits++;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

// ---------------------------------------------------------------------------------------------------
// Normalization

function shown(value: string): string {
  const v = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(v);
}

function invalid(raw: string, type: IndicatorType, problem: string): NormalizeResult {
  return { ok: false, reason: `${shown(raw)} is not a valid ${TYPE_LABEL[type]}: ${problem}` };
}

function ok(type: IndicatorType, value: string): NormalizeResult {
  return { ok: true, type, value };
}

/**
 * The canonical form of a raw value. With `type` null the type is detected from the value. The value is
 * trimmed and refanged first. IP addresses and networks share one family: a network with a host-length
 * prefix (/32, /128) is its address, and an address given as CIDR stays an address, so each value has one
 * canonical type.
 */
export function normalize(type: IndicatorType | null, raw: string): NormalizeResult {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'the value is empty' };
  if (trimmed.length > MAX_RAW_LENGTH) return { ok: false, reason: `${shown(raw)} is longer than ${MAX_VALUE_LENGTH} characters` };
  const s = refang(trimmed);
  const t = type ?? detectRefanged(s);
  if (t === null) {
    return {
      ok: false,
      reason: `${shown(raw)} is not a recognised indicator (IP address, CIDR, domain, URL, e-mail, MD5/SHA-1/SHA-256 hash, +phone or platform:handle)`,
    };
  }
  let result: NormalizeResult;
  switch (t) {
    case 'IPV4':
    case 'IPV6':
    case 'CIDR':
      result = normalizeIp(t, s, raw);
      break;
    case 'DOMAIN': {
      if (s.includes('/') || s.includes('@') || s.includes(':')) {
        return invalid(raw, t, 'expected a bare name such as example.com, without scheme, path, port or user');
      }
      const d = canonicalDomain(s);
      result = d.charCodeAt(0) === 33 ? invalid(raw, t, d.slice(1)) : ok(t, d);
      break;
    }
    case 'URL':
      result = normalizeUrl(s, raw);
      break;
    case 'EMAIL':
      result = normalizeEmail(s, raw);
      break;
    case 'MD5':
    case 'SHA1':
    case 'SHA256': {
      const want = t === 'MD5' ? 32 : t === 'SHA1' ? 40 : 64;
      if (!HEX.test(s)) return invalid(raw, t, 'expected hexadecimal digits only');
      if (s.length !== want) return invalid(raw, t, `expected ${want} hex digits, got ${s.length}`);
      result = ok(t, s.toLowerCase());
      break;
    }
    case 'PHONE':
      result = normalizePhone(s, raw);
      break;
    case 'SOCIAL_ACCOUNT':
      result = normalizeSocial(s, raw);
      break;
  }
  if (result.ok && result.value.length > MAX_VALUE_LENGTH) {
    return invalid(raw, result.type, `longer than ${MAX_VALUE_LENGTH} characters`);
  }
  return result;
}

function normalizeIp(t: 'IPV4' | 'IPV6' | 'CIDR', s: string, raw: string): NormalizeResult {
  const slash = s.indexOf('/');
  const addrText = slash === -1 ? s : s.slice(0, slash);
  let prefix = -1;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return invalid(raw, t === 'CIDR' ? t : 'CIDR', 'the prefix length after "/" must be a number');
    prefix = Number(p);
  }
  const isV6 = addrText.includes(':');
  if (t === 'IPV4' && isV6) return invalid(raw, t, 'this is an IPv6 address');
  if (t === 'IPV6' && !isV6) return invalid(raw, t, 'expected an IPv6 address such as 2001:db8::1');
  if (!isV6) {
    const a = parseIPv4Range(addrText, 0, addrText.length);
    if (a < 0) return invalid(raw, t, ipv4Problem(a));
    if (prefix === -1 || prefix === 32) return ok('IPV4', formatIPv4(a));
    if (prefix > 32) return invalid(raw, 'CIDR', 'an IPv4 prefix length is 0-32');
    if (t === 'IPV4') return invalid(raw, t, `this is a network (/${prefix}), not a single address; use type CIDR`);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return ok('CIDR', `${formatIPv4((a & mask) >>> 0)}/${prefix}`);
  }
  if (addrText.includes('%')) return invalid(raw, t === 'CIDR' ? t : 'IPV6', 'zone identifiers (%eth0) are local to one host');
  const w = parseIPv6(addrText);
  if (w === null) return invalid(raw, t === 'CIDR' ? t : 'IPV6', 'expected eight groups of up to four hex digits, "::" at most once');
  if (prefix === -1 || prefix === 128) return ok('IPV6', formatIPv6(w));
  if (prefix > 128) return invalid(raw, 'CIDR', 'an IPv6 prefix length is 0-128');
  if (t === 'IPV6') return invalid(raw, t, `this is a network (/${prefix}), not a single address; use type CIDR`);
  for (let i = 0; i < 8; i++) {
    const bits = prefix - i * 16;
    if (bits <= 0) w[i] = 0;
    else if (bits < 16) w[i] = w[i]! & ((0xffff << (16 - bits)) & 0xffff);
  }
  return ok('CIDR', `${formatIPv6(w)}/${prefix}`);
}

const OPAQUE_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.?)/;
const URL_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);

/**
 * WHATWG URL serialization (what browsers do): scheme and host lower-case, IDN hosts as punycode, default
 * port dropped, path dot-segments resolved; and further the fragment dropped (it never reaches a server)
 * and a trailing dot on the host removed (the same host). A value without a scheme is read as http://.
 * Only schemes with a host: http, https, ftp, ws, wss.
 */
function normalizeUrl(s: string, raw: string): NormalizeResult {
  let withScheme = s;
  if (!URL_SCHEME.test(s)) {
    // "mailto:…", "javascript:…" have a scheme but no "//"; "example.com:8080/x" has a port, not a scheme.
    const m = OPAQUE_SCHEME.exec(s);
    if (m && !/^\d/.test(m[2]!)) return invalid(raw, 'URL', `the scheme ${m[1]!.toLowerCase()} is not one of http, https, ftp, ws, wss`);
    withScheme = `http://${s}`;
  }
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return invalid(raw, 'URL', 'it cannot be parsed as a URL');
  }
  if (!URL_SCHEMES.has(u.protocol)) return invalid(raw, 'URL', `the scheme ${u.protocol.slice(0, -1)} is not one of http, https, ftp, ws, wss`);
  if (u.hostname === '') return invalid(raw, 'URL', 'it has no host');
  if (u.hash !== '') u.hash = '';
  if (u.hostname.endsWith('.') && u.hostname.length > 1) u.hostname = u.hostname.slice(0, -1);
  return ok('URL', u.href);
}

// RFC 5322 dot-atom, plus non-ASCII letters (RFC 6531 internationalized local parts).
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;

/** The local part as written (RFC 5321: it may be case-sensitive); the domain canonical like DOMAIN. */
function normalizeEmail(input: string, raw: string): NormalizeResult {
  const s = input.startsWith('mailto:') ? input.slice(7) : input;
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return invalid(raw, 'EMAIL', 'expected local-part@domain');
  const local = s.slice(0, at);
  if (local.length > 64) return invalid(raw, 'EMAIL', 'the part before @ is longer than 64 characters');
  if (!EMAIL_LOCAL.test(local)) return invalid(raw, 'EMAIL', 'the part before @ has characters not allowed there (or is quoted)');
  const domain = canonicalDomain(s.slice(at + 1));
  if (domain.charCodeAt(0) === 33) return invalid(raw, 'EMAIL', `its domain: ${domain.slice(1)}`);
  return ok('EMAIL', `${local}@${domain}`);
}

const PHONE_SEPARATORS = /[\s().\-/\u00a0]/g;

/** E.164: "+", a country code and subscriber number, 8–15 digits in all, first digit not 0. */
function normalizePhone(input: string, raw: string): NormalizeResult {
  let s = input.startsWith('tel:') ? input.slice(4) : input;
  s = s.replace(PHONE_SEPARATORS, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`; // the international call prefix used outside North America
  if (!s.startsWith('+')) return invalid(raw, 'PHONE', 'expected E.164 with a country code, e.g. +1 916 555 0100');
  const digits = s.slice(1);
  if (!/^\d+$/.test(digits)) return invalid(raw, 'PHONE', 'only digits and the separators space ( ) . - / are allowed');
  if (digits.length < 8 || digits.length > 15) return invalid(raw, 'PHONE', `E.164 numbers have 8 to 15 digits, got ${digits.length}`);
  if (digits.charCodeAt(0) === 48) return invalid(raw, 'PHONE', 'a country code never starts with 0');
  return ok('PHONE', `+${digits}`);
}

const HANDLE = /^[\p{L}\p{N}_.\-@]{1,100}$/u;

function normalizeSocial(s: string, raw: string): NormalizeResult {
  const m = PLATFORM_PREFIX.exec(s);
  if (!m) return invalid(raw, 'SOCIAL_ACCOUNT', 'expected platform:handle, e.g. x:@example');
  const platform = SOCIAL_PLATFORMS.get(m[1]!.toLowerCase());
  if (!platform) return invalid(raw, 'SOCIAL_ACCOUNT', `unknown platform "${m[1]}" (known: ${SOCIAL_PLATFORM_NAMES.join(', ')})`);
  let handle = m[2]!.trim();
  if (handle.startsWith('@')) handle = handle.slice(1);
  if (!HANDLE.test(handle)) return invalid(raw, 'SOCIAL_ACCOUNT', 'a handle is 1-100 letters, digits, "_", ".", "-" or "@"');
  return ok('SOCIAL_ACCOUNT', `${platform.name}:${platform.caseSensitive ? handle : handle.toLowerCase()}`);
}

// ---------------------------------------------------------------------------------------------------
// Matching: what else an observable is checked against

/**
 * How an observable matched an indicator. EXACT: the same type and canonical value. URL_HOST: a URL's host
 * is a reported domain or address. SUBDOMAIN: a host is below a reported domain, no higher than its
 * registrable domain. EMAIL_DOMAIN: an e-mail address's domain is, or is below, a reported domain.
 * HOST_PORT: an address or name written with a port (proxy and firewall logs) is reported. CIDR: an
 * address is inside a reported network (the SQL adds it for every address probe).
 */
export type MatchVia = 'EXACT' | 'URL_HOST' | 'SUBDOMAIN' | 'EMAIL_DOMAIN' | 'HOST_PORT' | 'CIDR';

export interface MatchProbe {
  type: IndicatorType;
  value: string;
  via: Exclude<MatchVia, 'CIDR'>;
}

export type Observable = { ok: true; type: IndicatorType; value: string; probes: MatchProbe[] } | { ok: false; reason: string };

// Parents of a host tried, nearest first: a host of many labels must not make a lookup of many probes.
const MAX_PARENT_PROBES = 8;
const HOST_WITH_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s/@:[\]]+)):(\d{1,5})$/;

/**
 * The domains above a host that still belong to the same owner: its parents up to and including its
 * registrable domain (public suffix list, ICANN and private sections, from the `tldts` package, which
 * ships the list and does no I/O). Above that is a public suffix (co.uk, github.io): everyone's, so a
 * report of it says nothing about the host. Nearest first, at most MAX_PARENT_PROBES.
 */
export function parentDomains(host: string): string[] {
  const registrable = getDomain(host, { allowPrivateDomains: true, validateHostname: false });
  if (!registrable || registrable === host || !host.endsWith(`.${registrable}`)) return [];
  const parents: string[] = [];
  let at = host.indexOf('.');
  while (at !== -1 && parents.length < MAX_PARENT_PROBES) {
    const parent = host.slice(at + 1);
    parents.push(parent);
    if (parent === registrable) break;
    at = host.indexOf('.', at + 1);
  }
  // Capped before reaching it: the registrable domain is the one most often reported, keep it.
  if (parents[parents.length - 1] !== registrable) parents[parents.length - 1] = registrable;
  return parents;
}

/** Probes for a host (a domain name or an address) seen inside another value. */
function hostProbes(host: string, via: 'URL_HOST' | 'EMAIL_DOMAIN' | 'HOST_PORT', parentsVia: 'SUBDOMAIN' | 'EMAIL_DOMAIN'): MatchProbe[] {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const n = normalize(detectRefanged(bare), bare);
  if (!n.ok) return [];
  if (n.type === 'IPV4' || n.type === 'IPV6') return [{ type: n.type, value: n.value, via }];
  if (n.type !== 'DOMAIN') return [];
  return [{ type: 'DOMAIN', value: n.value, via }, ...parentDomains(n.value).map((value) => ({ type: 'DOMAIN' as const, value, via: parentsVia }))];
}

/**
 * An observable from a log line and everything it is matched against: its canonical value exactly, and
 * the host of a URL, the domain of an e-mail address, the parents of a domain name up to its registrable
 * domain, and an address or name written with a port (`45.33.17.9:443`, `[2001:db8::1]:443`,
 * `evil.example:443`), which is not an indicator to report but is what proxy logs hold.
 *
 * @example
 * observableOf('https://login.evil.example.co.uk/x').probes
 * // → URL exact, DOMAIN login.evil.example.co.uk (URL_HOST), DOMAIN evil.example.co.uk… (SUBDOMAIN)
 */
export function observableOf(raw: string): Observable {
  const n = normalize(detectType(raw), raw);
  if (!n.ok) {
    const m = HOST_WITH_PORT.exec(refang(raw.trim()));
    if (!m || Number(m[3]) > 65_535) return n;
    const probes = hostProbes(m[1] ?? m[2]!, 'HOST_PORT', 'SUBDOMAIN');
    if (probes.length === 0) return n;
    return { ok: true, type: probes[0]!.type, value: probes[0]!.value, probes };
  }
  const probes: MatchProbe[] = [{ type: n.type, value: n.value, via: 'EXACT' }];
  if (n.type === 'URL') {
    probes.push(...hostProbes(new URL(n.value).hostname, 'URL_HOST', 'SUBDOMAIN'));
  } else if (n.type === 'EMAIL') {
    probes.push(...hostProbes(n.value.slice(n.value.lastIndexOf('@') + 1), 'EMAIL_DOMAIN', 'EMAIL_DOMAIN'));
  } else if (n.type === 'DOMAIN') {
    probes.push(...parentDomains(n.value).map((value) => ({ type: 'DOMAIN' as const, value, via: 'SUBDOMAIN' as const })));
  }
  return { ...n, probes };
}
