import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { systemPrincipal } from '../../src/access/principal.js';
import type { TestUser } from '../factories.js';
import type { TestHub } from '../harness.js';

/** What the console's browser tests share: Debian's Chromium, a signed-in context, axe's WCAG rules. */

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const operator = systemPrincipal('test');

/** A free port, so that a hub's PUBLIC_URL (which the Origin check compares with) names the port it serves. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * launch() gives the browser a fresh temporary profile of its own, removed on close; the flags keep it from
 * background traffic to hosts the test machine cannot reach.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A one-time sign-in link for `email`, as the operator's `estf login-link` issues it. */
export async function loginLink(hub: TestHub, email: string): Promise<string> {
  return (await hub.deps.services.sessions.issueLoginLink(operator, email)).url;
}

/** A fresh browser context (its own cookies) signed in as `u` through a one-time link. */
export async function signedIn(browser: Browser, hub: TestHub, u: TestUser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(await loginLink(hub, u.email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/now$/);
  return { context, page };
}

/** axe's WCAG 2.0/2.1 A and AA violations on the page, as printable ids (empty: none). */
export async function axeViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const ids = r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  if (ids.length) console.log('axe violations:', ids);
  // Guards against an axe run that checked nothing (a blank page passes every rule).
  expect(r.passes.length).toBeGreaterThan(10);
  return ids;
}

/**
 * The id of the element that has the focus, once it is `id` (up to 5 s): after a form post,
 * waitForLoadState may resolve on the page before the navigation, so the focus is waited for, not read once.
 */
export async function expectFocus(page: Page, id: string): Promise<void> {
  await expect.poll(() => page.evaluate(() => document.activeElement?.id).catch(() => null), { timeout: 5_000 }).toBe(id);
}
