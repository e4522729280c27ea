import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { freePort, loginLink } from './support/console-browser.js';

/**
 * The console's incident list over plain HTTP: every filter of the API's IncidentFilter in the query string,
 * alone and added up, every sort, paging with the total count, each checked against the API itself
 * (`incidents(filter:, orderBy:)` with the same user's token: the same service, the same access policy);
 * quick filters that add to the filters in force; unknown or malformed values named in a message.
 */

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
const LIST = `query($filter: IncidentFilter, $orderBy: IncidentOrder, $first: Int) { incidents(filter: $filter, orderBy: $orderBy, first: $first) { totalCount edges { node { reference } } } }`;

describe('console: the incident list (filters, sort, paging)', () => {
  let hub: TestHub;
  let la: TestUser, kern: TestUser, coordinator: TestUser;
  let cookie: string;
  let kernCookie: string;
  let midpoint: string;
  const refs: Record<string, string> = {};

  async function consoleCookie(u: TestUser): Promise<string> {
    const res = await fetch(await loginLink(hub, u.email), { method: 'POST', headers: { origin: hub.url }, redirect: 'manual' });
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }

  beforeAll(async () => {
    const port = await freePort();
    hub = await startTestHub({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    [la, kern, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
    ]);
    const file = async (key: string, by: TestUser, input: Record<string, unknown>) => {
      const r = await hub.gql(by.token, FILE, { input: { summary: 'about it', category: 'RANSOMWARE', severity: 'MODERATE', tlp: 'GREEN', ...input } });
      expect(r.errors, key).toBeUndefined();
      refs[key] = r.data.fileIncident.reference;
      return r.data.fileIncident.id as string;
    };
    await file('laRansom', la, { title: 'Ransomware note on the ROV file server', severity: 'HIGH', affectedCounties: ['county-los-angeles'], occurredAt: '2026-11-02T10:00:00Z' });
    await file('laAmber', la, { title: 'AMBER: voter roll probe', category: 'VOTER_REGISTRATION_INTRUSION', severity: 'CRITICAL', tlp: 'AMBER', affectedCounties: ['county-los-angeles'] });
    await file('orangeMis', la, { title: 'False polling-place hours', category: 'MISINFORMATION', severity: 'LOW', tlp: 'CLEAR', affectedCounties: ['county-orange'], occurredAt: '2026-11-05T08:00:00Z' });
    await file('sosDropBox', coordinator, { title: 'Drop box pried open', category: 'DROP_BOX_TAMPERING', severity: 'HIGH', affectedCounties: ['county-kern'] });
    const phish = await file('kernPhish', kern, { title: 'Phishing of poll workers', category: 'PHISHING', severity: 'MODERATE', affectedCounties: ['county-kern'], occurredAt: '2026-11-03T12:00:00Z' });
    await new Promise((r) => setTimeout(r, 20));
    midpoint = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const t = await hub.gql(coordinator.token, `mutation($id: ID!) { transitionIncident(id: $id, to: TRIAGED) { status } }`, { id: phish });
    expect(t.errors).toBeUndefined();
    // Exercise incidents: listed only with exercise=true; enough of them for a second page.
    for (let i = 0; i < 53; i++) await file(`ex${i}`, la, { title: `Exercise inject ${i}`, severity: i % 2 ? 'LOW' : 'HIGH', exercise: true });
    cookie = await consoleCookie(la);
    kernCookie = await consoleCookie(kern);
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
  });

  async function console_(query: string, c = cookie): Promise<{ status: number; html: string; refs: string[]; total: number | null }> {
    const res = await fetch(`${hub.url}/console/incidents${query}`, { headers: { cookie: c } });
    const html = await res.text();
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
    const found = [...body.matchAll(/<a href="\/console\/incidents\/[0-9a-f-]{36}">([^<]+)<\/a>/g)].map((m) => m[1]!);
    const total = /<p id="count">(\d+) incidents?/.exec(html);
    return { status: res.status, html, refs: found, total: total ? Number(total[1]) : null };
  }

  /** The same query through the API: the oracle. */
  async function api(filter: Record<string, unknown>, orderBy = { field: 'REPORTED_AT', direction: 'DESC' }, token = la.token) {
    const r = await hub.gql(token, LIST, { filter, orderBy, first: 50 });
    expect(r.errors).toBeUndefined();
    return { refs: r.data.incidents.edges.map((e: { node: { reference: string } }) => e.node.reference) as string[], total: r.data.incidents.totalCount as number };
  }

  it('every IncidentFilter field, alone and added up, lists what the API lists (same order, same total)', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['', {}],
      ['?statuses=TRIAGED', { statuses: ['TRIAGED'] }],
      ['?statuses=REPORTED&statuses=TRIAGED', { statuses: ['REPORTED', 'TRIAGED'] }],
      ['?severityAtLeast=HIGH', { severityAtLeast: 'HIGH' }],
      ['?categories=PHISHING&categories=MISINFORMATION', { categories: ['PHISHING', 'MISINFORMATION'] }],
      ['?domains=PHYSICAL', { domains: ['PHYSICAL'] }],
      ['?affectedCounty=county-orange', { affectedCounty: 'county-orange' }],
      ['?reportingOrganization=sos', { reportingOrganization: 'sos' }],
      ['?tlp=AMBER&tlp=CLEAR', { tlp: ['AMBER', 'CLEAR'] }],
      ['?exercise=true', { exercise: true }],
      ['?occurredAfter=2026-11-01&occurredBefore=2026-11-04T00:00:00Z', { occurredAfter: '2026-11-01T00:00:00Z', occurredBefore: '2026-11-04T00:00:00Z' }],
      [`?updatedSince=${encodeURIComponent(midpoint)}`, { updatedSince: midpoint }],
      ['?text=ransomware', { text: 'ransomware' }],
      ['?severityAtLeast=MODERATE&domains=CYBER&tlp=GREEN&affectedCounty=county-los-angeles', { severityAtLeast: 'MODERATE', domains: ['CYBER'], tlp: ['GREEN'], affectedCounty: 'county-los-angeles' }],
    ];
    for (const [query, filter] of cases) {
      const got = await console_(query);
      const want = await api(filter);
      expect(got.status, query).toBe(200);
      expect(got.refs, query).toEqual(want.refs);
      expect(got.total, query).toBe(want.total);
    }
    // The filters do narrow (the oracle agreeing on empty lists would prove nothing).
    expect((await console_('?statuses=TRIAGED')).refs).toEqual([refs.kernPhish]);
    expect((await console_('?affectedCounty=county-orange')).refs).toEqual([refs.orangeMis]);
    expect((await console_('?occurredAfter=2026-11-01&occurredBefore=2026-11-04T00:00:00Z')).refs.sort()).toEqual([refs.laRansom, refs.kernPhish].sort());
    expect((await console_(`?updatedSince=${encodeURIComponent(midpoint)}`)).refs).toEqual([refs.kernPhish]);
    expect((await console_('?severityAtLeast=MODERATE&domains=CYBER&tlp=GREEN&affectedCounty=county-los-angeles')).refs).toEqual([refs.laRansom]);
    // The form shows the filters in force (bookmarkable, and the next change adds to them).
    const shown = (await console_('?tlp=AMBER&domains=PHYSICAL')).html;
    expect(shown).toMatch(/id="f-tlp-AMBER" name="tlp" value="AMBER" checked/);
    expect(shown).toMatch(/id="f-domains-PHYSICAL" name="domains" value="PHYSICAL" checked/);
  });

  it('another county sees neither the AMBER incident nor it in the count, whatever the filter', async () => {
    for (const q of ['', '?affectedCounty=county-los-angeles', '?severityAtLeast=CRITICAL', '?text=voter']) {
      const got = await console_(q, kernCookie);
      const want = await api(Object.fromEntries(new URLSearchParams(q)), undefined, kern.token);
      expect(got.refs, q).toEqual(want.refs);
      expect(got.total, q).toBe(want.total);
      expect(got.html, q).not.toContain(refs.laAmber!);
    }
    expect((await console_('?severityAtLeast=CRITICAL', kernCookie)).total).toBe(0);
    expect((await console_('?severityAtLeast=CRITICAL')).refs).toEqual([refs.laAmber]);
  });

  it('sorts by every order the API supports, both ways', async () => {
    for (const field of ['REPORTED_AT', 'UPDATED_AT', 'OCCURRED_AT', 'SEVERITY']) {
      for (const direction of ['ASC', 'DESC']) {
        const got = await console_(`?sort=${field}&direction=${direction}`);
        const want = await api({}, { field, direction });
        expect(got.refs, `${field} ${direction}`).toEqual(want.refs);
      }
    }
    const bySeverity = await console_('?sort=SEVERITY&direction=DESC');
    expect(bySeverity.refs[0]).toBe(refs.laAmber);
    expect(bySeverity.refs.at(-1)).toBe(refs.orangeMis);
    expect(bySeverity.html).toContain('Sorted by severity, newest or highest first.');
  });

  it('pages 50 at a time with the total; the next page keeps the filters and sort, and the pages make up the whole list', async () => {
    const first = await console_('?exercise=true&sort=SEVERITY&direction=ASC');
    expect(first.total).toBe(53);
    expect(first.refs).toHaveLength(50);
    const next = /<a href="(\/console\/incidents\?[^"]*after=[^"]+)">Next page<\/a>/.exec(first.html)![1]!.replace(/&amp;/g, '&');
    const params = new URL(next, hub.url).searchParams;
    expect(params.get('exercise')).toBe('true');
    expect(params.get('sort')).toBe('SEVERITY');
    expect(params.get('direction')).toBe('ASC');
    const second = await console_(next.replace('/console/incidents', ''));
    expect(second.refs).toHaveLength(3);
    expect(second.html).toContain('(a later page)');
    expect(second.html).toMatch(/<a href="[^"]*">First page<\/a>/);
    expect(second.html).not.toContain('>Next page<');
    const all = [...first.refs, ...second.refs];
    expect(new Set(all).size).toBe(53);
    expect(all.sort()).toEqual(Array.from({ length: 53 }, (_, i) => refs[`ex${i}`]!).sort());
    // LOW before HIGH (ascending severity).
    expect(first.html.indexOf('Exercise inject 1<')).toBeLessThan(first.html.indexOf('Exercise inject 0<'));
  });

  it('quick filters add one filter to those in force (Mine, My county, Unacknowledged, HIGH and above)', async () => {
    const kernPage = await console_('?tlp=GREEN', kernCookie);
    const quick = (html: string, label: string) => {
      const nav = /<nav aria-label="Quick filters">([\s\S]*?)<\/nav>/.exec(html)![1]!;
      const m = new RegExp(`<a href="([^"]+)">${label.replace(/[()]/g, '\\$&')}</a>`).exec(nav);
      return m ? new URL(m[1]!.replace(/&amp;/g, '&'), hub.url).searchParams : null;
    };
    expect(Object.fromEntries(quick(kernPage.html, 'Mine (reported by my organization)')!)).toEqual({ tlp: 'GREEN', reportingOrganization: 'county-kern' });
    expect(Object.fromEntries(quick(kernPage.html, 'My county')!)).toEqual({ tlp: 'GREEN', affectedCounty: 'county-kern' });
    expect(Object.fromEntries(quick(kernPage.html, 'Unacknowledged (REPORTED, not yet triaged)')!)).toEqual({ tlp: 'GREEN', statuses: 'REPORTED' });
    expect(Object.fromEntries(quick(kernPage.html, 'HIGH and above')!)).toEqual({ tlp: 'GREEN', severityAtLeast: 'HIGH' });
    // Added up: My county, then HIGH and above.
    const both = await console_('?affectedCounty=county-kern&severityAtLeast=HIGH', kernCookie);
    expect(both.refs).toEqual([refs.sosDropBox]);
    expect(both.html).toContain('HIGH and above (in force)');
    expect(both.html).toContain('My county (in force)');
    // A coordinator's organization is no county: no "My county".
    const sosCookie = await consoleCookie(coordinator);
    expect(quick((await console_('', sosCookie)).html, 'My county')).toBeNull();
  });

  it('unknown and malformed values answer 400 with a message naming the filter, and list nothing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?severityAtLeast=SEVERE', /Severity at least \(severityAtLeast\): &quot;SEVERE&quot; is not one of LOW, MODERATE, HIGH, CRITICAL/],
      ['?statuses=OPEN', /Status \(statuses\): &quot;OPEN&quot; is not one of REPORTED/],
      ['?categories=HACKING', /Category \(categories\): &quot;HACKING&quot; is not one of/],
      ['?domains=SPACE', /Domain \(domains\): &quot;SPACE&quot;/],
      ['?tlp=WHITE', /TLP \(tlp\): &quot;WHITE&quot; is not one of CLEAR, GREEN, AMBER, AMBER_STRICT, RED/],
      ['?exercise=maybe', /Exercise \(exercise\): &quot;maybe&quot; is not true or false/],
      ['?occurredAfter=yesterday', /Occurred after \(occurredAfter\): &quot;yesterday&quot; is not an RFC 3339 date-time/],
      ['?updatedSince=2026-02-30', /Updated since \(updatedSince\): &quot;2026-02-30&quot; has no day 30/],
      ['?affectedCounty=Orange%20County!', /Affected county \(affectedCounty\): &quot;Orange County!&quot; is not an organization&#39;s slug/],
      ['?sort=TITLE', /Sort by \(sort\): &quot;TITLE&quot; is not one of REPORTED_AT, UPDATED_AT, OCCURRED_AT, SEVERITY/],
      ['?direction=UP', /Direction \(direction\): &quot;UP&quot; is not one of DESC, ASC/],
      ['?colour=red', /Unknown filter &quot;colour&quot;/],
      ['?after=not-a-cursor', /Page \(after\): this page link does not belong to this sort/],
      [`?text=${'x'.repeat(501)}`, /Search \(text\): must be at most 500 characters/],
    ];
    for (const [query, message] of cases) {
      const got = await console_(query);
      expect(got.status, query).toBe(400);
      expect(got.html, query).toMatch(message);
      expect(got.html, query).toContain('role="alert"');
      expect(got.refs, query).toEqual([]);
    }
    // A cursor of one sort used with another is refused, not misread.
    const first = await console_('?exercise=true');
    const next = /after=([^"&]+)/.exec(first.html)![1]!;
    const mixed = await console_(`?exercise=true&sort=SEVERITY&after=${next}`);
    expect(mixed.status).toBe(400);
    expect(mixed.html).toContain('Page (after)');
  });
});
