import { parseIPv4, parseIPv6, type IndicatorType } from './normalize.js';

/**
 * Warning lists: values the hub accepts but never alerts on, because they are not evidence of anything
 * (issue 5, item 4). An indicator on a list is stored with its reason in `indicators.benign_reason`,
 * shown to analysts, and left out of correlation. Values must be canonical (normalize.ts) before they
 * are judged here.
 *
 * @example
 * const lists = createWarningLists(config.benignDomains);
 * lists.isBenign('IPV4', '10.1.2.3')          // → 'private-use range 10.0.0.0/8 (RFC 1918)'
 * lists.isBenign('URL', 'https://www.sos.ca.gov/') // → 'state or county government domain ca.gov'
 * lists.isBenign('DOMAIN', 'evil.example.net')     // → 'documentation name example.net (RFC 2606)'
 */

interface RangeEntry {
  readonly reason: string;
  readonly bits: number;
}
interface V4Range extends RangeEntry {
  readonly network: number;
}
interface V6Range extends RangeEntry {
  readonly words: readonly number[];
}

// IANA special-purpose registries (RFC 6890 and successors): nothing routed on the internet lives here.
const IPV4_RANGES: readonly V4Range[] = (
  [
    ['0.0.0.0', 8, 'unspecified / "this network" 0.0.0.0/8 (RFC 791)'],
    ['10.0.0.0', 8, 'private-use range 10.0.0.0/8 (RFC 1918)'],
    ['100.64.0.0', 10, 'carrier-grade NAT range 100.64.0.0/10 (RFC 6598)'],
    ['127.0.0.0', 8, 'loopback 127.0.0.0/8'],
    ['169.254.0.0', 16, 'link-local 169.254.0.0/16 (RFC 3927)'],
    ['172.16.0.0', 12, 'private-use range 172.16.0.0/12 (RFC 1918)'],
    ['192.0.0.0', 24, 'IETF protocol assignments 192.0.0.0/24 (RFC 6890)'],
    ['192.0.2.0', 24, 'documentation range 192.0.2.0/24 (RFC 5737)'],
    ['192.168.0.0', 16, 'private-use range 192.168.0.0/16 (RFC 1918)'],
    ['198.18.0.0', 15, 'benchmarking range 198.18.0.0/15 (RFC 2544)'],
    ['198.51.100.0', 24, 'documentation range 198.51.100.0/24 (RFC 5737)'],
    ['203.0.113.0', 24, 'documentation range 203.0.113.0/24 (RFC 5737)'],
    ['224.0.0.0', 4, 'multicast 224.0.0.0/4'],
    // Listed before 240/4 so that the broadcast address gets its own name.
    ['255.255.255.255', 32, 'limited broadcast 255.255.255.255'],
    ['240.0.0.0', 4, 'reserved range 240.0.0.0/4 (RFC 1112)'],
  ] as const
).map(([a, bits, reason]) => ({ network: parseIPv4(a)!, bits, reason }));

const IPV6_RANGES: readonly V6Range[] = (
  [
    ['::', 128, 'unspecified address ::'],
    ['::1', 128, 'loopback ::1'],
    ['100::', 64, 'discard-only range 100::/64 (RFC 6666)'],
    ['2001:db8::', 32, 'documentation range 2001:db8::/32 (RFC 3849)'],
    ['3fff::', 20, 'documentation range 3fff::/20 (RFC 9637)'],
    ['fc00::', 7, 'unique local range fc00::/7 (RFC 4193)'],
    ['fe80::', 10, 'link-local fe80::/10'],
    ['ff00::', 8, 'multicast ff00::/8'],
  ] as const
).map(([a, bits, reason]) => ({ words: parseIPv6(a)!, bits, reason }));

/**
 * The state's and counties' own domains and those of the task force's partners: a compromised page on
 * one of them is an incident, not an indicator to correlate on. Every subdomain counts (sos.ca.gov,
 * elections.saccounty.gov). Kept to names we are sure of; an operator adds others (a county that moves
 * to a new domain, a city) with ESTF_BENIGN_DOMAINS, which extends this list.
 */
export const GOVERNMENT_DOMAINS: readonly string[] = [
  // The State of California: every state agency and many counties (co.<county>.ca.us moved here).
  'ca.gov',
  // County election offices and county governments.
  'lavote.gov', // Los Angeles County Registrar-Recorder/County Clerk
  'lacounty.gov',
  'ocvote.gov', // Orange County Registrar of Voters
  'ocgov.com',
  'sdvote.com', // San Diego County Registrar of Voters
  'sandiegocounty.gov',
  'sfelections.org', // San Francisco Department of Elections
  'sfgov.org',
  'sf.gov',
  'acvote.org', // Alameda County Registrar of Voters
  'acgov.org',
  'sccgov.org', // Santa Clara County
  'saccounty.gov', // Sacramento County (elections.saccounty.gov)
  'rivco.org', // Riverside County
  'voteinfo.net', // Riverside County Registrar of Voters
  'sbcounty.gov', // San Bernardino County
  'cocovote.us', // Contra Costa County Elections
  'smcgov.org', // San Mateo County
  'fresnocountyca.gov',
  'countyofsb.org', // Santa Barbara County
  // Federal partners and election-security bodies in the task force.
  'cisa.gov',
  'dhs.gov',
  'fbi.gov',
  'eac.gov',
  'vote.gov',
  'cisecurity.org', // EI-ISAC
];

