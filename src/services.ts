import type { Config } from './config.js';
import type { Db } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import type { LiveBus } from './live/bus.js';
import { createSessionKeeper } from './live/sessions.js';
import type { EscalationEngine } from './modules/escalations/escalations.engine.js';
import { createEscalationsService } from './modules/escalations/escalations.service.js';
import { suppressedRoutingTargets } from './modules/escalations/index.js';
import { createIdentityService } from './modules/identity/identity.service.js';
import { createSessionsService } from './modules/sessions/sessions.service.js';
import { CONSOLE_LIVE_TOKEN_PREFIX } from './modules/sessions/index.js';
import type { RequestMeta } from './access/principal.js';
import { createPartnersService } from './modules/partners/partners.service.js';
import { createIncidentsService } from './modules/incidents/incidents.service.js';
import { createAuditQueryService } from './modules/audit/audit.query.js';
import { createIndicatorReportsService } from './modules/indicators/reports.service.js';
import { createIndicatorsService } from './modules/indicators/indicators.service.js';
import { createSubscriptionsService } from './modules/subscriptions/subscriptions.service.js';
import { createOncallService } from './modules/oncall/oncall.service.js';
import { createTestPageService } from './modules/oncall/test-page.js';
import type { Senders } from './modules/notifications/senders.js';
import { createAlertsService } from './modules/alerts/alerts.service.js';
import { useAuditKey } from './modules/audit/audit.key.js';
import { createMispService } from './modules/misp/misp.service.js';
import { createPublicReportsService } from './modules/publicreports/publicreports.service.js';
import { createClaimsService } from './modules/publicreports/claims.service.js';
import { createRumorService } from './modules/publicreports/rumor.service.js';
import { createStixService } from './modules/stix/stix.service.js';

/**
 * The infrastructure services are built on: built by the composition root (src/deps.ts createDeps), or,
 * for a command or a test that needs no queues, just a pool and the config.
 */
export interface ServiceInfra {
  db: Db;
  config: Config;
  /** Pages started by a use case (escalate, acknowledge); null: refused with a message (no workers' queues). */
  engine?: EscalationEngine | null;
  senders?: Senders | null;
  /** The process's live bus (src/live/bus.ts) and the logger of its sessions; null: no live streams here. */
  live?: { bus: LiveBus; logger: Logger } | null;
}

/**
 * Every domain service, built once per process from the shared infrastructure and handed to every adapter
 * (GraphQL, the commands, the workers' callers). Services receive infrastructure; they never build it.
 */
export function createServices(infra: ServiceInfra) {
  useAuditKey(infra.config);
  const deps = { db: infra.db, config: infra.config };
  const identity = createIdentityService(deps);
  const incidents = createIncidentsService({ ...deps, suppressedRoutingTargets });
  const indicatorReports = createIndicatorReportsService(deps);
  // Long-lived connections' tokens, authenticated again every few seconds (src/live/sessions.ts).
  const sessions = createSessionsService({ ...deps, senders: infra.senders ?? null, logger: infra.live?.logger ?? null });
  // API tokens and console sessions' live tokens (src/web/live.tsx) share the keeper.
  const authenticateLive = (token: string, meta: RequestMeta) =>
    token.startsWith(CONSOLE_LIVE_TOKEN_PREFIX) ? sessions.authenticateLive(token) : identity.authenticate(token, meta);
  const live = infra.live ? { bus: infra.live.bus, sessions: createSessionKeeper({ authenticate: authenticateLive, logger: infra.live.logger }) } : null;
  const alerts = createAlertsService({ db: infra.db, live });
  const misp = createMispService({ db: infra.db, incidents, indicatorReports });
  const claims = createClaimsService(deps);
  const indicators = createIndicatorsService(deps);
  return {
    identity,
    sessions,
    partners: createPartnersService(deps),
    incidents,
    escalations: createEscalationsService({ ...deps, engine: infra.engine ?? null }),
    oncall: createOncallService(deps),
    testPages: createTestPageService({ ...deps, senders: infra.senders ?? null }),
    alerts,
    indicators,
    indicatorReports,
    stix: createStixService({ ...deps, incidents, indicatorReports, isBenign: (type, value) => indicators.warningLists.isBenign(type, value), logger: infra.live?.logger ?? null }),
    subscriptions: createSubscriptionsService(deps),
    misp,
    publicReports: createPublicReportsService(deps),
    claims,
    rumor: createRumorService({ ...deps, claims, senders: infra.senders ?? null, logger: infra.live?.logger ?? null }),
    audit: createAuditQueryService({
      db: infra.db,
      config: infra.config,
      contentVisibility: {
        Incident: async (principal, ids) => new Set((await incidents.visibleAmong(principal, ids)).keys()),
        Indicator: async (principal, ids) =>
          new Set([...(await indicatorReports.visibleIndicatorIds(principal, ids.map(Number).filter(Number.isSafeInteger)))].map(String)),
      },
    }),
    /** Ends what the services hold for the process's life: live streams, the sessions' timer. */
    async close(): Promise<void> {
      await alerts.close();
      live?.sessions.close();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
