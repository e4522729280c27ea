import { canSeeIncident } from '../../access/incidents.js';
import type { Logger } from '../../infra/logger.js';
import { accessFactsOf } from '../incidents/index.js';
import type { MessageContext } from '../notifications/index.js';
import { consoleIncidentUrl, smsOf, subjectOf, textOf, webhookPayloadOf } from '../notifications/index.js';
import type { Outgoing } from '../notifications/index.js';
import { LEASED_ROW, type DeliveryKind, type DeliveryStore, type LeasedRow } from '../notifications/index.js';
import {
  disableContactMethod,
  duePendingNotifications,
  finishNotification,
  leaseNotification,
  leaseDeliveryContext,
  loadDeliveryContext,
  lockNotificationState,
  notificationExists,
  recordAttempt,
  recordAttemptAndSet,
  recordAttemptIfOwned,
  releaseDeadClaims,
  releaseLease,
  type DeliveryContext,
  type NotificationRow,
} from './escalations.repository.js';
import type { AckLinks } from './ack-links.js';
import { principalFromRow } from './paging.js';
import type { Config } from '../../config.js';

/**
 * Pages and notices as a kind of the delivery pipeline (notifications/pipeline.ts): a notification row
 * is loaded with its escalation, incident, contact method and recipient in one statement, checked
 * against the recipient's rights of now, and built into a message. GONE disables the contact method; a
 * page that ends FAILED asks whether its person is now unreachable (unreachable.ts).
 */

type PageRow = DeliveryContext & { status: string; attempts: number; next_attempt_at: Date | null };
type PageContext = { kind: string; contactMethodId: string };

const pageRowOf = (ctx: DeliveryContext | null): PageRow | null =>
  ctx && { ...ctx, status: ctx.notification.status, attempts: ctx.notification.attempts, next_attempt_at: ctx.notification.next_attempt_at };

/**
 * A page row created leased to this process, with what loadDeliveryContext would read of it, from what
 * the transaction that created it read under the same locks (paging.ts): its first attempt needs no claim.
 */
export function leasedPage(n: NotificationRow, leaseUntil: Date, parts: Omit<DeliveryContext, 'notification'>): { [LEASED_ROW]: LeasedRow<PageRow> } {
  const notification = { ...pickNotification(n), next_attempt_at: leaseUntil };
  return { [LEASED_ROW]: { leaseUntil, row: pageRowOf({ notification, ...parts })! } };
}

const pickNotification = (n: NotificationRow): DeliveryContext['notification'] => ({
  id: n.id,
  kind: n.kind,
  level: n.level,
  status: n.status,
  attempts: n.attempts,
  next_attempt_at: n.next_attempt_at,
  incident_id: n.incident_id,
  recipient_user_id: n.recipient_user_id,
  contact_method_id: n.contact_method_id,
});

/** Where notifications and their attempts are stored. */
export const notificationStore: DeliveryStore = {
  exists: notificationExists,
  finish: finishNotification,
  lease: leaseNotification,
  lockState: lockNotificationState,
  recordAttempt: async (trx, id, a) => {
    await recordAttempt(trx, { notification_id: id, ...a });
  },
  recordAttemptAndSet: (trx, id, a, patch) => recordAttemptAndSet(trx, { notification_id: id, ...a }, patch),
  recordIfOwned: (db, id, claim, a, patch) => recordAttemptIfOwned(db, { notification_id: id, ...a }, claim, patch),
  due: duePendingNotifications,
  releaseDeadClaims,
};

