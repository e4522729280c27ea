import type { MutationResolvers, QueryResolvers, Resolvers } from '../../graphql/generated.js';
import { viewer } from '../../graphql/viewer.js';

/** Thin GraphQL adapters over the STIX service (issue 15). */

const Query: Pick<QueryResolvers, 'stixBundle'> = {
  stixBundle: async (_p, args, ctx) => {
    const f = args.filter ?? {};
    const r = await ctx.services.stix.exportBundle(viewer(ctx), { incidentId: args.incident ?? null, since: f.since ?? null, types: f.types ?? null, ais: f.ais ?? false });
    const { objects, ...rest } = r.bundle;
    return { bundle: objects.length > 0 ? r.bundle : rest, objectCount: objects.length, refused: r.refused };
  },
};

const Mutation: Pick<MutationResolvers, 'importStixBundle' | 'setAisConsent'> = {
  importStixBundle: async (_p, args, ctx) => {
    const principal = viewer(ctx);
    const objects = ctx.services.stix.parseBundle(args.bundle);
    const r = await ctx.services.stix.importBundle(principal, { objects });
    return { ...r, organization: r.organization.slug };
  },
  setAisConsent: async (_p, args, ctx) => {
    await ctx.services.stix.setConsent(viewer(ctx), args.organization, args.consent);
    return true;
  },
};

export const stixResolvers: Resolvers = { Query, Mutation };
