import type { DomainEvent, EventHandlers } from '../outbox/index.js';
import type { EscalationEngine } from './escalations.engine.js';

/**
 * The outbox topics the escalations module acts on: an incident filed, its severity or status changed is
 * routed again (escalations.engine.ts onIncidentEvent). Merged with the other modules' in
 * src/worker/handlers.ts.
 */
export function escalationsTopicHandlers(deps: { engine: EscalationEngine }): EventHandlers {
  const route = async (e: DomainEvent) => deps.engine.onIncidentEvent(e.topic, e.aggregateId, e.payload);
  return {
    'incident.filed': [route],
    'incident.severity_changed': [route],
    'incident.status_changed': [route],
  };
}
