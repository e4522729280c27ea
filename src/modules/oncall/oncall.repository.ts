import { sql, type Selectable } from 'kysely';
import type { DutiesTable } from '../../infra/db-types.js';
import type { Handle } from '../../infra/handle.js';
import type { ContactMethodKind } from '../../domain/delivery.js';
import type { ContactMethodsTable, ScheduleOverridesTable, SchedulesTable } from './oncall.tables.js';

export type ScheduleRow = Selectable<SchedulesTable>;
export type OverrideRow = Selectable<ScheduleOverridesTable>;
/** A contact method as read for display and delivery planning: never with its secret (see findWebhookSecret). */
export type ContactMethodRow = Omit<Selectable<ContactMethodsTable>, 'secret'>;
type DutyRow = Selectable<DutiesTable>;

const SCHEDULE_COLUMNS = ['id', 'duty_id', 'time_zone', 'shift_length_hours', 'handoff_time', 'participants', 'created_at', 'updated_at'] as const;
// `date` as text: pg's default parser would turn it into midnight in the server process's own zone.
const startDateText = sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start_date');

const CONTACT_COLUMNS = ['id', 'user_id', 'kind', 'target', 'verified_at', 'disabled_at', 'disabled_reason', 'removed_at', 'created_at'] as const;

// ── Duties ──

export function findDutyByName(db: Handle, organizationId: string, name: string): Promise<DutyRow | undefined> {
  return db.selectFrom('duties').selectAll().where('organization_id', '=', organizationId).where('name', '=', name).executeTakeFirst();
}

export function findDutyById(db: Handle, id: string): Promise<DutyRow | undefined> {
  return db.selectFrom('duties').selectAll().where('id', '=', id).executeTakeFirst();
}

// ── Schedules ──

export function findScheduleByDuty(db: Handle, dutyId: string): Promise<ScheduleRow | undefined> {
  return db.selectFrom('schedules').select([...SCHEDULE_COLUMNS, startDateText]).where('duty_id', '=', dutyId).executeTakeFirst();
}

export function findScheduleById(db: Handle, id: string): Promise<ScheduleRow | undefined> {
  return db.selectFrom('schedules').select([...SCHEDULE_COLUMNS, startDateText]).where('id', '=', id).executeTakeFirst();
}

