/**
 * The access matrix (issue 3, item 4; access-policy.md "How it is tested"): organizations of every kind,
 * users of every role, incidents across every TLP × LES × audience shape, asked through every path as every
 * user and compared with the plain oracle of `./oracle.ts`. Every single comparison is counted; every
 * unexpected allow, unexpected deny and wrong error code is collected and the test fails with the full list.
 *
 * Phases: filing (and who may file) · incident(id) / incidentByReference / timeline / comments · incidents:
 * membership, totalCount, every filter, full-text search · mergedInto / duplicates · every mutation as every
 * user on every shape (a mutation that changes rights gets a fresh incident per allowed user, or is put back by
 * the reporter) · the final state and lists after all of that · the audit log as AUDITORs.
 *
 * To keep the run short, a mutation on an incident the user may not see is asked once per mutation, user, TLP
 * label and failing rule (the read paths ask every shape), and a role that may change nothing (VIEWER,
 * ORG_ADMIN, AUDITOR, HUB_ADMIN) once per mutation, TLP label, LES flag and own-organization-or-not.
 * MATRIX_PROFILE=1 prints the requests made, by operation and answer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from './factories.js';
import { startTestHub, type GqlResponse, type TestHub } from './harness.js';
import * as O from './oracle.js';

// ── Principals ─────────────────────────────────────────────────────────────────────────────────────

interface MUser extends O.OracleUser {
  key: string;
  id: string;
  token: string;
}

const USER_DEFS: ReadonlyArray<[key: string, org: string, roles: O.Role[]]> = [
  ['orgAnalyst', 'county-orange', ['ANALYST']], // files the matrix incidents
  ['orgAnalyst2', 'county-orange', ['ANALYST']],
  ['orgViewer', 'county-orange', ['VIEWER']],
  ['orgAdmin', 'county-orange', ['ORG_ADMIN']],
  ['rivAnalyst', 'county-riverside', ['ANALYST']], // the affected county
  ['kernAnalyst', 'county-kern', ['ANALYST']], // the shared-with county
  ['kernViewer', 'county-kern', ['VIEWER']],
  ['fresnoAnalyst', 'county-fresno', ['ANALYST']], // a stranger
  ['fresnoAuditor', 'county-fresno', ['AUDITOR']],
  ['sosCoord', 'sos', ['COORDINATOR', 'ANALYST']],
  ['sosCoordOnly', 'sos', ['COORDINATOR']],
  ['sosAnalyst', 'sos', ['ANALYST']], // coordinator organization, no COORDINATOR role
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

/** Counties no matrix user belongs to: share targets that change nobody's view. */
const USERLESS_COUNTIES = [
  'alpine', 'amador', 'butte', 'calaveras', 'colusa', 'contra-costa', 'del-norte', 'el-dorado', 'glenn', 'humboldt',
  'imperial', 'inyo', 'kings', 'lake', 'lassen', 'madera', 'marin', 'mariposa', 'mendocino', 'merced', 'modoc', 'mono',
  'monterey', 'napa', 'nevada', 'placer', 'plumas', 'sacramento', 'san-benito', 'san-bernardino', 'san-diego',
].map((c) => `county-${c}`);

// ── Incidents ──────────────────────────────────────────────────────────────────────────────────────

interface Shape {
  label: string;
  reporter: string;
  tlp: O.Tlp;
  les: boolean;
  affected?: string[];
  shareWith?: string[];
  /** User keys (matrix users) or e-mails (spare users). */
  shareWithUsers?: string[];
  exercise?: boolean;
}

interface MIncident extends O.OracleIncident {
  shape: Shape;
  /** The unique words of its title and summary (for full-text search). */
  words: string[];
  /** Bodies of its comments (unique words). */
  comments: string[];
  /** Changed in a way the policy does not define (e.g. RED widened): left out of the final membership. */
  ambiguous: boolean;
  version: number | null;
  /** Some mutation succeeded on it. */
  dirty: boolean;
}

const SEVERITIES: O.Severity[] = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'];
const CATEGORIES = ['PHISHING', 'DROP_BOX_TAMPERING', 'MISINFORMATION', 'RANSOMWARE', 'OTHER', 'THREAT_TO_ELECTION_WORKERS', 'FOREIGN_INFLUENCE'];
const ALL_STATUSES: O.Status[] = ['REPORTED', 'TRIAGED', 'INVESTIGATING', 'CONTAINED', 'RESOLVED', 'CLOSED', 'REJECTED', 'MERGED'];
const OPEN_STATUSES: O.Status[] = ['REPORTED', 'TRIAGED', 'INVESTIGATING', 'CONTAINED'];

