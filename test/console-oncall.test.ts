import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, loginLink, signedIn, expectFocus } from './support/console-browser.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';

/**
 * The console's On-call screens in a real browser (Debian's Chromium) against a real hub: now and next for
 * every duty, a duty's schedule and overrides with the edit forms only for whom the policy lets edit them
 * (an ORG_ADMIN of the organization, a coordinator), forged posts refused with nothing written, malformed
 * dates answered beside their field and in a focused summary, and my contact methods with "send a test
 * page" to a real webhook receiver on 127.0.0.1 (webhooks to private addresses are allowed outside
 * production: ESTF_ALLOW_PRIVATE_WEBHOOKS). axe's WCAG 2.0/2.1 A and AA rules on empty, filled and error states.
 */

const sys = systemPrincipal('test');
const ON_CALL = `query { onCall(organization: "county-orange", duty: "rov-oncall") { user { email } source override { id } } }`;

/** An instant as a datetime-local value on Pacific wall clocks (the schedule's zone). */
function pacific(d: Date): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

describe.skipIf(!HAS_CHROMIUM)('console: On-call', () => {
  let hub: TestHub;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let failing: WebhookReceiver;
  let admin: TestUser, analyst: TestUser, ana: TestUser, ben: TestUser, carl: TestUser, fresno: TestUser, coordinator: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    [receiver, failing] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
    failing.respond = () => 500;
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    [admin, analyst, ana, ben, carl, fresno, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ORG_ADMIN', 'ANALYST'], 'admin'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'analyst'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'ana'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'ben'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'carl'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'fresno'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coordinator'),
    ]);
    await hub.deps.services.oncall.setSchedule(sys, {
      organization: 'county-orange',
      duty: 'rov-oncall',
      participants: [ana.email, ben.email],
      shiftLengthHours: 24,
      handoffTime: '09:00',
      startDate: '2026-11-01',
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await receiver?.close();
    await failing?.close();
  });

  const axe = axeViolations;
  const signIn = (u: TestUser) => signedIn(browser, hub, u);
  const dutyUrl = () => `${hub.url}/console/on-call/county-orange/rov-oncall`;
  const overrides = () => hub.db.selectFrom('schedule_overrides').select(['id', 'user_id', 'starts_at', 'ends_at']).execute();
  const scheduleRow = () => hub.db.selectFrom('schedules').select(['participants', 'handoff_time', 'updated_at']).executeTakeFirstOrThrow();
  const onCallNow = async (token: string) => {
    const r = await hub.gql(token, ON_CALL);
    expect(r.errors).toBeUndefined();
    return r.data.onCall as { user: { email: string }; source: string; override: { id: string } | null };
  };

  /** A session's cookie and CSRF token, to send what a forged form would. */
  async function sessionOf(u: TestUser, path: string) {
    const { context, page } = await signIn(u);
    await page.goto(`${hub.url}${path}`);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
    await context.close();
    return (action: string, form: Record<string, string>) =>
      fetch(`${hub.url}${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: hub.url, cookie: `estf_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...form }),
      });
  }

  it("shows now and next for my organization's duties; another organization's user sees theirs, and no one's contact methods (empty states pass axe)", async () => {
    const now = await onCallNow(analyst.token);
    const { context, page } = await signIn(analyst);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On-call' }).click();
    await page.waitForURL(/\/console\/on-call$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('On-call');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'county-orange/rov-oncall' }) });
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    // Now: whoever the API says; next: the other one of the two-person rotation.
    expect(cells[1]).toContain(now.user.email);
    const other = now.user.email === ana.email ? ben.email : ana.email;
    expect(cells[3]).toContain(other);
    expect(cells[2]).toMatch(/^\d{4}-\d{2}-\d{2} 09:00 P[SD]T$/);
    await expect(page.getByText('You have no contact methods: pages cannot reach you.').isVisible()).resolves.toBe(true);
    expect(await axe(page)).toEqual([]);
    await context.close();

    const f = await signIn(fresno);
    await f.page.goto(`${hub.url}/console/on-call`);
    const html = await f.page.content();
    expect(html).toContain('county-fresno/rov-oncall');
    expect(html).toContain('No schedule: nobody is paged');
    expect(html).not.toContain('county-orange/rov-oncall');
    expect(html).not.toContain(ana.email);
    // Every partner may look the duties up (the task force's phone book), from the organization chooser.
    await f.page.getByLabel('Organization').selectOption('all');
    await f.page.getByRole('button', { name: 'Show duties' }).click();
    await f.page.waitForURL(/\/console\/on-call\?organization=all$/);
    expect(await f.page.getByRole('link', { name: 'county-orange/rov-oncall' }).count()).toBe(1);
    expect(await f.page.getByRole('link', { name: 'sos/security-duty' }).count()).toBe(1);
    expect(await axe(f.page)).toEqual([]);
    await f.context.close();
  }, 90_000);

  it('an ORG_ADMIN adds an override without JavaScript; it shows in now, on Now and in the GraphQL onCall query; removing it restores the rotation', async () => {
    const before = await onCallNow(analyst.token);
    expect(before.source).toBe('ROTATION');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(await loginLink(hub, admin.email));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/now$/);
    await page.goto(dutyUrl());
    await expect(page.getByRole('heading', { name: 'Change the rotation' }).isVisible()).resolves.toBe(true);
    await page.getByLabel(/^Who takes over/).fill(carl.email);
    await page.getByLabel('From', { exact: true }).fill(pacific(new Date(Date.now() - 3_600_000)));
    await page.getByLabel('Until', { exact: true }).fill(pacific(new Date(Date.now() + 3 * 3_600_000)));
    await page.getByRole('button', { name: 'Add override' }).click();
    await page.waitForURL(/\/console\/on-call\/county-orange\/rov-oncall\?saved=override$/);
    expect(await page.getByRole('status').first().textContent()).toContain('The override is added.');
    const nowLine = await page.getByRole('listitem').filter({ hasText: 'Now:' }).textContent();
    expect(nowLine).toContain(carl.email);
    expect(nowLine).toContain('by an override');

    const rows = await overrides();
    expect(rows).toHaveLength(1);
    const api = await onCallNow(fresno.token);
    expect(api).toEqual({ user: { email: carl.email }, source: 'OVERRIDE', override: { id: rows[0]!.id } });
    // Three hours from now, to the minute, on the schedule's wall clock.
    expect(Math.abs(rows[0]!.ends_at.getTime() - (Date.now() + 3 * 3_600_000))).toBeLessThan(120_000);

    await page.goto(`${hub.url}/console/now`);
    const oncall = await page.getByRole('region', { name: /^On call now for/ }).textContent();
    expect(oncall).toContain(carl.email);
    expect(oncall).toContain('by an override');
    await page.goto(`${hub.url}/console/on-call`);
    const boardRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'county-orange/rov-oncall' }) });
    expect(await boardRow.locator('td').nth(1).textContent()).toContain(`${carl.email}), by an override`);

    // (axe needs JavaScript: the filled duty page with its forms is checked in the coordinator's test below.)
    await page.goto(dutyUrl());
    await page.getByRole('button', { name: /^Remove the override of carl/ }).click();
    await page.waitForURL(/\?saved=removed$/);
    expect(await overrides()).toHaveLength(0);
    expect((await onCallNow(analyst.token)).source).toBe('ROTATION');
    await context.close();
  }, 90_000);

  it('a malformed date or hand-off time is answered beside its field and in a focused summary, and writes nothing (error state passes axe)', async () => {
    const { context, page } = await signIn(admin);
    await page.goto(dutyUrl());
    // The browser's own picker cannot hold a malformed value: type into it as text, as a form without it would send.
    await page.locator('#ov-from').evaluate((el) => ((el as HTMLInputElement).type = 'text'));
    await page.getByLabel(/^Who takes over/).fill(carl.email);
    await page.getByLabel('From', { exact: true }).fill('2026-02-30T09:00');
    await page.getByLabel('Until', { exact: true }).fill(pacific(new Date(Date.now() + 3_600_000)));
    await page.getByRole('button', { name: 'Add override' }).click();
    await page.waitForLoadState();
    const summary = page.getByRole('alert').filter({ hasText: 'The override was not added' });
    await expect(summary.isVisible()).resolves.toBe(true);
    await expectFocus(page, 'ov-errors');
    expect(await summary.getByRole('link').getAttribute('href')).toBe('#ov-from');
    const from = page.locator('#ov-from');
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await from.getAttribute('aria-describedby')}`).textContent()).toBe('From: "2026-02-30T09:00" is not a date and time, e.g. 2026-11-03T20:15');
    // What was typed is given back.
    expect(await page.getByLabel(/^Who takes over/).inputValue()).toBe(carl.email);
    expect(await overrides()).toHaveLength(0);
    expect(await axe(page)).toEqual([]);

    // An override that ended already, and one whose end precedes its start: the service's own rules.
    await page.goto(dutyUrl());
    await page.getByLabel(/^Who takes over/).fill(carl.email);
    await page.getByLabel('From', { exact: true }).fill('2026-01-01T09:00');
    await page.getByLabel('Until', { exact: true }).fill('2026-01-01T08:00');
    await page.getByRole('button', { name: 'Add override' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#ov-to-error').textContent()).toBe('Until: must be after from');
    expect(await overrides()).toHaveLength(0);

    const rotation = await scheduleRow();
    await page.goto(dutyUrl());
    await page.locator('#rot-handoff').evaluate((el) => ((el as HTMLInputElement).type = 'text'));
    await page.getByRole('textbox', { name: /^Participants/ }).fill(`${ana.email}\n${carl.email}\n${ben.email}`);
    await page.getByLabel(/^Hand-off time/).fill('25:00');
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await page.waitForLoadState();
    await expectFocus(page, 'rot-errors');
    expect(await page.locator('#rot-handoff-error').textContent()).toBe('Hand-off time: "25:00" is not a time of day HH:MM (24-hour, e.g. 09:00)');
    expect(await page.locator('#rot-handoff').getAttribute('aria-describedby')).toBe('rot-handoff-error');
    expect(await page.getByRole('textbox', { name: /^Participants/ }).inputValue()).toBe(`${ana.email}\n${carl.email}\n${ben.email}`);
    expect(await axe(page)).toEqual([]);
    // A participant of another organization: refused, named beside the participants.
    await page.getByLabel(/^Hand-off time/).fill('08:00');
    await page.getByRole('textbox', { name: /^Participants/ }).fill(`${ana.email}\n${fresno.email}`);
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#rot-participants-error').textContent()).toBe(`Participants: ${fresno.email} is not a member of county-orange`);
    expect(await scheduleRow()).toEqual(rotation);

    // And then a good one: saved, listed in order.
    await page.getByRole('textbox', { name: /^Participants/ }).fill(`${ana.email}\n${carl.email}\n${ben.email}`);
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await page.waitForURL(/\?saved=rotation$/);
    expect((await scheduleRow()).participants).toEqual([ana.id, carl.id, ben.id]);
    expect((await scheduleRow()).handoff_time).toBe('08:00');
    await context.close();
  }, 90_000);

  it('a user without the edit right sees no edit form, and a forged post is refused with nothing written', async () => {
    const existing = await hub.deps.services.oncall.addScheduleOverride(sys, {
      organization: 'county-orange',
      duty: 'rov-oncall',
      user: ben.email,
      from: new Date(Date.now() + 86_400_000),
      to: new Date(Date.now() + 2 * 86_400_000),
    });
    for (const u of [analyst, fresno]) {
      const { context, page } = await signIn(u);
      await page.goto(dutyUrl());
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('On-call: county-orange/rov-oncall');
      // The schedule is readable; nothing to change it is offered.
      expect(await page.getByRole('listitem').filter({ hasText: ben.email }).count()).toBeGreaterThan(0);
      for (const name of ['Save rotation', 'Add override']) expect(await page.getByRole('button', { name }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
      await expect(page.getByText('Only an ORG_ADMIN of Orange County').isVisible()).resolves.toBe(true);
      expect(await axe(page)).toEqual([]);
      await context.close();
    }
    const rotation = await scheduleRow();
    const before = await overrides();
    for (const u of [analyst, fresno]) {
      const post = await sessionOf(u, '/console/on-call/county-orange/rov-oncall');
      const forged = [
        await post('/console/on-call/county-orange/rov-oncall/overrides', { user: u === analyst ? analyst.email : carl.email, from: pacific(new Date()), to: pacific(new Date(Date.now() + 3_600_000)), zone: 'America/Los_Angeles' }),
        await post('/console/on-call/county-orange/rov-oncall/rotation', { participants: analyst.email, shiftLengthHours: '24', handoffTime: '09:00', timeZone: 'UTC', startDate: '' }),
        await post(`/console/on-call/county-orange/rov-oncall/overrides/${existing.id}/remove`, {}),
      ];
      expect(forged.map((r) => r.status)).toEqual([403, 403, 403]);
      expect(await forged[0]!.text()).toContain('Only an ORG_ADMIN of Orange County');
    }
    expect(await scheduleRow()).toEqual(rotation);
    expect(await overrides()).toEqual(before);

    // A coordinator may manage every partner's schedules: the forms are there.
    const { context, page } = await signIn(coordinator);
    await page.goto(dutyUrl());
    for (const name of ['Save rotation', 'Add override']) expect(await page.getByRole('button', { name }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /^Remove the override of ben/ }).count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await context.close();
    await hub.deps.services.oncall.removeScheduleOverride(sys, existing.id);
  }, 90_000);

  it('my contact methods: add a webhook (secret shown once), send a test page to a real receiver (delivered, verified), a failing one, errors, remove', async () => {
    const { context, page } = await signIn(ana);
    await page.goto(`${hub.url}/console/on-call`);
    await page.getByLabel('Kind').selectOption('WEBHOOK');
    await page.getByLabel('Address, URL or number').fill(receiver.url);
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await page.waitForLoadState();
    const status = page.locator('#cm-status');
    expect(await status.textContent()).toMatch(/signing secret, shown this once .*whsec_[A-Za-z0-9+/=]+/);
    const method = await hub.db.selectFrom('contact_methods').select(['id', 'verified_at']).where('target', '=', receiver.url).executeTakeFirstOrThrow();
    expect(method.verified_at).toBeNull();
    await expect(page.getByText('Not verified: send a test page').isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: `Send a test page to ${receiver.url}` }).click();
    await page.waitForLoadState();
    expect(await status.textContent()).toBe(`Test page delivered to ${receiver.url}: the method is verified.`);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: 'contact_method.test', user: ana.email });
    expect(receiver.requests[0]!.headers['webhook-signature']).toMatch(/^v1,/);
    expect((await hub.db.selectFrom('contact_methods').select('verified_at').where('id', '=', method.id).executeTakeFirstOrThrow()).verified_at).not.toBeNull();
    await expect(page.getByText(/^Verified: a test page or page reached you/).isVisible()).resolves.toBe(true);
    expect(await axe(page)).toEqual([]);

    // A receiver answering 500: shown as not delivered, and the method stays unverified.
    await page.getByLabel('Kind').selectOption('WEBHOOK');
    await page.getByLabel('Address, URL or number').fill(failing.url);
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await page.waitForLoadState();
    await page.getByRole('button', { name: `Send a test page to ${failing.url}` }).click();
    await page.waitForLoadState();
    expect(await status.textContent()).toBe(`Test page to ${failing.url} not delivered (HTTP_ERROR: HTTP 500).`);
    expect(failing.requests.length).toBeGreaterThanOrEqual(1);

    // Errors: beside the field, in a focused summary, nothing written.
    const count = async () => (await hub.db.selectFrom('contact_methods').select('id').where('user_id', '=', ana.id).execute()).length;
    const n = await count();
    await page.getByLabel('Kind').selectOption('EMAIL');
    await page.getByLabel('Address, URL or number').fill('not an address');
    await page.getByRole('button', { name: 'Add contact method' }).click();
    await page.waitForLoadState();
    await expectFocus(page, 'cm-errors');
    expect(await page.locator('#cm-target').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#cm-target-error').textContent()).toMatch(/^Address, URL or number: /);
    expect(await page.getByLabel('Address, URL or number').inputValue()).toBe('not an address');
    expect(await count()).toBe(n);
    expect(await axe(page)).toEqual([]);

    // Nobody else may test or remove ana's method: not found, the receiver not called.
    const post = await sessionOf(fresno, '/console/on-call');
    const calls = receiver.requests.length;
    expect((await post(`/console/on-call/contact-methods/${method.id}/test`, {})).status).toBe(404);
    expect((await post(`/console/on-call/contact-methods/${method.id}/remove`, {})).status).toBe(404);
    expect(receiver.requests.length).toBe(calls);

    await page.getByRole('button', { name: `Remove ${receiver.url}` }).click();
    await page.waitForURL(/\/console\/on-call\?contact=removed$/);
    expect(await page.getByRole('status').first().textContent()).toContain('The contact method is removed');
    expect((await hub.db.selectFrom('contact_methods').select('removed_at').where('id', '=', method.id).executeTakeFirstOrThrow()).removed_at).not.toBeNull();
    expect(await page.getByRole('button', { name: `Send a test page to ${receiver.url}` }).count()).toBe(0);
    await context.close();
  }, 90_000);

  it('an unknown duty or organization is not found', async () => {
    const { context, page } = await signIn(analyst);
    const res = await page.goto(`${hub.url}/console/on-call/county-orange/no-such-duty`);
    expect(res!.status()).toBe(404);
    const bad = await page.goto(`${hub.url}/console/on-call?organization=nowhere`);
    expect(bad!.status()).toBe(404);
    expect(await page.getByRole('alert').textContent()).toContain('There is no organization "nowhere"');
    await context.close();
  }, 60_000);
});

