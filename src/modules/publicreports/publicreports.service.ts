import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';
import { InputError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { capText, multiLineText, singleLineText } from '../../text.js';
import { hubSecret } from '../escalations/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { CALIFORNIA_COUNTIES } from '../partners/index.js';
import { catalogFor } from './catalog.js';
import { findPublicReportByReference, insertPublicReport } from './publicreports.repository.js';

/**
 * The public side's intake: a report from anyone, validated, stored with a reference the reporter keeps,
 * and an outbox event that has it clustered into a claim (publicreports.topics.ts). No principal: the
 * reporter is nobody the hub knows. Nothing identifies them but what they choose to give (an e-mail for a
 * follow-up); their address is kept only as a keyed hash whose key changes every day.
 */

export const SEEN_WHERE = ['SOCIAL_MEDIA', 'TEXT_MESSAGE', 'EMAIL', 'WEBSITE', 'PHONE_CALL', 'IN_PERSON', 'OTHER'] as const;
export const SEEN_WHEN = ['TODAY', 'YESTERDAY', 'THIS_WEEK', 'EARLIER'] as const;
export const REPORT_LIMITS = { claim: 5_000, link: 2_000, why: 2_000, email: 254 } as const;
export const TOPIC_REPORT_RECEIVED = 'public_report.received';

export interface ReportFields {
  claim?: string;
  link?: string;
  where?: string;
  when?: string;
  county?: string;
  why?: string;
  email?: string;
}

export interface ValidReport {
  language: string;
  claimText: string;
  link: string | null;
  seenWhere: (typeof SEEN_WHERE)[number];
  seenWhen: (typeof SEEN_WHEN)[number];
  /** A county's FIPS code, 'STATEWIDE', or null. */
  county: string | null;
  whyFalse: string;
  email: string | null;
}

/** A problem with one field, named by the catalog key of its message. */
export interface FieldProblem {
  field: keyof ReportFields | 'screenshot' | 'altcha';
  key: string;
  vars?: Record<string, string | number>;
}

const COUNTY_FIPS = new Set(CALIFORNIA_COUNTIES.map((c) => c.fips));
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]{2,}$/;

/** A web address as the reporter typed it: with or without https://; null when it is none. */
export function parseReportedLink(value: string): string | null {
  const v = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(v) ? v : /^[^\s/]+\.[^\s/]+/.test(v) ? `https://${v}` : v;
  try {
    const u = new URL(withScheme);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname.includes('.')) return null;
    return u.toString();
  } catch {
    return null;
  }
}

/** The form's fields checked; every problem, each beside its field. */
export function validateReport(language: string, f: ReportFields): { ok: true; value: ValidReport } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const claimText = multiLineText(f.claim ?? '');
  const linkRaw = singleLineText(f.link ?? '');
  const whyFalse = multiLineText(f.why ?? '');
  const emailRaw = singleLineText(f.email ?? '').toLowerCase();
  if (Array.from(claimText).length > REPORT_LIMITS.claim) problems.push({ field: 'claim', key: 'err_too_long', vars: { max: REPORT_LIMITS.claim } });
  let link: string | null = null;
  if (linkRaw) {
    if (linkRaw.length > REPORT_LIMITS.link) problems.push({ field: 'link', key: 'err_too_long', vars: { max: REPORT_LIMITS.link } });
    else {
      link = parseReportedLink(linkRaw);
      if (!link) problems.push({ field: 'link', key: 'err_link' });
    }
  }
  if (!claimText && !linkRaw) problems.push({ field: 'claim', key: 'err_claim_or_link' });
  const seenWhere = SEEN_WHERE.find((w) => w === f.where);
  if (!seenWhere) problems.push({ field: 'where', key: 'err_where' });
  const seenWhen = SEEN_WHEN.find((w) => w === f.when);
  if (!seenWhen) problems.push({ field: 'when', key: 'err_when' });
  const countyRaw = (f.county ?? '').trim();
  const county = countyRaw === '' ? null : countyRaw === 'STATEWIDE' || COUNTY_FIPS.has(countyRaw) ? countyRaw : undefined;
  if (county === undefined) problems.push({ field: 'county', key: 'err_county' });
  if (Array.from(whyFalse).length > REPORT_LIMITS.why) problems.push({ field: 'why', key: 'err_too_long', vars: { max: REPORT_LIMITS.why } });
  if (emailRaw && (emailRaw.length > REPORT_LIMITS.email || !EMAIL.test(emailRaw))) problems.push({ field: 'email', key: 'err_email' });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { language, claimText, link, seenWhere: seenWhere!, seenWhen: seenWhen!, county: county ?? null, whyFalse, email: emailRaw || null },
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** R-XXXX-XXXX: 40 random bits in Crockford base32 (no I, L, O, U: read aloud over the phone without doubt). */
export function newReportReference(): string {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let s = '';
  for (let i = 0; i < 8; i++) s = CROCKFORD[Number(bits & 31n)]! + s, (bits >>= 5n);
  return `R-${s.slice(0, 4)}-${s.slice(4)}`;
}

