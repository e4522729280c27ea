import type { Db } from '../../infra/db.js';
import { DEFAULT_RULES } from './policy.js';

/** Seeds the default routing matrix of domain.md; a rule that exists (perhaps edited) is left alone. */
export async function seedRoutingRules(db: Db): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const r of DEFAULT_RULES) {
      await trx
        .insertInto('routing_rules')
        .values({
          name: r.name,
          description: r.description,
          position: r.position,
          severity_at_least: r.severityAtLeast,
          domains: r.domains,
          categories: r.categories,
          policy: JSON.stringify(r.policy),
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    }
  });
}
