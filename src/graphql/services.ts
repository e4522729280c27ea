import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import type { EscalationEngine } from '../modules/escalations/escalations.engine.js';
import { createEscalationsService } from '../modules/escalations/escalations.service.js';
import { createIdentityService } from '../modules/identity/identity.service.js';
import { createPartnersService } from '../modules/partners/partners.service.js';
import { createIncidentsService } from '../modules/incidents/incidents.service.js';
import { suppressedRoutingTargets } from '../modules/escalations/index.js';
import { createAuditQueryService } from '../modules/audit/audit.query.js';
import { createIndicatorReportsService } from '../modules/indicators/reports.service.js';
import { createSubscriptionsService } from '../modules/subscriptions/subscriptions.service.js';
import { createOncallService } from '../modules/oncall/oncall.service.js';
import { createTestPageService } from '../modules/oncall/test-page.js';
import type { Senders } from '../modules/notifications/senders.js';
import { createAlertsService } from '../modules/alerts/alerts.service.js';
import { livePrefix } from '../modules/alerts/live-bus.js';
import { useAuditKey } from '../modules/audit/audit.key.js';

/** Every domain service, built once per process from the shared dependencies. */
export function createServices(deps: { db: Db; config: Config; engine?: EscalationEngine | null; instanceId?: string; senders?: Senders | null }) {
  useAuditKey(deps.config);
  const incidents = createIncidentsService({ ...deps, suppressedRoutingTargets });
  const indicatorReports = createIndicatorReportsService(deps);
  return {
    identity: createIdentityService(deps),
    partners: createPartnersService(deps),
    incidents,
    escalations: createEscalationsService({ db: deps.db, config: deps.config, engine: deps.engine ?? null }),
    oncall: createOncallService(deps),
    testPages: createTestPageService({ db: deps.db, config: deps.config, senders: deps.senders ?? null }),
    alerts: createAlertsService({ db: deps.db, config: deps.config, authenticate: createIdentityService(deps).authenticate, livePrefix: livePrefix(deps.config.queuePrefix, deps.instanceId ?? '') }),
    indicatorReports,
    subscriptions: createSubscriptionsService(deps),
    audit: createAuditQueryService({
      db: deps.db,
      contentVisibility: {
        Incident: async (principal, ids) => new Set((await incidents.visibleAmong(principal, ids)).keys()),
        Indicator: async (principal, ids) =>
          new Set([...(await indicatorReports.visibleIndicatorIds(principal, ids.map(Number).filter(Number.isSafeInteger)))].map(String)),
      },
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
