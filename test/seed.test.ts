import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { prepareDatabase } from '../src/deps.js';
import { createLogger } from '../src/infra/logger.js';
import { seedDemoUsers } from '../src/modules/identity/demo.seed.js';
import { seedPartners } from '../src/modules/partners/partners.seed.js';
import { makeUser } from './factories.js';
import { startTestHub, testConfig, type TestHub } from './harness.js';

/** The duties of domain.md, by organization; every county has rov-oncall. */
const STATE_AND_FEDERAL_DUTIES: Record<string, { kind: string; duties: string[] }> = {
  sos: { kind: 'SECRETARY_OF_STATE', duties: ['misinformation-desk', 'security-duty', 'security-lead'] },
  'cal-oes': { kind: 'CAL_OES', duties: ['csic-watch', 'warning-center'] },
  cisa: { kind: 'CISA', duties: ['election-advisor'] },
  fbi: { kind: 'FBI', duties: ['election-crimes'] },
  chp: { kind: 'CHP', duties: ['duty-officer'] },
  'ei-isac': { kind: 'EI_ISAC', duties: ['soc'] },
  cdt: { kind: 'CDT', duties: [] },
};

// California's county FIPS codes are the odd numbers 06001 to 06115: exactly 58 of them.
const COUNTY_FIPS = Array.from({ length: 58 }, (_, i) => `06${String(2 * i + 1).padStart(3, '0')}`);

describe('the partner seed', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  });
  afterAll(async () => hub?.close());

  async function directory() {
    const orgs = await hub.db.selectFrom('organizations').select(['id', 'slug', 'name', 'kind', 'fips']).orderBy('slug').execute();
    const duties = await hub.db.selectFrom('duties').select(['organization_id', 'name']).execute();
    return orgs.map((o) => ({ ...o, duties: duties.filter((d) => d.organization_id === o.id).map((d) => d.name).sort() }));
  }

  it('holds the 58 counties and 7 state and federal partners with their duties, also after running twice more', async () => {
    const first = await directory();
    await seedPartners(hub.db);
    await seedPartners(hub.db);
    const after = await directory();
    expect(after).toEqual(first);

    expect(after).toHaveLength(65);
    expect(new Set(after.map((o) => o.slug)).size).toBe(65);

    const counties = after.filter((o) => o.kind === 'COUNTY');
    expect(counties).toHaveLength(58);
    for (const c of counties) {
      expect(c.slug).toMatch(/^county-[a-z]+(-[a-z]+)*$/);
      expect(c.fips).toMatch(/^\d{5}$/);
      expect(c.duties).toEqual(['rov-oncall']);
    }
    expect(counties.map((c) => c.fips).sort()).toEqual(COUNTY_FIPS);
    const bySlug = new Map(after.map((o) => [o.slug, o]));
    expect(bySlug.get('county-los-angeles')?.fips).toBe('06037');
    expect(bySlug.get('county-san-luis-obispo')?.fips).toBe('06079');
    expect(bySlug.get('county-del-norte')?.fips).toBe('06015');

    const others = after.filter((o) => o.kind !== 'COUNTY');
    expect(Object.fromEntries(others.map((o) => [o.slug, { kind: o.kind, duties: o.duties }]))).toEqual(STATE_AND_FEDERAL_DUTIES);
    for (const o of others) expect(o.fips).toBeNull();

    const { n } = await hub.db.selectFrom('duties').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(n).toBe(58 + 9);
  });

  it('keeps what an administrator changed and restores only what is missing', async () => {
    await hub.db.updateTable('organizations').set({ name: 'Orange County Registrar of Voters' }).where('slug', '=', 'county-orange').execute();
    const cdt = await hub.db.selectFrom('organizations').select('id').where('slug', '=', 'cdt').executeTakeFirstOrThrow();
    await hub.db.insertInto('duties').values({ organization_id: cdt.id, name: 'noc', description: 'Network operations' }).execute();
    const fbi = await hub.db.selectFrom('organizations').select('id').where('slug', '=', 'fbi').executeTakeFirstOrThrow();
    await hub.db.deleteFrom('duties').where('organization_id', '=', fbi.id).execute();

    await seedPartners(hub.db);

    const orange = await hub.db.selectFrom('organizations').select('name').where('slug', '=', 'county-orange').executeTakeFirstOrThrow();
    expect(orange.name).toBe('Orange County Registrar of Voters');
    const cdtDuties = await hub.db.selectFrom('duties').select('name').where('organization_id', '=', cdt.id).execute();
    expect(cdtDuties.map((d) => d.name)).toEqual(['noc']);
    const fbiDuties = await hub.db.selectFrom('duties').select('name').where('organization_id', '=', fbi.id).execute();
    expect(fbiDuties.map((d) => d.name)).toEqual(['election-crimes']);
  });

  it('serves the directory over GraphQL', async () => {
    const http = await startTestHub();
    try {
      const u = await makeUser(http.deps, 'county-orange', ['VIEWER']);
      const all = await http.gql(u.token, '{ organizations { slug kind fips duties { name } } }');
      expect(all.errors).toBeUndefined();
      expect(all.data.organizations).toHaveLength(65);
      const state = await http.gql(u.token, '{ organizations(kind: SECRETARY_OF_STATE) { slug duties { name } isCoordinator } }');
      expect(state.data.organizations).toEqual([
        { slug: 'sos', duties: [{ name: 'misinformation-desk' }, { name: 'security-duty' }, { name: 'security-lead' }], isCoordinator: true },
      ]);
      const one = await http.gql(u.token, '{ la: organization(slug: "county-los-angeles") { name fips isLawEnforcement } none: organization(slug: "county-atlantis") { slug } }');
      expect(one.data).toEqual({ la: { name: 'Los Angeles County Elections', fips: '06037', isLawEnforcement: false }, none: null });
    } finally {
      await http.close();
    }
  });
});

