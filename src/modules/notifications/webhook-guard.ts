import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach. Analysts choose webhook URLs; the hub POSTs to them from inside
 * the task force's network, so an unchecked URL lets anyone with a contact method or an alert
 * subscription probe internal services (SSRF). The check that counts is the one made at each delivery,
 * on the addresses the host name resolves to *then*, and the connection is pinned to the address that
 * was checked: checking the URL when it is saved, or resolving twice, leaves room for DNS rebinding.
 *
 * Range classification comes from ipaddr.js (the IANA special-purpose registries, kept up to date by
 * its maintainers); the rules below add what a range name alone does not decide: IPv6 outside global
 * unicast (2000::/3), and IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4), which are judged by the
 * IPv4 address they carry.
 */

/** What a delivery records when a target is refused: the same words whatever the address, port or error. */
export const REFUSED_NOT_PUBLIC = 'target refused: not a public address';
export const REFUSED_REDIRECT = 'target refused: the receiver answered with a redirect, which is never followed';

/** A resolver of host names to every address they have (dns.lookup with `all: true` by default). */
export type HostResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => (err ? reject(err) : resolve(addresses)));
  });

// IPv6 ranges that ipaddr.js calls unicast but that no webhook receiver lives in.
const IPV6_NOT_PUBLIC: Array<[ipaddr.IPv6, number, string]> = [
  [ipaddr.IPv6.parse('3fff::'), 20, 'documentation'], // RFC 9637
  [ipaddr.IPv6.parse('5f00::'), 16, 'segment routing'], // RFC 9602
];
const GLOBAL_UNICAST: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];

/**
 * Why an IP address is not a public unicast address (the name of its range), or null when it is one.
 * Accepts any spelling ipaddr.js parses (dotted, short, octal and hex IPv4; any IPv6 form, with or
 * without brackets); anything unparsable is "not an IP address", which is not public either.
 */
export function nonPublicAddress(address: string): string | null {
  const ip = parseAddress(address);
  if (ip === null) return 'not an IP address';
  if (ip.kind() === 'ipv4') return classifyIPv4(ip as ipaddr.IPv4);
  return classifyIPv6(ip as ipaddr.IPv6);
}

/**
 * An address parsed by ipaddr.js, IPv6 first rewritten by the WHATWG URL serializer into plain hex
 * groups: ipaddr.js reads any IPv6 ending in a dotted quad as IPv4-mapped (`::8.8.8.8` as
 * `::ffff:8.8.8.8`), which is not the address the socket would use. A zone (`fe80::1%eth0`) is dropped.
 */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(text) === 6 || isIP(text.replace(/%.*$/, '')) === 6) {
    text = text.replace(/%.*$/, '');
    try {
      text = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    } catch {
      return null;
    }
  }
  return ipaddr.isValid(text) ? ipaddr.parse(text) : null;
}

