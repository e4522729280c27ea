/**
 * The access matrix of who may change the audience (issue 10, item 3): every mutation that can widen who
 * sees an incident (shareIncident, setIncidentTlp with and without named recipients, assignIncident,
 * clearing LES, mergeIncident), tried as every persona on every incident shape, compared with the plain
 * oracle `mayChangeAudience` of ./oracle.ts: allowed or denied (and the error code), and after an allowed
 * change, who sees the incident now (`canSee` of the changed oracle incident, asked as every probe user).
 * Cross-county correlation, the one audience change the hub makes by itself, is tested in
 * test/indicators-hidden-reports.test.ts.
 *
 * An allowed change gets a fresh incident for the next persona; a denied one must leave the incident as it
 * was, which the probes after the next allowed change (and at the end) check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import * as O from './oracle.js';

interface MUser extends O.OracleUser {
  key: string;
  token: string;
}

const PERSONAS: ReadonlyArray<[key: string, org: string, roles: O.Role[]]> = [
  ['reporter', 'county-orange', ['ANALYST']],
  ['colleague', 'county-orange', ['ANALYST']],
  ['orgViewer', 'county-orange', ['VIEWER']],
  ['orgAdmin', 'county-orange', ['ORG_ADMIN']],
  ['rivAnalyst', 'county-riverside', ['ANALYST']], // affected county
  ['kernAnalyst', 'county-kern', ['ANALYST']], // shared-with county, RED recipient
  ['outsider', 'county-fresno', ['ANALYST']], // whom every change tries to add
  ['sosCoord', 'sos', ['COORDINATOR', 'ANALYST']],
  ['sosAnalyst', 'sos', ['ANALYST']],
  ['hubAdmin', 'sos', ['HUB_ADMIN']],
  ['auditor', 'sos', ['AUDITOR']],
  ['fbiAnalyst', 'fbi', ['ANALYST']],
  ['cisaAnalyst', 'cisa', ['ANALYST']], // RED recipient
];

interface Shape {
  label: string;
  tlp: O.Tlp;
  les: boolean;
  affected?: string[];
  shareWith?: string[];
  recipients?: string[];
}

const SHAPES: Shape[] = [
  { label: 'CLEAR plain', tlp: 'CLEAR', les: false },
  { label: 'GREEN plain', tlp: 'GREEN', les: false },
  { label: 'GREEN LES', tlp: 'GREEN', les: true },
  { label: 'AMBER affected:riverside', tlp: 'AMBER', les: false, affected: ['county-riverside'] },
  { label: 'AMBER shared:kern', tlp: 'AMBER', les: false, shareWith: ['county-kern'] },
  { label: 'AMBER LES shared:kern', tlp: 'AMBER', les: true, shareWith: ['county-kern'] },
  { label: 'AMBER LES shared:fbi', tlp: 'AMBER', les: true, shareWith: ['fbi'] },
  { label: 'AMBER_STRICT shared:kern', tlp: 'AMBER_STRICT', les: false, shareWith: ['county-kern'] },
  { label: 'AMBER_STRICT LES', tlp: 'AMBER_STRICT', les: true },
  { label: 'RED named:kern+cisa', tlp: 'RED', les: false, recipients: ['kernAnalyst', 'cisaAnalyst'] },
  { label: 'RED LES named:kern+fbi', tlp: 'RED', les: true, recipients: ['kernAnalyst', 'fbiAnalyst'] },
  { label: 'RED named:colleague+sosCoord', tlp: 'RED', les: false, recipients: ['colleague', 'sosCoord'] },
];

interface Mutation {
  name: string;
  /** The change for this shape, or null when it does not apply. */
  change: (i: O.OracleIncident) => O.AudienceChange | null;
  run: (u: MUser, i: O.OracleIncident) => Promise<{ outcome: string; message: string }>;
}

