import type {
  DeliveryAttemptResolvers,
  EscalationResolvers,
  IncidentResolvers,
  MutationResolvers,
  NotificationResolvers,
  QueryResolvers,
  Resolvers,
  RoutingRuleInput,
  RoutingRuleResolvers,
  RoutingTargetInput,
  RoutingTargetResolvers,
} from '../../graphql/generated.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { viewer } from '../../graphql/viewer.js';
import { InputError, NotFoundError } from '../../errors.js';
import { describeTarget, type EscalationPolicy, type Target } from './policy.js';
import type { RoutingRuleInput as ServiceRuleInput } from './escalations.service.js';

function toTarget(t: RoutingTargetInput, field: string): Target {
  switch (t.kind) {
    case 'DUTY':
      if (!t.organization) throw new InputError(`${field}.organization`, 'a DUTY target names its organization');
      return { kind: 'DUTY', organization: t.organization, duty: t.duty };
    case 'PARTNER_KIND':
      if (!t.partnerKind) throw new InputError(`${field}.partnerKind`, 'a PARTNER_KIND target names its partner kind');
      return { kind: 'PARTNER_KIND', partnerKind: t.partnerKind, duty: t.duty };
    case 'AFFECTED_COUNTIES':
      return { kind: 'AFFECTED_COUNTIES', duty: t.duty };
    case 'REPORTING_ORGANIZATION':
      return { kind: 'REPORTING_ORGANIZATION', duty: t.duty };
  }
}

function toRuleInput(input: RoutingRuleInput): ServiceRuleInput {
  const policy: EscalationPolicy = {
    levels: input.levels.map((l, i) => ({ targets: l.targets.map((t, j) => toTarget(t, `levels[${i}].targets[${j}]`)), ackTimeoutSeconds: l.ackTimeoutSeconds })),
    repeatLastLevel: input.repeatLastLevel ?? 1,
    notify: (input.notify ?? []).map((n, i) => ({ target: toTarget(n.target, `notify[${i}].target`), categories: n.categories ?? [] })),
  };
  return {
    name: input.name,
    description: input.description,
    enabled: input.enabled,
    position: input.position,
    severityAtLeast: input.severityAtLeast ?? null,
    domains: input.domains ?? [],
    categories: input.categories ?? [],
    policy,
  };
}

const Query: Pick<QueryResolvers, 'routingRules' | 'routingPreflight' | 'myPages'> = {
  routingRules: (_p, _a, ctx) => ctx.services.escalations.listRules(viewer(ctx)),
  routingPreflight: (_p, _a, ctx) => ctx.services.escalations.preflight(viewer(ctx)),
  myPages: (_p, _a, ctx) => ctx.services.escalations.myPages(viewer(ctx)),
};

const Mutation: Pick<MutationResolvers, 'acknowledgeEscalation' | 'escalateIncident' | 'createRoutingRule' | 'updateRoutingRule' | 'deleteRoutingRule'> = {
  acknowledgeEscalation: (_p, args, ctx) => ctx.services.escalations.acknowledge(viewer(ctx), args.id),
  escalateIncident: (_p, args, ctx) => ctx.services.escalations.escalateIncident(viewer(ctx), args.id, args.note),
  createRoutingRule: (_p, args, ctx) => ctx.services.escalations.createRule(viewer(ctx), toRuleInput(args.input)),
  updateRoutingRule: (_p, args, ctx) => ctx.services.escalations.updateRule(viewer(ctx), args.input.name, toRuleInput(args.input), args.expectedVersion),
  deleteRoutingRule: (_p, args, ctx) => ctx.services.escalations.deleteRule(viewer(ctx), args.name),
};

const RoutingRule: RoutingRuleResolvers = {
  severityAtLeast: (r) => r.severity_at_least,
  domains: (r) => r.domains,
  categories: (r) => r.categories,
  levels: (r) => r.policy.levels,
  repeatLastLevel: (r) => r.policy.repeatLastLevel,
  notify: (r) => r.policy.notify.map((n) => ({ target: n.target, categories: n.categories })),
  updatedAt: (r) => r.updated_at,
};

const RoutingTarget: RoutingTargetResolvers = {
  organization: (t) => (t.kind === 'DUTY' ? t.organization : null),
  partnerKind: (t) => (t.kind === 'PARTNER_KIND' ? t.partnerKind : null),
  label: (t) => describeTarget(t),
};

async function user(ctx: GraphQLContext, id: string) {
  const u = await ctx.loaders.userById.load(id);
  if (!u) throw new NotFoundError('User', id);
  return u;
}

const Escalation: EscalationResolvers = {
  incident: async (e, _a, ctx) => {
    const i = (await ctx.services.incidents.visibleAmong(viewer(ctx), [e.incident_id])).get(e.incident_id);
    if (!i) throw new NotFoundError('Incident', e.incident_id);
    return i;
  },
  rule: (e) => e.rule_name,
  level: (e) => (e.state === 'ACTIVE' ? e.level : (e.last_paged_level ?? e.level)) + 1,
  state: (e) => e.state,
  nextEscalationAt: (e) => (e.state === 'ACTIVE' ? e.next_fire_at : null),
  acknowledgedBy: (e, _a, ctx) => (e.acknowledged_by ? user(ctx, e.acknowledged_by) : null),
  acknowledgedAt: (e) => e.acknowledged_at,
  createdAt: (e) => e.created_at,
  notifications: (e, _a, ctx) => ctx.services.escalations.notificationsOf([e.id]),
  suppressedTargets: (e, _a, ctx) => ctx.services.escalations.suppressedTargetsOfEscalation(e),
};

const Notification: NotificationResolvers = {
  kind: (n) => n.kind,
  level: (n) => (n.kind === 'PAGE' ? n.level + 1 : null),
  recipient: (n, _a, ctx) => user(ctx, n.recipient_user_id),
  channel: (n) => n.channel,
  status: (n) => n.status,
  statusReason: (n) => n.status_reason,
  createdAt: (n) => n.created_at,
  deliveredAt: (n) => n.delivered_at,
  attempts: (n, _a, ctx) => ctx.services.escalations.attemptsOf([n.id]),
};

const DeliveryAttempt: DeliveryAttemptResolvers = {
  outcome: (a) => a.outcome,
  httpStatus: (a) => a.http_status,
  latencyMs: (a) => a.latency_ms,
};

const Incident: Pick<IncidentResolvers, 'escalations' | 'suppressedRoutingTargets'> = {
  escalations: (i, _a, ctx) => ctx.services.escalations.escalationsOfIncident(viewer(ctx), i),
  // The incident was checked visible by whoever handed it over; the answer names rules and organizations only.
  suppressedRoutingTargets: (i, _a, ctx) => ctx.services.escalations.suppressedTargetsOf(i),
};

export const escalationsResolvers: Resolvers = { Query, Mutation, RoutingRule, RoutingTarget, Escalation, Notification, DeliveryAttempt, Incident };
