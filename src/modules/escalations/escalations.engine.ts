import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import type { Logger } from '../../infra/logger.js';
import type { Queues } from '../../infra/queues.js';
import type { DeliveryPipeline } from '../notifications/index.js';
import { createAckLinks } from './ack-links.js';
import type { NotificationRow } from './escalations.repository.js';
import { pageDeliveryKind } from './page-delivery.js';
import * as paging from './paging.js';
import * as routing from './routing.js';
import { onPageFailed } from './unreachable.js';

/**
 * The escalation flow of architecture.md, bound once: routing (routing.ts: incident → escalations),
 * paging (paging.ts: timers, levels, notification rows), acknowledgement links (ack-links.ts), and pages
 * as a kind of the delivery pipeline (page-delivery.ts, notifications/pipeline.ts), which sends them.
 * PostgreSQL holds every decision; Redis holds only jobs that point at rows.
 */


export type EscalationEngine = ReturnType<typeof createEscalationEngine>;

export function createEscalationEngine(deps: { db: Db; queues: Queues; config: Config; logger: Logger; delivery: DeliveryPipeline }) {
  const { db, queues, config, logger, delivery } = deps;
  const ackLinks = createAckLinks({ db });
  const coordinatorSlugs = new Set(config.coordinatorOrgSlugs);
  // When every page of a person at a level has failed, the next level and the coordinator hear of it (unreachable.ts).
  const pages = delivery.register(pageDeliveryKind({ config, logger, ackLinks, coordinatorSlugs, onPageFailed: (id) => onPageFailed(ctx, id) }));
  const ctx: paging.EngineContext = { db, queues, config, logger, ackLinks, coordinatorSlugs, pages };
  const enqueueAfterCommit = (timers: paging.TimerToArm[], deliveries: NotificationRow[]) => paging.enqueueAfterCommit(ctx, timers, deliveries);
  // Timers falling due together (a burst of escalations armed at once) are fired in shared transactions.
  const fire = paging.createTimerBatcher(ctx, { maxBatch: 50, lanes: 3 });

  return {
    /** This process's identity: its claims carry it, and a worker's heartbeat is written under it. */
    ownerId: delivery.ownerId,
    route: (incidentId: string) => routing.route(ctx, incidentId),
    stopForIncident: (incidentId: string, reason: string) => routing.stopForIncident(ctx, incidentId, reason),
    onIncidentEvent: (topic: string, incidentId: string, payload: Record<string, unknown>) => routing.onIncidentEvent(ctx, topic, incidentId, payload),
    fire: (escalationId: string, token: string) => fire(escalationId, token),
    deliver: pages.deliver,
    reconcile: (horizonMs: number) => paging.reconcile(ctx, horizonMs),
    scheduleTimer: (escalationId: string, token: string, dueAt: Date) => paging.scheduleTimer(ctx, escalationId, token, dueAt),
    ackTokenOf: ackLinks.ackTokenOf,
    principalsOf: (h: Handle, userIds: readonly string[]) => paging.principalsOf(ctx, h, userIds),
    enqueueAfterCommit,
    drain: delivery.drain,
  };
}
