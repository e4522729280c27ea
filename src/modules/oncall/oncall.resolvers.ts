import type {
  ContactMethodResolvers,
  MutationResolvers,
  OnCallAnswerResolvers,
  QueryResolvers,
  Resolvers,
  ScheduleOverrideResolvers,
  ScheduleResolvers,
} from '../../graphql/generated.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { viewer } from '../../graphql/viewer.js';
import { NotFoundError } from '../../errors.js';

async function userById(ctx: GraphQLContext, id: string) {
  const u = await ctx.loaders.userById.load(id);
  if (!u) throw new NotFoundError('User', id);
  return u;
}

const oncallQuery: Pick<QueryResolvers, 'onCall' | 'schedule' | 'contactMethods'> = {
  onCall: (_p, args, ctx) => ctx.services.oncall.onCall(viewer(ctx), args.organization, args.duty, args.at ?? new Date()),
  schedule: (_p, args, ctx) => ctx.services.oncall.schedule(viewer(ctx), args.organization, args.duty),
  contactMethods: (_p, args, ctx) => ctx.services.oncall.contactMethods(viewer(ctx), args.email),
};

const oncallMutation: Pick<
  MutationResolvers,
  'setSchedule' | 'addScheduleOverride' | 'removeScheduleOverride' | 'addContactMethod' | 'removeContactMethod' | 'sendTestPage'
> = {
  setSchedule: (_p, { input }, ctx) => ctx.services.oncall.setSchedule(viewer(ctx), input),
  addScheduleOverride: (_p, { input }, ctx) => ctx.services.oncall.addScheduleOverride(viewer(ctx), input),
  removeScheduleOverride: (_p, args, ctx) => ctx.services.oncall.removeScheduleOverride(viewer(ctx), args.id),
  addContactMethod: (_p, { input }, ctx) => ctx.services.oncall.addContactMethod(viewer(ctx), input),
  removeContactMethod: (_p, args, ctx) => ctx.services.oncall.removeContactMethod(viewer(ctx), args.id),
  sendTestPage: (_p, args, ctx) => ctx.services.testPages.sendTestPage(viewer(ctx), args.id),
};

const OnCallAnswer: OnCallAnswerResolvers = {
  user: (a) => a.user,
  override: (a) => a.override,
  schedule: (a) => a.schedule,
};

const Schedule: ScheduleResolvers = {
  duty: (s) => s.duty,
  timeZone: (s) => s.time_zone,
  shiftLengthHours: (s) => s.shift_length_hours,
  handoffTime: (s) => s.handoff_time,
  startDate: (s) => s.start_date,
  participants: (s, _a, ctx) => Promise.all(s.participants.map((id) => userById(ctx, id))),
  overrides: (s, args, ctx) => ctx.services.oncall.listScheduleOverrides(viewer(ctx), s.id, { includePast: args.includePast ?? false }),
  updatedAt: (s) => s.updated_at,
};

const ScheduleOverride: ScheduleOverrideResolvers = {
  user: (o, _a, ctx) => userById(ctx, o.user_id),
  from: (o) => o.starts_at,
  to: (o) => o.ends_at,
  createdAt: (o) => o.created_at,
};

const ContactMethod: ContactMethodResolvers = {
  kind: (m) => m.kind,
  user: (m, _a, ctx) => userById(ctx, m.user_id),
  verifiedAt: (m) => m.verified_at,
  disabledAt: (m) => m.disabled_at,
  disabledReason: (m) => m.disabled_reason,
  removedAt: (m) => m.removed_at,
  createdAt: (m) => m.created_at,
};

export const oncallResolvers: Resolvers = { Query: oncallQuery, Mutation: oncallMutation, OnCallAnswer, Schedule, ScheduleOverride, ContactMethod };
