import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium } from './support/console-browser.js';

/**
 * The public report form in a real browser (Debian's Chromium) against a real hub: axe's WCAG 2.0/2.1 A and AA
 * rules in English, Spanish, Chinese, Vietnamese and a right-to-left language; the ALTCHA widget solving the
 * hub's own challenge (a low difficulty, ESTF_REPORT_POW_MAX, as the test mode); a keyboard-only submission; the
 * errors' summary taking focus; no CSP violation on the page.
 */

describe.skipIf(!HAS_CHROMIUM)('public report form in a browser', () => {
  let hub: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ESTF_REPORT_POW_MAX: '5000', ESTF_REPORT_MIN_FILL_TIME: '1s' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  async function open(path: string, locale = 'en-US'): Promise<{ page: Page; cspErrors: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${hub.url}${path}`);
    return { page, cspErrors, close: () => context.close() };
  }

  /** The widget has solved its challenge: its hidden field carries a payload. */
  async function proofReady(page: Page): Promise<void> {
    await page.waitForFunction(() => {
      const input = document.querySelector<HTMLInputElement>('altcha-widget input[name="altcha"]');
      return !!input && input.value.length > 20;
    }, undefined, { timeout: 20_000 });
  }

  const LANGS: Array<{ code: string; title: string; submit: string; where: string; when: string; claim: string; thanks: RegExp }> = [
    { code: 'en', title: 'Report misleading election information', submit: 'Send report', where: 'Text message', when: 'Today', claim: 'What did it say?', thanks: /Thank you/ },
    { code: 'es', title: 'Denunciar información electoral engañosa', submit: 'Enviar denuncia', where: 'Mensaje de texto', when: 'Hoy', claim: '¿Qué decía?', thanks: /Gracias/ },
    { code: 'zh', title: '舉報誤導性選舉資訊', submit: '提交舉報', where: '簡訊', when: '今天', claim: '內容說了什麼？', thanks: /謝謝/ },
    { code: 'vi', title: 'Báo cáo thông tin bầu cử sai lệch', submit: 'Gửi báo cáo', where: 'Tin nhắn văn bản', when: 'Hôm nay', claim: 'Nội dung nói gì?', thanks: /Cảm ơn/ },
  ];

  for (const l of LANGS) {
    it(`${l.code}: the form passes axe, the widget solves its challenge, a report is sent and its reference shown in ${l.code}`, async () => {
      const { page, cspErrors, close } = await open(`/report/${l.code}`);
      try {
        await expect(page.getByRole('heading', { level: 1, name: l.title }).isVisible()).resolves.toBe(true);
        expect(await page.getAttribute('html', 'dir')).toBe('ltr');
        expect(await axeViolations(page)).toEqual([]);
        await page.getByLabel(l.claim).fill(`Prueba ${l.code}: votar por mensaje de texto`);
        await page.getByRole('radio', { name: l.where }).check();
        await page.getByRole('radio', { name: l.when }).check();
        await proofReady(page);
        expect(await axeViolations(page)).toEqual([]);
        await page.getByRole('button', { name: l.submit }).click();
        await page.waitForSelector('p.reference');
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(l.thanks);
        const reference = (await page.locator('p.reference').textContent())!.trim();
        expect(reference).toMatch(/^R-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
        expect(await axeViolations(page)).toEqual([]);
        const row = await hub.db.selectFrom('public_reports').select(['language', 'seen_where']).where('reference', '=', reference).executeTakeFirstOrThrow();
        expect(row).toEqual({ language: l.code, seen_where: 'TEXT_MESSAGE' });
        expect(cspErrors).toEqual([]);
      } finally {
        await close();
      }
    }, 60_000);
  }

  it('the language switcher names each language in itself and leads to it; Accept-Language picks the first page', async () => {
    const { page, close } = await open('/report', 'es-MX');
    try {
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      const nav = page.getByRole('navigation', { name: 'Idioma' });
      for (const name of ['English', 'Español', '中文', 'हिन्दी', '日本語', 'ភាសាខ្មែរ', '한국어', 'Tagalog', 'ไทย', 'Tiếng Việt']) {
        await expect(nav.getByRole('link', { name, exact: true }).count()).resolves.toBe(1);
      }
      await expect(nav.getByRole('link', { name: 'Español' }).getAttribute('aria-current')).resolves.toBe('page');
      await nav.getByRole('link', { name: 'Tiếng Việt' }).click();
      await page.waitForURL(/\/report\/vi$/);
      expect(await page.getAttribute('html', 'lang')).toBe('vi');
    } finally {
      await close();
    }
  }, 30_000);

  it('a right-to-left language renders right to left and passes axe', async () => {
    const { page, close } = await open('/report/ar');
    try {
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      const dir = await page.evaluate(() => getComputedStyle(document.querySelector('main')!).direction);
      expect(dir).toBe('rtl');
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await close();
    }
  }, 30_000);

  it('keyboard only: errors are summarised and focused, each linked to its field; then the report is sent with the keyboard', async () => {
    const { page, close } = await open('/report/es');
    try {
      await proofReady(page);
      // A person takes longer than ESTF_REPORT_MIN_FILL_TIME (1 s here) even to send an empty form.
      await page.waitForTimeout(1_100);
      // Send with nothing filled in: Enter on the focused button.
      await page.getByRole('button', { name: 'Enviar denuncia' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('#rf-errors');
      // The summary has focus (autofocus, no script of ours) and lists the problems in Spanish.
      await page.waitForFunction(() => document.activeElement?.id === 'rf-errors');
      const summary = page.getByRole('alert');
      await expect(summary.textContent()).resolves.toContain('Elija dónde lo vio o escuchó');
      expect(await axeViolations(page)).toEqual([]);
      // Follow the summary's first link to its field with the keyboard, type the claim.
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toMatch(/^¿Qué decía\?/);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.id === 'rf-claim');
      await page.keyboard.type('Dicen que la elección se cambió al miércoles.');
      // Tab to the "where" group and choose with the arrow keys, then the "when" group.
      const tabTo = async (id: string) => {
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          if (await page.evaluate((want) => document.activeElement?.id === want || document.activeElement?.getAttribute('name') === want, id)) return;
        }
        throw new Error(`never reached ${id} with Tab`);
      };
      await tabTo('where');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Space');
      await tabTo('when');
      await page.keyboard.press('Space');
      await proofReady(page);
      await page.getByRole('button', { name: 'Enviar denuncia' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('p.reference');
      const reference = (await page.locator('p.reference').textContent())!.trim();
      const row = await hub.db.selectFrom('public_reports').select(['language', 'seen_where', 'seen_when', 'claim_text']).where('reference', '=', reference).executeTakeFirstOrThrow();
      expect(row.language).toBe('es');
      expect(row.seen_where).toBe('TEXT_MESSAGE');
      expect(row.seen_when).toBe('TODAY');
      expect(row.claim_text).toBe('Dicen que la elección se cambió al miércoles.');
    } finally {
      await close();
    }
  }, 60_000);
});
