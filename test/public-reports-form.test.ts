import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './harness.js';
import { freePort } from './support/console-browser.js';
import { formStarted, httpRequest, postReport, referenceIn, solveProof } from './support/public-reports.js';

/**
 * The public report form over real HTTP (no browser: test/public-reports-browser.test.ts has that): language
 * by URL and Accept-Language, fields and their errors in the reporter's language, nothing stored on a
 * refusal, the reference on success, the client kept only as a keyed hash, screenshots re-encoded without
 * metadata, Origin, honeypot and time-to-submit refusals.
 */

const FAST = { ESTF_REPORT_MIN_FILL_TIME: '0', ESTF_REPORT_POW_MAX: '2000', ESTF_REPORT_CLIENT_LIMIT: '1000', ESTF_REPORT_SURGE_LIMIT: '100000' };

async function startHub(env: Record<string, string> = {}): Promise<TestHub> {
  const port = await freePort();
  return startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...FAST, ...env });
}

describe('public report form', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub();
  }, 60_000);
  afterAll(async () => hub?.close());

  const count = async () => Number((await hub.db.selectFrom('public_reports').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it('serves the form in the language of the URL, else of Accept-Language, with its own CSP and no sign-in', async () => {
    const es = await httpRequest(`${hub.url}/report/es`, { method: 'GET' });
    expect(es.status).toBe(200);
    expect(es.body).toContain('<html lang="es" dir="ltr">');
    expect(es.headers['content-security-policy']).toContain("default-src 'self'");
    expect(es.body).toContain('§1798');
    const negotiated = await httpRequest(`${hub.url}/report`, { method: 'GET', headers: { 'accept-language': 'fr;q=0.9, vi;q=0.8, en;q=0.1' } });
    expect(negotiated.body).toContain('<html lang="vi" dir="ltr">');
    const unknown = await httpRequest(`${hub.url}/report/xx`, { method: 'GET' });
    expect(unknown.status).toBe(404);
  });

  it('stores a valid report and answers with its reference in the reporter\'s language; the client address is not stored', async () => {
    const before = await count();
    const res = await postReport(hub.url, 'es', { claim: 'Dicen que se puede votar por mensaje de texto.', county: '06037', email: 'Votante@Example.org' }, { localAddress: '127.0.0.7' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<html lang="es"');
    const reference = referenceIn(res.body);
    expect(reference).toMatch(/^R-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await count()).toBe(before + 1);
    const row = await hub.db.selectFrom('public_reports').selectAll().where('reference', '=', reference!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ language: 'es', seen_where: 'TEXT_MESSAGE', seen_when: 'TODAY', county: '06037', followup_email: 'votante@example.org' });
    expect(row.client_hash).toHaveLength(32);
    // No column of the row holds the address, in any form a search would find.
    expect(JSON.stringify(row)).not.toContain('127.0.0.7');
    const sameClient = await hub.deps.services.publicReports.clientHash('127.0.0.7');
    expect(row.client_hash.equals(sameClient)).toBe(true);
    // Tomorrow's key differs: hashes of two days cannot be linked.
    const tomorrow = await hub.deps.services.publicReports.clientHash('127.0.0.7', new Date(Date.now() + 86_400_000));
    expect(tomorrow.equals(sameClient)).toBe(false);
    // Its outbox event carries ids only.
    const event = await hub.db.selectFrom('outbox').selectAll().where('aggregate_id', '=', row.id).executeTakeFirstOrThrow();
    expect(event.topic).toBe('public_report.received');
    expect(JSON.stringify(event.payload)).not.toContain('mensaje');
  });

  it('lists every problem beside its field and in a focused summary, in the form\'s language, and stores nothing', async () => {
    const before = await count();
    const res = await postReport(hub.url, 'vi', { claim: '', link: 'not a link', where: 'CARRIER_PIGEON', when: '', county: '99999', email: 'nobody' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('<html lang="vi"');
    expect(res.body).toMatch(/class="error-summary" role="alert" tabindex="-1" id="rf-errors"[^>]*autofocus/);
    for (const id of ['rf-link-error', 'rf-where-error', 'rf-when-error', 'rf-county-error', 'rf-email-error']) expect(res.body).toContain(`id="${id}"`);
    expect(res.body).toContain('aria-describedby="rf-email-hint rf-email-error"');
    // The typed values come back (so nothing is typed twice).
    expect(res.body).toContain('value="not a link"');
    expect(await count()).toBe(before);
  });

  it('accepts a link without a claim text, and a link typed without https://', async () => {
    const res = await postReport(hub.url, 'en', { claim: '', link: 'example.com/vote-by-text?utm_source=x' });
    expect(res.status).toBe(200);
    const row = await hub.db.selectFrom('public_reports').selectAll().where('reference', '=', referenceIn(res.body)!).executeTakeFirstOrThrow();
    expect(row.link).toBe('https://example.com/vote-by-text?utm_source=x');
  });

  it('re-encodes a screenshot: EXIF (GPS, camera) is gone, the picture stays; a file that is not an image is refused', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c00' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'SecretCam', Model: 'Model-X', Copyright: 'Jane Voter' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '38/1 34/1 0/1' } })
      .toBuffer();
    expect(jpeg.toString('latin1')).toContain('SecretCam');
    const res = await postReport(hub.url, 'en', { screenshot: new Blob([jpeg], { type: 'image/jpeg' }) });
    expect(res.status).toBe(200);
    const row = await hub.db.selectFrom('public_reports').selectAll().where('reference', '=', referenceIn(res.body)!).executeTakeFirstOrThrow();
    expect(row.screenshot_type).toBe('image/jpeg');
    const stored = row.screenshot!;
    expect(stored.toString('latin1')).not.toContain('SecretCam');
    expect(stored.toString('latin1')).not.toContain('Jane Voter');
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([40, 30]);

    const before = await count();
    const fake = await postReport(hub.url, 'es', { screenshot: new Blob([Buffer.from('<script>alert(1)</script>')], { type: 'image/png' }) });
    expect(fake.status).toBe(422);
    expect(fake.body).toContain('id="rf-screenshot-error"');
    expect(await count()).toBe(before);
  });

  it('refuses a screenshot over the size limit with a page, not a dropped connection', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 1);
    const res = await postReport(hub.url, 'en', { screenshot: new Blob([big], { type: 'image/png' }) });
    expect(res.status).toBe(413);
    expect(res.body).toContain('<html lang="en"');
  });

  it('refuses a post from another site (Origin), a filled honeypot, a forged start time, and stores nothing', async () => {
    const before = await count();
    expect((await postReport(hub.url, 'en', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await postReport(hub.url, 'en', {}, { origin: null })).status).toBe(403);
    expect((await postReport(hub.url, 'en', { website: 'http://spam.example' })).status).toBe(400);
    expect((await postReport(hub.url, 'en', {}, { started: `${Date.now() - 60_000}.AAAAAAAAAAAAAAAAAAAAAA` })).status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('refuses a post without a proof of work, with the error beside the widget', async () => {
    const before = await count();
    const res = await postReport(hub.url, 'zh', {}, { proof: null });
    expect(res.status).toBe(422);
    expect(res.body).toContain('id="rf-altcha-error"');
    const forged = await postReport(hub.url, 'en', {}, { proof: Buffer.from(JSON.stringify({ algorithm: 'SHA-256', challenge: 'x', number: 1, salt: 'y', signature: 'z' })).toString('base64') });
    expect(forged.status).toBe(422);
    expect(await count()).toBe(before);
  });
});

describe('public report form: time to submit', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ ESTF_REPORT_MIN_FILL_TIME: '2s' });
  }, 60_000);
  afterAll(async () => hub?.close());

  it('refuses a form sent faster than a person fills it in, keeps what was typed, and accepts it once the time has passed', async () => {
    const started = await formStarted(hub.url, 'es');
    const fast = await postReport(hub.url, 'es', { claim: 'rápido' }, { started });
    expect(fast.status).toBe(422);
    expect(fast.body).toContain('rápido');
    const slow = await postReport(hub.url, 'es', { claim: 'despacio' }, { started, waitMs: 2_100 });
    expect(slow.status).toBe(200);
  });
});

