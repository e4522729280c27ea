import { sql } from 'kysely';
import { canManageClaims } from '../../access/claims.js';
import { systemPrincipal, type Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { ForbiddenError, InputError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import { capText, multiLineText, singleLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import type { Senders } from '../notifications/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { catalogFor, DEFAULT_LANGUAGE, translator } from './catalog.js';
import type { ClaimsService } from './claims.service.js';

/**
 * Rumor control: the SOS's answer to a claim, written per language by its analysts, published on a public
 * page, an index and a JSON Feed, and sent once by e-mail to each reporter who asked, in the language of
 * their form (English when the answer has no text in it). Everything public is CLEAR by construction: an
 * answer shows only what an analyst wrote in it, never a reporter's words, address or county.
 */

export const TOPIC_RUMOR_PUBLISHED = 'rumor.published';
export const ANSWER_LIMITS = { title: 200, body: 10_000 } as const;

export interface PublishedAnswer {
  slug: string;
  claimReference: string;
  language: string;
  /** False when the requested language has no text and English is shown. */
  translated: boolean;
  title: string;
  body: string;
  publishedAt: Date;
  updatedAt: Date;
  languages: string[];
}

export type RumorService = ReturnType<typeof createRumorService>;

export function createRumorService(deps: { db: Db; config: Config; claims: ClaimsService; senders?: Senders | null; logger?: Logger | null }) {
  const { db, config, claims } = deps;

  async function mustManage(p: Principal): Promise<void> {
    if (!canManageClaims(await claims.scopeOf(p))) throw new ForbiddenError('Only analysts of the SOS and Cal OES write rumor-control answers.');
  }

  /** Writes (or rewrites) the answer's text in one language; a draft until published. */
  async function saveText(p: Principal, claimId: string, language: string, title: string, body: string): Promise<void> {
    await mustManage(p);
    if (!catalogFor(language)) throw new InputError('language', `no catalog for ${JSON.stringify(language)}`);
    const t = singleLineText(title);
    const b = multiLineText(body);
    if (!t) throw new InputError('title', 'must not be empty');
    if (Array.from(t).length > ANSWER_LIMITS.title) throw new InputError('title', `must be at most ${ANSWER_LIMITS.title} characters`);
    if (!b) throw new InputError('answer', 'must not be empty');
    if (Array.from(b).length > ANSWER_LIMITS.body) throw new InputError('answer', `must be at most ${ANSWER_LIMITS.body} characters`);
    const { claim } = await claims.get(p, claimId);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('rumor_answers').values({ claim_id: claim.id, slug: claim.reference.toLowerCase() }).onConflict((oc) => oc.column('claim_id').doNothing()).execute();
      await trx
        .insertInto('rumor_answer_texts')
        .values({ claim_id: claim.id, language, title: t, body: b })
        .onConflict((oc) => oc.columns(['claim_id', 'language']).doUpdateSet({ title: t, body: b, updated_at: sql<Date>`now()` }))
        .execute();
      await trx.updateTable('rumor_answers').set({ updated_at: sql<Date>`now()` }).where('claim_id', '=', claim.id).execute();
      await recordAudit(trx, p, 'rumor.text_saved', { type: 'Claim', id: claim.id }, { language });
    });
  }

  /** Publishes the answer (it needs an English text, the fallback of every other language) and has the follow-ups sent. */
  async function publish(p: Principal, claimId: string): Promise<void> {
    await mustManage(p);
    const { claim } = await claims.get(p, claimId);
    await db.transaction().execute(async (trx) => {
      const answer = await trx.selectFrom('rumor_answers').selectAll().where('claim_id', '=', claim.id).forUpdate().executeTakeFirst();
      const english = await trx.selectFrom('rumor_answer_texts').select('language').where('claim_id', '=', claim.id).where('language', '=', DEFAULT_LANGUAGE).executeTakeFirst();
      if (!answer || !english) throw new InputError('publish', 'write the answer in English first: it is shown where a language has no text');
      await trx.updateTable('rumor_answers').set({ status: 'PUBLISHED', published_at: answer.published_at ?? new Date(), updated_at: sql<Date>`now()` }).where('claim_id', '=', claim.id).execute();
      await recordAudit(trx, p, 'rumor.published', { type: 'Claim', id: claim.id }, { slug: answer.slug });
      await addOutboxEvent(trx, TOPIC_RUMOR_PUBLISHED, { type: 'Claim', id: claim.id });
    });
  }

  async function unpublish(p: Principal, claimId: string): Promise<void> {
    await mustManage(p);
    const { claim } = await claims.get(p, claimId);
    await db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('rumor_answers').set({ status: 'UNPUBLISHED', updated_at: sql<Date>`now()` }).where('claim_id', '=', claim.id).where('status', '=', 'PUBLISHED').executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new InputError('unpublish', 'this answer is not published');
      await recordAudit(trx, p, 'rumor.unpublished', { type: 'Claim', id: claim.id });
    });
  }

  /** The answer of a claim as analysts see it (draft or not): status and texts by language. */
  async function answerOf(p: Principal, claimId: string) {
    await claims.get(p, claimId);
    const answer = await db.selectFrom('rumor_answers').selectAll().where('claim_id', '=', claimId).executeTakeFirst();
    const texts = await db.selectFrom('rumor_answer_texts').selectAll().where('claim_id', '=', claimId).orderBy('language').execute();
    return { answer: answer ?? null, texts };
  }

  /** Published answers, newest first, each in `language` (English where it has no text). Public: no principal. */
  async function listPublished(language: string, limit = 100): Promise<PublishedAnswer[]> {
    const rows = await db
      .selectFrom('rumor_answers as a')
      .innerJoin('claims as c', 'c.id', 'a.claim_id')
      .select(['a.claim_id', 'a.slug', 'a.published_at', 'a.updated_at', 'c.reference'])
      .where('a.status', '=', 'PUBLISHED')
      .orderBy('a.published_at', 'desc')
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const texts = await db.selectFrom('rumor_answer_texts').selectAll().where('claim_id', 'in', rows.map((r) => r.claim_id)).execute();
    return rows.map((r) => {
      const mine = texts.filter((t) => t.claim_id === r.claim_id);
      const text = mine.find((t) => t.language === language) ?? mine.find((t) => t.language === DEFAULT_LANGUAGE)!;
      return {
        slug: r.slug,
        claimReference: r.reference,
        language: text.language,
        translated: text.language === language,
        title: text.title,
        body: text.body,
        publishedAt: r.published_at!,
        updatedAt: r.updated_at,
        languages: mine.map((t) => t.language).sort(),
      };
    });
  }

  async function publishedBySlug(slug: string, language: string): Promise<PublishedAnswer | null> {
    return (await listPublished(language, 10_000)).find((a) => a.slug === slug) ?? null;
  }

  /**
   * The follow-up e-mails of a published answer: one per address per claim, in the language of the report's
   * form, recorded as sent first (so a crash mid-way does not send twice: at most once beats twice).
   */
  async function sendFollowups(claimId: string): Promise<number> {
    if (!deps.senders) return 0;
    const answer = await db.selectFrom('rumor_answers').selectAll().where('claim_id', '=', claimId).where('status', '=', 'PUBLISHED').executeTakeFirst();
    if (!answer) return 0;
    const claim = await db.selectFrom('claims').select(['reference']).where('id', '=', claimId).executeTakeFirstOrThrow();
    const due = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('public_reports')
        .select(['id', 'reference', 'language', 'followup_email'])
        .where('claim_id', '=', claimId)
        .where('followup_email', 'is not', null)
        .where('followup_sent_at', 'is', null)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return [];
      // Reporters who already heard about this claim (an earlier report of theirs) are not written to again.
      const already = new Set(
        (await trx.selectFrom('public_reports').select('followup_email').where('claim_id', '=', claimId).where('followup_sent_at', 'is not', null).execute()).map((r) => r.followup_email),
      );
      await trx.updateTable('public_reports').set({ followup_sent_at: sql<Date>`now()` }).where('id', 'in', rows.map((r) => r.id)).execute();
      const seen = new Set<string>();
      return rows.filter((r) => {
        const e = r.followup_email!;
        if (already.has(e) || seen.has(e)) return false;
        seen.add(e);
        return true;
      });
    });
    let sent = 0;
    for (const r of due) {
      const lang = catalogFor(r.language) ? r.language : DEFAULT_LANGUAGE;
      const t = translator(lang);
      const a = await publishedBySlug(answer.slug, lang);
      if (!a) continue;
      const url = `${config.http.publicUrl}/rumor-control/${lang}/${answer.slug}`;
      const text = [t('followup_intro', { reference: r.reference }), '', a.title, '', capText(a.body, 6_000), '', t('followup_read', { url }), '', t('followup_footer')].join('\n');
      const outcome = await deps.senders.email(r.followup_email!, t('followup_subject', { reference: r.reference }), text, `rumor-followup-${r.id}`);
      if (outcome.outcome === 'DELIVERED') sent++;
      else deps.logger?.warn({ claim: claim.reference, report: r.reference, outcome: outcome.outcome }, 'rumor-control follow-up not delivered');
    }
    return sent;
  }

  /**
   * Retention (shared/design/public-reports.md): follow-up addresses deleted `emailRetentionDays` after their
   * claim was closed, screenshots `screenshotRetentionDays` after the election's certification (or, without
   * ESTF_ELECTION_CERTIFIED_AT, after the report). Audited with the counts, as the system.
   */
  async function applyRetention(now = new Date()): Promise<{ emails: number; screenshots: number }> {
    const r = config.publicReports;
    const emailCutoff = new Date(now.getTime() - r.emailRetentionDays * 86_400_000);
    const certified = r.electionCertifiedAt ? new Date(`${r.electionCertifiedAt}T00:00:00-08:00`) : null;
    const screenshotsDue = certified ? now.getTime() - certified.getTime() >= r.screenshotRetentionDays * 86_400_000 : null;
    const screenshotCutoff = new Date(now.getTime() - r.screenshotRetentionDays * 86_400_000);
    return db.transaction().execute(async (trx) => {
      const emails = await trx
        .updateTable('public_reports')
        .set({ followup_email: null, followup_deleted_at: now })
        .where('followup_email', 'is not', null)
        .where('claim_id', 'in', trx.selectFrom('claims').select('id').where('closed_at', 'is not', null).where('closed_at', '<=', emailCutoff))
        .executeTakeFirst();
      let shots = trx.updateTable('public_reports').set({ screenshot: null, screenshot_type: null, screenshot_deleted_at: now }).where('screenshot', 'is not', null);
      if (certified) {
        if (!screenshotsDue) shots = shots.where(sql<boolean>`false`);
      } else shots = shots.where('created_at', '<=', screenshotCutoff);
      const screenshots = await shots.executeTakeFirst();
      const counts = { emails: Number(emails.numUpdatedRows), screenshots: Number(screenshots.numUpdatedRows) };
      await recordAudit(trx, systemPrincipal('retention'), 'public_reports.retention', { type: 'PublicReports', id: null }, { ...counts, emailCutoff, certified: r.electionCertifiedAt ?? null });
      return counts;
    });
  }

  /** Where the public pages are (links in the feed and the e-mails). */
  const publicUrl = () => config.http.publicUrl;

  return { saveText, publish, unpublish, answerOf, listPublished, publishedBySlug, sendFollowups, applyRetention, publicUrl };
}

