import { randomBytes } from 'node:crypto';
import { systemPrincipal, type Role } from '../src/access/principal.js';
import type { HubDeps } from '../src/deps.js';

const cli = systemPrincipal('test');

export interface TestUser {
  id: string;
  email: string;
  organization: string;
  roles: Role[];
  token: string;
}

/** A fresh user with a token, in an existing (seeded) organization. */
export async function makeUser(deps: HubDeps, organization: string, roles: Role[], label = 'user'): Promise<TestUser> {
  const email = `${label}-${randomBytes(4).toString('hex')}@${organization}.test`;
  const u = await deps.services.identity.createUser(cli, { email, name: `${label} of ${organization}`, organization, roles });
  const { token } = await deps.services.identity.issueApiToken(cli, { email });
  return { id: u.id, email, organization, roles, token };
}
