/**
 * The incidents module's front door: the service, the rows the GraphQL mappers carry, and the reads and
 * writes other modules make on incidents (escalations page them, indicators correlate into them, alerts
 * and subscriptions read them). incidents.repository.ts is private to the module.
 */

export {
  createIncidentsService,
  type FileIncidentInput,
  type IncidentListArgs,
  type IncidentsService,
  type SuppressedRoutingTargets,
  type UpdateIncidentInput,
} from './incidents.service.js';
export type { ExternalReference } from './incidents.tables.js';
export type { IncidentFacetFilter, IncidentFilterBySlug, IncidentListFilter, IncidentRow, TimelineRow } from './incidents.repository.js';
export { resolveIncidentFilter } from './filter.js';
// "Which of these incidents may P see": the one answer, for links, loaders and references in other inputs.
export { visibleAmong, visibleIncident } from './visibility.js';
// Reads other modules may make. loadAccessFacts answers what the access policy needs about each incident.
export { findIncidentById, findIncidentsByIds, findVisibleIncident, hasTimelineEntryWith, loadAccessFacts, listIncidents } from './incidents.repository.js';
// Writes other modules make inside their own transaction (an escalation's or correlation's timeline
// entry, the statewide correlation incident), and the lock the paging engine holds while it pages.
export {
  accessFactsOf,
  addShares,
  insertIncident,
  insertTimelineEntry,
  lockIncidentWithFacts,
  lockIncidentWithFactsAnd,
  nextIncidentReference,
  replaceAffectedCounties,
  updateIncidentRow,
} from './incidents.repository.js';
// The visibility filter as SQL, for lists of other objects keyed by incident (the alerts event log).
export { applyFilter, perRow } from './incidents.repository.js';