export type PublicReportsService = ReturnType<typeof createPublicReportsService>;

export function createPublicReportsService(deps: { db: Db; config: Config }) {
  const { db } = deps;
  let key: string | null = null;
  const secret = async () => (key ??= await hubSecret(db, 'public-reports-key', () => randomBytes(32).toString('base64url')));
  const hmac = async (purpose: string, data: string) => createHmac('sha256', `${await secret()}:${purpose}`).update(data).digest();

  /**
   * The keyed hash a client address is known by: the key is the hub's secret and today's UTC date, so the
   * same address gives the same hash for a day (enough for rate limits) and hashes of two days cannot be
   * linked, nor an address recovered by trying all of them without the secret.
   */
  async function clientHash(address: string | null, now = new Date()): Promise<Buffer> {
    const day = now.toISOString().slice(0, 10);
    const dayKey = await hmac('client-day', day);
    return createHmac('sha256', dayKey).update(address ?? 'unknown').digest();
  }

  /** The form's hidden start time, signed, so that the minimum time to submit cannot be claimed. */
  async function formToken(now = Date.now()): Promise<string> {
    return `${now}.${(await hmac('form-started', String(now))).toString('base64url').slice(0, 22)}`;
  }

  /** How long ago the form carrying `token` was served; null: no token of this hub. */
  async function formAge(token: string, now = Date.now()): Promise<number | null> {
    const m = /^(\d{10,16})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m) return null;
    const expected = Buffer.from((await hmac('form-started', m[1]!)).toString('base64url').slice(0, 22));
    if (!timingSafeEqual(expected, Buffer.from(m[2]!))) return null;
    return now - Number(m[1]);
  }

  async function altchaKey(): Promise<string> {
    return (await hmac('altcha', 'hmac-key')).toString('base64url');
  }

  /**
   * Stores a report (already validated, screenshot already cleaned) in one transaction with the event that
   * clusters it; returns the reference.
   */
  async function submit(report: ValidReport, extra: { clientAddress: string | null; screenshot?: { body: Buffer; type: string } | null }): Promise<{ id: string; reference: string }> {
    if (!catalogFor(report.language)) throw new InputError('language', `no catalog for language ${JSON.stringify(report.language)}`);
    const client_hash = await clientHash(extra.clientAddress);
    return db.transaction().execute(async (trx) => {
      const row = await insertPublicReport(trx, {
        reference: newReportReference(),
        language: report.language,
        claim_text: capText(report.claimText, REPORT_LIMITS.claim),
        link: report.link,
        seen_where: report.seenWhere,
        seen_when: report.seenWhen,
        county: report.county,
        why_false: capText(report.whyFalse, REPORT_LIMITS.why),
        followup_email: report.email,
        screenshot: extra.screenshot?.body ?? null,
        screenshot_type: extra.screenshot?.type ?? null,
        client_hash,
      });
      // Ids only: the report's text stays in PostgreSQL.
      await addOutboxEvent(trx, TOPIC_REPORT_RECEIVED, { type: 'PublicReport', id: row.id });
      return row;
    });
  }

  /** A report by its reference (tests, an operator answering a reporter's question); no principal: callers are trusted adapters. */
  const byReference = (reference: string) => findPublicReportByReference(db, reference);

  return { clientHash, formToken, formAge, altchaKey, submit, byReference };
}
