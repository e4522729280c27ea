/**
 * The "who may…" rules that moved into src/access/ (issue 13) and that the access matrices do not ask
 * through the API: acknowledging and escalating, seeing an organization's members, managing API tokens
 * and contact methods, managing alert subscriptions, importing indicators, the county list of a
 * statewide correlation, assigning a law-enforcement-sensitive incident, and the organization principal
 * of an organization's subscription. Every principal (every role at every kind of organization, and the
 * operator) is asked about every shape of facts, and each answer is compared with a plain oracle written
 * from access-policy.md (below, and the incident oracle of test/oracle.ts); it shares no code with src/access/.
 */
import { describe, expect, it } from 'vitest';
import { canAcknowledge, canEscalate } from '../src/access/escalations.js';
import { canSeeIncident, lawEnforcementRuleAdmits, whyOrganizationMayNotSee, type IncidentAccessFacts } from '../src/access/incidents.js';
import { canImportIndicatorsFor, visibleCorrelationCounties } from '../src/access/indicators.js';
import { canSeeKeptMispAttribute, mayLeaveAsMisp } from '../src/access/misp.js';
import { canListEveryUser, canManageTokensOf, canSeeMembersOf } from '../src/access/organizations.js';
import { canIssueTokenFor, canManageContactMethods } from '../src/access/policy.js';
import {
  organizationPrincipal,
  systemPrincipal,
  targetOrganization,
  userPrincipal,
  type Principal,
} from '../src/access/principal.js';
import { canListSubscriptionsOf, canManageSubscription, canSubscribeFor } from '../src/access/subscriptions.js';
import * as O from './oracle.js';

// ── The world: organizations, users, the operator ─────────────────────────────────────────────────

const ORGS = ['county-orange', 'county-kern', 'sos', 'cal-oes', 'fbi', 'chp', 'cisa'] as const;
const ROLE_SETS: O.Role[][] = [['VIEWER'], ['ANALYST'], ['COORDINATOR'], ['COORDINATOR', 'ANALYST'], ['ORG_ADMIN'], ['AUDITOR'], ['HUB_ADMIN']];

const orgId = (slug: string) => `00000000-0000-4000-8000-${(ORGS.indexOf(slug as never) + 1).toString().padStart(12, '0')}`;
const COORDINATORS = new Set(O.COORDINATOR_ORGS);

interface Someone {
  oracle: O.OracleUser | null; // null: the operator at the shell
  id: string;
  principal: Principal;
}

