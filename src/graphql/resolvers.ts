import { GraphQLScalarType } from 'graphql';
import type { Resolvers } from './generated.js';
import { DateTime } from './scalars.js';
import { partnersResolvers } from '../modules/partners/partners.resolvers.js';
import { identityResolvers } from '../modules/identity/identity.resolvers.js';
import { incidentsResolvers } from '../modules/incidents/incidents.resolvers.js';
import { auditResolvers } from '../modules/audit/audit.resolvers.js';
import { escalationsResolvers } from '../modules/escalations/escalations.resolvers.js';
import { indicatorsResolvers } from '../modules/indicators/indicators.resolvers.js';
import { subscriptionsResolvers } from '../modules/subscriptions/subscriptions.resolvers.js';
import { oncallResolvers } from '../modules/oncall/oncall.resolvers.js';
import { alertsResolvers } from '../modules/alerts/alerts.resolvers.js';
import { mispResolvers } from '../modules/misp/misp.resolvers.js';
import { JSONScalar } from './json.js';
import { stixResolvers } from '../modules/stix/stix.resolvers.js';

/**
 * Every module's resolvers, merged. Each module exports one `Resolvers` map typed from codegen; adding a
 * module is one import and one entry below.
 */
const modules: Resolvers[] = [
  identityResolvers,
  partnersResolvers,
  incidentsResolvers,
  auditResolvers,
  escalationsResolvers,
  indicatorsResolvers,
  subscriptionsResolvers,
  oncallResolvers,
  alertsResolvers,
  mispResolvers,
  stixResolvers,
];

export const resolvers: Resolvers = mergeResolvers([{ DateTime, JSON: JSONScalar }, ...modules]);

function mergeResolvers(maps: Resolvers[]): Resolvers {
  const merged: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      const existing = merged[type];
      merged[type] =
        existing && !(existing instanceof GraphQLScalarType) && !(fields instanceof GraphQLScalarType)
          ? { ...(existing as object), ...(fields as object) }
          : fields;
    }
  }
  return merged as Resolvers;
}
