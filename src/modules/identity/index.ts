/**
 * The identity module's front door: users, API tokens, authentication. identity.repository.ts is
 * private to the module.
 */

export { createIdentityService, type IdentityService } from './identity.service.js';
export { seedDemoUsers } from './demo.seed.js';
export type { ApiTokenRow, UserRow } from './identity.repository.js';
// Reads other modules may make (users named by e-mail or id in their inputs).
export { findUserByEmail, findUserById, findUsersActivity, findUsersByEmails, findUsersByIds } from './identity.repository.js';
// The hub's own users (the correlation user), seeded by the module that acts as them.
export { insertUserIfAbsent } from './identity.repository.js';