describe('the demo users (ESTF_DEMO)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  });
  afterAll(async () => hub?.close());

  it('are seeded once for every partner (an ORG_ADMIN in each but the SOS), plus coordinators, a hub admin and an auditor', async () => {
    const config = testConfig({ DATABASE_URL: hub.dbUrl, ESTF_DEMO: 'true' });
    await prepareDatabase(hub.db, config, createLogger('silent'));
    await prepareDatabase(hub.db, config, createLogger('silent'));
    expect(await seedDemoUsers(hub.db)).toEqual({ created: 0 });

    // Only the demo users: modules may seed system users of their own (e.g. the correlation user).
    const users = await hub.db
      .selectFrom('users as u')
      .innerJoin('organizations as o', 'o.id', 'u.organization_id')
      .select(['u.email', 'u.roles', 'o.slug'])
      .where('u.email', 'like', '%.example')
      .execute();
    expect(users).toHaveLength(65 * 2 + 64 + 4);
    const byEmail = new Map(users.map((u) => [u.email, u]));
    expect(byEmail.get('analyst@county-los-angeles.example')).toEqual({ email: 'analyst@county-los-angeles.example', roles: ['ANALYST'], slug: 'county-los-angeles' });
    expect(byEmail.get('oncall@fbi.example')?.roles).toEqual(['ANALYST']);
    expect(byEmail.get('coordinator@sos.example')?.roles).toContain('COORDINATOR');
    expect(byEmail.get('coordinator@cal-oes.example')).toMatchObject({ slug: 'cal-oes', roles: expect.arrayContaining(['COORDINATOR']) });
    expect(byEmail.get('admin@sos.example')).toMatchObject({ slug: 'sos', roles: ['HUB_ADMIN'] });
    expect(byEmail.get('auditor@sos.example')).toMatchObject({ slug: 'sos', roles: ['AUDITOR'] });
    expect(byEmail.get('admin@ei-isac.example')).toMatchObject({ slug: 'ei-isac', roles: ['ORG_ADMIN'] });
    expect(byEmail.get('admin@county-fresno.example')).toMatchObject({ slug: 'county-fresno', roles: ['ORG_ADMIN'] });

    // Seeding is audited once, not once per run.
    const seeded = await hub.db.selectFrom('audit_log').select('change').where('action', '=', 'demo.users_seeded').execute();
    expect(seeded).toEqual([{ change: { created: 198 } }]);
  });

  it('the demo on-call address is created once: a user who removed it does not get it back at the next start', async () => {
    const config = testConfig({ DATABASE_URL: hub.dbUrl, ESTF_DEMO: 'true' });
    await prepareDatabase(hub.db, config, createLogger('silent'));
    const user = await hub.db.selectFrom('users').select('id').where('email', '=', 'oncall@county-fresno.example').executeTakeFirstOrThrow();
    const methods = () => hub.db.selectFrom('contact_methods').select(['id', 'target']).where('user_id', '=', user.id).where('removed_at', 'is', null).execute();
    const [seeded] = await methods();
    expect(seeded?.target).toBe('oncall@county-fresno.example');
    await hub.deps.services.oncall.removeContactMethod(systemPrincipal('test'), seeded!.id);
    expect(await methods()).toEqual([]);
    await prepareDatabase(hub.db, config, createLogger('silent'));
    await prepareDatabase(hub.db, config, createLogger('silent'));
    expect(await methods()).toEqual([]);
  });

  it('are not seeded when ESTF_DEMO is off', async () => {
    const other = await startTestHub({}, { http: false });
    try {
      await prepareDatabase(other.db, other.config, createLogger('silent'));
      expect(other.config.demo).toBe(false);
      const users = await other.db.selectFrom('users').select('email').where('email', 'like', '%.example').execute();
      expect(users).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
