import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedIncidents } from '../bench/seed-incidents.js';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * bench/seed-incidents.ts numbers references itself; the hub numbers filings from incident_reference_seq. A
 * benchmark that seeds and then files (bench/abuse.ts) must not get a reference the seed already used.
 */
describe('bench seeder and the reference sequence', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  }, 60_000);
  afterAll(async () => hub?.close());

  it('filings after a seed get references the seed did not use, and a second seed continues after them', async () => {
    const user = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST']);
    const principal = await hub.deps.services.identity.authenticate(user.token, { requestId: 'seed', clientAddress: null });
    const file = () =>
      hub.deps.services.incidents.file(principal!, { title: 'After the seed', summary: 's', category: 'RANSOMWARE', severity: 'LOW', tlp: 'GREEN' } as never);
    await seedIncidents(hub.dbUrl, { count: 200, now: new Date() });
    const first = await file();
    await seedIncidents(hub.dbUrl, { count: 200, seed: 7, now: new Date() });
    await file();
    const { count, distinct } = (await hub.db
      .selectFrom('incidents')
      .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.count<string>('reference').distinct().as('distinct')])
      .executeTakeFirstOrThrow());
    expect(Number(count)).toBe(402);
    expect(Number(distinct)).toBe(402);
    expect((first as { reference: string }).reference).toMatch(/^ESTF-\d{4}-\d{5}$/);
  }, 60_000);
});
