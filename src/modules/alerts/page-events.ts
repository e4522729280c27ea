import type { IncidentAccessFacts } from '../../access/incidents.js';
import type { Handle } from '../../infra/handle.js';
import { findIncidentsByIds, loadAccessFacts } from '../incidents/index.js';
import { findEventLogRows, type EventLogRow } from './alerts.repository.js';
import type { LiveSource } from '../../live/bus.js';

/**
 * A level of an escalation paged these users (escalations/paging.ts writes `page.sent` with the
 * notification rows). The console's page notice hears it; each listener checks that its user is among
 * them and may see the incident as it is now (facts read at delivery, null when the incident is gone).
 */
export interface PageEvent {
  cursor: number;
  escalationId: string;
  incidentId: string;
  userIds: readonly string[];
  facts: IncidentAccessFacts | null;
}

export function pageEventSource(db: Handle): LiveSource<PageEvent, EventLogRow> {
  return {
    async load(envelopes, rows) {
      const read = (rows ?? (await findEventLogRows(db, envelopes.map((e) => e.cursor)))).filter(
        (r) => r.topic === 'page.sent' && typeof r.payload?.incidentId === 'string' && Array.isArray(r.payload?.userIds),
      );
      if (read.length === 0) return [];
      const incidents = await findIncidentsByIds(db, [...new Set(read.map((r) => r.payload!.incidentId as string))]);
      const facts = await loadAccessFacts(db, incidents);
      return read.map((r) => ({
        cursor: r.id,
        escalationId: r.aggregate_id,
        incidentId: r.payload!.incidentId as string,
        userIds: (r.payload!.userIds as unknown[]).filter((u): u is string => typeof u === 'string'),
        facts: facts.get(r.payload!.incidentId as string) ?? null,
      }));
    },
  };
}
