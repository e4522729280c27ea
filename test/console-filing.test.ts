import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, loginLink, signedIn, expectFocus } from './support/console-browser.js';

/**
 * The console's "File an incident" screen in a real browser against a real hub (same helpers as
 * test/console.test.ts): every field of fileIncident, errors next to their fields and in a focused summary
 * with nothing written, keyboard-only filing, CSRF refusal, and axe's WCAG 2.0/2.1 A and AA rules.
 */


describe.skipIf(!HAS_CHROMIUM)('console: file an incident', () => {
  let hub: TestHub;
  let browser: Browser;
  let orange: TestUser, fresno: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    [orange, fresno] = await Promise.all([makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst'), makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'analyst')]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const signIn = (u: TestUser) => signedIn(browser, hub, u);

  const axe = axeViolations;

  async function countByTitle(t: string): Promise<number> {
    const r = await hub.db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).where('title', '=', t).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it('a county analyst files an incident with every field and sees it listed', async () => {
    const { context, page } = await signIn(orange);
    await page.getByRole('link', { name: 'File an incident' }).click();
    await page.waitForURL(/\/console\/incidents\/new$/);
    expect(await axe(page)).toEqual([]);
    const title = `Spoofed ROV site ${randomUUID().slice(0, 8)}`;
    await page.getByLabel(/^Title/).fill(title);
    await page.getByLabel(/^Summary/).fill('A look-alike domain asks voters to "confirm" registration.');
    await page.getByLabel(/^Category/).selectOption('WEBSITE_SPOOFING');
    await page.getByLabel(/^Severity/).selectOption('HIGH');
    await page.getByLabel(/^Traffic Light Protocol/).selectOption('AMBER_STRICT');
    await expect(page.getByLabel(/^Traffic Light Protocol/).locator('option:checked').textContent()).resolves.toContain('TLP:AMBER+STRICT');
    await page.getByRole('checkbox', { name: 'Orange', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Los Angeles', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Public website' }).check();
    await page.getByLabel('Occurred at').fill('2026-11-03T20:15');
    await page.getByLabel('Time zone of these times').selectOption('America/Los_Angeles');
    await page.getByRole('checkbox', { name: 'Law-enforcement sensitive' }).check();
    await page.getByLabel(/^Share with organizations/).fill('county-fresno');
    await page.getByLabel(/^External references/).fill('CISA | CISA-2026-001 | https://cisa.example/ref\nFBI | 318-LA-1');
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: 'File incident' }).click();
    await page.waitForURL(/\/console\/incidents\/[0-9a-f-]{36}\?filed=1$/);
    await expect(page.getByRole('heading', { name: 'Incident filed' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('main').textContent()).toContain('TLP:AMBER+STRICT');
    expect(await axe(page)).toEqual([]);

    const row = await hub.db.selectFrom('incidents').selectAll().where('title', '=', title).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ category: 'WEBSITE_SPOOFING', severity: 'HIGH', tlp: 'AMBER_STRICT', law_enforcement_sensitive: true, exercise: false });
    expect(row.affected_assets).toEqual(['PUBLIC_WEBSITE']);
    // 20:15 Pacific daylight time on 3 November 2026 is after the change back to PST (1 November): UTC-8.
    expect(row.occurred_at?.toISOString()).toBe('2026-11-04T04:15:00.000Z');
    const refs = typeof row.external_references === 'string' ? JSON.parse(row.external_references) : row.external_references;
    expect(refs).toEqual([
      { source: 'CISA', identifier: 'CISA-2026-001', url: 'https://cisa.example/ref' },
      { source: 'FBI', identifier: '318-LA-1', url: null },
    ]);
    const api = await hub.gql(orange.token, `query($id: ID!) { incident(id: $id) { affectedCounties { slug } } }`, { id: row.id });
    expect(api.data.incident.affectedCounties.map((c: { slug: string }) => c.slug).sort()).toEqual(['county-los-angeles', 'county-orange']);
    // Shared with Fresno (its analysts still do not see it: it is law-enforcement sensitive).
    const shares = await hub.db.selectFrom('incident_shares').innerJoin('organizations', 'organizations.id', 'incident_shares.organization_id').select('organizations.slug').where('incident_id', '=', row.id).execute();
    expect(shares.map((s) => s.slug)).toEqual(['county-fresno']);

    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.waitForURL(/\/console\/incidents$/);
    await expect(page.getByRole('row').filter({ hasText: title }).count()).resolves.toBe(1);
    await context.close();
  }, 90_000);

  it('an error keeps the form filled, names the field and writes nothing (title over 200, RED without recipients)', async () => {
    const { context, page } = await signIn(orange);
    await page.goto(`${hub.url}/console/incidents/new`);
    const long = `T${'x'.repeat(200)}`;
    await page.getByLabel(/^Title/).fill(long);
    await page.getByLabel(/^Summary/).fill('Kept summary');
    await page.getByLabel(/^Category/).selectOption('PHISHING');
    await page.getByLabel(/^Severity/).selectOption('LOW');
    await page.getByRole('checkbox', { name: 'Fresno', exact: true }).check();
    await page.getByRole('button', { name: 'File incident' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Title: must be at most 200 characters');
    // The summary has the focus, and links to the field.
    await expectFocus(page, 'fi-errors');
    expect(await alert.getByRole('link').getAttribute('href')).toBe('#fi-title');
    const titleBox = page.getByLabel(/^Title/);
    expect(await titleBox.inputValue()).toBe(long);
    expect(await titleBox.getAttribute('aria-invalid')).toBe('true');
    expect(await titleBox.getAttribute('aria-describedby')).toBe('fi-title-error');
    expect(await page.locator('#fi-title-error').textContent()).toContain('at most 200 characters');
    expect(await page.getByLabel(/^Summary/).inputValue()).toBe('Kept summary');
    expect(await page.getByLabel(/^Category/).inputValue()).toBe('PHISHING');
    expect(await page.getByRole('checkbox', { name: 'Fresno', exact: true }).isChecked()).toBe(true);
    expect(await axe(page)).toEqual([]);
    expect(await countByTitle(long)).toBe(0);

    // TLP:RED without named recipients: the error is on the recipients field.
    const title = `Red without recipients ${randomUUID().slice(0, 6)}`;
    await titleBox.fill(title);
    await page.getByLabel(/^Traffic Light Protocol/).selectOption('RED');
    await page.getByRole('button', { name: 'File incident' }).click();
    await page.locator('#fi-shareWithUsers-error').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Named recipients: TLP:RED needs at least one named recipient');
    expect(await page.getByLabel(/^Named recipients/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel(/^Traffic Light Protocol/).inputValue()).toBe('RED');
    expect(await titleBox.inputValue()).toBe(title);
    // The summary's link moves the focus to the field.
    await page.getByRole('alert').getByRole('link').click();
    await expectFocus(page, 'fi-shareWithUsers');
    expect(await axe(page)).toEqual([]);
    expect(await countByTitle(title)).toBe(0);

    // With a recipient it goes through, RED.
    await page.getByLabel(/^Named recipients/).fill(fresno.email);
    await page.getByRole('button', { name: 'File incident' }).click();
    await page.waitForURL(/\?filed=1$/);
    expect(await page.locator('main').textContent()).toContain('TLP:RED');
    expect(await countByTitle(title)).toBe(1);
    await context.close();
  }, 90_000);

  it('an incident can be filed with the keyboard only', async () => {
    const { context, page } = await signIn(orange);
    await page.goto(`${hub.url}/console/incidents/new`);
    const tabTo = async (id: string) => {
      for (let i = 0; i < 200; i++) {
        if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached #${id}`);
    };
    const title = `Keyboard filing ${randomUUID().slice(0, 6)}`;
    await tabTo('fi-title');
    await page.keyboard.type(title);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Filed without a mouse');
    await page.keyboard.press('Tab');
    // Native selects take typed letters: "p" picks the first category starting with P (Phishing).
    await page.keyboard.type('Phishing');
    await page.keyboard.press('Tab');
    await page.keyboard.type('MODERATE');
    await tabTo('fi-county-county-orange');
    await page.keyboard.press('Space');
    await tabTo('fi-les');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    let onButton = false;
    for (let i = 0; i < 20 && !onButton; i++) {
      await page.keyboard.press('Tab');
      onButton = await page.evaluate(() => document.activeElement?.textContent === 'File incident');
    }
    expect(onButton).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?filed=1$/);
    const row = await hub.db.selectFrom('incidents').selectAll().where('title', '=', title).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ category: 'PHISHING', severity: 'MODERATE', law_enforcement_sensitive: true, exercise: true });
    expect(await page.locator('main').textContent()).toContain('EXERCISE');
    await context.close();
  }, 90_000);

  it('refuses a filing without the CSRF token or from another Origin, and writes nothing', async () => {
    const { context, page } = await signIn(orange);
    await page.goto(`${hub.url}/console/incidents/new`);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
    const title = `Forged filing ${randomUUID().slice(0, 6)}`;
    const post = (extra: Record<string, string>, origin: string | null) =>
      fetch(`${hub.url}/console/incidents/new`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `estf_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
        body: new URLSearchParams({ title, summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN', ...extra }).toString(),
      });
    expect((await post({}, hub.url)).status).toBe(403);
    expect((await post({ _csrf: 'x'.repeat(43) }, hub.url)).status).toBe(403);
    expect((await post({ _csrf: csrf }, 'http://evil.example')).status).toBe(403);
    expect((await post({ _csrf: csrf }, null)).status).toBe(403);
    expect(await countByTitle(title)).toBe(0);
    const ok = await post({ _csrf: csrf }, hub.url);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/console\/incidents\/[0-9a-f-]{36}\?filed=1$/);
    expect(await countByTitle(title)).toBe(1);
    await context.close();
  }, 60_000);
  it('works without JavaScript, and names the routing targets that may not see the new incident (or shares with them)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(await loginLink(hub, orange.email));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/now$/);
    const fileOne = async (shareWithRoutingTargets: boolean) => {
      await page.goto(`${hub.url}/console/incidents/new`);
      await page.getByLabel(/^Title/).fill(`Phish ${randomUUID().slice(0, 6)}`);
      await page.getByLabel(/^Summary/).fill('s');
      await page.getByLabel(/^Category/).selectOption('PHISHING');
      await page.getByLabel(/^Severity/).selectOption('HIGH');
      await page.getByLabel(/^Traffic Light Protocol/).selectOption('AMBER');
      if (shareWithRoutingTargets) await page.getByRole('checkbox', { name: /^Also share with the organizations/ }).check();
      await page.getByRole('button', { name: 'File incident' }).click();
      await page.waitForURL(/\?filed=1$/);
      return (await page.getByRole('status').textContent()) ?? '';
    };
    // The seeded rule cyber-high notifies CISA and the EI-ISAC, outside a county's AMBER audience.
    const skipped = await fileOne(false);
    expect(skipped).toContain('may not see this incident');
    expect(skipped).toMatch(/cisa[\s\S]*cyber-high/i);
    expect(skipped).toMatch(/ei-isac[\s\S]*cyber-high/i);
    const shared = await fileOne(true);
    expect(shared).not.toContain('cyber-high');
    await context.close();
  }, 60_000);
});
