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
 * The console's Now screen in a real browser against a real hub with its workers paging: my unacknowledged
 * pages with their next escalation, open incidents of my organization and my county by severity, the
 * statewide correlations I may see, who is on call for my organization's duties; what another county may
 * not see stays off its Now; acknowledging from Now; the landing page after sign-in; 320 px without
 * sideways scrolling; axe's WCAG 2.0/2.1 A and AA rules on the empty and filled states.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const SIGHTING = `mutation($v: String!) { reportSighting(input: {value: $v, tlp: AMBER}) { id } }`;

describe.skipIf(!HAS_CHROMIUM)('console: Now', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let orange: TestUser, oncall: TestUser, la: TestUser, fresno: TestUser, kern: TestUser, coordinator: TestUser;
  const filed: Record<string, { id: string; reference: string }> = {};
  let statewide: { id: string; reference: string };

  async function file(u: TestUser, key: string, input: Record<string, unknown>) {
    const r = await hub.gql(u.token, FILE, { input: { summary: 's', category: 'PHISHING', tlp: 'AMBER', ...input } });
    expect(r.errors).toBeUndefined();
    filed[key] = r.data.fileIncident;
  }

  beforeAll(async () => {
    const port = await freePort();
    receiver = await startWebhookReceiver();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    workers = await startWorkers(hub.deps);
    [orange, oncall, la, fresno, kern, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'oncall'),
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'la'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'fresno'),
      makeUser(hub.deps, 'county-kern', ['ANALYST'], 'kern'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coordinator'),
    ]);
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'county-orange', duty: 'rov-oncall', participants: [oncall.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: oncall.email, kind: 'WEBHOOK', target: receiver.url });
    // Only the test's rule: CRITICAL pages Orange's on-call, two levels an hour apart (a deadline to show).
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'now-critical', severityAtLeast: 'CRITICAL', levels: [1, 2].map(() => ({ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'county-orange', duty: 'rov-oncall' }] })) },
    });
    expect(rule.errors).toBeUndefined();
    await file(orange, 'orangeHigh', { title: 'Orange phishing wave', severity: 'HIGH' });
    await file(orange, 'orangeLow', { title: 'Orange stray e-mail', severity: 'LOW' });
    await file(la, 'laCritical', { title: 'Ransomware at the shared vendor', severity: 'CRITICAL', category: 'RANSOMWARE', affectedCounties: ['county-orange', 'county-los-angeles'] });
    await file(fresno, 'fresnoModerate', { title: 'Fresno spoofed site', severity: 'MODERATE', category: 'WEBSITE_SPOOFING' });
    // Three counties sight one value: the hub opens a statewide incident shared with them (not with Kern).
    for (const u of [orange, la, fresno]) expect((await hub.gql(u.token, SIGHTING, { v: 'statewide-now-phish.info' })).errors).toBeUndefined();
    const corr = await hub.db.selectFrom('indicator_correlations').innerJoin('incidents', 'incidents.id', 'indicator_correlations.incident_id').select(['incidents.id', 'incidents.reference']).executeTakeFirstOrThrow();
    statewide = corr;
    await until(async () => {
      const r = await hub.gql(oncall.token, `{ myPages { id } }`);
      return r.data?.myPages?.length === 1 || null;
    }, 15_000);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await hub?.close();
    await receiver?.close();
  });

  const axe = axeViolations;
  const signIn = (u: TestUser, width = 1280) => signedIn(browser, hub, u).then(async (s) => (await s.page.setViewportSize({ width, height: 800 }), s));

  it("lands on Now after sign-in; my pages with their deadline, my organization's and my county's open incidents by severity, correlations, on-call (filled state passes axe)", async () => {
    const { context, page } = await signIn(oncall);
    expect(page.url()).toBe(`${hub.url}/console/now`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Now');
    expect(await page.getByRole('link', { name: 'ESTF Hub' }).getAttribute('href')).toBe('/console/now');

    const pages = page.getByRole('region', { name: 'My unacknowledged pages' });
    const esc = await hub.db.selectFrom('escalations').select(['id', 'next_fire_at', 'created_at']).where('incident_id', '=', filed.laCritical!.id).executeTakeFirstOrThrow();
    expect(await pages.getByRole('link', { name: filed.laCritical!.reference }).getAttribute('href')).toBe(`/console/incidents/${filed.laCritical!.id}`);
    const deadline = pages.locator('time');
    expect(await deadline.getAttribute('datetime')).toBe(esc.next_fire_at!.toISOString());
    expect(esc.next_fire_at!.getTime() - esc.created_at.getTime()).toBeGreaterThanOrEqual(59 * 60_000);
    expect(await pages.textContent()).toContain('now-critical, level 1. Escalates at');
    await expect(pages.getByRole('button', { name: `Acknowledge ${filed.laCritical!.reference}` }).isVisible()).resolves.toBe(true);

    const incidents = page.getByRole('region', { name: 'Open incidents, most severe first' });
    const mine = incidents.getByRole('region', { name: 'Reported by Orange County Elections' });
    expect(await mine.getByRole('paragraph').first().textContent()).toBe('2 open incidents: 1 HIGH, 1 LOW.');
    // Most severe first.
    expect(await mine.getByRole('link').allTextContents()).toEqual([filed.orangeHigh!.reference, filed.orangeLow!.reference]);
    const county = incidents.getByRole('region', { name: 'Affecting Orange County Elections' });
    expect(await county.getByRole('paragraph').first().textContent()).toBe('1 open incident: 1 CRITICAL.');
    expect(await county.getByRole('link').allTextContents()).toEqual([filed.laCritical!.reference]);

    const correlations = page.getByRole('region', { name: /^Statewide correlations/ });
    expect(await correlations.getByRole('link').allTextContents()).toEqual([statewide.reference]);
    expect(await correlations.textContent()).toContain('3 counties');

    const onCall = page.getByRole('region', { name: 'On call now for Orange County Elections' });
    expect(await onCall.getByRole('link', { name: 'rov-oncall' }).getAttribute('href')).toBe('/console/on-call/county-orange/rov-oncall');
    expect(await onCall.textContent()).toContain(`${oncall.email}), by the rotation`);

    expect(await page.content()).not.toContain(filed.fresnoModerate!.reference);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it("another county's analyst sees none of Orange's incidents, pages or on-call, only what it may see", async () => {
    const { context, page } = await signIn(fresno);
    const html = await page.content();
    for (const k of ['orangeHigh', 'orangeLow', 'laCritical']) expect(html).not.toContain(filed[k]!.reference);
    expect(html).not.toContain(oncall.email);
    await expect(page.getByText('Nobody is paging you right now.').isVisible()).resolves.toBe(true);
    const mine = page.getByRole('region', { name: 'Reported by Fresno County Elections' });
    expect(await mine.getByRole('link').allTextContents()).toEqual([filed.fresnoModerate!.reference]);
    // Fresno contributed to the correlation: it sees the statewide incident.
    expect(await page.getByRole('region', { name: /^Statewide correlations/ }).getByRole('link').allTextContents()).toEqual([statewide.reference]);
    expect(await page.getByRole('region', { name: 'On call now for Fresno County Elections' }).textContent()).toContain('No schedule: nobody is paged for this duty.');
    await context.close();
  }, 60_000);

  it('a county with nothing going on: the empty state (passes axe), and no correlation it was not part of', async () => {
    const { context, page } = await signIn(kern);
    const text = (await page.locator('main').textContent())!;
    expect(text).toContain('Nobody is paging you right now.');
    expect(text).toContain('No open incidents.');
    expect(text).toContain('None that you may see.');
    expect(text).not.toContain(statewide.reference);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('a coordinator sees the statewide correlation and no county section', async () => {
    const { context, page } = await signIn(coordinator);
    expect(await page.getByRole('region', { name: /^Statewide correlations/ }).getByRole('link').allTextContents()).toEqual([statewide.reference]);
    expect(await page.getByRole('region', { name: /^Affecting/ }).count()).toBe(0);
    await context.close();
  }, 60_000);

  it('fits a 320 px wide phone without sideways scrolling, and acknowledges from Now with one press', async () => {
    const { context, page } = await signIn(oncall, 320);
    await page.goto(`${hub.url}/console/now`);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.client).toBe(320);
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: `Acknowledge ${filed.laCritical!.reference}` }).click();
    await page.waitForURL(/\/console\/pages\?acknowledged=1$/);
    const esc = await hub.db.selectFrom('escalations').select(['state', 'acknowledged_by']).where('incident_id', '=', filed.laCritical!.id).executeTakeFirstOrThrow();
    expect(esc).toEqual({ state: 'ACKNOWLEDGED', acknowledged_by: oncall.id });
    await page.goto(`${hub.url}/console/now`);
    expect(await page.getByRole('region', { name: 'My unacknowledged pages' }).textContent()).toContain('Nobody is paging you right now.');
    await context.close();
  }, 60_000);

  it('GET /console/ and /console go to Now', async () => {
    const { context, page } = await signIn(kern);
    await page.goto(`${hub.url}/console/`);
    expect(page.url()).toBe(`${hub.url}/console/now`);
    await page.goto(`${hub.url}/console`);
    expect(page.url()).toBe(`${hub.url}/console/now`);
    await context.close();
  }, 60_000);
});
