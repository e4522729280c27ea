import type { Config } from '../../config.js';
import { checkCalendarDate, MAX_AHEAD, tooFarAhead } from '../../dates.js';
import { canSeeMembersOf } from '../../access/organizations.js';
import { canManageContactMethods, canManageOnCallSchedule, canReadOnCallSchedules } from '../../access/policy.js';
import type { Principal } from '../../access/principal.js';
import { isOneOf } from '../../domain/unions.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { recordAudit } from '../audit/index.js';
import { findUserByEmail, findUserById, findUsersByEmails, findUsersByIds, type UserRow } from '../identity/index.js';
import { findOrganizationBySlug, findOrganizationsBySlugs, listDutiesOf, listOrganizations, type DutyRow, type OrganizationRow } from '../partners/index.js';
import {
  auditTarget,
  checkEmailTarget,
  checkSmsTarget,
  checkWebhookTarget,
  CONTACT_METHOD_KINDS,
  generateWebhookSecret,
  type ContactMethodKind,
  type TargetCheck,
} from './contact-targets.js';
import {
  countLiveContactMethods,
  deleteOverride,
  findContactMethod,
  findDutyById,
  findDutyByName,
  findOverride,
  findScheduleById,
  findScheduleByDuty,
  findSchedulesByDuties,
  insertContactMethod,
  insertOverride,
  listActiveOverrides,
  listContactMethodsOf,
  listOverrides,
  listOverridesOfSchedules,
  listUsableContactMethods,
  markContactMethodRemoved,
  upsertSchedule,
  type ContactMethodRow,
  type OverrideRow,
  type ScheduleRow,
} from './oncall.repository.js';
import {
  canonicalTimeZone,
  DEFAULT_TIME_ZONE,
  isCalendarDate,
  localDate,
  MAX_SHIFT_LENGTH_HOURS,
  normalizeHandoffTime,
  onCallAt,
  onCallUserAt,
  type OnCallSource,
  type Override,
  type Rotation,
} from './rotation.js';

export interface SetScheduleInput {
  organization: string;
  duty: string;
  /** E-mail addresses, in rotation order. */
  participants: readonly string[];
  shiftLengthHours: number;
  handoffTime: string;
  timeZone?: string | null;
  /** YYYY-MM-DD; absent: today in the schedule's zone. */
  startDate?: string | null;
}

export interface AddScheduleOverrideInput {
  organization: string;
  duty: string;
  /** E-mail of the user who takes over. */
  user: string;
  from: Date;
  to: Date;
}

export interface AddContactMethodInput {
  /** Whose method. */
  email: string;
  kind: string;
  target: string;
}

/** A schedule with its duty, as the GraphQL layer shows it. */
export interface ScheduleModel extends ScheduleRow {
  duty: DutyRow;
  organization: OrganizationRow;
}

/** Who is on call for a duty at an instant, and for how long. */
export interface OnCallModel {
  at: Date;
  schedule: ScheduleModel;
  user: UserRow;
  source: OnCallSource;
  override: OverrideRow | null;
  /** Null: no hand-off before `at` (a one-person rotation). */
  shiftStart: Date | null;
  /** Null: no hand-off scheduled after `at`. */
  shiftEnd: Date | null;
}

/** One uninterrupted stretch of one person on call (the console's "now" and "next"). */
export interface OnCallStretch {
  user: UserRow;
  source: OnCallSource;
  override: OverrideRow | null;
  /** Null: no hand-off before (a one-person rotation). */
  start: Date | null;
  /** Null: no hand-off scheduled after. */
  end: Date | null;
}

/** A duty with who is on call for it now and who takes over next (both null without a schedule). */
export interface DutyOnCall {
  organization: OrganizationRow;
  duty: DutyRow;
  schedule: ScheduleRow | null;
  now: OnCallStretch | null;
  next: OnCallStretch | null;
}

/** A duty's schedule as the console shows it: the rotation's people, the overrides to come, the next stretches. */
export interface ScheduleView {
  organization: OrganizationRow;
  duty: DutyRow;
  schedule: ScheduleRow | null;
  participants: UserRow[];
  overrides: Array<OverrideRow & { user: UserRow | null }>;
  /** From the stretch on call at `at` on, each as onCallAt answers at the end of the one before. */
  upcoming: OnCallStretch[];
}

