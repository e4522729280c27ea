/**
 * Who is on call, as a pure function of a rotation, its overrides and an instant.
 *
 * Shifts are laid out in the rotation's local wall-clock time, not in elapsed hours: shift k begins at
 * `startDate handoffTime + k × shiftLengthHours` read on the clocks of `timeZone`. A daily 09:00 hand-off
 * therefore stays at 09:00 local across DST, and the shift that contains the change is 23 or 25 hours
 * long (a 12-hour shift containing it is 11 or 13). Wall-clock times that do not exist (the spring-forward
 * gap) move forward by the gap; times that occur twice (fall back) mean their first occurrence: the
 * "compatible" rule of RFC 5545 and Temporal.
 *
 * `startDate` anchors the rotation: the first participant's shift begins at the hand-off time on that
 * date, and the rotation repeats in both directions from there. A schedule is never empty merely because
 * its start date is still ahead: an empty answer is the misconfiguration that pages nobody.
 *
 * Only Intl is used (no date library): the one thing needed from time-zone data is the UTC offset of a
 * zone at an instant, which `Intl.DateTimeFormat#formatToParts` gives from the ICU data Node ships.
 */

export const DEFAULT_TIME_ZONE = 'America/Los_Angeles';
/** Shifts are whole hours, from one hour to four weeks. */
export const MAX_SHIFT_LENGTH_HOURS = 24 * 28;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Rotation {
  /** IANA zone whose wall clock the shifts follow, e.g. America/Los_Angeles. */
  readonly timeZone: string;
  /** Local date of the first participant's first shift: YYYY-MM-DD. */
  readonly startDate: string;
  /** Local time of day of the hand-off: HH:MM (24-hour). */
  readonly handoffTime: string;
  /** Length of a shift in local wall-clock hours (24 = one calendar day, 168 = one week). */
  readonly shiftLengthHours: number;
  /** User ids in rotation order; a user may appear more than once. */
  readonly participants: readonly string[];
}

export interface Override {
  readonly id: string;
  readonly userId: string;
  /** Inclusive. */
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
  /** Overlapping overrides: the latest created wins. */
  readonly createdAt: Date;
}

export type OnCallSource = 'ROTATION' | 'OVERRIDE';

export interface OnCallAnswer {
  readonly userId: string;
  readonly source: OnCallSource;
  /** The winning override when source is OVERRIDE. */
  readonly overrideId: string | null;
  /**
   * When this person's uninterrupted stretch on call from this source began: the hand-off, or the start
   * of the override, or the end of an override that had interrupted it. Null: no hand-off before `at`
   * (a rotation of one person).
   */
  readonly start: Date | null;
  /** When the stretch ends, by the same rules; null when no hand-off is scheduled after `at`. */
  readonly end: Date | null;
}

export interface Shift {
  /** Position of the shift counted from the anchor (startDate handoffTime); negative before it. */
  readonly index: number;
  readonly userId: string;
  readonly start: Date;
  readonly end: Date;
}

/**
 * Who is on call at `at`: the latest-created override active at `at`, else the rotation's participant
 * whose shift contains `at`, else nobody (null). `start`/`end` take overrides into account; they are
 * exact when `overrides` holds every override of the schedule near `at` (who is on call depends only
 * on the overrides active at `at`).
 *
 * @example
 * onCallAt({ timeZone: 'America/Los_Angeles', startDate: '2026-03-01', handoffTime: '09:00',
 *            shiftLengthHours: 24, participants: ['ana', 'ben'] }, [], new Date('2026-03-08T16:30:00Z'))
 * // → { userId: 'ben', source: 'ROTATION', start: 2026-03-08T16:00Z (09:00 PDT), end: 2026-03-09T16:00Z, … }
 */
export function onCallAt(rotation: Rotation | null, overrides: readonly Override[], at: Date): OnCallAnswer | null {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('onCallAt: invalid instant');
  const timeline = new Timeline(rotation && rotation.participants.length > 0 ? new RotationClock(rotation) : null, overrides);
  const here = timeline.answerAt(t);
  if (!here) return null;
  const start = timeline.stretchStart(t, here);
  const end = timeline.stretchEnd(t, here);
  return {
    userId: here.userId,
    source: here.source,
    overrideId: here.overrideId,
    start: start === null ? null : new Date(start),
    end: end === null ? null : new Date(end),
  };
}

/**
 * Who is on call at `at`, without the stretch's start and end: what paging needs, at a fraction of the
 * cost. `overrides` need only hold those active at `at`.
 */
export function onCallUserAt(
  rotation: Rotation | null,
  overrides: readonly Override[],
  at: Date,
): Pick<OnCallAnswer, 'userId' | 'source' | 'overrideId'> | null {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('onCallUserAt: invalid instant');
  return new Timeline(rotation && rotation.participants.length > 0 ? new RotationClock(rotation) : null, overrides).answerAt(t);
}

