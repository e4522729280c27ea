import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, signedIn, expectFocus } from './support/console-browser.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

/**
 * The console's incident page in a real browser (Debian's Chromium, playwright-core) against a real hub with
 * its workers paging: a coordinator triages (status, keyboard only; assignment; TLP), an analyst of an
 * affected county sees none of those actions and a forged post of them is refused with nothing written, a
 * stale edit shows what changed with nothing written, the escalation and the linked indicators are shown, and
 * axe's WCAG 2.0/2.1 A and AA rules hold on the plain, action-error and conflict states.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference version } }`;
const READ = `query($id: ID!) { incident(id: $id) { status tlp severity title version lawEnforcementSensitive
  assignee { organization { slug } user { email } } sharedWith { slug } timeline { totalCount } } }`;

describe.skipIf(!HAS_CHROMIUM)('console: the incident page', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let gone: WebhookReceiver;
  let browser: Browser;
  let reporter: TestUser, coordinator: TestUser, riverside: TestUser, kern: TestUser, duty: TestUser, fresno: TestUser, watch: TestUser;
  let inc: { id: string; reference: string };
  let other: { id: string; reference: string };
  const title = `Ransomware note on the EMS server ${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    const port = await freePort();
    receiver = await startWebhookReceiver();
    // A second on-call officer's webhook answers 410 Gone: the page is given up at once (FAILED, with its reason).
    gone = await startWebhookReceiver();
    gone.respond = () => 410;
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    workers = await startWorkers(hub.deps);
    [reporter, coordinator, riverside, kern, duty, fresno, watch] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'reporter'),
      makeUser(hub.deps, 'sos', ['COORDINATOR'], 'coordinator'),
      makeUser(hub.deps, 'county-riverside', ['ANALYST'], 'riverside'),
      makeUser(hub.deps, 'county-kern', ['ANALYST'], 'kern'),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'duty'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'fresno'),
      makeUser(hub.deps, 'cal-oes', ['ANALYST'], 'watch'),
    ]);
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: duty.email, kind: 'WEBHOOK', target: receiver.url });
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'cal-oes', duty: 'csic-watch', participants: [watch.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: watch.email, kind: 'WEBHOOK', target: gone.url });
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'incident-page-critical', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 3600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }, { kind: 'DUTY', organization: 'cal-oes', duty: 'csic-watch' }] }] },
    });
    expect(rule.errors).toBeUndefined();
    const filed = await hub.gql(reporter.token, FILE, {
      input: { title, summary: 'A ransom note appeared on the EMS server.', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'AMBER', affectedCounties: ['county-orange', 'county-riverside'] },
    });
    expect(filed.errors).toBeUndefined();
    inc = filed.data.fileIncident;
    const second = await hub.gql(reporter.token, FILE, { input: { title: 'Same ransom note, reported twice', summary: 's', category: 'RANSOMWARE', severity: 'LOW', tlp: 'AMBER' } });
    other = second.data.fileIncident;
    const reported = await hub.gql(reporter.token, `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok indicator { id } } }`, {
      input: [{ value: 'ransom-payments.example', type: 'DOMAIN', tlp: 'AMBER', incidentId: inc.id }],
    });
    expect(reported.data?.reportIndicators?.[0]?.ok).toBe(true);
    // The worker pages the duty; the page is delivered to the webhook.
    await until(async () => {
      // Pages only: the failed page to Cal OES also tells the SOS duty that someone could not be reached (a NOTIFY).
      const n = await hub.db.selectFrom('notifications').select('status').where('incident_id', '=', inc.id).where('kind', '=', 'PAGE').execute();
      return (n.length === 2 && n.some((x) => x.status === 'DELIVERED') && n.some((x) => x.status === 'FAILED')) || null;
    }, 30_000);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await hub?.close();
    await receiver?.close();
    await gone?.close();
  });

  const signIn = (u: TestUser) => signedIn(browser, hub, u);
  const open = async (page: Page, id = inc.id) => {
    const r = await page.goto(`${hub.url}/console/incidents/${id}`);
    return r!.status();
  };
  const read = async (id = inc.id) => (await hub.gql(reporter.token, READ, { id })).data.incident;
  const statusText = (page: Page) => page.getByRole('status').textContent();

  it('shows the header: reference, title, severity, TLP label in words, LES in words, status, counties, reporter, assignee; escalations and indicators', async () => {
    const { context, page } = await signIn(reporter);
    expect(await open(page)).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`${inc.reference}: ${title}`);
    const facts = await page.locator('dl.facts').first().innerText();
    for (const s of ['CRITICAL', 'TLP:AMBER', 'REPORTED', 'Orange', 'Riverside', 'reporter of county-orange', 'Nobody yet']) expect(facts).toContain(s);
    expect(facts).toMatch(/Law-enforcement sensitive\s+No/);
    // The TLP label: its text, and FIRST's amber on black.
    const tlp = page.locator('dl.facts .tlp');
    expect(await tlp.textContent()).toBe('TLP:AMBER');
    expect(await tlp.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor])).toEqual(['rgb(255, 192, 0)', 'rgb(0, 0, 0)']);

    // Escalations: who was paged, when, level, method, outcome; then who acknowledged.
    const esc = page.getByRole('region', { name: 'Escalations' });
    const table = await esc.getByRole('table').innerText();
    expect(table).toContain('duty of sos');
    expect(table).toContain('Page, level 1');
    expect(table).toContain('Webhook');
    expect(table).toMatch(/duty of sos[^\n]*Delivered \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(table).toMatch(/watch of cal-oes[^\n]*Failed: \S/);
    // The page that could not be delivered makes the hub tell the duty coordinator (a notice, not a page).
    await until(async () => (await hub.db.selectFrom('notifications').select('id').where('incident_id', '=', inc.id).where('kind', '=', 'NOTIFY').executeTakeFirst()) ?? null, 20_000);
    await open(page);
    expect(await page.getByRole('region', { name: 'Escalations' }).getByRole('table').innerText()).toMatch(/duty of sos[^\n]*Notice: someone paged could not be reached/);
    expect(await esc.innerText()).toContain('Not acknowledged');
    const escalation = await hub.db.selectFrom('escalations').select('id').where('incident_id', '=', inc.id).executeTakeFirstOrThrow();
    const ack = await hub.gql(duty.token, `mutation($id: ID!) { acknowledgeEscalation(id: $id) { state } }`, { id: escalation.id });
    expect(ack.errors).toBeUndefined();
    await open(page);
    expect(await page.getByRole('region', { name: 'Escalations' }).innerText()).toMatch(/Acknowledged\s+by duty of sos \(California Secretary of State[^)]*\) at \d{4}-/);

    // Linked indicators link to their console page.
    const link = page.getByRole('region', { name: 'Linked indicators' }).getByRole('link', { name: 'DOMAIN ransom-payments.example' });
    expect(await link.getAttribute('href')).toMatch(/^\/console\/indicators\/\d+$/);

    // The reporting organization's analyst: edit, status (not TRIAGED), TLP; no assign or merge.
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Assign' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Merge into that incident' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    // At a phone's width (an on-call officer reads it there): still no violations, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // Every label points at one control (axe no longer flags duplicate ids).
    expect(await page.evaluate(() => [...document.querySelectorAll('[id]')].map((e) => e.id).filter((id, k, all) => all.indexOf(id) !== k))).toEqual([]);
    await context.close();
  }, 90_000);

  it('a coordinator triages: changes the status with the keyboard only, assigns it, narrows the TLP', async () => {
    const { context, page } = await signIn(coordinator);
    expect(await open(page)).toBe(200);
    expect(await axeViolations(page)).toEqual([]);
    // A coordinator may change only the severity of another organization's incident: no full edit form.
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save severity' }).count()).toBe(1);
    // Widening the label is the reporting organization's: only narrower labels are offered.
    const tlps = await page.getByRole('combobox', { name: 'New TLP label' }).locator('option').allTextContents();
    expect(tlps).toEqual(['TLP:AMBER+STRICT', 'TLP:RED']);

    // Keyboard only: Tab to the status select, pick TRIAGED by typing, Tab to the note, type, Tab, Enter.
    const tabTo = async (id: string) => {
      for (let i = 0; i < 200; i++) {
        if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached #${id}`);
    };
    await tabTo('ia-status-to');
    await page.keyboard.type('TRIAGED');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Confirmed with the county; CSIC engaged');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Change status');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=status/);
    expect(await statusText(page)).toBe('Status changed: the incident is now TRIAGED.');
    expect((await read()).status).toBe('TRIAGED');
    expect(await page.locator('.timeline').innerText()).toContain('Confirmed with the county; CSIC engaged');

    // Assign to Kern's analyst: the assignee's organization joins the AMBER audience.
    await page.getByRole('combobox', { name: 'Organization' }).selectOption('county-kern');
    await page.getByRole('textbox', { name: /User's e-mail/ }).fill(kern.email);
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.waitForURL(/done=assign/);
    expect(await statusText(page)).toBe(`Assigned to kern of county-kern (Kern County Elections).`);
    const after = await read();
    expect(after.assignee).toEqual({ organization: { slug: 'county-kern' }, user: { email: kern.email } });
    expect(after.sharedWith.map((o: { slug: string }) => o.slug)).toContain('county-kern');

    // Narrow the label.
    await page.getByRole('combobox', { name: 'New TLP label' }).selectOption('AMBER_STRICT');
    await page.getByRole('button', { name: 'Change TLP label' }).click();
    await page.waitForURL(/done=tlp/);
    expect(await statusText(page)).toBe('TLP label changed: the incident is now TLP:AMBER+STRICT.');
    expect(await page.locator('dl.facts .tlp').textContent()).toBe('TLP:AMBER+STRICT');
    expect((await read()).tlp).toBe('AMBER_STRICT');
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 90_000);

  it('an action the service refuses shows the error beside its field and in a focused summary, nothing written; axe holds', async () => {
    const { context, page } = await signIn(coordinator);
    await open(page);
    const before = await read();
    // Assigning a user of another organization: BAD_USER_INPUT on `user`.
    await page.getByRole('combobox', { name: 'Organization' }).selectOption('county-fresno');
    await page.getByRole('textbox', { name: /User's e-mail/ }).fill(kern.email);
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('alert').first().waitFor();
    const focused = await page.evaluate(() => document.activeElement?.id);
    expect(focused).toBe('ia-errors');
    expect(await page.locator('#ia-errors').innerText()).toContain(`User (e-mail): ${kern.email} is not a member of county-fresno`);
    const field = page.getByRole('textbox', { name: /User's e-mail/ });
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toBe('ia-assign-user-error');
    expect(await page.locator('#ia-assign-user-error').innerText()).toContain('is not a member of county-fresno');
    // What was typed is kept.
    expect(await field.inputValue()).toBe(kern.email);
    expect(await page.title()).toMatch(/^Error: /);
    expect(await axeViolations(page)).toEqual([]);

    // Merging into an unknown reference: the error beside the reference field.
    await open(page);
    await page.getByRole('textbox', { name: 'Reference of the incident to merge into' }).fill('ESTF-1999-99999');
    await page.getByRole('button', { name: 'Merge into that incident' }).click();
    await page.getByRole('alert').first().waitFor();
    expect(await page.locator('#ia-merge-into-error').innerText()).toContain('no incident you can see has the reference ESTF-1999-99999');
    expect(await read()).toEqual(before);
    await context.close();
  }, 60_000);

  it('a user without the right sees no such actions, and a forged post of them is refused with nothing written', async () => {
    const { context, page } = await signIn(riverside);
    // Riverside is an affected county of the AMBER incident, but it is now AMBER+STRICT: a fresh AMBER one.
    const filed = await hub.gql(reporter.token, FILE, { input: { title: 'Phishing wave', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', affectedCounties: ['county-riverside'] } });
    const amber = filed.data.fileIncident as { id: string; reference: string };
    expect(await open(page, amber.id)).toBe(200);
    for (const name of ['Change status', 'Assign', 'Change TLP label', 'Mark law-enforcement sensitive', 'Merge into that incident', 'Save changes', 'Save severity']) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    }
    // What an analyst of the audience may do is offered: share (AMBER), comment.
    expect(await page.getByRole('button', { name: 'Share' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Add comment' }).count()).toBe(1);

    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const before = await read(amber.id);
    const forge = (action: string, form: Record<string, string>) =>
      page.request.post(`${hub.url}/console/incidents/${amber.id}/${action}`, { form: { _csrf: csrf, ...form }, headers: { origin: hub.url }, maxRedirects: 0 });
    const forged: Array<[string, Record<string, string>]> = [
      ['status', { to: 'TRIAGED' }],
      ['status', { to: 'INVESTIGATING' }],
      ['assign', { organization: 'county-riverside', user: riverside.email }],
      ['tlp', { tlp: 'CLEAR' }],
      ['tlp', { tlp: 'RED', recipients: riverside.email }],
      ['les', { value: 'true' }],
      ['merge', { into: other.reference }],
      ['edit', { version: String(before.version), title: 'Hijacked', severity: 'LOW' }],
    ];
    for (const [action, form] of forged) {
      const res = await forge(action, form);
      expect(res.status(), `${action} ${JSON.stringify(form)}`).toBe(403);
      const html = await res.text();
      expect(html).toContain('Nothing was changed');
      // The refusal is in the summary; no form of it to link to.
      expect(html).not.toContain('href="#ia-');
    }
    expect(await read(amber.id)).toEqual(before);

    // On an incident the user may not see, every action answers exactly like an unknown id.
    const { context: c2, page: p2 } = await signIn(fresno);
    const csrf2 = await p2.locator('input[name=_csrf]').first().inputValue();
    const post2 = (id: string) =>
      p2.request.post(`${hub.url}/console/incidents/${id}/status`, { form: { _csrf: csrf2, to: 'INVESTIGATING' }, headers: { origin: hub.url }, maxRedirects: 0 });
    const hidden = await post2(amber.id);
    const unknown = await post2(randomUUID());
    expect([hidden.status(), unknown.status()]).toEqual([404, 404]);
    expect(await hidden.text()).toBe(await unknown.text());
    expect(await read(amber.id)).toEqual(before);
    await c2.close();
    await context.close();
  }, 60_000);

  it('a stale edit shows what changed since, with a reload link, and writes nothing; axe holds on the conflict state', async () => {
    const { context, page } = await signIn(reporter);
    await open(page, other.id);
    // Meanwhile a coordinator raises the severity (through the API: another client, the same service).
    const v = (await read(other.id)).version;
    const raised = await hub.gql(coordinator.token, `mutation($id: ID!, $v: Int!) { updateIncident(id: $id, input: {severity: CRITICAL}, expectedVersion: $v) { version } }`, { id: other.id, v });
    expect(raised.errors).toBeUndefined();
    const before = await read(other.id);

    await page.getByRole('textbox', { name: /^Title/ }).fill('Ransom note: second report');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const notice = page.locator('#ia-conflict');
    await notice.waitFor();
    await expectFocus(page, 'ia-conflict');
    const text = await notice.innerText();
    expect(text).toContain(`You edited version ${v}; it is now version ${before.version}. Nothing was written.`);
    expect(text).toMatch(/Severity\s+LOW\s+CRITICAL/);
    expect(text).not.toMatch(/^Title\s/m);
    const reload = notice.getByRole('link', { name: /Reload the incident/ });
    expect(await reload.getAttribute('href')).toBe(`/console/incidents/${other.id}`);
    expect(await read(other.id)).toEqual(before);
    // The edit is kept in the form, over the current version: saving again is a deliberate overwrite.
    expect(await page.getByRole('textbox', { name: /^Title/ }).inputValue()).toBe('Ransom note: second report');
    expect(await page.locator('input[name=version]').inputValue()).toBe(String(before.version));
    expect(await axeViolations(page)).toEqual([]);

    await reload.click();
    await page.waitForURL(new RegExp(`/console/incidents/${other.id}$`));
    expect(await page.getByRole('textbox', { name: /^Title/ }).inputValue()).toBe('Same ransom note, reported twice');
    await page.getByRole('textbox', { name: /^Title/ }).fill('Ransom note: second report');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/done=edit/);
    expect(await statusText(page)).toBe(`Changes saved (version ${before.version + 1}).`);
    const after = await read(other.id);
    expect([after.title, after.severity]).toEqual(['Ransom note: second report', 'CRITICAL']);
    await context.close();
  }, 60_000);

  it('a coordinator merges a duplicate by reference; both pages link to each other', async () => {
    const { context, page } = await signIn(coordinator);
    await open(page, other.id);
    await page.getByRole('textbox', { name: 'Reference of the incident to merge into' }).fill(inc.reference.toLowerCase());
    await page.getByRole('button', { name: 'Merge into that incident' }).click();
    await page.waitForURL(/done=merge/);
    expect(await page.locator('dl.facts').first().innerText()).toContain(`MERGED into ${inc.reference}`);
    // A merged incident has no further status move or merge to offer.
    expect(await page.getByRole('button', { name: 'Change status' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Merge into that incident' }).count()).toBe(0);
    await page.getByRole('link', { name: inc.reference }).first().click();
    expect(await page.locator('dl.facts').first().innerText()).toContain(other.reference);
    await context.close();
  }, 60_000);

  it('a statewide correlation shows its indicator, counties and county incidents, each as the reader may know of them', async () => {
    const VALUE = `statewide-${randomUUID().slice(0, 6)}.info`;
    const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok } }`;
    const k = (await hub.gql(kern.token, FILE, { input: { title: 'Kern phish', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'AMBER' } })).data.fileIncident;
    const o = (await hub.gql(reporter.token, FILE, { input: { title: 'Orange phish', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'AMBER' } })).data.fileIncident;
    expect((await hub.gql(reporter.token, REPORT, { input: [{ value: VALUE, type: 'DOMAIN', tlp: 'GREEN', incidentId: o.id }] })).data.reportIndicators[0].ok).toBe(true);
    // Kern's report is AMBER: Orange may see neither it nor Kern's incident.
    expect((await hub.gql(kern.token, REPORT, { input: [{ value: VALUE, type: 'DOMAIN', tlp: 'AMBER', incidentId: k.id }] })).data.reportIndicators[0].ok).toBe(true);
    expect((await hub.gql(fresno.token, `mutation { reportSighting(input: {value: "${VALUE}", tlp: AMBER}) { id } }`)).errors).toBeUndefined();
    const statewide = (await hub.db.selectFrom('indicator_correlations').select('incident_id').executeTakeFirstOrThrow()).incident_id;

    const { context, page } = await signIn(coordinator);
    expect(await open(page, statewide)).toBe(200);
    const section = page.getByRole('region', { name: 'Linked indicators' });
    const text = await section.innerText();
    expect(text).toContain('because 3 counties reported or sighted');
    expect(await section.getByRole('link', { name: `DOMAIN ${VALUE}` }).first().getAttribute('href')).toMatch(/^\/console\/indicators\/\d+$/);
    for (const c of ['Orange County Elections', 'Kern County Elections', 'Fresno County Elections']) expect(text).toContain(c);
    expect(await section.getByRole('link', { name: o.reference }).count()).toBe(1);
    expect(await section.getByRole('link', { name: k.reference }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();

    // Orange is told of itself only, and of no incident it may not see.
    const { context: c2, page: p2 } = await signIn(reporter);
    expect(await open(p2, statewide)).toBe(200);
    const mine = await p2.getByRole('region', { name: 'Linked indicators' }).innerText();
    expect(mine).toContain('because 3 counties reported or sighted');
    expect(mine).toContain('Counties you may know of: Orange County Elections.');
    expect(mine).not.toContain('Kern');
    expect(mine).not.toContain(k.reference);
    expect(mine).toContain(o.reference);
    await c2.close();
  }, 60_000);

  it('a change that takes the incident out of the actor\'s sight says so instead of answering 404', async () => {
    const f = (await hub.gql(reporter.token, FILE, { input: { title: 'Narrowed away', summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'AMBER' } })).data.fileIncident;
    const { context, page } = await signIn(coordinator);
    await open(page, f.id);
    await page.getByRole('combobox', { name: 'New TLP label' }).selectOption('RED');
    await page.getByRole('textbox', { name: /Named recipients for TLP:RED/ }).fill(kern.email);
    await page.getByRole('button', { name: 'Change TLP label' }).click();
    await page.getByRole('heading', { level: 1, name: 'Done' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('you no longer have access');
    expect(await page.content()).not.toContain(f.reference);
    expect((await read(f.id)).tlp).toBe('RED');
    expect(await open(page, f.id)).toBe(404);
    await context.close();
  }, 60_000);

  it('sharing a TLP:RED incident with nobody: the error sits beside the named-users field', async () => {
    const f = (await hub.gql(reporter.token, FILE, { input: { title: 'Red one', summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'RED', shareWithUsers: [kern.email] } })).data.fileIncident;
    const { context, page } = await signIn(reporter);
    await open(page, f.id);
    await page.getByRole('button', { name: 'Share' }).click();
    await page.locator('#ia-errors').waitFor();
    const field = page.getByRole('textbox', { name: /^Named users/ });
    expect(await field.getAttribute('aria-describedby')).toBe('ia-share-users-error');
    expect(await page.locator('#ia-share-users-error').innerText()).toContain('name at least one organization or user');
    expect(await page.locator('#ia-errors a').getAttribute('href')).toBe('#ia-share-users');
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);
});
