import { sql } from 'kysely';
import { CORRELATION_CATEGORY_TLPS, CORRELATION_COUNTED_TLPS } from '../../access/indicators.js';
import { systemPrincipal, type Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { Handle } from '../../infra/handle.js';
import { recordAudit } from '../audit/index.js';
import { addShares, insertIncident, insertTimelineEntry, nextIncidentReference, updateIncidentRow } from '../incidents/index.js';
import { CATEGORY_DOMAIN } from '../../domain/taxonomy.js';
import { addOutboxEvent } from '../outbox/index.js';

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
  const sos = await db.selectFrom('organizations').select('id').where('slug', '=', 'sos').executeTakeFirst();
  if (!sos) return;
  await db
    .insertInto('users')
    .values({ organization_id: sos.id, email: CORRELATION_USER_EMAIL, name: 'ESTF Hub cross-county correlation', roles: ['VIEWER'] })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
}

/** Distinct counties that reported or sighted the indicator within the window, under a label the statewide audience may learn of. */
export async function contributingCounties(trx: Handle, indicatorId: number, since: Date): Promise<string[]> {
  const { rows } = await sql<{ organization_id: string }>`
    select r.organization_id from indicator_reports r join organizations o on o.id = r.organization_id and o.kind = 'COUNTY'
     where r.indicator_id = ${indicatorId} and r.revoked_at is null and r.updated_at >= ${since}
       and r.tlp = any(${CORRELATION_COUNTED_TLPS}::text[]) and not r.law_enforcement_sensitive
    union
    select s.organization_id from sightings s join organizations o on o.id = s.organization_id and o.kind = 'COUNTY'
     where s.indicator_id = ${indicatorId} and s.seen_at >= ${since} and s.tlp = any(${CORRELATION_COUNTED_TLPS}::text[])`.execute(trx);
  return rows.map((r) => r.organization_id).sort();
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
  const indicator = await trx.selectFrom('indicators').select(['id', 'type', 'value', 'benign_reason']).where('id', '=', indicatorId).executeTakeFirst();
  if (!indicator || indicator.benign_reason !== null) return null;
  const since = new Date(Date.now() - config.correlation.windowMs);
  const counties = await contributingCounties(trx, indicatorId, since);
  if (counties.length < config.correlation.counties) return null;

  // One statewide incident per indicator, even when counties report it at the same moment.
  await sql`select pg_advisory_xact_lock(hashtextextended(${'correlate:' + indicatorId}, 0))`.execute(trx);
  const existing = await trx.selectFrom('indicator_correlations').selectAll().where('indicator_id', '=', indicatorId).forUpdate().executeTakeFirst();
  const hub = systemPrincipal('correlation');
  const title = (n: number) => `Statewide: ${indicator.type} ${indicator.value} reported by ${n} counties within ${Math.round(config.correlation.windowMs / 3_600_000)} h`.slice(0, 200);

  if (existing) {
    const added = counties.filter((c) => !existing.county_ids.includes(c));
    if (added.length === 0) return { indicatorId, incidentId: existing.incident_id, opened: false, changed: false, counties: existing.county_ids.length };
    const all = [...new Set([...existing.county_ids, ...added])];
    await addShares(trx, existing.incident_id, added);
    const row = await updateIncidentRow(trx, existing.incident_id, { title: title(all.length) });
    await trx.updateTable('indicator_correlations').set({ county_ids: all, updated_at: new Date() }).where('indicator_id', '=', indicatorId).execute();
    await insertTimelineEntry(trx, { incidentId: row.id, kind: 'SHARED', actorUserId: null, actorOrganizationId: null, change: { correlation: { counties: all.length } } });
    await recordAudit(trx, hub, 'incident.correlation_widened', { type: 'Incident', id: row.id }, { indicatorId, counties: all.length, by: actor.kind === 'user' ? actor.email : null });
    await addOutboxEvent(trx, 'incident.updated', { type: 'Incident', id: row.id }, { reference: row.reference, fields: ['audience'] });
    return { indicatorId, incidentId: row.id, opened: false, changed: true, counties: all.length };
  }

  const reporter = await trx
    .selectFrom('users as u')
    .innerJoin('organizations as o', 'o.id', 'u.organization_id')
    .select(['u.id', 'u.organization_id'])
    .where('u.email', '=', CORRELATION_USER_EMAIL)
    .executeTakeFirstOrThrow();
  // The category of the incidents this value was linked to, else OTHER; only links every partner may see.
  const linked = await trx
    .selectFrom('indicator_reports as r')
    .innerJoin('incidents as i', 'i.id', 'r.incident_id')
    .select(['i.category'])
    .where('r.indicator_id', '=', indicatorId)
    .where('r.revoked_at', 'is', null)
    .where('r.tlp', 'in', CORRELATION_COUNTED_TLPS)
    .where('r.law_enforcement_sensitive', '=', false)
    .where('i.tlp', 'in', CORRELATION_CATEGORY_TLPS)
    .where('i.law_enforcement_sensitive', '=', false)
    .groupBy('i.category')
    .orderBy(sql`count(*)`, 'desc')
    .limit(1)
    .executeTakeFirst();
  const category = linked?.category ?? 'OTHER';
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
  await trx.insertInto('indicator_correlations').values({ indicator_id: indicatorId, incident_id: row.id, county_ids: counties }).execute();
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
  const c = await db.selectFrom('indicator_correlations').select(['indicator_id', 'county_ids']).where('incident_id', '=', incident.id).executeTakeFirst();
  if (!c) return null;
  return { incidentId: incident.id, reportingOrganizationId: incident.reporting_organization_id, indicatorId: Number(c.indicator_id), countyIds: c.county_ids };
}
