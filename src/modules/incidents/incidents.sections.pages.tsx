import { visibleCorrelationCounties } from '../../access/indicators.js';
import type { UserPrincipal } from '../../access/principal.js';
import type { Services } from '../../services.js';
import type { DeliveryAttemptRow, EscalationRow, NotificationRow } from '../escalations/index.js';
import type { IndicatorRow } from '../indicators/index.js';
import type { IncidentRow } from './index.js';

/**
 * The incident page's escalations and linked-indicators sections: read through the same front doors as the
 * GraphQL `Incident.escalations` / `Escalation` and `Incident.correlation` resolvers (services.escalations,
 * services.indicatorReports), with the signed-in principal, for an incident already checked visible.
 */

const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');
const words = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');

type Names = Map<string, { name: string; organization: string }>;

export interface EscalationView {
  esc: EscalationRow;
  notifications: Array<{ n: NotificationRow; attempts: DeliveryAttemptRow[] }>;
}

export interface IndicatorsView {
  linked: IndicatorRow[];
  moreLinked: boolean;
  correlation: null | {
    indicator: IndicatorRow | null;
    countyCount: number;
    /** Names of the contributing counties this user may know of. */
    counties: string[];
    countyIncidents: Array<{ id: string; reference: string; title: string }>;
  };
}

const LINKED_PAGE = 100;

export async function loadEscalations(services: Services, principal: UserPrincipal, row: IncidentRow): Promise<{ escalations: EscalationView[]; userIds: string[] }> {
  const escs = await services.escalations.escalationsOfIncident(principal, row);
  const notifications = escs.length ? await services.escalations.notificationsOf(escs.map((e) => e.id)) : [];
  const attempts = notifications.length ? await services.escalations.attemptsOf(notifications.map((n) => n.id)) : [];
  const escalations = escs.map((esc) => ({
    esc,
    notifications: notifications
      .filter((n) => n.escalation_id === esc.id)
      .map((n) => ({ n, attempts: attempts.filter((a) => a.notification_id === n.id) })),
  }));
  const userIds = [...notifications.map((n) => n.recipient_user_id), ...escs.map((e) => e.acknowledged_by).filter((x): x is string => x !== null)];
  return { escalations, userIds };
}

export async function loadIndicators(
  services: Services,
  principal: UserPrincipal,
  row: IncidentRow,
  orgName: (id: string) => string,
): Promise<IndicatorsView> {
  const page = await services.indicatorReports.list(principal, { linkedIncident: row.id, includeBenign: true }, LINKED_PAGE, null);
  const c = await services.indicatorReports.correlationOf(row);
  let correlation: IndicatorsView['correlation'] = null;
  if (c) {
    // The same filtering as the IncidentCorrelation resolvers: what links to is read with the reader's rights.
    const countyIncidentIds = (await services.indicatorReports.linkedIncidentIds(principal, c.indicatorId)).filter((id) => id !== c.incidentId);
    const visible = await services.incidents.visibleAmong(principal, countyIncidentIds);
    correlation = {
      indicator: await services.indicatorReports.visibleIndicatorById(principal, c.indicatorId),
      countyCount: c.countyIds.length,
      counties: visibleCorrelationCounties(principal, c.reportingOrganizationId, c.countyIds).map(orgName),
      countyIncidents: countyIncidentIds.flatMap((id) => {
        const i = visible.get(id);
        return i ? [{ id: i.id, reference: i.reference, title: i.title }] : [];
      }),
    };
  }
  return { linked: page.nodes, moreLinked: page.hasNextPage, correlation };
}

function outcomeOf(n: NotificationRow, attempts: DeliveryAttemptRow[]): string {
  const last = attempts[attempts.length - 1];
  switch (n.status) {
    case 'DELIVERED':
      return `Delivered ${fmt(n.delivered_at)}`;
    case 'SUPPRESSED':
      return `Refused: ${n.status_reason ?? 'the recipient may not see the incident'}`;
    case 'FAILED':
      return `Failed${n.status_reason ? `: ${n.status_reason}` : last?.error ? `: ${last.error}` : ''}`;
    case 'CANCELLED':
      return `Cancelled${n.status_reason ? `: ${n.status_reason}` : ' (acknowledged or resolved before it was sent)'}`;
    case 'PENDING':
      return last ? `Pending (last attempt: ${words(last.outcome)}${last.error ? `, ${last.error}` : ''})` : 'Pending';
  }
}

/** A page's level; a notify (level -1: the rule's notify targets; -2: the hub telling the duty coordinator of an unreachable person). */
function kindText(n: NotificationRow): string {
  if (n.kind === 'PAGE') return `Page, level ${n.level + 1}`;
  return n.level === -2 ? 'Notice: someone paged could not be reached' : 'Informed (no acknowledgement needed)';
}

