import { sql } from 'kysely';
import { canManageClaims, canNoteClaim, canSeePublicReport, claimScope, type ClaimScope } from '../../access/claims.js';
import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { capText, multiLineText, singleLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { findOrganizationBySlug, findOrganizationsByIds } from '../partners/index.js';
import { insertIncident, insertTimelineEntry, nextIncidentReference, replaceAffectedCounties } from '../incidents/index.js';
import { findUserByEmail, insertUserIfAbsent } from '../identity/index.js';
import { isVotingLogistics, withinElectionPeriod } from './promotion.js';
import { systemPrincipal } from '../../access/principal.js';
import { canonicalizeLink, detectLanguage, extractHandles, extractLinks, extractPhones, matchText } from './extract.js';
import { CALIFORNIA_COUNTIES } from '../partners/index.js';
import { lockUnclusteredReport, nextClaimReference, type ClaimRow, type PublicReportRow } from './publicreports.repository.js';

/**
 * Claims: the public's reports clustered so that an analyst sees one claim with its 40 reports, not 41 items.
 * Clustering (clusterReport, run by the report's outbox event): the same canonical link or phone number joins
 * an open claim at once; otherwise the most similar open claim seen within the window (pg_trgm similarity of
 * the normalized text, GIN index) above the threshold; otherwise a new claim. Analysts then merge, split,
 * set the status and write notes; what they may see and do is src/access/claims.ts.
 */

export const CLAIM_STATUSES = ['NEW', 'TRIAGING', 'FALSE_CONFIRMED', 'NOT_ACTIONABLE', 'RESOLVED'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];
const OPEN_STATUSES: ClaimStatus[] = ['NEW', 'TRIAGING', 'FALSE_CONFIRMED'];
const CLOSED_STATUSES: ClaimStatus[] = ['NOT_ACTIONABLE', 'RESOLVED'];
/** One clustering at a time: two reports of a new claim arriving together must not open two claims. */
const CLUSTER_LOCK = 7_364_016;
/** Reports clustered in one transaction at most. */
const CLUSTER_BATCH = 100;
export const TOPIC_CLAIM_REPORT_ADDED = 'claim.report_added';
/** The SOS's system user that files the incidents of claims promoted on their own (seedPublicReportsUser). */
export const PROMOTION_USER_EMAIL = 'public-reports@estf-hub.local';

/** Seeds the promotion user (a VIEWER of the SOS: it files, it never signs in), like the correlation user. */
export async function seedPublicReportsUser(db: Handle): Promise<void> {
  const sos = await findOrganizationBySlug(db, 'sos');
  if (!sos) return;
  await insertUserIfAbsent(db, { organization_id: sos.id, email: PROMOTION_USER_EMAIL, name: 'ESTF Hub public reports', roles: ['VIEWER'] });
}

export interface ClaimSummary {
  id: string;
  reference: string;
  title: string;
  status: ClaimStatus;
  reports: number;
  counties: string[];
  languages: string[];
  /** Reports in the last 24 hours and in the 24 before: the trend. */
  last24h: number;
  previous24h: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  incidentId: string | null;
}

export interface ClaimFilters {
  status?: ClaimStatus | null;
  county?: string | null;
  language?: string | null;
  limit?: number;
}

export interface ClaimDetail {
  claim: ClaimRow;
  summary: ClaimSummary;
  reports: PublicReportRow[];
  notes: Array<{ id: string; authorName: string; body: string; createdAt: Date }>;
  mergedFrom: Array<{ id: string; reference: string }>;
  scope: ClaimScope;
}

export type ClaimsService = ReturnType<typeof createClaimsService>;
const COUNTY_NAMES = new Map(CALIFORNIA_COUNTIES.map((c) => [c.fips, c.name]));

export function createClaimsService(deps: { db: Db; config: Config }) {
  const { db, config } = deps;
  const { similarity, windowMs } = config.claims;

  async function scopeOf(p: Principal): Promise<ClaimScope> {
    if (p.kind !== 'user') return claimScope(p, null);
    const [org] = await findOrganizationsByIds(db, [p.organization.id]);
    return claimScope(p, org?.fips ?? null);
  }

  /** Clusters one locked report inside the caller's transaction (which holds the clustering lock). */
  async function clusterOne(trx: Handle, report: PublicReportRow): Promise<{ claimId: string; reason: string }> {
    const links = [...new Set([...(report.link ? [canonicalizeLink(report.link)].filter((l): l is string => !!l) : []), ...extractLinks(report.claim_text)])];
    const phones = extractPhones(report.claim_text);
    const handles = extractHandles(report.claim_text);
    const text = matchText(report.claim_text);
    const language = detectLanguage(report.claim_text);
    let claimId: string | null = null;
    let reason = 'NEW_CLAIM';
    const open = trx.selectFrom('claims').select('id').where('merged_into_id', 'is', null).where('status', 'in', OPEN_STATUSES).orderBy('last_seen_at', 'desc').limit(1);
    if (links.length > 0) {
      claimId = (await open.where(sql<boolean>`links && ${sql.val(links)}::text[]`).executeTakeFirst())?.id ?? null;
      if (claimId) reason = 'LINK';
    }
    if (!claimId && phones.length > 0) {
      claimId = (await open.where(sql<boolean>`phones && ${sql.val(phones)}::text[]`).executeTakeFirst())?.id ?? null;
      if (claimId) reason = 'PHONE';
    }
    if (!claimId && Array.from(text).length >= 12) {
      // `%` uses the GIN index at the session's threshold; set it for this transaction only.
      await sql`select set_config('pg_trgm.similarity_threshold', ${String(similarity)}, true)`.execute(trx);
      const { rows } = await sql<{ id: string }>`
        select id from claims
        where merged_into_id is null and status in (${sql.join(OPEN_STATUSES)}) and last_seen_at > now() - make_interval(secs => ${windowMs / 1000})
          and match_text % ${text}
        order by similarity(match_text, ${text}) desc, last_seen_at desc limit 1`.execute(trx);
      claimId = rows[0]?.id ?? null;
      if (claimId) reason = 'SIMILAR_TEXT';
    }
    if (!claimId) {
      const title = capText(singleLineText(report.claim_text) || report.link || '', 200);
      const row = await trx
        .insertInto('claims')
        .values({ reference: await nextClaimReference(trx), title, match_text: text, links, phones, first_seen_at: report.created_at, last_seen_at: report.created_at })
        .returning('id')
        .executeTakeFirstOrThrow();
      claimId = row.id;
    } else {
      await sql`update claims set links = array(select distinct unnest(links || ${sql.val(links)}::text[])),
        phones = array(select distinct unnest(phones || ${sql.val(phones)}::text[])),
        last_seen_at = greatest(last_seen_at, ${report.created_at}), updated_at = now() where id = ${claimId}`.execute(trx);
    }
    await trx
      .updateTable('public_reports')
      .set({ links, phones, handles, detected_language: language, claim_id: claimId, cluster_reason: reason, clustered_at: sql<Date>`now()` })
      .where('id', '=', report.id)
      .execute();
    return { claimId, reason };
  }

  /**
   * Clusters a report (idempotent: a report already clustered, or being clustered, is left alone), and with it
   * up to CLUSTER_BATCH - 1 other reports waiting, in arrival order, in the same transaction: one lock and one
   * commit for a burst instead of one each. One `claim.report_added` per claim that grew.
   */
  async function clusterReport(reportId: string): Promise<{ claimId: string; reason: string } | null> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${CLUSTER_LOCK})`.execute(trx);
      const report = await lockUnclusteredReport(trx, reportId);
      if (!report) return null;
      const others = await trx
        .selectFrom('public_reports')
        .selectAll()
        .where('clustered_at', 'is', null)
        .where('id', '!=', report.id)
        .orderBy('created_at')
        .limit(CLUSTER_BATCH - 1)
        .forUpdate()
        .skipLocked()
        .execute();
      const first = await clusterOne(trx, report);
      const grown = new Set([first.claimId]);
      for (const r of others) grown.add((await clusterOne(trx, r)).claimId);
      for (const claimId of grown) await addOutboxEvent(trx, TOPIC_CLAIM_REPORT_ADDED, { type: 'Claim', id: claimId });
      return first;
    });
  }

  /** Reports not yet clustered (an outbox event lost before its job ran): the reconciler's sweep and tests. */
  async function clusterPending(limit = 500): Promise<number> {
    const rows = await db.selectFrom('public_reports').select('id').where('clustered_at', 'is', null).orderBy('created_at').limit(limit).execute();
    let n = 0;
    for (const r of rows) if (await clusterReport(r.id)) n++;
    return n;
  }

  function summaries(h: Handle, scope: ClaimScope, filters: ClaimFilters & { ids?: string[] }) {
    let q = h
      .selectFrom('claims as c')
      .innerJoin('public_reports as r', 'r.claim_id', 'c.id')
      .where('c.merged_into_id', 'is', null)
      .select([
        'c.id',
        'c.reference',
        'c.title',
        'c.status',
        'c.first_seen_at',
        'c.last_seen_at',
        sql<string>`count(r.id)`.as('reports'),
        sql<string[]>`coalesce(array_agg(distinct r.county) filter (where r.county is not null), '{}')`.as('counties'),
        sql<string[]>`array_agg(distinct r.language)`.as('languages'),
        sql<string>`count(r.id) filter (where r.created_at > now() - interval '24 hours')`.as('last24h'),
        sql<string>`count(r.id) filter (where r.created_at <= now() - interval '24 hours' and r.created_at > now() - interval '48 hours')`.as('previous24h'),
        sql<string | null>`(select i.incident_id from claim_incidents i where i.claim_id = c.id)`.as('incident_id'),
      ])
      .groupBy('c.id');
    if (scope.kind === 'county') q = q.where('r.county', '=', scope.fips);
    if (scope.kind === 'none') q = q.where(sql<boolean>`false`);
    if (filters.ids) q = q.where('c.id', 'in', filters.ids.length ? filters.ids : ['00000000-0000-0000-0000-000000000000']);
    if (filters.status) q = q.where('c.status', '=', filters.status);
    if (filters.county) q = q.having(sql<boolean>`bool_or(r.county = ${filters.county})`);
    if (filters.language) q = q.having(sql<boolean>`bool_or(r.language = ${filters.language})`);
    return q.orderBy('c.last_seen_at', 'desc').limit(Math.min(Math.max(filters.limit ?? 100, 1), 500));
  }

  const toSummary = (r: { id: string; reference: string; title: string; status: string; first_seen_at: Date; last_seen_at: Date; reports: string; counties: string[]; languages: string[]; last24h: string; previous24h: string; incident_id: string | null }): ClaimSummary => ({
    id: r.id,
    reference: r.reference,
    title: r.title,
    status: r.status as ClaimStatus,
    reports: Number(r.reports),
    counties: [...r.counties].sort(),
    languages: [...r.languages].sort(),
    last24h: Number(r.last24h),
    previous24h: Number(r.previous24h),
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    incidentId: r.incident_id,
  });

  /** The claims the principal may see, with their counts, counties, languages and trend; newest activity first. */
  async function list(p: Principal, filters: ClaimFilters = {}): Promise<ClaimSummary[]> {
    const scope = await scopeOf(p);
    if (scope.kind === 'none') throw new ForbiddenError('Only analysts of the SOS, Cal OES and the counties triage public reports.');
    return (await summaries(db, scope, filters).execute()).map(toSummary);
  }

  /** One claim with the reports the principal may see; NOT_FOUND for a claim they may not see (or none). */
  async function get(p: Principal, id: string): Promise<ClaimDetail> {
    const scope = await scopeOf(p);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError('Claim', id);
    const [summary] = scope.kind === 'none' ? [] : (await summaries(db, scope, { ids: [id] }).execute()).map(toSummary);
    const claim = await db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirst();
    if (!claim || !summary) throw new NotFoundError('Claim', id);
    const reports = (await db.selectFrom('public_reports').selectAll().where('claim_id', '=', id).orderBy('created_at', 'desc').execute()).filter((r) => canSeePublicReport(scope, r.county));
    const notes = await db.selectFrom('claim_notes').select(['id', 'author_name as authorName', 'body', 'created_at as createdAt']).where('claim_id', '=', id).orderBy('created_at').execute();
    const mergedFrom = await db.selectFrom('claims').select(['id', 'reference']).where('merged_into_id', '=', id).execute();
    return { claim, summary, reports, notes, mergedFrom, scope };
  }

  async function manageable(p: Principal, trx: Handle, id: string): Promise<ClaimRow> {
    const scope = await scopeOf(p);
    if (!canManageClaims(scope)) {
      // Existence stays hidden from those who cannot see claims at all.
      if (scope.kind === 'none') throw new NotFoundError('Claim', id);
      throw new ForbiddenError('Only analysts of the SOS and Cal OES change claims.');
    }
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError('Claim', id);
    const claim = await trx.selectFrom('claims').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!claim) throw new NotFoundError('Claim', id);
    if (claim.merged_into_id) throw new InputError('claim', `${claim.reference} was merged into another claim`);
    return claim;
  }

  async function setStatus(p: Principal, id: string, status: string): Promise<void> {
    const next = CLAIM_STATUSES.find((s) => s === status);
    if (!next) throw new InputError('status', `must be one of ${CLAIM_STATUSES.join(', ')}`);
    await db.transaction().execute(async (trx) => {
      const claim = await manageable(p, trx, id);
      if (claim.status === next) return;
      const closed = CLOSED_STATUSES.includes(next);
      await trx
        .updateTable('claims')
        .set({ status: next, closed_at: closed ? (claim.closed_at ?? new Date()) : null, updated_at: sql<Date>`now()` })
        .where('id', '=', id)
        .execute();
      await recordAudit(trx, p, 'claim.status_changed', { type: 'Claim', id }, { from: claim.status, to: next });
    });
  }

  async function addNote(p: Principal, id: string, body: string): Promise<void> {
    const text = multiLineText(body);
    if (!text) throw new InputError('body', 'must not be empty');
    if (Array.from(text).length > 5_000) throw new InputError('body', 'must be at most 5000 characters');
    const scope = await scopeOf(p);
    if (!canNoteClaim(scope) || p.kind !== 'user') throw new NotFoundError('Claim', id);
    await get(p, id); // NOT_FOUND for a claim outside the principal's scope
    await db.transaction().execute(async (trx) => {
      const row = await trx.insertInto('claim_notes').values({ claim_id: id, author_user_id: p.userId, author_name: `${p.name} (${p.organization.name})`, body: text }).returning('id').executeTakeFirstOrThrow();
      await recordAudit(trx, p, 'claim.noted', { type: 'Claim', id }, { noteId: row.id });
    });
  }

  /** Moves every report of `id` into the claim `intoReference`; `id` stays, empty, pointing at it. */
  async function merge(p: Principal, id: string, intoReference: string): Promise<{ intoId: string }> {
    return db.transaction().execute(async (trx) => {
      const source = await manageable(p, trx, id);
      const ref = singleLineText(intoReference).toUpperCase();
      const target = await trx.selectFrom('claims').selectAll().where('reference', '=', ref).forUpdate().executeTakeFirst();
      if (!target) throw new InputError('into', `no claim ${JSON.stringify(ref)}`);
      if (target.id === source.id) throw new InputError('into', 'a claim cannot be merged into itself');
      if (target.merged_into_id) throw new InputError('into', `${target.reference} was itself merged into another claim`);
      await trx.updateTable('public_reports').set({ claim_id: target.id, cluster_reason: 'ANALYST' }).where('claim_id', '=', source.id).execute();
      await sql`update claims set links = array(select distinct unnest(links || ${sql.val(source.links)}::text[])),
        phones = array(select distinct unnest(phones || ${sql.val(source.phones)}::text[])),
        first_seen_at = least(first_seen_at, ${source.first_seen_at}), last_seen_at = greatest(last_seen_at, ${source.last_seen_at}), updated_at = now()
        where id = ${target.id}`.execute(trx);
      await trx.updateTable('claims').set({ merged_into_id: target.id, updated_at: sql<Date>`now()` }).where('id', '=', source.id).execute();
      await recordAudit(trx, p, 'claim.merged', { type: 'Claim', id: source.id }, { into: target.reference });
      await addOutboxEvent(trx, TOPIC_CLAIM_REPORT_ADDED, { type: 'Claim', id: target.id }, { merged: source.id });
      return { intoId: target.id };
    });
  }

  /** Moves the chosen reports of a claim into a new claim of their own. */
  async function split(p: Principal, id: string, reportIds: readonly string[]): Promise<{ newId: string; reference: string }> {
    return db.transaction().execute(async (trx) => {
      const claim = await manageable(p, trx, id);
      const ids = [...new Set(reportIds)].filter((r) => /^[0-9a-f-]{36}$/i.test(r));
      if (ids.length === 0) throw new InputError('reports', 'choose at least one report to move to a new claim');
      const moving = await trx.selectFrom('public_reports').selectAll().where('claim_id', '=', claim.id).where('id', 'in', ids).orderBy('created_at').execute();
      if (moving.length !== ids.length) throw new InputError('reports', 'every report chosen must belong to this claim');
      const total = Number((await trx.selectFrom('public_reports').select((eb) => eb.fn.countAll<string>().as('n')).where('claim_id', '=', claim.id).executeTakeFirstOrThrow()).n);
      if (moving.length === total) throw new InputError('reports', 'leave at least one report in this claim (or change its status instead)');
      const first = moving[0]!;
      const links = [...new Set(moving.flatMap((r) => r.links))];
      const phones = [...new Set(moving.flatMap((r) => r.phones))];
      const reference = await nextClaimReference(trx);
      const row = await trx
        .insertInto('claims')
        .values({
          reference,
          title: capText(singleLineText(first.claim_text) || first.link || '', 200),
          match_text: matchText(first.claim_text),
          links,
          phones,
          first_seen_at: first.created_at,
          last_seen_at: moving[moving.length - 1]!.created_at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.updateTable('public_reports').set({ claim_id: row.id, cluster_reason: 'ANALYST' }).where('id', 'in', ids).execute();
      await recordAudit(trx, p, 'claim.split', { type: 'Claim', id: claim.id }, { newClaim: reference, reports: moving.length });
      return { newId: row.id, reference };
    });
  }

  /**
   * Files the claim's misinformation incident in one transaction with its link to the claim, its timeline
   * entry, audit entry and `incident.filed` event (which routes it like any other). null: it had one already.
   */
  async function promoteIn(trx: Handle, claim: ClaimRow, reason: 'ANALYST' | 'THRESHOLD' | 'VOTING_LOGISTICS', by: Principal): Promise<string | null> {
    const existing = await trx.selectFrom('claim_incidents').select('incident_id').where('claim_id', '=', claim.id).executeTakeFirst();
    if (existing) return null;
    const reporter = by.kind === 'user' ? { id: by.userId, organization_id: by.organization.id } : await findUserByEmail(trx, PROMOTION_USER_EMAIL);
    if (!reporter) throw new Error(`the user ${PROMOTION_USER_EMAIL} is missing (seedPublicReportsUser)`);
    const stats = await trx
      .selectFrom('public_reports')
      .select([sql<string>`count(*)`.as('n'), sql<string[]>`coalesce(array_agg(distinct county) filter (where county is not null and county <> 'STATEWIDE'), '{}')`.as('counties'), sql<string[]>`array_agg(distinct language)`.as('languages')])
      .where('claim_id', '=', claim.id)
      .executeTakeFirstOrThrow();
    const countyOrgs = stats.counties.length ? await trx.selectFrom('organizations').select('id').where('kind', '=', 'COUNTY').where('fips', 'in', stats.counties).execute() : [];
    const now = new Date();
    const logistics = reason === 'VOTING_LOGISTICS' || isVotingLogistics(claim.title);
    const why = { ANALYST: 'promoted by an analyst', THRESHOLD: 'past the promotion thresholds', VOTING_LOGISTICS: 'about how, when or where to vote, within 29 days of the election' }[reason];
    const row = await insertIncident(trx, {
      reference: await nextIncidentReference(trx, now.getUTCFullYear()),
      title: capText(`Misinformation: ${claim.title}`, 200),
      summary: capText(
        `Claim ${claim.reference}, ${why}: ${stats.n} public reports, counties ${stats.counties.map((c) => COUNTY_NAMES.get(c) ?? c).join(', ') || 'not given'}, ` +
          `languages ${stats.languages.join(', ')}. The reports are on the claim's page (/console/claims/${claim.id}).`,
        4_000,
      ),
      category: 'MISINFORMATION',
      domain: 'INFORMATION',
      severity: logistics ? 'HIGH' : 'MODERATE',
      status: 'REPORTED',
      tlp: 'AMBER',
      law_enforcement_sensitive: false,
      exercise: false,
      reporting_user_id: reporter.id,
      reporting_organization_id: reporter.organization_id,
      affected_assets: [],
      occurred_at: null,
      detected_at: claim.first_seen_at,
      reported_at: now,
      external_references: JSON.stringify([{ source: 'ESTF Hub public reports', identifier: claim.reference, url: null }]),
      created_at: now,
      updated_at: now,
    });
    await replaceAffectedCounties(trx, row.id, countyOrgs.map((o) => o.id), { fresh: true });
    await trx.insertInto('claim_incidents').values({ claim_id: claim.id, incident_id: row.id, reason }).execute();
    await insertTimelineEntry(trx, { incidentId: row.id, kind: 'FILED', actorUserId: by.kind === 'user' ? by.userId : null, actorOrganizationId: by.kind === 'user' ? by.organization.id : null, change: { status: 'REPORTED', claim: claim.reference, reason } });
    if (claim.status === 'NEW') await trx.updateTable('claims').set({ status: 'TRIAGING', updated_at: sql<Date>`now()` }).where('id', '=', claim.id).execute();
    await recordAudit(trx, by, 'claim.promoted', { type: 'Claim', id: claim.id }, { incident: row.reference, reason });
    await addOutboxEvent(trx, 'incident.filed', { type: 'Incident', id: row.id }, { reference: row.reference, severity: row.severity, claim: claim.reference });
    return row.id;
  }

  /** An analyst promotes a claim to a misinformation incident. */
  async function promote(p: Principal, id: string): Promise<{ incidentId: string }> {
    return db.transaction().execute(async (trx) => {
      const claim = await manageable(p, trx, id);
      const incidentId = await promoteIn(trx, claim, 'ANALYST', p);
      if (!incidentId) throw new InputError('promote', `${claim.reference} has an incident already`);
      return { incidentId };
    });
  }

  /** After a report joins a claim: promote it when it passes the thresholds, or at once if it is about voting logistics near an election. */
  async function checkPromotion(claimId: string, now = new Date()): Promise<{ incidentId: string; reason: string } | null> {
    return db.transaction().execute(async (trx) => {
      const claim = await trx.selectFrom('claims').selectAll().where('id', '=', claimId).forUpdate().executeTakeFirst();
      if (!claim || claim.merged_into_id || !OPEN_STATUSES.includes(claim.status as ClaimStatus)) return null;
      const since = new Date(now.getTime() - config.claims.promoteWindowMs);
      const recent = await trx
        .selectFrom('public_reports')
        .select([sql<string>`count(*)`.as('n'), sql<string>`count(distinct county) filter (where county is not null and county <> 'STATEWIDE')`.as('counties'), sql<string>`string_agg(claim_text, ' ')`.as('texts')])
        .where('claim_id', '=', claimId)
        .where('created_at', '>', since)
        .executeTakeFirstOrThrow();
      let reason: 'THRESHOLD' | 'VOTING_LOGISTICS' | null = null;
      if (Number(recent.n) >= config.claims.promoteReports || Number(recent.counties) >= config.claims.promoteCounties) reason = 'THRESHOLD';
      else if (withinElectionPeriod(config.claims.electionDate, now) && isVotingLogistics(`${claim.title} ${recent.texts ?? ''}`)) reason = 'VOTING_LOGISTICS';
      if (!reason) return null;
      const incidentId = await promoteIn(trx, claim, reason, systemPrincipal('claim-promotion'));
      return incidentId ? { incidentId, reason } : null;
    });
  }

  /**
   * The links of a claim an analyst of the SOS or Cal OES confirms as malicious, checked against the claim's
   * own links (what becomes an indicator is the caller's report, under that analyst's name and organization).
   */
  async function confirmLinks(p: Principal, id: string, chosen: readonly string[]): Promise<{ links: string[]; reference: string; incidentId: string | null }> {
    return db.transaction().execute(async (trx) => {
      const claim = await manageable(p, trx, id);
      const links = [...new Set(chosen)];
      if (links.length === 0) throw new InputError('links', 'choose at least one link of this claim');
      const foreign = links.filter((l) => !claim.links.includes(l));
      if (foreign.length > 0) throw new InputError('links', `not a link of ${claim.reference}: ${foreign[0]}`);
      const incident = await trx.selectFrom('claim_incidents').select('incident_id').where('claim_id', '=', id).executeTakeFirst();
      await recordAudit(trx, p, 'claim.links_confirmed', { type: 'Claim', id }, { links });
      return { links, reference: claim.reference, incidentId: incident?.incident_id ?? null };
    });
  }

  return { scopeOf, clusterReport, clusterPending, list, get, setStatus, addNote, merge, split, promote, checkPromotion, confirmLinks };
}