describe('public report form: abuse limits', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ ESTF_REPORT_CLIENT_LIMIT: '3', ESTF_REPORT_CLIENT_WINDOW: '10m', ESTF_REPORT_SURGE_LIMIT: '12', ESTF_REPORT_SURGE_WINDOW: '10m' });
  }, 60_000);
  afterAll(async () => hub?.close());

  const count = async () => Number((await hub.db.selectFrom('public_reports').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it('refuses a replayed proof: a solved challenge serves once', async () => {
    const proof = await solveProof(hub.url, '127.0.0.20');
    const first = await postReport(hub.url, 'en', {}, { proof, localAddress: '127.0.0.20' });
    expect(first.status).toBe(200);
    const again = await postReport(hub.url, 'en', {}, { proof, localAddress: '127.0.0.21' });
    expect(again.status).toBe(422);
    expect(again.body).toContain('id="rf-altcha-error"');
    expect(again.body).toContain('already used');
  });

  it('limits a burst from one client without affecting another', async () => {
    const a = [];
    for (let i = 0; i < 4; i++) a.push((await postReport(hub.url, 'es', { claim: `ráfaga ${i}` }, { localAddress: '127.0.0.30' })).status);
    expect(a).toEqual([200, 200, 200, 429]);
    const limited = await postReport(hub.url, 'es', {}, { localAddress: '127.0.0.30' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toContain('<html lang="es"');
    // Another client, at the same moment, is not limited.
    expect((await postReport(hub.url, 'es', {}, { localAddress: '127.0.0.31' })).status).toBe(200);
  });

  it('answers a flood above the surge limit calmly (503, Retry-After, a page in the language), and keeps every report below it', async () => {
    // 1 (replay test) + 3 + 1 accepted so far, of the surge limit of 12.
    const before = await count();
    const used = before;
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, i) => postReport(hub.url, 'vi', { claim: `lũ ${i}` }, { localAddress: `127.0.1.${i + 1}` })),
    );
    const statuses = results.map((r) => r.status);
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBe(12 - used);
    expect(statuses.filter((s) => s === 503).length).toBe(14 - accepted);
    const surge = results.find((r) => r.status === 503)!;
    expect(surge.headers['retry-after']).toBeDefined();
    expect(surge.body).toContain('<html lang="vi"');
    // Nothing accepted was lost: every 200 is a row with its reference.
    expect(await count()).toBe(before + accepted);
    for (const r of results.filter((x) => x.status === 200)) {
      expect(await hub.deps.services.publicReports.byReference(referenceIn(r.body)!)).toBeDefined();
    }
  }, 60_000);
});
