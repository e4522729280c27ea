/**
 * TAXII pages serve an indicator's public form (one JSON copy of the object every user sees alike,
 * migration 2026-12-10T0100) instead of finding the reader's report. Held here:
 *  - the policy fact it rests on: a report isReportSeenByEveryUser is seen by every user (every persona
 *    of the access matrix, every label);
 *  - a public form is exactly the object the reader's own build gives, for every reader;
 *  - a copy never outlives a change of what it was made from (a revocation, a relabelling, a wider report,
 *    a warning list reason, an import record), not even before the next sync looks;
 *  - AMBER, RED and law-enforcement-sensitive primaries get no copy;
 *  - a filler never writes a copy from a snapshot that misses a writer in flight: it skips while writers
 *    hold the lock, and a writer that comes during a fill forgets what the fill wrote.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSeeReport, isReportSeenByEveryUser } from '../src/access/indicators.js';
import type { UserPrincipal } from '../src/access/principal.js';
import { TLPS } from '../src/domain/taxonomy.js';
import { stixIds, TLP2_IDS, type StixObject } from '../src/modules/stix/index.js';
import { StixJson } from '../src/modules/stix/stix.objects.js';
import { lockFeed, pageFeed, storePublicForms, tryLockPublicForms, unfilledIndicators } from '../src/modules/stix/stix.repository.js';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

let hub: TestHub;
const p: Record<string, UserPrincipal> = {};
const READERS = ['orange', 'kern', 'fresno', 'sos', 'fbi'] as const;

async function principal(org: string, roles: Parameters<typeof makeUser>[2], label: string): Promise<UserPrincipal> {
  const u = await makeUser(hub.deps, org, roles, label);
  return (await hub.deps.services.identity.authenticate(u.token, { requestId: 'stix-public-forms', clientAddress: null }))!;
}

beforeAll(async () => {
  hub = await startTestHub({}, { http: false });
  p.orange = await principal('county-orange', ['ANALYST'], 'orange');
  p.kern = await principal('county-kern', ['ANALYST'], 'kern');
  p.fresno = await principal('county-fresno', ['VIEWER'], 'fresno');
  p.sos = await principal('sos', ['COORDINATOR', 'ANALYST'], 'sos');
  p.fbi = await principal('fbi', ['ANALYST'], 'fbi');
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

const query = (id: string) => ({ addedAfter: null, limit: 1000, next: null, ids: [id], types: null, versions: null, specVersions: null });

/** What a reader's page holds for one indicator: the object as a client reads it, and whether it was a public form. */
async function pageOf(reader: string, id: string): Promise<{ object: StixObject | undefined; publicForm: boolean }> {
  const page = await hub.deps.services.stix.taxiiPage(p[reader]!, 'indicators', query(id));
  const served = page.objects.find((o) => o.id === id);
  return { object: served === undefined ? undefined : (JSON.parse(JSON.stringify(served)) as StixObject), publicForm: served instanceof StixJson };
}

/** The same object as the reader's own build gives it (the export by filter builds every object). */
async function builtFor(reader: string, id: string): Promise<StixObject | undefined> {
  const exported = await hub.deps.services.stix.exportBundle(p[reader]!, { types: ['indicator'] });
  return exported.bundle.objects.find((o) => o.id === id);
}

async function formOf(id: string): Promise<string | null | undefined> {
  const row = await hub.db.selectFrom('stix_feed').select('public_json').where('stix_id', '=', id).executeTakeFirst();
  return row?.public_json;
}

async function reportId(value: string, org: string): Promise<string> {
  const r = await hub.db
    .selectFrom('indicator_reports as r')
    .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .select('r.id')
    .where('i.value', '=', value)
    .where('o.slug', '=', org)
    .executeTakeFirstOrThrow();
  return String(r.id);
}

