/**
 * What a caller may not see never shapes an answer about indicators (access-policy.md, "Side paths"):
 * reportIndicators' `created` (issue 10, item 6) and the statewide correlation incident's count and
 * category (issue 10, item 10).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { index ok created error indicator { value } } }`;
const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;

describe('indicators: answers built only from what the caller may see', () => {
  let hub: TestHub;
  let orange: TestUser, orange2: TestUser, kern: TestUser, fresno: TestUser, marin: TestUser, fbi: TestUser, sos: TestUser;
  const fresh = (what: string) => `${what}-${randomBytes(4).toString("hex")}.info`;

  beforeAll(async () => {
    hub = await startTestHub();
    [orange, orange2, kern, fresno, marin, fbi, sos] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange'),
      makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange2'),
      makeUser(hub.deps, 'county-kern', ['ANALYST'], 'kern'),
      makeUser(hub.deps, 'county-fresno', ['ANALYST'], 'fresno'),
      makeUser(hub.deps, 'county-marin', ['ANALYST'], 'marin'),
      makeUser(hub.deps, 'fbi', ['ANALYST'], 'fbi'),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST'], 'sos'),
    ]);
  });
  afterAll(async () => hub?.close());

  const report = async (u: TestUser, value: string, extra: Record<string, unknown>) => {
    const r = await hub.gql<any>(u.token, REPORT, { input: [{ value, ...extra }] });
    expect(r.errors).toBeUndefined();
    expect(r.data.reportIndicators[0].ok).toBe(true);
    return r.data.reportIndicators[0] as { created: boolean };
  };

  describe('reportIndicators.created', () => {
    it('says "new" to whoever may see no earlier report of the value, whatever hidden reports exist', async () => {
      // Hidden from Kern: an AMBER report of Orange, a RED report of Orange to a colleague, an LES report shared with Kern.
      const amber = fresh('amber');
      const red = fresh('red');
      const les = fresh('les');
      await report(orange, amber, { tlp: 'AMBER' });
      await report(orange, red, { tlp: 'RED', shareWithUsers: [orange2.email] });
      await report(orange, les, { tlp: 'AMBER', lawEnforcementSensitive: true, shareWith: ['county-kern'] });
      for (const value of [amber, red, les]) expect((await report(kern, value, { tlp: 'GREEN' })).created, value).toBe(true);
      // The answer for a value nobody reported is the same.
      expect((await report(kern, fresh('unknown'), { tlp: 'GREEN' })).created).toBe(true);
    });

    it('says "known" where the caller may see an earlier report', async () => {
      const green = fresh('green');
      const red = fresh('red-named');
      const les = fresh('les-fbi');
      await report(orange, green, { tlp: 'GREEN' });
      await report(orange, red, { tlp: 'RED', shareWithUsers: [orange2.email] });
      await report(orange, les, { tlp: 'GREEN', lawEnforcementSensitive: true });
      expect((await report(kern, green, { tlp: 'AMBER' })).created).toBe(false);
      expect((await report(orange2, red, { tlp: 'AMBER' })).created).toBe(false); // a named recipient
      expect((await report(fbi, les, { tlp: 'AMBER' })).created).toBe(false); // law enforcement sees LES
      // Reporting a second time oneself: known.
      expect((await report(orange, green, { tlp: 'GREEN' })).created).toBe(false);
    });
  });

  describe('cross-county correlation', () => {
    it('counts and describes only contributions whose labels let the statewide AMBER audience learn of them (not RED, not LES)', async () => {
      const value = fresh('corr');
      // A hidden RED + LES incident of Orange, category RANSOMWARE, linked by a RED + LES report.
      const hidden = (
        await hub.gql<any>(orange.token, FILE, {
          input: { title: 'Hidden', summary: 's', category: 'RANSOMWARE', severity: 'MODERATE', tlp: 'RED', lawEnforcementSensitive: true, shareWithUsers: [orange2.email] },
        })
      ).data.fileIncident;
      await report(orange, value, { tlp: 'RED', lawEnforcementSensitive: true, shareWithUsers: [orange2.email], incidentId: hidden.id });
      await report(kern, value, { tlp: 'AMBER' });
      await report(fresno, value, { tlp: 'AMBER' });
      // Two counties may be told of their contribution: below the threshold of 3, no statewide incident.
      const none = await hub.db
        .selectFrom('indicator_correlations as c')
        .innerJoin('indicators as i', 'i.id', 'c.indicator_id')
        .select('c.incident_id')
        .where('i.value', '=', value)
        .execute();
      expect(none).toEqual([]);

      // A third county that may be counted: the statewide incident counts 3, never Orange's hidden report, nor its category.
      await report(marin, value, { tlp: 'GREEN' });
      const corr = await hub.db
        .selectFrom('indicator_correlations as c')
        .innerJoin('indicators as i', 'i.id', 'c.indicator_id')
        .select(['c.incident_id', 'c.county_ids'])
        .where('i.value', '=', value)
        .executeTakeFirstOrThrow();
      expect(corr.county_ids).toHaveLength(3);
      const asSos = await hub.gql<any>(sos.token, `query($id: ID!) { incident(id: $id) { title category sharedWith { slug } } }`, { id: corr.incident_id });
      expect(asSos.data.incident.title).toMatch(/3 counties/);
      expect(asSos.data.incident.category).toBe('OTHER');
      expect(asSos.data.incident.sharedWith.map((o: any) => o.slug).sort()).toEqual(['county-fresno', 'county-kern', 'county-marin']);
      // Orange's analysts are not made an audience by a report nobody else may see.
      const asOrange2 = await hub.gql<any>(orange2.token, `query($id: ID!) { incident(id: $id) { id } }`, { id: corr.incident_id });
      expect(asOrange2.data.incident).toBeNull();
    });

    it('takes the category only from a linked incident every partner may see', async () => {
      const value = fresh('corr-cat');
      const amberIncident = (
        await hub.gql<any>(orange.token, FILE, { input: { title: 'Amber one', summary: 's', category: 'MALWARE', severity: 'MODERATE', tlp: 'AMBER' } })
      ).data.fileIncident;
      const greenIncident = (
        await hub.gql<any>(kern.token, FILE, { input: { title: 'Green one', summary: 's', category: 'PHISHING', severity: 'MODERATE', tlp: 'GREEN' } })
      ).data.fileIncident;
      await report(orange, value, { tlp: 'AMBER', incidentId: amberIncident.id });
      await report(sos, value, { tlp: 'AMBER', incidentId: amberIncident.id }); // not a county: it adds no county, only a link
      await report(fresno, value, { tlp: 'AMBER' });
      await report(kern, value, { tlp: 'GREEN', incidentId: greenIncident.id });
      const corr = await hub.db
        .selectFrom('indicator_correlations as c')
        .innerJoin('indicators as i', 'i.id', 'c.indicator_id')
        .innerJoin('incidents as x', 'x.id', 'c.incident_id')
        .select(['x.category'])
        .where('i.value', '=', value)
        .executeTakeFirstOrThrow();
      // Orange's AMBER incident (MALWARE) is not seen by Kern or Fresno: its category does not travel.
      expect(corr.category).toBe('PHISHING');
    });
  });
});