describe('access matrix: who may change the audience (access-policy.md)', () => {
  let hub: TestHub;
  const users: MUser[] = [];
  const by = (key: string) => users.find((u) => u.key === key)!;
  const orgOf = (email: string) => users.find((u) => u.email === email)!.org;
  let mergeTarget: O.OracleIncident;
  let checks = 0;
  const allows: string[] = [];
  const denies: string[] = [];
  const wrong: string[] = [];
  const expected = new Map<string, number>();

  beforeAll(async () => {
    hub = await startTestHub();
    for (const [key, org, roles] of PERSONAS) {
      const t = await makeUser(hub.deps, org, roles, key.toLowerCase());
      users.push({ key, label: `${org} ${roles.join('+')}`, email: t.email, org, roles: [...roles], token: t.token });
    }
  });
  afterAll(async () => hub?.close());

  async function call(u: MUser, query: string, variables: Record<string, unknown>) {
    const r = await hub.gql<any>(u.token, query, variables);
    const e = r.errors?.[0];
    return e ? { outcome: String(e.extensions?.code ?? 'INTERNAL'), message: e.message } : { outcome: 'OK', message: '' };
  }

  async function file(shape: Shape): Promise<O.OracleIncident> {
    const reporter = by('reporter');
    const recipients = (shape.recipients ?? []).map((k) => by(k).email);
    const r = await hub.gql<any>(
      reporter.token,
      `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`,
      {
        input: {
          title: `Audience ${shape.label}`,
          summary: 'Filed by the audience matrix.',
          category: 'PHISHING',
          severity: 'LOW',
          tlp: shape.tlp,
          lawEnforcementSensitive: shape.les,
          affectedCounties: shape.affected ?? [],
          shareWith: shape.shareWith ?? [],
          shareWithUsers: recipients,
        },
      },
    );
    if (r.errors) throw new Error(`filing ${shape.label}: ${JSON.stringify(r.errors)}`);
    return {
      label: shape.label,
      id: r.data.fileIncident.id,
      reference: r.data.fileIncident.reference,
      title: `Audience ${shape.label}`,
      tlp: shape.tlp,
      les: shape.les,
      exercise: false,
      severity: 'LOW',
      category: 'PHISHING',
      status: 'REPORTED',
      reportingOrg: reporter.org,
      reportingUser: reporter.email,
      affectedCounties: [...(shape.affected ?? [])],
      sharedOrgs: [...(shape.shareWith ?? [])],
      recipients,
      mergedInto: null,
    };
  }

  /** Who sees the incident now, as every persona, against the oracle. */
  async function probe(i: O.OracleIncident, after: string): Promise<void> {
    await Promise.all(
      users.map(async (u) => {
        const r = await hub.gql<any>(u.token, `query($id: ID!) { incident(id: $id) { id } }`, { id: i.id });
        const got = r.data?.incident != null;
        const want = O.canSee(u, i);
        checks++;
        if (got !== want) (got ? allows : denies).push(`${after} | ${i.reference} [${i.label}] | ${u.key}: expected ${want ? 'visible' : 'invisible'}, got ${got ? 'visible' : 'invisible'}`);
      }),
    );
  }

  const WIDER: Record<O.Tlp, O.Tlp | null> = { CLEAR: null, GREEN: 'CLEAR', AMBER: 'GREEN', AMBER_STRICT: 'AMBER', RED: 'AMBER_STRICT' };

  const MUTATIONS: Mutation[] = [
    {
      name: 'shareIncident(outsider)',
      change: (i) => (i.tlp === 'RED' ? { kind: 'share', orgs: [], users: [by('outsider').email] } : { kind: 'share', orgs: ['county-fresno'], users: [] }),
      run: (u, i) =>
        i.tlp === 'RED'
          ? call(u, `mutation($id: ID!, $u: [String!]) { shareIncident(id: $id, users: $u) { id } }`, { id: i.id, u: [by('outsider').email] })
          : call(u, `mutation($id: ID!, $o: [String!]) { shareIncident(id: $id, organizations: $o) { id } }`, { id: i.id, o: ['county-fresno'] }),
    },
    {
      name: 'setIncidentTlp(one step wider)',
      change: (i) => (WIDER[i.tlp] ? { kind: 'tlp', to: WIDER[i.tlp]!, recipients: [] } : null),
      run: (u, i) => call(u, `mutation($id: ID!, $t: Tlp!) { setIncidentTlp(id: $id, tlp: $t) { id } }`, { id: i.id, t: WIDER[i.tlp] }),
    },
    {
      name: 'setIncidentTlp(RED, recipients: outsider)',
      change: () => ({ kind: 'tlp', to: 'RED', recipients: [by('outsider').email] }),
      run: (u, i) => call(u, `mutation($id: ID!, $r: [String!]) { setIncidentTlp(id: $id, tlp: RED, recipients: $r) { id } }`, { id: i.id, r: [by('outsider').email] }),
    },
    {
      name: 'assignIncident(outsider)',
      change: () => ({ kind: 'assign', org: 'county-fresno', user: by('outsider').email }),
      run: (u, i) => call(u, `mutation($id: ID!, $o: String!, $u: String) { assignIncident(id: $id, organization: $o, user: $u) { id } }`, { id: i.id, o: 'county-fresno', u: by('outsider').email }),
    },
    {
      name: 'setIncidentLawEnforcementSensitive(false)',
      change: (i) => (i.les ? { kind: 'clearLes' } : null),
      run: (u, i) => call(u, `mutation($id: ID!) { setIncidentLawEnforcementSensitive(id: $id, value: false) { id } }`, { id: i.id }),
    },
    {
      name: 'mergeIncident(into a GREEN incident)',
      change: () => ({ kind: 'merge', into: mergeTarget }),
      run: (u, i) => call(u, `mutation($id: ID!, $into: ID!) { mergeIncident(id: $id, intoId: $into) { id } }`, { id: i.id, into: mergeTarget.id }),
    },
  ];

  it('every audience-changing mutation, as every persona, on every shape, agrees with the oracle', async () => {
    mergeTarget = await file({ label: 'GREEN merge target', tlp: 'GREEN', les: false });
    const jobs = SHAPES.flatMap((shape) => MUTATIONS.map((m) => ({ shape, m })));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < jobs.length) {
          const { shape, m } = jobs[next++]!;
          let inc = await file(shape);
          for (const u of users) {
            const change = m.change(inc);
            if (!change) continue;
            const want = O.mayChangeAudience(u, inc, change, orgOf);
            expected.set(want, (expected.get(want) ?? 0) + 1);
            const got = await m.run(u, inc);
            checks++;
            const where = `${m.name} | ${inc.reference} [${shape.label}] | ${u.key} (${u.label})`;
            if (got.outcome !== want) {
              const line = `${where} | expected ${want}, got ${got.outcome}${got.message ? ` (${got.message})` : ''}`;
              if (got.outcome === 'OK' || (want === 'NOT_FOUND' && got.outcome === 'FORBIDDEN')) allows.push(line);
              else if (want === 'OK') denies.push(line);
              else wrong.push(line);
            }
            if (got.outcome === 'OK') {
              // The audience now: what the oracle says the allowed change made of it (for an unexpected allow,
              // what the hub did is reported above; the probe shows who gained access through it).
              const changed = O.applyAudienceChange(inc, change);
              await probe(changed, `after ${where}`);
              inc = await file(shape);
            }
          }
          // The last incident of the round had only denied attempts: nobody's view changed.
          await probe(inc, `after denied ${m.name}`);
        }
      }),
    );
    console.log(
      `audience matrix: ${checks} checks, ${allows.length} unexpected allows, ${denies.length} unexpected denies, ${wrong.length} other mismatches; expected answers: ${[...expected].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    const report = [...allows.map((l) => `UNEXPECTED ALLOW  ${l}`), ...denies.map((l) => `UNEXPECTED DENY   ${l}`), ...wrong.map((l) => `MISMATCH          ${l}`)];
    if (report.length) console.log(report.join('\n'));
    expect(report).toEqual([]);
  }, 600_000);
});
