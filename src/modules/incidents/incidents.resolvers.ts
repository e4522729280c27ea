import { visibleCorrelationCounties } from '../../access/indicators.js';
import type {
  IncidentConnectionResolvers,
  IncidentResolvers,
  IncidentTimelineConnectionResolvers,
  IncidentTimelineEntryResolvers,
  IncidentAssigneeResolvers,
  MutationResolvers,
  QueryResolvers,
  Resolvers,
} from '../../graphql/generated.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { viewer } from '../../graphql/viewer.js';
import { NotFoundError } from '../../errors.js';
import { pageEdges, pageInfoOf, pageSize } from '../../graphql/pagination.js';
import { incidentListProjection } from './incidents.projection.js';

const Query: Pick<QueryResolvers, 'incident' | 'incidentByReference' | 'incidents'> = {
  incident: (_p, args, ctx) => ctx.services.incidents.get(viewer(ctx), args.id),
  incidentByReference: (_p, args, ctx) => ctx.services.incidents.getByReference(viewer(ctx), args.reference),
  incidents: async (_p, args, ctx, info) => {
    const page = await ctx.services.incidents.list(viewer(ctx), {
      filter: args.filter ?? {},
      first: pageSize(args.first),
      after: args.after ?? null,
      order: args.orderBy ?? { field: 'REPORTED_AT', direction: 'DESC' },
      // Only the columns the selected fields read (incidents.projection.ts).
      projection: incidentListProjection(info),
    });
    for (const n of page.nodes) {
      const facts = page.facts.get(n.id);
      if (facts) ctx.loaders.incidentFacts.prime(n, facts);
    }
    return page;
  },
};

const Mutation: Pick<
  MutationResolvers,
  | 'fileIncident'
  | 'updateIncident'
  | 'transitionIncident'
  | 'mergeIncident'
  | 'addIncidentComment'
  | 'assignIncident'
  | 'shareIncident'
  | 'setIncidentTlp'
  | 'setIncidentLawEnforcementSensitive'
> = {
  fileIncident: (_p, { input }, ctx) => ctx.services.incidents.file(viewer(ctx), input),
  updateIncident: (_p, args, ctx) => ctx.services.incidents.update(viewer(ctx), args.id, args.input, args.expectedVersion),
  transitionIncident: (_p, args, ctx) => ctx.services.incidents.transition(viewer(ctx), args.id, args.to, args.note),
  mergeIncident: (_p, args, ctx) => ctx.services.incidents.merge(viewer(ctx), args.id, args.intoId),
  addIncidentComment: (_p, args, ctx) => ctx.services.incidents.comment(viewer(ctx), args.id, args.body),
  assignIncident: (_p, args, ctx) => ctx.services.incidents.assign(viewer(ctx), args.id, args.organization, args.user),
  shareIncident: (_p, args, ctx) => ctx.services.incidents.share(viewer(ctx), args.id, args.organizations, args.users, args.routingTargets),
  setIncidentTlp: (_p, args, ctx) => ctx.services.incidents.setTlp(viewer(ctx), args.id, args.tlp, args.recipients),
  setIncidentLawEnforcementSensitive: (_p, args, ctx) => ctx.services.incidents.setLawEnforcementSensitive(viewer(ctx), args.id, args.value),
};

async function organization(ctx: GraphQLContext, id: string) {
  const o = await ctx.loaders.organizationById.load(id);
  if (!o) throw new NotFoundError('Organization', id);
  return o;
}

async function user(ctx: GraphQLContext, id: string) {
  const u = await ctx.loaders.userById.load(id);
  if (!u) throw new NotFoundError('User', id);
  return u;
}

const Incident: IncidentResolvers = {
  category: (i) => i.category,
  domain: (i) => i.domain,
  severity: (i) => i.severity,
  status: (i) => i.status,
  tlp: (i) => i.tlp,
  lawEnforcementSensitive: (i) => i.law_enforcement_sensitive,
  reportingOrganization: (i, _a, ctx) => organization(ctx, i.reporting_organization_id),
  reportingUser: (i, _a, ctx) => user(ctx, i.reporting_user_id),
  affectedCounties: async (i, _a, ctx) => {
    const f = await ctx.loaders.incidentFacts.load(i);
    return Promise.all(f.affectedCountyIds.map((id) => organization(ctx, id)));
  },
  affectedAssets: (i) => i.affected_assets,
  occurredAt: (i) => i.occurred_at,
  detectedAt: (i) => i.detected_at,
  reportedAt: (i) => i.reported_at,
  assignee: (i) => (i.assignee_organization_id ? { organizationId: i.assignee_organization_id, userId: i.assignee_user_id } : null),
  externalReferences: (i) => i.external_references.map((r) => ({ source: r.source, identifier: r.identifier, url: r.url ?? null })),
  sharedWith: async (i, _a, ctx) => {
    const f = await ctx.loaders.incidentFacts.load(i);
    const p = viewer(ctx);
    let ids = f.sharedOrganizationIds;
    // A statewide correlation tells each county how many others saw the value, not which: only
    // coordinators and the reporter see the list.
    const told = visibleCorrelationCounties(p, i.reporting_organization_id, ids);
    if (told.length !== ids.length && (await ctx.services.incidents.isCorrelation(i.id))) ids = told;
    return Promise.all(ids.map((id) => organization(ctx, id)));
  },
  recipients: async (i, _a, ctx) => {
    const f = await ctx.loaders.incidentFacts.load(i);
    return Promise.all(f.recipientUserIds.map((id) => user(ctx, id)));
  },
  // A link never reveals an incident the viewer may not see.
  mergedInto: async (i, _a, ctx) => {
    if (!i.merged_into_id) return null;
    return (await ctx.services.incidents.visibleAmong(viewer(ctx), [i.merged_into_id])).get(i.merged_into_id) ?? null;
  },
  duplicates: (i, _a, ctx) => ctx.services.incidents.duplicatesOf(viewer(ctx), i),
  createdAt: (i) => i.created_at,
  updatedAt: (i) => i.updated_at,
  timeline: (i, args, ctx) =>
    ctx.services.incidents.timeline(viewer(ctx), i, { commentsOnly: false, first: pageSize(args.first), after: args.after ?? null }),
  comments: (i, args, ctx) =>
    ctx.services.incidents.timeline(viewer(ctx), i, { commentsOnly: true, first: pageSize(args.first), after: args.after ?? null }),
};

const IncidentAssignee: IncidentAssigneeResolvers = {
  organization: (a, _x, ctx) => organization(ctx, a.organizationId),
  user: (a, _x, ctx) => (a.userId ? user(ctx, a.userId) : null),
};

const IncidentConnection: IncidentConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
  edges: (c) => pageEdges(c),
  pageInfo: (c) => pageInfoOf(c),
};

const IncidentTimelineConnection: IncidentTimelineConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
  edges: (c) => pageEdges(c),
  pageInfo: (c) => pageInfoOf(c),
};

const IncidentTimelineEntry: IncidentTimelineEntryResolvers = {
  id: (e) => e.public_id,
  kind: (e) => e.kind,
  actor: (e, _a, ctx) => (e.actor_user_id ? user(ctx, e.actor_user_id) : null),
  actorOrganization: (e, _a, ctx) => (e.actor_organization_id ? organization(ctx, e.actor_organization_id) : null),
};

export const incidentsResolvers: Resolvers = {
  Query,
  Mutation,
  Incident,
  IncidentAssignee,
  IncidentConnection,
  IncidentTimelineConnection,
  IncidentTimelineEntry,
};
