import type { OrganizationResolvers, QueryResolvers } from '../../graphql/generated.js';
import { viewer } from '../../graphql/viewer.js';
import type { PartnerKind } from '../../access/principal.js';

export const partnersQuery: Pick<QueryResolvers, 'organizations' | 'organization'> = {
  organizations: (_p, args, ctx) => ctx.services.partners.list(viewer(ctx), args.kind ?? null),
  organization: async (_p, args, ctx) => (await ctx.services.partners.bySlug(viewer(ctx), args.slug)) ?? null,
};

export const Organization: OrganizationResolvers = {
  kind: (o) => o.kind as PartnerKind,
  duties: (o, _a, ctx) => ctx.loaders.dutiesByOrganizationId.load(o.id),
  isCoordinator: (o, _a, ctx) => ctx.services.partners.isCoordinator(o),
  isLawEnforcement: (o, _a, ctx) => ctx.services.partners.isLawEnforcement(o),
};
