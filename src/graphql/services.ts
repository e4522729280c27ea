import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import { createIdentityService } from '../modules/identity/identity.service.js';
import { createPartnersService } from '../modules/partners/partners.service.js';

/** Every domain service, built once per process from the shared dependencies. */
export function createServices(deps: { db: Db; config: Config }) {
  return {
    identity: createIdentityService(deps),
    partners: createPartnersService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
