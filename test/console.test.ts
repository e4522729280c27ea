import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { cookieName } from '../src/web/console.js';
import { runEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, loginLink, signedIn } from './support/console-browser.js';
import { startSmtpSink, type SmtpSink } from './support/receivers.js';

/**
 * The analyst console in a real browser (Debian's Chromium driven by playwright-core) against a real hub:
 * sign-in with a one-time link, the incidents list and page, commenting, the access policy through the
 * pages, CSRF and Origin checks, the session ending on deactivation, and axe's WCAG 2.0/2.1 A and AA rules.
 */

const operator = systemPrincipal('test');

describe.skipIf(!HAS_CHROMIUM)('console in a browser', () => {
  let hub: TestHub;
  let smtp: SmtpSink;
  let browser: Browser;
  let orange: TestUser, fresno: TestUser, orangeViewer: TestUser;
  let amber: { id: string; reference: string };
  const title = `Credential phishing at the ROV ${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const port = await freePort();
    smtp = await startSmtpSink();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, SMTP_URL: smtp.url });
    [orange, fresno, orangeViewer] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'leaver'),
    ]);
    const filed = await hub.gql(orange.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`, {
      input: { title, summary: 'Staff received credential phishing', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', affectedCounties: ['county-orange'] },
    });
    expect(filed.errors).toBeUndefined();
    amber = filed.data.fileIncident;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await smtp?.close();
  });

  const link = (email: string) => loginLink(hub, email);

  const signIn = (u: TestUser) => signedIn(browser, hub, u);

  const axe = axeViolations;

  async function auditActions(): Promise<string[]> {
    const rows = await hub.db.selectFrom('audit_log').select('action').where('action', 'like', 'console.%').execute();
    return rows.map((r) => r.action);
  }

  it('a county analyst signs in with a link, sees the list, opens an incident, comments', async () => {
    const url = await link(orange.email);
    expect(url).toMatch(new RegExp(`^${hub.url}/console/sign-in/[A-Za-z0-9_-]{43}$`));
    // GET changes nothing (mail scanners follow links): fetched twice, the link still signs in.
    for (let i = 0; i < 2; i++) expect((await fetch(url)).status).toBe(200);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/now$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.waitForURL(/\/console\/incidents$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Incidents' }).isVisible()).resolves.toBe(true);

    const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!;
    expect(cookie).toBeDefined();
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.path).toBe('/');

    await page.getByRole('link', { name: amber.reference }).click();
    await page.waitForURL(new RegExp(`/console/incidents/${amber.id}$`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(title);
    expect(await page.locator('.tlp').first().textContent()).toBe('TLP:AMBER');

    const text = `Blocked the sender at the gateway ${randomUUID().slice(0, 6)}`;
    await page.getByRole('textbox', { name: 'Add a comment' }).fill(text);
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.waitForURL(new RegExp(`/console/incidents/${amber.id}#timeline$`));
    await expect(page.locator('.timeline').textContent()).resolves.toContain(text);

    // The same comment through the API: one service, one timeline.
    const api = await hub.gql(orange.token, `query($id: ID!) { incident(id: $id) { timeline { edges { node { kind body } } } } }`, { id: amber.id });
    expect(JSON.stringify(api.data)).toContain(text);

    // The link was single use.
    const again = await context.newPage();
    await again.goto(url);
    expect(await again.getByRole('heading', { level: 1 }).textContent()).toBe('Link not valid');
    const replay = await fetch(url, { method: 'POST', headers: { origin: hub.url } });
    expect(replay.status).toBe(410);

    // Sign-out ends the session on the server, not only in this browser.
    const value = cookie.value;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    const after = await fetch(`${hub.url}/console/incidents`, { headers: { cookie: `estf_session=${value}` }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/console/sign-in');
    await context.close();

    const actions = await auditActions();
    for (const a of ['console.login_link_issued', 'console.signed_in', 'console.signed_out', 'console.sign_in_failed']) expect(actions, a).toContain(a);
  }, 60_000);

  it("another county's analyst cannot find an AMBER incident by list, search, or URL (404 identical to an unknown id)", async () => {
    const { context, page } = await signIn(fresno);
    await page.goto(`${hub.url}/console/incidents`);
    expect(await page.getByRole('link', { name: amber.reference }).count()).toBe(0);
    await page.getByRole('searchbox', { name: 'Search' }).fill(title);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/text=/);
    expect(await page.locator('#count').textContent()).toBe('0 incidents');
    expect(await page.getByText('No incident matches these filters.').count()).toBe(1);
    // By a county filter too: the count never counts what the user may not see.
    await page.goto(`${hub.url}/console/incidents?affectedCounty=county-orange`);
    expect(await page.locator('#count').textContent()).toBe('0 incidents');

    const hidden = await page.goto(`${hub.url}/console/incidents/${amber.id}`);
    const hiddenMain = await page.locator('main').innerHTML();
    const unknown = await page.goto(`${hub.url}/console/incidents/${randomUUID()}`);
    const unknownMain = await page.locator('main').innerHTML();
    const junk = await page.goto(`${hub.url}/console/incidents/not-a-uuid`);
    expect([hidden!.status(), unknown!.status(), junk!.status()]).toEqual([404, 404, 404]);
    expect(hiddenMain).toBe(unknownMain);
    expect(await page.locator('main').innerHTML()).toBe(unknownMain);
    expect(hiddenMain).not.toContain(amber.reference);

    // Nor can a comment be posted to it: the same 404, nothing written.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const res = await page.request.post(`${hub.url}/console/incidents/${amber.id}/comments`, { form: { _csrf: csrf, body: 'probe' }, headers: { origin: hub.url } });
    expect(res.status()).toBe(404);
    await context.close();
  }, 60_000);

  it('axe reports zero WCAG 2.0/2.1 A and AA violations on the list and incident pages, and on the 404 page', async () => {
    const { context, page } = await signIn(orange);
    expect(await axe(page)).toEqual([]);
    await page.goto(`${hub.url}/console/incidents?severityAtLeast=LOW&statuses=REPORTED`);
    expect(await axe(page)).toEqual([]);
    await page.goto(`${hub.url}/console/incidents/${amber.id}`);
    expect(await axe(page)).toEqual([]);
    // The error state of the comment form (an empty comment).
    await page.getByRole('textbox', { name: 'Add a comment' }).evaluate((el) => el.removeAttribute('required'));
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByRole('alert').waitFor();
    expect(await axe(page)).toEqual([]);
    await page.goto(`${hub.url}/console/incidents/${randomUUID()}`);
    expect(await axe(page)).toEqual([]);
    // At a phone's width too.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${hub.url}/console/incidents`);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);

  it('a comment can be written and sent with the keyboard only', async () => {
    const { context, page } = await signIn(orange);
    await page.goto(`${hub.url}/console/incidents/${amber.id}`);
    // The skip link comes first.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'comment-body');
    }
    expect(reached).toBe(true);
    const text = `Keyboard comment ${randomUUID().slice(0, 6)}`;
    await page.keyboard.type(text);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add comment');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#timeline$/);
    await expect(page.locator('.timeline').textContent()).resolves.toContain(text);
    await context.close();
  }, 60_000);

  it('refuses a state-changing request without the CSRF token or from another Origin, and writes nothing', async () => {
    const { context, page } = await signIn(orange);
    await page.goto(`${hub.url}/console/incidents/${amber.id}`);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
    const post = (form: Record<string, string>, origin: string | null) =>
      fetch(`${hub.url}/console/incidents/${amber.id}/comments`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `estf_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
        body: new URLSearchParams(form).toString(),
      });
    const marker = `forged ${randomUUID().slice(0, 6)}`;
    expect((await post({ body: marker }, hub.url)).status).toBe(403);
    expect((await post({ body: marker, _csrf: 'x'.repeat(43) }, hub.url)).status).toBe(403);
    expect((await post({ body: marker, _csrf: csrf }, 'http://evil.example')).status).toBe(403);
    expect((await post({ body: marker, _csrf: csrf }, null)).status).toBe(403);
    const tl = await hub.gql(orange.token, `query($id: ID!) { incident(id: $id) { timeline { edges { node { body } } } } }`, { id: amber.id });
    expect(JSON.stringify(tl.data)).not.toContain(marker);
    // With both, it goes through.
    const ok = await post({ body: marker, _csrf: csrf }, hub.url);
    expect(ok.status).toBe(303);
    expect((await auditActions()).filter((a) => a === 'console.request_refused').length).toBeGreaterThanOrEqual(4);
    await context.close();
  }, 60_000);

  it('ends the session at once when the user is deactivated', async () => {
    const { context, page } = await signIn(orangeViewer);
    await page.goto(`${hub.url}/console/incidents/${amber.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(amber.reference);
    await hub.deps.services.identity.deactivateUser(operator, orangeViewer.email);
    await page.goto(`${hub.url}/console/incidents/${amber.id}`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await page.locator('main').textContent()).not.toContain(title);
    // A link cannot be issued for, nor sign in, a deactivated user.
    await expect(link(orangeViewer.email)).rejects.toThrow(/deactivated/);
    await context.close();
  }, 60_000);

  it('an "Open" link followed while signed out leads, after signing in, to the page it named, and never off the console', async () => {
    const asked = `/console/incidents/${amber.id}?done=comment`;
    const first = await fetch(`${hub.url}${asked}`, { redirect: 'manual' });
    expect([first.status, first.headers.get('location')]).toEqual([303, '/console/sign-in']);
    const remembered = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(remembered).toBe(`estf_next=${encodeURIComponent(asked)}`);
    const signIn = async (cookie: string | null) => {
      const link = await loginLink(hub, orange.email);
      return fetch(link, { method: 'POST', redirect: 'manual', headers: { origin: hub.url, ...(cookie ? { cookie } : {}) } });
    };
    const back = await signIn(remembered);
    expect([back.status, back.headers.get('location')]).toEqual([303, asked]);
    // Forged destinations (another site, a protocol-relative URL, sign-in itself) are ignored: Now.
    for (const forged of ['https://evil.example/', '//evil.example/console/', '/console//evil.example', '/console/sign-in/x', '/elsewhere']) {
      const res = await signIn(`estf_next=${encodeURIComponent(forged)}`);
      expect([forged, res.headers.get('location')]).toEqual([forged, '/console/now']);
    }
    // Without one: Now.
    expect((await signIn(null)).headers.get('location')).toBe('/console/now');
  });

  it('`estf login-link` prints one link, which signs in once (the CLI is audited as the operator)', async () => {
    const r = await runEstf(['login-link', '--email', orange.email], { DATABASE_URL: hub.dbUrl, PUBLIC_URL: hub.url });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${hub.url}/console/sign-in/[A-Za-z0-9_-]{43}$`));
    const first = await fetch(lines[0]!, { method: 'POST', headers: { origin: hub.url }, redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('set-cookie')).toMatch(/^estf_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await fetch(lines[0]!, { method: 'POST', headers: { origin: hub.url }, redirect: 'manual' })).status).toBe(410);
    const unknown = await runEstf(['login-link', '--email', 'nobody@county-orange.example'], { DATABASE_URL: hub.dbUrl, PUBLIC_URL: hub.url });
    expect(unknown.code).not.toBe(0);
  }, 60_000);

  it('a session ends when idle too long, past its absolute lifetime, or revoked; only hashes are stored', async () => {
    const meta = { requestId: null, clientAddress: '203.0.113.7', userAgent: 'test-agent/1' };
    const open = async () => {
      const token = (await link(orange.email)).split('/').pop()!;
      return (await hub.deps.services.sessions.signIn(token, meta))!;
    };
    const idle = await open();
    const old = await open();
    for (const s of [idle, old]) expect(await hub.deps.services.sessions.authenticate(s.cookieValue, meta)).not.toBeNull();
    const row = await hub.db.selectFrom('sessions').selectAll().where('id', '=', idle.session.id).executeTakeFirstOrThrow();
    expect(row.user_agent).toBe('test-agent/1');
    expect(row.client_address_hash).not.toBeNull();
    expect(row.client_address_hash!.toString('utf8')).not.toContain('203.0.113.7');
    expect(row.token_hash.toString('base64url')).not.toBe(idle.cookieValue);
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBeCloseTo(hub.config.console.absoluteMs, -4);

    await hub.db.updateTable('sessions').set({ idle_expires_at: new Date(Date.now() - 1000) }).where('id', '=', idle.session.id).execute();
    await hub.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', old.session.id).execute();
    expect(await hub.deps.services.sessions.authenticate(idle.cookieValue, meta)).toBeNull();
    expect(await hub.deps.services.sessions.authenticate(old.cookieValue, meta)).toBeNull();

    const revoked = await open();
    await hub.deps.services.sessions.signOut(revoked.session);
    expect(await hub.deps.services.sessions.authenticate(revoked.cookieValue, meta)).toBeNull();
    // An expired link signs nobody in.
    const stale = (await link(orange.email)).split('/').pop()!;
    await hub.db.updateTable('login_links').set({ expires_at: new Date(Date.now() - 1000) }).where('used_at', 'is', null).execute();
    expect(await hub.deps.services.sessions.signIn(stale, meta)).toBeNull();
  });

  it('the e-mail sign-in form answers alike for known and unknown addresses, mails a link only to a user, and rate-limits per address and per client', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const ask = async (email: string) => {
      await page.goto(`${hub.url}/console/sign-in`);
      await page.getByRole('textbox', { name: 'E-mail address' }).fill(email);
      await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
      await page.getByRole('status').waitFor();
      return (await page.locator('main').innerHTML()).replaceAll(email, '');
    };
    const known = await ask(fresno.email);
    const unknown = await ask(`nobody-${randomUUID().slice(0, 6)}@county-fresno.test`);
    expect(known).toBe(unknown);
    expect(await axe(page)).toEqual([]);

    const deadline = Date.now() + 10_000;
    while (!smtp.messages.some((m) => m.to.includes(fresno.email)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const mails = smtp.messages.filter((m) => m.raw.includes('sign-in'));
    expect(mails.map((m) => m.to)).toEqual([[fresno.email]]);
    // Quoted-printable soft line breaks removed; a token has no '='.
    const body = mails[0]!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const url = new RegExp(`${hub.url}/console/sign-in/[A-Za-z0-9_-]{43}`).exec(body)?.[0];
    expect(url).toBeDefined();
    await page.goto(url!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/now$/);
    await context.close();

    const post = (email: string) =>
      fetch(`${hub.url}/console/sign-in`, { method: 'POST', headers: { origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email }).toString() });
    const ghost = `ghost-${randomUUID().slice(0, 6)}@county-fresno.test`;
    // Three a quarter of an hour per address, known or not: the fourth is refused alike.
    expect([(await post(fresno.email)).status, (await post(fresno.email)).status, (await post(fresno.email)).status]).toEqual([200, 200, 429]);
    expect([(await post(ghost)).status, (await post(ghost)).status, (await post(ghost)).status, (await post(ghost)).status]).toEqual([200, 200, 200, 429]);
    // Ten per client: this test's 127.0.0.1 has sent nine by now; the tenth goes through, then even a fresh address is refused.
    expect((await post(`fresh-${randomUUID().slice(0, 6)}@county-fresno.test`)).status).toBe(200);
    expect((await post(`fresh-${randomUUID().slice(0, 6)}@county-fresno.test`)).status).toBe(429);
    expect((await auditActions()).filter((a) => a === 'console.sign_in_request_limited').length).toBeGreaterThanOrEqual(3);
    // From another site: refused before anything is counted or sent.
    const forged = await fetch(`${hub.url}/console/sign-in`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=x%40y.z' });
    expect(forged.status).toBe(403);
  }, 60_000);

  it('serves its assets from the hub with long cache lifetimes and a strict CSP on every page', async () => {
    const res = await fetch(`${hub.url}/console/sign-in`);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    // Signed out, even a page that does not exist leads to sign-in: the map of screens is not shown to strangers.
    const missing = await fetch(`${hub.url}/console/no-such-page`, { redirect: 'manual' });
    expect([missing.status, missing.headers.get('location')]).toEqual([303, '/console/sign-in']);
    expect(missing.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    const html = await res.text();
    expect(html).not.toMatch(/<script>|style=/);
    const assets = [...html.matchAll(/(?:href|src)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => /htmx-[0-9a-f]{12}\.js$/.test(a))).toBe(true);
    expect(assets.some((a) => /console-[0-9a-f]{12}\.css$/.test(a))).toBe(true);
    for (const a of assets) {
      const r = await fetch(`${hub.url}${a}`);
      expect(r.status, a).toBe(200);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('names the cookie __Host- and marks it Secure only under HTTPS', () => {
    expect(cookieName(loadConfig({ PUBLIC_URL: 'https://hub.example.org' }))).toBe('__Host-estf_session');
    expect(cookieName(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:4000' }))).toBe('estf_session');
  });
});