export function pageDeliveryKind(deps: {
  config: Config;
  logger: Logger;
  ackLinks: AckLinks;
  coordinatorSlugs: ReadonlySet<string>;
  /** When every page of a person at a level has failed, the next level and the coordinator hear of it. */
  onPageFailed: (notificationId: string) => Promise<void>;
}): DeliveryKind<PageRow, PageContext> {
  const { config } = deps;
  const pageFailed = (notificationId: string) =>
    deps.onPageFailed(notificationId).catch((err) => deps.logger.error({ notificationId, err: (err as Error).message }, 'checking for an unreachable person failed'));

  return {
    jobName: 'deliver',
    idField: 'notificationId',
    jobPrefix: 'd',
    objectName: 'notification',
    label: 'page',
    // A page is on the path from an incident to a person: its first attempt starts without a queue hop.
    directStarts: 10,
    claimSlots: Infinity,
    priority: 1,
    store: notificationStore,

    async load(trx, id) {
      return pageRowOf(await loadDeliveryContext(trx, id));
    },
    // A first attempt is on the path from an incident to a person: one statement claims it, not four.
    async leaseAndLoad(db, id, expected, leaseUntil, ownerId) {
      return pageRowOf(await leaseDeliveryContext(db, id, expected, leaseUntil, ownerId));
    },
    releaseLease: releaseLease,

    async build(trx, ctx) {
      const { notification: n, escalation: esc, incident, method } = ctx;
      if (n.kind === 'PAGE' && esc.state !== 'ACTIVE' && esc.state !== 'EXHAUSTED') return { finish: 'CANCELLED', reason: `escalation ${esc.state.toLowerCase()}` };
      const recipient = ctx.recipient ? principalFromRow(deps.coordinatorSlugs, ctx.recipient) : null;
      const facts = incident ? accessFactsOf(incident, ctx.audience) : null;
      if (!incident || !facts || !recipient || !canSeeIncident(recipient, facts)) return { finish: 'SUPPRESSED', reason: 'the recipient may not see this incident (checked at delivery)' };
      if (!method || method.removed_at || method.disabled_at) {
        // The unreachable-person check runs after the commit (unreachable.ts).
        return { finish: 'FAILED', reason: 'the contact method was removed or disabled', afterCommit: n.kind === 'PAGE' ? () => pageFailed(n.id) : undefined };
      }
      const message: MessageContext = {
        kind: n.kind,
        incident: {
          id: incident.id,
          reference: incident.reference,
          title: incident.title,
          summary: incident.summary,
          category: incident.category,
          domain: incident.domain,
          severity: incident.severity,
          status: incident.status,
          tlp: incident.tlp,
          lawEnforcementSensitive: incident.law_enforcement_sensitive,
          exercise: incident.exercise,
          affectedCounties: ctx.affectedCountyNames.map((name) => name.replace(/ County Elections$/, '')),
        },
        ruleName: esc.rule_name,
        level: n.level,
        notificationId: n.id,
        escalationId: esc.id,
        incidentUrl: consoleIncidentUrl(config.http.publicUrl, incident.id),
        ackUrl: n.kind === 'PAGE' ? `${config.http.publicUrl}/ack/${await deps.ackLinks.ackTokenOf(n.id, trx)}` : null,
      };
      const outgoing: Outgoing =
        method.kind === 'EMAIL'
          ? { channel: 'EMAIL', to: method.target, subject: subjectOf(message), text: textOf(message) }
          : method.kind === 'SMS'
            ? { channel: 'SMS', to: method.target, text: smsOf(message) }
            : { channel: 'WEBHOOK', url: method.target, secret: method.secret ?? '', payload: webhookPayloadOf(message) };
      return { outgoing, context: { kind: n.kind, contactMethodId: method.id }, log: { notificationId: n.id, incidentId: n.incident_id, kind: n.kind } };
    },

    // 410 Gone: the address is gone for good; the contact method is disabled (its owner sees why).
    onGone: (trx, c, reason, at) => disableContactMethod(trx, c.contactMethodId, reason, at),
    onFailed: async (id, c) => {
      if (c.kind === 'PAGE') await pageFailed(id);
    },
    givenUpReason: (attempts, error) => `gave up after ${attempts} attempts: ${error}`,
  };
}
