import { canTransitionTo, isTriageCoordinator, type IncidentAccessFacts } from '../../../access/incidents.js';
import type { Principal } from '../../../access/principal.js';
import { ForbiddenError, InputError } from '../../../errors.js';
import { allowedTransitions, LIMITS, type IncidentStatus } from '../../../domain/taxonomy.js';
import { insertTimelineEntry, updateIncidentRow, type IncidentRow } from '../incidents.repository.js';
import { checkLongText } from '../incidents.validation.js';
import { lockVisible, record, requireUser, type IncidentsDeps } from './deps.js';

/** An incident's status: transitions, and merging a duplicate into another incident. */

export async function transitionIncident(deps: IncidentsDeps, principal: Principal, id: string, to: IncidentStatus, note: string | null | undefined): Promise<IncidentRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, facts } = await lockVisible(trx, principal, id);
    const p = requireUser(principal);
    if (!canTransitionTo(p, facts, to)) {
      throw new ForbiddenError(
        to === 'TRIAGED' || to === 'REJECTED' || to === 'MERGED'
          ? `Only coordinators may move an incident to ${to}.`
          : "Only the reporting organization's analysts or coordinators may change this incident's status.",
      );
    }
    if (to === 'MERGED') throw new InputError('to', 'use mergeIncident to mark an incident as a duplicate');
    const from = row.status;
    const allowed = allowedTransitions(from).filter((s) => s !== 'MERGED');
    if (!allowed.includes(to)) {
      throw new InputError('to', `cannot move from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none'}`);
    }
    const body = note ? checkLongText(note, 'note', LIMITS.note, true) || null : null;
    const updated = await updateIncidentRow(trx, row.id, { status: to });
    await record(
      trx,
      p,
      updated,
      { kind: 'STATUS_CHANGED', body, change: { from, to } },
      { action: 'incident.status_changed', change: { from, to, note: body } },
      [{ topic: 'incident.status_changed', payload: { from, to } }],
    );
    return updated;
  });
}

export async function mergeIncident(deps: IncidentsDeps, principal: Principal, id: string, intoId: string): Promise<IncidentRow> {
  if (id === intoId) throw new InputError('intoId', 'an incident cannot be merged into itself');
  return deps.db.transaction().execute(async (trx) => {
    // Lock both in a fixed order so that two opposite merges cannot deadlock.
    const [first, second] = [id, intoId].sort();
    const locked = new Map<string, { row: IncidentRow; facts: IncidentAccessFacts }>();
    for (const x of [first!, second!]) locked.set(x, await lockVisible(trx, principal, x));
    const source = locked.get(id)!;
    const target = locked.get(intoId)!;
    const p = requireUser(principal);
    if (!isTriageCoordinator(p)) throw new ForbiddenError('Only coordinators may merge incidents.');
    const from = source.row.status;
    if (!allowedTransitions(from).includes('MERGED')) throw new InputError('id', `a ${from} incident cannot be merged; only open incidents can`);
    if (target.row.status === 'MERGED' || target.row.status === 'REJECTED') {
      throw new InputError('intoId', `cannot merge into a ${target.row.status} incident`);
    }
    const updated = await updateIncidentRow(trx, source.row.id, { status: 'MERGED', merged_into_id: target.row.id });
    await insertTimelineEntry(trx, {
      incidentId: source.row.id,
      kind: 'STATUS_CHANGED',
      actorUserId: p.userId,
      actorOrganizationId: p.organization.id,
      change: { from, to: 'MERGED' },
    });
    await record(
      trx,
      p,
      updated,
      { kind: 'MERGED', change: { into: target.row.reference }, relatedIncidentId: target.row.id },
      // Ids, not references: an auditor sees which objects an entry names, the content only of those they may see.
      { action: 'incident.merged', change: { into: target.row.id, related: [{ type: 'Incident', id: target.row.id }] } },
      [{ topic: 'incident.status_changed', payload: { from, to: 'MERGED', into: target.row.id } }],
    );
    await insertTimelineEntry(trx, {
      incidentId: target.row.id,
      kind: 'MERGED',
      actorUserId: p.userId,
      actorOrganizationId: p.organization.id,
      change: { duplicate: source.row.reference },
      relatedIncidentId: source.row.id,
    });
    await updateIncidentRow(trx, target.row.id, {});
    return updated;
  });
}
