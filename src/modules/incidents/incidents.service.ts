import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { InTransaction } from '../../infra/handle.js';
import type { IncidentStatus, Tlp } from '../../domain/taxonomy.js';
import { canSeeIncident, visibleIncidents, type IncidentAccessFacts } from '../../access/incidents.js';
import type { IncidentRow, TimelineRow } from './incidents.repository.js';
import { assignIncident, setIncidentTlp, setLawEnforcementSensitive, shareIncident } from './use-cases/audience.js';
import { commentOnIncident } from './use-cases/comments.js';
import { factsOf, type IncidentsDeps, type SuppressedRoutingTargets } from './use-cases/deps.js';
import { fileIncident, type FileIncidentInput } from './use-cases/file-incident.js';
import {
  duplicatesOf,
  getIncident,
  getIncidentByReference,
  isCorrelation,
  listVisibleIncidents,
  timelineOf,
  visibleAmong,
  type IncidentListArgs,
} from './use-cases/reads.js';
import { mergeIncident, transitionIncident } from './use-cases/status.js';
import { updateIncident, type UpdateIncidentInput } from './use-cases/update-incident.js';

/**
 * The incidents service: each use case is a named function in use-cases/ taking its dependencies
 * (step into it from here), bound once to this process's dependencies. The shape below is what the
 * resolvers, the CLI and other modules call.
 */

export type { FileIncidentInput } from './use-cases/file-incident.js';
export type { UpdateIncidentInput } from './use-cases/update-incident.js';
export type { IncidentListArgs } from './use-cases/reads.js';
export type { SuppressedRoutingTargets } from './use-cases/deps.js';

export type IncidentsService = ReturnType<typeof createIncidentsService>;

export function createIncidentsService(deps: { db: Db; config: Config; suppressedRoutingTargets: SuppressedRoutingTargets }) {
  const d: IncidentsDeps = {
    db: deps.db,
    coordinatorSlugs: new Set(deps.config.coordinatorOrgSlugs),
    suppressedRoutingTargets: deps.suppressedRoutingTargets,
    organizations: new Map(),
  };
  return {
    // Reads
    get: (principal: Principal, id: string) => getIncident(d, principal, id),
    getByReference: (principal: Principal, reference: string) => getIncidentByReference(d, principal, reference),
    visibleAmong: (principal: Principal, ids: readonly string[]) => visibleAmong(d, principal, ids),
    list: (principal: Principal, args: IncidentListArgs) => listVisibleIncidents(d, principal, args),
    duplicatesOf: (principal: Principal, incident: IncidentRow) => duplicatesOf(d, principal, incident),
    timeline: (principal: Principal, incident: IncidentRow, opts: { commentsOnly: boolean; first: number; after: string | null }) =>
      timelineOf(d, principal, incident, opts),
    /**
     * The access facts of an incident the principal may see (null otherwise): what an adapter hands the
     * policy's "may this user …" predicates to offer only the actions the use cases would accept.
     */
    accessFacts: async (principal: Principal, incident: IncidentRow): Promise<IncidentAccessFacts | null> => {
      const facts = await factsOf(d.db, incident);
      return canSeeIncident(principal, facts) ? facts : null;
    },
    // Changes
    file: (principal: Principal, input: FileIncidentInput, also?: InTransaction<IncidentRow>) => fileIncident(d, principal, input, also),
    update: (principal: Principal, id: string, input: UpdateIncidentInput, expectedVersion: number, also?: InTransaction<IncidentRow>) =>
      updateIncident(d, principal, id, input, expectedVersion, also),
    transition: (principal: Principal, id: string, to: IncidentStatus, note: string | null | undefined) => transitionIncident(d, principal, id, to, note),
    merge: (principal: Principal, id: string, intoId: string) => mergeIncident(d, principal, id, intoId),
    comment: (principal: Principal, id: string, body: string, also?: InTransaction<TimelineRow>) => commentOnIncident(d, principal, id, body, also),
    assign: (principal: Principal, id: string, organizationSlug: string, userEmail: string | null | undefined) =>
      assignIncident(d, principal, id, organizationSlug, userEmail),
    share: (
      principal: Principal,
      id: string,
      organizations: readonly string[] | null | undefined,
      users: readonly string[] | null | undefined,
      routingTargets?: boolean | null,
    ) => shareIncident(d, principal, id, organizations, users, routingTargets),
    setTlp: (principal: Principal, id: string, tlp: Tlp, recipients: readonly string[] | null | undefined) => setIncidentTlp(d, principal, id, tlp, recipients),
    setLawEnforcementSensitive: (principal: Principal, id: string, value: boolean) => setLawEnforcementSensitive(d, principal, id, value),
    /** Whether the incident is a statewide correlation of an indicator. */
    isCorrelation: (incidentId: string) => isCorrelation(d, incidentId),
    /** For other modules' queries: the visibility filter of incidents. */
    visibleFilter: visibleIncidents,
  };
}
