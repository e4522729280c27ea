import { randomUUID } from 'node:crypto';
import { findUserById } from '../identity/index.js';
import { findIncidentById, hasTimelineEntryWith, insertTimelineEntry } from '../incidents/index.js';
import {
  findNotificationSlot,
  insertNotifications,
  listPagesOfPerson,
  lockEscalation,
  lockIncidentPaging,
  nextLoopAtLevel,
  touchEscalation,
  type NotificationRow,
} from './escalations.repository.js';
import { enqueueAfterCommit, notificationRows, type EngineContext } from './paging.js';
import type { Target } from './policy.js';

/**
 * A page that cannot reach its person must reach someone. When every page of one person at one level of
 * an escalation has ended FAILED (each of their methods failed for good, answered 410 Gone, or was
 * disabled or removed), nobody is going to acknowledge from there: the next level is paged at once instead
 * of after the level's timeout, the coordinator on call is told, and the incident's timeline says who
 * could not be reached and why. Called by the delivery engine after a page ends FAILED; harmless to call
 * twice (once per person, level and loop).
 */

/**
 * Who hears of an unreachable person: the Election Security Program's duty analyst (24/7 in election
 * season), or the program lead when the duty analyst is the one who cannot be reached (domain.md's seeded
 * duties of the Secretary of State).
 */
const COORDINATOR_DUTIES: ReadonlyArray<Target & { kind: 'DUTY' }> = [
  { kind: 'DUTY', organization: 'sos', duty: 'security-duty' },
  { kind: 'DUTY', organization: 'sos', duty: 'security-lead' },
];

/** A notice about an unreachable person: a NOTIFY at level -2 (ordinary notify targets use -1). */
export const UNREACHABLE_NOTICE_LEVEL = -2;

/** Called by the page kind of the delivery pipeline after a page ended FAILED (page-delivery.ts). */
export async function onPageFailed(ctx: EngineContext, notificationId: string): Promise<void> {
  const { db, logger } = ctx;
  const timers: Array<{ id: string; token: string; at: Date }> = [];
  const deliveries: NotificationRow[] = [];
  const outcome = await db.transaction().execute(async (trx) => {
    const n = await findNotificationSlot(trx, notificationId);
    if (!n || n.kind !== 'PAGE' || n.status !== 'FAILED') return null;
    // The same lock order as a timer firing: the escalation row, then the incident's paging lock.
    const esc = await lockEscalation(trx, n.escalation_id);
    if (!esc || (esc.state !== 'ACTIVE' && esc.state !== 'EXHAUSTED')) return null;
    await lockIncidentPaging(trx, esc.incident_id);
    const pages = await listPagesOfPerson(trx, esc.id, n.level, n.loop, n.recipient_user_id);
    // Another method of theirs may still get through (pending) or already did.
    if (pages.some((p) => p.status !== 'FAILED')) return null;
    const key = { escalationId: esc.id, unreachableUserId: n.recipient_user_id, level: n.level + 1, loop: n.loop };
    if (await hasTimelineEntryWith(trx, esc.incident_id, 'ESCALATED', key)) return null;
    const incident = await findIncidentById(trx, esc.incident_id);
    const person = await findUserById(trx, n.recipient_user_id);
    if (!incident || !person) return null;
    const channels = [...new Set(pages.map((p) => p.channel))].sort();

    // The next level now, unless the escalation already moved past this level (its timer fired) or has none.
    const escalateNow = esc.state === 'ACTIVE' && esc.timer_token !== null && (esc.last_paged_level ?? -1) === n.level;
    if (escalateNow) {
      const token = randomUUID();
      const now = new Date();
      await touchEscalation(trx, esc.id, { timer_token: token, next_fire_at: now });
      timers.push({ id: esc.id, token, at: now });
    }

    const why = `${person.email} could not be reached at level ${n.level + 1} of ${esc.rule_name}: every contact method (${channels.join(', ')}) failed or is disabled`;
    let notified: string | null = null;
    for (const target of COORDINATOR_DUTIES) {
      // Notices about several unreachable people of one escalation each need their own (level, loop) slot.
      const loop = await nextLoopAtLevel(trx, esc.id, UNREACHABLE_NOTICE_LEVEL);
      const rows = (await notificationRows(ctx, trx, esc, incident, 'NOTIFY', UNREACHABLE_NOTICE_LEVEL, loop, [target], new Set([n.recipient_user_id]))).map((r) =>
        r.status === 'PENDING' ? { ...r, status_reason: why } : r,
      );
      if (!rows.some((r) => r.status === 'PENDING')) continue;
      deliveries.push(...(await insertNotifications(trx, rows)));
      notified = `${target.organization}/${target.duty}`;
      break;
    }
    await insertTimelineEntry(trx, {
      incidentId: esc.incident_id,
      kind: 'ESCALATED',
      actorUserId: null,
      actorOrganizationId: null,
      body: `${why}. ${escalateNow ? 'The next level is paged now.' : 'There is no further level to page.'} ${notified ? `The coordinator on call (${notified}) was told.` : 'No coordinator on call could be told.'}`,
      change: { escalations: [esc.rule_name], ...key, unreachable: person.email, channels, nextLevelPagedNow: escalateNow, coordinatorTold: notified },
    });
    return { why, escalateNow, notified, incidentId: esc.incident_id };
  });
  if (!outcome) return;
  logger.warn({ incidentId: outcome.incidentId, nextLevelPagedNow: outcome.escalateNow, coordinatorTold: outcome.notified }, outcome.why);
  await enqueueAfterCommit(ctx, timers, deliveries);
}
