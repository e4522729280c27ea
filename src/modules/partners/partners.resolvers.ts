import type { DutyResolvers, OrganizationResolvers, QueryResolvers, Resolvers } from '../../graphql/generated.js';
import { NotFoundError } from '../../errors.js';
import { viewer } from '../../graphql/viewer.js';

const partnersQuery: Pick<QueryResolvers, 'organizations' | 'organization'> = {
  organizations: (_p, args, ctx) => ctx.services.partners.list(viewer(ctx), args.kind ?? null),
  organization: async (_p, args, ctx) => (await ctx.services.partners.bySlug(viewer(ctx), args.slug)) ?? null,
};

const Organization: OrganizationResolvers = {
  kind: (o) => o.kind,
  duties: (o, _a, ctx) => ctx.loaders.dutiesByOrganizationId.load(o.id),
  isCoordinator: (o, _a, ctx) => ctx.services.partners.isCoordinator(o),
  isLawEnforcement: (o, _a, ctx) => ctx.services.partners.isLawEnforcement(o),
};

const Duty: DutyResolvers = {
  organization: async (d, _a, ctx) => {
    const o = await ctx.loaders.organizationById.load(d.organization_id);
    if (!o) throw new NotFoundError('Organization', d.organization_id);
    return o;
  },
};

export const partnersResolvers: Resolvers = { Query: partnersQuery, Organization, Duty };