/** The schedules of many duties in one query (the escalation engine asks for every target at once). */
export function findSchedulesByDuties(db: Handle, dutyIds: readonly string[]): Promise<ScheduleRow[]> {
  if (dutyIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('schedules').select([...SCHEDULE_COLUMNS, startDateText]).where('duty_id', 'in', [...dutyIds]).execute();
}

export interface ScheduleValues {
  duty_id: string;
  time_zone: string;
  shift_length_hours: number;
  handoff_time: string;
  start_date: string;
  participants: string[];
}

/** Creates the duty's schedule or replaces its rotation; the schedule keeps its id and its overrides. */
export function upsertSchedule(db: Handle, s: ScheduleValues): Promise<ScheduleRow> {
  return db
    .insertInto('schedules')
    .values(s)
    .onConflict((oc) =>
      oc.column('duty_id').doUpdateSet({
        time_zone: s.time_zone,
        shift_length_hours: s.shift_length_hours,
        handoff_time: s.handoff_time,
        start_date: s.start_date,
        participants: s.participants,
        updated_at: sql`now()`,
      }),
    )
    .returning([...SCHEDULE_COLUMNS, startDateText])
    .executeTakeFirstOrThrow();
}

/** Inserts a schedule unless the duty already has one (seeding). */
export async function insertScheduleIfAbsent(db: Handle, s: ScheduleValues): Promise<boolean> {
  const row = await db
    .insertInto('schedules')
    .values(s)
    .onConflict((oc) => oc.column('duty_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

// ── Overrides ──

/** A schedule's overrides, oldest first; with `endingAfter`, only those not over by then. */
export function listOverrides(db: Handle, scheduleId: string, filter: { endingAfter?: Date } = {}): Promise<OverrideRow[]> {
  let q = db.selectFrom('schedule_overrides').selectAll().where('schedule_id', '=', scheduleId);
  if (filter.endingAfter) q = q.where('ends_at', '>', filter.endingAfter);
  return q.orderBy('starts_at').orderBy('created_at').execute();
}

/** The overrides of many schedules not over by `endingAfter`, oldest first (the console's on-call board). */
export function listOverridesOfSchedules(db: Handle, scheduleIds: readonly string[], endingAfter: Date): Promise<OverrideRow[]> {
  if (scheduleIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule_id', 'in', [...scheduleIds])
    .where('ends_at', '>', endingAfter)
    .orderBy('starts_at')
    .orderBy('created_at')
    .execute();
}

/** Overrides active at `at` for many schedules: all that decides who is on call then. */
export function listActiveOverrides(db: Handle, scheduleIds: readonly string[], at: Date): Promise<OverrideRow[]> {
  if (scheduleIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule_id', 'in', [...scheduleIds])
    .where('ends_at', '>', at)
    .where('starts_at', '<=', at)
    .execute();
}

export function insertOverride(
  db: Handle,
  o: { schedule_id: string; user_id: string; starts_at: Date; ends_at: Date; created_by: string | null },
): Promise<OverrideRow> {
  return db.insertInto('schedule_overrides').values(o).returningAll().executeTakeFirstOrThrow();
}

export function findOverride(db: Handle, id: string): Promise<OverrideRow | undefined> {
  return db.selectFrom('schedule_overrides').selectAll().where('id', '=', id).executeTakeFirst();
}

export function deleteOverride(db: Handle, id: string): Promise<OverrideRow | undefined> {
  return db.deleteFrom('schedule_overrides').where('id', '=', id).returningAll().executeTakeFirst();
}

// ── Contact methods ──

/** A user's contact methods that have not been removed, oldest first. */
export function listContactMethodsOf(db: Handle, userId: string): Promise<ContactMethodRow[]> {
  return db
    .selectFrom('contact_methods')
    .select(CONTACT_COLUMNS)
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The methods a page can use, for many users in one query: not removed and not disabled by delivery. */
export function listUsableContactMethods(db: Handle, userIds: readonly string[]): Promise<ContactMethodRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('contact_methods')
    .select(CONTACT_COLUMNS)
    .where('user_id', 'in', [...userIds])
    .where('removed_at', 'is', null)
    .where('disabled_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

export function findContactMethod(db: Handle, id: string): Promise<ContactMethodRow | undefined> {
  return db.selectFrom('contact_methods').select(CONTACT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function countLiveContactMethods(db: Handle, userId: string): Promise<number> {
  return db
    .selectFrom('contact_methods')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

/** Inserts a method; undefined when the user already has a live method of that kind and target. */
export function insertContactMethod(
  db: Handle,
  m: { user_id: string; kind: ContactMethodKind; target: string; secret: string | null; verified_at?: Date | null },
): Promise<ContactMethodRow | undefined> {
  return db
    .insertInto('contact_methods')
    .values(m)
    .onConflict((oc) => oc.columns(['user_id', 'kind', 'target']).where('removed_at', 'is', null).doNothing())
    .returning(CONTACT_COLUMNS)
    .executeTakeFirst();
}

/** Removes a method; its secret is wiped, the row stays for the record. */
export function markContactMethodRemoved(db: Handle, id: string): Promise<ContactMethodRow | undefined> {
  return db
    .updateTable('contact_methods')
    .set({ removed_at: sql`now()`, secret: null })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .returning(CONTACT_COLUMNS)
    .executeTakeFirst();
}

/** A live method with its secret: for a test page, which signs what it sends like a page would. */
export function findLiveContactMethodForTest(db: Handle, id: string): Promise<Selectable<ContactMethodsTable> | undefined> {
  return db.selectFrom('contact_methods').selectAll().where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
}

/** What a test page proved: verified (and enabled again), failed (unverified), or gone (disabled). */
export function recordContactMethodTest(
  db: Handle,
  id: string,
  patch: { verified_at: Date | null; disabled_at?: Date | null; disabled_reason?: string | null },
): Promise<ContactMethodRow | undefined> {
  return db.updateTable('contact_methods').set(patch).where('id', '=', id).where('removed_at', 'is', null).returning(CONTACT_COLUMNS).executeTakeFirst();
}

/** The signing secret of a live webhook method: for whoever signs a delivery, and nothing else. */
export async function findWebhookSecret(db: Handle, contactMethodId: string): Promise<string | null> {
  const row = await db
    .selectFrom('contact_methods')
    .select('secret')
    .where('id', '=', contactMethodId)
    .where('kind', '=', 'WEBHOOK')
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return row?.secret ?? null;
}

/**
 * The schedules of duties with the overrides active at `at`, in one statement (the escalation engine
 * reads this on the path from an incident to its first page).
 */
export async function findSchedulesWithActiveOverrides(
  db: Handle,
  dutyIds: readonly string[],
  at: Date,
): Promise<Array<{ schedule: ScheduleRow; overrides: OverrideRow[] }>> {
  if (dutyIds.length === 0) return [];
  const rows = await db
    .selectFrom('schedules as s')
    .select([...SCHEDULE_COLUMNS.map((c) => `s.${c}` as const), sql<string>`to_char(s.start_date, 'YYYY-MM-DD')`.as('start_date')])
    .select(
      sql<Array<Record<string, string>>>`coalesce((
        select json_agg(json_build_object('id', o.id, 'schedule_id', o.schedule_id, 'user_id', o.user_id, 'starts_at', o.starts_at,
                                          'ends_at', o.ends_at, 'created_by', o.created_by, 'created_at', o.created_at) order by o.created_at)
          from schedule_overrides o where o.schedule_id = s.id and o.ends_at > ${at} and o.starts_at <= ${at}), '[]'::json)`.as('overrides'),
    )
    .where('s.duty_id', 'in', [...dutyIds])
    .execute();
  return rows.map(({ overrides, ...schedule }) => ({
    schedule: schedule as ScheduleRow,
    overrides: overrides.map((o) => ({
      ...o,
      starts_at: new Date(o.starts_at!),
      ends_at: new Date(o.ends_at!),
      created_at: new Date(o.created_at!),
    })) as unknown as OverrideRow[],
  }));
}

/** How recently a method must have reached someone (a delivered page or test page) to count as working. */
export const WORKING_CONTACT_METHOD_WINDOW_MS = 90 * 86_400_000;

/**
 * The users among `userIds` with at least one working contact method: not removed or disabled, its last
 * delivery attempt succeeded (or a test page succeeded since), and it reached someone within the window.
 * A method nobody ever tested or paged through is not known to work.
 */
export async function usersWithWorkingContactMethod(db: Handle, userIds: readonly string[], at = new Date()): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const since = new Date(at.getTime() - WORKING_CONTACT_METHOD_WINDOW_MS);
  const { rows } = await sql<{ user_id: string }>`
    select distinct m.user_id
      from contact_methods m
      left join lateral (select a.outcome, a.at from notifications n join delivery_attempts a on a.notification_id = n.id
                          where n.contact_method_id = m.id order by a.at desc limit 1) last on true
      left join lateral (select max(n.delivered_at) as at from notifications n
                          where n.contact_method_id = m.id and n.status = 'DELIVERED') delivered on true
     where m.user_id = any(${[...userIds]}::uuid[]) and m.removed_at is null and m.disabled_at is null
       and (last.outcome is null or last.outcome = 'DELIVERED' or m.verified_at > last.at)
       and greatest(m.verified_at, delivered.at) >= ${since}`.execute(db);
  return new Set(rows.map((r) => r.user_id));
}

/** Which of these duties have a schedule (a duty without one pages nobody). */
export function listScheduledDutyIds(db: Handle, dutyIds: readonly string[]): Promise<Array<{ duty_id: string }>> {
  if (dutyIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('schedules').select('duty_id').where('duty_id', 'in', [...dutyIds]).execute();
}

/** The owners of the usable (not removed, not disabled) contact methods among these users, one row per method. */
export function listUsableContactMethodOwners(db: Handle, userIds: readonly string[]): Promise<Array<{ user_id: string }>> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('contact_methods').select('user_id').where('user_id', 'in', [...userIds]).where('removed_at', 'is', null).where('disabled_at', 'is', null).execute();
}
