/**
 * The access matrix extended to indicators, reports, sightings and the links between them (issue 5, item 2;
 * access-policy.md "Indicators and sightings" and "Side paths"). Users of many kinds; reports across
 * TLP × LES × audience shapes (own organization, shared organization, stranger, RED recipient) and by
 * several reporters; sightings across every TLP; links to visible and invisible incidents; a statewide
 * correlation incident. Every path (indicator, indicators + every filter + totalCount, matchObservables
 * with and without expired reports, reports, sightings, counts, first / last seen, linkedIncidents,
 * IndicatorReport.incident; reportIndicators, reportSighting, linkIndicatorToIncident,
 * revokeIndicatorReport) is asked as every user and compared with the plain oracle of
 * `./oracle-indicators.ts`. Each comparison is counted; every unexpected allow, unexpected deny and other
 * mismatch is collected and the test fails with the full list.
 *
 * Correlation: one indicator (the "correlated" case) is reported or sighted by 3 counties and opens the
 * statewide incident, which the oracle then knows of; every other indicator has at most 2 contributing
 * counties (checked before anything is sent).
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from './factories.js';
import { startTestHub, type GqlResponse, type TestHub } from './harness.js';
import * as O from './oracle.js';
import * as OI from './oracle-indicators.js';

// ── Principals ─────────────────────────────────────────────────────────────────────────────────────

interface MUser extends O.OracleUser {
  key: string;
  id: string;
  token: string;
}

const USER_DEFS: ReadonlyArray<[key: string, org: string, roles: O.Role[]]> = [
  ['orgAnalyst', 'county-orange', ['ANALYST']], // reports most of the matrix
  ['orgAnalyst2', 'county-orange', ['ANALYST']], // same organization, not the reporting user
  ['orgViewer', 'county-orange', ['VIEWER']],
  ['orgAdmin', 'county-orange', ['ORG_ADMIN']],
  ['kernAnalyst', 'county-kern', ['ANALYST']], // the shared-with county, a RED recipient
  ['kernViewer', 'county-kern', ['VIEWER']],
  ['fresnoAnalyst', 'county-fresno', ['ANALYST']], // a stranger county
  ['marinAnalyst', 'county-marin', ['ANALYST']], // another stranger county
  ['sosCoord', 'sos', ['COORDINATOR', 'ANALYST']],
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
];

const SLUGS = ['county-orange', 'county-kern', 'county-fresno', 'county-marin', 'sos', 'cal-oes', 'fbi', 'chp', 'cisa', 'ei-isac'];

// ── Incidents to link to ───────────────────────────────────────────────────────────────────────────

interface IShape {
  key: string;
  reporter: string;
  tlp: O.Tlp;
  les: boolean;
  affected?: string[];
  shareWith?: string[];
  shareWithUsers?: string[];
}

/** In link-matrix order: the narrowest last, so that what a probe ends up linked to is not visible to all. */
const INCIDENT_SHAPES: IShape[] = [
  { key: 'I-CLEAR', reporter: 'orgAnalyst', tlp: 'CLEAR', les: false },
  { key: 'I-GREEN', reporter: 'orgAnalyst', tlp: 'GREEN', les: false },
  { key: 'I-GREEN-kern', reporter: 'kernAnalyst', tlp: 'GREEN', les: false },
  { key: 'I-AMBER', reporter: 'orgAnalyst', tlp: 'AMBER', les: false },
  { key: 'I-AMBER-shared:kern', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, shareWith: ['county-kern'] },
  { key: 'I-AMBER-affected:marin', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, affected: ['county-marin'] },
  { key: 'I-AMBER_STRICT', reporter: 'orgAnalyst', tlp: 'AMBER_STRICT', les: false },
  { key: 'I-AMBER_STRICT-sos', reporter: 'sosCoord', tlp: 'AMBER_STRICT', les: false },
  { key: 'I-GREEN-LES', reporter: 'orgAnalyst', tlp: 'GREEN', les: true },
  { key: 'I-AMBER-LES-fbi', reporter: 'fbiAnalyst', tlp: 'AMBER', les: true },
  { key: 'I-AMBER-LES', reporter: 'orgAnalyst', tlp: 'AMBER', les: true },
  { key: 'I-RED-named:kern', reporter: 'orgAnalyst', tlp: 'RED', les: false, shareWithUsers: ['kernAnalyst'] },
];

// ── Reports and sightings to create ────────────────────────────────────────────────────────────────

interface RSpec {
  ind: OI.OracleIndicator;
  label: string;
  reporter: string;
  tlp: O.Tlp;
  les: boolean;
  shareWith?: string[];
  /** User keys. */
  shareWithUsers?: string[];
  /** An incident key, or 'auto' for the round-robin over incidents the reporter may see. */
  incident?: string | 'auto' | null;
  validFrom: Date;
  validUntil?: Date | null;
  /** Revoked by its reporter during setup. */
  revoke?: boolean;
}

interface SSpec {
  ind: OI.OracleIndicator;
  label: string;
  reporter: string;
  tlp: O.Tlp;
  seenAt: Date;
  count: number;
}

// ── The tally ──────────────────────────────────────────────────────────────────────────────────────

interface Res {
  outcome: string;
  message: string;
  data: any;
}

class Tally {
  checks = 0;
  readonly expectedAnswers = new Map<string, number>();
  readonly allows: string[] = [];
  readonly denies: string[] = [];
  readonly wrong: string[] = [];

  private note(answer: string): void {
    this.expectedAnswers.set(answer, (this.expectedAnswers.get(answer) ?? 0) + 1);
  }

  private where(u: MUser | null, what: string, path: string): string {
    const who = u ? `${u.key} (${u.org} ${u.roles.join('+')})` : '-';
    return `${path} | user ${who} | ${what}`;
  }

  see(u: MUser, what: string, path: string, expected: boolean, got: boolean, detail = ''): void {
    this.checks++;
    this.note(expected ? 'visible' : 'invisible');
    if (expected === got) return;
    const line = `${this.where(u, what, path)} | expected ${expected ? 'visible' : 'invisible'}, got ${got ? 'visible' : 'invisible'}${detail ? ` | ${detail}` : ''}`;
    (got ? this.allows : this.denies).push(line);
  }

  /**
   * A mutation's answer. `ghost` is the same user's answer for an id that does not exist: an invisible
   * object answered FORBIDDEN where NOT_FOUND was expected reveals that it exists, unless an unknown id
   * gets that same FORBIDDEN (then it is only a different code).
   */
  outcome(u: MUser, what: string, path: string, expected: O.Outcome, got: Res, ghost?: Res): void {
    this.checks++;
    this.note(expected);
    if (expected === got.outcome) return;
    const line = `${this.where(u, what, path)} | expected ${expected}, got ${got.outcome}${got.outcome === 'OK' ? '' : ` (${got.message})`}`;
    if (got.outcome === 'OK') this.allows.push(line);
    else if (expected === 'OK') this.denies.push(line);
    else if (expected === 'NOT_FOUND' && got.outcome === 'FORBIDDEN') {
      if (ghost && ghost.outcome === 'FORBIDDEN') this.wrong.push(`${line} | an unknown id gets the same FORBIDDEN: reveals nothing, but not the NOT_FOUND of the interpretation`);
      else this.allows.push(`${line} | reveals that it exists`);
    } else this.wrong.push(line);
  }

  count(u: MUser, what: string, path: string, expected: number, got: number | null | undefined): void {
    this.checks++;
    if (expected === got) return;
    const line = `${this.where(u, what, path)} | expected ${expected}, got ${got}`;
    if (typeof got === 'number' && got > expected) this.allows.push(line);
    else this.denies.push(line);
  }

