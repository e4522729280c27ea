import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { loggablePath } from '../src/web/console.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { freePort, HAS_CHROMIUM, launchChromium, loginLink } from './support/console-browser.js';
import { until } from './support/until.js';
import { startWorkers } from '../src/worker/runtime.js';

/**
 * The console attacked from outside (no session, another site), from another organization and as a signed-in
 * user of too little rank, over real HTTP against a real hub: hostile text in every field a user controls,
 * forged and cross-site posts, ids of other organizations, malformed input. Each case here was a defect.
 */

const operator = systemPrincipal('test');
const XSS = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'\u202e`;

interface Agent {
  user: TestUser;
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, form: Record<string, string | string[]>, opts?: { csrf?: string | null; origin?: string | null; headers?: Record<string, string> }): Promise<Response>;
}

describe('console under attack', () => {
  let hub: TestHub;

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
  });

  async function agent(user: TestUser): Promise<Agent> {
    const url = await loginLink(hub, user.email);
    const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { origin: hub.url } });
    const set = res.headers.get('set-cookie') ?? '';
    const cookie = /estf_session=([^;]+)/.exec(set)![1]!;
    const now = await (await fetch(`${hub.url}/console/account`, { headers: { cookie: `estf_session=${cookie}` } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(now)![1]!;
    const a: Agent = {
      user, cookie, csrf,
      get: (path, headers = {}) => fetch(`${hub.url}${path}`, { redirect: 'manual', headers: { cookie: `estf_session=${cookie}`, ...headers } }),
      post: (path, form, opts = {}) => {
        const body = new URLSearchParams();
        const token = opts.csrf === undefined ? csrf : opts.csrf;
        if (token !== null) body.append('_csrf', token);
        for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
        const origin = opts.origin === undefined ? hub.url : opts.origin;
        return fetch(`${hub.url}${path}`, {
          method: 'POST', redirect: 'manual',
          headers: { cookie: `estf_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded', ...(origin !== null ? { origin } : {}), ...(opts.headers ?? {}) },
          body: body.toString(),
        });
      },
    };
    return a;
  }



  it('a date that is not on the calendar or the clock is refused naming its field, never rolled over to another day', async () => {
    const u = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'dates'));
    const title = `Rolled-over date ${Date.now()}`;
    const base = { title, summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN', affectedCounties: 'county-orange', zone: 'America/Los_Angeles' };
    for (const [field, label, value] of [
      ['occurredAt', 'Occurred at', '2026-02-30T10:00'],
      ['occurredAt', 'Occurred at', '2026-11-03T24:30'],
      ['detectedAt', 'Detected at', '2026-11-03T10:60'],
      ['detectedAt', 'Detected at', '2026-13-01T10:00'],
    ] as const) {
      const res = await u.post('/console/incidents/new', { ...base, [field]: value });
      const text = await res.text();
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(text).toContain(`id="fi-${field}-error"`);
      expect(text).toMatch(new RegExp(`${label}: [^<]*date and time`));
    }
    expect(await hub.db.selectFrom('incidents').select('id').where('title', '=', title).execute()).toEqual([]);

    const value = `rollover-${Date.now()}.example.com`;
    const sighted = await u.post('/console/indicators/sighting', { value, tlp: 'GREEN', seenAt: '2026-02-30T10:00', zone: 'America/Los_Angeles' });
    expect(sighted.status).toBe(400);
    expect(await sighted.text()).toMatch(/Seen at: [^<]*date and time/);
    expect(await hub.db.selectFrom('indicators').select('id').where('value', '=', value).execute()).toEqual([]);
  });

  it('a NUL character in any form field or query parameter is a 400 naming the field, never an internal error', async () => {
    const u = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'nul'));
    const cases: Array<[string, Record<string, string>, string]> = [
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'RED', shareWithUsers: 'someone\u0000@county-orange.test' }, 'shareWithUsers'],
      ['/console/on-call/contact-methods', { kind: 'EMAIL', target: 'a\u0000@county-orange.test' }, 'target'],
      ['/console/indicators/match', { values: 'example.com\n\u0000' }, 'values'],
    ];
    for (const [path, form, field] of cases) {
      const res = await u.post(path, form);
      const text = await res.text();
      expect(res.status, path).toBe(400);
      expect(text, path).toContain(`“${field}”`);
      expect(text, path).toContain('NUL');
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
    }
    for (const [path, param] of [['/console/indicators?q=%00', 'q'], ['/console/incidents?q=a%00b', 'q']] as const) {
      const res = await u.get(path);
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).toContain(`“${param}”`);
    }
    // A media type in capitals is still a form (hono reads it as one): the token in the header, NUL in the body.
    const shouted = await fetch(`${hub.url}/console/on-call/contact-methods`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: `estf_session=${u.cookie}`, origin: hub.url, 'x-csrf-token': u.csrf, 'content-type': 'Application/X-WWW-Form-Urlencoded' },
      body: 'kind=EMAIL&target=b%00%40county-orange.test',
    });
    expect(shouted.status).toBe(400);
    expect(await shouted.text()).toContain('“target”');
    // Signed out too: the sign-in form.
    const res = await fetch(`${hub.url}/console/sign-in`, { method: 'POST', headers: { origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%00b%40county-orange.test' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('“email”');
  });

  it('a form body that cannot be read (broken multipart) is a 400 that says so, never an internal error', async () => {
    const u = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'multipart'));
    for (const [label, type, body] of [
      ['truncated', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nabc\r\n'],
      ['no boundary', 'multipart/form-data', 'garbage'],
      ['truncated, token in the form', 'multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${u.csrf}\r\n--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nabc`],
    ] as const) {
      for (const path of ['/console/incidents/new', '/console/indicators/import']) {
        const headers: Record<string, string> = { cookie: `estf_session=${u.cookie}`, origin: hub.url, 'content-type': type };
        if (!label.includes('token in the form')) headers['x-csrf-token'] = u.csrf;
        const res = await fetch(`${hub.url}${path}`, { method: 'POST', redirect: 'manual', headers, body });
        const text = await res.text();
        expect([400, 403], `${label} ${path}: ${text.slice(0, 100)}`).toContain(res.status);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      }
    }
  });


  it('under HTTPS the session cookie is __Host-estf_session (Secure, HttpOnly, Lax, Path=/), the browser that sends it back is signed in, and sign-out clears it', async () => {
    const port = await freePort();
    const origin = `https://127.0.0.1:${port}`;
    const tls = await startTestHub({ PORT: String(port), PUBLIC_URL: origin });
    try {
      const u = await makeUser(tls.deps, 'county-orange', ['ANALYST'], 'tls');
      // The hub behind a TLS-terminating proxy: plain HTTP here, the browser's Origin is the public one.
      const link = (await tls.deps.services.sessions.issueLoginLink(operator, u.email)).url.replace(origin, tls.url);
      const signIn = await fetch(link, { method: 'POST', redirect: 'manual', headers: { origin } });
      expect(signIn.status).toBe(303);
      const set = signIn.headers.getSetCookie().find((c) => /estf_session=[^;]/.test(c))!;
      expect(set).toMatch(/^__Host-estf_session=[A-Za-z0-9_-]{43};/);
      for (const flag of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']) expect(set).toContain(flag);
      expect(set).not.toMatch(/Domain=/i);
      const cookie = set.split(';')[0]!;
      const now = await fetch(`${tls.url}/console/now`, { redirect: 'manual', headers: { cookie } });
      expect(now.status).toBe(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await now.text())![1]!;
      const out = await fetch(`${tls.url}/console/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
      expect(out.status).toBe(200);
      expect(out.headers.getSetCookie().some((c) => /^__Host-estf_session=;.*Max-Age=0/.test(c))).toBe(true);
      expect((await fetch(`${tls.url}/console/now`, { redirect: 'manual', headers: { cookie } })).status).toBe(303);
    } finally {
      await tls.close();
    }
  });


  it('a user deactivated and reactivated before the workers caught up does not get the old sessions back (a stolen cookie stays dead)', async () => {
    const admin = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'admin'));
    const leaverUser = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'stolen');
    const stolen = await agent(leaverUser);
    expect((await stolen.get('/console/now')).status).toBe(200);
    // The admin deactivates, then (laptop found? wrong person?) reactivates at once, before any worker ran.
    expect((await admin.post(`/console/organization/users/${leaverUser.id}/deactivate`, {})).status).toBe(303);
    expect((await stolen.get('/console/now')).status).toBe(303);
    expect((await admin.post(`/console/organization/users/${leaverUser.id}/reactivate`, {})).status).toBe(303);
    const workers = await startWorkers(hub.deps);
    try {
      await until(async () => {
        const row = await hub.db.selectFrom('outbox').select('published_at').where('topic', '=', 'access.user_deactivated').where('aggregate_id', '=', leaverUser.id).executeTakeFirst();
        return row?.published_at ?? null;
      }, 20_000);
      await until(async () => (await hub.db.selectFrom('sessions').select('revoked_at').where('user_id', '=', leaverUser.id).executeTakeFirstOrThrow()).revoked_at ?? null, 5_000).catch(() => null);
    } finally {
      await workers.close();
    }
    // The session opened before the deactivation is over for good; the user signs in afresh, and that session works.
    expect((await stolen.get('/console/now')).status).toBe(303);
    const fresh = await agent(leaverUser);
    expect((await fresh.get('/console/now')).status).toBe(200);
  }, 60_000);


  it.skipIf(!HAS_CHROMIUM)('in Chromium, hostile text filed through the forms runs nothing on any screen (no dialog, no injected element, no CSP violation)', async () => {
    const email = `mallory-${Date.now()}@county-orange.test`;
    await hub.deps.services.identity.createUser(operator, { email, name: `Mallory ${XSS}`, organization: 'county-orange', roles: ['ANALYST'] });
    const mallory = await agent({ id: '', email, organization: 'county-orange', roles: ['ANALYST'], token: '' });
    const filed = await mallory.post('/console/incidents/new', {
      title: `Phish ${XSS}`, summary: `${XSS}\njavascript:alert(4)`, category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: 'county-orange',
      externalReferences: `CVE | ${XSS} | https://example.org/?${encodeURIComponent(XSS)}`,
    });
    const id = /incidents\/([0-9a-f-]{36})/.exec(filed.headers.get('location') ?? '')![1]!;
    await mallory.post(`/console/incidents/${id}/comments`, { body: XSS });
    await mallory.post('/console/alerts/new', { name: XSS, owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL' });
    await mallory.post('/console/account/tokens', { name: XSS, expiresIn: '1d' });
    const reader = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'reader'));
    const browser = await launchChromium();
    try {
      for (const who of [mallory, reader]) {
        const context = await browser.newContext();
        await context.addCookies([{ name: 'estf_session', value: who.cookie, url: hub.url }]);
        const page = await context.newPage();
        const dialogs: string[] = [];
        const violations: string[] = [];
        page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
        page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
        for (const path of [`/console/incidents/${id}`, '/console/incidents', `/console/incidents?text=${encodeURIComponent(XSS)}`, '/console/now', '/console/alerts', '/console/account', `/console/indicators?q=${encodeURIComponent(XSS)}`]) {
          await page.goto(`${hub.url}${path}`);
          expect(await page.locator('img[src="x"], main script').count(), path).toBe(0);
        }
        expect(dialogs).toEqual([]);
        expect(violations).toEqual([]);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  }, 90_000);


  it("an organization's subscription: a non-admin of the same organization and an admin of another answer 404 on every route of it, as for an unknown id", async () => {
    const admin = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'subadmin'));
    const member = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'member'));
    const foreign = await agent(await makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'], 'foreign'));
    const name = `Org alerts ${Date.now()}`;
    const created = await admin.post('/console/alerts/new', { name, owner: 'organization', mode: 'IMMEDIATE', channels: 'EMAIL', email: 'soc@county-orange.test' });
    expect(created.status, (await created.text()).slice(0, 300)).toBeLessThan(400);
    const row = await hub.db.selectFrom('alert_subscriptions').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const who of [member, foreign]) {
      for (const id of [row.id, unknown]) {
        expect((await who.get(`/console/alerts/${id}/edit`)).status).toBe(404);
        expect((await who.post(`/console/alerts/${id}/edit`, { name: 'taken over', owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL' })).status).toBe(404);
        for (const action of ['pause', 'resume', 'delete']) expect((await who.post(`/console/alerts/${id}/${action}`, {})).status, `${action} ${id}`).toBe(404);
      }
    }
    const after = await hub.db.selectFrom('alert_subscriptions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after.name).toBe(name);
  });


  it('a sign-in or acknowledgement token in a URL never reaches the audit log or the request log (an auditor could sign in with it)', async () => {
    const u = await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'logged');
    const link = await loginLink(hub, u.email);
    const token = link.split('/').pop()!;
    // A post from another site (or a mail scanner without Origin) is refused and audited ...
    expect((await fetch(link, { method: 'POST', redirect: 'manual' })).status).toBe(403);
    expect((await fetch(link, { method: 'POST', redirect: 'manual', headers: { origin: 'http://evil.example' } })).status).toBe(403);
    const rows = await hub.db.selectFrom('audit_log').select('change').where('action', '=', 'console.request_refused').execute();
    expect(rows.length).toBeGreaterThan(0);
    // ... without the token, which still signs in (it was not used): whoever read it could have signed in first.
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).toContain('/console/sign-in/');
    expect((await fetch(link, { method: 'POST', redirect: 'manual', headers: { origin: hub.url } })).status).toBe(303);
    // The request log line's path, for every route that carries a secret.
    expect(loggablePath(`/console/sign-in/${token}`)).toBe('/console/sign-in/[token]');
    expect(loggablePath(`/ack/${token}`)).toBe('/ack/[token]');
    expect(loggablePath('/console/incidents/123')).toBe('/console/incidents/123');
  });


  it('"send a test page" is limited per contact method: a user cannot make the hub mail or text any address without end', async () => {
    const u = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'spammer'));
    const victim = `victim-${Date.now()}@example.org`;
    expect((await u.post('/console/on-call/contact-methods', { kind: 'EMAIL', target: victim })).status).toBe(303);
    const page = await (await u.get('/console/on-call')).text();
    const id = new RegExp(`/console/on-call/contact-methods/([0-9a-f-]{36})/test`).exec(page)![1]!;
    const statuses: number[] = [];
    let last = '';
    for (let i = 0; i < 5; i++) {
      const r = await u.post(`/console/on-call/contact-methods/${id}/test`, {});
      statuses.push(r.status);
      last = await r.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last).toContain('At most 3 test pages per contact method in 10 minutes');
    const tested = await hub.db.selectFrom('audit_log').select('seq').where('action', '=', 'contact_method.tested').where('object_id', '=', id).execute();
    expect(tested).toHaveLength(3);
    // The API is the same use case: RATE_LIMITED there too.
    const api = await hub.gql(u.user.token, `mutation($id: ID!) { sendTestPage(id: $id) { delivered } }`, { id });
    expect(api.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Removing the method and adding it again (a new id) does not give a new allowance without end: 10 per person.
    const more: number[] = [];
    for (let round = 0; round < 3; round++) {
      await u.post(`/console/on-call/contact-methods/${id}/remove`, {});
      const again = await (await u.get('/console/on-call')).text();
      for (const m of again.matchAll(/\/console\/on-call\/contact-methods\/([0-9a-f-]{36})\/remove/g)) await u.post(`/console/on-call/contact-methods/${m[1]}/remove`, {});
      expect((await u.post('/console/on-call/contact-methods', { kind: 'EMAIL', target: victim })).status).toBe(303);
      const fresh = new RegExp(`/console/on-call/contact-methods/([0-9a-f-]{36})/test`).exec(await (await u.get('/console/on-call')).text())![1]!;
      for (let i = 0; i < 3; i++) more.push((await u.post(`/console/on-call/contact-methods/${fresh}/test`, {})).status);
    }
    expect(more.filter((s) => s === 200)).toHaveLength(7);
    expect(more.slice(-2)).toEqual([429, 429]);
  });


  it("an ORG_ADMIN cannot deactivate (or reactivate) a user of their organization who holds HUB_ADMIN or AUDITOR: that takes the hub role away", async () => {
    const admin = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'orgadmin'));
    const auditor = await makeUser(hub.deps, 'county-orange', ['AUDITOR'], 'watcher');
    const r = await admin.post(`/console/organization/users/${auditor.id}/deactivate`, {});
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect((await hub.db.selectFrom('users').select('active').where('id', '=', auditor.id).executeTakeFirstOrThrow()).active).toBe(true);
    const api = await hub.gql(admin.user.token, `mutation($email: String!) { deactivateUser(email: $email) { active } }`, { email: auditor.email });
    expect(api.errors?.[0]?.extensions?.code, JSON.stringify(api)).toBe('FORBIDDEN');
    // A HUB_ADMIN may; then the ORG_ADMIN may not bring the auditor back either.
    await hub.deps.services.identity.deactivateUser(operator, auditor.email);
    expect((await admin.post(`/console/organization/users/${auditor.id}/reactivate`, {})).status).toBeGreaterThanOrEqual(400);
    expect((await hub.db.selectFrom('users').select('active').where('id', '=', auditor.id).executeTakeFirstOrThrow()).active).toBe(false);
    // An ordinary member is still the ORG_ADMIN's to deactivate.
    const member = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'member2');
    expect((await admin.post(`/console/organization/users/${member.id}/deactivate`, {})).status).toBe(303);
  });

  it('hostile text in every field a user controls, and in query strings and error echoes, is shown as text on every screen (no raw tag, no script URL)', async () => {
    const findings: string[] = [];
    const note = (s: string) => { findings.push(s); };
    const orange = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'orange'));
    const fresno = await agent(await makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'], 'fresno'));
    const viewer = await agent(await makeUser(hub.deps, 'county-orange', ['VIEWER'], 'viewer'));
    const evilEmail = `evil-${Date.now()}@county-orange.test`;
    await hub.deps.services.identity.createUser(operator, { email: evilEmail, name: XSS, organization: 'county-orange', roles: ['ANALYST'] });
    const evil = await agent({ id: '', email: evilEmail, organization: 'county-orange', roles: ['ANALYST'], token: '' });
    const check = async (a: Agent, path: string, label = path) => {
      const r = await a.get(path);
      const t = await r.text();
      if (r.status >= 500) note(`500 on GET ${label}: ${t.slice(0, 200)}`);
      if (t.includes('<script>alert') || t.includes('<img src=x')) note(`XSS raw on ${label}`);
      const hrefs = [...t.matchAll(/(?:href|action|src|hx-[a-z]+)="\s*(javascript|data|vbscript):/gi)];
      if (hrefs.length) note(`js URL on ${label}`);
      return { status: r.status, text: t };
    };
    const postCheck = async (a: Agent, path: string, form: Record<string, string | string[]>, label = path) => {
      const r = await a.post(path, form);
      const t = await r.text();
      if (r.status >= 500) note(`500 on POST ${label}: ${t.slice(0, 200)}`);
      if (t.includes('<script>alert') || t.includes('<img src=x')) note(`XSS raw on POST ${label}`);
      return { status: r.status, text: t, location: r.headers.get('location') };
    };
    // File an incident with hostile text.
    const filed = await postCheck(evil, '/console/incidents/new', {
      title: `T ${XSS}`, summary: `S ${XSS} javascript:alert(3)`, category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: 'county-orange',
      externalReferences: `CVE | ${XSS} | https://example.org/?q=${encodeURIComponent(XSS)}`, zone: 'America/Los_Angeles',
    });
    const incId = /incidents\/([0-9a-f-]{36})/.exec(filed.location ?? '')?.[1];
    expect(incId, filed.text.slice(0, 300)).toBeDefined();
    const filed2 = await postCheck(evil, '/console/incidents/new', {
      title: `T ${XSS}`, summary: `S`, category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: 'county-orange',
      externalReferences: `CVE | x | javascript:alert(1)`,
    });
    if (incId) {
      await postCheck(evil, `/console/incidents/${incId}/comments`, { body: XSS, comment: XSS });
      await check(evil, `/console/incidents/${incId}`);
      await check(orange, `/console/incidents/${incId}`);
    }
    // Bad-input echoes
    await postCheck(evil, '/console/incidents/new', { title: XSS, summary: '', category: XSS, severity: XSS, tlp: XSS, occurredAt: XSS });
    await postCheck(evil, '/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: XSS });
    await postCheck(evil, '/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '2026-02-30T25:99' });
    await postCheck(evil, '/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', detectedAt: '99999-01-01T00:00' });
    await postCheck(evil, '/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', zone: XSS, occurredAt: '2026-01-01T00:00' });
    await postCheck(evil, '/console/incidents/new', { title: 'x\u0000y', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' });
    await postCheck(evil, '/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'RED', shareWithUsers: XSS });
    await postCheck(evil, '/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', shareWith: XSS, affectedCounties: XSS });
    // Indicators
    const rep = await postCheck(evil, '/console/indicators/report', { value: `evil-${Date.now()}.example.com`, type: '', description: XSS, tlp: 'GREEN', confidence: '50' });
    await postCheck(evil, '/console/indicators/report', { value: XSS, description: XSS, tlp: 'GREEN', confidence: XSS, validUntil: XSS });
    await postCheck(evil, '/console/indicators/report', { value: '1.2.3.4', tlp: 'GREEN', validUntil: '2026-13-45T99:99' });
    await postCheck(evil, '/console/indicators/sighting', { value: XSS, seenAt: XSS, count: XSS, tlp: 'GREEN' });
    await postCheck(evil, '/console/indicators/sighting', { value: '1.2.3.4', seenAt: '2026-13-45T99:99', count: '1e99', tlp: 'GREEN' });
    await postCheck(evil, '/console/indicators/sighting', { value: '1.2.3.4', seenAt: '2026-12-01T10:00', count: '-5', tlp: 'GREEN' });
    await postCheck(evil, '/console/indicators/match', { values: `${XSS}\nexample.com\n%00` });
    // Subscriptions
    const sub = await postCheck(evil, '/console/alerts/new', { name: XSS, owner: 'me', mode: 'IMMEDIATE', channels: 'WEBHOOK', webhookUrl: 'javascript:alert(1)' });
    const sub2 = await postCheck(evil, '/console/alerts/new', { name: XSS, owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL', email: XSS });
    const sub3 = await postCheck(evil, '/console/alerts/new', { name: XSS, owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL' });
    // Contact methods
    const cm = await postCheck(evil, '/console/on-call/contact-methods', { kind: 'EMAIL', target: XSS });
    const cm2 = await postCheck(evil, '/console/on-call/contact-methods', { kind: XSS, target: XSS });
    const cm3 = await postCheck(evil, '/console/on-call/contact-methods', { kind: 'WEBHOOK', target: 'javascript:alert(1)' });
    // Tokens
    await postCheck(evil, '/console/account/tokens', { name: XSS, expiresIn: XSS });
    await postCheck(evil, '/console/account/tokens', { name: XSS, expiresIn: '90d' });
    // Query strings
    const q = encodeURIComponent(XSS);
    for (const path of [
      `/console/incidents?q=${q}&status=${q}&severity=${q}&tlp=${q}&sort=${q}&after=${q}&county=${q}&category=${q}&first=${q}`,
      `/console/incidents?after=%00&first=-1&first=99999999999`,
      `/console/incidents?status=OPEN&status=CLOSED&status[]=x&q=%FF%FE`,
      `/console/indicators?q=${q}&type=${q}&after=${q}`, `/console/indicators?q=%C0%AF&after=-1`,
      `/console/indicators/report?value=${q}`, `/console/indicators/sighting?value=${q}`,
      `/console/audit?action=${q}&actor=${q}&before=${q}&from=${q}&to=${q}`,
      `/console/account?done=${q}`, `/console/incidents/${incId}?done=${q}&filed=${q}`,
      `/console/on-call?organization=${q}`, `/console/on-call/${q}/${q}`, `/console/on-call/county-orange/${q}`,
      `/console/indicators/imports/${q}`, `/console/indicators/imports/${q}/status`, `/console/indicators/${q}`, `/console/incidents/${q}`,
      `/console/organization/users/${q}`, `/console/alerts/${q}/edit`, `/console/pages`, `/console/now`, `/console/alerts`, `/console/on-call`,
      `/console/organization`, `/console/account`, `/console/indicators`, `/console/incidents`,
      `/console/indicators/%FF`, `/console/incidents/%FF%FE`, `/console/incidents?q=%FF`, `/console/audit?before=%FF`,
    ]) {
      await check(evil, path);
      await check(orange, path);
    }
    // An import whose file name is hostile, and the audit log (every actor name and object above) for an auditor.
    const fd = new FormData();
    fd.append('_csrf', evil.csrf); fd.append('tlp', 'GREEN'); fd.append('file', new Blob([`imp-${Date.now()}.example.com\n`]), `${XSS}.txt`);
    const imp = await fetch(`${hub.url}/console/indicators/import`, { method: 'POST', redirect: 'manual', headers: { cookie: `estf_session=${evil.cookie}`, origin: hub.url }, body: fd });
    const impPath = imp.headers.get('location');
    if (impPath) {
      await check(evil, impPath);
      await check(evil, `${impPath}/status`);
      await check(evil, '/console/indicators/import');
    }
    const auditor = await agent(await makeUser(hub.deps, 'county-orange', ['AUDITOR'], 'auditor'));
    await check(auditor, '/console/audit');
    await check(auditor, `/console/audit?actor=${encodeURIComponent(evilEmail)}`);
    await check(auditor, `/console/audit?action=${q}&objectId=${q}`);
    // Sign-in echo
    const si = await fetch(`${hub.url}/console/sign-in`, { method: 'POST', headers: { origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${q}` });
    const sit = await si.text();
    if (sit.includes('<script>alert')) note('XSS sign-in');
    if (si.status >= 500) note('500 sign-in');
    expect(findings).toEqual([]);
  }, 120_000);

  it("another organization's ids answer like unknown ids on every :id route (reads and writes); a VIEWER posts no analyst form; an ORG_ADMIN grants no hub role; every POST refuses a missing or foreign token and a missing, null or foreign Origin", async () => {
    const findings: string[] = [];
    const note = (s: string) => { findings.push(s); };
    const orange = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'orange'));
    const orange2 = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange2'));
    const fresno = await agent(await makeUser(hub.deps, 'county-fresno', ['ANALYST', 'ORG_ADMIN'], 'fresno'));
    const viewer = await agent(await makeUser(hub.deps, 'county-orange', ['VIEWER'], 'viewer'));
    // Data of orange: an AMBER incident, a subscription, a contact method, an import, a token.
    const filed = await orange.post('/console/incidents/new', { title: 'Amber thing', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', affectedCounties: 'county-orange' });
    const incId = /incidents\/([0-9a-f-]{36})/.exec(filed.headers.get('location') ?? '')![1]!;
    const sub = await orange.post('/console/alerts/new', { name: 'mine', owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL' });
    const subs = await (await orange.get('/console/alerts')).text();
    const subId = /\/console\/alerts\/([^/"]+)\/edit/.exec(subs)?.[1];
    const cm = await orange.post('/console/on-call/contact-methods', { kind: 'EMAIL', target: `x${Date.now()}@county-orange.test` });
    const oc = await (await orange.get('/console/on-call')).text();
    const cmId = /\/console\/on-call\/contact-methods\/([^/"]+)\/remove/.exec(oc)?.[1];
    const rep = await orange.post('/console/indicators/report', { value: `amber-${Date.now()}.example.com`, tlp: 'AMBER', confidence: '50' });
    const indId = /indicators\/(\d+)/.exec(rep.headers.get('location') ?? '')?.[1];
    const acct = await (await orange.get('/console/account')).text();
    const sessId = /\/console\/account\/sessions\/([^/"]+)\/revoke/.exec(acct)?.[1];
    const orgPage = await (await orange.get('/console/organization')).text();
    const userIds = [...orgPage.matchAll(/\/console\/organization\/users\/([^/"?]+)/g)].map((m) => m[1]);
    const duties = [...oc.matchAll(/\/console\/on-call\/([a-z0-9-]+)\/([^"/?]+)"/g)].map((m) => `${m[1]}/${m[2]}`);
    // Import
    const fd = new FormData();
    fd.append('_csrf', orange.csrf); fd.append('tlp', 'AMBER'); fd.append('file', new Blob([`imp-${Date.now()}.example.com\n`]), 'x.txt');
    const imp = await fetch(`${hub.url}/console/indicators/import`, { method: 'POST', redirect: 'manual', headers: { cookie: `estf_session=${orange.cookie}`, origin: hub.url }, body: fd });
    const impId = /imports\/([^/?"]+)/.exec(imp.headers.get('location') ?? '')?.[1];
    expect([incId, subId, cmId, indId, sessId, impId].every(Boolean), JSON.stringify({ incId, subId, cmId, indId, sessId, impId })).toBe(true);

    // IDOR: fresno on every orange id; compare with an unknown id.
    const unknownUuid = '00000000-0000-4000-8000-000000000000';
    const pairs: Array<[string, string]> = [
      [`/console/incidents/${incId}`, `/console/incidents/${unknownUuid}`],
      [`/console/indicators/${indId}`, `/console/indicators/999999`],
      [`/console/indicators/imports/${impId}`, `/console/indicators/imports/${unknownUuid}`],
      [`/console/indicators/imports/${impId}/status`, `/console/indicators/imports/${unknownUuid}/status`],
      [`/console/alerts/${subId}/edit`, `/console/alerts/${unknownUuid}/edit`],
      [`/console/organization/users/${userIds[0]}`, `/console/organization/users/${unknownUuid}`],
    ];
    const norm = (t: string) => t.replace(/value="[^"]{43}"/g, '').replace(/[0-9a-f-]{36}|\b\d+\b/g, 'ID');
    for (const [hidden, unknown] of pairs) {
      const a = await fresno.get(hidden); const b = await fresno.get(unknown);
      const ta = norm(await a.text()), tb = norm(await b.text());
      if (a.status !== b.status || ta !== tb) note(`IDOR diff GET ${hidden} ${a.status} vs ${b.status} same=${ta === tb}`);
    }
    const posts: Array<[string, string, Record<string, string>]> = [
      [`/console/incidents/${incId}/comments`, `/console/incidents/${unknownUuid}/comments`, { body: 'x' }],
      ...['status', 'severity', 'assign', 'share', 'tlp', 'les', 'merge', 'edit', 'link'].map((n) => [`/console/incidents/${incId}/${n}`, `/console/incidents/${unknownUuid}/${n}`, { to: 'INVESTIGATING', value: 'LOW' }] as [string, string, Record<string, string>]),
      [`/console/alerts/${subId}/edit`, `/console/alerts/${unknownUuid}/edit`, { name: 'pwn', owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL' }],
      ...['pause', 'resume', 'delete'].map((n) => [`/console/alerts/${subId}/${n}`, `/console/alerts/${unknownUuid}/${n}`, {}] as [string, string, Record<string, string>]),
      [`/console/on-call/contact-methods/${cmId}/remove`, `/console/on-call/contact-methods/${unknownUuid}/remove`, {}],
      [`/console/on-call/contact-methods/${cmId}/test`, `/console/on-call/contact-methods/${unknownUuid}/test`, {}],
      [`/console/account/sessions/${sessId}/revoke`, `/console/account/sessions/${unknownUuid}/revoke`, {}],
      [`/console/organization/users/${userIds[0]}/roles`, `/console/organization/users/${unknownUuid}/roles`, { roles: 'VIEWER' }],
      [`/console/organization/users/${userIds[0]}/deactivate`, `/console/organization/users/${unknownUuid}/deactivate`, {}],
      [`/console/pages/${unknownUuid}/acknowledge`, `/console/pages/${unknownUuid}/acknowledge`, {}],
    ];
    for (const [hidden, unknown, form] of posts) {
      const a = await fresno.post(hidden, form); const b = await fresno.post(unknown, form);
      const ta = norm(await a.text()), tb = norm(await b.text());
      if (a.status >= 500 || b.status >= 500) note(`500 POST ${hidden}`);
      if (a.status !== b.status || ta !== tb) note(`IDOR diff POST ${hidden} ${a.status} vs ${b.status} same=${ta === tb}`);
    }
    // Same-org non-owner (orange2) on orange's personal objects.
    for (const [path, form] of [[`/console/alerts/${subId}/edit`, null], [`/console/alerts/${subId}/delete`, {}], [`/console/on-call/contact-methods/${cmId}/remove`, {}], [`/console/account/sessions/${sessId}/revoke`, {}], [`/console/indicators/imports/${impId}`, null]] as Array<[string, Record<string, string> | null]>) {
      const r = form ? await orange2.post(path, form) : await orange2.get(path);
      if (r.status !== 404) note(`same-org other user ${form ? 'POST' : 'GET'} ${path}: ${r.status}`);
    }
    // Viewer posting analyst forms.
    for (const [path, form] of [
      ['/console/incidents/new', { title: 'v', summary: 'v', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN' }],
      [`/console/incidents/${incId}/comments`, { body: 'viewer comment' }],
      [`/console/incidents/${incId}/status`, { to: 'INVESTIGATING' }],
      ['/console/indicators/report', { value: `v-${Date.now()}.example.com`, tlp: 'GREEN' }],
      ['/console/indicators/sighting', { value: `v-${Date.now()}.example.com`, tlp: 'GREEN', seenAt: '2026-12-01T10:00' }],
      [`/console/organization/users/${userIds[0]}/deactivate`, {}],
      ['/console/audit/verify', {}],
    ] as Array<[string, Record<string, string>]>) {
      const r = await viewer.post(path, form);
      if (r.status < 400) note(`viewer POST ${path}: ${r.status} ${r.headers.get('location')}`);
      if (r.status >= 500) note(`viewer 500 ${path}`);
    }
    // Privilege escalation by an ORG_ADMIN.
    const target = userIds.find((u) => u) as string;
    for (const roles of [['HUB_ADMIN'], ['AUDITOR'], ['COORDINATOR'], ['ANALYST', 'HUB_ADMIN'], ['BOGUS']]) {
      const r = await orange.post(`/console/organization/users/${orange2.user.id}/roles`, { roles });
      const u = await hub.db.selectFrom('users').select('roles').where('id', '=', orange2.user.id).executeTakeFirst();
      if (u && (u.roles as string[]).some((x) => ['HUB_ADMIN', 'AUDITOR', 'COORDINATOR'].includes(x))) note(`escalated to ${roles}: ${r.status}`);
      if (r.status >= 500) note(`roles 500 ${roles}`);
    }
    void target;
    // fresno admin on orange users
    const r = await fresno.post(`/console/organization/users/${orange2.user.id}/deactivate`, {});
    if (r.status !== 404) note(`fresno deactivates orange user: ${r.status}`);

    // CSRF / Origin on every POST route.
    const routes = [
      '/console/sign-out', '/console/audit/verify', `/console/pages/${unknownUuid}/acknowledge`, '/console/pages/acknowledge-all',
      `/console/organization/users/${orange2.user.id}/roles`, `/console/organization/users/${orange2.user.id}/deactivate`, `/console/organization/users/${orange2.user.id}/reactivate`,
      `/console/incidents/${incId}/status`, '/console/incidents/new', `/console/incidents/${incId}/comments`,
      '/console/indicators/match', '/console/indicators/report', '/console/indicators/sighting', '/console/indicators/import',
      '/console/on-call/contact-methods', `/console/on-call/contact-methods/${cmId}/remove`, `/console/on-call/contact-methods/${cmId}/test`,
      ...duties.slice(0, 1).flatMap((d) => [`/console/on-call/${d}/rotation`, `/console/on-call/${d}/overrides`, `/console/on-call/${d}/overrides/${unknownUuid}/remove`]),
      `/console/account/sessions/${sessId}/revoke`, '/console/account/tokens/abc/revoke', '/console/account/tokens',
      '/console/alerts/new', `/console/alerts/${subId}/edit`, `/console/alerts/${subId}/pause`, `/console/alerts/${subId}/delete`,
    ];
    let csrfProbes = 0;
    for (const path of routes) {
      for (const [label, opts] of [
        ['no token', { csrf: null }], ['other session token', { csrf: orange2.csrf }], ['empty token', { csrf: '' }],
        ['no origin', { origin: null }], ['null origin', { origin: 'null' }], ['evil origin', { origin: 'http://evil.example' }],
        ['sibling origin', { origin: hub.url.replace('127.0.0.1', 'localhost') }],
        ['origin with trailing slash', { origin: `${hub.url}/` }],
      ] as Array<[string, { csrf?: string | null; origin?: string | null }]>) {
        csrfProbes++;
        const res = await orange.post(path, { to: 'INVESTIGATING' }, opts);
        if (res.status !== 403) note(`CSRF ${label} POST ${path}: ${res.status}`);
      }
      // header token + json
      csrfProbes++;
      const j = await fetch(`${hub.url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: `estf_session=${orange.cookie}`, origin: 'http://evil.example', 'content-type': 'text/plain', 'x-csrf-token': orange.csrf }, body: '_csrf=' + orange.csrf });
      if (j.status !== 403) note(`CSRF evil origin text/plain ${path}: ${j.status}`);
    }
    // Method override and other methods.
    for (const m of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${hub.url}/console/alerts/${subId}/delete`, { method: m, redirect: 'manual', headers: { cookie: `estf_session=${orange.cookie}`, origin: hub.url, 'x-http-method-override': 'POST', 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${orange.csrf}` });
      if (res.status < 400 || res.status >= 500) note(`method ${m}: ${res.status}`);
    }
    const gpost = await fetch(`${hub.url}/console/alerts/${subId}/delete?_method=POST`, { redirect: 'manual', headers: { cookie: `estf_session=${orange.cookie}` } });
    if (gpost.status !== 404) note(`GET on POST route: ${gpost.status}`);
    expect(findings).toEqual([]);
  }, 180_000);

  it('sessions (fixation, sign-out, no-store, estf_next, deactivated and revoked cookies) and malformed input on every form (dates, numbers, NUL, huge, broken bodies, odd query strings) never give a 500', async () => {
    const findings: string[] = [];
    const note = (s: string) => { findings.push(s); };
    const orangeU = await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'orange');
    const orange = await agent(orangeU);
    // fixation: a cookie set before sign-in
    const link = await loginLink(hub, orangeU.email);
    const fixed = 'attackerchosenvalue';
    const si = await fetch(link, { method: 'POST', redirect: 'manual', headers: { origin: hub.url, cookie: `estf_session=${fixed}` } });
    const set = si.headers.get('set-cookie') ?? '';
    if (set.includes(fixed)) note('fixation');
    // sign-in GET page: referrer policy
    const link2 = await loginLink(hub, orangeU.email);
    const g = await fetch(link2);
    // sign-in with no origin
    const link3 = await loginLink(hub, orangeU.email);
    const noOrigin = await fetch(link3, { method: 'POST', redirect: 'manual' });
    // cache-control on authenticated pages
    for (const path of ['/console/now', '/console/account', '/console/incidents', '/console/indicators/imports/x/status']) {
      const r = await orange.get(path);
      if (!(r.headers.get('cache-control') ?? '').includes('no-store')) note(`no no-store on ${path}: ${r.headers.get('cache-control')}`);
    }
    const nf = await fetch(`${hub.url}/console/nonexistent`, { headers: { cookie: `estf_session=${orange.cookie}` } });
    // logout then reuse
    const victim = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'victim'));
    await victim.post('/console/sign-out', {});
    const after = await victim.get('/console/now');
    if (after.status !== 303) note(`after sign-out: ${after.status}`);
    // estf_next open redirect
    for (const nxt of ['//evil.example', '/console//evil.example', '/console/%2F%2Fevil.example', '/console/..%2F..%2F/evil', 'https://evil.example', '/console/\\evil.example', '/console/%0d%0aSet-Cookie:x=1', '/console/x?next=//evil', '/console/%2e%2e/%2e%2e//evil.example', '/console/././/evil']) {
      const u = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'nx');
      const l = await loginLink(hub, u.email);
      const r = await fetch(l, { method: 'POST', redirect: 'manual', headers: { origin: hub.url, cookie: `estf_next=${encodeURIComponent(nxt)}` } });
      const loc = r.headers.get('location') ?? '';
      const resolved = new URL(loc, hub.url);
      if (resolved.origin !== hub.url || !resolved.pathname.startsWith('/console/')) note(`open redirect via ${nxt}: ${loc}`);
    }
    // requireSession storing next
    for (const path of ['/console//evil.example', '/console/incidents?x=%0d%0a', '/console/%5Cevil']) {
      const r = await fetch(`${hub.url}${path}`, { redirect: 'manual' });
    }
    // deactivated user
    const leaverU = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'leaver');
    const leaver = await agent(leaverU);
    await hub.deps.services.identity.deactivateUser(operator, leaverU.email);
    for (const path of ['/console/now', '/console/incidents', '/console/account', '/console/indicators', '/console/alerts', '/console/on-call', '/console/pages', '/console/indicators/imports/x/status']) {
      const r = await leaver.get(path);
      if (r.status !== 303) note(`deactivated GET ${path}: ${r.status}`);
    }
    for (const path of ['/console/incidents/new', '/console/account/tokens', '/console/alerts/new']) {
      const r = await leaver.post(path, { title: 'x', name: 'x' });
      if (r.status !== 403) note(`deactivated POST ${path}: ${r.status}`);
    }
    // revoked session
    const a1 = await agent(orangeU);
    const acct = await (await orange.get('/console/account')).text();
    const ids = [...acct.matchAll(/\/console\/account\/sessions\/([^/"]+)\/revoke/g)].map((m) => m[1]!);
    for (const id of ids) await orange.post(`/console/account/sessions/${id}/revoke`, {});
    const ra = await a1.get('/console/now');
    if (ra.status !== 303) note(`revoked session still works: ${ra.status}`);
    // Input
    const o = await agent(orangeU);
    const inputs: Array<[string, Record<string, string | string[]>]> = [
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '2026-02-30T10:00' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '0000-01-01T00:00' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '275760-09-13T00:00' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '2026-01-01T00:00:00.000000001Z' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '2026-03-08T02:30', zone: 'America/Los_Angeles' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', occurredAt: '1e999' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: ['a', 'a', 'county-orange', 'county-orange'] }],
      ['/console/incidents/new', { title: 'x'.repeat(100000), summary: 'y'.repeat(2_000_000), category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' }],
      ['/console/incidents/new', { title: '\ud800', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' }],
      ['/console/incidents/new', { title: 'a\u0000b', summary: 'y\u0000', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'NOPE', severity: 'HIGH', tlp: 'GREEN' }],
      ['/console/incidents/new', { title: 'x', summary: 'y', category: 'PHISHING', severity: 'HIGH', tlp: 'RED', shareWithUsers: 'nobody@nowhere.test\n\u0000' }],
      ['/console/indicators/report', { value: '1.2.3.4', tlp: 'GREEN', validUntil: '2026-02-30' }],
      ['/console/indicators/report', { value: '1.2.3.4', tlp: 'GREEN', validUntil: '9999999-01-01T00:00' }],
      ['/console/indicators/report', { value: '1.2.3.4', tlp: 'GREEN', confidence: '1e3' }],
      ['/console/indicators/report', { value: '1.2.3.4', tlp: 'GREEN', confidence: 'NaN' }],
      ['/console/indicators/report', { value: '1.2.3.4', tlp: 'GREEN', incident: 'not-a-uuid' }],
      ['/console/indicators/report', { value: '1.2.3.4\u0000', tlp: 'GREEN' }],
      ['/console/indicators/report', { value: 'a'.repeat(200000), tlp: 'GREEN' }],
      ['/console/indicators/report', { value: '1.2.3.4', tlp: 'NOPE', type: 'NOPE' }],
      ['/console/indicators/sighting', { value: '1.2.3.4', tlp: 'GREEN', seenAt: '2026-02-30T10:00' }],
      ['/console/indicators/sighting', { value: '1.2.3.4', tlp: 'GREEN', seenAt: '99999-02-01T10:00' }],
      ['/console/indicators/sighting', { value: '1.2.3.4', tlp: 'GREEN', seenAt: '2026-01-01T10:00', count: '99999999999999999999' }],
      ['/console/indicators/sighting', { value: '1.2.3.4', tlp: 'GREEN', seenAt: '2026-01-01T10:00', count: '1.5' }],
      ['/console/indicators/sighting', { value: '1.2.3.4', tlp: 'GREEN', seenAt: '2026-01-01T10:00', zone: 'Mars/Olympus' }],
      ['/console/indicators/match', { values: '\u0000\n'.repeat(50000) }],
      ['/console/account/tokens', { name: 'x', expiresIn: '99999999999999999999d' }],
      ['/console/account/tokens', { name: 'x', expiresIn: '-1d' }],
      ['/console/account/tokens', { name: 'x\u0000', expiresIn: '1d' }],
      ['/console/account/tokens', { name: 'x'.repeat(500000), expiresIn: '1d' }],
      ['/console/alerts/new', { name: 'x', owner: 'me', mode: 'NOPE', channels: 'NOPE' }],
      ['/console/alerts/new', { name: 'x', owner: 'organization', mode: 'IMMEDIATE', channels: 'WEBHOOK', webhookUrl: 'http://127.0.0.1:1/' }],
      ['/console/alerts/new', { name: 'x', owner: 'me', mode: 'IMMEDIATE', channels: 'WEBHOOK', webhookUrl: 'http://[::1' }],
      ['/console/alerts/new', { name: 'x\u0000', owner: 'me', mode: 'IMMEDIATE', channels: 'EMAIL', severityAtLeast: 'NOPE', domains: 'NOPE', categories: 'NOPE', affectedCounties: 'NOPE', indicatorTypes: 'NOPE' }],
      ['/console/on-call/contact-methods', { kind: 'SMS', target: '+1' + '9'.repeat(100) }],
      ['/console/on-call/contact-methods', { kind: 'EMAIL', target: 'a\u0000@b.test' }],
      ['/console/on-call/county-orange/rov-oncall/rotation', { participants: 'x', shiftLengthHours: '0', handoffTime: '25:99', timeZone: 'Mars/Olympus', startDate: '2026-02-30' }],
      ['/console/on-call/county-orange/rov-oncall/rotation', { participants: orangeU.email, shiftLengthHours: '9999', handoffTime: '08:00', timeZone: 'America/Los_Angeles', startDate: '2026-12-01' }],
      ['/console/on-call/county-orange/rov-oncall/rotation', { participants: orangeU.email, shiftLengthHours: '12', handoffTime: '08:00', timeZone: 'America/Los_Angeles', startDate: '99999-12-01' }],
      ['/console/on-call/county-orange/rov-oncall/overrides', { user: orangeU.email, from: '2026-02-30T10:00', to: '2026-03-01T10:00' }],
      ['/console/on-call/county-orange/rov-oncall/overrides', { user: orangeU.email, from: '2026-03-01T10:00', to: '2026-02-01T10:00' }],
      ['/console/on-call/county-orange/rov-oncall/overrides', { user: orangeU.email, from: '99999-03-01T10:00', to: '99999-03-02T10:00' }],
      ['/console/on-call/county-orange/rov-oncall/overrides', { user: orangeU.email, from: '2026-12-08T10:00', to: '2026-12-09T10:00', zone: 'Mars/Olympus' }],
      ['/console/on-call/county-orange/rov-oncall/overrides', { user: 'x\u0000', from: '2026-12-08T10:00', to: '2026-12-09T10:00' }],
      ['/console/pages/not-a-uuid/acknowledge', {}],
      ['/console/account/sessions/not-a-uuid/revoke', {}],
      ['/console/alerts/not-a-uuid/edit', { name: 'x' }],
      ['/console/alerts/not-a-uuid/delete', {}],
      ['/console/on-call/contact-methods/not-a-uuid/remove', {}],
      ['/console/on-call/contact-methods/not-a-uuid/test', {}],
      ['/console/organization/users/not-a-uuid/roles', { roles: 'VIEWER' }],
      ['/console/organization/users/not-a-uuid/deactivate', {}],
      ['/console/on-call/county-orange/rov-oncall/overrides/not-a-uuid/remove', {}],
      ['/console/incidents/not-a-uuid/comments', { body: 'x' }],
      ['/console/incidents/not-a-uuid/status', { to: 'x' }],
      ['/console/account/tokens/%00/revoke', {}],
      ['/console/audit/verify', {}],
    ];
    for (const [path, form] of inputs) {
      const r = await o.post(path, form);
      const t = await r.text();
      if (r.status >= 500) note(`500 on ${path} ${JSON.stringify(form).slice(0, 100)}: ${t.slice(0, 100)}`);
    }
    // raw malformed bodies
    const raw = async (path: string, body: BodyInit, type: string, label: string) => {
      const r = await fetch(`${hub.url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: `estf_session=${o.cookie}`, origin: hub.url, 'content-type': type, 'x-csrf-token': o.csrf }, body });
      const t = await r.text();
      if (r.status >= 500) note(`500 raw ${label} ${path}`);
    };
    await raw('/console/incidents/new', '%E0%A4%A&title=%FF%FE&_csrf=' + o.csrf, 'application/x-www-form-urlencoded', 'bad percent');
    await raw('/console/incidents/new', Buffer.from([0xff, 0xfe, 0x3d, 0x00]), 'application/x-www-form-urlencoded', 'invalid utf8');
    await raw('/console/incidents/new', '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nabc\r\n', 'multipart/form-data; boundary=x', 'truncated multipart');
    await raw('/console/incidents/new', 'garbage', 'multipart/form-data', 'multipart no boundary');
    await raw('/console/incidents/new', '{"title":1}', 'application/json', 'json');
    const fd = new FormData(); fd.append('title', new Blob(['x']), 'title.txt'); fd.append('summary', 's'); fd.append('category', 'PHISHING'); fd.append('severity', 'HIGH'); fd.append('tlp', 'GREEN');
    await raw('/console/incidents/new', fd, '', 'file in text field');
    const fd2 = new FormData(); fd2.append('file', 'not a file'); fd2.append('tlp', 'GREEN');
    await raw('/console/indicators/import', fd2, '', 'string in file field');
    const fd3 = new FormData(); fd3.append('file', new Blob([Buffer.from([0xff, 0xfe, 0, 0, 1, 2])]), '../../etc/passwd<script>'); fd3.append('tlp', 'GREEN');
    await raw('/console/indicators/import', fd3, '', 'binary file');
    const fd4 = new FormData(); fd4.append('file', new Blob(['1.2.3.4\n']), 'a.txt'); fd4.append('file', new Blob(['1.2.3.5\n']), 'b.txt'); fd4.append('tlp', 'GREEN'); fd4.append('tlp', 'RED');
    await raw('/console/indicators/import', fd4, '', 'two files');
    const fd5 = new FormData(); fd5.append('file', new Blob(['1.2.3.4\n']), 'a.txt'); fd5.append('tlp', 'GREEN'); fd5.append('format', 'NOPE'); fd5.append('confidence', 'abc'); fd5.append('validUntil', '2026-02-30');
    await raw('/console/indicators/import', fd5, '', 'bad import fields');
    const big = await fetch(`${hub.url}/console/incidents/new`, { method: 'POST', redirect: 'manual', headers: { cookie: `estf_session=${o.cookie}`, origin: hub.url, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=' + 'x'.repeat(60_000_000) }).catch((e) => ({ status: String(e) }) as any);
    // query strings
    for (const path of ['/console/incidents?first=abc', '/console/incidents?first=0', '/console/incidents?first=100000', '/console/incidents?after=abc', '/console/incidents?sort=x&sort=y', '/console/incidents?status=OPEN&status=OPEN&status=X', '/console/incidents?from=2026-02-30&to=x', '/console/incidents?createdAfter=2026-02-30', '/console/incidents?q=%00', '/console/incidents?q=%ff', '/console/audit?before=-1', '/console/audit?before=99999999999999999999', '/console/audit?from=2026-02-30&to=abc', '/console/audit?action=%00', '/console/indicators?q=%00', '/console/indicators?after=abc', '/console/indicators?q=' + 'a'.repeat(20000), '/console/on-call?organization=%00', '/console/incidents/%00', '/console/indicators/%00', '/console/indicators/99999999999999999999', '/console/organization/users/%00', '/console/alerts/%00/edit', '/console/incidents?county=%00&category=%00&severity=%00&tlp=%00&assignee=%00']) {
      const r = await o.get(path);
      const t = await r.text();
      if (r.status >= 500) note(`500 GET ${path.slice(0, 80)}: ${t.slice(0, 100)}`);
    }
    expect(findings).toEqual([]);
  }, 300_000);

  it('audit and list filters refuse bad values; merge, link and report-to-incident answer a hidden incident like an unknown one; other organizations cannot edit a schedule; a sign-in link raced 8 times signs in once', async () => {
    const findings: string[] = [];
    const note = (s: string) => { findings.push(s); };
    const aud = await agent(await makeUser(hub.deps, 'county-orange', ['AUDITOR'], 'aud'));
    for (const path of ['/console/audit?since=2026-02-30T10:00', '/console/audit?until=2026-11-03T25:00', '/console/audit?objectId=not-a-uuid&objectType=Incident', '/console/audit?objectId=%F0%9F%98%80&actor=' + encodeURIComponent('😀'.repeat(150)), '/console/audit?before=abc', '/console/audit?action=x&action=y', '/console/audit?actor=%FF']) {
      const r = await aud.get(path); const t = await r.text();
      if (r.status >= 500 || (path.includes('2026-02-30') && r.status === 200)) note(`audit ${path} ${r.status}`);
    }
    const o = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'o'));
    for (const path of ['/console/incidents?severityAtLeast=%3Cscript%3E', '/console/incidents?statuses=X&statuses=%3Cb%3E', '/console/incidents?affectedCounty=%3Cscript%3E&text=%22%3E%3Cimg', '/console/incidents?after=%FF%FE', '/console/incidents?after=' + 'A'.repeat(5000), '/console/incidents?text=' + encodeURIComponent('a'.repeat(5000))]) {
      const r = await o.get(path); const t = await r.text();
      if (r.status >= 500) note(`list ${path.slice(0, 60)} ${r.status}`);
      if (t.includes('<script>') || t.includes('<img')) note(`xss list ${path}`);
    }
    // merge into a hidden vs unknown incident, as a coordinator
    const coord = await agent(await makeUser(hub.deps, 'sos', ['ANALYST', 'COORDINATOR'], 'coord').catch(async () => makeUser(hub.deps, 'cal-oes', ['ANALYST', 'COORDINATOR'], 'coord')));
    const fres = await agent(await makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'fres'));
    const filed = await o.post('/console/incidents/new', { title: 'mergeable', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'GREEN', affectedCounties: 'county-orange' });
    const visibleId = /incidents\/([0-9a-f-]{36})/.exec(filed.headers.get('location')!)![1]!;
    const red = await fres.post('/console/incidents/new', { title: 'red secret', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'RED', shareWithUsers: (await makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'fres2')).email });
    const redId = /incidents\/([0-9a-f-]{36})/.exec(red.headers.get('location') ?? '')?.[1];
    const redRow = await hub.db.selectFrom('incidents').select(['id', 'reference']).where('id', '=', redId!).executeTakeFirst();
    const norm = (t: string) => t.replace(/value="[^"]{43}"/g, '').replace(/[0-9a-f-]{36}|\b\d+\b/g, 'ID').replace(/[A-Z]+-\d{4}-\d+/g, 'REF');
    for (const [name, formOf] of [
      ['merge', (x: string) => ({ into: x })],
      ['link', (x: string) => ({ into: x, incident: x })],
    ] as const) {
      const a = await coord.post(`/console/incidents/${visibleId}/${name}`, formOf(redId!));
      const b = await coord.post(`/console/incidents/${visibleId}/${name}`, formOf('00000000-0000-4000-8000-000000000000'));
      const ta = norm(await a.text()), tb = norm(await b.text());
      if (a.status !== b.status || ta !== tb) note(`${name} hidden vs unknown differ`);
      if (redRow) {
        const c1 = await coord.post(`/console/incidents/${visibleId}/${name}`, formOf(redRow.reference));
        const c2 = await coord.post(`/console/incidents/${visibleId}/${name}`, formOf(redRow.reference.replace(/\d+$/, '99999')));
        const t1 = norm(await c1.text()), t2 = norm(await c2.text());
        if (c1.status !== c2.status || t1 !== t2) note(`${name} by reference hidden vs unknown differ`);
      }
    }
    // indicator report linking to a hidden incident vs unknown
    const r1 = await o.post('/console/indicators/report', { value: `l-${Date.now()}.example.com`, tlp: 'GREEN', incident: redId! });
    const r2 = await o.post('/console/indicators/report', { value: `l-${Date.now()}.example.com`, tlp: 'GREEN', incident: '00000000-0000-4000-8000-000000000000' });
    const n1 = norm(await r1.text()).replace(/l-ID\.example\.com/g, ''), n2 = norm(await r2.text()).replace(/l-ID\.example\.com/g, '');
    if (r1.status !== r2.status || n1 !== n2) note('report link hidden vs unknown differ');
    if (redRow) {
      const r3 = await o.post('/console/indicators/report', { value: `l-${Date.now()}.example.com`, tlp: 'GREEN', incident: redRow.reference });
    }
    // On-call: another org's admin with a valid rotation
    const fa = await agent(await makeUser(hub.deps, 'county-fresno', ['ORG_ADMIN'], 'fa'));
    const rot = await fa.post('/console/on-call/county-orange/rov-oncall/rotation', { participants: fa.user.email, shiftLengthHours: '24', handoffTime: '08:00', timeZone: 'America/Los_Angeles', startDate: '2026-12-01' });
    if (rot.status < 400) note('foreign rotation accepted');
    const ov = await fa.post('/console/on-call/county-orange/rov-oncall/overrides', { user: fa.user.email, from: '2026-12-20T10:00', to: '2026-12-21T10:00' });
    if (ov.status < 400) note('foreign override accepted');
    // login link race
    const u = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'race');
    const l = await loginLink(hub, u.email);
    const rs = await Promise.all(Array.from({ length: 8 }, () => fetch(l, { method: 'POST', redirect: 'manual', headers: { origin: hub.url } })));
    const won = rs.filter((r) => r.status === 303).length;
    if (won !== 1) note(`login link used ${won} times`);
    // alerts owner org
    const oa = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST', 'ORG_ADMIN'], 'oa'));
    const al = await oa.post('/console/alerts/new', { name: 'x', owner: 'organization', mode: 'IMMEDIATE', channels: 'WEBHOOK', webhookUrl: 'http://127.0.0.1:1/' });
    const at = await al.text();
    const al2 = await o.post('/console/alerts/new', { name: 'x', owner: 'organization', mode: 'IMMEDIATE', channels: 'EMAIL' });
    expect(findings).toEqual([]);
  }, 300_000);

  it('every incident action refuses garbage with a 4xx naming the field, never a 500', async () => {
    const findings: string[] = [];
    const note = (s: string) => { findings.push(s); };
    const o = await agent(await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'o5'));
    const coord = await agent(await makeUser(hub.deps, 'sos', ['ANALYST', 'COORDINATOR'], 'coord5'));
    const filed = await o.post('/console/incidents/new', { title: 'actions', summary: 's', category: 'PHISHING', severity: 'HIGH', tlp: 'AMBER', affectedCounties: 'county-orange' });
    const id = /incidents\/([0-9a-f-]{36})/.exec(filed.headers.get('location')!)![1]!;
    const cases: Array<[string, Record<string, string | string[]>]> = [
      ['status', { to: 'NOPE' }], ['status', { to: '' }], ['status', { to: 'CLOSED', resolution: 'x'.repeat(100000) }],
      ['severity', { value: 'NOPE' }], ['severity', { severity: 'NOPE' }],
      ['assign', { organization: 'nope' }], ['assign', { user: 'nobody@nowhere.test' }], ['assign', { user: 'x'.repeat(5000) }],
      ['share', { organizations: 'nope\nnope2' }], ['share', { users: 'x@y.test' }], ['share', { routingTargets: 'on' }], ['share', {}],
      ['tlp', { tlp: 'NOPE' }], ['tlp', { tlp: 'RED', recipients: '' }], ['tlp', { tlp: 'CLEAR' }],
      ['les', { value: 'maybe' }], ['les', {}],
      ['merge', { into: '' }], ['merge', { into: id }], ['merge', { into: 'ESTF-9999-99999' }],
      ['edit', { version: 'abc', title: 'x' }], ['edit', { version: '-1', title: 'x' }], ['edit', { version: '99999999999999999999', title: 'x' }], ['edit', { version: '1', title: '', summary: '' }],
      ['edit', { version: '1', title: 'x', category: 'NOPE', severity: 'NOPE', affectedCounties: 'nope' }],
      ['comments', { body: '' }], ['comments', { body: 'x'.repeat(200000) }],
      ['nonexistent-action', {}],
    ];
    for (const who of [o, coord]) {
      for (const [action, form] of cases) {
        const r = await who.post(`/console/incidents/${id}/${action}`, form);
        const t = await r.text();
        const msg = /<a href="#ia-[^"]*">([^<]*)/.exec(t)?.[1] ?? /class="error"[^>]*>([^<]*)/.exec(t)?.[1] ?? '';
        if (r.status >= 500) note(`500 ${action} ${JSON.stringify(form).slice(0, 60)}`);
      }
    }
    // HTTPS: cookie flags
    const port = await freePort();
    const hubs = await startTestHub({ PORT: String(port), PUBLIC_URL: `https://127.0.0.1:${port}` });
    try {
      const u = await makeUser(hubs.deps, 'county-orange', ['ANALYST'], 'tls');
      const l = (await hubs.deps.services.sessions.issueLoginLink(operator, u.email)).url.replace('https:', 'http:');
      const unauth = await fetch(`${hubs.url}/console/incidents`, { redirect: 'manual' });
      const r = await fetch(l, { method: 'POST', redirect: 'manual', headers: { origin: `https://127.0.0.1:${port}` } });
      const sc = r.headers.get('set-cookie') ?? '';
      if (!/__Host-estf_session=[^;]+;.*Secure/i.test(sc) || !/HttpOnly/.test(sc) || !/SameSite=Lax/.test(sc) || !/Path=\//.test(sc)) note(`https cookie flags: ${sc}`);
      if (!(unauth.headers.get('set-cookie') ?? '').includes('Secure')) note('estf_next not Secure under https');
    } finally {
      await hubs.close();
    }
    expect(findings).toEqual([]);
  }, 300_000);
});
