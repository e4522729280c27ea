import { randomBytes } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * What a contact method points at, validated and normalised before it is stored: an e-mail address, a
 * webhook URL or an E.164 phone number. Pure functions; the service turns a refusal into InputError.
 */

export const CONTACT_METHOD_KINDS = ['EMAIL', 'WEBHOOK', 'SMS'] as const;
export type ContactMethodKind = (typeof CONTACT_METHOD_KINDS)[number];

export type TargetCheck = { ok: true; target: string } | { ok: false; reason: string };

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_URL_LENGTH = 2048;

export function checkEmailTarget(value: string): TargetCheck {
  const email = value.trim().toLowerCase();
  if (!EMAIL_RE.test(email) || email.length > 254) return { ok: false, reason: `"${value}" is not an e-mail address` };
  return { ok: true, target: email };
}

/**
 * E.164: `+`, a country code and at most 15 digits in all. Spaces, dots, dashes and parentheses are
 * accepted and dropped (`+1 (916) 555-0123`), but the leading `+` is required: without it the country is
 * a guess. North American numbers (+1) must also have valid area and exchange codes (first digit 2–9),
 * which catches most typos in the numbers the task force actually uses.
 */
export function checkSmsTarget(value: string): TargetCheck {
  const compact = value.trim().replace(/[\s().-]/g, '');
  if (!/^\+[1-9]\d{1,14}$/.test(compact)) {
    return { ok: false, reason: `"${value}" is not an E.164 phone number (a + then the country code and number, e.g. +19165550123)` };
  }
  if (compact.startsWith('+1') && !/^\+1[2-9]\d{2}[2-9]\d{6}$/.test(compact)) {
    return { ok: false, reason: `"${value}" is not a valid North American number (+1, then a 10-digit number whose area code and exchange do not start with 0 or 1)` };
  }
  return { ok: true, target: compact };
}

/**
 * A webhook URL: http or https, no user name or password in it (credentials in a URL end up in logs),
 * and, unless `allowPrivateTargets`, not a literal private, loopback, link-local or otherwise non-public
 * address nor `localhost`. Host names are not resolved here: whoever delivers must check the address it
 * actually connects to, since DNS can point a public name at a private address (DNS rebinding).
 */
export function checkWebhookTarget(value: string, opts: { allowPrivateTargets: boolean }): TargetCheck {
  const raw = value.trim();
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `"${value}" is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must be an https:// or http:// URL' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not contain a user name or password' };
  if (url.hostname === '') return { ok: false, reason: 'must name a host' };
  url.hash = '';
  if (!opts.allowPrivateTargets) {
    const why = nonPublicHost(url.hostname);
    if (why) return { ok: false, reason: `points at ${why}, which is refused (ESTF_ALLOW_PRIVATE_WEBHOOKS is off)` };
  }
  return { ok: true, target: url.toString() };
}

// Literal addresses that are not on the public internet. The WHATWG URL parser has already turned every
// IPv4 spelling (0x7f.1, 2130706433, 127.1) into dotted decimal, so these checks see the real address.
const nonPublic = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  nonPublic.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  nonPublic.addSubnet(net, bits, 'ipv6');
}

/** Why a URL host is not a public address, or null when it is a public address or a DNS name. */
export function nonPublicHost(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost';
  if (isIPv4(host)) return nonPublic.check(host, 'ipv4') ? `the non-public address ${host}` : null;
  const v6 = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv6(v6)) {
    const embedded = embeddedIPv4(v6);
    if (embedded !== null) return nonPublic.check(embedded, 'ipv4') ? `the non-public address ${embedded} (as ${v6})` : null;
    return nonPublic.check(v6, 'ipv6') ? `the non-public address ${v6}` : null;
  }
  return null;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIPv4(v6: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(v6);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes (the specification asks for
 * 24 to 64). Stored as is, because the hub needs the secret itself to sign each request (HMAC-SHA256),
 * not merely to recognise it as a token check would.
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** What the audit log keeps of a target: enough to recognise it, without a webhook's path or query (which often carry a token). */
export function auditTarget(kind: ContactMethodKind, target: string): string {
  if (kind === 'WEBHOOK') {
    try {
      return `${new URL(target).origin}/…`;
    } catch {
      return '(invalid URL)';
    }
  }
  if (kind === 'SMS') return `${target.slice(0, 5)}…${target.slice(-2)}`;
  return target;
}
