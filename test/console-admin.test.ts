import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, signedIn, expectFocus } from './support/console-browser.js';

/**
 * The console's Alert subscriptions and Organization screens in a real browser against a real hub: creating,
 * editing, pausing, resuming and deleting subscriptions through the same service as the GraphQL mutations
 * (a webhook at a private address refused by the same guard), an organization's admin changing roles and
 * deactivating a user whose open console page then lands on sign-in; and people who must not: a non-admin
 * and an admin of another organization, by page and by forged post. axe on the empty, filled and error states.
 */

const operator = systemPrincipal('test');
const SUBS = `{ alertSubscriptions { id name mode paused channels email webhookUrl filter { severityAtLeast affectedCounties { slug } } } }`;
const ORG_SUBS = `query($o: String) { alertSubscriptions(organization: $o) { id name paused } }`;

describe.skipIf(!HAS_CHROMIUM)('console: alert subscriptions and organization admin', () => {
  let hub: TestHub;
  let browser: Browser;
  let analyst: TestUser, orgAdmin: TestUser, kernAdmin: TestUser, member: TestUser, auditorMember: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    // Private webhook addresses refused, as in production: the console must meet the same guard as the API.
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ESTF_ALLOW_PRIVATE_WEBHOOKS: 'false' });
    [analyst, orgAdmin, kernAdmin, member, auditorMember] = await Promise.all([
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'], 'admin'),
      makeUser(hub.deps, 'county-kern', ['ANALYST', 'ORG_ADMIN'], 'kernadmin'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'member'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST', 'AUDITOR'], 'auditor'),
    ]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const signIn = (u: TestUser) => signedIn(browser, hub, u);
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  /** A forged form post with a real session and its CSRF token (what a page of the hub could send). */
  const forge = async (context: BrowserContext, page: Page) => {
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
    return (path: string, form: Record<string, string> = {}) =>
      fetch(`${hub.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `estf_session=${cookie}`, origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
  };
  const userRow = (email: string) => hub.db.selectFrom('users').select(['active', 'roles']).where('email', '=', email).executeTakeFirstOrThrow();

  describe('alert subscriptions', () => {
    it('empty, then created by the form (counties, severity, e-mail to me), listed as the API lists it; axe on both', async () => {
      const { context, page } = await signIn(analyst);
      await nav(page, 'Alerts').click();
      await page.waitForURL(/\/console\/alerts$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Alert subscriptions');
      expect(await page.getByText('None yet.').count()).toBe(1);
      // An analyst is no admin: no organization section.
      expect(await page.getByRole('heading', { name: /the organization's/ }).count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);

      await page.getByRole('link', { name: 'New subscription' }).click();
      await page.waitForURL(/\/console\/alerts\/new$/);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('textbox', { name: /^Name/ }).fill('Fresno daily');
      await page.getByRole('combobox', { name: 'How often' }).selectOption('DAILY_DIGEST');
      await page.getByRole('combobox', { name: 'Severity at least' }).selectOption('HIGH');
      await page.getByText('Affected counties', { exact: true }).click();
      await page.getByRole('checkbox', { name: 'Fresno', exact: true }).check();
      await page.getByRole('checkbox', { name: 'Madera', exact: true }).check();
      await page.getByRole('button', { name: 'Create subscription' }).click();
      await page.waitForURL(/\/console\/alerts\?done=created$/);
      expect(await page.getByRole('status').textContent()).toContain('Subscription created.');
      const row = page.locator('tbody tr', { hasText: 'Fresno daily' });
      expect(await row.textContent()).toContain('HIGH or higher; counties: Fresno, Madera');
      expect(await row.textContent()).toContain(`E-mail to ${analyst.email}`);
      expect(await axeViolations(page)).toEqual([]);

      // At a phone's width too (an on-call officer on the road).
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${hub.url}/console/alerts/new`);
      expect(await axeViolations(page)).toEqual([]);
      const api = (await hub.gql(analyst.token, SUBS)).data.alertSubscriptions;
      expect(api).toEqual([
        expect.objectContaining({ name: 'Fresno daily', mode: 'DAILY_DIGEST', paused: false, channels: ['EMAIL'], email: analyst.email, filter: { severityAtLeast: 'HIGH', affectedCounties: [{ slug: 'county-fresno' }, { slug: 'county-madera' }] } }),
      ]);
      await context.close();
    }, 90_000);

    it('a webhook at a private address is refused by the same guard as the API: the error beside the field, the form kept, nothing created; axe', async () => {
      const { context, page } = await signIn(analyst);
      const before = (await hub.gql(analyst.token, SUBS)).data.alertSubscriptions.length;
      await page.goto(`${hub.url}/console/alerts/new`);
      await page.getByRole('textbox', { name: /^Name/ }).fill('Metadata grab');
      await page.getByRole('checkbox', { name: 'E-mail' }).uncheck();
      await page.getByRole('checkbox', { name: 'Webhook' }).check();
      await page.getByRole('textbox', { name: /^Webhook URL/ }).fill('http://169.254.169.254/latest/meta-data');
      await page.getByRole('button', { name: 'Create subscription' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/Webhook URL: points at .* which is refused/);
      await expectFocus(page, 'sub-errors');
      const field = page.getByRole('textbox', { name: /^Webhook URL/ });
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await field.inputValue()).toBe('http://169.254.169.254/latest/meta-data');
      expect(await page.getByRole('textbox', { name: /^Name/ }).inputValue()).toBe('Metadata grab');
      expect(await axeViolations(page)).toEqual([]);
      // The API refuses it alike.
      const viaApi = await hub.gql(analyst.token, `mutation($i: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $i) { subscription { id } } }`, {
        i: { name: 'x', channels: ['WEBHOOK'], webhookUrl: 'http://169.254.169.254/latest/meta-data', mode: 'IMMEDIATE' },
      });
      expect(viaApi.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'webhookUrl' });
      expect((await hub.gql(analyst.token, SUBS)).data.alertSubscriptions.length).toBe(before);
      await context.close();
    }, 60_000);

    it('a public webhook: its signing secret shown once; edit, pause, resume and delete, each as the API sees it', async () => {
      const { context, page } = await signIn(analyst);
      await page.goto(`${hub.url}/console/alerts/new`);
      await page.getByRole('textbox', { name: /^Name/ }).fill('SIEM feed');
      await page.getByRole('checkbox', { name: 'E-mail' }).uncheck();
      await page.getByRole('checkbox', { name: 'Webhook' }).check();
      await page.getByRole('textbox', { name: /^Webhook URL/ }).fill('https://siem.example.org/estf');
      await page.getByRole('button', { name: 'Create subscription' }).click();
      await page.getByRole('heading', { name: 'Webhook signing secret' }).waitFor();
      const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
      expect(secret).toMatch(/^whsec_/);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('link', { name: 'Back to the subscriptions' }).click();
      expect(await page.content()).not.toContain(secret);

      const id = (await hub.gql(analyst.token, SUBS)).data.alertSubscriptions.find((s: any) => s.name === 'SIEM feed').id;
      await page.getByRole('link', { name: 'Edit SIEM feed' }).click();
      await page.waitForURL(new RegExp(`/console/alerts/${id}/edit$`));
      expect(await page.getByRole('textbox', { name: /^Webhook URL/ }).inputValue()).toBe('https://siem.example.org/estf');
      await page.getByRole('combobox', { name: 'How often' }).selectOption('HOURLY_DIGEST');
      await page.getByRole('textbox', { name: /^Name/ }).fill('SIEM feed (hourly)');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/done=saved$/);
      const sub = () => hub.gql(analyst.token, SUBS).then((r) => r.data.alertSubscriptions.find((s: any) => s.id === id));
      expect(await sub()).toMatchObject({ name: 'SIEM feed (hourly)', mode: 'HOURLY_DIGEST', webhookUrl: 'https://siem.example.org/estf', paused: false });

      await page.getByRole('button', { name: 'Pause SIEM feed (hourly)' }).click();
      await page.waitForURL(/done=paused$/);
      expect((await sub()).paused).toBe(true);
      expect(await page.locator('tbody tr', { hasText: 'SIEM feed (hourly)' }).textContent()).toMatch(/paused/);
      await page.getByRole('button', { name: 'Resume SIEM feed (hourly)' }).click();
      await page.waitForURL(/done=resumed$/);
      expect((await sub()).paused).toBe(false);
      await page.getByRole('button', { name: 'Delete SIEM feed (hourly)' }).click();
      await page.waitForURL(/done=deleted$/);
      expect(await sub()).toBeUndefined();
      const actions = (await hub.db.selectFrom('audit_log').select('action').where('object_id', '=', id).orderBy('seq').execute()).map((r) => r.action);
      expect(actions).toEqual(['alert_subscription.created', 'alert_subscription.updated', 'alert_subscription.paused', 'alert_subscription.resumed', 'alert_subscription.deleted']);
      await context.close();
    }, 90_000);

    it("an ORG_ADMIN subscribes for the organization; a member and another county's admin cannot see or act on it, even by forged posts", async () => {
      const admin = await signIn(orgAdmin);
      await admin.page.goto(`${hub.url}/console/alerts/new`);
      await admin.page.getByRole('textbox', { name: /^Name/ }).fill('Fresno SOC');
      await admin.page.getByRole('radio', { name: /Fresno County Elections/ }).check();
      await admin.page.getByRole('textbox', { name: /^E-mail address/ }).fill('soc@county-fresno.test');
      await admin.page.getByRole('button', { name: 'Create subscription' }).click();
      await admin.page.waitForURL(/done=created$/);
      expect(await admin.page.getByRole('region', { name: /the organization's/ }).textContent()).toContain('Fresno SOC');
      const orgSub = (await hub.gql(orgAdmin.token, ORG_SUBS, { o: 'county-fresno' })).data.alertSubscriptions.find((s: any) => s.name === 'Fresno SOC');
      expect(orgSub).toBeDefined();
      await admin.context.close();

      for (const u of [analyst, kernAdmin]) {
        const { context, page } = await signIn(u);
        await page.goto(`${hub.url}/console/alerts`);
        expect(await page.content()).not.toContain('Fresno SOC');
        const edit = await page.goto(`${hub.url}/console/alerts/${orgSub.id}/edit`);
        expect(edit!.status()).toBe(404);
        const post = await forge(context, page);
        for (const action of ['pause', 'delete']) expect((await post(`/console/alerts/${orgSub.id}/${action}`)).status, `${u.email} ${action}`).toBe(404);
        expect((await post(`/console/alerts/${orgSub.id}/edit`, { name: 'hijacked', mode: 'IMMEDIATE', channels: 'WEBHOOK', webhookUrl: 'https://evil.example/x' })).status).toBe(404);
        // Nor can they subscribe for Fresno: the form's organization is always their own, and a member gets FORBIDDEN.
        const forOrg = await post('/console/alerts/new', { name: 'as org', owner: 'organization', mode: 'IMMEDIATE', channels: 'EMAIL', email: 'x@county-fresno.test' });
        expect(forOrg.status).toBe(u === analyst ? 400 : 303);
        await context.close();
      }
      const after = (await hub.gql(orgAdmin.token, ORG_SUBS, { o: 'county-fresno' })).data.alertSubscriptions;
      expect(after).toEqual([expect.objectContaining({ id: orgSub.id, name: 'Fresno SOC', paused: false })]);
      // Kern's admin subscribed for Kern (their own organization), not Fresno.
      expect((await hub.gql(kernAdmin.token, ORG_SUBS, { o: 'county-kern' })).data.alertSubscriptions.map((s: any) => s.name)).toEqual(['as org']);
    }, 120_000);
  });

  describe('organization admin', () => {
    it('lists the users of my organization only; roles changed by checkboxes (AUDITOR kept); an empty choice refused beside the field; axe', async () => {
      const { context, page } = await signIn(orgAdmin);
      await nav(page, 'Organization').click();
      await page.waitForURL(/\/console\/organization$/);
      const text = (await page.locator('main').textContent())!;
      for (const u of [analyst, orgAdmin, member, auditorMember]) expect(text).toContain(u.email);
      expect(text).not.toContain(kernAdmin.email);
      expect(await axeViolations(page)).toEqual([]);

      await page.getByRole('link', { name: auditorMember.email }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(auditorMember.email) }).waitFor();
      // Hub-wide roles are not offered to an ORG_ADMIN, and are kept.
      expect(await page.getByRole('checkbox', { name: 'AUDITOR' }).count()).toBe(0);
      expect(await page.getByRole('checkbox', { name: 'COORDINATOR' }).count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('checkbox', { name: 'ANALYST' }).uncheck();
      await page.getByRole('button', { name: 'Save roles' }).click();
      // Only AUDITOR would remain: the service keeps it, and VIEWER/ANALYST none → still a valid set (AUDITOR).
      await page.waitForURL(/done=roles/);
      expect((await userRow(auditorMember.email)).roles).toEqual(['AUDITOR']);

      await page.goto(`${hub.url}/console/organization`);
      await page.getByRole('link', { name: member.email }).click();
      await page.getByRole('checkbox', { name: 'ANALYST' }).uncheck();
      await page.getByRole('button', { name: 'Save roles' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Roles: at least one role is required');
      await expectFocus(page, 'user-errors');
      expect(await page.getByRole('group', { name: 'Roles' }).getAttribute('aria-invalid')).toBe('true');
      expect(await axeViolations(page)).toEqual([]);
      expect((await userRow(member.email)).roles).toEqual(['ANALYST']);

      await page.getByRole('checkbox', { name: 'VIEWER' }).check();
      await page.getByRole('checkbox', { name: 'ORG_ADMIN' }).check();
      await page.getByRole('button', { name: 'Save roles' }).click();
      await page.waitForURL(/done=roles/);
      expect(await page.getByRole('status').textContent()).toContain(`${member.email} roles saved.`);
      // The same use case as setUserRoles: audited with before and after, and the API sees the change.
      expect((await userRow(member.email)).roles).toEqual(['VIEWER', 'ORG_ADMIN']);
      const entry = await hub.db.selectFrom('audit_log').select(['change', 'actor_email']).where('action', '=', 'user.roles_changed').where('object_id', '=', member.id).executeTakeFirstOrThrow();
      expect(entry).toMatchObject({ actor_email: orgAdmin.email, change: { before: ['ANALYST'], after: ['VIEWER', 'ORG_ADMIN'] } });
      await context.close();
    }, 90_000);

    it("deactivating a user ends their open console page at once (next request: sign-in); reactivating lets them sign in again", async () => {
      const victim = await makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'leaver');
      const them = await signIn(victim);
      await them.page.goto(`${hub.url}/console/alerts`);
      const admin = await signIn(orgAdmin);
      await admin.page.goto(`${hub.url}/console/organization`);
      await admin.page.getByRole('button', { name: `Deactivate ${victim.email}` }).click();
      await admin.page.waitForURL(/done=deactivated/);
      expect(await admin.page.getByRole('status').textContent()).toContain(`${victim.email} deactivated`);
      expect(await admin.page.locator('tbody tr', { hasText: victim.email }).textContent()).toContain('deactivated');
      expect((await userRow(victim.email)).active).toBe(false);
      await them.page.reload();
      expect(new URL(them.page.url()).pathname).toBe('/console/sign-in');
      expect((await hub.gql(victim.token, `{ viewer { user { email } } }`)).status).toBe(401);

      await admin.page.getByRole('button', { name: `Reactivate ${victim.email}` }).click();
      await admin.page.waitForURL(/done=reactivated/);
      expect((await userRow(victim.email)).active).toBe(true);
      const again = await signIn(victim);
      expect(new URL(again.page.url()).pathname).toBe('/console/now');
      await Promise.all([them.context.close(), admin.context.close(), again.context.close()]);
    }, 90_000);

    it("a non-admin gets the unknown page's 404, and an admin of another county cannot see or act on this county's users (forged posts refused)", async () => {
      const target = await makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'target');
      const plain = await signIn(analyst);
      expect(await nav(plain.page, 'Organization').count()).toBe(0);
      const unknown = await plain.page.goto(`${hub.url}/console/no-such-page`);
      const unknownMain = await plain.page.locator('main').innerHTML();
      for (const path of ['/console/organization', `/console/organization/users/${target.id}`]) {
        const res = await plain.page.goto(`${hub.url}${path}`);
        expect([res!.status(), unknown!.status()]).toEqual([404, 404]);
        expect(await plain.page.locator('main').innerHTML()).toBe(unknownMain);
      }
      const plainPost = await forge(plain.context, plain.page);
      expect((await plainPost(`/console/organization/users/${target.id}/deactivate`)).status).toBe(404);
      expect((await plainPost(`/console/organization/users/${target.id}/roles`, { roles: 'ORG_ADMIN' })).status).toBe(404);

      const kern = await signIn(kernAdmin);
      await kern.page.goto(`${hub.url}/console/organization`);
      expect(await kern.page.locator('main').textContent()).not.toContain(target.email);
      expect((await kern.page.goto(`${hub.url}/console/organization/users/${target.id}`))!.status()).toBe(404);
      const kernPost = await forge(kern.context, kern.page);
      expect((await kernPost(`/console/organization/users/${target.id}/deactivate`)).status).toBe(404);
      expect((await kernPost(`/console/organization/users/${target.id}/roles`, { roles: 'ORG_ADMIN' })).status).toBe(404);
      expect(await userRow(target.email)).toEqual({ active: true, roles: ['ANALYST'] });
      // Not even an ORG_ADMIN may hand out AUDITOR by a forged field.
      const admin = await signIn(orgAdmin);
      await admin.page.goto(`${hub.url}/console/organization/users/${target.id}`);
      const adminPost = await forge(admin.context, admin.page);
      expect((await adminPost(`/console/organization/users/${target.id}/roles`, { roles: 'AUDITOR' })).status).toBe(403);
      expect(await userRow(target.email)).toEqual({ active: true, roles: ['ANALYST'] });
      await Promise.all([plain.context.close(), kern.context.close(), admin.context.close()]);
    }, 90_000);
  });
});
