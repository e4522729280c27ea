/**
 * The partners module's front door: organizations, duties and the directory. Other modules and the
 * adapters import from here only; partners.repository.ts is private to the module.
 */

export { createPartnersService, type PartnersService } from './partners.service.js';
export { organizationDirectory } from './directory.js';
export { seedPartners } from './partners.seed.js';
export type { DutyRow, OrganizationRow } from './partners.repository.js';
// Reads other modules may make (they resolve slugs and ids named in their own inputs).
export {
  findOrganizationBySlug,
  findOrganizationsByIds,
  findOrganizationsBySlugs,
  listDutiesOf,
  listOrganizations,
} from './partners.repository.js';
export { CALIFORNIA_COUNTIES } from './counties.data.js';
