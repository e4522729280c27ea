import type { ApiTokenResolvers, MutationResolvers, QueryResolvers, Resolvers, UserResolvers, ViewerResolvers } from '../../graphql/generated.js';
import { viewer } from '../../graphql/viewer.js';
import type { UserPrincipal } from '../../access/principal.js';
import { NotFoundError } from '../../errors.js';

const identityQuery: Pick<QueryResolvers, 'viewer' | 'users' | 'apiTokens'> = {
  viewer: (_p, _a, ctx) => viewer(ctx),
  users: (_p, args, ctx) => ctx.services.identity.listOrganizationUsers(viewer(ctx), args.organization ?? null),
  apiTokens: (_p, args, ctx) => ctx.services.identity.listApiTokens(viewer(ctx), args.email),
};

const identityMutation: Pick<MutationResolvers, 'createUser' | 'deactivateUser' | 'reactivateUser' | 'setUserRoles' | 'issueApiToken' | 'revokeApiToken'> = {
  createUser: (_p, { input }, ctx) => ctx.services.identity.createUser(viewer(ctx), input),
  deactivateUser: (_p, args, ctx) => ctx.services.identity.deactivateUser(viewer(ctx), args.email),
  reactivateUser: (_p, args, ctx) => ctx.services.identity.reactivateUser(viewer(ctx), args.email),
  setUserRoles: (_p, args, ctx) => ctx.services.identity.setUserRoles(viewer(ctx), args.email, args.roles),
  issueApiToken: async (_p, { input }, ctx) => {
    const { token, row } = await ctx.services.identity.issueApiToken(viewer(ctx), input);
    return { token, apiToken: row };
  },
  revokeApiToken: (_p, args, ctx) => ctx.services.identity.revokeApiToken(viewer(ctx), args.prefix),
};

const Viewer: ViewerResolvers = {
  user: async (p: UserPrincipal, _a, ctx) => {
    const u = await ctx.loaders.userById.load(p.userId);
    if (!u) throw new NotFoundError('User', p.email);
    return u;
  },
  organization: async (p: UserPrincipal, _a, ctx) => {
    const o = await ctx.loaders.organizationById.load(p.organization.id);
    if (!o) throw new NotFoundError('Organization', p.organization.slug);
    return o;
  },
  tokenPrefix: (p: UserPrincipal) => p.tokenPrefix,
};

const User: UserResolvers = {
  roles: (u) => u.roles,
  organization: async (u, _a, ctx) => {
    const o = await ctx.loaders.organizationById.load(u.organization_id);
    if (!o) throw new NotFoundError('Organization', u.organization_id);
    return o;
  },
  createdAt: (u) => u.created_at,
};

const ApiToken: ApiTokenResolvers = {
  expiresAt: (t) => t.expires_at,
  lastUsedAt: (t) => t.last_used_at,
  revokedAt: (t) => t.revoked_at,
  createdAt: (t) => t.created_at,
  issuedBy: (t) => t.issued_by,
};

export const identityResolvers: Resolvers = { Query: identityQuery, Mutation: identityMutation, Viewer, User, ApiToken };
