// What resolvers pass around for each GraphQL object type: the repositories' rows (codegen mappers).
export type { OrganizationRow as OrganizationModel, DutyRow as DutyModel } from '../modules/partners/index.js';
export type { UserRow as UserModel, ApiTokenRow as ApiTokenModel } from '../modules/identity/index.js';
export type { IncidentRow as IncidentModel, TimelineRow as TimelineEntryModel } from '../modules/incidents/index.js';
export type { AuditEntryView as AuditEntryModel } from '../modules/audit/index.js';

import type { Page } from './pagination.js';
import type { IncidentRow, TimelineRow } from '../modules/incidents/index.js';
import type { AuditEntryView } from '../modules/audit/index.js';
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
} from '../modules/escalations/index.js';
export type { Target as RoutingTargetModel } from '../modules/escalations/index.js';
export type { IndicatorRow as IndicatorModel, IndicatorReportRow as IndicatorReportModel } from '../modules/indicators/index.js';
export type { ReportResult as IndicatorReportResultModel, ObservableMatch as ObservableMatchModel } from '../modules/indicators/index.js';
import type { Selectable } from 'kysely';
import type { SightingsTable } from '../modules/indicators/index.js';
import type { IndicatorRow } from '../modules/indicators/index.js';
export type SightingModel = Selectable<SightingsTable>;
export interface IndicatorConnectionModel {
  nodes: IndicatorRow[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}
export type { SubscriptionRow as AlertSubscriptionModel } from '../modules/subscriptions/index.js';
export type { AlertFilter as AlertFilterModel } from '../modules/subscriptions/index.js';
import type { AlertDeliveriesTable } from '../modules/subscriptions/index.js';
export type AlertDeliveryModel = Selectable<AlertDeliveriesTable>;
