import { systemPrincipal } from '../../access/principal.js';
import type { Role } from '../../domain/people.js';
import type { Db } from '../../infra/db.js';
import { recordAudit } from '../audit/index.js';
import { listOrganizations } from '../partners/index.js';
import { insertUserIfAbsent } from './identity.repository.js';

/**
 * Demo users (ESTF_DEMO): analyst@<slug>.example and oncall@<slug>.example for every partner,
 * admin@<slug>.example (ORG_ADMIN) for every partner but the SOS, plus the coordinators, a hub admin
 * (admin@sos.example) and an auditor. Idempotent.
 */
export async function seedDemoUsers(db: Db): Promise<{ created: number }> {
  return db.transaction().execute(async (trx) => {
    const orgs = await listOrganizations(trx);
    const bySlug = new Map(orgs.map((o) => [o.slug, o]));
    const wanted: Array<{ organization_id: string; email: string; name: string; roles: Role[] }> = [];
    for (const o of orgs) {
      wanted.push({ organization_id: o.id, email: `analyst@${o.slug}.example`, name: `${o.name} analyst`, roles: ['ANALYST'] });
      wanted.push({ organization_id: o.id, email: `oncall@${o.slug}.example`, name: `${o.name} on-call`, roles: ['ANALYST'] });
      // An ORG_ADMIN per organization (users, tokens, contact methods, organization alert subscriptions);
      // at the SOS, admin@sos.example is the hub admin below.
      if (o.slug !== 'sos') wanted.push({ organization_id: o.id, email: `admin@${o.slug}.example`, name: `${o.name} administrator`, roles: ['ORG_ADMIN'] });
    }
    const extra: Array<[string, string, string, Role[]]> = [
      ['sos', 'coordinator@sos.example', 'SOS coordinator', ['COORDINATOR', 'ANALYST']],
      ['cal-oes', 'coordinator@cal-oes.example', 'Cal OES coordinator', ['COORDINATOR', 'ANALYST']],
      ['sos', 'admin@sos.example', 'Hub administrator', ['HUB_ADMIN']],
      ['sos', 'auditor@sos.example', 'Hub auditor', ['AUDITOR']],
    ];
    for (const [slug, email, name, roles] of extra) {
      const org = bySlug.get(slug);
      if (org) wanted.push({ organization_id: org.id, email, name, roles });
    }
    let created = 0;
    for (const u of wanted) if (await insertUserIfAbsent(trx, u)) created++;
    if (created > 0) await recordAudit(trx, systemPrincipal('seed'), 'demo.users_seeded', { type: 'User', id: null }, { created });
    return { created };
  });
}
