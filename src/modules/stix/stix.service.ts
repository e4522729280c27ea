import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Principal } from '../../access/principal.js';
import { hasRole, organizationPrincipal, type UserPrincipal } from '../../access/principal.js';
import { canDeleteKeptObject, canImportStixFor, canWriteStix } from '../../access/stix.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../infra/logger.js';
import type { Db } from '../../infra/db.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { IndicatorType } from '../../domain/indicator-types.js';
import { recordAudit } from '../audit/index.js';
import type { IndicatorReportsService } from '../indicators/index.js';
import type { IncidentsService } from '../incidents/index.js';
import { findOrganizationBySlug } from '../partners/index.js';
import { buildObjects, publicIndicatorForm, sightingCountObjects, StixJson, type ServedObject, type StixObject } from './stix.objects.js';
import { importObjects, type ImportSummary } from './stix.import.js';
import {
  deleteFeedRow,
  deleteKept,
  feedSignature,
  findFeedRow,
  findStatus,
  hasUnfilledIndicators,
  insertStatus,
  latestKept,
  listKeptVersions,
  loadOrganizations,
  lockFeed,
  pageFeed,
  setAisConsent,
  storePublicForms,
  syncFeed,
  tryLockPublicForms,
  unfilledIndicators,
  visibleFeedRow,
  type Collection,
  type FeedRow,
} from './stix.repository.js';
import { incidentCoreExtensionDefinition, INCIDENT_CORE_EXTENSION, stixIds, tlpMarkingDefinition, TLP2_IDS } from './stix.core.js';
import { TLPS, type Tlp } from '../../domain/taxonomy.js';

/**
 * STIX 2.1 export and import and the reads of the TAXII 2.1 server: one adapter over the same services and
 * the same access policy (issue 15). Every read goes through the log (stix.repository.ts) filtered by the
 * policy for the reader; every import through importObjects.
 */

export const AIS_CONSENT_LABELS = ['ais-consent-none', 'ais-consent-usg', 'ais-consent-everyone-cisa-proprietary', 'ais-consent-everyone'] as const;

export interface ExportOptions {
  /** Only objects modified at or after. */
  since?: Date | null;
  /** Only these STIX types (the marking definitions and identities they name still come along). */
  types?: readonly string[] | null;
  /** One incident with its notes, relationships and linked indicators. */
  incidentId?: string | null;
  /** Meant for CISA AIS: own organization's objects only, no TLP:RED, no personal data. */
  ais?: boolean;
}

export interface ExportResult {
  bundle: { type: 'bundle'; id: string; objects: StixObject[] };
  /** Objects left out of an AIS export, with the reason. */
  refused: Array<{ id: string; reason: string }>;
}

export interface TaxiiQuery {
  addedAfter: string | null;
  limit: number;
  next: string | null;
  ids: readonly string[] | null;
  types: readonly string[] | null;
  versions: readonly string[] | null;
  specVersions: readonly string[] | null;
}

export interface TaxiiPage {
  /** Indicators every user sees alike come as their public form (StixJson). */
  objects: ServedObject[];
  /** Manifest entries for the same rows. */
  manifest: Array<{ id: string; date_added: string; version: string; media_type: string }>;
  more: boolean;
  next: string | null;
  first: string | null;
  last: string | null;
}

export const COLLECTIONS: ReadonlyArray<{ id: string; key: Collection; title: string; description: string }> = [
  { id: '2c6a3f0e-6d0b-5c59-9b3e-1f4a0f7e5a01', key: 'indicators', title: 'Indicators', description: 'Indicators of compromise with their sightings, as the hub knows them' },
  { id: '7b1d2e4f-3a5c-5b6d-8e9f-0a1b2c3d4e02', key: 'incidents', title: 'Incidents', description: 'Incidents with their notes (comments) and relationships to indicators' },
  { id: '9e8d7c6b-5a4f-5e3d-9c2b-1a0f9e8d7c03', key: 'objects', title: 'Objects', description: 'Organizations, and any STIX 2.1 object partners post that the hub keeps as it came' },
];

const MEDIA_STIX = 'application/stix+json;version=2.1';