describe('the policy fact public forms rest on', () => {
  it('a report every user sees is seen by every persona, whatever the organization that reported it', () => {
    const owners = ['county-orange', 'fbi', 'sos'].map((slug) => p[slug === 'county-orange' ? 'orange' : slug]!.organization.id);
    let checked = 0;
    for (const tlp of TLPS)
      for (const les of [false, true])
        for (const revoked of [false, true])
          for (const organizationId of owners) {
            const facts = { tlp, lawEnforcementSensitive: les, organizationId, reportedBy: null, sharedOrganizationIds: [], recipientUserIds: [], revoked };
            if (!isReportSeenByEveryUser(facts)) continue;
            for (const reader of READERS) {
              expect(canSeeReport(p[reader]!, facts), `${reader} ${tlp}`).toBe(true);
              checked++;
            }
          }
    expect(checked).toBe(2 * 3 * READERS.length); // CLEAR and GREEN, not LES, live
    expect(isReportSeenByEveryUser({ tlp: 'GREEN', lawEnforcementSensitive: true, revoked: false })).toBe(false);
    expect(isReportSeenByEveryUser({ tlp: 'AMBER', lawEnforcementSensitive: false, revoked: false })).toBe(false);
  });
});

describe('a public form', () => {
  it('is the object every reader would have built, and is what the page serves', async () => {
    const s = hub.deps.services;
    const value = 'public-form.example';
    await s.indicatorReports.reportIndicators(p.kern!, [{ value, tlp: 'GREEN', confidence: 35, description: 'seen in a phishing wave' }] as never);
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'AMBER', confidence: 80 }] as never);
    await s.stix.sync();
    const id = stixIds.indicator('DOMAIN', value);
    expect(await formOf(id)).toMatch(/^\{"type":"indicator"/);
    for (const reader of READERS) {
      const served = await pageOf(reader, id);
      expect(served.publicForm, reader).toBe(true);
      expect(served.object, reader).toEqual(await builtFor(reader, id));
      expect(served.object!.confidence).toBe(35); // Kern's GREEN report: the widest label, seen by all
    }
  });

  it('is not made when readers may differ: an AMBER, RED or law-enforcement-sensitive primary report', async () => {
    const s = hub.deps.services;
    await s.indicatorReports.reportIndicators(p.kern!, [{ value: 'amber-only.example', tlp: 'AMBER', confidence: 50 }] as never);
    await s.indicatorReports.reportIndicators(p.fbi!, [{ value: 'les-green.example', tlp: 'GREEN', confidence: 50, lawEnforcementSensitive: true }] as never);
    await s.stix.sync();
    for (const value of ['amber-only.example', 'les-green.example']) expect(await formOf(stixIds.indicator('DOMAIN', value)), value).toBe('');
    const les = stixIds.indicator('DOMAIN', 'les-green.example');
    expect((await pageOf('fresno', les)).object).toBeUndefined();
    expect((await pageOf('orange', les)).object).toBeUndefined();
    expect((await pageOf('fbi', les)).object?.confidence).toBe(50);
    expect((await pageOf('kern', stixIds.indicator('DOMAIN', 'amber-only.example'))).object?.confidence).toBe(50);
    expect((await pageOf('fresno', stixIds.indicator('DOMAIN', 'amber-only.example'))).object).toBeUndefined();
  });
});

