import { CORRELATION_CATEGORY_TLPS, CORRELATION_COUNTED_TLPS } from '../../access/indicators.js';
import { systemPrincipal, type Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Handle } from '../../infra/handle.js';
import { recordAudit } from '../audit/index.js';
import { addShares, insertIncident, insertTimelineEntry, nextIncidentReference, updateIncidentRow } from '../incidents/index.js';
import { CATEGORY_DOMAIN, type IncidentCategory } from '../../domain/taxonomy.js';
import { findUserByEmail, insertUserIfAbsent } from '../identity/index.js';
import { addOutboxEvent } from '../outbox/index.js';
import { findOrganizationBySlug } from '../partners/index.js';
import {
  countiesReportingSince,
  dominantLinkedCategory,
  findCorrelationOfIncident,
  findIndicatorsByIds,
  insertCorrelation,
  lockCorrelation,
  setCorrelationCounties,
} from './indicators.repository.js';

/**
 * Cross-county correlation: when reports or sightings of one indicator come from enough distinct counties
 * within the window, one statewide incident is opened (or widened) and routed like any other through the
 * outbox. Incremental: each new report or sighting asks only about its own indicator, on indexes.
 *
 * The correlated incident is TLP:AMBER, reported by the hub itself for the Secretary of State, shared with
 * the contributing counties. Its title gives the count of counties, never their names: a county learns
 * which others saw the value only through the reports and sightings it may see.
 */

export const CORRELATION_USER_EMAIL = 'correlation@estf-hub.local';

export async function seedCorrelationUser(db: Handle): Promise<void> {
  const sos = await findOrganizationBySlug(db, 'sos');
  if (!sos) return;
  await insertUserIfAbsent(db, { organization_id: sos.id, email: CORRELATION_USER_EMAIL, name: 'ESTF Hub cross-county correlation', roles: ['VIEWER'] });
}

/** Distinct counties that reported or sighted the indicator within the window, under a label the statewide audience may learn of. */
export async function contributingCounties(trx: Handle, indicatorId: number, since: Date): Promise<string[]> {
  return (await countiesReportingSince(trx, indicatorId, since, CORRELATION_COUNTED_TLPS)).sort();
}

export interface CorrelationOutcome {
  indicatorId: number;
  incidentId: string;
  opened: boolean;
  /** The incident was opened or widened now (false: every contributing county was in it already). */
  changed: boolean;
  counties: number;
}