const people: Someone[] = [{ oracle: null, id: 'operator', principal: systemPrincipal('cli') }];
let n = 0;
for (const org of ORGS) {
  for (const roles of ROLE_SETS) {
    n += 1;
    const id = `10000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
    const oracle: O.OracleUser = { label: `${org} ${roles.join('+')}`, email: `${id}@${org}.example`, org, roles };
    const principal = userPrincipal(
      {
        userId: id,
        email: oracle.email,
        name: oracle.label,
        roles,
        organizationId: orgId(org),
        organizationSlug: org,
        organizationName: org,
        organizationKind: O.kindOf(org),
      },
      COORDINATORS,
      { tokenPrefix: null, requestId: null, clientAddress: null },
    );
    people.push({ oracle, id, principal });
  }
}
const users = people.filter((p): p is Someone & { oracle: O.OracleUser } => p.oracle !== null);
const label = (p: Someone) => p.oracle?.label ?? 'operator';

// ── The oracle for the structure rules (access-policy.md, "Principals") ─────────────────────────────

/** ORG_ADMIN manages their own organization's users, tokens, contact methods; HUB_ADMIN those of any. */
function managesOrganization(u: O.OracleUser, org: string): boolean {
  return O.hasRole(u, 'HUB_ADMIN') || (O.hasRole(u, 'ORG_ADMIN') && u.org === org);
}

/** Interpretation: the members of an organization are known to its own users and to whoever manages it. */
function oracleSeesMembers(u: O.OracleUser | null, org: string): boolean {
  return u === null || u.org === org || managesOrganization(u, org);
}

/** A user's tokens and contact methods: the user themself, and whoever manages their organization. */
function oracleManagesPersonal(u: O.OracleUser | null, owner: O.OracleUser): boolean {
  return u === null || u.email === owner.email || managesOrganization(u, owner.org);
}

/** A token acts as its user: only the user (or the operator at the shell) mints one. */
function oracleIssuesToken(u: O.OracleUser | null, owner: O.OracleUser): boolean {
  return u === null || u.email === owner.email;
}

/** Interpretation: a subscription is managed like a personal setting (user) or like the organization's (organization). */
function oracleManagesSubscription(u: O.OracleUser | null, s: { org: string; owner: string | null }): boolean {
  if (u === null) return true;
  if (s.owner !== null && s.owner === u.email) return true;
  return managesOrganization(u, s.org);
}

/**
 * ANALYSTs acknowledge escalations paged to them. Interpretation (as the matrices read ANALYST-level work):
 * whoever was paged personally, or an analyst (or coordinator) of an organization the escalation targets.
 */
function oracleAcknowledges(u: O.OracleUser | null, targeted: readonly string[], paged: boolean): boolean {
  if (u === null) return false;
  return paged || (O.actsAsAnalyst(u) && targeted.includes(u.org));
}

/** Interpretation: escalating by hand is triage (coordinators) or the work of an analyst whose organization is involved. */
function oracleEscalates(u: O.OracleUser | null, reportingOrg: string, targeted: readonly string[]): boolean {
  if (u === null) return false;
  if (O.isTriageCoordinator(u)) return true;
  return O.actsAsAnalyst(u) && (u.org === reportingOrg || targeted.includes(u.org));
}

/** ANALYSTs report indicators: an import for an organization is by an ANALYST of it (or the operator). */
function oracleImports(u: O.OracleUser | null, org: string): boolean {
  return u === null || (O.hasRole(u, 'ANALYST') && u.org === org);
}

/** "seen by 4 counties": coordinators and the reporting organization see which; a county only itself. */
function oracleCorrelationCounties(u: O.OracleUser | null, reportingOrg: string, counties: readonly string[]): string[] {
  if (u === null) return [];
  if (O.isCoordinatorOrg(u.org) || u.org === reportingOrg) return [...counties];
  return counties.filter((c) => c === u.org);
}

// ── Incident shapes for the organization-level rules ──────────────────────────────────────────────

const TLPS: O.Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'];
const reporter = users.find((u) => u.oracle.org === 'county-orange' && u.oracle.roles.join() === 'ANALYST')!;
const recipient = users.find((u) => u.oracle.org === 'fbi' && u.oracle.roles.join() === 'ANALYST')!;

function incidents(): Array<{ oracle: O.OracleIncident; facts: IncidentAccessFacts }> {
  const out: Array<{ oracle: O.OracleIncident; facts: IncidentAccessFacts }> = [];
  for (const tlp of TLPS) {
    for (const les of [false, true]) {
      for (const shape of [
        { counties: [], shared: [], recipients: [] },
        { counties: ['county-kern'], shared: ['cisa'], recipients: [recipient] },
        { counties: [], shared: ['chp', 'county-kern'], recipients: [] },
      ]) {
        const oracle: O.OracleIncident = {
          label: `${tlp}${les ? ' LES' : ''} counties:${shape.counties.join(',')} shared:${shape.shared.join(',')} recipients:${shape.recipients.length}`,
          id: 'i',
          reference: 'ESTF-0',
          title: 't',
          tlp,
          les,
          exercise: false,
          severity: 'HIGH',
          category: 'OTHER',
          status: 'REPORTED',
          reportingOrg: reporter.oracle.org,
          reportingUser: reporter.oracle.email,
          affectedCounties: shape.counties,
          sharedOrgs: shape.shared,
          recipients: shape.recipients.map((r) => r.oracle.email),
          mergedInto: null,
        };
        const facts: IncidentAccessFacts = {
          tlp,
          lawEnforcementSensitive: les,
          reportingOrganizationId: orgId(reporter.oracle.org),
          reportingUserId: reporter.id,
          affectedCountyIds: shape.counties.map(orgId),
          sharedOrganizationIds: shape.shared.map(orgId),
          recipientUserIds: shape.recipients.map((r) => r.id),
        };
        out.push({ oracle, facts });
      }
    }
  }
  return out;
}

/** Compares every answer, and reports each mismatch by name (an empty list is the pass). */
function compare(cases: Iterable<{ what: string; expected: unknown; got: unknown }>): { checks: number; mismatches: string[] } {
  let checks = 0;
  const mismatches: string[] = [];
  for (const c of cases) {
    checks += 1;
    if (JSON.stringify(c.expected) !== JSON.stringify(c.got)) mismatches.push(`${c.what}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.got)}`);
  }
  return { checks, mismatches };
}

describe('access rules moved into src/access (access-policy.md, Principals)', () => {
  it("members, tokens and contact methods: every principal about every user's organization", () => {
    const r = compare(
      (function* () {
        for (const p of people) {
          yield { what: `${label(p)} lists every user`, expected: p.oracle === null || O.hasRole(p.oracle, 'HUB_ADMIN'), got: canListEveryUser(p.principal) };
          for (const org of ORGS) yield { what: `${label(p)} sees members of ${org}`, expected: oracleSeesMembers(p.oracle, org), got: canSeeMembersOf(p.principal, orgId(org)) };
          for (const owner of users) {
            const row = { id: owner.id, organization_id: orgId(owner.oracle.org) };
            const what = `${label(p)} about ${owner.oracle.label}`;
            yield { what: `${what}: tokens`, expected: oracleManagesPersonal(p.oracle, owner.oracle), got: canManageTokensOf(p.principal, row) };
            yield { what: `${what}: contact methods`, expected: oracleManagesPersonal(p.oracle, owner.oracle), got: canManageContactMethods(p.principal, row) };
            yield { what: `${what}: issue token`, expected: oracleIssuesToken(p.oracle, owner.oracle), got: canIssueTokenFor(p.principal, owner.id) };
          }
        }
      })(),
    );
    expect(r.mismatches).toEqual([]);
    expect(r.checks).toBe(people.length * (1 + ORGS.length + users.length * 3));
  });

  it('alert subscriptions: subscribing for, listing and managing user and organization subscriptions', () => {
    const r = compare(
      (function* () {
        for (const p of people) {
          for (const org of ORGS) {
            const orgWide = { org, owner: null };
            yield { what: `${label(p)} subscribes for ${org}`, expected: oracleManagesSubscription(p.oracle, orgWide), got: canSubscribeFor(p.principal, orgId(org)) };
            yield { what: `${label(p)} lists ${org}'s subscriptions`, expected: oracleManagesSubscription(p.oracle, orgWide), got: canListSubscriptionsOf(p.principal, orgId(org)) };
            yield {
              what: `${label(p)} manages ${org}'s organization subscription`,
              expected: oracleManagesSubscription(p.oracle, orgWide),
              got: canManageSubscription(p.principal, { organization_id: orgId(org), owner_user_id: null }),
            };
          }
          for (const owner of users) {
            yield {
              what: `${label(p)} manages the subscription of ${owner.oracle.label}`,
              expected: oracleManagesSubscription(p.oracle, { org: owner.oracle.org, owner: owner.oracle.email }),
              got: canManageSubscription(p.principal, { organization_id: orgId(owner.oracle.org), owner_user_id: owner.id }),
            };
          }
        }
      })(),
    );
    expect(r.mismatches).toEqual([]);
    expect(r.checks).toBe(people.length * (ORGS.length * 3 + users.length));
  });

  it('escalations: acknowledging (paged or targeted) and escalating by hand', () => {
    const targetings: string[][] = [[], ['county-orange'], ['county-kern', 'fbi'], ['sos']];
    const r = compare(
      (function* () {
        for (const p of people) {
          for (const targeted of targetings) {
            for (const paged of [false, true]) {
              yield {
                what: `${label(p)} acknowledges (targeted ${targeted.join(',') || 'none'}, paged ${paged})`,
                expected: oracleAcknowledges(p.oracle, targeted, paged),
                got: canAcknowledge(p.principal, { targetedOrganizationIds: targeted.map(orgId), pagedPrincipal: paged }),
              };
            }
            for (const { oracle, facts } of incidents()) {
              yield {
                what: `${label(p)} escalates ${oracle.label} (targeted ${targeted.join(',') || 'none'})`,
                expected: oracleEscalates(p.oracle, oracle.reportingOrg, targeted),
                // One escalation per targeted organization, as several rules matching one incident give.
                got: canEscalate(p.principal, facts, targeted.map((t) => ({ targetedOrganizationIds: [orgId(t)] }))),
              };
            }
          }
        }
      })(),
    );
    expect(r.mismatches).toEqual([]);
    expect(r.checks).toBe(people.length * targetings.length * (2 + incidents().length));
  });

  it('indicators: importing for an organization, and which counties a statewide correlation names', () => {
    const countySets = [['county-orange', 'county-kern'], ['county-kern'], []];
    const r = compare(
      (function* () {
        for (const p of people) {
          for (const org of ORGS) {
            yield { what: `${label(p)} imports for ${org}`, expected: oracleImports(p.oracle, org), got: canImportIndicatorsFor(p.principal, orgId(org)) };
            for (const counties of countySets) {
              yield {
                what: `${label(p)} reads the counties [${counties.join(',')}] of a correlation reported by ${org}`,
                expected: oracleCorrelationCounties(p.oracle, org, counties).map(orgId),
                got: [...visibleCorrelationCounties(p.principal, orgId(org), counties.map(orgId))],
              };
            }
          }
        }
      })(),
    );
    expect(r.mismatches).toEqual([]);
    expect(r.checks).toBe(people.length * ORGS.length * (1 + countySets.length));
  });

  it('organizations as a whole: routing targets, assignability of LES incidents, organization subscriptions', () => {
    const r = compare(
      (function* () {
        for (const org of ORGS) {
          const row = { id: orgId(org), slug: org, name: org, kind: O.kindOf(org) };
          const target = targetOrganization(row, COORDINATORS);
          const asOrganization = organizationPrincipal(row, COORDINATORS);
          // Any user of the organization who is no named recipient: a VIEWER with an e-mail nobody names.
          const anyone: O.OracleUser = { label: `${org} (anyone)`, email: `nobody@${org}.example`, org, roles: ['VIEWER'] };
          for (const { oracle, facts } of incidents()) {
            const what = `${org} about ${oracle.label}`;
            yield { what: `${what}: its users may see it`, expected: O.canSee(anyone, oracle), got: whyOrganizationMayNotSee(target, facts) === null };
            yield { what: `${what}: may be assigned it (LES rule)`, expected: O.passesLesRule(anyone, oracle), got: lawEnforcementRuleAdmits(target, facts) };
            yield { what: `${what}: its organization subscription sees it`, expected: O.canSee(anyone, oracle), got: canSeeIncident(asOrganization, facts) };
          }
        }
        // Every user, as themselves, against the incident oracle (the in-memory form of the one TLP rule).
        for (const p of people) {
          for (const { oracle, facts } of incidents()) {
            yield { what: `${label(p)} sees ${oracle.label}`, expected: p.oracle !== null && O.canSee(p.oracle, oracle), got: canSeeIncident(p.principal, facts) };
          }
        }
      })(),
    );
    expect(r.mismatches).toEqual([]);
    expect(r.checks).toBe(ORGS.length * incidents().length * 3 + people.length * incidents().length);
  });
  it('MISP: what may leave as MISP, and who sees an attribute a MISP import kept as it came', () => {
    const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const;
    const r = compare(
      (function* () {
        for (const tlp of TLPS) {
          for (const exercise of [false, true]) {
            yield { what: `${tlp}${exercise ? ' exercise' : ''} leaves as MISP`, expected: tlp !== 'RED' && !exercise, got: mayLeaveAsMisp({ tlp, exercise }) };
          }
        }
        // A kept attribute is its importing organization's, shared with nobody, naming nobody: the oracle's
        // incident rule for an incident of that organization with no counties, shares or recipients.
        for (const p of people) {
          for (const org of ORGS) {
            for (const tlp of TLPS) {
              const like: O.OracleIncident = {
                label: `kept ${tlp} of ${org}`,
                id: 'a',
                reference: 'MISP',
                title: 't',
                tlp,
                les: false,
                exercise: false,
                severity: 'HIGH',
                category: 'OTHER',
                status: 'REPORTED',
                reportingOrg: org,
                reportingUser: 'nobody@nowhere.example',
                affectedCounties: [],
                sharedOrgs: [],
                recipients: [],
                mergedInto: null,
              };
              yield {
                what: `${label(p)} sees an attribute kept at ${tlp} by ${org}`,
                expected: p.oracle !== null && O.canSee(p.oracle, like),
                got: canSeeKeptMispAttribute(p.principal, { tlp, organizationId: orgId(org) }),
              };
            }
          }
        }
      })(),
    );
    expect(r.mismatches).toEqual([]);
    expect(r.checks).toBe(10 + people.length * ORGS.length * 5);
  });
});
