import type { Handle } from '../../infra/handle.js';
import { organizationDirectory } from '../partners/index.js';
import type { IncidentFilterBySlug, IncidentListFilter } from './incidents.repository.js';

/** An id no organization has: a slug that names no organization matches nothing, like one nobody used. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/**
 * An incident filter as clients write it (organizations by slug) → as the repository applies it (by id).
 * One translation for every path that filters incidents: lists, live events and their catch-up.
 */
export async function resolveIncidentFilter(db: Handle, f: IncidentFilterBySlug): Promise<IncidentListFilter> {
  const filter: IncidentListFilter = {
    statuses: f.statuses,
    severityAtLeast: f.severityAtLeast,
    categories: f.categories,
    domains: f.domains,
    tlp: f.tlp,
    exercise: f.exercise,
  };
  if (f.affectedCounty) filter.affectedCountyId = (await organizationDirectory(db).bySlug(f.affectedCounty))?.id ?? NOBODY;
  if (f.reportingOrganization) filter.reportingOrganizationId = (await organizationDirectory(db).bySlug(f.reportingOrganization))?.id ?? NOBODY;
  return filter;
}