/** Call in the transaction that added a report or sighting of a county. */
export async function correlateIndicator(trx: Handle, config: Config, indicatorId: number, actor: Principal): Promise<CorrelationOutcome | null> {
  const [indicator] = await findIndicatorsByIds(trx, [indicatorId]);
  if (!indicator || indicator.benign_reason !== null) return null;
  const since = new Date(Date.now() - config.correlation.windowMs);
  const counties = await contributingCounties(trx, indicatorId, since);
  if (counties.length < config.correlation.counties) return null;

  // One statewide incident per indicator, even when counties report it at the same moment.
  const existing = await lockCorrelation(trx, indicatorId);
  const hub = systemPrincipal('correlation');
  const title = (n: number) => `Statewide: ${indicator.type} ${indicator.value} reported by ${n} counties within ${Math.round(config.correlation.windowMs / 3_600_000)} h`.slice(0, 200);

  if (existing) {
    const added = counties.filter((c) => !existing.county_ids.includes(c));
    if (added.length === 0) return { indicatorId, incidentId: existing.incident_id, opened: false, changed: false, counties: existing.county_ids.length };
    const all = [...new Set([...existing.county_ids, ...added])];
    await addShares(trx, existing.incident_id, added);
    const row = await updateIncidentRow(trx, existing.incident_id, { title: title(all.length) });
    await setCorrelationCounties(trx, indicatorId, all);
    await insertTimelineEntry(trx, { incidentId: row.id, kind: 'SHARED', actorUserId: null, actorOrganizationId: null, change: { correlation: { counties: all.length } } });
    await recordAudit(trx, hub, 'incident.correlation_widened', { type: 'Incident', id: row.id }, { indicatorId, counties: all.length, by: actor.kind === 'user' ? actor.email : null });
    await addOutboxEvent(trx, 'incident.updated', { type: 'Incident', id: row.id }, { reference: row.reference, fields: ['audience'] });
    return { indicatorId, incidentId: row.id, opened: false, changed: true, counties: all.length };
  }

  const reporter = await findUserByEmail(trx, CORRELATION_USER_EMAIL);
  if (!reporter) throw new Error(`the correlation user ${CORRELATION_USER_EMAIL} is missing (seedCorrelationUser)`);
  // The category of the incidents this value was linked to, else OTHER; only links every partner may see.
  const linked = await dominantLinkedCategory(trx, indicatorId, CORRELATION_COUNTED_TLPS, CORRELATION_CATEGORY_TLPS);
  const category: IncidentCategory = linked ?? 'OTHER';
  const now = new Date();
  const row = await insertIncident(trx, {
    reference: await nextIncidentReference(trx, now.getUTCFullYear()),
    title: title(counties.length),
    summary:
      `The hub correlated reports and sightings of ${indicator.type} ${indicator.value} from ${counties.length} counties within ` +
      `${Math.round(config.correlation.windowMs / 3_600_000)} hours. Coordinators: review the indicator and the linked incidents.`,
    category,
    domain: CATEGORY_DOMAIN[category],
    severity: 'HIGH',
    status: 'REPORTED',
    tlp: 'AMBER',
    law_enforcement_sensitive: false,
    exercise: false,
    reporting_user_id: reporter.id,
    reporting_organization_id: reporter.organization_id,
    affected_assets: [],
    occurred_at: null,
    detected_at: now,
    reported_at: now,
    external_references: JSON.stringify([]),
    created_at: now,
    updated_at: now,
  });
  await addShares(trx, row.id, counties);
  await insertCorrelation(trx, indicatorId, row.id, counties);
  await insertTimelineEntry(trx, {
    incidentId: row.id,
    kind: 'FILED',
    actorUserId: null,
    actorOrganizationId: null,
    // The indicator by type and value, as the title already names it: an internal id means nothing to a reader.
    change: { status: 'REPORTED', severity: 'HIGH', tlp: 'AMBER', correlation: { indicator: { type: indicator.type, value: indicator.value }, counties: counties.length } },
  });
  await recordAudit(trx, hub, 'incident.correlated', { type: 'Incident', id: row.id }, { indicatorId, counties: counties.length, category });
  await addOutboxEvent(trx, 'incident.filed', { type: 'Incident', id: row.id }, { reference: row.reference, severity: 'HIGH', correlation: true });
  return { indicatorId, incidentId: row.id, opened: true, changed: true, counties: counties.length };
}

/**
 * The indicator's side of the correlations that opened or widened a statewide incident: an
 * `indicator.correlated` row each (live indicator alerts, kind CORRELATED), written by the caller after
 * the report's or sighting's own row, so that the alert of a correlation follows the alert of its cause.
 * The incident's side (incident.filed, incident.updated) was written with the incident.
 */
export async function recordCorrelations(trx: Handle, outcomes: readonly CorrelationOutcome[]): Promise<void> {
  for (const c of outcomes) {
    if (!c.changed) continue;
    await addOutboxEvent(trx, 'indicator.correlated', { type: 'Indicator', id: String(c.indicatorId) }, { incidentId: c.incidentId, opened: c.opened, counties: c.counties });
  }
}

/** A statewide incident's correlation as the GraphQL IncidentCorrelation resolvers receive it. */
export interface IncidentCorrelationModel {
  incidentId: string;
  reportingOrganizationId: string;
  indicatorId: number;
  countyIds: readonly string[];
}

/** The correlation that opened this incident, or null for an incident filed by someone. */
export async function correlationOfIncident(db: Handle, incident: { id: string; reporting_organization_id: string }): Promise<IncidentCorrelationModel | null> {
  const c = await findCorrelationOfIncident(db, incident.id);
  if (!c) return null;
  return { incidentId: incident.id, reportingOrganizationId: incident.reporting_organization_id, indicatorId: Number(c.indicator_id), countyIds: c.county_ids };
}
