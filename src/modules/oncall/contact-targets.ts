import { randomBytes } from 'node:crypto';
import { refusedWebhookHost, type WebhookAllowList } from '../notifications/index.js';
import type { ContactMethodKind } from '../../domain/delivery.js';

export { nonPublicHost } from '../notifications/index.js';

/**
 * What a contact method points at, validated and normalised before it is stored: an e-mail address, a
 * webhook URL or an E.164 phone number. Pure functions; the service turns a refusal into InputError.
 */

export { CONTACT_METHOD_KINDS, type ContactMethodKind } from '../../domain/delivery.js';

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
 * and, unless `allowPrivateTargets` or the operators' allow-list (ESTF_WEBHOOK_ALLOW) says otherwise, not
 * a literal non-public address nor a `localhost` name. Host names are not resolved here: the delivery
 * checks the addresses a name resolves to at each attempt (see notifications/webhook-guard.ts), since DNS
 * can point a public name at a private address at any time (DNS rebinding). This check only gives an
 * early answer for what is refused whatever DNS says.
 */
export function checkWebhookTarget(value: string, opts: { allowPrivateTargets: boolean; allow?: WebhookAllowList }): TargetCheck {
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
  const why = refusedWebhookHost(url.hostname, opts);
  if (why) return { ok: false, reason: `points at ${why}, which is refused (ESTF_ALLOW_PRIVATE_WEBHOOKS is off and ESTF_WEBHOOK_ALLOW does not list it)` };
  return { ok: true, target: url.toString() };
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
