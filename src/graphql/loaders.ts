import DataLoader from 'dataloader';
import type { Db } from '../infra/db.js';
import { listDutiesOf, organizationDirectory, type DutyRow, type OrganizationRow } from '../modules/partners/index.js';
import { findUsersByIds, type UserRow } from '../modules/identity/index.js';
import type { IncidentAccessFacts } from '../access/incidents.js';
import { loadAccessFacts, type IncidentRow } from '../modules/incidents/index.js';

/**
 * Per-request batch loaders: a list of 65 organizations asks for their duties in one query, not 65.
 * They read rows regardless of who asks (resolvers check access), which is what lets every subscriber of
 * one live event share one set (src/modules/alerts): keep them principal-agnostic.
 */
export function createLoaders(db: Db) {
  return {
    organizationById: new DataLoader<string, OrganizationRow | undefined>((ids) => organizationDirectory(db).byId(ids)),
    dutiesByOrganizationId: new DataLoader<string, DutyRow[]>(async (ids) => {
      const rows = await listDutiesOf(db, ids);
      return ids.map((id) => rows.filter((r) => r.organization_id === id));
    }),
    /** Audience facts (affected counties, shares, RED recipients) of incidents already loaded. */
    incidentFacts: new DataLoader<IncidentRow, IncidentAccessFacts, string>(
      async (rows) => {
        const facts = await loadAccessFacts(db, rows);
        return rows.map((r) => facts.get(r.id)!);
      },
      { cacheKeyFn: (r) => r.id },
    ),
    userById: new DataLoader<string, UserRow | undefined>(async (ids) => {
      const rows = await findUsersByIds(db, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