function encodeNext(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeNext(next: string): number | null {
  const m = /^seq:(\d{1,18})$/.exec(Buffer.from(next, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}

export type StixService = ReturnType<typeof createStixService>;

export function createStixService(deps: {
  db: Db;
  config: Config;
  incidents: IncidentsService;
  indicatorReports: IndicatorReportsService;
  isBenign: (type: IndicatorType, value: string) => string | null;
  /** For what fails in the background (making public forms); null: not said. */
  logger?: Logger | null;
}) {
  const { db } = deps;
  let lastSignature: string | null = null;
  let syncing: Promise<void> | null = null;

  let lastLook = 0;

  /**
   * Logs hub records changed since the last look. `maxAgeMs`: a look that recent is enough (TAXII pages:
   * a client paging a collection asks many times a second; what this process imported is looked at again
   * at once, what other processes wrote within maxAgeMs). The order of the log never depends on it.
   * Then the public forms are made; `waitForForms` false: in the background (a TAXII page is served
   * without them meanwhile, only slower, and the first page after a large import does not wait for them).
   */
  async function sync(maxAgeMs = 0, waitForForms = true): Promise<void> {
    if (!(maxAgeMs > 0 && lastSignature !== null && Date.now() - lastLook < maxAgeMs)) {
      if (!syncing) {
        syncing = (async () => {
          const looked = Date.now();
          const signature = await feedSignature(db);
          // Rows writers held are logged at the next look, whatever the signature says then.
          const deferred = signature !== lastSignature ? (await syncFeed(db)).deferred : 0;
          lastSignature = deferred > 0 ? null : signature;
          lastLook = looked;
        })().finally(() => {
          syncing = null;
        });
      }
      await syncing;
      const forms = fillInBackground();
      if (waitForForms) await forms;
    } else if (waitForForms && filling) {
      await filling;
    }
  }

  let filling: Promise<void> | null = null;
  let fillAgain = false;
  /** One filler at a time; a look during a fill has it go round once more. Never rejects (see sync). */
  function fillInBackground(): Promise<void> {
    if (filling) {
      fillAgain = true;
      return filling;
    }
    filling = (async () => {
      do {
        fillAgain = false;
        await fillPublicForms();
      } while (fillAgain);
    })()
      // A fill that fails (the database going away, the process closing) leaves rows without forms: pages
      // build them, and the next look fills them. Nothing is lost, so nothing is thrown at a caller.
      .catch((err: unknown) => deps.logger?.warn({ err }, 'making TAXII public forms failed; pages build those indicators until the next look'))
      .finally(() => {
        filling = null;
      });
    return filling;
  }

  /**
   * Makes the public forms of indicators logged or changed since the last look (migration 2026-12-10T0100),
   * a batch per transaction. When writers of indicators are in flight it stops: their rows wait for a
   * later look, and pages build them meanwhile.
   */
  async function fillPublicForms(): Promise<void> {
    for (;;) {
      const more = await db.transaction().execute(async (trx) => {
        if (!(await hasUnfilledIndicators(trx))) return false;
        await lockFeed(trx);
        if (!(await tryLockPublicForms(trx))) return false;
        const rows = await unfilledIndicators(trx, 2_000);
        const orgs = new Map((await loadOrganizations(trx, null)).map((o) => [o.id, o.slug]));
        const slug = (id: string) => orgs.get(id) ?? 'unknown';
        await storePublicForms(
          trx,
          rows.map((r) => {
            const form = publicIndicatorForm(r.stix_id, r.report, r.les, slug);
            return { stixId: r.stix_id, json: form?.json ?? '', version: form?.version ?? null };
          }),
        );
        return rows.length === 2_000;
      });
      if (!more) return;
    }
  }

  function requireUser(p: Principal): asserts p is Extract<Principal, { kind: 'user' }> {
    if (p.kind !== 'user') throw new ForbiddenError('STIX exports are made for a signed-in user: the operator is shown no content.');
  }

  /** Supporting objects a bundle needs: the identities, markings and extension its objects name. */
  async function supporting(objects: readonly StixObject[]): Promise<StixObject[]> {
    const out: StixObject[] = [];
    const have = new Set(objects.map((o) => o.id));
    const identities = new Set<string>();
    const markings = new Set<string>();
    let extension = false;
    for (const o of objects) {
      for (const r of [o.created_by_ref, ...((o.where_sighted_refs as string[] | undefined) ?? [])]) if (typeof r === 'string') identities.add(r);
      for (const m of (o.object_marking_refs as string[] | undefined) ?? []) markings.add(m);
      if (o.type === 'incident' && (o.extensions as Record<string, unknown> | undefined)?.[INCIDENT_CORE_EXTENSION]) extension = true;
    }
    const wanted = [...identities].filter((i) => !have.has(i));
    if (wanted.length > 0) {
      const rows = await db.selectFrom('stix_feed').select(['stix_id', 'seq', 'hub_kind', 'hub_key', 'hub_id', 'hub_uuid', 'collection', 'type', 'date_added']).where('stix_id', 'in', wanted).execute();
      const built = await buildObjects(db, { kind: 'system', name: 'identities', requestId: null, clientAddress: null }, rows.filter((r) => r.hub_kind === 'identity') as never, { ais: false });
      out.push(...built.values());
    }
    for (const tlp of TLPS) if (markings.has(TLP2_IDS[tlp]) && !have.has(TLP2_IDS[tlp])) out.push(tlpMarkingDefinition(tlp) as StixObject);
    if (extension && !have.has(INCIDENT_CORE_EXTENSION)) out.push(incidentCoreExtensionDefinition() as StixObject);
    return out;
  }

  function tlpOf(o: StixObject): Tlp | null {
    const refs = (o.object_marking_refs as string[] | undefined) ?? [];
    return TLPS.find((t) => refs.includes(TLP2_IDS[t])) ?? null;
  }

  /** What every VIEWER of an organization may see (no TLP:RED: nobody is a named recipient): for the CLI. */
  async function organizationViewer(slug: string): Promise<UserPrincipal> {
    const o = await findOrganizationBySlug(db, slug);
    if (!o) throw new InputError('organization', `no organization with slug "${slug}"`);
    return organizationPrincipal(o, new Set(deps.config.coordinatorOrgSlugs));
  }

  async function exportBundle(principal: Principal, options: ExportOptions = {}, auditAs: Principal = principal): Promise<ExportResult> {
    requireUser(principal);
    await sync();
    const ais = options.ais === true;
    const rows: FeedRow[] = [];
    if (options.incidentId) {
      const incidentRow = await db.selectFrom('stix_feed').select('stix_id').where('hub_kind', '=', 'incident').where('hub_uuid', '=', isUuid(options.incidentId) ? options.incidentId : '00000000-0000-0000-0000-000000000000').executeTakeFirst();
      const { rows: found } = await sql<FeedRow>`
        select f.stix_id, f.seq, f.date_added::text, f.collection, f.type, f.hub_kind, f.hub_key, f.hub_id, f.hub_uuid from stix_feed f
        where ${visibleFeedRow(principal)} and (
          (f.hub_kind in ('incident', 'note', 'relationship') and f.hub_uuid = ${incidentRow ? options.incidentId : null}::uuid)
          or (f.hub_kind = 'indicator' and f.hub_id in (select hub_id from stix_feed r where r.hub_kind = 'relationship' and r.hub_uuid = ${incidentRow ? options.incidentId : null}::uuid)))
        order by f.seq`.execute(db);
      if (!found.some((r) => r.hub_kind === 'incident')) throw new NotFoundError('Incident', options.incidentId);
      rows.push(...found.map((r) => ({ ...r, seq: Number(r.seq), hub_id: r.hub_id === null ? null : Number(r.hub_id) })));
    } else {
      let afterSeq: number | null = null;
      for (;;) {
        const page = await pageFeed(db, principal, { collections: ['indicators', 'incidents', 'objects'], addedAfter: null, afterSeq, ids: null, types: options.types ?? null, limit: 5_000 });
        rows.push(...page);
        if (page.length < 5_000) break;
        afterSeq = page[page.length - 1]!.seq;
      }
    }
    const objects: StixObject[] = [];
    const refused: ExportResult['refused'] = [];
    const own = stixIds.organization(principal.organization.slug);
    for (let i = 0; i < rows.length; i += 2_000) {
      const chunk = rows.slice(i, i + 2_000);
      const built = await buildObjects(db, principal, chunk, { ais });
      for (const o of built.values()) {
        if (options.types && !options.types.includes(o.type)) continue;
        if (options.since && typeof o.modified === 'string' && new Date(o.modified) < options.since) continue;
        if (ais) {
          if (o.type === 'identity' ? o.id !== own : o.created_by_ref !== own) continue;
          if (tlpOf(o) === 'RED') {
            refused.push({ id: o.id, reason: 'TLP:RED is not shared with AIS' });
            continue;
          }
          o.created_by_ref ??= own;
        }
        objects.push(o);
      }
      if (!ais && (!options.types || options.types.includes('sighting'))) {
        const inds = chunk.filter((r) => r.hub_kind === 'indicator' && built.has(r.stix_id)).map((r) => ({ indicatorId: r.hub_id!, stixId: r.stix_id }));
        objects.push(...(await sightingCountObjects(db, principal, inds)).filter((o) => !options.since || new Date(o.modified as string) >= options.since));
      }
    }
    if (ais && options.incidentId && refused.length > 0 && objects.every((o) => o.type !== 'incident')) {
      throw new ForbiddenError('This incident is TLP:RED: TLP:RED is not shared with AIS.');
    }
    if (ais && !objects.some((o) => o.id === own)) {
      const ownRows = await db.selectFrom('stix_feed').select(['stix_id', 'seq', 'hub_kind', 'hub_key', 'hub_id', 'hub_uuid', 'collection', 'type', 'date_added']).where('stix_id', '=', own).execute();
      objects.unshift(...(await buildObjects(db, principal, ownRows as never, { ais })).values());
    }
    const all = [...(await supporting(objects)), ...objects];
    await db.transaction().execute((trx) =>
      recordAudit(trx, auditAs, 'stix.exported', { type: 'Organization', id: principal.organization.id }, {
        objects: all.length,
        incident: options.incidentId ?? null,
        types: options.types ?? null,
        since: options.since?.toISOString() ?? null,
        ais,
        refused: refused.length,
      }),
    );
    return { bundle: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: all }, refused };
  }

  /** Parses a bundle's text: a clear error for what is not JSON, not a bundle, or STIX 2.0. */
  function parseBundle(text: string): unknown[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new InputError('bundle', `not valid JSON: ${(err as Error).message}`);
    }
    return objectsOfBundle(parsed);
  }

  async function importBundle(
    principal: Principal,
    input: { organization?: string | null; objects: Iterable<unknown> | AsyncIterable<unknown>; onProgress?: (done: number) => void },
  ): Promise<ImportSummary> {
    let org: { id: string; slug: string };
    if (input.organization) {
      const o = await findOrganizationBySlug(db, input.organization);
      if (!o) throw new InputError('organization', `no organization with slug "${input.organization}"`);
      org = { id: o.id, slug: o.slug };
    } else if (principal.kind === 'user') {
      org = { id: principal.organization.id, slug: principal.organization.slug };
    } else {
      throw new InputError('organization', 'name the importing organization');
    }
    if (!canImportStixFor(principal, org.id)) throw new ForbiddenError('Only an analyst of that organization may import STIX as its records.');
    const summary = await importObjects({ db, incidents: deps.incidents, indicatorReports: deps.indicatorReports, isBenign: deps.isBenign }, principal, org, input.objects, input.onProgress);
    lastSignature = null;
    return summary;
  }

  // ── TAXII reads ──────────────────────────────────────────────────────────────────────────────────

  function collectionByid(id: string) {
    return COLLECTIONS.find((c) => c.id === id) ?? null;
  }

  async function taxiiPage(principal: Principal, collection: Collection, q: TaxiiQuery): Promise<TaxiiPage> {
    await sync(1_000, false);
    const afterSeq = q.next === null ? null : decodeNext(q.next);
    if (q.next !== null && afterSeq === null) throw new InputError('next', 'is not a token this server gave');
    if (q.specVersions && !q.specVersions.includes('2.1')) return { objects: [], manifest: [], more: false, next: null, first: null, last: null };
    const rows = await pageFeed(db, principal, { collections: [collection], addedAfter: q.addedAfter, afterSeq, ids: q.ids, types: q.types, limit: q.limit + 1, publicForms: true });
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const toBuild = page.filter((r) => !r.publicForm);
    const built = toBuild.length > 0 ? await buildObjects(db, principal, toBuild, { ais: false }) : new Map<string, StixObject>();
    const objects: ServedObject[] = [];
    const manifest: TaxiiPage['manifest'] = [];
    const wantVersions = q.versions ?? ['last'];
    for (const r of page) {
      if (r.publicForm) {
        // One version (the hub keeps no older ones): every selector but a different instant picks it.
        const v = r.publicForm.version;
        if (wantVersions.some((w) => w === 'last' || w === 'first' || w === 'all' || sameInstant(v, w))) {
          objects.push(new StixJson(r.stix_id, v, r.publicForm.json));
          manifest.push({ id: r.stix_id, date_added: r.date_added, version: v, media_type: MEDIA_STIX });
        }
        continue;
      }
      const o = built.get(r.stix_id);
      if (!o) continue;
      let versions: StixObject[] = [o];
      if (r.hub_kind === 'kept') {
        const all = (await listKeptVersions(db, principal, r.stix_id)).map((k) => k.object as StixObject);
        versions = all.length > 0 ? all : [o];
      }
      const picked = new Map<string, StixObject>();
      for (const v of wantVersions) {
        if (v === 'last') picked.set(versionOf(versions[versions.length - 1]!), versions[versions.length - 1]!);
        else if (v === 'first') picked.set(versionOf(versions[0]!), versions[0]!);
        else if (v === 'all') for (const x of versions) picked.set(versionOf(x), x);
        else for (const x of versions) if (sameInstant(versionOf(x), v)) picked.set(versionOf(x), x);
      }
      for (const x of picked.values()) {
        objects.push(x);
        manifest.push({ id: x.id, date_added: r.date_added, version: versionOf(x), media_type: MEDIA_STIX });
      }
    }
    return {
      objects,
      manifest,
      more,
      next: more ? encodeNext(page[page.length - 1]!.seq) : null,
      first: page[0]?.date_added ?? null,
      last: page[page.length - 1]?.date_added ?? null,
    };
  }

  async function taxiiDelete(principal: Principal, collection: Collection, stixId: string, version: string | null): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await lockFeed(trx);
      const row = await findFeedRow(trx, stixId);
      const latest = row?.hub_kind === 'kept' && row.collection === collection ? await latestKept(trx, stixId) : undefined;
      const facts = latest ? { tlp: latest.tlp, organizationId: latest.organization_id, reportedBy: latest.reported_by } : null;
      if (!facts || !(await pageFeed(trx, principal, { collections: [collection], addedAfter: null, afterSeq: null, ids: [stixId], types: null, limit: 1 })).length) {
        throw new NotFoundError('Object', stixId);
      }
      if (!canDeleteKeptObject(principal, facts)) throw new ForbiddenError('Only the organization that posted an object may delete it (hub records are changed through the hub).');
      if (version) {
        await trx.deleteFrom('stix_kept').where('stix_id', '=', stixId).where('version', '=', version).execute();
        const still = await latestKept(trx, stixId);
        if (still) {
          await trx.updateTable('stix_feed').set({ hub_id: still.id }).where('stix_id', '=', stixId).execute();
          return;
        }
      } else {
        await deleteKept(trx, stixId);
      }
      await deleteFeedRow(trx, stixId);
      await recordAudit(trx, principal, 'stix.deleted', { type: 'StixObject', id: stixId }, { version });
    });
  }

  async function taxiiPost(principal: Principal, objects: unknown[]): Promise<Record<string, unknown>> {
    if (principal.kind !== 'user' || !canWriteStix(principal)) throw new ForbiddenError('Only analysts may add objects.');
    const summary = await importBundle(principal, { objects });
    const entry = (r: ImportSummary['results'][number]) => ({ id: r.id ?? `objects[${r.index}]`, version: versionFromBundle(objects[r.index]), message: r.message });
    const successes = summary.results.filter((r) => r.outcome !== 'REFUSED').map(entry);
    const failures = summary.results.filter((r) => r.outcome === 'REFUSED').map(entry);
    const body = {
      status: 'complete',
      request_timestamp: new Date().toISOString(),
      total_count: summary.total,
      success_count: successes.length,
      successes,
      failure_count: failures.length,
      failures,
      pending_count: 0,
      pendings: [],
    };
    const id = await insertStatus(db, principal.userId, body);
    return { id, ...body };
  }

  async function taxiiStatus(principal: Principal, id: string): Promise<Record<string, unknown>> {
    if (principal.kind !== 'user' || !isUuid(id)) throw new NotFoundError('Status', id);
    const row = await findStatus(db, id, principal.userId);
    if (!row) throw new NotFoundError('Status', id);
    return { id: row.id, ...row.body };
  }

  async function setConsent(principal: Principal, organizationSlug: string, consent: string): Promise<void> {
    if (!(AIS_CONSENT_LABELS as readonly string[]).includes(consent)) throw new InputError('consent', `must be one of ${AIS_CONSENT_LABELS.join(', ')}`);
    const org = await findOrganizationBySlug(db, organizationSlug);
    if (!org) throw new InputError('organization', `no organization with slug "${organizationSlug}"`);
    const allowed = principal.kind === 'system' || hasRole(principal, 'HUB_ADMIN') || (hasRole(principal, 'ORG_ADMIN') && principal.organization.id === org.id);
    if (!allowed) throw new ForbiddenError('Only the organization admin (or a hub admin) may set its AIS consent.');
    await db.transaction().execute(async (trx) => {
      await setAisConsent(trx, org.id, consent);
      await recordAudit(trx, principal, 'stix.ais_consent_set', { type: 'Organization', id: org.id }, { consent });
    });
  }

  return {
    sync,
    organizationViewer,
    exportBundle,
    parseBundle,
    importBundle,
    collections: COLLECTIONS,
    collectionByid,
    taxiiPage,
    taxiiDelete,
    taxiiPost,
    taxiiStatus,
    setConsent,
    canWrite: (p: Principal) => canWriteStix(p),
  };
}