  fact(u: MUser | null, what: string, path: string, ok: boolean, detail: string, kind: 'allow' | 'deny' | 'wrong' = 'wrong'): void {
    this.checks++;
    if (ok) return;
    const line = `${this.where(u, what, path)} | ${detail}`;
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

/** The first item for which `test` holds and the first for which it does not. */
function firstOfEach<T>(items: readonly T[], test: (item: T) => boolean): T[] {
  const yes = items.find(test);
  const no = items.find((i) => !test(i));
  return [yes, no].filter((x): x is T => x !== undefined);
}

const H = 3_600_000;
const ms = (iso: string | null | undefined): number | null => (iso ? new Date(iso).getTime() : null);

/** Everything shown of an indicator: asked of indicators with several reports or any sighting. */
const DETAIL = `fragment D on Indicator {
  id type value firstSeen lastSeen
  reports { id organization { slug } tlp lawEnforcementSensitive incident { id } }
  sightings { id organization { slug } tlp count }
  sightingCount sightingOrganizationCount
  linkedIncidents { id }
}`;
/** Of an indicator with one report and no sighting: the report, its incident, the links (each field costs the server queries). */
const BASIC = `fragment B on Indicator {
  id type value
  reports { id organization { slug } tlp lawEnforcementSensitive incident { id } }
  linkedIncidents { id }
}`;
/** Of an indicator with one report, no link and no sighting. */
const PLAIN = `fragment P on Indicator { id type value reports { id organization { slug } tlp lawEnforcementSensitive } }`;
/** The since-filtered fields (since = now − 5 h), asked of indicators with sightings. */
const SINCE = `fragment S on Indicator { type value sightings(since: $since) { id } sightingCount(since: $since) sightingOrganizationCount(since: $since) }`;

const Q = {
  file: `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`,
  report: `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { index ok error field indicator { type value } } }`,
  sight: `mutation($input: ReportSightingInput!) { reportSighting(input: $input) { id seenAt count tlp } }`,
  link: `mutation($input: LinkIndicatorInput!) { linkIndicatorToIncident(input: $input) { id incident { id } } }`,
  revoke: `mutation($id: ID!) { revokeIndicatorReport(id: $id) { id } }`,
  // The server's cost limit multiplies by a literal `first`: the list is paged and asks for little per node.
  list: `query($after: String) { indicators(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { type value } } } }`,
  match: `query($v: [String!]!, $x: Boolean) { matchObservables(values: $v, includeExpired: $x) {
    matches { index via indicator { type value reports { id } } } invalid { index } } }`,
  matchLight: `query($v: [String!]!, $x: Boolean) { matchObservables(values: $v, includeExpired: $x) { matches { index via indicator { type value } } invalid { index } } }`,
};

// ── The test ───────────────────────────────────────────────────────────────────────────────────────

describe('indicator access matrix (access-policy.md, "Indicators and sightings")', () => {
  let hub: TestHub;
  const tally = new Tally();
  const users: MUser[] = [];
  const byKey = new Map<string, MUser>();
  const incidents = new Map<string, O.OracleIncident>(); // by id
  const incidentByKey = new Map<string, O.OracleIncident>();
  const indicators = new Map<string, OI.OracleIndicator>(); // by TYPE|value
  const reportLabel = new Map<string, string>(); // report id → label
  const timings: string[] = [];
  const T0 = Date.now();
  const since = new Date(T0 - 5 * H);
  let correlated: OI.OracleIndicator;
  let revokeTargets: Array<{ shape: string; copies: OI.OracleReport[]; allowed: MUser[] }> = [];
  const probes = new Map<string, OI.OracleIndicator>(); // by organization slug
  let seq = 0;

  const U = (key: string): MUser => {
    const u = byKey.get(key);
    if (!u) throw new Error(`no user ${key}`);
    return u;
  };

  async function timed(name: string, fn: () => Promise<void>): Promise<void> {
    const t0 = Date.now();
    await fn();
    timings.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }

  function indicator(type: string, value: string, label: string): OI.OracleIndicator {
    const key = `${type}|${value}`;
    if (indicators.has(key)) throw new Error(`indicator ${key} twice`);
    const ind: OI.OracleIndicator = { key, type, value, label, reports: [], sightings: [], correlationIncidentId: null };
    indicators.set(key, ind);
    return ind;
  }

  /** A fresh canonical value of a type (canonical already, so the oracle needs no normalization). */
  function fresh(type: string, label: string): OI.OracleIndicator {
    const n = ++seq;
    const value = {
      DOMAIN: `zmx-${n}.campaign-vote.xyz`,
      URL: `https://zmx-${n}.ballot-portal.xyz/login`,
      IPV4: `45.80.${Math.floor(n / 200)}.${(n % 200) + 1}`,
      SHA256: createHash('sha256').update(`zmx-${n}`).digest('hex'),
      EMAIL: `phish${n}@zmx-mail.xyz`,
    }[type];
    if (!value) throw new Error(`no value for ${type}`);
    return indicator(type, value, `${type} ${value.slice(0, 40)} [${label}]`);
  }
  const TYPES = ['DOMAIN', 'URL', 'IPV4', 'SHA256', 'EMAIL'];

  function incidentLabel(id: string | null): string {
    if (!id) return 'none';
    const inc = incidents.get(id);
    return inc ? `${inc.reference} [${inc.label}]` : id;
  }

  function reportName(r: OI.OracleReport): string {
    return `report ${r.id} [${r.label}${r.revoked ? ', revoked' : ''}${r.incidentId ? `, linked ${incidentLabel(r.incidentId)}` : ''}]`;
  }

  // ── Setup ────────────────────────────────────────────────────────────────────────────────────────

  /** Counties that would count toward cross-county correlation (reports, sightings within 24 h). */
  function contributingCounties(ind: OI.OracleIndicator, extraReports: RSpec[], extraSightings: SSpec[]): Set<string> {
    const out = new Set<string>();
    for (const r of ind.reports) if (!r.revoked && r.org.startsWith('county-')) out.add(r.org);
    for (const s of ind.sightings) if (s.org.startsWith('county-') && s.seenAt.getTime() > Date.now() - 24 * H) out.add(s.org);
    for (const r of extraReports) if (r.ind === ind && U(r.reporter).org.startsWith('county-')) out.add(U(r.reporter).org);
    for (const s of extraSightings) if (s.ind === ind && U(s.reporter).org.startsWith('county-') && s.seenAt.getTime() > Date.now() - 24 * H) out.add(U(s.reporter).org);
    return out;
  }

  async function reportIdsFromDb(): Promise<Map<string, string>> {
    const rows = await hub.db
      .selectFrom('indicator_reports as r')
      .innerJoin('indicators as i', 'i.id', 'r.indicator_id')
      .innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select(['r.id as id', 'i.type as type', 'i.value as value', 'o.slug as slug'])
      .execute();
    return new Map(rows.map((r) => [`${r.type}|${r.value}|${r.slug}`, String(r.id)]));
  }

  /** Sends the reports (one reportIndicators call per reporter) and records them in the model. */
  async function sendReports(specs: RSpec[]): Promise<void> {
    const byReporter = new Map<string, RSpec[]>();
    for (const s of specs) byReporter.set(s.reporter, [...(byReporter.get(s.reporter) ?? []), s]);
    const reportedAt = new Map<RSpec, Date>();
    for (const [key, list] of byReporter) {
      const u = U(key);
      const seen = new Set<string>();
      for (const s of list) {
        if (seen.has(s.ind.key)) throw new Error(`${key} reports ${s.ind.key} twice`);
        seen.add(s.ind.key);
      }
      const input = list.map((s) => ({
        value: s.ind.value,
        type: s.ind.type,
        tlp: s.tlp,
        lawEnforcementSensitive: s.les,
        validFrom: s.validFrom.toISOString(),
        validUntil: s.validUntil ? s.validUntil.toISOString() : null,
        incidentId: s.incident ? incidentByKey.get(s.incident)!.id : null,
        shareWith: s.shareWith ?? [],
        shareWithUsers: (s.shareWithUsers ?? []).map((k) => U(k).email),
        description: `matrix: ${s.label}`,
      }));
      const at = new Date();
      const r = await hub.gql<any>(u.token, Q.report, { input });
      if (r.errors || !r.data) throw new Error(`reportIndicators as ${key} failed: ${JSON.stringify(r.errors)}`);
      r.data.reportIndicators.forEach((x: any, k: number) => {
        const s = list[k]!;
        if (!x.ok) throw new Error(`report "${s.label}" as ${key} refused: ${x.field}: ${x.error}`);
        if (x.indicator.type !== s.ind.type || x.indicator.value !== s.ind.value) throw new Error(`${s.ind.key} stored as ${x.indicator.type}|${x.indicator.value}`);
        reportedAt.set(s, at);
      });
    }
    const ids = await reportIdsFromDb();
    for (const s of specs) {
      const u = U(s.reporter);
      const id = ids.get(`${s.ind.key}|${u.org}`);
      if (!id) throw new Error(`no report row for ${s.ind.key} by ${u.org}`);
      const rep: OI.OracleReport = {
        label: `${s.label} by ${s.reporter}`,
        id,
        indicator: s.ind.key,
        org: u.org,
        reportingUser: u.email,
        tlp: s.tlp,
        les: s.les,
        sharedOrgs: [...(s.shareWith ?? [])],
        recipients: (s.shareWithUsers ?? []).map((k) => U(k).email).filter((e) => e !== u.email),
        validFrom: s.validFrom,
        validUntil: s.validUntil ?? null,
        reportedAt: reportedAt.get(s)!,
        incidentId: s.incident ? incidentByKey.get(s.incident)!.id : null,
        revoked: false,
      };
      s.ind.reports.push(rep);
      reportLabel.set(id, rep.label);
    }
  }

  async function sendSighting(s: SSpec): Promise<Res> {
    const u = U(s.reporter);
    const res = toRes(await hub.gql<any>(u.token, Q.sight, { input: { value: s.ind.value, type: s.ind.type, tlp: s.tlp, seenAt: s.seenAt.toISOString(), count: s.count } }), 'reportSighting');
    if (res.outcome === 'OK') {
      s.ind.sightings.push({ label: `${s.label} by ${s.reporter}`, id: String(res.data.id), indicator: s.ind.key, org: u.org, reportingUser: u.email, tlp: s.tlp, seenAt: new Date(res.data.seenAt), count: res.data.count });
    }
    return res;
  }

  beforeAll(async () => {
    hub = await startTestHub();
    await timed('users', async () => {
      const made = await Promise.all(USER_DEFS.map(([key, org, roles]) => makeUser(hub.deps, org, roles, key.toLowerCase())));
      USER_DEFS.forEach(([key, org, roles], k) => {
        const t = made[k]!;
        const u: MUser = { key, label: `${org} ${roles.join('+')}`, email: t.email, org, roles: [...roles], id: t.id, token: t.token };
        users.push(u);
        byKey.set(key, u);
      });
    });

    await timed('incidents', async () => {
      let n = 0;
      for (const shape of INCIDENT_SHAPES) {
        const reporter = U(shape.reporter);
        const input = {
          title: `Indicator matrix ${shape.key}`,
          summary: 'Filed by the indicator access matrix test.',
          category: ['PHISHING', 'MALWARE', 'WEBSITE_SPOOFING', 'RANSOMWARE'][n++ % 4],
          severity: 'MODERATE',
          tlp: shape.tlp,
          lawEnforcementSensitive: shape.les,
          affectedCounties: shape.affected ?? [],
          shareWith: shape.shareWith ?? [],
          shareWithUsers: (shape.shareWithUsers ?? []).map((k) => U(k).email),
        };
        const r = await hub.gql<any>(reporter.token, Q.file, { input });
        if (r.errors || !r.data?.fileIncident) throw new Error(`filing ${shape.key} failed: ${JSON.stringify(r.errors)}`);
        const inc: O.OracleIncident = {
          label: shape.key,
          id: r.data.fileIncident.id,
          reference: r.data.fileIncident.reference,
          title: input.title,
          tlp: shape.tlp,
          les: shape.les,
          exercise: false,
          severity: 'MODERATE',
          category: input.category!,
          status: 'REPORTED',
          reportingOrg: reporter.org,
          reportingUser: reporter.email,
          affectedCounties: [...(shape.affected ?? [])],
          sharedOrgs: [...(shape.shareWith ?? [])],
          recipients: (shape.shareWithUsers ?? []).map((k) => U(k).email),
          mergedInto: null,
        };
        incidents.set(inc.id, inc);
        incidentByKey.set(shape.key, inc);
      }
    });

    await timed('reports and sightings', async () => {
      const reports: RSpec[] = [];
      const sightings: SSpec[] = [];
      const vf = () => new Date(T0 - 2 * H - reports.length * 61_000);
      const recent = () => new Date(T0 - 1 * H - sightings.length * 13_000);
      const old = () => new Date(T0 - 30 * H - sightings.length * 17_000);
      let t = 0;
      const nextType = () => TYPES[t++ % TYPES.length]!;
      const add = (r: Omit<RSpec, 'validFrom'> & { validFrom?: Date }) => reports.push({ ...r, validFrom: r.validFrom ?? vf() });

      // 1. One report per indicator, by Orange: TLP × LES × audience.
      for (const tlp of ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT'] as O.Tlp[]) {
        for (const les of [false, true]) {
          const base = `${tlp}${les ? ' LES' : ''}`;
          const audiences: Array<[string, string[]]> = [
            ['plain', []],
            ['shared:kern', ['county-kern']],
            ['shared:fbi', ['fbi']],
            ['shared:cisa+marin', ['cisa', 'county-marin']],
          ];
          for (const [a, share] of audiences) {
            if ((tlp === 'CLEAR' || tlp === 'GREEN') && a !== 'plain' && a !== 'shared:kern') continue;
            add({ ind: fresh(nextType(), `${base} ${a}`), label: `${base} ${a}`, reporter: 'orgAnalyst', tlp, les, shareWith: share, incident: 'auto' });
          }
        }
      }
      for (const les of [false, true]) {
        const base = `RED${les ? ' LES' : ''}`;
        for (const [a, named] of [
          ['named:kern+cisa', ['kernAnalyst', 'cisaAnalyst']],
          ['named:orgAnalyst2+orgViewer', ['orgAnalyst2', 'orgViewer']],
          ['named:fbi+sosCoord', ['fbiAnalyst', 'sosCoord']],
        ] as Array<[string, string[]]>) {
          add({ ind: fresh(nextType(), `${base} ${a}`), label: `${base} ${a}`, reporter: 'orgAnalyst', tlp: 'RED', les, shareWithUsers: named, incident: 'auto' });
        }
      }
      // 2. Other reporters.
      const others: Array<[string, O.Tlp, boolean, string[], string[]]> = [
        ['fbiAnalyst', 'AMBER', true, [], []],
        ['fbiAnalyst', 'GREEN', true, [], []],
        ['fbiAnalyst', 'RED', true, [], ['chpAnalyst']],
        ['fbiAnalyst', 'AMBER', false, ['county-kern'], []],
        ['sosCoord', 'AMBER_STRICT', false, [], []],
        ['sosCoord', 'RED', false, [], ['calOesCoord']],
        ['calOesCoord', 'AMBER', false, [], []],
        ['cisaAnalyst', 'GREEN', true, [], []],
        ['cisaAnalyst', 'AMBER', false, ['county-orange'], []],
        ['kernAnalyst', 'AMBER', false, ['county-fresno'], []],
        ['kernAnalyst', 'AMBER_STRICT', true, ['fbi'], []],
        ['chpAnalyst', 'AMBER', true, ['county-orange'], []],
      ];
      for (const [who, tlp, les, share, named] of others) {
        const label = `${tlp}${les ? ' LES' : ''}${share.length ? ` shared:${share.join('+')}` : ''}${named.length ? ` named:${named.join('+')}` : ''}`;
        add({ ind: fresh(nextType(), `${label} by ${who}`), label, reporter: who, tlp, les, shareWith: share, shareWithUsers: named, incident: 'auto' });
      }

      // 3. Sightings only: every TLP, several sighters, recent and older than the since cut-off.
      for (const tlp of O.TLP_ORDER) {
        const ind = fresh(nextType(), `sighting ${tlp} by orgAnalyst`);
        sightings.push({ ind, label: `${tlp} sighting`, reporter: 'orgAnalyst', tlp, seenAt: recent(), count: 3 });
      }
      for (const [who, tlp, when] of [
        ['fbiAnalyst', 'AMBER', 'old'],
        ['kernAnalyst', 'RED', 'recent'],
        ['calOesCoord', 'AMBER_STRICT', 'recent'],
        ['sosAnalyst', 'RED', 'old'],
        ['cisaAnalyst', 'GREEN', 'old'],
      ] as Array<[string, O.Tlp, string]>) {
        const ind = fresh(nextType(), `sighting ${tlp} by ${who}`);
        sightings.push({ ind, label: `${tlp} ${when} sighting`, reporter: who, tlp, seenAt: when === 'old' ? old() : recent(), count: 2 });
      }

      // 4. Mixed indicators: several reports and sightings of one value.
      {
        const a = fresh('DOMAIN', 'mixed: orange AMBER + kern GREEN sighting + fbi AMBER sighting');
        add({ ind: a, label: 'AMBER plain', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, incident: 'I-AMBER' });
        sightings.push({ ind: a, label: 'GREEN recent sighting', reporter: 'kernAnalyst', tlp: 'GREEN', seenAt: recent(), count: 4 });
        sightings.push({ ind: a, label: 'AMBER old sighting', reporter: 'fbiAnalyst', tlp: 'AMBER', seenAt: old(), count: 7 });

        const b = fresh('DOMAIN', 'mixed: orange RED named:kern + sos AMBER old sighting + marin RED sighting');
        add({ ind: b, label: 'RED named:kern', reporter: 'orgAnalyst', tlp: 'RED', les: false, shareWithUsers: ['kernAnalyst'], incident: 'I-RED-named:kern' });
        sightings.push({ ind: b, label: 'AMBER old sighting', reporter: 'sosAnalyst', tlp: 'AMBER', seenAt: old(), count: 1 });
        sightings.push({ ind: b, label: 'RED recent sighting', reporter: 'marinAnalyst', tlp: 'RED', seenAt: recent(), count: 5 });

        const c = fresh('URL', 'mixed: orange AMBER + fbi AMBER LES (both linked)');
        add({ ind: c, label: 'AMBER plain', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, incident: 'I-GREEN' });
        add({ ind: c, label: 'AMBER LES', reporter: 'fbiAnalyst', tlp: 'AMBER', les: true, incident: 'I-AMBER-LES-fbi' });

        const d = fresh('DOMAIN', 'mixed: orange RED named:kern + sos GREEN');
        add({ ind: d, label: 'RED named:kern', reporter: 'orgAnalyst', tlp: 'RED', les: false, shareWithUsers: ['kernAnalyst'], incident: 'I-AMBER_STRICT' });
        add({ ind: d, label: 'GREEN', reporter: 'sosCoord', tlp: 'GREEN', les: false, incident: 'I-AMBER_STRICT-sos' });

        const e = fresh('SHA256', 'mixed: orange GREEN linked to AMBER LES + kern AMBER_STRICT shared:fresno');
        add({ ind: e, label: 'GREEN', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, incident: 'I-AMBER-LES' });
        add({ ind: e, label: 'AMBER_STRICT shared:fresno', reporter: 'kernAnalyst', tlp: 'AMBER_STRICT', les: false, shareWith: ['county-fresno'], incident: 'I-GREEN-kern' });

        const f = fresh('DOMAIN', 'mixed: fbi GREEN LES + orange CLEAR sighting');
        add({ ind: f, label: 'GREEN LES', reporter: 'fbiAnalyst', tlp: 'GREEN', les: true, incident: 'I-AMBER-LES-fbi' });
        sightings.push({ ind: f, label: 'CLEAR old sighting', reporter: 'orgAnalyst', tlp: 'CLEAR', seenAt: old(), count: 1 });

        // Revoked reports.
        const g = fresh('DOMAIN', 'revoked: orange GREEN only');
        add({ ind: g, label: 'GREEN (revoked)', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, incident: 'I-GREEN', revoke: true });
        const h = fresh('DOMAIN', 'revoked: orange GREEN revoked + kern AMBER');
        add({ ind: h, label: 'GREEN (revoked)', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, incident: 'I-CLEAR', revoke: true });
        add({ ind: h, label: 'AMBER', reporter: 'kernAnalyst', tlp: 'AMBER', les: false });
        const k = fresh('DOMAIN', 'revoked: orange AMBER revoked + fbi AMBER sighting');
        add({ ind: k, label: 'AMBER (revoked)', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, revoke: true });
        sightings.push({ ind: k, label: 'AMBER recent sighting', reporter: 'fbiAnalyst', tlp: 'AMBER', seenAt: recent(), count: 2 });

        // Expired reports: visible, matched only with includeExpired (unless something else matches).
        const past = new Date(T0 - 72 * H - reports.length * 19_000);
        const until = new Date(T0 - 24 * H);
        const x1 = fresh('DOMAIN', 'expired: orange GREEN expired only');
        add({ ind: x1, label: 'GREEN expired', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, validFrom: past, validUntil: until });
        const x2 = fresh('DOMAIN', 'expired: orange GREEN expired + sos AMBER_STRICT');
        add({ ind: x2, label: 'GREEN expired', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, validFrom: new Date(past.getTime() - 1000), validUntil: until });
        add({ ind: x2, label: 'AMBER_STRICT', reporter: 'sosCoord', tlp: 'AMBER_STRICT', les: false });
        const x3 = fresh('DOMAIN', 'expired: orange GREEN expired + kern AMBER sighting');
        add({ ind: x3, label: 'GREEN expired', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, validFrom: new Date(past.getTime() - 2000), validUntil: until });
        sightings.push({ ind: x3, label: 'AMBER recent sighting', reporter: 'kernAnalyst', tlp: 'AMBER', seenAt: recent(), count: 1 });
        const x4 = fresh('DOMAIN', 'expires later: orange AMBER valid until tomorrow');
        add({ ind: x4, label: 'AMBER valid until tomorrow', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, validUntil: new Date(T0 + 24 * H) });

        // Networks: containment.
        const n1 = indicator('CIDR', '45.77.10.0/24', 'CIDR 45.77.10.0/24 [orange AMBER]');
        add({ ind: n1, label: 'AMBER', reporter: 'orgAnalyst', tlp: 'AMBER', les: false, incident: 'I-AMBER-shared:kern' });
        const n1a = indicator('IPV4', '45.77.10.9', 'IPV4 45.77.10.9 [kern GREEN, inside 45.77.10.0/24]');
        add({ ind: n1a, label: 'GREEN', reporter: 'kernAnalyst', tlp: 'GREEN', les: false });
        const n2 = indicator('CIDR', '45.78.0.0/16', 'CIDR 45.78.0.0/16 [fbi GREEN LES]');
        add({ ind: n2, label: 'GREEN LES', reporter: 'fbiAnalyst', tlp: 'GREEN', les: true });
        const n3 = indicator('CIDR', '45.79.0.0/16', 'CIDR 45.79.0.0/16 [orange RED named:kern + fresno AMBER sighting]');
        add({ ind: n3, label: 'RED named:kern', reporter: 'orgAnalyst', tlp: 'RED', les: false, shareWithUsers: ['kernAnalyst'] });
        sightings.push({ ind: n3, label: 'AMBER recent sighting', reporter: 'fresnoAnalyst', tlp: 'AMBER', seenAt: recent(), count: 3 });
        const n4 = indicator('CIDR', '45.76.0.0/16', 'CIDR 45.76.0.0/16 [orange GREEN expired]');
        add({ ind: n4, label: 'GREEN expired', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, validFrom: new Date(past.getTime() - 3000), validUntil: until });
        const n5 = indicator('CIDR', '45.75.0.0/16', 'CIDR 45.75.0.0/16 [cisa AMBER shared:orange + kern RED sighting]');
        add({ ind: n5, label: 'AMBER shared:orange', reporter: 'cisaAnalyst', tlp: 'AMBER', les: false, shareWith: ['county-orange'] });
        sightings.push({ ind: n5, label: 'RED old sighting', reporter: 'kernAnalyst', tlp: 'RED', seenAt: old(), count: 9 });

        // Cross-county correlation: Orange and Kern report, Fresno sights: 3 counties within 24 h.
        correlated = fresh('DOMAIN', 'correlated: orange GREEN + kern AMBER + fresno AMBER sighting');
        add({ ind: correlated, label: 'GREEN', reporter: 'orgAnalyst', tlp: 'GREEN', les: false, incident: 'I-GREEN' });
        add({ ind: correlated, label: 'AMBER', reporter: 'kernAnalyst', tlp: 'AMBER', les: false });
        sightings.push({ ind: correlated, label: 'AMBER recent sighting (third county)', reporter: 'fresnoAnalyst', tlp: 'AMBER', seenAt: recent(), count: 1 });
      }

      // 5. Probes for the link matrix: one GREEN report per organization with an analyst.
      for (const slug of SLUGS) {
        const who = users.find((u) => u.org === slug && O.actsAsAnalyst(u));
        if (!who) continue;
        const ind = indicator('DOMAIN', `zmx-probe-${slug}.campaign-vote.xyz`, `link probe of ${slug}`);
        probes.set(slug, ind);
        add({ ind, label: 'GREEN link probe', reporter: who.key, tlp: 'GREEN', les: false });
      }

      // 6. Revoke targets: one copy per user the oracle lets revoke it (the first is asked as everyone).
      const revokeShapes: Array<[string, string, O.Tlp, boolean, string[], string[]]> = [
        ['GREEN', 'orgAnalyst', 'GREEN', false, [], []],
        ['AMBER', 'orgAnalyst', 'AMBER', false, [], []],
        ['AMBER shared:kern', 'orgAnalyst', 'AMBER', false, ['county-kern'], []],
        ['AMBER LES', 'orgAnalyst', 'AMBER', true, [], []],
        ['AMBER_STRICT shared:fbi', 'orgAnalyst', 'AMBER_STRICT', false, ['fbi'], []],
        ['RED named:kern', 'orgAnalyst', 'RED', false, [], ['kernAnalyst']],
        ['RED named:orgAnalyst2', 'orgAnalyst', 'RED', false, [], ['orgAnalyst2']],
        ['AMBER LES by fbi', 'fbiAnalyst', 'AMBER', true, [], []],
        ['GREEN by kern', 'kernAnalyst', 'GREEN', false, [], []],
        ['RED named:sosCoord by cisa', 'cisaAnalyst', 'RED', false, [], ['sosCoord']],
      ];
      const pending: Array<{ shape: string; specs: RSpec[]; allowed: MUser[] }> = [];
      for (const [label, who, tlp, les, share, named] of revokeShapes) {
        const reporter = U(who);
        const hypothetical: OI.OracleReport = {
          label, id: '-', indicator: '-', org: reporter.org, reportingUser: reporter.email, tlp, les, sharedOrgs: share,
          recipients: named.map((k) => U(k).email), validFrom: new Date(), validUntil: null, reportedAt: new Date(), incidentId: null, revoked: false,
        };
        const allowed = users.filter((u) => OI.expectRevoke(u, hypothetical) === 'OK');
        const specs: RSpec[] = [];
        for (let j = 0; j < Math.max(1, allowed.length); j++) {
          const ind = fresh(nextType(), `revoke target ${label} #${j}`);
          const spec: RSpec = { ind, label: `${label} (revoke target #${j})`, reporter: who, tlp, les, shareWith: share, shareWithUsers: named, validFrom: vf() };
          reports.push(spec);
          specs.push(spec);
        }
        pending.push({ shape: label, specs, allowed });
      }

      // Links for 'auto': round-robin over none and the incidents the reporter may see.
      let rr = 0;
      for (const r of reports) {
        if (r.incident !== 'auto') continue;
        const reporter = U(r.reporter);
        const candidates = [null, ...INCIDENT_SHAPES.filter((s) => O.canSee(reporter, incidentByKey.get(s.key)!)).map((s) => s.key)];
        r.incident = candidates[rr++ % candidates.length] ?? null;
      }

      // At most 2 contributing counties per indicator, except the correlated one.
      for (const ind of indicators.values()) {
        const n = contributingCounties(ind, reports, sightings).size;
        if (ind === correlated ? n !== 3 : n >= 3) throw new Error(`${ind.label}: ${n} contributing counties`);
      }

      await sendReports(reports);
      for (const s of sightings) {
        const res = await sendSighting(s);
        if (res.outcome !== 'OK') throw new Error(`sighting "${s.label}" of ${s.ind.label} as ${s.reporter} failed: ${res.outcome} ${res.message}`);
      }
      revokeTargets = pending.map((p) => ({ shape: p.shape, allowed: p.allowed, copies: p.specs.map((s) => s.ind.reports[0]!) }));

      // Revocations of the setup: by the reporting user (expected OK).
      for (const r of reports.filter((x) => x.revoke)) {
        const rep = r.ind.reports.find((x) => x.org === U(r.reporter).org)!;
        const u = U(r.reporter);
        const res = toRes(await hub.gql<any>(u.token, Q.revoke, { id: rep.id }), 'revokeIndicatorReport');
        tally.outcome(u, `${r.ind.label} / ${reportName(rep)}`, 'revokeIndicatorReport (setup)', OI.expectRevoke(u, rep), res);
        if (res.outcome === 'OK') rep.revoked = true;
      }
    });

    // The statewide incident of the correlated indicator: AMBER, reported by the hub for sos, shared with the 3 counties.
    const rows = await hub.db
      .selectFrom('indicator_correlations as c')
      .innerJoin('indicators as i', 'i.id', 'c.indicator_id')
      .innerJoin('incidents as inc', 'inc.id', 'c.incident_id')
      .select(['c.incident_id', 'c.county_ids', 'i.type', 'i.value', 'inc.reference', 'inc.tlp', 'inc.law_enforcement_sensitive'])
      .execute();
    tally.fact(null, 'indicator_correlations', 'cross-county correlation (setup)', rows.length === 1 && `${rows[0]!.type}|${rows[0]!.value}` === correlated.key, `expected one, of ${correlated.key}; got ${JSON.stringify(rows.map((r) => `${r.type}|${r.value}`))}`);
    const row = rows.find((r) => `${r.type}|${r.value}` === correlated.key);
    if (row) {
      const orgs = await hub.db.selectFrom('organizations').select(['id', 'slug']).where('id', 'in', row.county_ids).execute();
      const counties = orgs.map((o) => o.slug).sort();
      tally.fact(null, correlated.label, 'correlation counties', JSON.stringify(counties) === JSON.stringify(['county-fresno', 'county-kern', 'county-orange']), `got ${counties.join(', ')}`);
      tally.fact(null, correlated.label, 'correlation incident TLP', row.tlp === 'AMBER' && row.law_enforcement_sensitive === false, `got ${row.tlp} LES=${row.law_enforcement_sensitive}`);
      const inc: O.OracleIncident = {
        label: 'statewide correlation incident',
        id: row.incident_id,
        reference: row.reference,
        title: '',
        tlp: 'AMBER',
        les: false,
        exercise: false,
        severity: 'HIGH',
        category: 'PHISHING',
        status: 'REPORTED',
        reportingOrg: 'sos',
        reportingUser: 'correlation@estf-hub.local',
        affectedCounties: [],
        sharedOrgs: counties,
        recipients: [],
        mergedInto: null,
      };
      incidents.set(inc.id, inc);
      incidentByKey.set('I-STATEWIDE', inc);
      correlated.correlationIncidentId = inc.id;
    }
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
  });

  // ── Reads ────────────────────────────────────────────────────────────────────────────────────────

  /** Compares what is shown of a visible indicator with the oracle (the fields the query asked for). */
  function checkDetail(u: MUser, ind: OI.OracleIndicator, got: any, path: string): void {
    const what = ind.label;
    if ('reports' in got) {
      const gotReports = new Map<string, any>((got.reports ?? []).map((r: any) => [String(r.id), r]));
      for (const r of ind.reports) tally.see(u, `${what} / ${reportName(r)}`, `${path}.reports`, OI.canSeeReport(u, r), gotReports.has(r.id));
      const known = new Set(ind.reports.map((r) => r.id));
      const strangers = [...gotReports.keys()].filter((id) => !known.has(id));
      tally.fact(u, what, `${path}.reports`, strangers.length === 0, `reports that are not this indicator's: ${strangers.map((id) => `${id} ${reportLabel.get(id) ?? ''}`).join(', ')}`, 'allow');
      for (const r of ind.reports) {
        const g = gotReports.get(r.id);
        if (!g || !OI.canSeeReport(u, r) || !('organization' in g)) continue;
        tally.fact(u, `${what} / ${reportName(r)}`, `${path}.reports[].organization/tlp/LES`, g.organization?.slug === r.org && g.tlp === r.tlp && g.lawEnforcementSensitive === r.les, `got ${g.organization?.slug} ${g.tlp} LES=${g.lawEnforcementSensitive}`);
        const expected = OI.reportIncident(u, r, incidents);
        const gi = g.incident?.id ?? null;
        tally.fact(
          u,
          `${what} / ${reportName(r)}`,
          `${path}.reports[].incident`,
          expected === gi,
          `expected ${incidentLabel(expected)}, got ${incidentLabel(gi)}`,
          gi !== null && expected === null ? 'allow' : expected !== null && gi === null ? 'deny' : 'wrong',
        );
      }
    }
    if ('sightings' in got) {
      const gotSightings = new Map<string, any>((got.sightings ?? []).map((s: any) => [String(s.id), s]));
      for (const s of ind.sightings) tally.see(u, `${what} / sighting ${s.id} [${s.label}]`, `${path}.sightings`, OI.canSeeSighting(u, s), gotSightings.has(s.id));
      const knownS = new Set(ind.sightings.map((s) => s.id));
      const strangerS = [...gotSightings.keys()].filter((id) => !knownS.has(id));
      tally.fact(u, what, `${path}.sightings`, strangerS.length === 0, `sightings that are not this indicator's: ${strangerS.join(', ')}`, 'allow');
      for (const s of ind.sightings) {
        const g = gotSightings.get(s.id);
        if (g) tally.fact(u, `${what} / sighting ${s.id}`, `${path}.sightings[].organization/tlp/count`, g.organization?.slug === s.org && g.tlp === s.tlp && g.count === s.count, `got ${g.organization?.slug} ${g.tlp} ${g.count}`);
      }
    }
    // counts of every sighting
    if ('sightingCount' in got) tally.count(u, what, `${path}.sightingCount`, OI.sightingCount(ind), got.sightingCount);
    if ('sightingOrganizationCount' in got) tally.count(u, what, `${path}.sightingOrganizationCount`, OI.sightingOrganizationCount(ind), got.sightingOrganizationCount);
    if ('linkedIncidents' in got) {
      const gotLinked = new Set<string>((got.linkedIncidents ?? []).map((i: any) => i.id));
      const expectedLinked = OI.linkedIncidents(u, ind, incidents);
      for (const id of new Set([...OI.allLinkedIncidents(ind), ...gotLinked])) {
        tally.see(u, `${what} / incident ${incidentLabel(id)}`, `${path}.linkedIncidents`, expectedLinked.has(id), gotLinked.has(id));
      }
    }
    // first and last seen: only from what the viewer may see
    if ('firstSeen' in got) {
      const hiddenTimes = OI.invisibleOnlyTimes(u, ind);
      const first = ms(got.firstSeen);
      const expFirst = OI.firstSeen(u, ind);
      const leak = first !== null && hiddenTimes.has(first);
      tally.fact(u, what, `${path}.firstSeen`, first === expFirst, `expected ${expFirst === null ? null : new Date(expFirst).toISOString()}, got ${got.firstSeen}${leak ? ' (the time of something invisible)' : ''}`, leak ? 'allow' : 'wrong');
      const last = ms(got.lastSeen);
      const times = OI.visibleTimes(u, ind);
      const maxVisible = times.length ? Math.max(...times) : null;
      const lastLeak = last !== null && hiddenTimes.has(last);
      const lastOk = last !== null && maxVisible !== null && last >= maxVisible && !lastLeak;
      tally.fact(u, what, `${path}.lastSeen`, lastOk, `got ${got.lastSeen}, latest visible ${maxVisible === null ? null : new Date(maxVisible).toISOString()}${lastLeak ? ' (the time of something invisible)' : ''}`, lastLeak ? 'allow' : 'wrong');
    }
    // since-filtered fields (asked with since = now − 5 h)
    if ('sightingCountSince' in got) {
      const gotRecent = new Set<string>((got.sightingsSince ?? []).map((s: any) => String(s.id)));
      const expRecent = new Set(OI.visibleSightings(u, ind, since).map((s) => s.id));
      for (const s of ind.sightings) tally.see(u, `${what} / sighting ${s.id} [${s.label}]`, `${path}.sightings(since)`, expRecent.has(s.id), gotRecent.has(s.id));
      tally.count(u, what, `${path}.sightingCount(since)`, OI.sightingCount(ind, since), got.sightingCountSince);
      tally.count(u, what, `${path}.sightingOrganizationCount(since)`, OI.sightingOrganizationCount(ind, since), got.sightingOrganizationCountSince);
    }
  }

  function checkIndicatorAnswer(u: MUser, ind: OI.OracleIndicator, got: any, error: string | null, path: string): void {
    const expected = OI.canSeeIndicator(u, ind);
    tally.see(u, ind.label, path, expected, got !== null && got !== undefined, error ?? '');
    if (got && expected) checkDetail(u, ind, got, path);
  }

  /** Indicators whose reports changed after the first read phase: the second asks them one by one again. */
  const changed = new Set<string>();

  /**
   * `singles`: asked one by one with every field; `light`: asked one by one for their reports only (copies
   * of a shape already asked in full).
   */
  async function readPhase(phase: string, singles: readonly OI.OracleIndicator[], light: readonly OI.OracleIndicator[] = [], again = false): Promise<void> {
    const all = [...indicators.values()];
    const now = new Date();
    // Observables: every value, an address inside each network, misses, and one invalid value.
    const obs: Array<{ type: string; value: string }> = all.map((i) => ({ type: i.type, value: i.value }));
    for (const i of all) {
      if (i.type !== 'CIDR') continue;
      const [net, bits] = i.value.split('/');
      const p = net!.split('.');
      obs.push({ type: 'IPV4', value: Number(bits) >= 24 ? `${p[0]}.${p[1]}.${p[2]}.9` : `${p[0]}.${p[1]}.3.9` });
    }
    obs.push({ type: 'DOMAIN', value: 'zmx-miss.campaign-vote.xyz' }, { type: 'IPV4', value: '45.81.1.1' });
    const inputs = [...obs.map((o) => o.value), 'not a value ☃'];
    const invalidIndex = inputs.length - 1;

    const filters: Array<{ name: string; filter: Record<string, unknown>; expect(u: MUser, i: OI.OracleIndicator): boolean }> = [
      ...SLUGS.map((slug) => ({ name: `reportedBy ${slug}`, filter: { reportedBy: slug }, expect: (u: MUser, i: OI.OracleIndicator) => OI.matchesReportedBy(u, i, slug) })),
      ...[...incidents.values()].map((inc) => ({
        name: `linkedIncident ${inc.reference} [${inc.label}]`,
        filter: { linkedIncident: inc.id },
        expect: (u: MUser, i: OI.OracleIndicator) => OI.matchesLinkedIncident(u, i, inc.id, incidents),
      })),
      { name: 'seenSince (now − 5 h)', filter: { seenSince: since.toISOString() }, expect: (u, i) => OI.matchesSeenSince(u, i, since) },
      { name: 'types CIDR,IPV4', filter: { types: ['CIDR', 'IPV4'] }, expect: (u, i) => OI.canSeeIndicator(u, i) && (i.type === 'CIDR' || i.type === 'IPV4') },
      { name: 'text "ballot-portal"', filter: { text: 'ballot-portal' }, expect: (u, i) => OI.canSeeIndicator(u, i) && i.value.includes('ballot-portal') },
      { name: 'reportedBy county-orange + types DOMAIN', filter: { reportedBy: 'county-orange', types: ['DOMAIN'] }, expect: (u, i) => OI.matchesReportedBy(u, i, 'county-orange') && i.type === 'DOMAIN' },
    ];
    if (all.length > 250) throw new Error('more indicators than one filtered page holds');
    // Asked again (after the mutations): the filters whose answers mutations can change, matching without
    // expired reports and without the hits' reports (asked in full the first time).
    const askedFilters = again ? filters.filter((f) => !/^(types|text|reportedBy county-orange \+)/.test(f.name)) : filters;
    const matchRuns = again ? [false] : [false, true];

    await timed(`${phase}: indicator(type, value) ×${singles.length}+${light.length}`, async () => {
      await runPool(users, 4, async (u) => {
        const rich = (i: OI.OracleIndicator) => i.sightings.length > 0 || i.reports.length > 1;
        const linked = (i: OI.OracleIndicator) => OI.allLinkedIncidents(i).size > 0;
        const sighted = singles.filter((i) => i.sightings.length > 0);
        const parts = [
          ...chunk(singles.filter(rich), 14).map((p) => ({ p, sel: '...D', fragment: DETAIL, vars: '', path: 'indicator(type, value)' })),
          ...chunk(singles.filter((i) => !rich(i) && linked(i)), 14).map((p) => ({ p, sel: '...B', fragment: BASIC, vars: '', path: 'indicator(type, value)' })),
          ...chunk(singles.filter((i) => !rich(i) && !linked(i)), 14).map((p) => ({ p, sel: '...P', fragment: PLAIN, vars: '', path: 'indicator(type, value)' })),
          ...chunk(sighted, 14).map((p) => ({ p, sel: '...S', fragment: SINCE, vars: '$since: DateTime!, ', path: 'indicator(type, value) (since fields)' })),
          ...chunk(light, 14).map((p) => ({ p, sel: 'type value reports { id }', fragment: '', vars: '', path: 'indicator(type, value)' })),
        ];
        for (const { p: part, sel, fragment, vars: extra, path } of parts) {
          const decls = extra + part.map((_, k) => `$t${k}: IndicatorType!, $v${k}: String!`).join(', ');
          const body = part.map((_, k) => `a${k}: indicator(type: $t${k}, value: $v${k}) { ${sel} }`).join('\n');
          const vars: Record<string, string> = extra ? { since: since.toISOString() } : {};
          part.forEach((i, k) => {
            vars[`t${k}`] = i.type;
            vars[`v${k}`] = i.value;
          });
          const r = await hub.gql<any>(u.token, `query(${decls}) {\n${body}\n}\n${fragment}`, vars);
          if (!r.data) throw new Error(`indicator() as ${u.key}: ${JSON.stringify(r.errors)}`);
          part.forEach((ind, k) => {
            const e = r.errors?.find((x: any) => x.path?.[0] === `a${k}`);
            let got = r.data[`a${k}`];
            if (got && fragment === SINCE) {
              const { sightings: sightingsSince, sightingCount: sightingCountSince, sightingOrganizationCount: sightingOrganizationCountSince, ...rest } = got;
              got = { ...rest, sightingsSince, sightingCountSince, sightingOrganizationCountSince };
            }
            checkIndicatorAnswer(u, ind, got, e ? `${e.extensions?.code}: ${e.message}` : null, `${path} [${phase}]`);
          });
        }
        // A value nobody reported answers exactly like an invisible one: null, no error.
        const ghost = await hub.gql<any>(u.token, `{ indicator(type: DOMAIN, value: "zmx-never-reported.campaign-vote.xyz") { id } }`);
        tally.fact(u, 'a value nobody reported', `indicator(type, value) [${phase}]`, ghost.data?.indicator === null && !ghost.errors, `got ${JSON.stringify(ghost.errors ?? ghost.data)}`);
      });
    });

    await timed(`${phase}: indicators list`, async () => {
      await runPool(users, 4, async (u) => {
        const path = `indicators [${phase}]`;
        const nodes = new Map<string, any>();
        let after: string | null = null;
        let total: number | null = null;
        for (let page = 0; page < 10; page++) {
          const r: GqlResponse<any> = await hub.gql<any>(u.token, Q.list, { after });
          const conn = r.data?.indicators;
          if (!conn) {
            tally.fact(u, '-', path, false, `error ${JSON.stringify(r.errors)}`, 'deny');
            return;
          }
          total = conn.totalCount;
          for (const e of conn.edges) nodes.set(`${e.node.type}|${e.node.value}`, e.node);
          if (!conn.pageInfo.hasNextPage) break;
          after = conn.pageInfo.endCursor;
        }
        let expectedCount = 0;
        for (const ind of all) {
          if (OI.canSeeIndicator(u, ind)) expectedCount++;
          checkIndicatorAnswer(u, ind, nodes.get(ind.key) ?? null, null, path);
        }
        const strangers = [...nodes.keys()].filter((k) => !indicators.has(k));
        tally.fact(u, '-', path, strangers.length === 0, `indicators the test never reported: ${strangers.join(', ')}`, 'allow');
        tally.count(u, 'no filter', `${path}.totalCount`, expectedCount, total);
      });
    });

    await timed(`${phase}: filters`, async () => {
      await runPool(users, 4, async (u) => {
        const ask = async (part: typeof filters, first: number) => {
          const decls = part.map((_, k) => `$f${k}: IndicatorFilter`).join(', ');
          const body = part.map((_, k) => `a${k}: indicators(filter: $f${k}, first: ${first}) { totalCount edges { node { type value } } }`).join('\n');
          const vars: Record<string, unknown> = {};
          part.forEach((f, k) => (vars[`f${k}`] = f.filter));
          const r = await hub.gql<any>(u.token, `query(${decls}) {\n${body}\n}`, vars);
          return part.map((f, k) => ({ f, conn: r.data?.[`a${k}`] ?? null, error: r.errors ? JSON.stringify(r.errors) : '' }));
        };
        // Narrow pages 15 at a time (the cost limit counts a literal `first`: 15 × 18 fits); a filter with more answers is asked alone.
        const answers = (await Promise.all(chunk(askedFilters, 15).map((part) => ask(part, 18)))).flat();
        for (const a of answers) {
          if (a.conn && a.conn.totalCount > a.conn.edges.length) Object.assign(a, (await ask([a.f], 250))[0]!);
        }
        for (const { f, conn, error } of answers) {
          const path = `indicators(filter: ${f.name}) [${phase}]`;
          if (!conn) {
            tally.fact(u, '-', path, false, `error ${error}`, 'deny');
            continue;
          }
          const got = new Set<string>(conn.edges.map((e: any) => `${e.node.type}|${e.node.value}`));
          let n = 0;
          for (const ind of all) {
            const expected = f.expect(u, ind);
            if (expected) n++;
            tally.see(u, ind.label, path, expected, got.has(ind.key));
          }
          const strangers = [...got].filter((key) => !indicators.has(key));
          tally.fact(u, '-', path, strangers.length === 0, `indicators the test never reported: ${strangers.join(', ')}`, 'allow');
          tally.count(u, f.name, `${path}.totalCount`, n, conn.totalCount);
        }
      });
    });

    await timed(`${phase}: matchObservables`, async () => {
      await runPool(users, 4, async (u) => {
        for (const includeExpired of matchRuns) {
          const path = `matchObservables(includeExpired: ${includeExpired}) [${phase}]`;
          const r = await hub.gql<any>(u.token, again ? Q.matchLight : Q.match, { v: inputs, x: includeExpired });
          const res = r.data?.matchObservables;
          if (!res) {
            tally.fact(u, '-', path, false, `error ${JSON.stringify(r.errors)}`, 'deny');
            continue;
          }
          const got = new Map<string, any>();
          for (const m of res.matches) got.set(`${m.index}|${m.indicator.type}|${m.indicator.value}|${m.via}`, m.indicator);
          const expectedKeys = new Set<string>();
          obs.forEach((o, idx) => {
            for (const c of OI.candidateMatches(o.type, o.value, all)) {
              const key = `${idx}|${c.ind.key}|${c.via}`;
              expectedKeys.add(key);
              const expected = OI.isMatchable(u, c.ind, includeExpired, now);
              const node = got.get(key);
              tally.see(u, `${o.value} → ${c.ind.label} via ${c.via}`, path, expected, node !== undefined);
              if (node && expected) checkDetail(u, c.ind, node, `${path}.matches[].indicator`);
            }
          });
          const strangers = [...got.keys()].filter((k) => !expectedKeys.has(k));
          tally.fact(u, '-', path, strangers.length === 0, `matches the oracle knows no candidate for: ${strangers.join(', ')}`, 'allow');
          tally.fact(u, 'not a value ☃', `${path}.invalid`, res.invalid.some((x: any) => x.index === invalidIndex), `invalid: ${JSON.stringify(res.invalid)}`);
        }
      });
    });
  }

  it('reads: indicator, indicators (every filter, totalCount), matchObservables, as every user', async () => {
    // Copies of a revoke target beyond the first are the same shape: their reports only.
    const copies = new Set(revokeTargets.flatMap((t) => t.copies.slice(1).map((r) => r.indicator)));
    const all = [...indicators.values()];
    await readPhase('after setup', all.filter((i) => !copies.has(i.key)), all.filter((i) => copies.has(i.key)));
  }, 120_000);

  // ── Mutations ────────────────────────────────────────────────────────────────────────────────────

  it('reportIndicators and reportSighting: analysts only', async () => {
    await timed('report / sight as every user', async () => {
      const ids = new Map<MUser, string>();
      await runPool(users, 4, async (u) => {
        const ind = indicator('DOMAIN', `zmx-byuser-${u.key.toLowerCase()}.campaign-vote.xyz`, `reported by ${u.key} (AMBER)`);
        const at = new Date();
        const validFrom = new Date(T0 - 4 * H - users.indexOf(u) * 29_000);
        const res = toRes(await hub.gql<any>(u.token, Q.report, { input: [{ value: ind.value, type: 'DOMAIN', tlp: 'AMBER', validFrom: validFrom.toISOString() }] }), 'reportIndicators');
        const ok = res.outcome === 'OK' && res.data?.[0]?.ok === true;
        tally.outcome(u, ind.label, 'reportIndicators', OI.expectReport(u), ok ? res : res.outcome === 'OK' ? { outcome: 'ITEM_REFUSED', message: JSON.stringify(res.data), data: null } : res);
        if (ok) {
          ind.reports.push({ label: `AMBER by ${u.key}`, id: '?', indicator: ind.key, org: u.org, reportingUser: u.email, tlp: 'AMBER', les: false, sharedOrgs: [], recipients: [], validFrom, validUntil: null, reportedAt: at, incidentId: null, revoked: false });
          ids.set(u, ind.key);
          changed.add(ind.key);
        } else indicators.delete(ind.key);

        const sInd = indicator('DOMAIN', `zmx-sightuser-${u.key.toLowerCase()}.campaign-vote.xyz`, `sighted by ${u.key}`);
        const tlp: O.Tlp = users.indexOf(u) % 2 === 0 ? 'RED' : 'AMBER';
        sInd.label += ` (${tlp})`;
        const sres = await sendSighting({ ind: sInd, label: `${tlp} sighting`, reporter: u.key, tlp, seenAt: new Date(Date.now() - 60_000), count: 1 });
        tally.outcome(u, sInd.label, 'reportSighting', OI.expectReport(u), sres);
        if (sres.outcome !== 'OK') indicators.delete(sInd.key);
        else changed.add(sInd.key);
      });
      const fromDb = await reportIdsFromDb();
      for (const [u, key] of ids) {
        const rep = indicators.get(key)!.reports[0]!;
        rep.id = fromDb.get(`${key}|${u.org}`) ?? '?';
        reportLabel.set(rep.id, rep.label);
      }
    });
  }, 120_000);

  it('linkIndicatorToIncident: your organization\'s report, an incident you may see', async () => {
    for (const p of probes.values()) changed.add(p.key);
    await timed('link matrix', async () => {
      const ghostRes = new Map<MUser, Res>();
      const byOrg = new Map<string, MUser[]>();
      for (const u of users) byOrg.set(u.org, [...(byOrg.get(u.org) ?? []), u]);
      // Organizations in parallel; the users of one organization in order (the last link wins).
      await runPool([...byOrg.values()], 4, async (orgUsers) => {
        for (const u of orgUsers) {
          const probe = probes.get(u.org) ?? probes.get('county-orange')!;
          const run = async (ind: OI.OracleIndicator, incidentId: string) =>
            toRes(await hub.gql<any>(u.token, Q.link, { input: { type: ind.type, value: ind.value, incidentId } }), 'linkIndicatorToIncident');
          // An incident that does not exist.
          const ghostId = randomUUID();
          const g = await run(probe, ghostId);
          ghostRes.set(u, g);
          tally.outcome(u, `${probe.label} → an incident that does not exist`, 'linkIndicatorToIncident', OI.expectLink(u, null, probe), g, g);
          // Analysts are asked every incident; everyone else one they may see and one they may not.
          // Analysts are asked every incident they may see and, of those they may not, one per reason (the
          // TLP rule, the LES rule, both); everyone else one incident they may see and one they may not.
          const reason = (sh: IShape) => {
            const inc = incidentByKey.get(sh.key)!;
            return O.canSee(u, inc) ? `visible ${sh.key}` : `${O.passesTlpRule(u, inc) ? '' : 'tlp'}+${O.passesLesRule(u, inc) ? '' : 'les'}`;
          };
          const asked = O.actsAsAnalyst(u)
            ? INCIDENT_SHAPES.filter((sh, k) => INCIDENT_SHAPES.findIndex((x) => reason(x) === reason(sh)) === k)
            : firstOfEach(INCIDENT_SHAPES, (sh) => O.canSee(u, incidentByKey.get(sh.key)!));
          for (const shape of asked) {
            const inc = incidentByKey.get(shape.key)!;
            const expected = OI.expectLink(u, inc, probe);
            const res = await run(probe, inc.id);
            tally.outcome(u, `${probe.label} → ${incidentLabel(inc.id)}`, 'linkIndicatorToIncident', expected, res, g);
            if (expected === 'NOT_FOUND' && res.outcome === 'NOT_FOUND') {
              const norm = (m: string, id: string) => m.replaceAll(id, '<id>');
              tally.fact(u, `${probe.label} → ${incidentLabel(inc.id)}`, 'linkIndicatorToIncident (invisible vs non-existent)', norm(res.message, inc.id) === norm(g.message, ghostId), `invisible: "${res.message}"; non-existent: "${g.message}"`, 'allow');
            }
            if (res.outcome === 'OK') {
              const rep = probe.reports.find((r) => r.org === u.org && !r.revoked);
              if (rep) rep.incidentId = inc.id;
              tally.fact(u, `${probe.label} → ${incidentLabel(inc.id)}`, 'linkIndicatorToIncident.incident', res.data?.incident?.id === inc.id, `answered incident ${JSON.stringify(res.data?.incident)}`);
            }
          }
          // Another organization's probe: the user's organization has no report of it.
          const other = u.org === 'county-orange' ? probes.get('county-kern')! : probes.get('county-orange')!;
          const inc = incidentByKey.get('I-GREEN')!;
          const res = await run(other, inc.id);
          tally.outcome(u, `${other.label} (not its organization's) → ${incidentLabel(inc.id)}`, 'linkIndicatorToIncident', OI.expectLink(u, inc, other), res);
          if (res.outcome === 'OK') {
            const rep = other.reports.find((r) => r.org === u.org && !r.revoked);
            if (rep) rep.incidentId = inc.id;
          }
        }
      });
    });
  }, 120_000);

  it('revokeIndicatorReport: invisible NOT_FOUND, others\' FORBIDDEN, own and coordinators OK; revoked is seen by nobody', async () => {
    for (const t of revokeTargets) for (const r of t.copies) changed.add(r.indicator);
    await timed('revoke matrix', async () => {
      // An id that does not exist, per user.
      const ghost = new Map<MUser, Res>();
      await runPool(users, 4, async (u) => {
        const g = toRes(await hub.gql<any>(u.token, Q.revoke, { id: '987654321' }), 'revokeIndicatorReport');
        ghost.set(u, g);
        tally.outcome(u, 'a report that does not exist', 'revokeIndicatorReport', OI.expectRevoke(u, null), g, g);
      });
      // Everyone expected to be refused, on the first copy of each shape.
      await runPool(users, 4, async (u) => {
        const asked = O.actsAsAnalyst(u) ? revokeTargets : firstOfEach(revokeTargets, (t) => OI.canSeeReport(u, t.copies[0]!));
        for (const t of asked) {
          const rep = t.copies[0]!;
          const expected = OI.expectRevoke(u, rep);
          if (expected === 'OK') continue;
          const res = toRes(await hub.gql<any>(u.token, Q.revoke, { id: rep.id }), 'revokeIndicatorReport');
          tally.outcome(u, `${indicators.get(rep.indicator)!.label} / ${reportName(rep)}`, 'revokeIndicatorReport', expected, res, ghost.get(u));
          if (res.outcome === 'OK') rep.revoked = true;
          if (expected === 'NOT_FOUND' && res.outcome === 'NOT_FOUND') {
            const g = ghost.get(u)!;
            tally.fact(u, reportName(rep), 'revokeIndicatorReport (invisible vs non-existent)', res.message.replaceAll(rep.id, '<id>') === g.message.replaceAll('987654321', '<id>'), `invisible: "${res.message}"; non-existent: "${g.message}"`, 'allow');
          }
        }
      });
      // Each allowed user revokes a copy of its own, then again (a revoked report is invisible: NOT_FOUND).
      await runPool(revokeTargets, 4, async (t) => {
        for (const [j, u] of t.allowed.entries()) {
          const rep = t.copies[j]!;
          const what = `${indicators.get(rep.indicator)!.label} / ${reportName(rep)}`;
          const res = toRes(await hub.gql<any>(u.token, Q.revoke, { id: rep.id }), 'revokeIndicatorReport');
          tally.outcome(u, what, 'revokeIndicatorReport', OI.expectRevoke(u, rep), res, ghost.get(u));
          if (res.outcome === 'OK') rep.revoked = true;
          const again = toRes(await hub.gql<any>(u.token, Q.revoke, { id: rep.id }), 'revokeIndicatorReport');
          tally.outcome(u, `${what} (again)`, 'revokeIndicatorReport', OI.expectRevoke(u, rep), again, ghost.get(u));
        }
      });
    });
  }, 120_000);

  it('reads again after links and revocations', async () => {
    // Again one by one: what the mutations changed (probes in full; revoked copies, their reports only).
    const copies = new Set(revokeTargets.flatMap((t) => t.copies.map((r) => r.indicator)));
    const all = [...indicators.values()];
    await readPhase('after mutations', all.filter((i) => changed.has(i.key) && !copies.has(i.key)), all.filter((i) => copies.has(i.key)), true);
    const n = await hub.db.selectFrom('indicator_correlations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    tally.fact(null, 'indicator_correlations', 'no other cross-county correlation', Number(n.n) === 1, `got ${n.n}`);
  }, 120_000);

  it('has zero unexpected allows and zero unexpected denies', () => {
    const seconds = ((Date.now() - T0) / 1000).toFixed(1);
    console.log(`indicator access matrix: ${tally.checks} checks, ${tally.allows.length} unexpected allows, ${tally.denies.length} unexpected denies`);
    console.log(
      `(${tally.wrong.length} other mismatches; ${indicators.size} indicators, ${[...indicators.values()].reduce((n, i) => n + i.reports.length, 0)} reports, ` +
        `${[...indicators.values()].reduce((n, i) => n + i.sightings.length, 0)} sightings, ${incidents.size} incidents, ${users.length} users; ${seconds}s: ${timings.join(', ')})`,
    );
    console.log(`expected answers: ${[...tally.expectedAnswers].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    const report = [
      ...tally.allows.map((l) => `UNEXPECTED ALLOW  ${l}`),
      ...tally.denies.map((l) => `UNEXPECTED DENY   ${l}`),
      ...tally.wrong.map((l) => `MISMATCH          ${l}`),
    ];
    if (report.length) console.log(report.join('\n'));
    expect(report).toEqual([]);
  });
});
