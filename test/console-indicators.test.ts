import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, loginLink, signedIn, expectFocus } from './support/console-browser.js';
import { until } from './support/until.js';

/**
 * The console's Indicators screens in a real browser (Debian's Chromium) against a real hub: search with the
 * type detected, paste many with the rule that matched (via), the indicator page (reports and sightings the
 * policy shows, "seen in N counties" as a count), the report and sighting forms (also without JavaScript),
 * the bulk import upload with its progress and per-line result, the size limit; an indicator that only
 * another county may see (TLP:RED, or AMBER not shared) is found by no path: search, paste or URL. axe's
 * WCAG 2.0/2.1 A and AA rules on the empty, filled and error states.
 */

const IMPORT_MAX = 200_000;
const REPORT = `mutation($r: [IndicatorReportInput!]!) { reportIndicators(input: $r) { ok error indicator { id type value } } }`;
const SIGHT = `mutation($i: ReportSightingInput!) { reportSighting(input: $i) { id } }`;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

describe.skipIf(!HAS_CHROMIUM)('console: indicators', () => {
  let hub: TestHub;
  let browser: Browser;
  let orange: TestUser, fresno: TestUser, kern: TestUser;
  const rnd = randomBytes(3).toString('hex');
  const domain = `vote-ca-gov-${rnd}.info`;
  const redValue = `red-secret-${rnd}.info`;
  const amberValue = `amber-secret-${rnd}.info`;
  let domainId: string, redId: string, amberId: string;
  let greenIncident: { id: string; reference: string }, kernIncident: { id: string; reference: string };

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ESTF_CONSOLE_IMPORT_MAX_BYTES: String(IMPORT_MAX) });
    [orange, fresno, kern] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-kern', ['ANALYST'], 'analyst'),
    ]);
    const file = async (u: TestUser, title: string, tlp: string) => {
      const r = await hub.gql(u.token, FILE, { input: { title, summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp, affectedCounties: [u.organization] } });
      expect(r.errors).toBeUndefined();
      return r.data.fileIncident as { id: string; reference: string };
    };
    greenIncident = await file(orange, `Phishing wave ${rnd}`, 'GREEN');
    kernIncident = await file(kern, `Kern-only phishing ${rnd}`, 'AMBER');
    const r = await hub.gql(orange.token, REPORT, {
      r: [
        { value: `hxxps://${domain}/login`, tlp: 'GREEN', confidence: 90, description: 'Credential phishing kit' },
        { value: domain.toUpperCase() + '.', tlp: 'GREEN', incidentId: greenIncident.id, description: 'Look-alike of the SOS site' },
        { value: '45.33.0.0/16', tlp: 'GREEN' },
        { value: redValue, tlp: 'RED' },
        { value: amberValue, tlp: 'AMBER' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.reportIndicators.every((x: { ok: boolean }) => x.ok)).toBe(true);
    domainId = r.data.reportIndicators[1].indicator.id;
    redId = r.data.reportIndicators[3].indicator.id;
    amberId = r.data.reportIndicators[4].indicator.id;
    // Kern reports the same domain under AMBER, linked to its own AMBER incident: Fresno sees neither.
    const k = await hub.gql(kern.token, REPORT, { r: [{ value: domain, tlp: 'AMBER', incidentId: kernIncident.id, description: `kern-note-${rnd}` }] });
    expect(k.data.reportIndicators[0].ok).toBe(true);
    // Two counties sighted it: Orange (GREEN, visible to every partner) and Kern (AMBER: counted, not named).
    for (const [u, tlp] of [[orange, 'GREEN'], [kern, 'AMBER']] as const) {
      const s = await hub.gql(u.token, SIGHT, { i: { value: domain, tlp, count: 2 } });
      expect(s.errors).toBeUndefined();
    }
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const signIn = (u: TestUser) => signedIn(browser, hub, u);
  const axe = axeViolations;
  const mainText = async (page: Page) => ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');

  async function search(page: Page, q: string) {
    await page.goto(`${hub.url}/console/indicators`);
    await page.getByLabel('Search for a value').fill(q);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/console\/indicators\?q=/);
  }

  it('search detects the type and finds the indicator; the indicator page shows what the policy allows and counts the counties (empty and filled states pass axe)', async () => {
    const { context, page } = await signIn(fresno);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Indicators' }).click();
    await page.waitForURL(/\/console\/indicators$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Indicators');
    expect(await axe(page)).toEqual([]);

    await search(page, `hxxps://${domain.toUpperCase().replace(/\./g, '[.]')}:443/login#top`);
    let text = await mainText(page);
    expect(text).toContain('Detected type: URL (URL)');
    expect(text).toContain(`Canonical value: https://${domain}/login`);
    await expect(page.getByRole('link', { name: `URL https://${domain}/login` }).isVisible()).resolves.toBe(true);

    await search(page, '45.33.17.9');
    expect(await mainText(page)).toContain('Detected type: IPv4 address (IPV4)');
    await search(page, '45.33.0.0/16');
    expect(await mainText(page)).toContain('Detected type: network (CIDR)');
    await search(page, 'D41D8CD98F00B204E9800998ECF8427E');
    expect(await mainText(page)).toContain('Detected type: MD5 hash (MD5)');
    await search(page, '999.1.1.1');
    expect(await mainText(page)).toContain('is not a valid IPv4 address: an octet is greater than 255');

    await search(page, `${domain.toUpperCase()}.`);
    text = await mainText(page);
    expect(text).toContain('Detected type: domain (DOMAIN)');
    // Part of a value: the URL containing the domain is listed too.
    await expect(page.getByRole('link', { name: `https://${domain}/login` })).toBeDefined();
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await axe(page)).toEqual([]);
    await page.getByRole('link', { name: `DOMAIN ${domain}` }).click();
    await page.waitForURL(new RegExp(`/console/indicators/${domainId}$`));

    text = await mainText(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(domain);
    expect(text).toContain('domain (DOMAIN)');
    expect(text).toContain('TLP:GREEN');
    expect(text).toContain('Orange County Elections');
    expect(text).toContain('Look-alike of the SOS site');
    // Two counties sighted it; Fresno is told the number, and sees only Orange's GREEN sighting.
    expect(text).toContain('Seen in2 counties (4 sightings by 2 organizations)');
    const sightings = page.getByRole('table', { name: 'Sightings' });
    expect(await sightings.locator('tbody tr').count()).toBe(1);
    expect(await sightings.textContent()).not.toContain('Kern');
    // Kern's AMBER report, its note and its incident stay hidden; Orange's GREEN incident is linked.
    expect(text).not.toContain('Kern');
    expect(text).not.toContain(`kern-note-${rnd}`);
    expect(text).not.toContain(kernIncident.reference);
    expect(text).not.toContain('TLP:AMBER');
    expect(await page.getByRole('link', { name: greenIncident.reference }).count()).toBeGreaterThan(0);
    expect(await axe(page)).toEqual([]);
    await context.close();

    // The control: Kern sees its own report, its AMBER incident and both sightings on the same page.
    const k = await signIn(kern);
    await k.page.goto(`${hub.url}/console/indicators/${domainId}`);
    const kt = await mainText(k.page);
    expect(kt).toContain(`kern-note-${rnd}`);
    expect(kt).toContain(kernIncident.reference);
    expect(await k.page.getByRole('table', { name: 'Sightings' }).locator('tbody tr').count()).toBe(2);
    await k.context.close();
  }, 90_000);

  it('paste many shows each match with the rule that matched, the values that are not indicators, and enforces the cap with a focused error', async () => {
    const { context, page } = await signIn(fresno);
    await page.goto(`${hub.url}/console/indicators/match`);
    expect(await axe(page)).toEqual([]);
    await page.getByLabel(/^Values from your logs/).fill(
      [`https://mail.${domain}/a?b=1`, '45.33.17.9:443', `staff@${domain}`, 'example.org', 'not a value!!', redValue, `hxxp://${domain}/login`].join('\n'),
    );
    await page.getByRole('button', { name: 'Match' }).click();
    await page.waitForURL(/\/console\/indicators\/match$/);
    const matches = page.getByRole('table', { name: 'Matches' });
    const rows = await matches.locator('tbody tr').allTextContents();
    const row = (line: number) => rows.filter((r) => r.startsWith(String(line)));
    expect(row(1).join(' ')).toContain('SUBDOMAIN');
    expect(row(2).join(' ')).toContain('CIDR');
    expect(row(2).join(' ')).toContain('45.33.0.0/16');
    expect(row(3).join(' ')).toContain('EMAIL_DOMAIN');
    expect(row(4)).toEqual([]);
    expect(row(6)).toEqual([]); // the RED value of another county: no match, as for example.org
    expect(row(7).join(' ')).toContain('URL_HOST');
    const invalid = await page.getByRole('table', { name: 'Not indicators' }).locator('tbody tr').allTextContents();
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toContain('not a value!!');
    expect(await page.getByRole('status').first().textContent()).toContain('7 values: 4 matched, 2 did not match, 1 not indicators.');
    expect(await axe(page)).toEqual([]);

    // Over the cap: nothing is matched, the error is beside the field and in a focused summary.
    const many = Array.from({ length: 10_001 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join('\n');
    // (fill() types into the field; a 10,001-line value is set directly.)
    await page.locator('#im-values').evaluate((el, v) => ((el as HTMLTextAreaElement).value = v), many);
    await page.getByRole('button', { name: 'Match' }).click();
    await page.waitForURL(/\/console\/indicators\/match$/);
    const summary = page.getByRole('alert');
    expect(await summary.textContent()).toContain('at most 10,000 values per call (got 10001)');
    await expectFocus(page, 'im-errors');
    const field = page.getByLabel(/^Values from your logs/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toContain('im-values-error');
    expect(await page.locator('#im-values-error').textContent()).toContain('split the list');
    expect(await page.getByRole('table', { name: 'Matches' }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);

  it('an indicator only another county may see (TLP:RED, AMBER not shared) is found by no path: search, paste or URL', async () => {
    const { context, page } = await signIn(fresno);
    const never = `never-reported-${rnd}.info`;
    const searchSection = async (q: string) => {
      await search(page, q);
      const t = (await page.locator('section.detected').textContent())!.replace(/\s+/g, ' ');
      return { t: t.replace(q, 'V'), rows: await page.locator('tbody tr').count(), count: await page.locator('#is-count').textContent() };
    };
    const unknown = await searchSection(never);
    expect(unknown.t).toContain('No indicator with this exact value is known to you.');
    for (const hidden of [redValue, amberValue]) {
      expect(await searchSection(hidden)).toEqual(unknown);
      // Part of the value lists nothing either.
      await search(page, hidden.slice(0, 12));
      expect(await mainText(page)).not.toContain(hidden);
    }
    // By URL: the same 404 page as an id never used, and as something that is not an id at all.
    const pageOf = async (path: string) => {
      const res = await page.goto(`${hub.url}${path}`);
      return { status: res!.status(), text: await mainText(page) };
    };
    const nothing = await pageOf('/console/indicators/999999999');
    expect(nothing.status).toBe(404);
    expect(await pageOf(`/console/indicators/${redId}`)).toEqual(nothing);
    expect(await pageOf(`/console/indicators/${amberId}`)).toEqual(nothing);
    expect(await pageOf('/console/indicators/not-an-id')).toEqual(nothing);
    // By paste: no match, like a value nobody reported.
    await page.goto(`${hub.url}/console/indicators/match`);
    await page.getByLabel(/^Values from your logs/).fill([redValue, amberValue, `https://${redValue}/x`, never].join('\n'));
    await page.getByRole('button', { name: 'Match' }).click();
    await page.waitForURL(/\/console\/indicators\/match$/);
    expect(await page.getByRole('table', { name: 'Matches' }).count()).toBe(0);
    expect(await mainText(page)).toContain('4 values: 0 matched, 4 did not match, 0 not indicators.');
    await context.close();

    // The control: Orange, which reported them, finds both by search and by URL.
    const o = await signIn(orange);
    await search(o.page, redValue);
    expect(await mainText(o.page)).toContain(`Exact match: DOMAIN ${redValue}`);
    const res = await o.page.goto(`${hub.url}/console/indicators/${redId}`);
    expect(res!.status()).toBe(200);
    expect(await mainText(o.page)).toContain('TLP:RED');
    await o.context.close();
  }, 90_000);

  it('the report form: errors beside the field and in a focused summary with nothing written; works without JavaScript; the report is written (checked through GraphQL)', async () => {
    const { context, page } = await signIn(fresno);
    await page.goto(`${hub.url}/console/indicators/report`);
    expect(await axe(page)).toEqual([]);
    const value = `Phish-Fresno-${rnd}[.]INFO`;
    const canonical = `phish-fresno-${rnd}.info`;

    await page.getByLabel(/^Value/).fill(value);
    await page.getByLabel(/^Confidence/).fill('150');
    await page.getByLabel(/^Traffic Light Protocol/).selectOption('AMBER');
    await page.getByLabel(/^Share with organizations/).fill('county-orange');
    await page.getByLabel(/^Description/).fill('Sent to poll workers');
    await page.getByRole('button', { name: 'Report indicator' }).click();
    await page.waitForURL(/\/console\/indicators\/report$/);
    expect(await page.getByRole('alert').textContent()).toContain('Confidence: must be a whole number from 0 to 100');
    await expectFocus(page, 'ir-errors');
    const conf = page.getByLabel(/^Confidence/);
    expect(await conf.getAttribute('aria-invalid')).toBe('true');
    expect(await conf.getAttribute('aria-describedby')).toBe('ir-confidence-error');
    // The form comes back filled.
    expect(await page.getByLabel(/^Value/).inputValue()).toBe(value);
    expect(await page.getByLabel(/^Share with organizations/).inputValue()).toBe('county-orange');
    expect(await axe(page)).toEqual([]);

    await page.getByLabel(/^Confidence/).fill('80');
    await page.getByLabel(/^Linked incident/).fill(kernIncident.reference);
    await page.getByRole('button', { name: 'Report indicator' }).click();
    await page.waitForURL(/\/console\/indicators\/report$/);
    // An incident Fresno may not see is one that does not exist.
    expect(await page.locator('#ir-incident-error').textContent()).toContain(`no incident ${kernIncident.reference} that you may see`);
    // Nothing was written.
    expect((await hub.gql(fresno.token, `{ indicator(type: DOMAIN, value: "${canonical}") { id } }`)).data.indicator).toBeNull();

    // Without JavaScript, at a phone's width: a plain form post.
    const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const p2 = await noJs.newPage();
    await p2.goto(await loginLink(hub, fresno.email));
    await p2.getByRole('button', { name: 'Sign in' }).click();
    await p2.waitForURL(/\/console\/now$/);
    await p2.goto(`${hub.url}/console/indicators/report`);
    await p2.getByLabel(/^Value/).fill(value);
    await p2.getByLabel(/^Confidence/).fill('80');
    await p2.getByLabel(/^Traffic Light Protocol/).selectOption('AMBER');
    await p2.getByLabel(/^Share with organizations/).fill('county-orange');
    await p2.getByLabel(/^Description/).fill('Sent to poll workers');
    await p2.getByRole('button', { name: 'Report indicator' }).click();
    await p2.waitForURL(/\/console\/indicators\/\d+\?reported=1$/);
    expect(await p2.getByRole('status').textContent()).toContain('report of this indicator is saved');
    expect(await p2.getByRole('heading', { level: 1 }).textContent()).toBe(canonical);
    const saved = p2.url();
    await noJs.close();
    await page.goto(saved);
    expect(await axe(page)).toEqual([]);

    const q = `{ indicator(type: DOMAIN, value: "${canonical}") { reports { organization { slug } tlp confidence description reportedBy { email } } } }`;
    const mine = await hub.gql(fresno.token, q);
    expect(mine.data.indicator.reports).toEqual([{ organization: { slug: 'county-fresno' }, tlp: 'AMBER', confidence: 80, description: 'Sent to poll workers', reportedBy: { email: fresno.email } }]);
    // Shared with Orange; Kern is not in the audience.
    expect((await hub.gql(orange.token, q)).data.indicator.reports).toHaveLength(1);
    expect((await hub.gql(kern.token, q)).data.indicator).toBeNull();
    await context.close();
  }, 90_000);

  it('the sighting form writes a sighting from the indicator page, and refuses a bad count beside its field', async () => {
    const { context, page } = await signIn(fresno);
    await page.goto(`${hub.url}/console/indicators/${domainId}`);
    await page.getByRole('link', { name: 'Report a sighting of it' }).click();
    await page.waitForURL(/\/console\/indicators\/sighting\?/);
    expect(await page.getByLabel(/^Value/).inputValue()).toBe(domain);
    expect(await axe(page)).toEqual([]);
    await page.getByLabel(/^Count/).fill('0');
    await page.getByRole('button', { name: 'Report sighting' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Count: must be a whole number from 1 to 1,000,000');
    expect(await page.getByLabel(/^Count/).getAttribute('aria-describedby')).toBe('sg-count-error');
    expect(await axe(page)).toEqual([]);

    await page.getByLabel(/^Count/).fill('3');
    await page.getByLabel(/^Seen at/).fill('2026-11-03T20:15');
    await page.getByLabel('Time zone of that time').selectOption('America/Los_Angeles');
    await page.getByLabel(/^Traffic Light Protocol/).selectOption('GREEN');
    await page.getByRole('button', { name: 'Report sighting' }).click();
    await page.waitForURL(new RegExp(`/console/indicators/${domainId}\\?sighted=1$`));
    expect(await page.getByRole('status').textContent()).toContain('Your sighting is recorded.');
    expect(await mainText(page)).toContain('Seen in3 counties (7 sightings by 3 organizations)');
    expect(await page.getByRole('table', { name: 'Sightings' }).textContent()).toContain('Fresno County Elections');

    const r = await hub.gql(orange.token, `{ indicator(type: DOMAIN, value: "${domain}") { sightings { organization { slug } seenAt tlp } sightingCount } }`);
    const fresnoSightings = r.data.indicator.sightings.filter((s: { organization: { slug: string } }) => s.organization.slug === 'county-fresno');
    // 20:15 Pacific on 3 November 2026 (PST, UTC-8).
    expect(fresnoSightings).toEqual([{ organization: { slug: 'county-fresno' }, seenAt: '2026-11-04T04:15:00.000Z', tlp: 'GREEN' }]);
    expect(r.data.indicator.sightingCount).toBe(7);
    await context.close();
  }, 90_000);

  it('bulk upload of a few thousand lines shows progress while it runs, then the counts and each malformed line', async () => {
    const { context, page } = await signIn(fresno);
    await page.goto(`${hub.url}/console/indicators/import`);
    expect(await axe(page)).toEqual([]);
    // 3,000 data lines: 2,990 distinct values, 5 repeats in other spellings, 5 malformed at known lines.
    const lines = ['value,type,description'];
    const bad = new Map<number, string>();
    for (let i = 0; i < 3_000; i++) {
      if (i % 600 === 7) {
        lines.push(i % 1200 === 7 ? `999.1.1.${i % 250}` : `not an indicator ${i}`);
        bad.set(lines.length, lines[lines.length - 1]!);
      } else if (i % 600 === 10) lines.push(`BULK-${i - 1}-${rnd}.INFO.,,repeat`);
      else lines.push(i % 2 ? `bulk-${i}-${rnd}.info,,feed line ${i}` : `45.${100 + (i >> 8)}.${i & 255}.${(i * 7) & 255},IPV4,`);
    }
    const csv = Buffer.from(lines.join('\n') + '\n');
    expect(csv.length).toBeLessThan(IMPORT_MAX);

    // Hold the import's first write (a table lock), so that the page is seen while the import runs.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const lock = hub.db.transaction().execute(async (trx) => {
      await sql`lock table indicators in exclusive mode`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    const polls: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/status')) polls.push(r.url());
    });
    try {
      await page.getByLabel(/^File/).setInputFiles({ name: `feed-${rnd}.csv`, mimeType: 'text/csv', buffer: csv });
      await page.getByLabel(/^Traffic Light Protocol/).selectOption('GREEN');
      await page.getByRole('button', { name: 'Import file' }).click();
      await page.waitForURL(/\/console\/indicators\/imports\/[0-9a-f-]{36}$/);
      expect(await page.locator('#ii-state').textContent()).toContain(`Importing feed-${rnd}.csv`);
      await expect(page.getByLabel('Progress').isVisible()).resolves.toBe(true);
      await until(async () => polls.length >= 2 || null, 10_000);
      expect(await axe(page)).toEqual([]);
    } finally {
      release();
      await lock;
    }
    // htmx swaps in the result: no reload.
    await until(async () => ((await page.locator('#ii-state').textContent())?.includes('is finished') ? true : null), 30_000);
    const text = await mainText(page);
    expect(text).toContain(`The import of feed-${rnd}.csv is finished: 2,995 lines accepted, 5 refused.`);
    const counts = Object.fromEntries(
      await page.getByRole('definition').evaluateAll((dds) => dds.map((dd) => [dd.previousElementSibling?.textContent ?? '', dd.textContent ?? ''])),
    );
    expect(counts).toMatchObject({ Accepted: '2,995', 'New indicators': '2,990', 'Already known': '0', 'Duplicates in the file': '5', Refused: '5' });
    expect(counts.Reports).toMatch(/^2,990 new/);
    const refused = await page.getByRole('table', { name: 'Refused lines' }).locator('tbody tr').allTextContents();
    expect(refused).toHaveLength(5);
    for (const [line, v] of bad) {
      const r = refused.find((x) => x.startsWith(String(line)));
      expect(r, `line ${line}`).toBeDefined();
      expect(r).toContain(v.startsWith('999') ? 'an octet is greater than 255' : `"${v}" is not a recognised indicator`);
    }
    expect(await page.getByLabel('Progress').count()).toBe(0);
    expect(await axe(page)).toEqual([]);

    // Written as Fresno's GREEN reports, through the same ingest path (checked through GraphQL).
    const api = await hub.gql(orange.token, `{ indicators(first: 1, filter: {reportedBy: "county-fresno", text: "bulk-", types: [DOMAIN]}) { totalCount edges { node { reports { organization { slug } tlp } } } } }`);
    expect(api.data.indicators.totalCount).toBe(1_495);
    expect(api.data.indicators.edges[0].node.reports).toEqual([{ organization: { slug: 'county-fresno' }, tlp: 'GREEN' }]);
    // The import page lists it among my recent imports; another user gets the one not-found page for it.
    const jobUrl = page.url();
    await page.goto(`${hub.url}/console/indicators/import`);
    await expect(page.getByRole('link', { name: `feed-${rnd}.csv` }).isVisible()).resolves.toBe(true);
    const other = await signIn(orange);
    const res = await other.page.goto(jobUrl);
    expect(res!.status()).toBe(404);
    await other.context.close();
    await context.close();
  }, 120_000);

  it('a VIEWER may search but not report, sight or import: the forms answer "Not allowed" and write nothing', async () => {
    const viewer = await makeUser(hub.deps, 'county-fresno', ['VIEWER'], 'viewer');
    const { context, page } = await signIn(viewer);
    await search(page, domain);
    expect(await mainText(page)).toContain(`Exact match: DOMAIN ${domain}`);
    const value = `viewer-try-${rnd}.info`;
    for (const path of ['report', 'sighting', 'import']) {
      const res = await page.goto(`${hub.url}/console/indicators/${path}`);
      expect(res!.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    }
    expect(await axe(page)).toEqual([]);
    // Posting the forms anyway (with the session's CSRF token and the hub's Origin): refused, nothing written.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const post = (path: string, form: Record<string, string>) =>
      page.request.post(`${hub.url}/console/indicators/${path}`, { form: { _csrf: csrf, ...form }, headers: { origin: hub.url }, maxRedirects: 0 });
    for (const [path, form] of [['report', { value, tlp: 'GREEN' }], ['sighting', { value, tlp: 'GREEN', count: '1' }]] as const) {
      const res = await post(path, form);
      expect(res.status()).toBe(403);
      expect(await res.text()).toContain('Only analysts may');
    }
    const up = await page.request.post(`${hub.url}/console/indicators/import`, {
      multipart: { _csrf: csrf, tlp: 'GREEN', file: { name: 'v.txt', mimeType: 'text/plain', buffer: Buffer.from(`${value}\n`) } },
      headers: { origin: hub.url },
      maxRedirects: 0,
    });
    expect(up.status()).toBe(403);
    expect(await up.text()).toContain('Only analysts may import indicators.');
    expect(await hub.db.selectFrom('indicators').select('id').where('value', '=', value).executeTakeFirst()).toBeUndefined();
    await context.close();
  }, 60_000);

  it('a file over the size limit is refused with a clear error beside the field (and larger bodies before they are read)', async () => {
    const { context, page } = await signIn(fresno);
    await page.goto(`${hub.url}/console/indicators/import`);
    // No file chosen.
    await page.getByRole('button', { name: 'Import file' }).click();
    await page.waitForURL(/\/console\/indicators\/import$/);
    expect(await page.locator('#ii-file-error').textContent()).toMatch(/choose a file to import|the file is empty/);
    const big = Buffer.alloc(IMPORT_MAX + 10, 'a');
    await page.getByLabel(/^File/).setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: big });
    await page.getByRole('button', { name: 'Import file' }).click();
    await page.waitForURL(/\/console\/indicators\/import$/);
    expect(await page.getByRole('alert').textContent()).toContain(`the file is 200,010 bytes, more than the 200,000 bytes the console takes`);
    await expectFocus(page, 'ii-errors');
    expect(await page.getByLabel(/^File/).getAttribute('aria-describedby')).toBe('ii-file-error');
    expect(await axe(page)).toEqual([]);

    // A file the format cannot be told from: refused beside the format field.
    await page.getByLabel(/^File/).setInputFiles({ name: 'feed.dat', mimeType: 'application/octet-stream', buffer: Buffer.from('1.2.3.4\n') });
    await page.getByRole('button', { name: 'Import file' }).click();
    expect(await page.locator('#ii-format-error').textContent()).toContain('cannot tell the format from the name "feed.dat"');

    // A CSV without a "value" column: the import stops and says why.
    await page.getByLabel(/^File/).setInputFiles({ name: 'ioc.csv', mimeType: 'text/csv', buffer: Buffer.from('address,seen\n1.2.3.4,today\n') });
    await page.getByRole('button', { name: 'Import file' }).click();
    await page.waitForURL(/\/console\/indicators\/imports\/[0-9a-f-]{36}$/);
    await until(async () => ((await page.locator('#ii-state').textContent())?.includes('stopped') ? true : null), 15_000);
    expect(await page.locator('#ii-state').textContent()).toContain('"value"');
    expect(await axe(page)).toEqual([]);
    await page.goto(`${hub.url}/console/indicators/import`);

    // Far over the limit: refused before the body is read, with the same limit named.
    const huge = Buffer.alloc(IMPORT_MAX + 1_100_000, 'a');
    await page.getByLabel(/^File/).setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: huge });
    await page.getByRole('button', { name: 'Import file' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Too large');
    expect(await mainText(page)).toContain('at most 200,000 bytes');
    await context.close();
  }, 90_000);
});
