/**
 * The access matrix through the console (issue 14, "the access matrix holds through the console"): the
 * personas of test/access-matrix.test.ts (organizations of every kind, users of every role) and incidents of
 * every TLP × LES × audience shape, filed through the API; then, as each persona with a console session (plain
 * fetch, no browser), the incident list and every incident's page, compared with the plain oracle of
 * ./oracle.ts: the list holds exactly the visible incidents (and counts them), a visible incident's page
 * shows it, a hidden one answers exactly like an unknown id (same status, same body), and a visible page
 * offers exactly the actions the oracle allows (status moves, assign, share, TLP labels, LES, merge, edit,
 * comment). Every comparison is counted; every mismatch is collected and the test fails with the full list.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieName } from '../src/web/console.js';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import * as O from './oracle.js';
import { loginLink } from './support/console-browser.js';


interface Persona extends O.OracleUser {
  key: string;
  token: string;
  cookie: string;
}

const USER_DEFS: ReadonlyArray<[key: string, org: string, roles: O.Role[]]> = [
  ['orgAnalyst', 'county-orange', ['ANALYST']],
  ['orgAnalyst2', 'county-orange', ['ANALYST']],
  ['orgViewer', 'county-orange', ['VIEWER']],
  ['orgAdmin', 'county-orange', ['ORG_ADMIN']],
  ['rivAnalyst', 'county-riverside', ['ANALYST']],
  ['kernAnalyst', 'county-kern', ['ANALYST']],
  ['kernViewer', 'county-kern', ['VIEWER']],
  ['fresnoAnalyst', 'county-fresno', ['ANALYST']],
  ['fresnoAuditor', 'county-fresno', ['AUDITOR']],
  ['sosCoord', 'sos', ['COORDINATOR', 'ANALYST']],
  ['sosCoordOnly', 'sos', ['COORDINATOR']],
  ['sosAnalyst', 'sos', ['ANALYST']],
  ['sosAuditor', 'sos', ['AUDITOR']],
  ['sosHubAdmin', 'sos', ['HUB_ADMIN']],
  ['calOesCoord', 'cal-oes', ['COORDINATOR']],
  ['calOesViewer', 'cal-oes', ['VIEWER']],
  ['fbiAnalyst', 'fbi', ['ANALYST']],
  ['fbiViewer', 'fbi', ['VIEWER']],
  ['chpAnalyst', 'chp', ['ANALYST']],
  ['cisaAnalyst', 'cisa', ['ANALYST']],
  ['eiisacViewer', 'ei-isac', ['VIEWER']],
  ['cdtAnalyst', 'cdt', ['ANALYST']],
];

interface Shape {
  label: string;
  reporter: string;
  tlp: O.Tlp;
  les: boolean;
  affected?: string[];
  shareWith?: string[];
  shareWithUsers?: string[];
  exercise?: boolean;
}

/** The read shapes of test/access-matrix.test.ts. */
function shapes(): Shape[] {
  const out: Shape[] = [];
  for (const tlp of ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as O.Tlp[]) {
    for (const les of [false, true]) {
      const base = `${tlp}${les ? ' LES' : ''}`;
      if (tlp === 'RED') {
        out.push({ label: `${base} named:kern+cisa`, reporter: 'orgAnalyst', tlp, les, shareWithUsers: ['kernAnalyst', 'cisaAnalyst'] });
        out.push({ label: `${base} named:sosCoordOnly+fbi affected:riverside`, reporter: 'orgAnalyst', tlp, les, affected: ['county-riverside'], shareWithUsers: ['sosCoordOnly', 'fbiAnalyst'] });
        out.push({ label: `${base} named:orgAnalyst2+orgViewer`, reporter: 'orgAnalyst', tlp, les, shareWithUsers: ['orgAnalyst2', 'orgViewer'] });
      } else {
        out.push({ label: `${base} plain`, reporter: 'orgAnalyst', tlp, les });
        out.push({ label: `${base} affected:riverside`, reporter: 'orgAnalyst', tlp, les, affected: ['county-riverside'] });
        out.push({ label: `${base} shared:kern`, reporter: 'orgAnalyst', tlp, les, shareWith: ['county-kern'] });
        out.push({ label: `${base} shared:fbi`, reporter: 'orgAnalyst', tlp, les, shareWith: ['fbi'] });
      }
    }
  }
  out.push(
    { label: 'AMBER LES plain by fbi', reporter: 'fbiAnalyst', tlp: 'AMBER', les: true },
    { label: 'GREEN LES plain by fbi', reporter: 'fbiAnalyst', tlp: 'GREEN', les: true },
    { label: 'RED LES named:sosCoord+chp by fbi', reporter: 'fbiAnalyst', tlp: 'RED', les: true, shareWithUsers: ['sosCoord', 'chpAnalyst'] },
    { label: 'AMBER_STRICT plain by sos', reporter: 'sosCoord', tlp: 'AMBER_STRICT', les: false },
    { label: 'AMBER LES affected:riverside by sos', reporter: 'sosCoord', tlp: 'AMBER', les: true, affected: ['county-riverside'] },
    { label: 'AMBER plain exercise', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, exercise: true },
    { label: 'GREEN shared:kern exercise', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, shareWith: ['county-kern'], exercise: true },
  );
  return out;
}

