import type { UserPrincipal } from '../access/principal.js';
import type { Logger } from '../infra/logger.js';
import type { Loaders } from './loaders.js';
import type { Services } from '../services.js';

/** The per-request GraphQL context. */
export interface GraphQLContext {
  /** Null only for the unauthenticated introspection Yoga lets through; resolvers use `viewer(ctx)`. */
  principal: UserPrincipal | null;
  /** The bearer token the principal came from (src/http/auth.ts): live streams authenticate it again. */
  token: string | null;
  requestId: string;
  services: Services;
  loaders: Loaders;
  logger: Logger;
}
