// What resolvers pass around for each GraphQL object type: the repositories' rows (codegen mappers).
export type { OrganizationRow as OrganizationModel, DutyRow as DutyModel } from '../modules/partners/partners.repository.js';
export type { UserRow as UserModel, ApiTokenRow as ApiTokenModel } from '../modules/identity/identity.repository.js';
export type { IncidentRow as IncidentModel, TimelineRow as TimelineEntryModel } from '../modules/incidents/incidents.repository.js';
export type { AuditEntryView as AuditEntryModel } from '../modules/audit/audit.query.js';

import type { Page } from '../modules/incidents/incidents.service.js';
import type { IncidentRow, TimelineRow } from '../modules/incidents/incidents.repository.js';
import type { AuditEntryView } from '../modules/audit/audit.query.js';
export type IncidentConnectionModel = Page<IncidentRow>;
export type TimelineConnectionModel = Page<TimelineRow>;
export interface IncidentAssigneeModel {
  organizationId: string;
  userId: string | null;
}
export interface AuditEntryConnectionModel {
  nodes: AuditEntryView[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}
export type {
  RoutingRuleRow as RoutingRuleModel,
  EscalationRow as EscalationModel,
  NotificationRow as NotificationModel,
  DeliveryAttemptRow as DeliveryAttemptModel,
} from '../modules/escalations/escalations.repository.js';
export type { Target as RoutingTargetModel } from '../modules/escalations/policy.js';
export type { IndicatorRow as IndicatorModel, IndicatorReportRow as IndicatorReportModel } from '../modules/indicators/indicators.repository.js';
export type { ReportResult as IndicatorReportResultModel, ObservableMatch as ObservableMatchModel } from '../modules/indicators/reports.service.js';
import type { Selectable } from 'kysely';
import type { SightingsTable } from '../modules/indicators/indicators.tables.js';
import type { IndicatorRow } from '../modules/indicators/indicators.repository.js';
export type SightingModel = Selectable<SightingsTable>;
export interface IndicatorConnectionModel {
  nodes: IndicatorRow[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}
export type { SubscriptionRow as AlertSubscriptionModel } from '../modules/subscriptions/subscriptions.jobs.js';
export type { AlertFilter as AlertFilterModel } from '../modules/subscriptions/filter.js';
import type { AlertDeliveriesTable } from '../modules/subscriptions/subscriptions.tables.js';
export type AlertDeliveryModel = Selectable<AlertDeliveriesTable>;
