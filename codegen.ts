import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types come from schema.graphql; `npm test` fails when src/graphql/generated.ts is stale.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/graphql/generated.ts': {
      plugins: [
        { add: { content: '/* eslint-disable */\n// Generated from schema.graphql by `npm run codegen`. Do not edit.' } },
        'typescript',
        'typescript-resolvers',
      ],
      config: {
        useTypeImports: true,
        contextType: './context.js#GraphQLContext',
        mappersTypeSuffix: '',
        mapperTypeSuffix: 'Model',
        mappers: {
          Organization: './models.js#OrganizationModel',
          Duty: './models.js#DutyModel',
          User: './models.js#UserModel',
          ApiToken: './models.js#ApiTokenModel',
          Viewer: '../access/principal.js#UserPrincipal',
          Schedule: '../modules/oncall/oncall.service.js#ScheduleModel',
          OnCallAnswer: '../modules/oncall/oncall.service.js#OnCallModel',
          ScheduleOverride: '../modules/oncall/oncall.repository.js#OverrideRow',
          ContactMethod: '../modules/oncall/oncall.repository.js#ContactMethodRow',
          Incident: './models.js#IncidentModel',
          IncidentConnection: './models.js#IncidentConnectionModel',
          IncidentTimelineEntry: './models.js#TimelineEntryModel',
          IncidentTimelineConnection: './models.js#TimelineConnectionModel',
          IncidentAssignee: './models.js#IncidentAssigneeModel',
          AuditEntry: './models.js#AuditEntryModel',
          RoutingRule: './models.js#RoutingRuleModel',
          Escalation: './models.js#EscalationModel',
          Notification: './models.js#NotificationModel',
          DeliveryAttempt: './models.js#DeliveryAttemptModel',
          RoutingTarget: './models.js#RoutingTargetModel',
          Indicator: './models.js#IndicatorModel',
          IndicatorReport: './models.js#IndicatorReportModel',
          Sighting: './models.js#SightingModel',
          IndicatorReportResult: './models.js#IndicatorReportResultModel',
          IndicatorConnection: './models.js#IndicatorConnectionModel',
          ObservableMatch: './models.js#ObservableMatchModel',
          AuditEntryConnection: './models.js#AuditEntryConnectionModel',
          IncidentEvent: '../modules/alerts/incident-events.js#IncidentEventModel',
          IncidentEventConnection: '../modules/alerts/alerts.service.js#IncidentEventPage',
        },
        scalars: { DateTime: 'Date', JSON: 'unknown' },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
        strictScalars: true,
      },
    },
  },
};
export default config;
