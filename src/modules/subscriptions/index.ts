/** The alert subscriptions module's front door: the service and the rows the GraphQL mappers carry. */

export { createSubscriptionsService, type SubscriptionsService } from './subscriptions.service.js';
export type { AlertFilter } from './filter.js';
export type { AlertDeliveriesTable } from './subscriptions.tables.js';
export type { SubscriptionRow } from './subscriptions.jobs.js';
