import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, signedIn } from './support/console-browser.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

/**
 * The console's My pages screen in a real browser (Debian's Chromium, playwright-core) against a real hub
 * with its workers paging: the list of my unacknowledged pages, acknowledging one (also keyboard-only) and
 * all mine with plain form posts, another user's page neither listed nor acknowledgeable, CSRF refusal, the
 * acknowledgement link's way on to My pages, and axe's WCAG 2.0/2.1 A and AA rules on the empty and filled
 * states. Browser helpers as in test/console.test.ts.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

describe.skipIf(!HAS_CHROMIUM)('console: My pages', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let county: TestUser, coordinator: TestUser, duty: TestUser, stranger: TestUser;
  const incidents: Array<{ id: string; reference: string; escalationId: string }> = [];

  beforeAll(async () => {
    const port = await freePort();
    receiver = await startWebhookReceiver();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    workers = await startWorkers(hub.deps);
    [county, coordinator, duty, stranger] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
    ]);
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: duty.email, kind: 'WEBHOOK', target: receiver.url });
    // Only the test's rule: two levels an hour apart, so every page stays ACTIVE with a next deadline.
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'mypages-critical', severityAtLeast: 'CRITICAL', levels: [1, 2].map(() => ({ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] })) },
    });
    expect(rule.errors).toBeUndefined();
    for (const [title, tlp] of [['Ransomware on the VR system', 'AMBER'], ['DDoS on the results site', 'GREEN'], ['Defaced county page', 'CLEAR']] as const) {
      const filed = await hub.gql(county.token, FILE, { input: { title, summary: 's', category: 'RANSOMWARE', severity: 'CRITICAL', tlp, affectedCounties: ['county-los-angeles'] } });
      expect(filed.errors).toBeUndefined();
      const i = filed.data.fileIncident;
      const esc = await until(() => hub.db.selectFrom('escalations').select('id').where('incident_id', '=', i.id).executeTakeFirst(), 10_000);
      incidents.push({ ...i, escalationId: esc.id });
    }
    await until(async () => {
      const r = await hub.gql(duty.token, `{ myPages { id } }`);
      return r.data?.myPages?.length === 3 || null;
    }, 15_000);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await hub?.close();
    await receiver?.close();
  });

  const signIn = (u: TestUser) => signedIn(browser, hub, u);

  const axe = axeViolations;

  const stateOf = async (escalationId: string) =>
    (await hub.db.selectFrom('escalations').select(['state', 'timer_token', 'next_fire_at', 'acknowledged_by']).where('id', '=', escalationId).executeTakeFirstOrThrow());

  it("lists nothing for a user nobody pages (not another user's pages); the empty state passes axe", async () => {
    const { context, page } = await signIn(stranger);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My pages' }).click();
    await page.waitForURL(/\/console\/pages$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My pages');
    await expect(page.getByText('Nobody is paging you right now.').isVisible()).resolves.toBe(true);
    const html = await page.content();
    for (const i of incidents) expect(html).not.toContain(i.reference);
    expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('lists my unacknowledged pages with reference link, severity, TLP label, rule and level, deadline; the filled state passes axe', async () => {
    const { context, page } = await signIn(duty);
    await page.goto(`${hub.url}/console/pages`);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    for (const i of incidents) {
      const link = page.getByRole('link', { name: i.reference });
      expect(await link.getAttribute('href')).toBe(`/console/incidents/${i.id}`);
      await expect(page.getByRole('button', { name: `Acknowledge ${i.reference}` }).isVisible()).resolves.toBe(true);
    }
    const text = (await page.locator('main').textContent())!;
    expect(text).toContain('TLP:AMBER');
    expect(text).toContain('CRITICAL');
    expect(text).toContain('mypages-critical, level 1');
    // The next escalation's deadline, an hour after paging.
    const cells = await rows.first().locator('td').allTextContents();
    const [paged, deadline] = [cells[4]!, cells[5]!].map((t) => Date.parse(t.replace(' UTC', 'Z').replace(' ', 'T')));
    expect(deadline! - paged!).toBeGreaterThanOrEqual(59 * 60_000);
    await expect(page.getByRole('button', { name: 'Acknowledge all mine' }).isVisible()).resolves.toBe(true);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('the acknowledgement link page offers My pages to a signed-in console user only', async () => {
    const payload = await until(async () => {
      const r = receiver.requests.map((q) => JSON.parse(q.body) as { acknowledgeUrl: string }).find((p) => JSON.stringify(p).includes(incidents[2]!.reference));
      return r ?? null;
    }, 10_000);
    const ackUrl = payload.acknowledgeUrl.replace(/^https?:\/\/[^/]+/, hub.url);
    const anonymous = await (await fetch(ackUrl)).text();
    expect(anonymous).toContain('Acknowledge: I am on it');
    expect(anonymous).not.toContain('/console/pages');
    // "Open" goes to the incident's console page (which asks for a sign-in and applies the access policy).
    expect(anonymous).toContain(`<a href="/console/incidents/${incidents[2]!.id}">Open ${incidents[2]!.reference} in the console</a>`);
    const { context, page } = await signIn(duty);
    await page.goto(ackUrl);
    await page.getByRole('link', { name: 'My pages' }).click();
    await page.waitForURL(/\/console\/pages$/);
    expect(await page.locator('tbody tr').count()).toBe(3);
    // Looking changed nothing.
    expect((await stateOf(incidents[2]!.escalationId)).state).toBe('ACTIVE');
    await context.close();
  }, 60_000);

  it("answers a forged acknowledgement of another user's page as not found, refuses one without CSRF token, and writes nothing", async () => {
    const target = incidents[0]!;
    const post = async (u: TestUser, withToken: boolean) => {
      const { context, page } = await signIn(u);
      await page.goto(`${hub.url}/console/pages`);
      const csrf = await page.locator('input[name=_csrf]').first().inputValue();
      const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
      await context.close();
      return fetch(`${hub.url}/console/pages/${target.escalationId}/acknowledge`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `estf_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded', origin: hub.url },
        body: new URLSearchParams(withToken ? { _csrf: csrf } : {}).toString(),
      });
    };
    const forged = await post(stranger, true);
    expect(forged.status).toBe(404);
    expect(await forged.text()).toContain('does not exist, or you do not have access to it');
    const unknown = await fetch(`${hub.url}/console/pages/00000000-0000-4000-8000-000000000000/acknowledge`, { method: 'POST', redirect: 'manual' });
    expect(unknown.status).toBe(403); // no session at all: refused before anything
    expect((await post(duty, false)).status).toBe(403);
    const s = await stateOf(target.escalationId);
    expect(s.state).toBe('ACTIVE');
    expect(s.acknowledged_by).toBeNull();
    const audit = await hub.db.selectFrom('audit_log').select('action').where('action', '=', 'escalation.acknowledged').execute();
    expect(audit).toHaveLength(0);
  }, 60_000);

  it('acknowledges one page with the keyboard only; paging stops and the page says so in a status region', async () => {
    const target = incidents[0]!;
    const { context, page } = await signIn(duty);
    await page.goto(`${hub.url}/console/pages`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('aria-label')) === `Acknowledge ${target.reference}`;
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/pages\?acknowledged=1$/);
    expect(await page.getByRole('status').textContent()).toBe('Acknowledged 1 page: paging has stopped.');
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.getByRole('link', { name: target.reference }).count()).toBe(0);
    const s = await stateOf(target.escalationId);
    expect(s).toMatchObject({ state: 'ACKNOWLEDGED', timer_token: null, next_fire_at: null });
    expect(s.acknowledged_by).not.toBeNull();
    // The same acknowledgement the API sees.
    const api = await hub.gql(duty.token, `{ myPages { id } }`);
    expect(api.data.myPages.map((p: { id: string }) => p.id)).not.toContain(target.escalationId);
    await context.close();
  }, 60_000);

  it('"Acknowledge all mine" acknowledges every remaining page in one press', async () => {
    const { context, page } = await signIn(duty);
    await page.goto(`${hub.url}/console/pages`);
    await page.getByRole('button', { name: 'Acknowledge all mine' }).click();
    await page.waitForURL(/\/console\/pages\?acknowledged=2$/);
    expect(await page.getByRole('status').textContent()).toBe('Acknowledged 2 pages: paging has stopped.');
    await expect(page.getByText('Nobody is paging you right now.').isVisible()).resolves.toBe(true);
    for (const i of incidents) expect((await stateOf(i.escalationId)).state).toBe('ACKNOWLEDGED');
    expect((await hub.gql(duty.token, `{ myPages { id } }`)).data.myPages).toEqual([]);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 60_000);
});
