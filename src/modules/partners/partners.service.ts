import type { Config } from '../../config.js';
import { LAW_ENFORCEMENT_KINDS, type PartnerKind, type Principal } from '../../access/principal.js';
import type { Db } from '../../infra/db.js';
import { findOrganizationBySlug, listOrganizations, type OrganizationRow } from './partners.repository.js';

export type PartnersService = ReturnType<typeof createPartnersService>;

/** The partner directory is readable by every partner: it is the task force's phone book. */
export function createPartnersService(deps: { db: Db; config: Config }) {
  const coordinatorSlugs = new Set(deps.config.coordinatorOrgSlugs);
  return {
    list(_principal: Principal, kind?: PartnerKind | null): Promise<OrganizationRow[]> {
      return listOrganizations(deps.db, { kind: kind ?? null });
    },
    bySlug(_principal: Principal, slug: string): Promise<OrganizationRow | undefined> {
      return findOrganizationBySlug(deps.db, slug);
    },
    isCoordinator(org: OrganizationRow): boolean {
      return coordinatorSlugs.has(org.slug);
    },
    isLawEnforcement(org: OrganizationRow): boolean {
      return LAW_ENFORCEMENT_KINDS.has(org.kind);
    },
  };
}
