import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, signedIn, expectFocus } from './support/console-browser.js';

/**
 * The console's Account screen in a real browser against a real hub: my console sessions (this one marked,
 * revoking another ends it at once, revoking this one signs me out), my API tokens (a new one shown once, then
 * only its prefix and name; revoking stops it), the error state of the token form, and another user's session
 * or token neither listed nor revocable by forged posts. axe on the empty, filled, shown-once and error states.
 */

const operator = systemPrincipal('test');
const VIEWER = `{ viewer { user { email } } }`;

describe.skipIf(!HAS_CHROMIUM)('console: Account', () => {
  let hub: TestHub;
  let browser: Browser;
  let me: TestUser, other: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    [me, other] = await Promise.all([makeUser(hub.deps, 'county-orange', ['ANALYST'], 'me'), makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'admin')]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const signIn = (u: TestUser) => signedIn(browser, hub, u);
  const cookieOf = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
  const account = async (page: Page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/console\/account$/);
  };
  /** A form post as the browser would send it (Origin, cookie, the page's CSRF token), or without one of them. */
  const post = (path: string, cookie: string, form: Record<string, string>) =>
    fetch(`${hub.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `estf_session=${cookie}`, origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('the empty state: a user without tokens sees one session (this one) and no token; axe passes', async () => {
    const email = `fresh-${Date.now()}@county-orange.test`;
    await hub.deps.services.identity.createUser(operator, { email, name: 'Fresh user', organization: 'county-orange', roles: ['VIEWER'] });
    const { context, page } = await signIn({ id: '', email, organization: 'county-orange', roles: ['VIEWER'], token: '' });
    await account(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Account');
    const rows = page.getByRole('table').first().locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('(this session)');
    await expect(page.getByText('You have no API tokens.').isVisible()).resolves.toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('lists my sessions with this one marked; revoking another browser ends it at its next request, revoking this one signs me out', async () => {
    const a = await signIn(me);
    const b = await signIn(me);
    await b.page.goto(`${hub.url}/console/incidents`);
    await account(a.page);
    const rows = a.page.getByRole('table').first().locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const texts = await rows.allTextContents();
    expect(texts.filter((t) => t.includes('(this session)'))).toHaveLength(1);
    // The user agent is shown (Chromium's).
    expect(texts.join(' ')).toMatch(/Chrome/);
    expect(await axeViolations(a.page)).toEqual([]);

    const revokeOther = a.page.getByRole('button', { name: /^Revoke the session signed in / });
    expect(await revokeOther.count()).toBe(1);
    await revokeOther.click();
    await a.page.waitForURL(/done=session-revoked/);
    expect(await a.page.getByRole('status').textContent()).toContain('The session was revoked');
    expect(await a.page.getByRole('table').first().locator('tbody tr').count()).toBe(1);
    // The other browser's open page: its next request lands on sign-in.
    await b.page.reload();
    expect(new URL(b.page.url()).pathname).toBe('/console/sign-in');
    expect((await hub.db.selectFrom('audit_log').select('action').where('action', '=', 'console.session_revoked').execute()).length).toBe(1);

    // Revoking this session signs this browser out.
    const cookie = await cookieOf(a.context);
    await a.page.getByRole('button', { name: 'Revoke this session (sign out here)' }).click();
    await a.page.waitForURL(/\/console\/sign-in$/);
    const after = await fetch(`${hub.url}/console/account`, { headers: { cookie: `estf_session=${cookie}` }, redirect: 'manual' });
    expect([after.status, after.headers.get('location')]).toEqual([303, '/console/sign-in']);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it('creates a token shown once (it works), then lists only its prefix and name; revoking it stops it', async () => {
    const { context, page } = await signIn(me);
    await account(page);
    // The operator's token of the factory is listed as issued by the operator.
    expect(await page.locator('main').textContent()).toContain('issued by operator (estf token issue)');
    await page.getByRole('textbox', { name: /Token name/ }).fill('SIEM script');
    await page.getByRole('textbox', { name: /Expires in/ }).fill('30d');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('heading', { name: 'Your new API token' }).waitFor();
    const token = await page.getByRole('textbox', { name: /Token/ }).first().inputValue();
    expect(token).toMatch(/^estf_/);
    // The answer is a page, not a redirect: the token is in no URL.
    expect(page.url()).not.toContain(token);
    expect(await axeViolations(page)).toEqual([]);
    expect((await hub.gql(token, VIEWER)).data).toEqual({ viewer: { user: { email: me.email } } });

    // Never again: the account page shows its prefix and name only.
    await page.goto(`${hub.url}/console/account`);
    const html = await page.content();
    expect(html).not.toContain(token);
    const row = page.locator('tbody tr', { hasText: 'SIEM script' });
    expect(await row.count()).toBe(1);
    const prefix = (await row.locator('code').textContent())!;
    expect(token.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeLessThan(token.length);
    expect(await row.textContent()).toMatch(/active, expires/);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: `Revoke token ${prefix}` }).click();
    await page.waitForURL(/done=token-revoked/);
    expect(await page.locator('tbody tr', { hasText: 'SIEM script' }).textContent()).toMatch(/revoked/);
    expect((await hub.gql(token, VIEWER)).status).toBe(401);
    await context.close();
  }, 90_000);

  it('a refused token form keeps what was typed, with the error beside the field and a focused summary; nothing is created', async () => {
    const { context, page } = await signIn(me);
    await account(page);
    const before = (await hub.deps.services.identity.listApiTokens(operator, me.email)).length;
    await page.getByRole('textbox', { name: /Token name/ }).fill('Never ending');
    await page.getByRole('textbox', { name: /Expires in/ }).fill('forever');
    await page.getByRole('button', { name: 'Create token' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Expires in: "forever" is not a lifetime');
    await expectFocus(page, 'acct-errors');
    const field = page.getByRole('textbox', { name: /Expires in/ });
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.inputValue()).toBe('forever');
    expect(await page.getByRole('textbox', { name: /Token name/ }).inputValue()).toBe('Never ending');
    expect(await axeViolations(page)).toEqual([]);
    expect((await hub.deps.services.identity.listApiTokens(operator, me.email)).length).toBe(before);
    await context.close();
  }, 60_000);

  it("another user's session and token are neither listed nor revocable (even by an ORG_ADMIN of my organization); a post without CSRF token is refused", async () => {
    const mine = await signIn(me);
    const theirs = await signIn(other);
    await theirs.page.goto(`${hub.url}/console/account`);
    const csrf = await theirs.page.locator('input[name=_csrf]').first().inputValue();
    const cookie = await cookieOf(theirs.context);
    const mySession = (await hub.db.selectFrom('sessions').select('id').where('user_id', '=', me.id).where('revoked_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirstOrThrow()).id;
    const myPrefix = (await hub.deps.services.identity.listApiTokens(operator, me.email)).find((t) => !t.revoked_at)!.prefix;
    // Not listed to them.
    const html = await theirs.page.content();
    expect(html).not.toContain(mySession);
    expect(html).not.toContain(myPrefix);
    // Forged posts: 404, the same as an unknown id, and nothing changes.
    expect((await post(`/console/account/sessions/${mySession}/revoke`, cookie, { _csrf: csrf })).status).toBe(404);
    expect((await post(`/console/account/sessions/00000000-0000-4000-8000-000000000000/revoke`, cookie, { _csrf: csrf })).status).toBe(404);
    expect((await post(`/console/account/tokens/${myPrefix}/revoke`, cookie, { _csrf: csrf })).status).toBe(404);
    await mine.page.goto(`${hub.url}/console/account`);
    expect(new URL(mine.page.url()).pathname).toBe('/console/account');
    expect((await hub.gql(me.token, VIEWER)).status).toBe(200);
    // Without the CSRF token, even on one's own session: refused.
    const ownSession = (await hub.db.selectFrom('sessions').select('id').where('user_id', '=', other.id).where('revoked_at', 'is', null).executeTakeFirstOrThrow()).id;
    expect((await post(`/console/account/sessions/${ownSession}/revoke`, cookie, {})).status).toBe(403);
    expect((await post(`/console/account/tokens`, cookie, { name: 'forged' })).status).toBe(403);
    expect((await hub.deps.services.identity.listApiTokens(operator, other.email)).some((t) => t.name === 'forged')).toBe(false);
    await theirs.page.reload();
    expect(new URL(theirs.page.url()).pathname).toBe('/console/account');
    await mine.context.close();
    await theirs.context.close();
  }, 60_000);
});
