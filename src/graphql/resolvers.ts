import type { Resolvers } from './generated.js';
import { DateTime } from './scalars.js';
import { partnersQuery, Organization } from '../modules/partners/partners.resolvers.js';
import { ApiToken, identityMutation, identityQuery, User, Viewer } from '../modules/identity/identity.resolvers.js';

/** Every module's resolvers, merged. Typed from codegen: a field missing here or in the schema fails `npm test`. */
export const resolvers: Resolvers = {
  DateTime,
  Query: {
    ...identityQuery,
    ...partnersQuery,
  },
  Mutation: {
    ...identityMutation,
  },
  Viewer,
  Organization,
  User,
  ApiToken,
};
