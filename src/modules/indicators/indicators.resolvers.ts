import { visibleCorrelationCounties } from '../../access/indicators.js';
import type {
  IncidentCorrelationResolvers,
  IncidentResolvers,
  IndicatorConnectionResolvers,
  IndicatorReportResolvers,
  IndicatorReportResultResolvers,
  IndicatorResolvers,
  MutationResolvers,
  ObservableMatchResolvers,
  QueryResolvers,
  Resolvers,
  SightingResolvers,
} from '../../graphql/generated.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { viewer } from '../../graphql/viewer.js';
import { NotFoundError } from '../../errors.js';
import { decodeCursor, encodeCursor, isCursorId, pageSize } from '../../graphql/pagination.js';

async function organization(ctx: GraphQLContext, id: string) {
  const o = await ctx.loaders.organizationById.load(id);
  if (!o) throw new NotFoundError('Organization', id);
  return o;
}

const Query: Pick<QueryResolvers, 'indicator' | 'indicators' | 'matchObservables'> = {
  indicator: (_p, args, ctx) => ctx.services.indicatorReports.indicator(viewer(ctx), args.type, args.value),
  indicators: (_p, args, ctx) => {
    const after = args.after ? decodeCursor<number>(args.after, isCursorId) : null;
    return ctx.services.indicatorReports.list(viewer(ctx), args.filter ?? {}, pageSize(args.first), after);
  },
  matchObservables: (_p, args, ctx) => ctx.services.indicatorReports.match(viewer(ctx), args.values, args.includeExpired ?? false),
};

const Mutation: Pick<MutationResolvers, 'reportIndicators' | 'reportSighting' | 'linkIndicatorToIncident' | 'revokeIndicatorReport'> = {
  reportIndicators: (_p, args, ctx) => ctx.services.indicatorReports.reportIndicators(viewer(ctx), args.input),
  reportSighting: (_p, args, ctx) => ctx.services.indicatorReports.reportSighting(viewer(ctx), args.input),
  linkIndicatorToIncident: (_p, args, ctx) => ctx.services.indicatorReports.linkToIncident(viewer(ctx), args.input),
  revokeIndicatorReport: (_p, args, ctx) => ctx.services.indicatorReports.revokeReport(viewer(ctx), args.id),
};

const Indicator: IndicatorResolvers = {
  id: (i) => String(i.id),
  type: (i) => i.type,
  benign: (i) => i.benign_reason !== null,
  benignReason: (i) => i.benign_reason,
  firstSeen: async (i, _a, ctx) => (await ctx.services.indicatorReports.seenRange(viewer(ctx), i.id)).first,
  lastSeen: async (i, _a, ctx) => (await ctx.services.indicatorReports.seenRange(viewer(ctx), i.id)).last,
  reports: (i, _a, ctx) => ctx.services.indicatorReports.reportsOf(viewer(ctx), i.id),
  sightings: (i, args, ctx) => ctx.services.indicatorReports.sightingsOf(viewer(ctx), i.id, args.since ?? null),
  sightingCount: async (i, args, ctx) => (await ctx.services.indicatorReports.sightingCounts(i.id, args.since ?? null)).sightings,
  sightingOrganizationCount: async (i, args, ctx) => (await ctx.services.indicatorReports.sightingCounts(i.id, args.since ?? null)).organizations,
  // A visible indicator never reveals an invisible incident.
  linkedIncidents: async (i, _a, ctx) => {
    const ids = await ctx.services.indicatorReports.linkedIncidentIds(viewer(ctx), i.id);
    return [...(await ctx.services.incidents.visibleAmong(viewer(ctx), ids)).values()];
  },
};

const IndicatorReport: IndicatorReportResolvers = {
  id: (r) => String(r.id),
  organization: (r, _a, ctx) => organization(ctx, r.organization_id),
  reportedBy: (r, _a, ctx) => (r.reported_by ? ctx.loaders.userById.load(r.reported_by).then((u) => u ?? null) : null),
  tlp: (r) => r.tlp,
  lawEnforcementSensitive: (r) => r.law_enforcement_sensitive,
  validFrom: (r) => r.valid_from,
  validUntil: (r) => r.valid_until,
  incident: async (r, _a, ctx) =>
    r.incident_id ? ((await ctx.services.incidents.visibleAmong(viewer(ctx), [r.incident_id])).get(r.incident_id) ?? null) : null,
  createdAt: (r) => r.created_at,
  updatedAt: (r) => r.updated_at,
};

const Sighting: SightingResolvers = {
  id: (s) => s.public_id,
  organization: (s, _a, ctx) => organization(ctx, s.organization_id),
  seenAt: (s) => s.seen_at,
  tlp: (s) => s.tlp,
};

const IndicatorReportResult: IndicatorReportResultResolvers = {};

const IndicatorConnection: IndicatorConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
  edges: (c) => c.nodes.map((node) => ({ node, cursor: encodeCursor(node.id) })),
  pageInfo: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.nodes.length ? encodeCursor(c.nodes[c.nodes.length - 1]!.id) : null }),
};

const ObservableMatch: ObservableMatchResolvers = {};

const Incident: Pick<IncidentResolvers, 'correlation'> = {
  correlation: (i, _a, ctx) => ctx.services.indicatorReports.correlationOf(i),
};

// Every link is filtered by the reader's rights at read time: a statewide incident never reveals an
// indicator, a county or a county incident the reader may not otherwise know of.
const IncidentCorrelation: IncidentCorrelationResolvers = {
  indicator: (c, _a, ctx) => ctx.services.indicatorReports.visibleIndicatorById(viewer(ctx), c.indicatorId),
  countyCount: (c) => c.countyIds.length,
  // The same rule as Incident.sharedWith: coordinators and the reporter see the list, a county itself.
  counties: (c, _a, ctx) => {
    const ids = visibleCorrelationCounties(viewer(ctx), c.reportingOrganizationId, c.countyIds);
    return Promise.all(ids.map((id) => organization(ctx, id)));
  },
  countyIncidents: async (c, _a, ctx) => {
    const ids = (await ctx.services.indicatorReports.linkedIncidentIds(viewer(ctx), c.indicatorId)).filter((id) => id !== c.incidentId);
    const visible = await ctx.services.incidents.visibleAmong(viewer(ctx), ids);
    return ids.flatMap((id) => visible.get(id) ?? []);
  },
};

export const indicatorsResolvers: Resolvers = {
  Query,
  Mutation,
  Indicator,
  IndicatorReport,
  Sighting,
  IndicatorReportResult,
  IndicatorConnection,
  ObservableMatch,
  Incident: Incident as IncidentResolvers,
  IncidentCorrelation,
};