describe('a public form never outlives a change', () => {
  // Each change is read by a page before the next sync may look (pages look at most once a second): the
  // copy must already be gone, forgotten in the statement that made the change.
  async function served(value: string) {
    await hub.deps.services.stix.sync();
    const id = stixIds.indicator('DOMAIN', value);
    expect(await formOf(id), `${value} has a public form`).toMatch(/^\{/);
    return id;
  }

  it('a revocation of the report it was made from', async () => {
    const s = hub.deps.services;
    const value = 'revoked-form.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    await s.indicatorReports.reportIndicators(p.kern!, [{ value, tlp: 'AMBER', confidence: 70 }] as never);
    const id = await served(value);
    await pageOf('fresno', id); // the page's look at the log: the next page within a second does not look again
    await s.indicatorReports.revokeReport(p.orange!, await reportId(value, 'county-orange'));
    expect(await formOf(id)).toBeNull();
    expect((await pageOf('fresno', id)).object).toBeUndefined();
    const kern = await pageOf('kern', id);
    expect(kern.publicForm).toBe(false);
    expect(kern.object?.confidence).toBe(70);
  });

  it('a relabelling to AMBER', async () => {
    const s = hub.deps.services;
    const value = 'relabelled-form.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    const id = await served(value);
    await pageOf('fresno', id);
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'AMBER', confidence: 10 }] as never);
    expect(await formOf(id)).toBeNull();
    expect((await pageOf('fresno', id)).object).toBeUndefined();
    const orange = (await pageOf('orange', id)).object;
    expect(orange?.object_marking_refs).toEqual([TLP2_IDS.AMBER]);
    expect(orange).toEqual(await builtFor('orange', id));
  });

  it('a wider report, which becomes the one every object is built from', async () => {
    const s = hub.deps.services;
    const value = 'widened-form.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    const id = await served(value);
    await pageOf('fresno', id);
    await s.indicatorReports.reportIndicators(p.kern!, [{ value, tlp: 'CLEAR', confidence: 90 }] as never);
    expect(await formOf(id)).toBeNull();
    expect((await pageOf('fresno', id)).object?.confidence).toBe(90);
  });

  it('a warning list reason, an import record of the indicator, an organization', async () => {
    const s = hub.deps.services;
    const value = 'reason-form.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    let id = await served(value);
    await sql`update indicators set benign_reason = 'on a test list' where type = 'DOMAIN' and value = ${value}`.execute(hub.db);
    expect(await formOf(id)).toBeNull();
    expect((await pageOf('fresno', id)).object?.indicator_types).toEqual((await builtFor('fresno', id))!.indicator_types);
    // An update that changes nothing an object shows (last seen) keeps the copy.
    id = await served(value);
    await sql`update indicators set last_seen = now() where type = 'DOMAIN' and value = ${value}`.execute(hub.db);
    expect(await formOf(id)).toMatch(/^\{/);

    await sql`insert into stix_refs (stix_id, organization_id, hub_kind, hub_key, created, modified)
      values ('indicator--00000000-0000-4000-8000-00000000f0f0', ${p.orange!.organization.id}, 'indicator', ${`DOMAIN:${value}`}, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')`.execute(hub.db);
    expect(await formOf(id)).toBeNull();
    expect((await pageOf('fresno', id)).object).toEqual(await builtFor('fresno', id));

    id = await served(value);
    await sql`update organizations set name = name where slug = 'county-orange'`.execute(hub.db);
    expect(await formOf(id)).toBeNull();
  });
});

describe('filling races with writers', () => {
  it('skips while a writer holds the lock, and a writer during a fill forgets what the fill wrote', async () => {
    const s = hub.deps.services;
    const value = 'race-form.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 10 }] as never);
    await s.stix.sync();
    const id = stixIds.indicator('DOMAIN', value);
    await sql`update stix_feed set public_json = null where stix_id = ${id}`.execute(hub.db);

    // 1. A writer in flight (its trigger ran, not committed): the filler does not take the lock.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const writer = hub.db.transaction().execute(async (trx) => {
      await sql`update indicator_reports set confidence = 11 where id = ${await reportId(value, 'county-orange')}`.execute(trx);
      entered();
      await held;
    });
    await inside;
    expect(await hub.db.transaction().execute((trx) => tryLockPublicForms(trx))).toBe(false);
    release();
    await writer;

    // 2. A fill holding the lock, a writer revoking meanwhile: the writer waits, then forgets the fill's copy.
    let revoked: Promise<unknown> | undefined;
    await hub.db.transaction().execute(async (trx) => {
      await lockFeed(trx);
      expect(await tryLockPublicForms(trx)).toBe(true);
      const rows = (await unfilledIndicators(trx, 100)).filter((r) => r.stix_id === id);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.report?.confidence).toBe(11);
      revoked = s.indicatorReports.revokeReport(p.orange!, await reportId(value, 'county-orange'));
      await new Promise((r) => setTimeout(r, 300));
      // The revocation has not committed: it waits for the filler.
      expect((await sql<{ r: Date | null }>`select revoked_at as r from indicator_reports where id = ${await reportId(value, 'county-orange')}`.execute(hub.db)).rows[0]!.r).toBeNull();
      await storePublicForms(trx, [{ stixId: id, json: JSON.stringify({ type: 'indicator', id, stale: true }), version: '2026-01-01T00:00:00.000Z' }]);
    });
    await revoked;
    expect(await formOf(id)).toBeNull();
    expect((await pageOf('fresno', id)).object).toBeUndefined();
  });
});

