import type {
  AlertDeliveryResolvers,
  AlertFilterResolvers,
  AlertSubscriptionResolvers,
  MutationResolvers,
  QueryResolvers,
  Resolvers,
} from '../../graphql/generated.js';
import { viewer } from '../../graphql/viewer.js';
import { NotFoundError } from '../../errors.js';

const Query: Pick<QueryResolvers, 'alertSubscriptions'> = {
  alertSubscriptions: (_p, args, ctx) => ctx.services.subscriptions.list(viewer(ctx), args.organization ?? null),
};

const Mutation: Pick<MutationResolvers, 'createAlertSubscription' | 'updateAlertSubscription' | 'pauseAlertSubscription' | 'resumeAlertSubscription' | 'deleteAlertSubscription'> = {
  createAlertSubscription: async (_p, args, ctx) => {
    const { row, webhookSecret } = await ctx.services.subscriptions.create(viewer(ctx), args.input);
    return { subscription: row, webhookSecret };
  },
  updateAlertSubscription: async (_p, args, ctx) => {
    const { row, webhookSecret } = await ctx.services.subscriptions.update(viewer(ctx), args.id, args.input);
    return { subscription: row, webhookSecret };
  },
  pauseAlertSubscription: (_p, args, ctx) => ctx.services.subscriptions.pause(viewer(ctx), args.id),
  resumeAlertSubscription: (_p, args, ctx) => ctx.services.subscriptions.resume(viewer(ctx), args.id),
  deleteAlertSubscription: async (_p, args, ctx) => {
    await ctx.services.subscriptions.remove(viewer(ctx), args.id);
    return true;
  },
};

const AlertSubscription: AlertSubscriptionResolvers = {
  owner: (s, _a, ctx) => (s.owner_user_id ? ctx.loaders.userById.load(s.owner_user_id).then((u) => u ?? null) : null),
  organization: async (s, _a, ctx) => {
    const o = await ctx.loaders.organizationById.load(s.organization_id);
    if (!o) throw new NotFoundError('Organization', s.organization_id);
    return o;
  },
  channels: (s) => s.channels,
  webhookUrl: (s) => s.webhook_url,
  mode: (s) => s.mode,
  paused: (s) => s.paused_at !== null,
  lastDigestAt: (s) => s.last_digest_at,
  createdAt: (s) => s.created_at,
  deliveries: (s, args, ctx) => ctx.services.subscriptions.deliveries(s.id, Math.min(Math.max(args.first ?? 20, 1), 200)),
};

const AlertFilter: AlertFilterResolvers = {
  domains: (f) => f.domains,
  categories: (f) => f.categories,
  affectedCounties: async (f, _a, ctx) => (await Promise.all(f.affectedCountyIds.map((id) => ctx.loaders.organizationById.load(id)))).filter((o) => o !== undefined),
  indicatorTypes: (f) => f.indicatorTypes,
};

const AlertDelivery: AlertDeliveryResolvers = {
  channel: (d) => d.channel,
  status: (d) => d.status,
  statusReason: (d) => d.status_reason,
  createdAt: (d) => d.created_at,
  deliveredAt: (d) => d.delivered_at,
  attempts: (d, _a, ctx) => ctx.services.subscriptions.attempts([d.id]) as never,
};

export const subscriptionsResolvers: Resolvers = { Query, Mutation, AlertSubscription, AlertFilter, AlertDelivery };
