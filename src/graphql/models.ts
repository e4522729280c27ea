// What resolvers pass around for each GraphQL object type: the repositories' rows (codegen mappers).
export type { OrganizationRow as OrganizationModel, DutyRow as DutyModel } from '../modules/partners/partners.repository.js';
export type { UserRow as UserModel, ApiTokenRow as ApiTokenModel } from '../modules/identity/identity.repository.js';
