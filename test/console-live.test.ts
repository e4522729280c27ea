import type { Browser, Page } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, loginLink, signedIn } from './support/console-browser.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

/**
 * The console's live updates (src/web/live.tsx) in a real browser (Debian's Chromium) and on the raw SSE
 * stream, against a real hub whose workers relay the outbox over Redis and page: the list's banner for an
 * incident the viewer may see (focus and list untouched), nothing at all for one they may not see, the page
 * notice and the on-call officer acknowledging from it with the keyboard, My pages and the timeline filled
 * live, and the stream ended by a revoked session, a sign-out and a deactivation.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

interface RawStream {
  text: () => string;
  closedAt: Promise<number>;
  abort: () => void;
}

describe.skipIf(!HAS_CHROMIUM)('console: live updates', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let la: TestUser, viewer: TestUser, coordinator: TestUser;
  const raws: RawStream[] = [];

  beforeAll(async () => {
    const port = await freePort();
    receiver = await startWebhookReceiver();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    workers = await startWorkers(hub.deps);
    [la, viewer, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'la'),
      makeUser(hub.deps, 'county-kern', ['ANALYST'], 'officer'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coord'),
    ]);
    // The viewer (Kern) is the on-call officer of Kern's ROV duty; only the test's rule pages, on CRITICAL.
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'county-kern', duty: 'rov-oncall', participants: [viewer.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: viewer.email, kind: 'WEBHOOK', target: receiver.url });
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'live-critical', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'county-kern', duty: 'rov-oncall' }] }] },
    });
    expect(rule.errors).toBeUndefined();
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    for (const r of raws) r.abort();
    await browser?.close();
    await workers?.close();
    await hub?.close();
    await receiver?.close();
  });

  const file = async (input: Record<string, unknown>, by: TestUser = la) => {
    const r = await hub.gql(by.token, FILE, { input: { summary: 's', category: 'RANSOMWARE', affectedCounties: ['county-los-angeles'], ...input } });
    expect(r.errors).toBeUndefined();
    return r.data.fileIncident as { id: string; reference: string };
  };

  /** A console session opened through a one-time link, as a browser would: its cookie and its id. */
  async function session(u: TestUser): Promise<{ cookie: string; id: string; csrf: string }> {
    const res = await fetch(await loginLink(hub, u.email), { method: 'POST', headers: { origin: hub.url }, redirect: 'manual' });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const row = await hub.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const html = await (await fetch(`${hub.url}/console/incidents`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    return { cookie, id: row.id, csrf };
  }

  /** The console's SSE stream read raw (what the browser would receive), until the server ends it. */
  async function rawStream(cookie: string, query = ''): Promise<RawStream> {
    const controller = new AbortController();
    const res = await fetch(`${hub.url}/console/live${query ? `?${query}` : ''}`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    let text = '';
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const closedAt = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        // aborted by the test
      }
      return Date.now();
    })();
    await until(async () => text.length > 0, 5_000);
    const raw = { text: () => text, closedAt, abort: () => controller.abort() };
    raws.push(raw);
    return raw;
  }

  /** Waits until `n` console streams are listening in the hub's process. */
  const listening = (n: number) => until(async () => hub.deps.services.alerts.liveStreams >= n, 10_000);
  const eventsNamed = (text: string, name: string) => text.split('\n\n').filter((f) => f.startsWith(`event: ${name}\n`));

  /** The page.sent row of an incident's escalation has gone out on the bus (so its live delivery is decided). */
  async function pagedAndRelayed(incidentId: string): Promise<void> {
    await until(async () => {
      const esc = await hub.db.selectFrom('escalations').select('id').where('incident_id', '=', incidentId).executeTakeFirst();
      if (!esc) return false;
      const row = await hub.db.selectFrom('outbox').select('published_at').where('topic', '=', 'page.sent').where('aggregate_id', '=', esc.id).executeTakeFirst();
      return row?.published_at ? true : false;
    }, 15_000);
  }

  const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

  it('an incident the viewer may see raises the "N new / updated" banner without moving focus or the list; one they may not see raises nothing, in the browser or on the stream', async () => {
    const before = await file({ title: 'Already listed', severity: 'LOW', tlp: 'GREEN' });
    const { context, page } = await signedIn(browser, hub, viewer);
    const listUrl = `/console/incidents?severityAtLeast=LOW&sort=UPDATED_AT`;
    await page.goto(`${hub.url}${listUrl}`);
    const { cookie } = await session(viewer);
    const raw = await rawStream(cookie, new URLSearchParams({ view: 'list', back: listUrl }).toString());
    // A list filtered to TLP:CLEAR counts only what it would show.
    const clearOnly = await rawStream(cookie, new URLSearchParams({ view: 'list', back: '/console/incidents?tlp=CLEAR' }).toString());
    await listening(3);
    expect(await page.getByRole('link', { name: before.reference }).count()).toBe(1);
    const rowsBefore = await page.locator('tbody tr').count();
    // The reader is typing in the search box when the news arrives.
    await page.getByRole('searchbox', { name: 'Search' }).fill('ransom');
    expect(await activeId(page)).toBe('f-text');

    // AMBER of Los Angeles that names no one else: not for Kern. CRITICAL, so it also pages Kern's duty (suppressed).
    const hidden = await file({ title: 'Not for Kern', severity: 'CRITICAL', tlp: 'AMBER' });
    await pagedAndRelayed(hidden.id);
    const visible = await file({ title: 'For everyone', severity: 'HIGH', tlp: 'GREEN' });

    const banner = page.getByRole('status').filter({ hasText: 'new / updated' });
    await banner.waitFor({ timeout: 5_000 });
    // Counted once: the hidden incident (filed, escalated, paged) is not in it.
    expect(await banner.textContent()).toContain('1 new / updated incident since this list was loaded.');
    expect(await activeId(page)).toBe('f-text');
    expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('ransom');
    expect(await page.locator('tbody tr').count()).toBe(rowsBefore);
    expect(await page.getByRole('link', { name: visible.reference }).count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    // The stream itself: one banner event, nothing about the hidden incident, no page notice.
    await until(async () => eventsNamed(raw.text(), 'incidents').length > 0, 5_000);
    await new Promise((r) => setTimeout(r, 500));
    const frames = eventsNamed(raw.text(), 'incidents');
    expect(frames).toHaveLength(1);
    expect(frames[0]).toContain('1 new / updated incident');
    expect(frames[0]).toContain('href="/console/incidents?severityAtLeast=LOW&amp;sort=UPDATED_AT"');
    expect(eventsNamed(raw.text(), 'paged')).toHaveLength(0);
    for (const secret of [hidden.id, hidden.reference, 'Not for Kern']) expect(raw.text()).not.toContain(secret);
    expect(await banner.textContent()).toContain('1 new / updated incident since this list was loaded.');
    expect(eventsNamed(clearOnly.text(), 'incidents')).toHaveLength(0);
    const clear = await file({ title: 'Public notice', severity: 'LOW', tlp: 'CLEAR' });
    await until(async () => eventsNamed(clearOnly.text(), 'incidents').length === 1, 5_000);
    expect(eventsNamed(clearOnly.text(), 'incidents')[0]).toContain('1 new / updated incident');
    expect(eventsNamed(clearOnly.text(), 'incidents')[0]).toContain('href="/console/incidents?tlp=CLEAR"');

    // The banner's link reloads the list with its filters.
    await banner.getByRole('link', { name: 'Reload the list' }).click();
    await page.waitForURL((u) => u.pathname + u.search === listUrl);
    expect(await page.getByRole('link', { name: visible.reference }).count()).toBe(1);
    expect(await page.getByRole('link', { name: clear.reference }).count()).toBe(1);
    expect(await page.getByRole('link', { name: hidden.reference }).count()).toBe(0);
    // Without a banner, axe again.
    expect(await axeViolations(page)).toEqual([]);
    // The list's error state: a focused summary naming the filter, the control marked invalid.
    const bad = await page.goto(`${hub.url}/console/incidents?severityAtLeast=SEVERE&colour=red`);
    expect(bad!.status()).toBe(400);
    expect(await activeId(page)).toBe('filter-problems');
    expect(await page.getByRole('alert').textContent()).toContain('Severity at least (severityAtLeast): "SEVERE" is not one of');
    expect(await page.getByRole('combobox', { name: 'Severity at least' }).getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);
    raw.abort();
    clearOnly.abort();
    await context.close();
  }, 90_000);

  it('the on-call officer acknowledges from the page notice: My pages fills live, every page shows the notice, Enter on its button acknowledges', async () => {
    const { context, page } = await signedIn(browser, hub, viewer);
    await page.goto(`${hub.url}/console/pages`);
    await page.getByText('Nobody is paging you right now.').waitFor();
    const raw = await rawStream((await session(viewer)).cookie);
    await listening(2);

    const paging = await file({ title: 'Results site down', severity: 'CRITICAL', tlp: 'GREEN' });
    // My pages: the page appears without a reload, and the notice says it (its buttons are in the table).
    await page.getByRole('link', { name: paging.reference }).waitFor({ timeout: 10_000 });
    await page.getByRole('alert').filter({ hasText: `You are being paged for ${paging.reference}` }).waitFor();
    expect(await page.getByRole('button', { name: `Acknowledge ${paging.reference}` }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    // Any other page: the notice is there from the start, announced (role=alert), focus left alone.
    await page.goto(`${hub.url}/console/incidents/${paging.id}`);
    const notice = page.getByRole('alert').filter({ hasText: `You are being paged for ${paging.reference}` });
    await notice.waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    expect(await notice.getByRole('link', { name: 'Open My pages' }).getAttribute('href')).toBe('/console/pages');
    expect(await axeViolations(page)).toEqual([]);

    // Keyboard only: Tab to the notice's button, Enter.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) === `Acknowledge ${paging.reference}`;
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/pages\?acknowledged=1$/);
    expect(await page.getByRole('status').first().textContent()).toContain('Acknowledged 1 page: paging has stopped.');
    const esc = await hub.db.selectFrom('escalations').select(['state', 'acknowledged_by']).where('incident_id', '=', paging.id).executeTakeFirstOrThrow();
    expect(esc).toMatchObject({ state: 'ACKNOWLEDGED', acknowledged_by: viewer.id });

    // The raw stream heard the page (and then that nothing is left), and nothing else.
    await until(async () => eventsNamed(raw.text(), 'paged').length >= 2, 5_000);
    const paged = eventsNamed(raw.text(), 'paged');
    expect(paged[0]).toContain(`You are being paged for ${paging.reference}`);
    expect(paged.at(-1)).not.toContain('You are being paged');
    raw.abort();
    await context.close();
  }, 90_000);

  it("the incident page's timeline grows live; a stream naming an incident the viewer may not see carries nothing of it", async () => {
    const shown = await file({ title: 'Phishing wave', severity: 'MODERATE', tlp: 'GREEN' });
    const hidden = await file({ title: 'Still not for Kern', severity: 'MODERATE', tlp: 'AMBER' });
    const { context, page } = await signedIn(browser, hub, viewer);
    await page.goto(`${hub.url}/console/incidents/${shown.id}`);
    const { cookie } = await session(viewer);
    const probe = await rawStream(cookie, new URLSearchParams({ view: 'incident', incident: hidden.id }).toString());
    await listening(2);
    const entries = page.locator('ol.timeline > li');
    const n = await entries.count();

    const comment = 'Kern sees the same sender';
    const added = await hub.gql(la.token, `mutation($id: ID!, $body: String!) { addIncidentComment(id: $id, body: $body) { id } }`, { id: shown.id, body: comment });
    expect(added.errors).toBeUndefined();
    const secret = await hub.gql(la.token, `mutation($id: ID!, $body: String!) { addIncidentComment(id: $id, body: $body) { id } }`, { id: hidden.id, body: 'secret AMBER note' });
    expect(secret.errors).toBeUndefined();

    await page.locator('ol.timeline > li', { hasText: comment }).waitFor({ timeout: 5_000 });
    expect(await entries.count()).toBe(n + 1);
    expect(await axeViolations(page)).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(eventsNamed(probe.text(), 'timeline')).toHaveLength(0);
    expect(probe.text()).not.toContain('secret AMBER note');
    probe.abort();
    await context.close();
  }, 60_000);

  it('a stream whose client went away stops listening (nothing held for it)', async () => {
    const { cookie } = await session(viewer);
    await until(async () => hub.deps.services.alerts.liveStreams === 0, 10_000);
    const streams = await Promise.all([rawStream(cookie), rawStream(cookie, 'view=list'), rawStream(cookie, 'view=pages')]);
    await listening(3);
    for (const s of streams) s.abort();
    await until(async () => hub.deps.services.alerts.liveStreams === 0, 5_000);
  }, 30_000);

  it('revoking the session ends its stream within two seconds; signing out and deactivating the user end theirs at once', async () => {
    // Revoked elsewhere (another API process, an operator): the keeper's next check ends it.
    const revoked = await session(viewer);
    const a = await rawStream(revoked.cookie);
    await listening(1);
    const t0 = Date.now();
    await hub.db.updateTable('sessions').set({ revoked_at: sql`now()` }).where('id', '=', revoked.id).execute();
    expect((await a.closedAt) - t0).toBeLessThan(2_600);
    expect(eventsNamed(a.text(), 'end')).toHaveLength(1);
    // And it cannot be opened again with that cookie.
    const again = await fetch(`${hub.url}/console/live`, { headers: { cookie: revoked.cookie }, redirect: 'manual' });
    expect(again.status).toBe(303);

    // Revoked on the Account page from another session of the user: at once (the access event over the bus).
    const kept = await session(viewer);
    const revokedThere = await session(viewer);
    const e = await rawStream(revokedThere.cookie);
    await listening(1);
    const t3 = Date.now();
    const revoke = await fetch(`${hub.url}/console/account/sessions/${revokedThere.id}/revoke`, {
      method: 'POST',
      headers: { cookie: kept.cookie, origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(kept.csrf)}`,
      redirect: 'manual',
    });
    expect(revoke.status).toBeLessThan(400);
    expect((await e.closedAt) - t3).toBeLessThan(1_000);
    expect(eventsNamed(e.text(), 'end')).toHaveLength(1);

    // In the browser: the page hears `end` and stops listening (sse-close), rather than reconnecting.
    const { context, page } = await signedIn(browser, hub, viewer);
    const browserSession = await hub.db.selectFrom('sessions').select('id').where('user_id', '=', viewer.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const opened: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/console/live') opened.push(r.url());
    });
    await page.reload();
    await until(async () => opened.length >= 1 && hub.deps.services.alerts.liveStreams >= 1, 5_000);
    const before = opened.length;
    await hub.db.updateTable('sessions').set({ revoked_at: sql`now()` }).where('id', '=', browserSession.id).execute();
    // The keeper's next check (2 s) ends it; EventSource would retry 3 s later by itself. Still the one request.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(opened).toHaveLength(before);
    await context.close();

    // Sign-out: the same process ends it at once, and the access event tells every other one.
    const out = await session(viewer);
    const b = await rawStream(out.cookie);
    const other = await session(viewer);
    const c = await rawStream(other.cookie);
    await listening(2);
    const t1 = Date.now();
    const res = await fetch(`${hub.url}/console/sign-out`, { method: 'POST', headers: { cookie: out.cookie, origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(out.csrf)}` });
    expect(res.status).toBe(200);
    expect((await b.closedAt) - t1).toBeLessThan(1_000);
    expect(eventsNamed(b.text(), 'end')).toHaveLength(1);
    // Another session of the same user stays open.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(eventsNamed(c.text(), 'end')).toHaveLength(0);
    expect(await Promise.race([c.closedAt.then(() => 'closed'), Promise.resolve('open')])).toBe('open');

    // Deactivation: every session of the user, at once (the access event over the bus).
    const t2 = Date.now();
    await hub.deps.services.identity.deactivateUser(sys, viewer.email);
    expect((await c.closedAt) - t2).toBeLessThan(1_500);
    expect(eventsNamed(c.text(), 'end')).toHaveLength(1);
  }, 60_000);

  it('at shutdown a stream is closed without `end`, so the page reconnects (to another API process)', async () => {
    const { cookie } = await session(coordinator);
    const d = await rawStream(cookie);
    await listening(1);
    await hub.deps.services.alerts.close();
    await d.closedAt;
    expect(eventsNamed(d.text(), 'end')).toHaveLength(0);
  }, 30_000);
});
