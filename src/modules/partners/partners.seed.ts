import type { Db } from '../../infra/db.js';
import { SEEDED_PARTNERS } from './partners.data.js';
import { upsertDuty, upsertOrganization } from './partners.repository.js';

/** Seeds the 65 partners and their duties. Idempotent: running it again changes nothing. */
export async function seedPartners(db: Db): Promise<{ organizations: number }> {
  await db.transaction().execute(async (trx) => {
    for (const p of SEEDED_PARTNERS) {
      const id = await upsertOrganization(trx, { slug: p.slug, name: p.name, kind: p.kind, fips: p.fips });
      for (const d of p.duties) await upsertDuty(trx, { organization_id: id, ...d });
    }
  });
  return { organizations: SEEDED_PARTNERS.length };
}