/** What the escalation engine needs per duty: who, and why. */
export interface OnCallWho {
  userId: string;
  source: OnCallSource;
  overrideId: string | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PARTICIPANTS = 100;
// Every method of a paged person is used: a bound keeps one page from fanning out without limit.
const MAX_CONTACT_METHODS_PER_USER = 20;

export function toRotation(s: ScheduleRow): Rotation {
  return {
    timeZone: s.time_zone,
    startDate: s.start_date,
    handoffTime: s.handoff_time,
    shiftLengthHours: s.shift_length_hours,
    participants: s.participants,
  };
}

export function toOverride(o: OverrideRow): Override {
  return { id: o.id, userId: o.user_id, from: o.starts_at, to: o.ends_at, createdAt: o.created_at };
}

export type OncallService = ReturnType<typeof createOncallService>;

export function createOncallService(deps: { db: Db; config: Config }) {
  const { db, config } = deps;

  // ── Schedules ──

  /** The organization and duty named by a query: NOT_FOUND when absent (the partner directory is public). */
  async function dutyForQuery(trx: Handle, organization: string, duty: string): Promise<{ org: OrganizationRow; duty: DutyRow }> {
    const org = await findOrganizationBySlug(trx, organization);
    if (!org) throw new NotFoundError('Organization', organization);
    const d = await findDutyByName(trx, org.id, duty);
    if (!d) throw new NotFoundError('Duty', `${organization}/${duty}`);
    return { org, duty: d };
  }

  /** The organization and duty named in a mutation's input: BAD_USER_INPUT naming the field when absent. */
  async function dutyForInput(trx: Handle, organization: string, duty: string): Promise<{ org: OrganizationRow; duty: DutyRow }> {
    const org = await findOrganizationBySlug(trx, organization);
    if (!org) throw new InputError('organization', `no organization with slug "${organization}"`);
    const d = await findDutyByName(trx, org.id, duty);
    if (!d) throw new InputError('duty', `${org.slug} has no duty "${duty}"`);
    return { org, duty: d };
  }

  /** Who may be on call for an organization's duty: its own active users. */
  function checkOnCallMember(field: string, email: string, user: UserRow | undefined, org: OrganizationRow): UserRow {
    if (!user) throw new InputError(field, `no user with e-mail ${email}`);
    if (user.organization_id !== org.id) throw new InputError(field, `${user.email} is not a member of ${org.slug}`);
    if (!user.active) throw new InputError(field, `${user.email} is deactivated`);
    return user;
  }

  async function schedule(principal: Principal, organization: string, duty: string): Promise<ScheduleModel | null> {
    if (!canReadOnCallSchedules(principal)) throw new ForbiddenError();
    const found = await dutyForQuery(db, organization, duty);
    const row = await findScheduleByDuty(db, found.duty.id);
    return row ? { ...row, duty: found.duty, organization: found.org } : null;
  }

  /**
   * Who is on call for a duty at `at` (default now); null when the duty has no schedule. Reads every
   * override of the schedule so that the stretch's start and end are exact (a duty gathers at most a few
   * hundred overrides a season); the escalation engine, which needs only who, uses onCallForDuties.
   */
  async function onCall(principal: Principal, organization: string, duty: string, at: Date = new Date()): Promise<OnCallModel | null> {
    const sched = await schedule(principal, organization, duty);
    if (!sched) return null;
    const overrides = await listOverrides(db, sched.id);
    const answer = onCallAt(toRotation(sched), overrides.map(toOverride), at);
    if (!answer) return null;
    const user = await findUserById(db, answer.userId);
    if (!user) throw new Error(`on-call user ${answer.userId} of schedule ${sched.id} does not exist`);
    return {
      at,
      schedule: sched,
      user,
      source: answer.source,
      override: answer.overrideId ? (overrides.find((o) => o.id === answer.overrideId) ?? null) : null,
      shiftStart: answer.start,
      shiftEnd: answer.end,
    };
  }

  /**
   * Who is on call at `at` for each of many duties, in two queries whatever their number: the schedules by
   * duty, and the overrides active at `at`. Duties without a schedule are absent from the map. The user may
   * since have been deactivated: callers that page must check.
   */
  async function onCallForDuties(principal: Principal, dutyIds: readonly string[], at: Date): Promise<Map<string, OnCallWho>> {
    if (!canReadOnCallSchedules(principal)) throw new ForbiddenError();
    const schedules = await findSchedulesByDuties(db, dutyIds);
    const overrides = await listActiveOverrides(
      db,
      schedules.map((s) => s.id),
      at,
    );
    const result = new Map<string, OnCallWho>();
    for (const s of schedules) {
      const answer = onCallUserAt(toRotation(s), overrides.filter((o) => o.schedule_id === s.id).map(toOverride), at);
      if (answer) result.set(s.duty_id, answer);
    }
    return result;
  }

  /**
   * The stretches on call from `at` on: the one containing `at`, then the one starting where it ends, up to
   * `count`. `overrides` must hold every override of the schedule that ends after `at` minus a shift (so
   * that the first stretch's start is exact).
   */
  function stretchesFrom(sched: ScheduleRow, overrides: readonly OverrideRow[], at: Date, count: number): Array<Omit<OnCallStretch, 'user'> & { userId: string }> {
    const rotation = toRotation(sched);
    const mapped = overrides.map(toOverride);
    const out: Array<Omit<OnCallStretch, 'user'> & { userId: string }> = [];
    let t: Date | null = at;
    while (t && out.length < count) {
      const a = onCallAt(rotation, mapped, t);
      if (!a) break;
      out.push({ userId: a.userId, source: a.source, override: a.overrideId ? (overrides.find((o) => o.id === a.overrideId) ?? null) : null, start: a.start, end: a.end });
      t = a.end;
    }
    return out;
  }

  async function usersById(ids: readonly string[]): Promise<Map<string, UserRow>> {
    return new Map((await findUsersByIds(db, [...new Set(ids)])).map((u) => [u.id, u]));
  }

  /**
   * Who is on call now and next for every duty of the organizations named (null: every organization), in
   * a handful of queries whatever their number. Readable by every partner, like onCall.
   */
  async function dutyBoard(principal: Principal, organizationSlugs: readonly string[] | null, at: Date = new Date()): Promise<DutyOnCall[]> {
    if (!canReadOnCallSchedules(principal)) throw new ForbiddenError();
    const orgs = organizationSlugs === null ? await listOrganizations(db) : await findOrganizationsBySlugs(db, organizationSlugs);
    const orgById = new Map(orgs.map((o) => [o.id, o]));
    const duties = await listDutiesOf(db, orgs.map((o) => o.id));
    const schedules = new Map((await findSchedulesByDuties(db, duties.map((d) => d.id))).map((s) => [s.duty_id, s]));
    const overrides = await listOverridesOfSchedules(
      db,
      [...schedules.values()].map((s) => s.id),
      new Date(at.getTime() - MAX_SHIFT_LENGTH_HOURS * 3_600_000),
    );
    const stretches = new Map<string, ReturnType<typeof stretchesFrom>>();
    for (const s of schedules.values()) stretches.set(s.duty_id, stretchesFrom(s, overrides.filter((o) => o.schedule_id === s.id), at, 2));
    const users = await usersById([...stretches.values()].flat().map((x) => x.userId));
    const withUser = (x: ReturnType<typeof stretchesFrom>[number] | undefined): OnCallStretch | null => {
      const user = x ? users.get(x.userId) : undefined;
      return x && user ? { user, source: x.source, override: x.override, start: x.start, end: x.end } : null;
    };
    const order = new Map(orgs.map((o, i) => [o.id, i]));
    return duties
      .filter((d) => orgById.has(d.organization_id))
      .sort((a, b) => order.get(a.organization_id)! - order.get(b.organization_id)! || a.name.localeCompare(b.name))
      .map((d) => {
        const st = stretches.get(d.id) ?? [];
        return { organization: orgById.get(d.organization_id)!, duty: d, schedule: schedules.get(d.id) ?? null, now: withUser(st[0]), next: withUser(st[1]) };
      });
  }

  /** A duty's schedule, its overrides not over yet, and its next `count` stretches from `at` (NOT_FOUND: no such duty). */
  async function scheduleView(principal: Principal, organization: string, duty: string, opts: { at?: Date; count?: number } = {}): Promise<ScheduleView> {
    if (!canReadOnCallSchedules(principal)) throw new ForbiddenError();
    const at = opts.at ?? new Date();
    const found = await dutyForQuery(db, organization, duty);
    const sched = (await findScheduleByDuty(db, found.duty.id)) ?? null;
    if (!sched) return { organization: found.org, duty: found.duty, schedule: null, participants: [], overrides: [], upcoming: [] };
    const overrides = await listOverridesOfSchedules(db, [sched.id], new Date(at.getTime() - MAX_SHIFT_LENGTH_HOURS * 3_600_000));
    const stretches = stretchesFrom(sched, overrides, at, opts.count ?? 6);
    const users = await usersById([...sched.participants, ...overrides.map((o) => o.user_id), ...stretches.map((x) => x.userId)]);
    return {
      organization: found.org,
      duty: found.duty,
      schedule: sched,
      participants: sched.participants.flatMap((id) => users.get(id) ?? []),
      overrides: overrides.filter((o) => o.ends_at.getTime() > at.getTime()).map((o) => ({ ...o, user: users.get(o.user_id) ?? null })),
      upcoming: stretches.flatMap((x) => {
        const user = users.get(x.userId);
        return user ? [{ user, source: x.source, override: x.override, start: x.start, end: x.end }] : [];
      }),
    };
  }

  function validateRotation(input: SetScheduleInput): { timeZone: string; handoffTime: string; startDate: string; emails: string[] } {
    const timeZone = input.timeZone == null || input.timeZone.trim() === '' ? DEFAULT_TIME_ZONE : canonicalTimeZone(input.timeZone);
    if (!timeZone) throw new InputError('timeZone', `"${input.timeZone}" is not an IANA time zone (e.g. America/Los_Angeles)`);
    if (!Number.isInteger(input.shiftLengthHours) || input.shiftLengthHours < 1 || input.shiftLengthHours > MAX_SHIFT_LENGTH_HOURS) {
      throw new InputError('shiftLengthHours', `must be a whole number of hours from 1 to ${MAX_SHIFT_LENGTH_HOURS} (24 = daily, 168 = weekly)`);
    }
    const handoffTime = normalizeHandoffTime(input.handoffTime);
    if (!handoffTime) throw new InputError('handoffTime', `"${input.handoffTime}" is not a time of day HH:MM (24-hour, e.g. 09:00)`);
    const startDate = input.startDate == null || input.startDate.trim() === '' ? localDate(new Date(), timeZone) : input.startDate.trim();
    if (!isCalendarDate(startDate)) throw new InputError('startDate', `"${input.startDate}" is not a date YYYY-MM-DD`);
    const outOfBounds = checkCalendarDate(startDate);
    if (outOfBounds) throw new InputError('startDate', `"${input.startDate}" ${outOfBounds}`);
    if (input.participants.length === 0) throw new InputError('participants', 'at least one participant is required');
    if (input.participants.length > MAX_PARTICIPANTS) throw new InputError('participants', `at most ${MAX_PARTICIPANTS} participants`);
    return { timeZone, handoffTime, startDate, emails: input.participants.map((e) => e.trim().toLowerCase()) };
  }

  /** Creates the duty's schedule, or replaces its rotation (overrides are kept). */
  async function setSchedule(principal: Principal, input: SetScheduleInput): Promise<ScheduleModel> {
    const v = validateRotation(input);
    return db.transaction().execute(async (trx) => {
      const { org, duty } = await dutyForInput(trx, input.organization, input.duty);
      if (!canManageOnCallSchedule(principal, org.id)) {
        throw new ForbiddenError(`Only an ORG_ADMIN of ${org.slug} or a coordinator may manage its on-call schedules.`);
      }
      const users = new Map((await findUsersByEmails(trx, v.emails)).map((u) => [u.email, u]));
      const participants = v.emails.map((email) => checkOnCallMember('participants', email, users.get(email), org));
      const previous = await findScheduleByDuty(trx, duty.id);
      const row = await upsertSchedule(trx, {
        duty_id: duty.id,
        time_zone: v.timeZone,
        shift_length_hours: input.shiftLengthHours,
        handoff_time: v.handoffTime,
        start_date: v.startDate,
        participants: participants.map((u) => u.id),
      });
      const describe = async (s: ScheduleRow) => {
        const byId = new Map((await findUsersByIds(trx, s.participants)).map((u) => [u.id, u.email]));
        return {
          timeZone: s.time_zone,
          shiftLengthHours: s.shift_length_hours,
          handoffTime: s.handoff_time,
          startDate: s.start_date,
          participants: s.participants.map((id) => byId.get(id) ?? id),
        };
      };
      await recordAudit(trx, principal, previous ? 'oncall.schedule_replaced' : 'oncall.schedule_created', { type: 'Schedule', id: row.id }, {
        organization: org.slug,
        duty: duty.name,
        ...(await describe(row)),
        ...(previous ? { previous: await describe(previous) } : {}),
      });
      return { ...row, duty, organization: org };
    });
  }

  async function listScheduleOverrides(principal: Principal, scheduleId: string, opts: { includePast: boolean }): Promise<OverrideRow[]> {
    if (!canReadOnCallSchedules(principal)) throw new ForbiddenError();
    return listOverrides(db, scheduleId, opts.includePast ? {} : { endingAfter: new Date() });
  }

  async function addScheduleOverride(principal: Principal, input: AddScheduleOverrideInput): Promise<OverrideRow> {
    if (Number.isNaN(input.from.getTime())) throw new InputError('from', 'is not a valid instant');
    if (Number.isNaN(input.to.getTime())) throw new InputError('to', 'is not a valid instant');
    if (input.to.getTime() <= input.from.getTime()) throw new InputError('to', 'must be after from');
    // An override wholly in the past changes nothing that will ever be paged: almost surely a typo.
    if (input.to.getTime() <= Date.now()) throw new InputError('to', 'is in the past: the override would already be over');
    // Overrides cover a holiday or an absence; one running for years is a typo (9999) that would silence the rotation.
    if (tooFarAhead(input.to, MAX_AHEAD.overrideDays)) throw new InputError('to', `must be at most ${MAX_AHEAD.overrideDays} days ahead`);
    return db.transaction().execute(async (trx) => {
      const { org, duty } = await dutyForInput(trx, input.organization, input.duty);
      if (!canManageOnCallSchedule(principal, org.id)) {
        throw new ForbiddenError(`Only an ORG_ADMIN of ${org.slug} or a coordinator may manage its on-call schedules.`);
      }
      const sched = await findScheduleByDuty(trx, duty.id);
      if (!sched) throw new InputError('duty', `${org.slug}/${duty.name} has no schedule yet: set one with setSchedule first`);
      const email = input.user.trim().toLowerCase();
      const user = checkOnCallMember('user', email, await findUserByEmail(trx, email), org);
      const row = await insertOverride(trx, {
        schedule_id: sched.id,
        user_id: user.id,
        starts_at: input.from,
        ends_at: input.to,
        created_by: principal.kind === 'user' ? principal.userId : null,
      });
      await recordAudit(trx, principal, 'oncall.override_added', { type: 'ScheduleOverride', id: row.id }, {
        organization: org.slug,
        duty: duty.name,
        user: user.email,
        from: row.starts_at,
        to: row.ends_at,
      });
      return row;
    });
  }

  async function removeScheduleOverride(principal: Principal, id: string): Promise<OverrideRow> {
    if (!UUID_RE.test(id)) throw new NotFoundError('Schedule override', id);
    return db.transaction().execute(async (trx) => {
      const override = await findOverride(trx, id);
      const sched = override ? await findScheduleById(trx, override.schedule_id) : undefined;
      const duty = sched ? await findDutyById(trx, sched.duty_id) : undefined;
      if (!override || !duty) throw new NotFoundError('Schedule override', id);
      if (!canManageOnCallSchedule(principal, duty.organization_id)) {
        throw new ForbiddenError('Only an ORG_ADMIN of the organization or a coordinator may manage its on-call schedules.');
      }
      const removed = await deleteOverride(trx, id);
      if (!removed) throw new NotFoundError('Schedule override', id);
      const user = await findUserById(trx, removed.user_id);
      await recordAudit(trx, principal, 'oncall.override_removed', { type: 'ScheduleOverride', id }, {
        duty: duty.name,
        dutyId: duty.id,
        user: user?.email ?? removed.user_id,
        from: removed.starts_at,
        to: removed.ends_at,
      });
      return removed;
    });
  }

  // ── Contact methods ──

  /**
   * The owner of contact methods named by e-mail. A user of another organization that the principal does
   * not manage is NOT_FOUND, as for every member lookup; a colleague is visible, so refusing is FORBIDDEN.
   */
  async function ownerForContactMethods(trx: Handle, principal: Principal, email: string): Promise<UserRow> {
    const user = await findUserByEmail(trx, email);
    const visible = user !== undefined && canSeeMembersOf(principal, user.organization_id);
    if (!user || !visible) throw new NotFoundError('User', email);
    if (!canManageContactMethods(principal, user)) {
      throw new ForbiddenError("Contact methods are visible only to their user, their organization's ORG_ADMIN and hub admins.");
    }
    return user;
  }

  async function contactMethods(principal: Principal, email: string): Promise<ContactMethodRow[]> {
    const user = await ownerForContactMethods(db, principal, email);
    return listContactMethodsOf(db, user.id);
  }

  function checkTarget(kind: ContactMethodKind, target: string): TargetCheck {
    switch (kind) {
      case 'EMAIL':
        return checkEmailTarget(target);
      case 'SMS':
        return checkSmsTarget(target);
      case 'WEBHOOK':
        return checkWebhookTarget(target, config.webhooks);
    }
  }

  /** Adds a contact method; a WEBHOOK's signing secret is generated here and returned this once. */
  async function addContactMethod(
    principal: Principal,
    input: AddContactMethodInput,
  ): Promise<{ contactMethod: ContactMethodRow; webhookSecret: string | null }> {
    const kind = input.kind.trim().toUpperCase();
    if (!isOneOf(CONTACT_METHOD_KINDS, kind)) {
      throw new InputError('kind', `"${input.kind}" is not a contact method kind (${CONTACT_METHOD_KINDS.join(', ')})`);
    }
    const checked = checkTarget(kind, input.target);
    if (!checked.ok) throw new InputError('target', checked.reason);
    return db.transaction().execute(async (trx) => {
      const user = await ownerForContactMethods(trx, principal, input.email);
      if (!user.active) throw new InputError('email', `${user.email} is deactivated`);
      if ((await countLiveContactMethods(trx, user.id)) >= MAX_CONTACT_METHODS_PER_USER) {
        throw new InputError('target', `${user.email} already has ${MAX_CONTACT_METHODS_PER_USER} contact methods: remove one first`);
      }
      const secret = kind === 'WEBHOOK' ? generateWebhookSecret() : null;
      const row = await insertContactMethod(trx, { user_id: user.id, kind, target: checked.target, secret });
      if (!row) throw new ConflictError(`${user.email} already has this ${kind} contact method.`, { field: 'target' });
      await recordAudit(trx, principal, 'contact_method.added', { type: 'ContactMethod', id: row.id }, {
        user: user.email,
        kind,
        target: auditTarget(kind, row.target),
      });
      return { contactMethod: row, webhookSecret: secret };
    });
  }

  /** Removes a contact method: pages stop using it at once, its webhook secret is wiped. */
  async function removeContactMethod(principal: Principal, id: string): Promise<ContactMethodRow> {
    if (!UUID_RE.test(id)) throw new NotFoundError('Contact method', id);
    return db.transaction().execute(async (trx) => {
      const method = await findContactMethod(trx, id);
      const owner = method && method.removed_at === null ? await findUserById(trx, method.user_id) : undefined;
      // Contact methods are invisible to everyone else: the same NOT_FOUND as for an unknown id.
      if (!method || !owner || !canManageContactMethods(principal, owner)) throw new NotFoundError('Contact method', id);
      const removed = await markContactMethodRemoved(trx, id);
      if (!removed) throw new NotFoundError('Contact method', id);
      await recordAudit(trx, principal, 'contact_method.removed', { type: 'ContactMethod', id }, {
        user: owner.email,
        kind: removed.kind,
        target: auditTarget(removed.kind, removed.target),
      });
      return removed;
    });
  }

  /**
   * The usable methods (not removed, not disabled) of many users in one query, for the escalation engine
   * (system principal). Users whose methods the principal may not see are left out.
   */
  async function usableContactMethods(principal: Principal, userIds: readonly string[]): Promise<Map<string, ContactMethodRow[]>> {
    let allowed = [...new Set(userIds)];
    if (principal.kind !== 'system') {
      const owners = await findUsersByIds(db, allowed);
      allowed = owners.filter((u) => canManageContactMethods(principal, u)).map((u) => u.id);
    }
    const rows = await listUsableContactMethods(db, allowed);
    const byUser = new Map<string, ContactMethodRow[]>(allowed.map((id) => [id, []]));
    for (const r of rows) byUser.get(r.user_id)?.push(r);
    return byUser;
  }

  return {
    schedule,
    onCall,
    onCallForDuties,
    dutyBoard,
    scheduleView,
    setSchedule,
    listScheduleOverrides,
    addScheduleOverride,
    removeScheduleOverride,
    contactMethods,
    addContactMethod,
    removeContactMethod,
    usableContactMethods,
  };
}