/** The rotation's shift containing `at` (overrides not applied); null for a rotation without participants. */
export function rotationShiftAt(rotation: Rotation, at: Date): Shift | null {
  if (rotation.participants.length === 0) return null;
  const clock = new RotationClock(rotation);
  return clock.shift(clock.indexAt(at.getTime()));
}

/** The rotation's `count` shifts starting with the one that contains `from` (overrides not applied). */
export function rotationShifts(rotation: Rotation, from: Date, count: number): Shift[] {
  if (rotation.participants.length === 0) return [];
  const clock = new RotationClock(rotation);
  const first = clock.indexAt(from.getTime());
  const shifts: Shift[] = [];
  for (let k = first; shifts.length < count; k++) {
    const s = clock.shift(k);
    // A shift laid entirely inside a spring-forward gap lasts zero hours: nobody is on call by it.
    if (s.end.getTime() > s.start.getTime()) shifts.push(s);
  }
  return shifts;
}

// ── Validation helpers shared by the service ──

/** The canonical IANA name of a time zone (`US/Pacific` → `America/Los_Angeles`), or null when unknown. */
export function canonicalTimeZone(zone: string): string | null {
  const z = zone.trim();
  if (z === '' || z.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** `9:00` or `09:00` → `09:00`; null unless a valid 24-hour time of day. */
export function normalizeHandoffTime(value: string): string | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** true for a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(at: Date, timeZone: string): string {
  return new Date(wallOf(at.getTime(), timeZone)).toISOString().slice(0, 10);
}

/** `2026-11-26 09:00 PST`: an instant on the wall clock of a zone, for people. */
export function formatInZone(at: Date, timeZone: string): string {
  const wall = new Date(wallOf(at.getTime(), timeZone)).toISOString();
  const zoneName =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return `${wall.slice(0, 10)} ${wall.slice(11, 16)} ${zoneName}`;
}

/** The instant at which a local wall-clock time occurs in a zone (gap → moved forward; overlap → first). */
export function instantOfLocal(date: string, time: string, timeZone: string): Date {
  return new Date(instantOfWall(wallMsOf(date, time), timeZone));
}

// ── Internals ──
//
// "Wall milliseconds" are a local date-time encoded as if it were UTC (Date.UTC of its fields): naive
// arithmetic on them is wall-clock arithmetic. Instants are ordinary epoch milliseconds.

interface Here {
  userId: string;
  source: OnCallSource;
  overrideId: string | null;
}

function sameHere(a: Here | null, b: Here | null): boolean {
  if (a === null || b === null) return a === b;
  return a.userId === b.userId && a.source === b.source && a.overrideId === b.overrideId;
}

class RotationClock {
  private readonly anchorWall: number;
  private readonly lengthMs: number;
  private readonly zone: string;
  private readonly participants: readonly string[];
  /** Every participant is the same person: hand-offs never change who is on call. */
  readonly constant: boolean;

  constructor(r: Rotation) {
    if (!Number.isInteger(r.shiftLengthHours) || r.shiftLengthHours < 1 || r.shiftLengthHours > MAX_SHIFT_LENGTH_HOURS) {
      throw new RangeError(`shiftLengthHours must be a whole number from 1 to ${MAX_SHIFT_LENGTH_HOURS}`);
    }
    const handoff = normalizeHandoffTime(r.handoffTime);
    if (!handoff || !isCalendarDate(r.startDate)) throw new RangeError('rotation: startDate must be YYYY-MM-DD and handoffTime HH:MM');
    this.zone = r.timeZone;
    this.anchorWall = wallMsOf(r.startDate, handoff);
    this.lengthMs = r.shiftLengthHours * HOUR_MS;
    this.participants = r.participants;
    this.constant = new Set(r.participants).size === 1;
  }

  /** Instant at which shift k begins. Non-decreasing in k; equal for consecutive k only across a gap. */
  startOf(k: number): number {
    return instantOfWall(this.anchorWall + k * this.lengthMs, this.zone);
  }

  /** Index of the shift containing instant t: startOf(k) ≤ t < startOf(k + 1). */
  indexAt(t: number): number {
    // The wall-clock estimate is off by at most one shift around a transition; the loops correct it.
    let k = Math.floor((wallOf(t, this.zone) - this.anchorWall) / this.lengthMs);
    while (this.startOf(k) > t) k--;
    while (this.startOf(k + 1) <= t) k++;
    return k;
  }

  userOf(k: number): string {
    const n = this.participants.length;
    return this.participants[((k % n) + n) % n]!;
  }

  shift(k: number): Shift {
    return { index: k, userId: this.userOf(k), start: new Date(this.startOf(k)), end: new Date(this.startOf(k + 1)) };
  }
}

class Timeline {
  /** Every instant at which the set of active overrides changes, ascending. */
  private readonly points: number[];
  private readonly overrides: readonly Override[];

  constructor(
    private readonly rotation: RotationClock | null,
    overrides: readonly Override[],
  ) {
    this.overrides = overrides.filter((o) => o.to.getTime() > o.from.getTime());
    this.points = [...new Set(this.overrides.flatMap((o) => [o.from.getTime(), o.to.getTime()]))].sort((a, b) => a - b);
  }

  answerAt(t: number): Here | null {
    let winner: Override | null = null;
    for (const o of this.overrides) {
      if (o.from.getTime() <= t && t < o.to.getTime() && (winner === null || laterCreated(o, winner))) winner = o;
    }
    if (winner) return { userId: winner.userId, source: 'OVERRIDE', overrideId: winner.id };
    if (this.rotation) return { userId: this.rotation.userOf(this.rotation.indexAt(t)), source: 'ROTATION', overrideId: null };
    return null;
  }

  /**
   * The first instant after t at which the answer differs from `here`. Only two things change the answer:
   * an override boundary, and (while the rotation answers) a hand-off. The loop is bounded by the number
   * of overrides plus one turn of the rotation, because a rotation of two or more people changes person
   * within one turn.
   */
  stretchEnd(t: number, here: Here): number | null {
    let cursor = t;
    for (;;) {
      const candidates: number[] = [];
      const p = this.points.find((x) => x > cursor);
      if (p !== undefined) candidates.push(p);
      if (here.source === 'ROTATION' && this.rotation && !this.rotation.constant) {
        candidates.push(this.rotation.startOf(this.rotation.indexAt(cursor) + 1));
      }
      if (candidates.length === 0) return null;
      const next = Math.min(...candidates);
      if (!sameHere(this.answerAt(next), here)) return next;
      cursor = next;
    }
  }

  /** The instant at which the stretch containing t began, by the same reasoning walking backwards. */
  stretchStart(t: number, here: Here): number | null {
    let cursor = t;
    for (;;) {
      const candidates: number[] = [];
      const p = findLast(this.points, (x) => x <= cursor);
      if (p !== undefined) candidates.push(p);
      if (here.source === 'ROTATION' && this.rotation && !this.rotation.constant) {
        candidates.push(this.rotation.startOf(this.rotation.indexAt(cursor)));
      }
      if (candidates.length === 0) return null;
      const boundary = Math.max(...candidates);
      // Intervals are half-open and instants whole milliseconds: the millisecond before a boundary is
      // the last instant of whatever came before it.
      if (!sameHere(this.answerAt(boundary - 1), here)) return boundary;
      cursor = boundary - 1;
    }
  }
}

function laterCreated(a: Override, b: Override): boolean {
  const d = a.createdAt.getTime() - b.createdAt.getTime();
  // Same instant (same transaction): the id decides, so that every process agrees.
  return d !== 0 ? d > 0 : a.id > b.id;
}

function findLast<T>(xs: readonly T[], pred: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) return xs[i];
  return undefined;
}

function wallMsOf(date: string, time: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  return Date.UTC(y, mo - 1, d, h, mi);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// formatToParts costs ~20 µs and one answer asks for the same few instants (the hand-offs around it)
// dozens of times. The offset is a function of the whole second, so memoising by second is exact.
const offsetMemo = new Map<string, Map<number, number>>();
const OFFSET_MEMO_LIMIT = 50_000;

/** The zone's offset from UTC at instant t, in milliseconds (local − UTC). */
function offsetAt(t: number, timeZone: string): number {
  const second = Math.floor(t / 1000);
  let memo = offsetMemo.get(timeZone);
  if (!memo) offsetMemo.set(timeZone, (memo = new Map()));
  const known = memo.get(second);
  if (known !== undefined) return known;
  const offset = computeOffset(t, timeZone);
  if (memo.size >= OFFSET_MEMO_LIMIT) memo.clear();
  memo.set(second, offset);
  return offset;
}

function computeOffset(t: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(t))) {
    if (p.type !== 'literal') fields[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour! % 24, fields.minute!, fields.second!);
  // formatToParts drops milliseconds: compare with the instant truncated to its second.
  return asUtc - Math.floor(t / 1000) * 1000;
}

function wallOf(t: number, timeZone: string): number {
  return t + offsetAt(t, timeZone);
}

/**
 * The instant of a wall-clock time. The offsets a day either side bracket any real transition (zones
 * change at most twice a year, months apart); each is tried, and the valid results are the instants
 * at which that wall-clock time occurs: two in an overlap, none in a gap.
 */
function instantOfWall(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const valid = [...new Set([before, after])].map((o) => wall - o).filter((t) => offsetAt(t, timeZone) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: read the wall time with the offset in force before the gap, which lands as far past the
  // gap's end as the wall time was past its start (02:30 on a spring-forward night → 03:30).
  return wall - before;
}
