/** The alerts module's front door: the service (event log, indicator alerts, live) and its page types. */

export { createAlertsService, type AlertsService, type IncidentEventPage, type IndicatorAlertPage } from './alerts.service.js';
export type { EventLogRow } from './alerts.repository.js';
export type { IncidentEventModel } from './incident-events.js';
export { alertItemsOf, indicatorAlertsOf, type IndicatorAlertModel } from './indicator-alerts.js';
export type { PageEvent } from './page-events.js';
