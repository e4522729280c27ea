import type {
  IncidentEventConnectionResolvers,
  IncidentEventResolvers,
  IndicatorAlertConnectionResolvers,
  IndicatorAlertResolvers,
  QueryResolvers,
  Resolvers,
  ResolversParentTypes,
  ResolversTypes,
  SubscriptionIncidentEventsArgs,
  SubscriptionIndicatorAlertsArgs,
  SubscriptionResolverObject,
  SubscriptionResolvers,
} from '../../graphql/generated.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { viewer } from '../../graphql/viewer.js';
import { pageSize } from '../../graphql/pagination.js';
import type { IncidentEventModel } from './incident-events.js';
import { alertCursor, type IndicatorAlertModel } from './indicator-alerts.js';
import type { StreamItem } from '../../live/stream.js';

const Query: Pick<QueryResolvers, 'events' | 'indicatorAlerts'> = {
  events: (_p, args, ctx) =>
    ctx.services.alerts.events(viewer(ctx), { after: args.after ?? null, filter: args.filter ?? {}, first: pageSize(args.first) }),
  indicatorAlerts: (_p, args, ctx) =>
    ctx.services.alerts.indicatorAlerts(viewer(ctx), { after: args.after ?? null, filter: args.filter ?? {}, first: pageSize(args.first) }),
};

type IncidentEventsSubscription = SubscriptionResolverObject<ResolversTypes['IncidentEvent'], ResolversParentTypes['Subscription'], GraphQLContext, Partial<SubscriptionIncidentEventsArgs>>;

const incidentEvents: IncidentEventsSubscription = {
  subscribe: (_p, args, ctx) => ctx.services.alerts.subscribeIncidentEvents(viewer(ctx), ctx.token, args.filter ?? {}),
  resolve: (item: StreamItem<IncidentEventModel>, _a, ctx) => {
    if (item.error) throw item.error;
    // A subscription's context lives as long as its stream: its own loaders would serve the first event's
    // organizations and audience to every later one. Each event brings loaders read for it.
    ctx.loaders = ctx.services.alerts.loadersFor(item.event);
    return item.event;
  },
};

type IndicatorAlertsSubscription = SubscriptionResolverObject<ResolversTypes['IndicatorAlert'], ResolversParentTypes['Subscription'], GraphQLContext, Partial<SubscriptionIndicatorAlertsArgs>>;

const indicatorAlerts: IndicatorAlertsSubscription = {
  subscribe: (_p, args, ctx) => ctx.services.alerts.subscribeIndicatorAlerts(viewer(ctx), ctx.token, args.filter ?? {}),
  resolve: (item: StreamItem<IndicatorAlertModel>, _a, ctx) => {
    if (item.error) throw item.error;
    ctx.loaders = ctx.services.alerts.loadersFor(item.event);
    return item.event;
  },
};

const Subscription: Pick<SubscriptionResolvers, 'incidentEvents' | 'indicatorAlerts'> = { incidentEvents, indicatorAlerts };

const IncidentEvent: IncidentEventResolvers = {
  cursor: (e) => String(e.cursor),
  kind: (e) => e.kind,
  at: (e) => e.at,
  incident: (e) => e.incident,
  change: (e) => e.change,
};

const IncidentEventConnection: IncidentEventConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
  edges: (c, _a, ctx) => {
    for (const e of c.nodes) ctx.loaders.incidentFacts.prime(e.incident, e.facts);
    return c.nodes.map((node) => ({ node, cursor: String(node.cursor) }));
  },
  pageInfo: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.nodes.length ? String(c.nodes[c.nodes.length - 1]!.cursor) : null }),
};

// The alert was shown only to someone who may see its report, sighting or incident (canSeeIndicatorAlert
// live, the same rule in SQL for the catch-up): each kind resolves its own object and nothing else.
const IndicatorAlert: IndicatorAlertResolvers = {
  cursor: (a) => alertCursor(a),
  kind: (a) => a.kind,
  at: (a) => a.at,
  indicator: (a) => a.indicator,
  report: (a) => a.report?.row ?? null,
  sighting: (a) => a.sighting?.row ?? null,
  incident: (a) => a.incident?.row ?? null,
};

const IndicatorAlertConnection: IndicatorAlertConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
  edges: (c, _a, ctx) => {
    for (const a of c.nodes) if (a.incident) ctx.loaders.incidentFacts.prime(a.incident.row, a.incident.facts);
    return c.nodes.map((node) => ({ node, cursor: alertCursor(node) }));
  },
  pageInfo: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.endCursor }),
};

export const alertsResolvers: Resolvers = { Query, Subscription, IncidentEvent, IncidentEventConnection, IndicatorAlert, IndicatorAlertConnection };
