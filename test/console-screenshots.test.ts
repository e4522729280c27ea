import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { freePort, HAS_CHROMIUM, launchChromium, loginLink } from './support/console-browser.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

/**
 * The README's screenshots of the console, taken by this test in Debian's Chromium at a desktop's width
 * (1280×800) and a phone's (390×844), from a hub whose workers have paged the on-call analyst. With
 * ESTF_UPDATE_SCREENSHOTS=1 they are written to docs/screenshots/ (commit them); otherwise to a temporary
 * folder, so a test run leaves the working tree alone. Either way each screen must render: the right
 * heading, no error page, a PNG of the viewport's size.
 */

const sys = systemPrincipal('test');
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe.skipIf(!HAS_CHROMIUM)('console screenshots for the README', () => {
  const outDir = process.env.ESTF_UPDATE_SCREENSHOTS ? path.resolve('docs/screenshots') : fs.mkdtempSync(path.join(os.tmpdir(), 'estf-shots-'));
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let oncall: TestUser;
  let critical: { id: string; reference: string };
  let indicatorId: string;

  beforeAll(async () => {
    fs.mkdirSync(outDir, { recursive: true });
    const port = await freePort();
    receiver = await startWebhookReceiver();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    workers = await startWorkers(hub.deps);
    const [analyst, coordinator] = await Promise.all([makeUser(hub.deps, 'county-orange', ['ANALYST'], 'maria.lopez'), makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'coordinator')]);
    oncall = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'sam.nguyen');
    await hub.deps.services.oncall.setSchedule(sys, { organization: 'county-orange', duty: 'rov-oncall', participants: [oncall.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await hub.deps.services.oncall.addContactMethod(sys, { email: oncall.email, kind: 'WEBHOOK', target: receiver.url });
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'critical-to-orange', severityAtLeast: 'CRITICAL', levels: [1, 2].map(() => ({ ackTimeoutSeconds: 900, targets: [{ kind: 'DUTY', organization: 'county-orange', duty: 'rov-oncall' }] })) },
    });
    expect(rule.errors).toBeUndefined();
    const file = async (input: Record<string, unknown>) => {
      const r = await hub.gql(analyst.token, FILE, { input: { affectedCounties: ['county-orange'], ...input } });
      expect(r.errors).toBeUndefined();
      return r.data.fileIncident as { id: string; reference: string };
    };
    await file({ title: 'Phishing e-mails to poll workers posing as the ROV', summary: 'Twelve poll workers got an e-mail asking them to confirm their training account.', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' });
    await file({ title: 'Vote center check-in tablets slow to sync', summary: 'Three vote centers report e-poll book sync delays of several minutes.', category: 'EPOLLBOOK_DISRUPTION', severity: 'MODERATE', tlp: 'AMBER' });
    await file({ title: 'Exercise: ransomware tabletop', summary: 'Tabletop injects.', category: 'RANSOMWARE', severity: 'HIGH', tlp: 'AMBER', exercise: true });
    critical = await file({ title: 'Ransom note on the election management server', summary: 'A ransom note appeared on the EMS server at 06:40; the server is isolated.', category: 'RANSOMWARE', severity: 'CRITICAL', tlp: 'AMBER' });
    const comment = await hub.gql(analyst.token, `mutation($id: ID!, $body: String!) { addIncidentComment(id: $id, body: $body) { id } }`, { id: critical.id, body: 'EMS server unplugged from the network; backups from Sunday verified offline.' });
    expect(comment.errors).toBeUndefined();
    const reported = await hub.gql(analyst.token, `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok indicator { id } } }`, {
      input: [{ value: 'ocvote-support[.]info', type: 'DOMAIN', tlp: 'AMBER', incidentId: critical.id, description: 'Domain in the ransom note' }],
    });
    expect(reported.data?.reportIndicators?.[0]?.ok).toBe(true);
    indicatorId = reported.data.reportIndicators[0].indicator.id;
    await until(async () => (await hub.db.selectFrom('notifications').select('status').where('incident_id', '=', critical.id).where('status', '=', 'DELIVERED').executeTakeFirst()) ?? null, 30_000);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await hub?.close();
    await receiver?.close();
  });

  async function signedInAt(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(await loginLink(hub, oncall.email));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/now$/);
    return page;
  }

  it('takes each screen at a desktop and a phone width', async () => {
    const shots: Array<{ name: string; url: string; heading: RegExp; viewport: typeof DESKTOP }> = [
      { name: 'now-desktop', url: '/console/now', heading: /Now/, viewport: DESKTOP },
      { name: 'now-phone', url: '/console/now', heading: /Now/, viewport: PHONE },
      { name: 'incidents-desktop', url: '/console/incidents', heading: /Incidents/, viewport: DESKTOP },
      { name: 'incident-desktop', url: `/console/incidents/${critical.id}`, heading: /Ransom note/, viewport: DESKTOP },
      { name: 'incident-phone', url: `/console/incidents/${critical.id}`, heading: /Ransom note/, viewport: PHONE },
      { name: 'my-pages-phone', url: '/console/pages', heading: /My pages/, viewport: PHONE },
      { name: 'file-incident-desktop', url: '/console/incidents/new', heading: /File an incident/, viewport: DESKTOP },
      { name: 'indicator-desktop', url: `/console/indicators/${indicatorId}`, heading: /ocvote-support/, viewport: DESKTOP },
      { name: 'on-call-desktop', url: '/console/on-call', heading: /On-call/, viewport: DESKTOP },
    ];
    const pages = new Map<string, Page>();
    for (const s of shots) {
      const key = `${s.viewport.width}`;
      if (!pages.has(key)) pages.set(key, await signedInAt(s.viewport));
      const page = pages.get(key)!;
      const res = await page.goto(`${hub.url}${s.url}`);
      expect([s.name, res?.status()]).toEqual([s.name, 200]);
      await expect.poll(async () => page.getByRole('heading', { level: 1 }).first().textContent()).toMatch(s.heading);
      const file = path.join(outDir, `${s.name}.png`);
      await page.screenshot({ path: file });
      expect([s.name, pngSize(file)]).toEqual([s.name, { width: s.viewport.width, height: s.viewport.height }]);
    }
  }, 120_000);
});
