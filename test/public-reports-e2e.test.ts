import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { axeViolations, freePort, HAS_CHROMIUM, launchChromium } from './support/console-browser.js';
import { httpRequest, postReport, referenceIn } from './support/public-reports.js';
import { startSmtpSink, type SmtpSink } from './support/receivers.js';

/**
 * The public side end to end, as the "done when" says: voters report a claim through the form (Spanish
 * among them), the workers cluster the reports into one claim, the claim passes the promotion threshold and
 * becomes a misinformation incident that the existing routing rules page, the SOS writes and publishes an
 * answer in English and Spanish, the Spanish reporter receives it once, in Spanish, at a real SMTP server;
 * the public pages and the feed show it, and unpublishing takes it down. Then retention, audited.
 */

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('public reports end to end: reports → claim → incident → published answer → follow-up e-mail', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let smtp: SmtpSink;
  let sos: TestUser;
  let browser: Browser | null = null;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    const port = await freePort();
    hub = await startTestHub({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: smtp.url,
      ESTF_REPORT_MIN_FILL_TIME: '0',
      ESTF_REPORT_POW_MAX: '2000',
      ESTF_CLAIM_PROMOTE_REPORTS: '3',
      ESTF_REPORT_EMAIL_RETENTION_DAYS: '90',
      ESTF_REPORT_SCREENSHOT_RETENTION_DAYS: '365',
    });
    workers = await startWorkers(hub.deps);
    sos = await makeUser(hub.deps, 'sos', ['ANALYST'], 'analyst');
    if (HAS_CHROMIUM) browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await hub?.close();
    await smtp?.close();
  });

  it('a voter reports in Spanish and later receives the published answer in Spanish; the analyst sees one claim', async () => {
    const sent = [
      await postReport(hub.url, 'es', { claim: 'Dicen que este año se puede votar por mensaje de texto enviando su nombre y dirección.', email: 'votante@example.org', county: '06019' }, { localAddress: '127.0.0.41' }),
      await postReport(hub.url, 'es', { claim: 'Un mensaje dice que este año se puede votar por mensaje de texto con su nombre y dirección.', county: '06037' }, { localAddress: '127.0.0.42' }),
      await postReport(hub.url, 'es', { claim: 'Me llegó que se puede votar por mensaje de texto este año, enviando nombre y dirección', email: 'otra@example.org' }, { localAddress: '127.0.0.43' }),
    ];
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
    const refs = sent.map((r) => referenceIn(r.body)!);

    // Clustered by the workers into one claim, which passes the threshold (3) and becomes an incident.
    const claimId = await until('clustering', async () => {
      const rows = await hub.db.selectFrom('public_reports').select('claim_id').where('reference', 'in', refs).execute();
      const ids = new Set(rows.map((r) => r.claim_id));
      return rows.every((r) => r.claim_id) && ids.size === 1 ? [...ids][0]! : null;
    });
    const link = await until('promotion', () => hub.db.selectFrom('claim_incidents').selectAll().where('claim_id', '=', claimId).executeTakeFirst());
    expect(link.reason).toBe('THRESHOLD');
    const incident = await hub.db.selectFrom('incidents').selectAll().where('id', '=', link.incident_id).executeTakeFirstOrThrow();
    expect(incident.category).toBe('MISINFORMATION');
    // Paged by the existing rules (the "information" rule: domain INFORMATION, MODERATE and above).
    const escalation = await until('paging', () => hub.db.selectFrom('escalations').select(['rule_name', 'incident_id']).where('incident_id', '=', incident.id).executeTakeFirst());
    expect(escalation.rule_name).toBe('information');

    const analyst = (await hub.deps.services.identity.authenticate(sos.token, { requestId: null, clientAddress: null }))!;
    const list = await hub.deps.services.claims.list(analyst);
    expect(list.filter((c) => c.id === claimId)[0]).toMatchObject({ reports: 3, languages: ['es'], incidentId: incident.id });

    // The answer: Spanish needs English first; then both; then published.
    await expect(hub.deps.services.rumor.publish(analyst, claimId)).rejects.toMatchObject({ extensions: { field: 'publish' } });
    await hub.deps.services.rumor.saveText(analyst, claimId, 'en', 'You cannot vote by text message', 'California does not accept votes by text message. Vote by mail, at a vote center, or at your polling place.');
    await hub.deps.services.rumor.saveText(analyst, claimId, 'es', 'No se puede votar por mensaje de texto', 'California no acepta votos por mensaje de texto. Vote por correo, en un centro de votación o en su lugar de votación.');
    expect(smtp.messages).toHaveLength(0);
    await hub.deps.services.rumor.publish(analyst, claimId);

    // One e-mail per reporter who asked, in Spanish, at the real SMTP server.
    await until('follow-up e-mails', async () => smtp.messages.length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages).toHaveLength(2);
    const mail = smtp.messages.find((m) => m.to.includes('votante@example.org'))!;
    expect(mail.raw).toMatch(/Subject: =\?UTF-8\?|Subject: Una respuesta/);
    const decoded = decodeMail(mail.raw);
    expect(decoded).toContain('No se puede votar por mensaje de texto');
    expect(decoded).toContain(refs[0]);
    expect(decoded).toContain(`/rumor-control/es/`);
    expect(decoded).not.toContain('You cannot vote');
    // Once: publishing again (after an unpublish) writes to nobody again.
    await hub.deps.services.rumor.unpublish(analyst, claimId);
    await hub.deps.services.rumor.publish(analyst, claimId);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(smtp.messages).toHaveLength(2);

    // A reporter who joins the claim after publication hears back too, once (in English: no Vietnamese text).
    const late = await postReport(hub.url, 'vi', { claim: 'Dicen que este año se puede votar por mensaje de texto enviando su nombre y dirección!', email: 'nguoi@example.org' }, { localAddress: '127.0.0.44' });
    expect(late.status).toBe(200);
    await until('late follow-up', async () => smtp.messages.length >= 3);
    const lateMail = decodeMail(smtp.messages[2]!.raw);
    expect(lateMail).toContain('You cannot vote by text message');
    expect(lateMail).toContain('Đọc trực tuyến');

    // The public pages and the feed: in Spanish, English where there is no text; nothing a reporter wrote.
    const slug = (await hub.db.selectFrom('rumor_answers').select('slug').where('claim_id', '=', claimId).executeTakeFirstOrThrow()).slug;
    const es = await httpRequest(`${hub.url}/rumor-control/es/${slug}`, { method: 'GET' });
    expect(es.status).toBe(200);
    expect(es.body).toContain('No se puede votar por mensaje de texto');
    expect(es.body).not.toContain('votante@example.org');
    expect(es.body).not.toContain('Me llegó');
    const vi = await httpRequest(`${hub.url}/rumor-control/vi/${slug}`, { method: 'GET' });
    expect(vi.body).toContain('You cannot vote by text message');
    expect(vi.body).toContain('Câu trả lời này chưa có');
    const index = await httpRequest(`${hub.url}/rumor-control`, { method: 'GET', headers: { 'accept-language': 'es' } });
    expect(index.body).toContain(`/rumor-control/es/${slug}`);
    const feed = await httpRequest(`${hub.url}/rumor-control/feed.json?lang=es`, { method: 'GET' });
    expect(feed.headers['content-type']).toContain('application/feed+json');
    expect(feed.headers['access-control-allow-origin']).toBe('*');
    const json = JSON.parse(feed.body) as { version: string; items: Array<{ title: string; url: string }> };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.items.map((i) => i.title)).toEqual(['No se puede votar por mensaje de texto']);

    if (browser) {
      const context = await browser.newContext();
      const page = await context.newPage();
      for (const path of [`/rumor-control/es/${slug}`, '/rumor-control/ar', `/rumor-control/vi/${slug}`]) {
        await page.goto(`${hub.url}${path}`);
        expect(await axeViolations(page)).toEqual([]);
      }
      await context.close();
    }

    // Unpublished: gone from the page, the index and the feed.
    await hub.deps.services.rumor.unpublish(analyst, claimId);
    expect((await httpRequest(`${hub.url}/rumor-control/es/${slug}`, { method: 'GET' })).status).toBe(404);
    expect(JSON.parse((await httpRequest(`${hub.url}/rumor-control/feed.json?lang=es`, { method: 'GET' })).body).items).toEqual([]);
    const audit = await hub.db.selectFrom('audit_log').select('action').where('object_id', '=', claimId).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['claim.promoted', 'rumor.text_saved', 'rumor.text_saved', 'rumor.published', 'rumor.unpublished', 'rumor.published', 'rumor.unpublished']);
  }, 120_000);

  it('retention deletes follow-up addresses 90 days after the claim closed and screenshots after a year, and audits it', async () => {
    const res = await postReport(hub.url, 'en', { claim: 'Polls in Mono County close at 3 pm this year, a flyer says.', email: 'keep@example.org' }, { localAddress: '127.0.0.51' });
    const ref = referenceIn(res.body)!;
    const claimId = await until('clustering', async () => (await hub.db.selectFrom('public_reports').select('claim_id').where('reference', '=', ref).executeTakeFirst())?.claim_id);
    await hub.db.updateTable('public_reports').set({ screenshot: Buffer.from([1, 2, 3]), screenshot_type: 'image/png' }).where('reference', '=', ref).execute();
    // Closed 10 days ago: the address stays; the screenshot (reported now) stays.
    await hub.db.updateTable('claims').set({ status: 'RESOLVED', closed_at: new Date(Date.now() - 10 * 86_400_000) }).where('id', '=', claimId).execute();
    expect(await hub.deps.services.rumor.applyRetention()).toEqual({ emails: 0, screenshots: 0 });
    // 91 days on.
    const later = new Date(Date.now() + 81 * 86_400_000);
    const first = await hub.deps.services.rumor.applyRetention(later);
    expect(first.emails).toBeGreaterThanOrEqual(1);
    const row = await hub.db.selectFrom('public_reports').selectAll().where('reference', '=', ref).executeTakeFirstOrThrow();
    expect(row.followup_email).toBeNull();
    expect(row.followup_deleted_at).not.toBeNull();
    expect(row.screenshot).not.toBeNull();
    // A year and a day on: the screenshot goes.
    const yearOn = await hub.deps.services.rumor.applyRetention(new Date(Date.now() + 366 * 86_400_000));
    expect(yearOn.screenshots).toBeGreaterThanOrEqual(1);
    const gone = await hub.db.selectFrom('public_reports').selectAll().where('reference', '=', ref).executeTakeFirstOrThrow();
    expect(gone.screenshot).toBeNull();
    expect(gone.screenshot_deleted_at).not.toBeNull();
    const audit = await hub.db.selectFrom('audit_log').select(['action', 'actor_email', 'change']).where('action', '=', 'public_reports.retention').orderBy('seq').execute();
    expect(audit.length).toBe(3);
    expect(audit[0]!.actor_email).toBe('system:retention');
  }, 60_000);
});

/** The text of a message as a reader sees it (quoted-printable or base64 bodies decoded). */
function decodeMail(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/Content-Transfer-Encoding: base64/i.test(head!)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head!)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