const TLP_FORM_VALUE: Record<O.Tlp, string> = { CLEAR: 'CLEAR', GREEN: 'GREEN', AMBER: 'AMBER', AMBER_STRICT: 'AMBER_STRICT', RED: 'RED' };

/** The actions a page offers, read from its HTML: the forms posted to the incident's action paths. */
function offered(html: string, id: string) {
  const form = (name: string): string | null => {
    const start = html.indexOf(`action="/console/incidents/${id}/${name}"`);
    if (start < 0) return null;
    return html.slice(start, html.indexOf('</form>', start));
  };
  const options = (f: string | null, select: string) => {
    if (!f) return [];
    const s = f.indexOf(`name="${select}"`);
    if (s < 0) return [];
    const body = f.slice(s, f.indexOf('</select>', s));
    return [...body.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]!).filter(Boolean);
  };
  const edit = form('edit');
  return {
    transitions: options(form('status'), 'to').sort(),
    assign: form('assign') !== null,
    share: form('share') !== null,
    tlps: options(form('tlp'), 'tlp').sort(),
    les: form('les') !== null,
    merge: form('merge') !== null,
    edit: edit === null ? null : edit.includes('name="title"') ? 'all' : 'severity',
    comment: form('comments') !== null,
  };
}

describe('the access matrix through the console', () => {
  let hub: TestHub;
  const personas: Persona[] = [];
  const byKey = new Map<string, Persona>();
  const incidents: O.OracleIncident[] = [];
  let checks = 0;
  const failures: string[] = [];
  const check = (ok: boolean, line: () => string) => {
    checks++;
    if (!ok) failures.push(line());
  };

  beforeAll(async () => {
    hub = await startTestHub();
    const cookie = cookieName(hub.config);
    for (const [key, org, roles] of USER_DEFS) {
      const t = await makeUser(hub.deps, org, roles, key.toLowerCase());
      const token = (await loginLink(hub, t.email)).split('/').pop()!;
      const opened = await hub.deps.services.sessions.signIn(token, { requestId: null, clientAddress: '127.0.0.1', userAgent: 'console-oracle' });
      if (!opened) throw new Error(`no session for ${key}`);
      const p: Persona = { key, label: `${org} ${roles.join('+')}`, email: t.email, org, roles: [...roles], token: t.token, cookie: `${cookie}=${opened.cookieValue}` };
      personas.push(p);
      byKey.set(key, p);
    }
    const email = (k: string) => byKey.get(k)!.email;
    let n = 0;
    for (const s of shapes()) {
      const reporter = byKey.get(s.reporter)!;
      const title = `Console oracle ${++n} ${s.label}`;
      const r = await hub.gql<any>(reporter.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference status severity category } }`, {
        input: {
          title,
          summary: 'Filed by the console oracle test.',
          category: 'PHISHING',
          severity: (['LOW', 'MODERATE', 'HIGH', 'CRITICAL'] as const)[n % 4],
          tlp: s.tlp,
          lawEnforcementSensitive: s.les,
          exercise: s.exercise ?? false,
          affectedCounties: s.affected ?? [],
          shareWith: s.shareWith ?? [],
          shareWithUsers: (s.shareWithUsers ?? []).map(email),
        },
      });
      if (r.errors) throw new Error(`filing ${s.label}: ${JSON.stringify(r.errors)}`);
      const d = r.data.fileIncident;
      incidents.push({
        label: s.label,
        id: d.id,
        reference: d.reference,
        title,
        tlp: s.tlp,
        les: s.les,
        exercise: s.exercise ?? false,
        severity: d.severity,
        category: d.category,
        status: d.status,
        reportingOrg: reporter.org,
        reportingUser: reporter.email,
        affectedCounties: [...(s.affected ?? [])],
        sharedOrgs: [...(s.shareWith ?? [])],
        recipients: (s.shareWithUsers ?? []).map(email),
        mergedInto: null,
      });
    }
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
  });

  const get = async (p: Persona, path: string) => {
    const res = await fetch(`${hub.url}${path}`, { headers: { cookie: p.cookie }, redirect: 'manual' });
    return { status: res.status, body: await res.text() };
  };

  it('lists, counts and shows exactly what the oracle lets each persona see, and offers exactly the actions it allows', async () => {
    const where = (p: Persona, i: O.OracleIncident | null, path: string) => `${path} | ${p.key} (${p.label}) | ${i ? `${i.reference} [${i.label}]` : '-'}`;
    let visiblePages = 0;
    let hiddenPages = 0;
    const work = personas.map((p) => async () => {
      // The list (exercises are left out unless asked for, as in the API's default filter) and its count.
      const list = await get(p, '/console/incidents');
      check(list.status === 200, () => `${where(p, null, 'list')} | status ${list.status}`);
      const listed = new Set([...list.body.matchAll(/<a href="\/console\/incidents\/([0-9a-f-]{36})">/g)].map((m) => m[1]));
      const expected = incidents.filter((i) => !i.exercise && O.canSee(p, i));
      for (const i of incidents) {
        const want = !i.exercise && O.canSee(p, i);
        check(listed.has(i.id) === want, () => `${where(p, i, 'list')} | expected ${want ? 'listed' : 'not listed'}`);
      }
      const count = list.body.match(/<p id="count"[^>]*>(\d+) incidents?/)?.[1];
      check(Number(count) === expected.length, () => `${where(p, null, 'list count')} | expected ${expected.length}, got ${count}`);
      // A filter's count counts only what the persona may see.
      const riv = await get(p, '/console/incidents?affectedCounty=county-riverside');
      const rivCount = riv.body.match(/<p id="count"[^>]*>(\d+) incidents?/)?.[1];
      const rivExpected = expected.filter((i) => i.affectedCounties.includes('county-riverside')).length;
      check(Number(rivCount) === rivExpected, () => `${where(p, null, 'list affectedCounty=county-riverside')} | expected ${rivExpected}, got ${rivCount}`);

      // An unknown id, once per persona: what every hidden incident must answer, byte for byte.
      const unknown = await get(p, `/console/incidents/${randomUUID()}`);
      check(unknown.status === 404, () => `${where(p, null, 'unknown id')} | status ${unknown.status}`);
      for (const i of incidents) {
        const page = await get(p, `/console/incidents/${i.id}`);
        if (!O.canSee(p, i)) {
          hiddenPages++;
          check(page.status === unknown.status && page.body === unknown.body, () => `${where(p, i, 'page')} | expected the unknown-id answer, got ${page.status}${page.body.includes(i.reference) ? ' showing the reference' : ''}`);
          continue;
        }
        visiblePages++;
        check(page.status === 200 && page.body.includes(`${i.reference}: `), () => `${where(p, i, 'page')} | expected the page, got ${page.status}`);
        if (i.exercise) check(page.body.includes('EXERCISE EXERCISE EXERCISE'), () => `${where(p, i, 'page')} | no EXERCISE banner`);
        check(page.body.includes(`TLP:${i.tlp === 'AMBER_STRICT' ? 'AMBER+STRICT' : i.tlp}`), () => `${where(p, i, 'page')} | no TLP label text`);

        // The actions offered: exactly those the oracle allows.
        const got = offered(page.body, i.id);
        const want = {
          transitions: O.NEXT_STATUSES[i.status].filter((to) => to !== 'MERGED' && O.expectTransition(p, i, to) === 'OK').sort(),
          assign: O.expectAssign(p, i) === 'OK',
          share: O.expectShare(p, i, {}) === 'OK',
          tlps: O.TLP_ORDER.filter((t) => t !== i.tlp && O.expectSetTlp(p, i, t) === 'OK').map((t) => TLP_FORM_VALUE[t]).sort(),
          les: O.expectSetLes(p, i, !i.les) === 'OK',
          merge: O.isTriageCoordinator(p) && O.NEXT_STATUSES[i.status].includes('MERGED'),
          edit: O.expectUpdate(p, i, ['title']) === 'OK' ? 'all' : O.expectUpdate(p, i, ['severity']) === 'OK' ? 'severity' : null,
          comment: O.expectComment(p, i) === 'OK',
        };
        for (const k of Object.keys(want) as Array<keyof typeof want>) {
          check(JSON.stringify(got[k]) === JSON.stringify(want[k]), () => `${where(p, i, `action ${k}`)} | expected ${JSON.stringify(want[k])}, offered ${JSON.stringify(got[k])}`);
        }
      }
    });
    // A few personas at a time: the machine is shared.
    let next = 0;
    await Promise.all(Array.from({ length: 3 }, async () => {
      while (next < work.length) await work[next++]!();
    }));
    console.log(`console oracle: ${checks} checks (${personas.length} personas × ${incidents.length} incidents; ${visiblePages} visible pages, ${hiddenPages} hidden), ${failures.length} mismatches`);
    expect(visiblePages).toBeGreaterThan(100);
    expect(hiddenPages).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  }, 600_000);
});