function classifyIPv4(ip: ipaddr.IPv4): string | null {
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

function classifyIPv6(ip: ipaddr.IPv6): string | null {
  const range = ip.range();
  const p = ip.parts as [number, number, number, number, number, number, number, number];
  // Forms that carry an IPv4 address: the socket ends up at that address (mapped), or a translator
  // forwards to it (NAT64, 6to4), so they are as public as the address they carry.
  if (range === 'ipv4Mapped') return embedded(ip.toIPv4Address(), 'IPv4-mapped');
  if (range === 'rfc6052') return embedded(ipv4Of(p[6], p[7]), 'NAT64');
  if (range === '6to4') return embedded(ipv4Of(p[1], p[2]), '6to4');
  if (range !== 'unicast') return range;
  // ::/96 (IPv4-compatible, deprecated), fec0::/10 (site-local, deprecated), 64:ff9b:1::/48 (local NAT64)
  // and the rest outside 2000::/3 are not reachable on the public internet.
  if (!ip.match(GLOBAL_UNICAST)) return 'not global unicast';
  for (const [net, bits, name] of IPV6_NOT_PUBLIC) if (ip.match(net, bits)) return name;
  return null;
}

function ipv4Of(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
}

function embedded(v4: ipaddr.IPv4, form: string): string | null {
  const why = classifyIPv4(v4);
  return why === null ? null : `${why} (${form})`;
}

/** RFC 6761: `localhost` and every name under it are loopback, whatever DNS says. Trailing dots do not make a different name. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Operators' exceptions (ESTF_WEBHOOK_ALLOW): host names, and networks in CIDR notation (a bare address is one host). */
export interface WebhookAllowList {
  readonly hosts: readonly string[];
  readonly networks: readonly string[];
}

/**
 * Parses ESTF_WEBHOOK_ALLOW: comma-separated host names (`hooks.soc.internal`) and IP networks
 * (`10.20.0.0/16`, `fd00:1::/48`, `10.20.30.40`). Returns the problems instead when any entry is neither.
 */
export function parseWebhookAllowList(spec: string): { ok: true; list: WebhookAllowList } | { ok: false; problems: string[] } {
  const hosts: string[] = [];
  const networks: string[] = [];
  const problems: string[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const entry = raw.toLowerCase();
    const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
    if (ipaddr.isValidCIDR(bare)) {
      const [net, bits] = ipaddr.parseCIDR(bare);
      networks.push(`${net.toString()}/${bits}`);
    } else if (isIP(bare) !== 0) {
      const ip = ipaddr.parse(bare);
      networks.push(`${ip.toString()}/${ip.kind() === 'ipv4' ? 32 : 128}`);
    } else if (/^(?=.{1,253}\.?$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/.test(entry) && !/^[0-9.]+$/.test(entry)) {
      hosts.push(entry.replace(/\.$/, ''));
    } else {
      problems.push(`"${raw}" is neither a host name nor an IP address or network (e.g. hooks.soc.internal, 10.20.0.0/16)`);
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, list: { hosts, networks } };
}

/** Whether an address lies in a network (CIDR); an IPv4 network also holds that address written as IPv4-mapped IPv6. */
export function addressInNetwork(address: string, network: string): boolean {
  let ip = parseAddress(address);
  if (ip === null || !ipaddr.isValidCIDR(network)) return false;
  const [net, bits] = ipaddr.parseCIDR(network);
  if (ip.kind() === 'ipv6' && net.kind() === 'ipv4' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.kind() === net.kind() && ip.match(net, bits);
}

export type GuardDecision =
  /** Connect; `pinned` is the checked address to connect to (null: connect as usual, nothing to check). */
  | { ok: true; pinned: { address: string; family: 4 | 6 } | null }
  | { ok: false; outcome: 'REFUSED' | 'NETWORK_ERROR'; error: string };

export interface WebhookGuard {
  /** Decides, at delivery, whether and where to connect for a webhook URL. */
  check(url: URL): Promise<GuardDecision>;
}

/**
 * The delivery-time guard. With `allowPrivateTargets` (ESTF_ALLOW_PRIVATE_WEBHOOKS, the default outside
 * production) every address is allowed and nothing is resolved ahead. Otherwise the host is resolved
 * once, every address it resolves to must be public or inside an allowed network (a listed host name is
 * allowed whatever it resolves to), and the connection goes to the first of those checked addresses.
 */
export function createWebhookGuard(opts: { allowPrivateTargets: boolean; allow: WebhookAllowList; resolve?: HostResolver }): WebhookGuard {
  const resolve = opts.resolve ?? systemResolver;
  const allowedHosts = new Set(opts.allow.hosts);
  const refused = { ok: false, outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC } as const;

  function allowedAddress(address: string): boolean {
    return nonPublicAddress(address) === null || opts.allow.networks.some((n) => addressInNetwork(address, n));
  }

  return {
    async check(url) {
      if (opts.allowPrivateTargets) return { ok: true, pinned: null };
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const name = host.toLowerCase().replace(/\.+$/, '');
      if (isIP(host) !== 0) {
        // A literal address: the connection goes there without a lookup.
        return allowedAddress(host) ? { ok: true, pinned: null } : refused;
      }
      const listed = allowedHosts.has(name);
      if (!listed && isLocalhostName(name)) return refused;
      let addresses: Array<{ address: string; family: number }>;
      try {
        // Resolved without trailing dots: `name.` is the same DNS name, and /etc/hosts knows only `name`.
        addresses = await resolve(name);
      } catch {
        addresses = [];
      }
      // No error code: whether a name exists inside the network is itself something to keep.
      if (addresses.length === 0) return { ok: false, outcome: 'NETWORK_ERROR', error: 'the host name did not resolve' };
      if (!listed && !addresses.every((a) => allowedAddress(a.address))) return refused;
      const first = addresses[0]!;
      return { ok: true, pinned: { address: first.address, family: first.family === 6 ? 6 : 4 } };
    },
  };
}

// ── At save time: what is refused whatever DNS says ──────────────────────────────────────────────────

/**
 * Why a webhook URL host is refused at save time (oncall/contact-targets.ts), or null: `localhost`, or a
 * literal non-public address, unless private targets are allowed or the allow-list names it. A DNS name
 * passes here: what it resolves to is checked at each delivery (createWebhookGuard).
 */
export function refusedWebhookHost(hostname: string, opts: { allowPrivateTargets: boolean; allow?: WebhookAllowList }): string | null {
  if (opts.allowPrivateTargets || allowListed(hostname, opts.allow)) return null;
  return nonPublicHost(hostname);
}

/** Whether the allow-list names this URL host, or lists a network holding its literal address. */
function allowListed(hostname: string, allow: WebhookAllowList | undefined): boolean {
  if (!allow) return false;
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (allow.hosts.includes(host.toLowerCase().replace(/\.+$/, ''))) return true;
  if (isIP(host) === 0) return false;
  return allow.networks.some((n) => addressInNetwork(host, n));
}

/**
 * Why a URL host is not a public address, or null when it is a public address or a DNS name. The WHATWG
 * URL parser has already turned every IPv4 spelling (0x7f.1, 2130706433, 127.1, %31%32%37.0.0.1) into
 * dotted decimal and every IPv6 one into its compressed form, so these checks see the real address.
 */
export function nonPublicHost(hostname: string): string | null {
  if (isLocalhostName(hostname)) return 'localhost';
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname.replace(/\.+$/, '');
  if (isIP(host) === 0) return null;
  const why = nonPublicAddress(host);
  return why === null ? null : `the non-public address ${host} (${why})`;
}
