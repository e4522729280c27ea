import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { entryHash } from '../src/modules/audit/audit.chain.js';
import { writeCheckpoint } from '../src/modules/audit/audit.checkpoints.js';
import { useAuditKey } from '../src/modules/audit/audit.key.js';
import { rowToChained } from '../src/modules/audit/audit.repository.js';
import { recordAudit } from '../src/modules/audit/audit.service.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium, signedIn, expectFocus } from './support/console-browser.js';

/**
 * The console's Audit screen in a real browser against a real hub: an auditor reads the log with filters in
 * the query string and pages through it, the changed content only of objects they may see; "Verify chain"
 * runs the same verification as `estf audit verify`: ok on an untouched chain, and where it breaks after a
 * database superuser rewrote an entry and re-hashed the rest (the attack of test/audit-chain.test.ts).
 * Everyone else gets the unknown page's 404, for the page and for a forged verify. axe on every state.
 */

const cli = systemPrincipal('test');
const VERIFY = `{ auditChainVerification { ok entries brokenAt reason summary } }`;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

describe.skipIf(!HAS_CHROMIUM)('console: Audit', () => {
  let hub: TestHub;
  let browser: Browser;
  let auditor: TestUser, kernAuditor: TestUser, analyst: TestUser, hubAdmin: TestUser;
  let amber: { id: string; reference: string };

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    [auditor, kernAuditor, analyst, hubAdmin] = await Promise.all([
      makeUser(hub.deps, 'sos', ['AUDITOR'], 'auditor'),
      makeUser(hub.deps, 'county-kern', ['AUDITOR'], 'kernauditor'),
      makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'analyst'),
      makeUser(hub.deps, 'sos', ['HUB_ADMIN'], 'hubadmin'),
    ]);
    const filed = await hub.gql(analyst.token, FILE, { input: { title: 'Secret AMBER thing', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', affectedCounties: ['county-orange'] } });
    expect(filed.errors).toBeUndefined();
    amber = filed.data.fileIncident;
    // Enough entries for more than one page (50 a page); of a structural type, whose change auditors see.
    for (let i = 0; i < 60; i++) await hub.db.transaction().execute((trx) => recordAudit(trx, cli, 'test.event', { type: 'Duty', id: `t-${i}` }, { i }));
    await writeCheckpoint(hub.db, hub.config, useAuditKey(hub.config));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const count = async () => Number((await hub.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const verifyResult = async (page: Page) => {
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const region = page.locator('#verification');
    await region.waitFor();
    return region;
  };

  it('an auditor reads the log newest first with the total, pages with "Older entries", and filters in the query string; axe', async () => {
    const { context, page } = await signedIn(browser, hub, auditor);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL(/\/console\/audit$/);
    const total = await count();
    expect(await page.locator('#audit-count').textContent()).toBe(`${total} entries`);
    const seqs = async () => (await page.locator('tbody tr td:first-child').allTextContents()).map(Number);
    const first = await seqs();
    expect(first).toHaveLength(50);
    expect(first[0]).toBe(total);
    expect(first).toEqual([...first].sort((a, b) => b - a));
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Older entries' }).click();
    await page.waitForURL(/before=/);
    const second = await seqs();
    expect(second[0]).toBe(first[49]! - 1);
    expect([...first, ...second]).toHaveLength(total);

    // Filters add up and stay in the URL (bookmarkable).
    await page.goto(`${hub.url}/console/audit`);
    await page.getByRole('textbox', { name: /^Action/ }).fill('test.event');
    await page.getByRole('textbox', { name: 'Object id' }).fill('t-7');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((u) => u.searchParams.get('action') === 'test.event' && u.searchParams.get('objectId') === 't-7');
    expect(await page.locator('#audit-count').textContent()).toBe('1 entry');
    expect(await page.locator('tbody').textContent()).toContain('{"i":7}');
    await page.goto(`${hub.url}/console/audit?actor=${encodeURIComponent(analyst.email)}`);
    expect(await page.locator('tbody').textContent()).toContain('incident.filed');
    expect(await page.locator('tbody tr').count()).toBe(Number((await page.locator('#audit-count').textContent())!.split(' ')[0]));
    // A time range in the future: nothing (the empty state).
    await page.goto(`${hub.url}/console/audit?since=2099-01-01T00:00`);
    expect(await page.locator('#audit-count').textContent()).toBe('0 entries');
    expect(await page.getByText('No entry matches these filters.').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    // An unreadable bound: the error state, beside the field and in a focused summary.
    const bad = await page.goto(`${hub.url}/console/audit?since=yesterday`);
    expect(bad!.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('From: not a date and time');
    expect(await page.getByLabel('From (UTC)').getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 90_000);

  it("the changed content only of objects the auditor may see: an AMBER incident's entry is shown without it to another county's auditor", async () => {
    for (const [u, sees] of [[auditor, true], [kernAuditor, false]] as const) {
      const { context, page } = await signedIn(browser, hub, u);
      await page.goto(`${hub.url}/console/audit?objectId=${amber.id}&action=incident.filed`);
      const row = page.locator('tbody tr').first();
      expect(await row.textContent()).toContain('incident.filed');
      if (sees) expect(await row.textContent()).toContain('Secret AMBER thing');
      else {
        expect(await page.content()).not.toContain('Secret AMBER thing');
        expect(await row.textContent()).toContain('not shown: you may not see this object');
      }
      await context.close();
    }
  }, 60_000);

  it('journey: an auditor verifies the chain (ok); a superuser rewrites an entry and re-hashes the rest; Verify chain shows where it breaks', async () => {
    const { context, page } = await signedIn(browser, hub, auditor);
    await page.goto(`${hub.url}/console/audit`);
    const ok = await verifyResult(page);
    expect(await ok.getAttribute('role')).toBe('status');
    expect(await ok.textContent()).toMatch(new RegExp(`^The chain verifies: ok ${await count()} entries \\(checked against 1 signed checkpoint\\)\\.$`));
    expect((await hub.gql(auditor.token, VERIFY)).data.auditChainVerification).toMatchObject({ ok: true, brokenAt: null, reason: null, summary: `ok ${await count()} entries` });
    // The result is focused, so a screen reader reads it.
    await expectFocus(page, 'verification');
    expect(await axeViolations(page)).toEqual([]);

    // The attack: lift the append-only trigger, rewrite entry 5, re-hash it and everything after it with the
    // hub's own (unkeyed) function, as test/audit-chain.test.ts does.
    const seq = 5;
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(hub.db);
    await sql`update audit_log set actor_email = 'someone-else@sos.example' where seq = ${seq}`.execute(hub.db);
    const rows = await hub.db.selectFrom('audit_log').selectAll().where('seq', '>=', seq).orderBy('seq').execute();
    let prev = rows[0]!.prev_hash;
    for (const r of rows) {
      const hash = entryHash(prev, rowToChained(r));
      await hub.db.updateTable('audit_log').set({ prev_hash: prev, hash }).where('seq', '=', r.seq).execute();
      prev = hash;
    }
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(hub.db);

    await page.goto(`${hub.url}/console/audit`);
    const broken = await verifyResult(page);
    expect(await broken.getAttribute('role')).toBe('alert');
    expect(await broken.textContent()).toContain(`The chain is broken: broken at entry ${seq}: content does not match its hash (${seq - 1} entries verified before it).`);
    // The API's auditChainVerification and the console run the same verification and say the same.
    const api = await hub.gql(auditor.token, VERIFY);
    expect(api.data.auditChainVerification).toEqual({ ok: false, entries: seq - 1, brokenAt: seq, reason: 'content does not match its hash', summary: `broken at entry ${seq}: content does not match its hash (${seq - 1} entries verified before it)` });
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: `Show entry ${seq}` }).click();
    await page.waitForURL(new RegExp(`before=${seq + 1}$`));
    expect(await page.locator('tbody tr td:first-child').first().textContent()).toBe(String(seq));
    expect(await page.locator('tbody tr').first().textContent()).toContain('someone-else@sos.example');
    await context.close();
  }, 90_000);

  it('everyone but auditors (a HUB_ADMIN, an ORG_ADMIN analyst) gets the unknown page, for the log and for a forged verify', async () => {
    for (const u of [analyst, hubAdmin]) {
      const { context, page } = await signedIn(browser, hub, u);
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).count()).toBe(0);
      const unknown = await page.goto(`${hub.url}/console/no-such-page`);
      const unknownMain = await page.locator('main').innerHTML();
      const res = await page.goto(`${hub.url}/console/audit?actor=${encodeURIComponent(analyst.email)}`);
      expect([res!.status(), unknown!.status()]).toEqual([404, 404]);
      expect(await page.locator('main').innerHTML()).toBe(unknownMain);
      expect(await page.content()).not.toContain('incident.filed');
      const csrf = await page.locator('input[name=_csrf]').first().inputValue();
      const cookie = (await context.cookies()).find((c) => c.name === 'estf_session')!.value;
      const forged = await fetch(`${hub.url}/console/audit/verify`, {
        method: 'POST',
        headers: { cookie: `estf_session=${cookie}`, origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf }).toString(),
      });
      expect(forged.status).toBe(404);
      expectCode(await hub.gql(u.token, VERIFY), 'FORBIDDEN');
      expect(await forged.text()).not.toMatch(/chain (verifies|is broken)/);
      await context.close();
    }
  }, 60_000);
});