describe('a page with public forms walks the log in rounds', () => {
  it('lists the same rows in the same order as the single statement, for every reader and page size, across rounds', async () => {
    const s = hub.deps.services;
    // 260 of Kern's AMBER values with a GREEN one every 50th: a county stranger sees few, spread over several
    // walks of 100 rows; Kern sees them all.
    const inputs = Array.from({ length: 260 }, (_, i) => ({ value: `round-${String(i).padStart(3, '0')}.example`, tlp: i % 50 === 7 ? 'GREEN' : 'AMBER', confidence: 40 }));
    for (const tlp of ['AMBER', 'GREEN']) await s.indicatorReports.reportIndicators(p.kern!, inputs.filter((x) => x.tlp === tlp) as never);
    await s.stix.sync();
    for (const reader of ['fresno', 'kern', 'sos'] as const) {
      for (const limit of [1, 3, 7, 120, 1000]) {
        const walk = async (publicForms: boolean) => {
          const ids: string[] = [];
          let afterSeq: number | null = null;
          for (;;) {
            const rows = await pageFeed(hub.db, p[reader]!, { collections: ['indicators'], addedAfter: null, afterSeq, ids: null, types: null, limit, publicForms });
            ids.push(...rows.map((r) => `${r.stix_id}${r.publicForm ? '*' : ''}`));
            if (rows.length < limit) return ids;
            afterSeq = rows[rows.length - 1]!.seq;
          }
        };
        const withForms = await walk(true);
        const plain = await walk(false);
        expect(withForms.map((x) => x.replace('*', '')), `${reader} limit ${limit}`).toEqual(plain);
        if (limit === 1000) expect(withForms.filter((x) => x.endsWith('*')).length, reader).toBeGreaterThanOrEqual(6); // the GREEN ones came as forms
      }
    }
  });
});

describe('a filler killed mid-fill', () => {
  it('leaves no copy behind (its transaction dies with it), and the next look makes the right one', async () => {
    const s = hub.deps.services;
    const value = 'killed-fill.example';
    await s.indicatorReports.reportIndicators(p.orange!, [{ value, tlp: 'GREEN', confidence: 33 }] as never);
    await s.stix.sync();
    const id = stixIds.indicator('DOMAIN', value);
    await sql`update stix_feed set public_json = null, public_version = null where stix_id = ${id}`.execute(hub.db);
    // A filler whose connection is terminated (its process killed, its server restarted) after writing a copy.
    const fill = hub.db.transaction().execute(async (trx) => {
      await lockFeed(trx);
      expect(await tryLockPublicForms(trx)).toBe(true);
      await storePublicForms(trx, [{ stixId: id, json: JSON.stringify({ type: 'indicator', id, half: 'written' }), version: '2026-01-01T00:00:00.000Z' }]);
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(hub.db);
      await sql`select 1`.execute(trx);
    });
    await expect(fill).rejects.toThrow();
    expect(await formOf(id)).toBeNull();
    await s.stix.sync();
    const served = await pageOf('fresno', id);
    expect(served.publicForm).toBe(true);
    expect(served.object).toEqual(await builtFor('fresno', id));
    expect(served.object?.confidence).toBe(33);
  });
});