// Special-use names (RFC 2606, RFC 6761, RFC 8375, ICANN .internal): they never resolve on the internet.
const SPECIAL_USE_DOMAINS: ReadonlyMap<string, string> = new Map([
  ['example.com', 'documentation name example.com (RFC 2606)'],
  ['example.net', 'documentation name example.net (RFC 2606)'],
  ['example.org', 'documentation name example.org (RFC 2606)'],
  ['example', 'documentation name .example (RFC 2606)'],
  ['test', 'special-use name .test (RFC 6761)'],
  ['invalid', 'special-use name .invalid (RFC 6761)'],
  ['localhost', 'special-use name localhost (RFC 6761)'],
  ['local', 'multicast DNS name .local (RFC 6762)'],
  ['home.arpa', 'home network name home.arpa (RFC 8375)'],
  ['internal', 'private-use name .internal'],
]);

export interface WarningLists {
  /** Why this canonical value is on a warning list, or null when it is not. */
  isBenign(type: IndicatorType, value: string): string | null;
}

/**
 * @param benignDomains well-known third-party domains (config.benignDomains, ESTF_BENIGN_DOMAINS), added to
 * the built-in government and special-use lists; each covers its subdomains.
 */
export function createWarningLists(benignDomains: readonly string[]): WarningLists {
  const domains = new Map<string, string>(SPECIAL_USE_DOMAINS);
  for (const d of GOVERNMENT_DOMAINS) domains.set(d, `state or county government domain ${d}`);
  const thirdParty = new Set<string>();
  for (const raw of benignDomains) {
    const d = raw.trim().toLowerCase().replace(/\.$/, '');
    if (d === '' || domains.has(d)) continue;
    domains.set(d, `well-known benign domain ${d}`);
    thirdParty.add(d);
  }

  /** The reason for the longest listed suffix of `host` (itself or a parent domain), with the listed name. */
  function domainEntry(host: string): { name: string; reason: string } | null {
    let d = host;
    for (;;) {
      const reason = domains.get(d);
      if (reason !== undefined) return { name: d, reason };
      const dot = d.indexOf('.');
      if (dot === -1) return null;
      d = d.slice(dot + 1);
    }
  }

  function hostReason(host: string): string | null {
    if (host.startsWith('[')) return ipv6Reason(parseIPv6(host), 128);
    const v4 = parseIPv4(host);
    if (v4 !== null) return ipv4Reason(v4, 32);
    return domainEntry(host)?.reason ?? null;
  }

  function isBenign(type: IndicatorType, value: string): string | null {
    switch (type) {
      case 'IPV4': {
        const a = parseIPv4(value);
        return a === null ? null : ipv4Reason(a, 32);
      }
      case 'IPV6':
        return ipv6Reason(parseIPv6(value), 128);
      case 'CIDR': {
        const slash = value.indexOf('/');
        const addr = value.slice(0, slash);
        const bits = Number(value.slice(slash + 1));
        if (addr.includes(':')) return ipv6Reason(parseIPv6(addr), bits);
        const a = parseIPv4(addr);
        return a === null ? null : ipv4Reason(a, bits);
      }
      case 'DOMAIN':
        return domainEntry(value)?.reason ?? null;
      case 'EMAIL':
        return domainEntry(value.slice(value.lastIndexOf('@') + 1))?.reason ?? null;
      case 'URL': {
        const host = urlHost(value);
        if (host === null) return null;
        const reason = hostReason(host);
        if (reason === null) return null;
        // A page on a third-party platform is often user content (Google Forms and Sites phishing, files in
        // public cloud storage): only the platform's bare site is benign, a deeper URL stays correlatable.
        const entry = domainEntry(host);
        if (entry !== null && thirdParty.has(entry.name) && !isSiteRoot(value)) return null;
        return reason;
      }
      default:
        return null;
    }
  }

  return { isBenign };
}

/** Whether a network of `bits` bits at address `a` overlaps a listed IPv4 range (either contains the other). */
function ipv4Reason(a: number, bits: number): string | null {
  for (const r of IPV4_RANGES) {
    const common = Math.min(bits, r.bits);
    const mask = common === 0 ? 0 : (0xffffffff << (32 - common)) >>> 0;
    if (((a & mask) >>> 0) === ((r.network & mask) >>> 0)) return r.reason;
  }
  return null;
}

function ipv6Reason(w: number[] | null, bits: number): string | null {
  if (w === null) return null;
  // IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses carry an IPv4 address: judge that.
  const embedsV4 =
    bits >= 96 &&
    ((w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) ||
      (w[0] === 0x64 && w[1] === 0xff9b && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0));
  if (embedsV4) {
    const reason = ipv4Reason(((w[6]! << 16) | w[7]!) >>> 0, bits - 96);
    if (reason !== null) return reason;
  }
  for (const r of IPV6_RANGES) {
    if (prefixesOverlap(w, bits, r.words, r.bits)) return r.reason;
  }
  return null;
}

/** Two prefixes overlap exactly when they agree on the shorter one's bits. */
function prefixesOverlap(a: readonly number[], aBits: number, b: readonly number[], bBits: number): boolean {
  let common = Math.min(aBits, bBits);
  for (let i = 0; i < 8 && common > 0; i++, common -= 16) {
    const mask = common >= 16 ? 0xffff : (0xffff << (16 - common)) & 0xffff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** The host of a canonical (WHATWG-serialized) URL, without user info or port; IPv6 hosts keep brackets. */
function urlHost(url: string): string | null {
  const start = url.indexOf('//');
  if (start === -1) return null;
  let end = url.length;
  for (let i = start + 2; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  let authority = url.slice(start + 2, end);
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  const colon = authority.indexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

/** The site itself: path "/" and no query (https://docs.google.com/), as opposed to one of its pages. */
function isSiteRoot(url: string): boolean {
  const start = url.indexOf('//');
  const slash = url.indexOf('/', start + 2);
  return slash === -1 || slash === url.length - 1;
}