function countyShapes(tlps: O.Tlp[]): Shape[] {
  const out: Shape[] = [];
  for (const tlp of tlps) {
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
  return out;
}

const OTHER_REPORTER_SHAPES: Shape[] = [
  { label: 'AMBER LES plain by fbi', reporter: 'fbiAnalyst', tlp: 'AMBER', les: true },
  { label: 'GREEN LES plain by fbi', reporter: 'fbiAnalyst', tlp: 'GREEN', les: true },
  { label: 'RED LES named:sosCoord+chp by fbi', reporter: 'fbiAnalyst', tlp: 'RED', les: true, shareWithUsers: ['sosCoord', 'chpAnalyst'] },
  { label: 'AMBER_STRICT plain by sos', reporter: 'sosCoord', tlp: 'AMBER_STRICT', les: false },
  { label: 'AMBER LES affected:riverside by sos', reporter: 'sosCoord', tlp: 'AMBER', les: true, affected: ['county-riverside'] },
];

const EXERCISE_SHAPES: Shape[] = [
  { label: 'AMBER plain exercise', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, exercise: true },
  { label: 'GREEN shared:kern exercise', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, shareWith: ['county-kern'], exercise: true },
];

const READ_SHAPES: Shape[] = [...countyShapes(['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED']), ...OTHER_REPORTER_SHAPES, ...EXERCISE_SHAPES];

/**
 * Shapes for the mutation matrix: one of every group whose visibility and rights the oracle tells apart
 * (e.g. AMBER LES affected:riverside is left out: riverside fails the LES rule, so it is AMBER LES plain).
 */
const MUTATION_SHAPES: Shape[] = [
  ...countyShapes(['CLEAR', 'GREEN']).filter((s) => s.label.endsWith(' plain') && s.label !== 'CLEAR LES plain'),
  ...countyShapes(['AMBER', 'AMBER_STRICT']).filter((s) => !s.les || s.label.endsWith(' plain') || s.label.endsWith('shared:fbi')),
  ...countyShapes(['RED']).filter((s) => s.label !== 'RED LES named:orgAnalyst2+orgViewer'),
  ...OTHER_REPORTER_SHAPES,
];

// ── The tally ──────────────────────────────────────────────────────────────────────────────────────

interface Res {
  outcome: O.Outcome | string;
  message: string;
  data: any;
}

class Tally {
  checks = 0;
  /** How many checks expected each answer (visible, invisible, OK, FORBIDDEN, …): the matrix is not one-sided. */
  readonly expectedAnswers = new Map<string, number>();
  private note(answer: string): void {
    this.expectedAnswers.set(answer, (this.expectedAnswers.get(answer) ?? 0) + 1);
  }
  readonly allows: string[] = [];
  readonly denies: string[] = [];
  readonly wrong: string[] = [];

  private where(u: MUser | null, inc: MIncident | string | null, path: string): string {
    const who = u ? `${u.key} (${u.org} ${u.roles.join('+')})` : '-';
    const what = inc === null ? '-' : typeof inc === 'string' ? inc : `${inc.reference} [${inc.label}${inc.status !== 'REPORTED' ? `, ${inc.status}` : ''}]`;
    return `${path} | user ${who} | incident ${what}`;
  }

  /** A visibility answer: true = the user got the object. */
  see(u: MUser, inc: MIncident, path: string, expected: boolean, got: boolean, detail = ''): void {
    this.checks++;
    this.note(expected ? 'visible' : 'invisible');
    if (expected === got) return;
    const line = `${this.where(u, inc, path)} | expected ${expected ? 'visible' : 'invisible'}, got ${got ? 'visible' : 'invisible'}${detail ? ` | ${detail}` : ''}`;
    (got ? this.allows : this.denies).push(line);
  }

  /** A mutation's authorization. */
  outcome(u: MUser, inc: MIncident | string, path: string, expected: O.Outcome, got: Res): void {
    this.checks++;
    this.note(expected);
    if (expected === got.outcome) return;
    const line = `${this.where(u, inc, path)} | expected ${expected}, got ${got.outcome}${got.outcome === 'OK' ? '' : ` (${got.message})`}`;
    if (got.outcome === 'OK') this.allows.push(line);
    else if (expected === 'OK') this.denies.push(line);
    else if (expected === 'NOT_FOUND' && got.outcome === 'FORBIDDEN') this.allows.push(`${line} | reveals that the incident exists`);
    else this.wrong.push(line);
  }

  /** A count: more than expected is an allow, fewer a deny. */
  count(u: MUser, what: string, path: string, expected: number, got: number | null | undefined): void {
    this.checks++;
    if (expected === got) return;
    const line = `${this.where(u, what, path)} | expected ${expected}, got ${got}`;
    if (typeof got === 'number' && got > expected) this.allows.push(line);
    else this.denies.push(line);
  }

  /** Anything else (a field's value, a message, a leak in JSON). kind decides which list a failure joins. */
  fact(u: MUser | null, inc: MIncident | string | null, path: string, ok: boolean, detail: string, kind: 'allow' | 'deny' | 'wrong' = 'wrong'): void {
    this.checks++;
    if (ok) return;
    const line = `${this.where(u, inc, path)} | ${detail}`;
    (kind === 'allow' ? this.allows : kind === 'deny' ? this.denies : this.wrong).push(line);
  }
}

// ── Helpers ────────────────────────────────────────────────────────────────────────────────────────

function toRes(r: GqlResponse<any>, field?: string): Res {
  const err = r.errors?.[0];
  if (err) return { outcome: String(err.extensions?.code ?? `INTERNAL(${r.status})`), message: err.message, data: r.data };
  return { outcome: 'OK', message: '', data: field ? r.data?.[field] : r.data };
}

async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface AliasPart {
  /** GraphQL type of the variable, e.g. `ID!`. */
  type: string;
  /** The field with `$v` where the variable goes, e.g. `incident(id: $v) { id }`. */
  field: string;
  value: unknown;
}

/** Up to 15 aliased fields in one query; returns each alias's data (or its error). */
async function aliasQuery(hub: TestHub, token: string, parts: AliasPart[]): Promise<Array<{ data: any; error: string | null }>> {
  const decls = parts.map((p, k) => `$v${k}: ${p.type}`).join(', ');
  const body = parts.map((p, k) => `a${k}: ${p.field.replaceAll('$v', `$v${k}`)}`).join('\n');
  const vars: Record<string, unknown> = {};
  parts.forEach((p, k) => (vars[`v${k}`] = p.value));
  const r = await hub.gql<any>(token, `query(${decls}) {\n${body}\n}`, vars);
  if (!r.data && parts.length > 1 && /cost limit/i.test(r.errors?.[0]?.message ?? '')) {
    // the server's cost limit (it counts `first`): ask in two halves
    const half = Math.ceil(parts.length / 2);
    return [...(await aliasQuery(hub, token, parts.slice(0, half))), ...(await aliasQuery(hub, token, parts.slice(half)))];
  }
  if (!r.data) throw new Error(`aliased query failed: ${JSON.stringify(r.errors)}`);
  return parts.map((_, k) => {
    const e = r.errors?.find((x: any) => x.path?.[0] === `a${k}`);
    return { data: r.data?.[`a${k}`] ?? null, error: e ? `${e.extensions?.code ?? 'ERROR'}: ${e.message}` : null };
  });
}

function unique(prefix: string, n: number): string {
  // letters and digits: one token for PostgreSQL's parser, not stemmed
  return `${prefix}${n}q${randomBytes(3).toString('hex')}`;
}

const INCIDENT_FIELDS = 'id reference title tlp lawEnforcementSensitive status severity version';

const M = {
  file: `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { ${INCIDENT_FIELDS} } }`,
  comment: `mutation($id: ID!, $body: String!) { addIncidentComment(id: $id, body: $body) { id kind body } }`,
  update: `mutation($id: ID!, $input: UpdateIncidentInput!, $v: Int!) { updateIncident(id: $id, input: $input, expectedVersion: $v) { id version } }`,
  transition: `mutation($id: ID!, $to: IncidentStatus!, $note: String) { transitionIncident(id: $id, to: $to, note: $note) { id status } }`,
  merge: `mutation($id: ID!, $into: ID!) { mergeIncident(id: $id, intoId: $into) { id status } }`,
  assign: `mutation($id: ID!, $org: String!, $user: String) { assignIncident(id: $id, organization: $org, user: $user) { id } }`,
  share: `mutation($id: ID!, $orgs: [String!], $users: [String!]) { shareIncident(id: $id, organizations: $orgs, users: $users) { id } }`,
  tlp: `mutation($id: ID!, $tlp: Tlp!) { setIncidentTlp(id: $id, tlp: $tlp) { id tlp } }`,
  les: `mutation($id: ID!, $v: Boolean!) { setIncidentLawEnforcementSensitive(id: $id, value: $v) { id lawEnforcementSensitive } }`,
};

// ── The test ───────────────────────────────────────────────────────────────────────────────────────

describe('access matrix (access-policy.md)', () => {
  let hub: TestHub;
  const tally = new Tally();
  const users: MUser[] = [];
  const byKey = new Map<string, MUser>();
  const spares: MUser[] = [];
  const incidents: MIncident[] = [];
  const commentOwner = new Map<string, MIncident>();
  const timings: string[] = [];
  let seq = 0;
  let shareCounty = 0;
  let spareNext = 0;
  const started = Date.now();

  const U = (key: string): MUser => {
    const u = byKey.get(key);
    if (!u) throw new Error(`no user ${key}`);
    return u;
  };
  const emailOf = (keyOrEmail: string): string => (keyOrEmail.includes('@') ? keyOrEmail : U(keyOrEmail).email);

  async function timed(name: string, fn: () => Promise<void>): Promise<void> {
    const t0 = Date.now();
    await fn();
    timings.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }

  function fileInput(shape: Shape, n: number, words: [string, string]) {
    return {
      title: `Matrix ${words[0]} ${shape.label}`,
      summary: `Filed by the access matrix test; search word ${words[1]}.`,
      category: CATEGORIES[n % CATEGORIES.length],
      severity: SEVERITIES[n % SEVERITIES.length],
      tlp: shape.tlp,
      affectedCounties: shape.affected ?? [],
      shareWith: shape.shareWith ?? [],
      shareWithUsers: (shape.shareWithUsers ?? []).map(emailOf),
      lawEnforcementSensitive: shape.les,
      exercise: shape.exercise ?? false,
    };
  }

  function track(shape: Shape, reporter: MUser, input: ReturnType<typeof fileInput>, data: any, words: string[]): MIncident {
    const inc: MIncident = {
      label: `${shape.label}${shape.reporter === 'orgAnalyst' || shape.label.includes(' by ') ? '' : ` by ${reporter.org}`}`,
      id: data.id,
      reference: data.reference,
      title: input.title,
      tlp: shape.tlp,
      les: shape.les,
      exercise: shape.exercise ?? false,
      severity: input.severity as O.Severity,
      category: input.category as string,
      status: 'REPORTED',
      reportingOrg: reporter.org,
      reportingUser: reporter.email,
      affectedCounties: [...(shape.affected ?? [])],
      sharedOrgs: [...(shape.shareWith ?? [])],
      recipients: (shape.shareWithUsers ?? []).map(emailOf),
      mergedInto: null,
      shape,
      words,
      comments: [],
      ambiguous: false,
      version: typeof data.version === 'number' ? data.version : null,
      dirty: false,
    };
    incidents.push(inc);
    return inc;
  }

  /** Files an incident of a shape (expected to succeed) and tracks it. */
  async function file(shape: Shape): Promise<MIncident> {
    const n = ++seq;
    const words: [string, string] = [unique('zt', n), unique('zs', n)];
    const reporter = U(shape.reporter);
    const input = fileInput(shape, n, words);
    const r = await hub.gql<any>(reporter.token, M.file, { input });
    if (r.errors || !r.data?.fileIncident) throw new Error(`filing "${shape.label}" as ${reporter.key} failed: ${JSON.stringify(r.errors)}`);
    return track(shape, reporter, input, r.data.fileIncident, words);
  }

  async function versionOf(inc: MIncident): Promise<number> {
    if (inc.version !== null) return inc.version;
    const r = await hub.gql<any>(U(inc.shape.reporter).token, `query($id: ID!) { incident(id: $id) { version } }`, { id: inc.id });
    const v = r.data?.incident?.version;
    if (typeof v !== 'number') throw new Error(`cannot read the version of ${inc.reference} as its reporter: ${JSON.stringify(r.errors ?? r.data)}`);
    inc.version = v;
    return v;
  }

  const profile = new Map<string, { n: number; ms: number }>();
  beforeAll(async () => {
    hub = await startTestHub();
    if (process.env.MATRIX_PROFILE) {
      const raw = hub.gql;
      hub.gql = async (token, query, variables) => {
        const t0 = performance.now();
        const r = await raw(token, query, variables);
        const key = `${/^\s*mutation/.test(query) ? 'M ' : 'Q '}${(query.match(/\{\s*(\w+)/)?.[1] ?? '?')} ${r.errors ? r.errors[0]?.extensions?.code ?? 'ERR' : 'OK'}`;
        const p = profile.get(key) ?? { n: 0, ms: 0 };
        p.n++;
        p.ms += performance.now() - t0;
        profile.set(key, p);
        return r;
      };
    }
    for (const [key, org, roles] of USER_DEFS) {
      const t = await makeUser(hub.deps, org, roles, key.toLowerCase());
      const u: MUser = { key, label: `${org} ${roles.join('+')}`, email: t.email, org, roles: [...roles], id: t.id, token: t.token };
      users.push(u);
      byKey.set(key, u);
    }
    for (let k = 0; k < 3; k++) {
      const t = await makeUser(hub.deps, 'county-alameda', ['ANALYST'], `spare${k}`);
      spares.push({ key: `spare${k}`, label: 'county-alameda ANALYST', email: t.email, org: 'county-alameda', roles: ['ANALYST'], id: t.id, token: t.token });
    }
  });

  afterAll(async () => {
    await hub?.close();
  });

  // ── Phase 1: filing ──────────────────────────────────────────────────────────────────────────────

  it('files the read-matrix incidents; filing itself is authorized as the oracle says', async () => {
    await timed('filing', async () => {
      for (const shape of READ_SHAPES) await file(shape);

      // Every user files an AMBER incident: analysts and coordinators may, nobody else.
      for (const u of users) {
        const shape: Shape = { label: `AMBER plain by ${u.key}`, reporter: u.key, tlp: 'AMBER', les: false };
        const n = ++seq;
        const words: [string, string] = [unique('zt', n), unique('zs', n)];
        const input = fileInput(shape, n, words);
        const res = toRes(await hub.gql<any>(u.token, M.file, { input }), 'fileIncident');
        tally.outcome(u, shape.label, 'fileIncident', O.expectFile(u), res);
        if (res.outcome === 'OK') track(shape, u, input, res.data, words);
      }

      // Input rules that are part of the policy: RED needs a named recipient and takes no organizations.
      const reporter = U('orgAnalyst');
      const bad: Array<[string, Shape]> = [
        ['RED without named recipients', { label: 'RED no recipients', reporter: 'orgAnalyst', tlp: 'RED', les: false }],
        ['RED shared with an organization', { label: 'RED with shareWith', reporter: 'orgAnalyst', tlp: 'RED', les: false, shareWithUsers: ['kernAnalyst'], shareWith: ['county-kern'] }],
        ['affected county that is not a county', { label: 'affected sos', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, affected: ['sos'] }],
      ];
      for (const [what, shape] of bad) {
        const n = ++seq;
        const words: [string, string] = [unique('zt', n), unique('zs', n)];
        const input = fileInput(shape, n, words);
        const res = toRes(await hub.gql<any>(reporter.token, M.file, { input }), 'fileIncident');
        tally.outcome(reporter, what, 'fileIncident', 'BAD_USER_INPUT', res);
        if (res.outcome === 'OK') track(shape, reporter, input, res.data, words);
      }

      // Give every incident a comment by its reporter, and let a coordinator triage some.
      for (const inc of incidents) {
        const rep = U(inc.shape.reporter);
        const body = unique('zc', incidents.indexOf(inc));
        const res = toRes(await hub.gql<any>(rep.token, M.comment, { id: inc.id, body }), 'addIncidentComment');
        tally.outcome(rep, inc, 'addIncidentComment (as reporter, setup)', O.expectComment(rep, inc), res);
        if (res.outcome === 'OK') {
          inc.comments.push(body);
          if (res.data?.id) commentOwner.set(res.data.id, inc);
          inc.version = null;
        }
      }
      const coord = U('sosCoord');
      let k = 0;
      for (const inc of incidents) {
        if (!O.canSee(coord, inc) || k++ % 3 !== 0) continue;
        const res = toRes(await hub.gql<any>(coord.token, M.transition, { id: inc.id, to: 'TRIAGED', note: 'matrix setup' }), 'transitionIncident');
        tally.outcome(coord, inc, 'transitionIncident(TRIAGED) (setup)', O.expectTransition(coord, inc, 'TRIAGED'), res);
        if (res.outcome === 'OK') {
          inc.status = 'TRIAGED';
          inc.version = null;
        }
      }
    });
    expect(incidents.length).toBeGreaterThan(50);
  }, 600_000);

  // ── Phase 2: reads ───────────────────────────────────────────────────────────────────────────────

  it('incident(id), incidentByReference, timeline and comments', async () => {
    await timed('by id / reference', async () => {
      const snapshot = [...incidents];
      await runPool(users, 4, async (u) => {
        for (const part of chunk(snapshot, 10)) {
          const res = await aliasQuery(
            hub,
            u.token,
            part.map((inc) => ({
              type: 'ID!',
              value: inc.id,
              field: `incident(id: $v) { ${INCIDENT_FIELDS} comments { totalCount edges { node { kind body } } } timeline { totalCount edges { node { kind body change } } } }`,
            })),
          );
          part.forEach((inc, k) => {
            const { data: got, error } = res[k]!;
            const visible = O.canSee(u, inc);
            tally.see(u, inc, 'incident(id)', visible, got !== null, error ?? '');
            if (!visible || got === null) return;
            tally.fact(u, inc, 'incident(id).title', got.title === inc.title && got.reference === inc.reference, `got ${got.reference} "${got.title}"`);
            tally.fact(u, inc, 'incident(id).tlp/les', got.tlp === inc.tlp && got.lawEnforcementSensitive === inc.les, `got ${got.tlp} LES=${got.lawEnforcementSensitive}`);
            const bodies = (got.comments?.edges ?? []).map((e: any) => e.node.body);
            for (const c of inc.comments) tally.fact(u, inc, 'incident(id).comments', bodies.includes(c), `comment ${c} missing (got ${JSON.stringify(bodies)})`, 'deny');
            const kinds: string[] = (got.timeline?.edges ?? []).map((e: any) => e.node.kind);
            tally.fact(u, inc, 'incident(id).timeline FILED', kinds.includes('FILED'), `kinds ${kinds.join(',')}`, 'deny');
            if (inc.comments.length) tally.fact(u, inc, 'incident(id).timeline COMMENT', kinds.includes('COMMENT'), `kinds ${kinds.join(',')}`, 'deny');
            if (inc.status === 'TRIAGED') tally.fact(u, inc, 'incident(id).timeline STATUS_CHANGED', kinds.includes('STATUS_CHANGED'), `kinds ${kinds.join(',')}`, 'deny');
          });
        }
        for (const part of chunk(snapshot, 15)) {
          const res = await aliasQuery(hub, u.token, part.map((inc) => ({ type: 'String!', value: inc.reference, field: 'incidentByReference(reference: $v) { id }' })));
          part.forEach((inc, k) => {
            const { data: got, error } = res[k]!;
            tally.see(u, inc, 'incidentByReference', O.canSee(u, inc), got !== null, error ?? '');
            if (got) tally.fact(u, inc, 'incidentByReference id', got.id === inc.id, `got id ${got.id}`);
          });
        }
        // A random id and a reference that does not exist answer exactly like an invisible incident: null.
        const ghost = await aliasQuery(hub, u.token, [
          { type: 'ID!', value: randomUUID(), field: 'incident(id: $v) { id }' },
          { type: 'String!', value: 'ESTF-2026-99999', field: 'incidentByReference(reference: $v) { id }' },
        ]);
        tally.fact(u, 'random id', 'incident(id)', ghost[0]!.data === null && ghost[0]!.error === null, `got ${JSON.stringify(ghost[0])}`);
        tally.fact(u, 'ESTF-2026-99999', 'incidentByReference', ghost[1]!.data === null && ghost[1]!.error === null, `got ${JSON.stringify(ghost[1])}`);
      });
    });
  }, 600_000);

  it('incidents: list membership, totalCount, every filter, full-text search', async () => {
    const known = new Set(incidents.map((i) => i.id));
    const filters: Array<{ name: string; filter: Record<string, unknown> }> = [
      { name: 'no filter', filter: {} },
      ...O.TLP_ORDER.map((t) => ({ name: `tlp ${t}`, filter: { tlp: [t] } })),
      { name: 'tlp AMBER,RED', filter: { tlp: ['AMBER', 'RED'] } },
      { name: 'severityAtLeast HIGH', filter: { severityAtLeast: 'HIGH' } },
      { name: 'severityAtLeast CRITICAL', filter: { severityAtLeast: 'CRITICAL' } },
      { name: 'affectedCounty riverside', filter: { affectedCounty: 'county-riverside' } },
      { name: 'affectedCounty kern', filter: { affectedCounty: 'county-kern' } },
      { name: 'reportingOrganization county-orange', filter: { reportingOrganization: 'county-orange' } },
      { name: 'reportingOrganization fbi', filter: { reportingOrganization: 'fbi' } },
      { name: 'reportingOrganization sos', filter: { reportingOrganization: 'sos' } },
      { name: 'reportingOrganization cisa', filter: { reportingOrganization: 'cisa' } },
      { name: 'statuses TRIAGED', filter: { statuses: ['TRIAGED'] } },
      { name: 'statuses REPORTED', filter: { statuses: ['REPORTED'] } },
      { name: 'categories PHISHING,RANSOMWARE', filter: { categories: ['PHISHING', 'RANSOMWARE'] } },
      { name: 'domains PHYSICAL', filter: { domains: ['PHYSICAL'] } },
      { name: 'domains INFORMATION,OTHER', filter: { domains: ['INFORMATION', 'OTHER'] } },
      { name: 'exercise true', filter: { exercise: true } },
      { name: 'exercise true, tlp GREEN', filter: { exercise: true, tlp: ['GREEN'] } },
      { name: 'tlp AMBER + affectedCounty riverside', filter: { tlp: ['AMBER'], affectedCounty: 'county-riverside' } },
      { name: 'tlp AMBER_STRICT + severityAtLeast MODERATE', filter: { tlp: ['AMBER_STRICT'], severityAtLeast: 'MODERATE' } },
      { name: 'updatedSince (before the test)', filter: { updatedSince: new Date(started - 60_000).toISOString() } },
    ];
    // the unique word of each title; the summaries' words for a third of them
    const texts = incidents.flatMap((inc, k) => inc.words.slice(0, k % 3 === 0 ? 2 : 1).map((w) => ({ name: `text "${w}"`, filter: { text: w } })));
    await timed('lists and filters', async () => {
      await runPool(users, 4, async (u) => {
        // wide lists a few at a time (aliasQuery splits them further when over the cost limit), searches 15 at a time
        const wide = incidents.length + 10;
        for (const part of [...chunk(filters, 4), ...chunk(texts, 15)]) {
          const first = part[0]!.filter.text === undefined ? wide : 5;
          const res = await aliasQuery(
            hub,
            u.token,
            part.map((f) => ({ type: 'IncidentFilter', value: f.filter, field: `incidents(filter: $v, first: ${first}) { totalCount edges { node { id } } }` })),
          );
          part.forEach((f, k) => {
            const { data, error } = res[k]!;
            const path = `incidents(${f.name})`;
            if (!data) {
              tally.fact(u, null, path, false, `error ${error}`, 'deny');
              return;
            }
            const got = new Set<string>((data.edges ?? []).map((e: any) => e.node.id));
            let expectedCount = 0;
            const text = (f.filter as O.OracleFilter).text;
            const others: string[] = [];
            for (const inc of incidents) {
              const expected = O.canSee(u, inc) && O.matchesFilter(inc, f.filter as O.OracleFilter, inc.words);
              if (expected) expectedCount++;
              // a search word belongs to one incident: that one is a check; any other one answered is an allow
              if (text !== undefined && !inc.words.includes(text)) {
                if (got.has(inc.id)) others.push(`${inc.reference} [${inc.label}]`);
                continue;
              }
              tally.see(u, inc, path, expected, got.has(inc.id));
            }
            if (text !== undefined) tally.fact(u, null, path, others.length === 0, `answered incidents without the word: ${others.join(', ')}`, 'allow');
            tally.count(u, f.name, `${path}.totalCount`, expectedCount, data.totalCount);
            const strangers = [...got].filter((id) => !known.has(id));
            tally.fact(u, null, path, strangers.length === 0, `ids the test never filed: ${strangers.join(', ')}`, 'allow');
          });
        }
      });
    });
  }, 600_000);

  // ── Phase 3: links between incidents ─────────────────────────────────────────────────────────────

  it('mergedInto / duplicates never reveal an invisible incident', async () => {
    await timed('links', async () => {
      const pairs: Array<[Shape, Shape]> = [
        [{ label: 'AMBER plain (merge source)', reporter: 'orgAnalyst', tlp: 'AMBER', les: false }, { label: 'GREEN plain (merge target)', reporter: 'orgAnalyst', tlp: 'GREEN', les: false }],
        [{ label: 'GREEN plain (merge source)', reporter: 'orgAnalyst', tlp: 'GREEN', les: false }, { label: 'AMBER plain (merge target)', reporter: 'orgAnalyst', tlp: 'AMBER', les: false }],
        [
          { label: 'AMBER_STRICT affected:riverside (merge source)', reporter: 'orgAnalyst', tlp: 'AMBER_STRICT', les: false, affected: ['county-riverside'] },
          { label: 'AMBER shared:kern (merge target)', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, shareWith: ['county-kern'] },
        ],
        [
          { label: 'RED named:sosCoordOnly+cisa (merge source)', reporter: 'orgAnalyst', tlp: 'RED', les: false, shareWithUsers: ['sosCoordOnly', 'cisaAnalyst'] },
          { label: 'GREEN plain (merge target)', reporter: 'orgAnalyst', tlp: 'GREEN', les: false },
        ],
        [{ label: 'AMBER LES plain by sos (merge source)', reporter: 'sosCoord', tlp: 'AMBER', les: true }, { label: 'GREEN plain by cisa (merge target)', reporter: 'cisaAnalyst', tlp: 'GREEN', les: false }],
        [{ label: 'GREEN plain by cisa (merge source)', reporter: 'cisaAnalyst', tlp: 'GREEN', les: false }, { label: 'AMBER LES shared:chp by sos (merge target)', reporter: 'sosCoord', tlp: 'AMBER', les: true, shareWith: ['chp'] }],
      ];
      const coordinators = users.filter(O.isTriageCoordinator);
      const merged: Array<[MIncident, MIncident]> = [];
      for (const [sShape, tShape] of pairs) {
        const source = await file(sShape);
        const into = await file(tShape);
        const coord = coordinators.find((c) => O.canSee(c, source) && O.canSee(c, into));
        if (!coord) throw new Error(`no coordinator sees both ${sShape.label} and ${tShape.label}`);
        const res = toRes(await hub.gql<any>(coord.token, M.merge, { id: source.id, into: into.id }), 'mergeIncident');
        tally.outcome(coord, source, `mergeIncident(into ${into.label})`, O.expectMerge(coord, source, into), res);
        if (res.outcome !== 'OK') continue;
        source.status = 'MERGED';
        source.mergedInto = into.id;
        source.dirty = into.dirty = true;
        source.version = into.version = null;
        merged.push([source, into]);
      }
      const sel = 'id mergedInto { id reference title } duplicates { id reference title } timeline(first: 30) { edges { node { kind body change } } }';
      await runPool(users, 4, async (u) => {
        for (const part of chunk(merged, 1)) {
          const res = await aliasQuery(
            hub,
            u.token,
            part.flatMap(([s, t]) => [
              { type: 'ID!', value: s.id, field: `incident(id: $v) { ${sel} }` },
              { type: 'ID!', value: t.id, field: `incident(id: $v) { ${sel} }` },
            ]),
          );
          part.forEach(([s, t], k) => {
            const gs = res[2 * k]!.data;
            const gt = res[2 * k + 1]!.data;
            tally.see(u, s, 'incident(id) (merged source)', O.canSee(u, s), gs !== null);
            tally.see(u, t, 'incident(id) (merge target)', O.canSee(u, t), gt !== null);
            if (gs) {
              tally.see(u, t, `incident(${s.reference}).mergedInto`, O.canSee(u, t), gs.mergedInto !== null, `got ${JSON.stringify(gs.mergedInto)}`);
              if (gs.mergedInto) tally.fact(u, s, 'mergedInto.id', gs.mergedInto.id === t.id, `got ${gs.mergedInto.id}`);
              if (!O.canSee(u, t)) leakScan(u, s, 'timeline of the merged source', JSON.stringify(gs), [t]);
            }
            if (gt) {
              const dup = (gt.duplicates ?? []).map((d: any) => d.id);
              tally.see(u, s, `incident(${t.reference}).duplicates`, O.canSee(u, s), dup.includes(s.id), `got ${JSON.stringify(dup)}`);
              if (!O.canSee(u, s)) leakScan(u, t, 'timeline of the merge target', JSON.stringify(gt), [s]);
            }
          });
        }
      });
    });
  }, 600_000);

  /** Whether `json` (something `u` may see) mentions any of `hidden` (incidents `u` may not see). */
  function leakScan(u: MUser, where: MIncident | string | null, path: string, json: string, hidden: MIncident[]): void {
    const found: string[] = [];
    for (const h of hidden) {
      for (const token of [h.id, h.reference, ...h.words, ...h.comments]) {
        if (token && json.includes(token)) found.push(`${token} (of ${h.reference} [${h.label}])`);
      }
    }
    tally.fact(u, where, path, found.length === 0, `mentions invisible incidents: ${found.join(', ')}`, 'allow');
  }

  // ── Phase 4: every mutation's authorization ──────────────────────────────────────────────────────

  interface MutationSpec {
    name: string;
    /** null: do not ask this user (the incident is not in the state the check needs). */
    expect(u: MUser, inc: MIncident): O.Outcome | null;
    run(u: MUser, inc: MIncident): Promise<Res>;
    apply?(inc: MIncident, u: MUser, res: Res): void;
    /** The mutation changes what the next user may do: each allowed user gets an incident of its own. */
    freshPerAllowed: boolean;
    /** Puts a changed incident back as it was (as its reporter), so the next allowed user can use it too. */
    restore?(inc: MIncident): { name: string; expected: O.Outcome; run(): Promise<Res>; apply(): void } | null;
  }

  const ghostAsked = new Set<string>();
  /**
   * An incident the user may not see is asked once per mutation, user and reason (its TLP label, and which of
   * the TLP and LES rules shuts the user out): the read paths ask every shape; this keeps the run short.
   */
  const notFoundAsked = new Set<string>();
  const roleRefusalAsked = new Set<string>();

  async function attempt(spec: MutationSpec, u: MUser, inc: MIncident): Promise<void> {
    const expected = spec.expect(u, inc);
    if (expected === null) return;
    if (expected === 'NOT_FOUND') {
      const key = `${spec.name.split('(')[0]}|${u.key}|${inc.tlp}|${O.passesTlpRule(u, inc) ? '' : 'tlp'}|${O.passesLesRule(u, inc) ? '' : 'les'}`;
      if (notFoundAsked.has(key)) return;
      notFoundAsked.add(key);
    }
    if (expected === 'FORBIDDEN' && !O.actsAsAnalyst(u)) {
      // a role that may change nothing: once per mutation, TLP label, LES flag and own-organization-or-not
      const key = `${spec.name.split('(')[0]}|${u.key}|${inc.tlp}|${inc.les}|${u.org === inc.reportingOrg}`;
      if (roleRefusalAsked.has(key)) return;
      roleRefusalAsked.add(key);
    }
    const res = await spec.run(u, inc);
    tally.outcome(u, inc, spec.name, expected, res);
    if (res.outcome === 'OK') {
      inc.dirty = true;
      inc.version = null;
      spec.apply?.(inc, u, res);
    }
    // An invisible incident answers exactly like one that does not exist (once per mutation and user).
    if (expected === 'NOT_FOUND' && res.outcome === 'NOT_FOUND' && !ghostAsked.has(`${spec.name}/${u.key}`)) {
      ghostAsked.add(`${spec.name}/${u.key}`);
      const ghost: MIncident = { ...inc, id: randomUUID(), reference: 'ESTF-2026-99999', version: 1 };
      const g = await spec.run(u, ghost);
      const norm = (m: string, id: string) => m.replaceAll(id, '<id>');
      tally.fact(
        u,
        inc,
        `${spec.name} (invisible vs non-existent)`,
        g.outcome === 'NOT_FOUND' && norm(g.message, ghost.id) === norm(res.message, inc.id),
        `non-existent id: ${g.outcome} "${g.message}"; invisible: ${res.outcome} "${res.message}"`,
        'allow',
      );
    }
  }

  /** Asks every user: first those expected to be refused (on one incident), then those expected to succeed. */
  async function mutationMatrix(shape: Shape, spec: MutationSpec, pool?: MIncident): Promise<void> {
    const p = pool ?? (await file(shape));
    const allowed: MUser[] = [];
    for (const u of users) {
      const e = spec.expect(u, p);
      if (e === 'OK') allowed.push(u);
      else if (e !== null) await attempt(spec, u, p);
    }
    for (const u of allowed) {
      const target = spec.freshPerAllowed && p.dirty ? await file(shape) : p;
      await attempt(spec, u, target);
      const back = target.dirty && spec.restore ? spec.restore(target) : null;
      if (back) {
        const rep = U(target.shape.reporter);
        const res = await back.run();
        tally.outcome(rep, target, back.name, back.expected, res);
        if (res.outcome === 'OK') {
          back.apply();
          target.version = null;
          target.dirty = false;
        }
      }
    }
  }

  const gqlRes = async (u: MUser, query: string, vars: Record<string, unknown>, field: string) => toRes(await hub.gql<any>(u.token, query, vars), field);

  const tlpOrder = (t: O.Tlp) => O.TLP_ORDER.indexOf(t);

  async function mutationsForShape(shape: Shape, mergeTarget: MIncident, hiddenFromCoordinators: MIncident): Promise<void> {
    // comments, edits, assignment and sharing (to audiences nobody in the matrix belongs to) change no one's rights
    const m = await file(shape);
    await mutationMatrix(shape, {
      name: 'addIncidentComment',
      freshPerAllowed: false,
      expect: O.expectComment,
      run: (u, inc) => gqlRes(u, M.comment, { id: inc.id, body: unique('zc', seq) }, 'addIncidentComment'),
      apply: (inc, _u, res) => {
        if (res.data?.body) inc.comments.push(res.data.body);
        if (res.data?.id) commentOwner.set(res.data.id, inc);
      },
    }, m);
    for (const [what, fields] of [
      ['title', ['title']],
      ['severity', ['severity']],
      ['severity+summary', ['severity', 'summary']],
    ] as const) {
      await mutationMatrix(shape, {
        name: `updateIncident(${what})`,
        freshPerAllowed: false,
        // severity with another field differs from `title` only for triage coordinators
        expect: (u, inc) => (fields.length > 1 && !O.isTriageCoordinator(u) ? null : O.expectUpdate(u, inc, [...fields])),
        run: async (u, inc) => {
          const input: Record<string, unknown> = {};
          const f: readonly string[] = fields;
          if (f.includes('title')) input.title = `${inc.title} (edited)`;
          if (f.includes('summary')) input.summary = `Edited by ${u.key}.`;
          if (f.includes('severity')) input.severity = SEVERITIES[(SEVERITIES.indexOf(inc.severity) + 1) % 4];
          const res = await gqlRes(u, M.update, { id: inc.id, input, v: await versionOf(inc) }, 'updateIncident');
          return { ...res, data: { ...res.data, input } };
        },
        apply: (inc, _u, res) => {
          if (res.data.input.severity) inc.severity = res.data.input.severity;
          if (typeof res.data.version === 'number') inc.version = res.data.version;
        },
      }, m);
    }
    // A stale expectedVersion is a CONFLICT for whoever may edit.
    for (const u of users) {
      for (const fields of O.isTriageCoordinator(u) ? [['severity']] : [['title']]) {
        if (O.expectUpdate(u, m, fields) !== 'OK') continue;
        const v = await versionOf(m);
        if (v < 1) continue;
        const input = fields[0] === 'title' ? { title: `${m.title} (stale)` } : { severity: SEVERITIES[(SEVERITIES.indexOf(m.severity) + 1) % 4] };
        const res = await gqlRes(u, M.update, { id: m.id, input, v: v - 1 }, 'updateIncident');
        tally.outcome(u, m, `updateIncident(${fields[0]}, stale expectedVersion)`, O.expectUpdate(u, m, fields, true), res);
        if (res.outcome === 'OK') {
          m.version = null;
          if ('severity' in input && input.severity) m.severity = input.severity as O.Severity;
        }
      }
    }
    await mutationMatrix(shape, {
      name: 'assignIncident',
      freshPerAllowed: false,
      expect: O.expectAssign,
      run: (u, inc) => gqlRes(u, M.assign, { id: inc.id, org: inc.reportingOrg, user: inc.reportingUser }, 'assignIncident'),
    }, m);
    await mutationMatrix(shape, {
      name: shape.tlp === 'RED' ? 'shareIncident(users)' : 'shareIncident(organizations)',
      freshPerAllowed: false,
      expect: (u, inc) => O.expectShare(u, inc, inc.tlp === 'RED' ? { users: ['x'] } : { orgs: ['x'] }),
      run: (u, inc) => {
        if (inc.tlp === 'RED') {
          const spare = spares[spareNext++ % spares.length]!;
          return gqlRes(u, M.share, { id: inc.id, users: [spare.email] }, 'shareIncident').then((r) => ({ ...r, data: { users: [spare.email] } }));
        }
        const org = USERLESS_COUNTIES[shareCounty++ % USERLESS_COUNTIES.length]!;
        return gqlRes(u, M.share, { id: inc.id, orgs: [org] }, 'shareIncident').then((r) => ({ ...r, data: { orgs: [org] } }));
      },
      apply: (inc, _u, res) => {
        for (const e of res.data?.users ?? []) if (!inc.recipients.includes(e)) inc.recipients.push(e);
        for (const o of res.data?.orgs ?? []) if (!inc.sharedOrgs.includes(o)) inc.sharedOrgs.push(o);
      },
    }, m);
    if (shape.tlp === 'RED') {
      const rep = U(shape.reporter);
      const res = await gqlRes(rep, M.share, { id: m.id, orgs: ['county-butte'] }, 'shareIncident');
      tally.outcome(rep, m, 'shareIncident(organizations) on RED', O.expectShare(rep, m, { orgs: ['county-butte'] }), res);
      if (res.outcome === 'OK') m.sharedOrgs.push('county-butte');
    }

    // transitions: a chain through the life cycle, and REJECTED / invalid ones on an incident of their own
    await transitionChain(shape);
    const r = await file(shape);
    const rep = U(shape.reporter);
    {
      const res = await gqlRes(rep, M.transition, { id: r.id, to: 'INVESTIGATING' }, 'transitionIncident');
      const expected = O.expectTransition(rep, r, 'INVESTIGATING');
      tally.outcome(rep, r, 'transitionIncident(REPORTED → INVESTIGATING)', expected, res);
      if (res.outcome === 'BAD_USER_INPUT') {
        const named = ['REPORTED', 'TRIAGED', 'REJECTED'].every((s) => res.message.includes(s));
        tally.fact(rep, r, 'transitionIncident error message', named, `should name REPORTED and the allowed TRIAGED, REJECTED: "${res.message}"`);
      }
      if (res.outcome === 'OK') r.status = 'INVESTIGATING';
    }
    for (const c of users.filter((x) => O.isTriageCoordinator(x) && O.canSee(x, r))) {
      const res = await gqlRes(c, M.transition, { id: r.id, to: 'MERGED' }, 'transitionIncident');
      tally.outcome(c, r, 'transitionIncident(MERGED)', O.expectTransition(c, r, 'MERGED'), res);
      if (res.outcome === 'OK') r.status = 'MERGED';
    }
    await mutationMatrix(shape, {
      name: 'transitionIncident(REPORTED → REJECTED)',
      freshPerAllowed: true,
      expect: (u, inc) => (inc.status === 'REPORTED' ? O.expectTransition(u, inc, 'REJECTED') : null),
      run: (u, inc) => gqlRes(u, M.transition, { id: inc.id, to: 'REJECTED', note: 'not an incident' }, 'transitionIncident'),
      apply: (inc) => (inc.status = 'REJECTED'),
    }, r.status === 'REPORTED' && !r.dirty ? r : undefined);

    // merge: into an incident everyone sees; a coordinator merging into what they cannot see gets NOT_FOUND
    const src = await file(shape);
    for (const c of users.filter((x) => O.isTriageCoordinator(x) && O.canSee(x, src))) {
      const res = await gqlRes(c, M.merge, { id: src.id, into: hiddenFromCoordinators.id }, 'mergeIncident');
      tally.outcome(c, src, `mergeIncident(into ${hiddenFromCoordinators.label})`, O.expectMerge(c, src, hiddenFromCoordinators), res);
      if (res.outcome === 'OK') {
        src.status = 'MERGED';
        src.mergedInto = hiddenFromCoordinators.id;
        src.dirty = true;
        continue;
      }
      const ghostId = randomUUID();
      const g = await gqlRes(c, M.merge, { id: src.id, into: ghostId }, 'mergeIncident');
      tally.fact(
        c,
        src,
        'mergeIncident(into invisible vs non-existent)',
        g.outcome === 'NOT_FOUND' && g.message.replaceAll(ghostId, '<id>') === res.message.replaceAll(hiddenFromCoordinators.id, '<id>'),
        `non-existent: ${g.outcome} "${g.message}"; invisible: ${res.outcome} "${res.message}"`,
        'allow',
      );
    }
    await mutationMatrix(shape, {
      name: 'mergeIncident',
      freshPerAllowed: true,
      expect: (u, inc) => (OPEN_STATUSES.includes(inc.status) ? O.expectMerge(u, inc, mergeTarget) : null),
      run: (u, inc) => gqlRes(u, M.merge, { id: inc.id, into: mergeTarget.id }, 'mergeIncident'),
      apply: (inc) => {
        inc.status = 'MERGED';
        inc.mergedInto = mergeTarget.id;
      },
    }, src.dirty ? undefined : src);

    // TLP: one step wider, one step narrower (never to RED: whether that needs a named recipient is not said)
    const i = tlpOrder(shape.tlp);
    const targets: O.Tlp[] = [];
    if (i > 0) targets.push(O.TLP_ORDER[i - 1]!);
    if (i + 1 < O.TLP_ORDER.length - 1) targets.push(O.TLP_ORDER[i + 1]!);
    for (const to of targets) {
      await mutationMatrix(shape, {
        name: `setIncidentTlp(${shape.tlp} → ${to})`,
        freshPerAllowed: true,
        expect: (u, inc) => (inc.tlp === shape.tlp ? O.expectSetTlp(u, inc, to) : null),
        run: (u, inc) => gqlRes(u, M.tlp, { id: inc.id, tlp: to }, 'setIncidentTlp'),
        apply: (inc) => {
          if (inc.tlp === 'RED') inc.ambiguous = true; // what becomes of named recipients is not said
          inc.tlp = to;
        },
        restore: (inc) =>
          inc.ambiguous || inc.tlp !== to
            ? null
            : {
                name: `setIncidentTlp(${to} → ${shape.tlp}) (restoring)`,
                expected: O.expectSetTlp(U(inc.shape.reporter), inc, shape.tlp),
                run: () => gqlRes(U(inc.shape.reporter), M.tlp, { id: inc.id, tlp: shape.tlp }, 'setIncidentTlp'),
                apply: () => (inc.tlp = shape.tlp),
              },
      });
    }

    // LES: set it when clear, clear it when set
    await mutationMatrix(shape, {
      name: `setIncidentLawEnforcementSensitive(${!shape.les})`,
      freshPerAllowed: true,
      expect: (u, inc) => (inc.les === shape.les ? O.expectSetLes(u, inc, !shape.les) : null),
      run: (u, inc) => gqlRes(u, M.les, { id: inc.id, v: !shape.les }, 'setIncidentLawEnforcementSensitive'),
      apply: (inc) => (inc.les = !shape.les),
      restore: (inc) =>
        inc.les === shape.les
          ? null
          : {
              name: `setIncidentLawEnforcementSensitive(${shape.les}) (restoring)`,
              expected: O.expectSetLes(U(inc.shape.reporter), inc, shape.les),
              run: () => gqlRes(U(inc.shape.reporter), M.les, { id: inc.id, v: shape.les }, 'setIncidentLawEnforcementSensitive'),
              apply: () => (inc.les = shape.les),
            },
    });
  }

  /** REPORTED → TRIAGED → INVESTIGATING → CONTAINED → RESOLVED → INVESTIGATING → … → CLOSED, rotating who moves it. */
  async function transitionChain(shape: Shape): Promise<void> {
    const t = await file(shape);
    const step = async (to: O.Status, askEveryone: boolean, mover: MUser | undefined) => {
      const spec: MutationSpec = {
        name: `transitionIncident(${t.status} → ${to})`,
        freshPerAllowed: false,
        expect: (u, inc) => O.expectTransition(u, inc, to),
        run: (u, inc) => gqlRes(u, M.transition, { id: inc.id, to, note: `by ${u.key}` }, 'transitionIncident'),
        apply: (inc) => (inc.status = to),
      };
      if (askEveryone) for (const u of users) if (spec.expect(u, t) !== 'OK') await attempt(spec, u, t);
      if (mover) await attempt(spec, mover, t);
    };
    const triagers = users.filter((u) => O.expectTransition(u, t, 'TRIAGED') === 'OK');
    await step('TRIAGED', true, triagers[seq % Math.max(triagers.length, 1)]);
    if (t.status !== 'TRIAGED') return;
    const movers = users.filter((u) => O.expectTransition(u, t, 'INVESTIGATING') === 'OK');
    const plan: O.Status[] = ['INVESTIGATING', 'CONTAINED', 'RESOLVED', 'INVESTIGATING', 'CONTAINED', 'RESOLVED', 'CLOSED'];
    for (const [k, to] of plan.entries()) {
      await step(to, k === 0, movers[k % movers.length]);
      if (t.status !== to) return;
    }
    const mover = movers[0]!;
    const res = await gqlRes(mover, M.transition, { id: t.id, to: 'INVESTIGATING' }, 'transitionIncident');
    tally.outcome(mover, t, 'transitionIncident(CLOSED → INVESTIGATING)', O.expectTransition(mover, t, 'INVESTIGATING'), res);
    if (res.outcome === 'BAD_USER_INPUT') tally.fact(mover, t, 'transitionIncident error message', res.message.includes('CLOSED'), `should name CLOSED: "${res.message}"`);
  }

  it('every mutation, as every user, on every shape', async () => {
    await timed('mutations', async () => {
      const mergeTarget = await file({ label: 'GREEN plain (merge target of the mutation matrix)', reporter: 'orgAnalyst', tlp: 'GREEN', les: false });
      const hidden = await file({ label: 'AMBER LES plain (hidden from coordinators)', reporter: 'orgAnalyst', tlp: 'AMBER', les: true });
      await runPool(MUTATION_SHAPES, 6, (shape) => mutationsForShape(shape, mergeTarget, hidden));

      // mergeTarget now has duplicates from every shape: each user sees exactly the visible ones
      const sources = incidents.filter((i) => i.mergedInto === mergeTarget.id);
      await runPool(users, 4, async (u) => {
        const r = await hub.gql<any>(u.token, `query($id: ID!) { incident(id: $id) { duplicates { id } } }`, { id: mergeTarget.id });
        const got = r.data?.incident;
        if (!got) {
          tally.fact(u, mergeTarget, 'incident(id)', false, `merge target not visible: ${JSON.stringify(r.errors)}`, 'deny');
          return;
        }
        const dup = new Set((got.duplicates ?? []).map((d: any) => d.id));
        for (const s of sources) tally.see(u, s, `incident(${mergeTarget.reference}).duplicates`, O.canSee(u, s), dup.has(s.id));
        const timeline: any[] = [];
        let after: string | null = null;
        for (let page = 0; page < 100; page++) {
          const t: GqlResponse<any> = await hub.gql<any>(
            u.token,
            `query($id: ID!, $after: String) { incident(id: $id) { timeline(first: 50, after: $after) { edges { node { kind body change } } pageInfo { hasNextPage endCursor } } } }`,
            { id: mergeTarget.id, after },
          );
          const c = t.data?.incident?.timeline;
          if (!c) throw new Error(`timeline as ${u.key}: ${JSON.stringify(t.errors)}`);
          timeline.push(...c.edges);
          if (!c.pageInfo.hasNextPage) break;
          after = c.pageInfo.endCursor;
        }
        leakScan(u, mergeTarget, 'timeline of the merge target', JSON.stringify(timeline), sources.filter((s) => !O.canSee(u, s)));
      });
    });
  }, 900_000);

  // ── Phase 5: after all that, lists still agree with the oracle ───────────────────────────────────

  it('the final state: every incident as its reporter sees it, every list as every user sees it', async () => {
    await timed('final lists', async () => {
      const settled = incidents.filter((i) => !i.ambiguous);
      // the oracle followed every change: the reporter (who always sees it) agrees on TLP, LES and status
      const reporters = [...new Set(settled.map((i) => i.shape.reporter))];
      for (const key of reporters) {
        const rep = U(key);
        for (const part of chunk(settled.filter((i) => i.shape.reporter === key), 15)) {
          const res = await aliasQuery(hub, rep.token, part.map((inc) => ({ type: 'ID!', value: inc.id, field: `incident(id: $v) { ${INCIDENT_FIELDS} }` })));
          part.forEach((inc, k) => {
            const got = res[k]!.data;
            tally.see(rep, inc, 'incident(id) as its reporter', O.canSee(rep, inc), got !== null, res[k]!.error ?? '');
            if (got) {
              tally.fact(rep, inc, 'state', got.tlp === inc.tlp && got.lawEnforcementSensitive === inc.les && got.status === inc.status && got.severity === inc.severity,
                `oracle ${inc.tlp} LES=${inc.les} ${inc.status} ${inc.severity}, hub ${got.tlp} LES=${got.lawEnforcementSensitive} ${got.status} ${got.severity}`);
            }
          });
        }
      }
      const ambiguousIds = new Set(incidents.filter((i) => i.ambiguous).map((i) => i.id));
      const known = new Set(incidents.map((i) => i.id));
      await runPool(users, 4, async (u) => {
        const got = new Set<string>();
        let after: string | null = null;
        let total: number | null = null;
        for (let page = 0; page < 50; page++) {
          const r: GqlResponse<any> = await hub.gql<any>(
            u.token,
            `query($after: String, $f: IncidentFilter) { incidents(first: 200, after: $after, filter: $f) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
            { after, f: { statuses: ALL_STATUSES } },
          );
          const c = r.data?.incidents;
          if (!c) throw new Error(`incidents as ${u.key}: ${JSON.stringify(r.errors)}`);
          total = c.totalCount;
          for (const e of c.edges) got.add(e.node.id);
          if (!c.pageInfo.hasNextPage) break;
          after = c.pageInfo.endCursor;
        }
        let expectedCount = 0;
        let ambiguousSeen = 0;
        for (const inc of incidents) {
          if (inc.ambiguous) {
            if (got.has(inc.id)) ambiguousSeen++;
            continue;
          }
          const expected = O.canSee(u, inc) && O.matchesFilter(inc, { statuses: ALL_STATUSES }, inc.words);
          if (expected) expectedCount++;
          tally.see(u, inc, 'incidents(all statuses, paged)', expected, got.has(inc.id));
        }
        tally.count(u, 'all statuses', 'incidents.totalCount (final, less RED-widened ones)', expectedCount, (total ?? 0) - ambiguousSeen);
        const strangers = [...got].filter((id) => !known.has(id) && !ambiguousIds.has(id));
        tally.fact(u, null, 'incidents (final)', strangers.length === 0, `ids the test never filed: ${strangers.join(', ')}`, 'allow');
      });
    });
  }, 600_000);

  // ── Phase 6: the audit log ───────────────────────────────────────────────────────────────────────

  it('auditLog: AUDITORs only; every entry visible, changed content only of visible incidents', async () => {
    await timed('audit log', async () => {
      for (const u of users) {
        const res = toRes(await hub.gql<any>(u.token, `{ auditLog(first: 1) { totalCount } }`), 'auditLog');
        tally.outcome(u, 'the audit log', 'auditLog', O.expectAuditLog(u), res);
      }
      const byId = new Map(incidents.map((i) => [i.id, i]));
      for (const auditor of users.filter((u) => O.hasRole(u, 'AUDITOR'))) {
        const entries: any[] = [];
        let after: string | null = null;
        for (let page = 0; page < 500; page++) {
          const r: GqlResponse<any> = await hub.gql<any>(
            auditor.token,
            `query($after: String) { auditLog(first: 100, after: $after) { edges { node { seq action objectType objectId change actorEmail } } pageInfo { hasNextPage endCursor } } }`,
            { after },
          );
          const c = r.data?.auditLog;
          if (!c) throw new Error(`auditLog as ${auditor.key}: ${JSON.stringify(r.errors)}`);
          for (const e of c.edges) entries.push(e.node);
          if (!c.pageInfo.hasNextPage) break;
          after = c.pageInfo.endCursor;
        }
        const entriesOf = new Map<string, any[]>();
        for (const e of entries) {
          const inc = (e.objectId && (byId.get(e.objectId) ?? commentOwner.get(e.objectId))) || null;
          if (!inc) continue;
          const list = entriesOf.get(inc.id) ?? [];
          list.push(e);
          entriesOf.set(inc.id, list);
          if (!O.canSee(auditor, inc)) {
            tally.fact(auditor, inc, `auditLog entry ${e.seq} (${e.action}).change`, e.change === null || e.change === undefined, `change of an invisible incident shown: ${JSON.stringify(e.change).slice(0, 300)}`, 'allow');
          }
        }
        for (const inc of incidents) {
          const list = entriesOf.get(inc.id) ?? [];
          tally.fact(auditor, inc, 'auditLog entries of the incident', list.length > 0, 'no entry about it (who / what / when / which object must be visible)', 'deny');
          if (O.canSee(auditor, inc) && list.length > 0) {
            tally.fact(auditor, inc, 'auditLog change of a visible incident', list.some((e) => e.change !== null && e.change !== undefined), 'every change is null', 'deny');
          }
        }
        // the content shown (of visible objects) never mentions an invisible incident
        const hidden = incidents.filter((i) => !O.canSee(auditor, i));
        const tokens = new Map<string, MIncident>();
        for (const h of hidden) for (const t of [h.id, h.reference, ...h.words, ...h.comments]) tokens.set(t, h);
        const re = tokens.size ? new RegExp([...tokens.keys()].map((t) => t.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|'), 'g') : null;
        for (const e of entries) {
          if (e.change === null || e.change === undefined || !re) continue;
          const json = JSON.stringify(e.change);
          const hits = [...new Set(json.match(re) ?? [])];
          const about = (e.objectId && (byId.get(e.objectId) ?? commentOwner.get(e.objectId))) || `${e.objectType} ${e.objectId ?? '-'}`;
          tally.fact(auditor, about, `auditLog entry ${e.seq} (${e.action}).change`, hits.length === 0,
            `mentions invisible incidents: ${hits.map((h) => `${h} (${tokens.get(h)?.reference} [${tokens.get(h)?.label}])`).join(', ')}`, 'allow');
        }
      }
    });
  }, 600_000);

  it('has zero unexpected allows and zero unexpected denies', () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`access matrix: ${tally.checks} checks, ${tally.allows.length} unexpected allows, ${tally.denies.length} unexpected denies, ${tally.wrong.length} other mismatches (${incidents.length} incidents, ${users.length} users, ${seconds}s: ${timings.join(', ')})`);
    console.log(`expected answers: ${[...tally.expectedAnswers].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    const report = [
      ...tally.allows.map((l) => `UNEXPECTED ALLOW  ${l}`),
      ...tally.denies.map((l) => `UNEXPECTED DENY   ${l}`),
      ...tally.wrong.map((l) => `MISMATCH          ${l}`),
    ];
    if (report.length) console.log(report.join('\n'));
    if (profile.size) console.log([...profile].sort((a, b) => b[1].ms - a[1].ms).map(([k, p]) => `${k}: ${p.n} requests, ${(p.ms / p.n).toFixed(1)}ms each, ${(p.ms / 1000).toFixed(1)}s`).join('\n'));
    expect(report).toEqual([]);
  });
});