const STATE_TEXT: Record<string, string> = {
  ACTIVE: 'Paging',
  ACKNOWLEDGED: 'Acknowledged',
  RESOLVED: 'Ended: the incident was resolved, closed, rejected or merged',
  EXHAUSTED: 'Exhausted: every level was paged and nobody acknowledged',
};

export function EscalationsSection(props: { escalations: EscalationView[]; names: Names }) {
  const person = (id: string | null) => {
    if (!id) return '–';
    const n = props.names.get(id);
    return n ? `${n.name} (${n.organization})` : 'a user';
  };
  return (
    <section aria-labelledby="escalations">
      <h2 id="escalations">Escalations</h2>
      {props.escalations.length === 0 ? (
        <p>No routing rule has paged anyone for this incident.</p>
      ) : (
        props.escalations.map(({ esc, notifications }, k) => {
          const level = (esc.state === 'ACTIVE' ? esc.level : (esc.last_paged_level ?? esc.level)) + 1;
          const id = `esc-${k}`;
          return (
            <section class="escalation" aria-labelledby={id}>
              <h3 id={id}>{`Rule “${esc.rule_name}”: ${STATE_TEXT[esc.state] ?? esc.state}`}</h3>
              <dl class="facts">
                <dt>Started</dt>
                <dd>{fmt(esc.created_at)}</dd>
                <dt>{esc.state === 'ACTIVE' ? 'Level paged next' : 'Last level paged'}</dt>
                <dd>{String(level)}</dd>
                {esc.state === 'ACTIVE' && (
                  <>
                    <dt>Next escalation</dt>
                    <dd>{fmt(esc.next_fire_at)}</dd>
                  </>
                )}
                <dt>Acknowledged</dt>
                <dd>{esc.acknowledged_by ? `by ${person(esc.acknowledged_by)} at ${fmt(esc.acknowledged_at)}` : 'Not acknowledged'}</dd>
              </dl>
              {notifications.length === 0 ? (
                <p>Nobody has been paged or notified yet.</p>
              ) : (
                // Scrolls sideways on a phone: focusable so a keyboard can scroll it (WCAG 2.1.1), named for its region.
                <div class="table-wrap" tabindex={0} role="region" aria-label={`Pages and notifications of rule “${esc.rule_name}”`}>
                  <table>
                    <caption>{`Pages and notifications of rule “${esc.rule_name}”`}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Who</th>
                        <th scope="col">When</th>
                        <th scope="col">Level</th>
                        <th scope="col">Contact method</th>
                        <th scope="col">Delivery</th>
                      </tr>
                    </thead>
                    <tbody>
                      {notifications.map(({ n, attempts }) => (
                        <tr>
                          <td>{person(n.recipient_user_id)}</td>
                          <td>{fmt(n.created_at)}</td>
                          <td>{kindText(n)}</td>
                          <td>{n.channel === 'SMS' ? 'SMS' : words(n.channel)}</td>
                          <td>
                            {outcomeOf(n, attempts)}
                            {attempts.length > 0 ? ` · ${attempts.length === 1 ? '1 attempt' : `${attempts.length} attempts`}` : ''}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          );
        })
      )}
    </section>
  );
}

export function LinkedIndicatorsSection(props: { v: IndicatorsView }) {
  const { linked, correlation } = props.v;
  return (
    <section aria-labelledby="indicators">
      <h2 id="indicators">Linked indicators</h2>
      {correlation && (
        <div class="correlation">
          <h3>Statewide correlation</h3>
          <p>
            {`The hub opened this incident because ${correlation.countyCount === 1 ? '1 county' : `${correlation.countyCount} counties`} reported or sighted `}
            {correlation.indicator ? (
              <a href={`/console/indicators/${correlation.indicator.id}`}>{`${correlation.indicator.type} ${correlation.indicator.value}`}</a>
            ) : (
              'one indicator'
            )}
            {' within the correlation window.'}
          </p>
          {correlation.counties.length > 0 && <p>{`Counties you may know of: ${correlation.counties.join(', ')}.`}</p>}
          {correlation.countyIncidents.length > 0 && (
            <>
              <p>County incidents linked to the indicator:</p>
              <ul>
                {correlation.countyIncidents.map((i) => (
                  <li>
                    <a href={`/console/incidents/${i.id}`}>{i.reference}</a>
                    {`: ${i.title}`}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {linked.length === 0 ? (
        <p>No indicator you may see is linked to this incident.</p>
      ) : (
        <ul class="indicators">
          {linked.map((i) => (
            <li>
              <a href={`/console/indicators/${i.id}`}>{`${i.type} ${i.value}`}</a>
              {i.benign_reason ? ` (on a warning list: ${i.benign_reason})` : ''}
            </li>
          ))}
        </ul>
      )}
      {props.v.moreLinked && <p class="muted">{`Only the first ${LINKED_PAGE} are listed.`}</p>}
    </section>
  );
}