/** The objects of a parsed bundle, or a clear error (not a bundle, STIX 2.0). */
export function objectsOfBundle(parsed: unknown): unknown[] {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('bundle', 'must be a JSON object of type "bundle"');
  const b = parsed as Record<string, unknown>;
  if (b.type !== 'bundle') throw new InputError('bundle.type', `must be "bundle", got ${JSON.stringify(b.type)}`);
  if (b.spec_version !== undefined) {
    throw new InputError('bundle.spec_version', `${JSON.stringify(b.spec_version)}: a bundle with spec_version is STIX 2.0; the hub accepts STIX 2.1 only (no spec_version on the bundle, "2.1" on each object)`);
  }
  if (typeof b.id !== 'string' || !/^bundle--[0-9a-fA-F-]{36}$/.test(b.id)) throw new InputError('bundle.id', `${JSON.stringify(b.id)} is not a bundle identifier (bundle--UUID)`);
  if (b.objects === undefined) return [];
  if (!Array.isArray(b.objects)) throw new InputError('bundle.objects', 'must be a list of STIX objects');
  return b.objects;
}

function versionOf(o: StixObject): string {
  return String(o.modified ?? o.created ?? '');
}

function versionFromBundle(o: unknown): string | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const x = o as Record<string, unknown>;
  return typeof x.modified === 'string' ? x.modified : typeof x.created === 'string' ? x.created : undefined;
}

function sameInstant(a: string, b: string): boolean {
  const x = Date.parse(a);
  const y = Date.parse(b);
  // Beyond milliseconds by text: trailing zeros of the fraction only (the seconds' own zeros stay: "…:10Z" is "…:10.000Z").
  const norm = (t: string) => t.replace(/(\.\d*?)0+Z$/, '$1Z').replace(/\.Z$/, 'Z');
  return !Number.isNaN(x) && x === y && norm(a) === norm(b);
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
