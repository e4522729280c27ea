import type { UserPrincipal } from '../access/principal.js';
import { UnauthenticatedError } from '../errors.js';
import type { GraphQLContext } from './context.js';

/** The authenticated principal of a request; the auth plugin already refused anonymous operations. */
export function viewer(ctx: GraphQLContext): UserPrincipal {
  if (!ctx.principal) throw new UnauthenticatedError();
  return ctx.principal;
}
