import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateReport } from '../src/modules/publicreports/index.js';
import { isVotingLogistics, withinElectionPeriod } from '../src/modules/publicreports/promotion.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, signedIn } from './support/console-browser.js';

/**
 * Claims, as analysts triage them: who sees which claims and reports (the SOS's and Cal OES's analysts all; a
 * county's analysts their county's reports; nobody else), who changes them, merge, split, status and notes
 * (audited), promotion to a misinformation incident by hand and past the thresholds, and the console screens
 * in Chromium with axe.
 */

const FRESNO = '06019';
const ORANGE = '06059';

describe('claims: access, triage and promotion', () => {
  let hub: TestHub;
  let sos: TestUser, caloes: TestUser, fresno: TestUser, orange: TestUser, sosViewer: TestUser, cisa: TestUser;
  let browser: Browser | null = null;

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ESTF_CLAIM_PROMOTE_REPORTS: '4', ESTF_CLAIM_PROMOTE_COUNTIES: '3' });
    [sos, caloes, fresno, orange, sosViewer, cisa] = await Promise.all([
      makeUser(hub.deps, 'sos', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'sos', ['VIEWER'], 'viewer'),
      makeUser(hub.deps, 'cisa', ['ANALYST'], 'analyst'),
    ]);
    if (HAS_CHROMIUM) browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const principal = async (u: TestUser) => (await hub.deps.services.identity.authenticate(u.token, { requestId: null, clientAddress: null }))!;
  async function report(claim: string, county: string | null, language = 'en'): Promise<string> {
    const v = validateReport(language, { claim, county: county ?? '', where: 'SOCIAL_MEDIA', when: 'TODAY' });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const { id } = await hub.deps.services.publicReports.submit(v.value, { clientAddress: '127.0.0.1' });
    const clustered = await hub.deps.services.claims.clusterReport(id);
    return clustered!.claimId;
  }

  it('the SOS and Cal OES see every claim and report; a county analyst only claims with reports of the county, and only those reports; others nothing', async () => {
    const claim = await report('Fresno polling places will close at noon on election day, says a post.', FRESNO);
    expect(await report('Fresno polling places will close at noon on election day, a post says!', ORANGE)).toBe(claim);
    const other = await report('Orange County ballots printed in the wrong color are invalid.', ORANGE);

    for (const u of [sos, caloes]) {
      const list = await hub.deps.services.claims.list(await principal(u));
      expect(list.map((c) => c.id)).toEqual(expect.arrayContaining([claim, other]));
      expect((await hub.deps.services.claims.get(await principal(u), claim)).reports).toHaveLength(2);
    }
    const fresnoList = await hub.deps.services.claims.list(await principal(fresno));
    expect(fresnoList.map((c) => c.id)).toContain(claim);
    expect(fresnoList.map((c) => c.id)).not.toContain(other);
    const seen = await hub.deps.services.claims.get(await principal(fresno), claim);
    expect(seen.reports.map((r) => r.county)).toEqual([FRESNO]);
    expect(seen.summary.reports).toBe(1);
    await expect(hub.deps.services.claims.get(await principal(fresno), other)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    for (const u of [sosViewer, cisa]) {
      await expect(hub.deps.services.claims.list(await principal(u))).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      await expect(hub.deps.services.claims.get(await principal(u), claim)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    }
  });

  it('only the SOS and Cal OES change claims; a county analyst adds notes; every change is audited', async () => {
    const claim = await report('Sacramento voters must bring two forms of ID to vote this year.', FRESNO);
    await expect(hub.deps.services.claims.setStatus(await principal(fresno), claim, 'RESOLVED')).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(hub.deps.services.claims.setStatus(await principal(orange), claim, 'RESOLVED')).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(hub.deps.services.claims.addNote(await principal(orange), claim, 'not mine')).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await hub.deps.services.claims.addNote(await principal(fresno), claim, 'Our office has had three calls about this.');
    await hub.deps.services.claims.setStatus(await principal(sos), claim, 'FALSE_CONFIRMED');
    await expect(hub.deps.services.claims.setStatus(await principal(sos), claim, 'MAYBE')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'status' } });
    const d = await hub.deps.services.claims.get(await principal(sos), claim);
    expect(d.claim.status).toBe('FALSE_CONFIRMED');
    expect(d.notes.map((n) => n.body)).toEqual(['Our office has had three calls about this.']);
    const audit = await hub.db.selectFrom('audit_log').select(['action', 'actor_email']).where('object_id', '=', claim).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['claim.noted', 'claim.status_changed']);
    expect(audit.map((a) => a.actor_email)).toEqual([fresno.email, sos.email]);
  });

  it('merges a claim into another (its reports move; it stays, empty, pointing there) and splits reports out into a new claim', async () => {
    const a = await report('Voters in Kern County can return ballots at any gas station.', null);
    const b = await report('Mail ballots are accepted at gas stations across Kern.', null);
    expect(a).not.toBe(b);
    const p = await principal(caloes);
    const bRef = (await hub.deps.services.claims.get(p, b)).claim.reference;
    await hub.deps.services.claims.merge(p, a, bRef.toLowerCase());
    const merged = await hub.deps.services.claims.get(p, b);
    expect(merged.reports).toHaveLength(2);
    expect(merged.mergedFrom.map((m) => m.id)).toEqual([a]);
    await expect(hub.deps.services.claims.get(p, a)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(hub.deps.services.claims.merge(p, b, bRef)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'into' } });

    const moving = merged.reports.find((r) => r.claim_text.includes('gas station.'))!.id;
    await expect(hub.deps.services.claims.split(p, b, merged.reports.map((r) => r.id))).rejects.toMatchObject({ extensions: { field: 'reports' } });
    const { newId } = await hub.deps.services.claims.split(p, b, [moving]);
    expect((await hub.deps.services.claims.get(p, newId)).reports.map((r) => r.id)).toEqual([moving]);
    expect((await hub.deps.services.claims.get(p, b)).reports).toHaveLength(1);
  });

  it('promotes a claim by hand: a misinformation incident, linked to the claim, routed by the existing rules (incident.filed)', async () => {
    const claim = await report('A video says voting machines in Imperial County are connected to the internet.', '06025');
    await expect(hub.deps.services.claims.promote(await principal(fresno), claim)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const { incidentId } = await hub.deps.services.claims.promote(await principal(sos), claim);
    const incident = await hub.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ category: 'MISINFORMATION', domain: 'INFORMATION', severity: 'MODERATE', reporting_user_id: sos.id });
    expect(incident.summary).toContain(`/console/claims/${claim}`);
    const counties = await hub.db.selectFrom('incident_affected_counties').innerJoin('organizations', 'organizations.id', 'incident_affected_counties.organization_id').select('organizations.fips').where('incident_id', '=', incidentId).execute();
    expect(counties.map((c) => c.fips)).toEqual(['06025']);
    const event = await hub.db.selectFrom('outbox').select('topic').where('aggregate_id', '=', incidentId).execute();
    expect(event.map((e) => e.topic)).toEqual(['incident.filed']);
    expect((await hub.deps.services.claims.get(await principal(sos), claim)).summary.incidentId).toBe(incidentId);
    await expect(hub.deps.services.claims.promote(await principal(sos), claim)).rejects.toMatchObject({ extensions: { field: 'promote' } });
  });

  it('promotes a claim on its own past the thresholds (reports or counties within the window), once', async () => {
    let claim = '';
    for (let i = 0; i < 3; i++) claim = await report(`Ballots with coffee stains are thrown away by counters in Yolo${'!'.repeat(i)}`, '06113');
    expect(await hub.deps.services.claims.checkPromotion(claim)).toBeNull();
    await report('Ballots with coffee stains are thrown away by counters in Yolo!!!', '06113');
    const promoted = await hub.deps.services.claims.checkPromotion(claim);
    expect(promoted?.reason).toBe('THRESHOLD');
    expect(await hub.deps.services.claims.checkPromotion(claim)).toBeNull();
    // Three counties within the window, however few reports.
    const spread = await report('Counties are sending voters two ballots so they can vote twice.', '06001');
    await report('Counties are sending voters two ballots so they can vote twice!', '06003');
    expect(await hub.deps.services.claims.checkPromotion(spread)).toBeNull();
    await report('Counties are sending voters two ballots so they can vote twice!!', '06005');
    expect((await hub.deps.services.claims.checkPromotion(spread))?.reason).toBe('THRESHOLD');
    const row = await hub.db.selectFrom('claim_incidents').innerJoin('incidents', 'incidents.id', 'claim_incidents.incident_id').select(['incidents.reporting_user_id', 'reason']).where('claim_id', '=', spread).executeTakeFirstOrThrow();
    const system = await hub.db.selectFrom('users').select('id').where('email', '=', 'public-reports@estf-hub.local').executeTakeFirstOrThrow();
    expect(row.reporting_user_id).toBe(system.id);
  });

  it('links a SOS analyst confirms as malicious become TLP:CLEAR URL indicators of the SOS (over the console); nobody else confirms, and only the claim\'s links', async () => {
    const v = validateReport('en', { claim: 'This site says your registration was cancelled', link: 'https://ca-voter-check.example/verify?utm_source=sms', where: 'TEXT_MESSAGE', when: 'TODAY', county: FRESNO });
    if (!v.ok) throw new Error('invalid');
    const { id } = await hub.deps.services.publicReports.submit(v.value, { clientAddress: '127.0.0.1' });
    const claim = (await hub.deps.services.claims.clusterReport(id))!.claimId;
    await expect(hub.deps.services.claims.confirmLinks(await principal(fresno), claim, ['https://ca-voter-check.example/verify'])).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(hub.deps.services.claims.confirmLinks(await principal(sos), claim, ['https://elsewhere.example/'])).rejects.toMatchObject({ extensions: { field: 'links' } });
    if (!browser) return;
    const { context, page } = await signedIn(browser, hub, sos);
    try {
      await page.goto(`${hub.url}/console/claims/${claim}`);
      await page.getByRole('checkbox', { name: 'https://ca-voter-check.example/verify' }).check();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Report the chosen links as indicators' }).click();
      await page.waitForURL(/done=indicators$/);
    } finally {
      await context.close();
    }
    const row = await hub.db
      .selectFrom('indicators')
      .innerJoin('indicator_reports', 'indicator_reports.indicator_id', 'indicators.id')
      .innerJoin('organizations', 'organizations.id', 'indicator_reports.organization_id')
      .select(['indicators.type', 'indicators.value', 'indicator_reports.tlp', 'organizations.slug'])
      .where('indicators.value', 'like', '%ca-voter-check.example%')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: 'URL', tlp: 'CLEAR', slug: 'sos' });
  }, 60_000);

  it('recognizes claims about how, when or where to vote, and the 29 days before an election', () => {
    expect(isVotingLogistics('You can vote by text this year')).toBe(true);
    expect(isVotingLogistics('The election has been moved to Wednesday')).toBe(true);
    expect(isVotingLogistics('Dicen que se puede votar por mensaje de texto')).toBe(true);
    expect(isVotingLogistics('Polling places in Fresno will close at noon')).toBe(true);
    expect(isVotingLogistics('The governor is secretly a robot')).toBe(false);
    const election = '2026-11-03';
    expect(withinElectionPeriod(election, new Date('2026-10-05T12:00:00Z'))).toBe(true);
    expect(withinElectionPeriod(election, new Date('2026-11-03T23:00:00-08:00'))).toBe(true);
    expect(withinElectionPeriod(election, new Date('2026-10-04T06:00:00Z'))).toBe(false);
    expect(withinElectionPeriod(election, new Date('2026-11-04T09:00:00Z'))).toBe(false);
    expect(withinElectionPeriod(null)).toBe(false);
  });

  it.skipIf(!HAS_CHROMIUM)('console: the SOS analyst lists claims (counts, counties, languages, trend), opens one, sets its status; a county analyst sees only theirs; axe passes', async () => {
    const claim = await report('Los Angeles vote centers will ask for proof of citizenship at the door.', '06037', 'es');
    await report('Vote centers in Los Angeles will ask for proof of citizenship at the door!', FRESNO);
    const { context, page } = await signedIn(browser!, hub, sos);
    try {
      await page.getByRole('link', { name: 'Claims' }).click();
      await page.waitForURL(/\/console\/claims$/);
      expect(await axeViolations(page)).toEqual([]);
      const row = page.getByRole('row').filter({ hasText: 'proof of citizenship' });
      await expect(row.textContent()).resolves.toMatch(/2.*rising \(2 in 24 h, 0 the day before\).*Fresno, Los Angeles.*English.*Spanish/s);
      // Filters live in the query string.
      await page.getByLabel('County').selectOption(FRESNO);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(new RegExp(`county=${FRESNO}`));
      await row.getByRole('link').click();
      await page.waitForURL(new RegExp(`/console/claims/${claim}$`));
      expect(await axeViolations(page)).toEqual([]);
      await page.getByLabel('Status').selectOption('TRIAGING');
      await page.getByRole('button', { name: 'Set status' }).click();
      await page.waitForURL(/done=status$/);
      await expect(page.getByRole('status').textContent()).resolves.toBe('Status changed.');
      await page.getByLabel('Merge this claim into').fill('CLM-99999');
      await page.getByRole('button', { name: 'Merge' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('no claim');
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
    const orangeView = await signedIn(browser!, hub, orange);
    try {
      await orangeView.page.goto(`${hub.url}/console/claims/${claim}`);
      await expect(orangeView.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Not found');
    } finally {
      await orangeView.context.close();
    }
    const viewer = await signedIn(browser!, hub, sosViewer);
    try {
      const res = await viewer.page.goto(`${hub.url}/console/claims`);
      expect(res?.status()).toBe(403);
    } finally {
      await viewer.context.close();
    }
  }, 90_000);
});
