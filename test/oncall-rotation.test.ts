import { describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  formatInZone,
  instantOfLocal,
  isCalendarDate,
  localDate,
  normalizeHandoffTime,
  onCallAt,
  onCallUserAt,
  rotationShiftAt,
  rotationShifts,
  type Override,
  type Rotation,
} from '../src/modules/oncall/rotation.js';

// Pure tests of who is on call. 2026 DST changes in America/Los_Angeles:
//   spring forward: 2026-03-08 02:00 PST (10:00Z) → 03:00 PDT; there is no 02:xx that night
//   fall back:      2026-11-01 02:00 PDT (09:00Z) → 01:00 PST; 01:xx happens twice (08:xxZ PDT, 09:xxZ PST)

const LA = 'America/Los_Angeles';
const at = (iso: string) => new Date(iso);
const hours = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 3_600_000;

function rotation(partial: Partial<Rotation> = {}): Rotation {
  return { timeZone: LA, startDate: '2026-03-01', handoffTime: '09:00', shiftLengthHours: 24, participants: ['ana', 'ben', 'cy'], ...partial };
}

let overrideSeq = 0;
function override(userId: string, from: string, to: string, createdAt: string, id?: string): Override {
  return { id: id ?? `ovr-${++overrideSeq}`, userId, from: at(from), to: at(to), createdAt: at(createdAt) };
}

describe('daily 09:00 hand-off across spring forward (2026-03-08, America/Los_Angeles)', () => {
  // Mar 1 ana, Mar 2 ben, Mar 3 cy, …, Mar 7 ana, Mar 8 ben, Mar 9 cy.
  const r = rotation();

  it('hands off at 09:00 PDT (16:00Z), not 24 elapsed hours after 09:00 PST (17:00Z)', () => {
    expect(onCallAt(r, [], at('2026-03-08T15:59:59.999Z'))?.userId).toBe('ana');
    const ben = onCallAt(r, [], at('2026-03-08T16:00:00Z'));
    expect(ben).toEqual({ userId: 'ben', source: 'ROTATION', overrideId: null, start: at('2026-03-08T16:00:00Z'), end: at('2026-03-09T16:00:00Z') });
    // The instant a UTC-based rotation gets wrong: 09:30 PDT, still 16:30Z < 17:00Z.
    expect(onCallAt(r, [], at('2026-03-08T16:30:00Z'))?.userId).toBe('ben');
  });

  it('makes the shift containing the change 23 hours long', () => {
    const ana = onCallAt(r, [], at('2026-03-08T10:30:00Z'))!; // 03:30 PDT, just after the gap
    expect(ana.userId).toBe('ana');
    expect(ana.start).toEqual(at('2026-03-07T17:00:00Z')); // 09:00 PST
    expect(ana.end).toEqual(at('2026-03-08T16:00:00Z')); // 09:00 PDT
    expect(hours(ana.start!, ana.end!)).toBe(23);
  });

  it('is unaffected at the missing hour itself', () => {
    expect(onCallAt(r, [], at('2026-03-08T09:59:59Z'))?.userId).toBe('ana'); // 01:59:59 PST
    expect(onCallAt(r, [], at('2026-03-08T10:00:00Z'))?.userId).toBe('ana'); // 03:00:00 PDT
  });

  it('keeps every hand-off at 09:00 local and every shift 23, 24 or 25 hours, for two weeks around the change', () => {
    const shifts = rotationShifts(r, at('2026-03-01T17:00:00Z'), 14);
    expect(shifts.map((s) => formatInZone(s.start, LA).slice(11, 16))).toEqual(Array(14).fill('09:00'));
    expect(shifts.map((s) => hours(s.start, s.end))).toEqual([24, 24, 24, 24, 24, 24, 23, 24, 24, 24, 24, 24, 24, 24]);
    expect(shifts.map((s) => s.userId).join(' ')).toBe('ana ben cy ana ben cy ana ben cy ana ben cy ana ben');
  });
});

describe('daily 09:00 hand-off across fall back (2026-11-01, America/Los_Angeles)', () => {
  // Oct 25 ana, …, Oct 31 ana, Nov 1 ben, Nov 2 cy.
  const r = rotation({ startDate: '2026-10-25' });

  it('hands off at 09:00 PST (17:00Z), not 24 elapsed hours after 09:00 PDT (16:00Z)', () => {
    expect(onCallAt(r, [], at('2026-11-01T16:30:00Z'))?.userId).toBe('ana'); // 08:30 PST
    expect(onCallAt(r, [], at('2026-11-01T16:59:59.999Z'))?.userId).toBe('ana');
    expect(onCallAt(r, [], at('2026-11-01T17:00:00Z'))?.userId).toBe('ben');
  });

  it('makes the shift containing the change 25 hours long', () => {
    const ana = onCallAt(r, [], at('2026-11-01T12:00:00Z'))!;
    expect(ana.start).toEqual(at('2026-10-31T16:00:00Z')); // 09:00 PDT
    expect(ana.end).toEqual(at('2026-11-01T17:00:00Z')); // 09:00 PST
    expect(hours(ana.start!, ana.end!)).toBe(25);
  });

  it('answers the same for both occurrences of 01:30', () => {
    expect(onCallAt(r, [], at('2026-11-01T08:30:00Z'))?.userId).toBe('ana'); // 01:30 PDT
    expect(onCallAt(r, [], at('2026-11-01T09:30:00Z'))?.userId).toBe('ana'); // 01:30 PST
  });

  it('keeps every hand-off at 09:00 local for two weeks around the change', () => {
    const shifts = rotationShifts(r, at('2026-10-25T16:00:00Z'), 14);
    expect(shifts.map((s) => formatInZone(s.start, LA).slice(11, 16))).toEqual(Array(14).fill('09:00'));
    expect(shifts.map((s) => hours(s.start, s.end))).toEqual([24, 24, 24, 24, 24, 24, 25, 24, 24, 24, 24, 24, 24, 24]);
  });
});

describe('12-hour shifts (09:00 and 21:00 local)', () => {
  const r = rotation({ shiftLengthHours: 12, participants: ['day', 'night'] });

  it('keeps the day person on days and the night person on nights across both changes', () => {
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02']) {
      expect(onCallAt(r, [], instantOfLocal(day, '12:00', LA))?.userId, `${day} noon`).toBe('day');
      expect(onCallAt(r, [], instantOfLocal(day, '23:00', LA))?.userId, `${day} 23:00`).toBe('night');
      expect(onCallAt(r, [], instantOfLocal(day, '08:59', LA))?.userId, `${day} 08:59`).toBe('night');
    }
  });

  it('makes the night containing spring forward 11 hours and the one containing fall back 13', () => {
    const spring = rotationShiftAt(r, at('2026-03-08T12:00:00Z'))!;
    expect(spring).toMatchObject({ userId: 'night', start: at('2026-03-08T05:00:00Z'), end: at('2026-03-08T16:00:00Z') });
    expect(hours(spring.start, spring.end)).toBe(11);
    const fall = rotationShiftAt(r, at('2026-11-01T12:00:00Z'))!;
    expect(fall).toMatchObject({ userId: 'night', start: at('2026-11-01T04:00:00Z'), end: at('2026-11-01T17:00:00Z') });
    expect(hours(fall.start, fall.end)).toBe(13);
    // The day shifts either side stay 12 hours.
    expect(hours(rotationShiftAt(r, at('2026-03-08T20:00:00Z'))!.start, rotationShiftAt(r, at('2026-03-08T20:00:00Z'))!.end)).toBe(12);
  });
});

describe('hand-off times that fall in the gap or the overlap', () => {
  it('moves a 02:30 hand-off forward to 03:30 PDT on 2026-03-08', () => {
    const r = rotation({ handoffTime: '02:30' });
    const s = rotationShiftAt(r, at('2026-03-08T12:00:00Z'))!;
    expect(s.start).toEqual(at('2026-03-08T10:30:00Z')); // 03:30 PDT
    expect(formatInZone(s.start, LA)).toBe('2026-03-08 03:30 PDT');
    expect(formatInZone(s.end, LA)).toBe('2026-03-09 02:30 PDT');
    expect(instantOfLocal('2026-03-08', '02:30', LA)).toEqual(at('2026-03-08T10:30:00Z'));
  });

  it('takes the first 01:30 as the hand-off on 2026-11-01', () => {
    const r = rotation({ startDate: '2026-10-25', handoffTime: '01:30' });
    const s = rotationShiftAt(r, at('2026-11-01T12:00:00Z'))!;
    expect(s.start).toEqual(at('2026-11-01T08:30:00Z')); // 01:30 PDT, the first one
    expect(hours(s.start, s.end)).toBe(25);
    expect(instantOfLocal('2026-11-01', '01:30', LA)).toEqual(at('2026-11-01T08:30:00Z'));
  });

  it('skips an hourly shift that lies wholly in the gap, and joins the same person on either side of it', () => {
    // 00:00 a, 01:00 b, 02:00 a (does not exist), 03:00 b, 04:00 a
    const r = rotation({ startDate: '2026-03-08', handoffTime: '00:00', shiftLengthHours: 1, participants: ['a', 'b'] });
    const shifts = rotationShifts(r, at('2026-03-08T08:00:00Z'), 4);
    expect(shifts.map((s) => `${s.userId}@${formatInZone(s.start, LA).slice(11)}`)).toEqual(['a@00:00 PST', 'b@01:00 PST', 'b@03:00 PDT', 'a@04:00 PDT']);
    const b = onCallAt(r, [], at('2026-03-08T10:00:00Z'))!;
    expect(b).toMatchObject({ userId: 'b', start: at('2026-03-08T09:00:00Z'), end: at('2026-03-08T11:00:00Z') });
  });
});

describe('other shapes', () => {
  it('makes a weekly shift containing spring forward 167 hours', () => {
    const r = rotation({ startDate: '2026-03-02', shiftLengthHours: 168, participants: ['x', 'y'] });
    const s = rotationShiftAt(r, at('2026-03-08T20:00:00Z'))!;
    expect(s).toMatchObject({ userId: 'x', start: at('2026-03-02T17:00:00Z'), end: at('2026-03-09T16:00:00Z') });
    expect(hours(s.start, s.end)).toBe(167);
  });

  it('repeats the rotation before its start date (the start date anchors, it does not leave a gap)', () => {
    const r = rotation({ startDate: '2026-12-01' });
    // Nov 30 is shift −1: the last participant.
    expect(onCallAt(r, [], at('2026-11-30T20:00:00Z'))?.userId).toBe('cy');
    expect(onCallAt(r, [], at('2026-12-01T17:00:00Z'))?.userId).toBe('ana');
  });

  it('follows other zones: Europe/London springs forward on 2026-03-29, UTC never does', () => {
    const london = rotation({ timeZone: 'Europe/London', startDate: '2026-03-28', participants: ['p', 'q'] });
    expect(rotationShiftAt(london, at('2026-03-29T12:00:00Z'))).toMatchObject({ userId: 'q', start: at('2026-03-29T08:00:00Z'), end: at('2026-03-30T08:00:00Z') });
    expect(hours(rotationShiftAt(london, at('2026-03-28T12:00:00Z'))!.start, rotationShiftAt(london, at('2026-03-28T12:00:00Z'))!.end)).toBe(23);
    const utc = rotation({ timeZone: 'UTC', startDate: '2026-03-01' });
    expect(rotationShifts(utc, at('2026-03-05T09:00:00Z'), 7).every((s) => hours(s.start, s.end) === 24)).toBe(true);
  });

  it('reports no hand-off for a one-person rotation', () => {
    expect(onCallAt(rotation({ participants: ['solo'] }), [], at('2026-03-08T12:00:00Z'))).toEqual({
      userId: 'solo',
      source: 'ROTATION',
      overrideId: null,
      start: null,
      end: null,
    });
  });

  it('answers consistently at every quarter hour around both changes: start ≤ at < end, and the answer holds over the stretch', () => {
    const r = rotation({ startDate: '2026-02-01', shiftLengthHours: 8, handoffTime: '07:00', participants: ['a', 'b', 'c', 'd'] });
    for (const [from, to] of [
      ['2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'],
      ['2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z'],
    ] as const) {
      for (let t = at(from).getTime(); t < at(to).getTime(); t += 15 * 60_000) {
        const a = onCallAt(r, [], new Date(t))!;
        expect(onCallUserAt(r, [], new Date(t))).toEqual({ userId: a.userId, source: 'ROTATION', overrideId: null });
        expect(a.start!.getTime()).toBeLessThanOrEqual(t);
        expect(a.end!.getTime()).toBeGreaterThan(t);
        expect(onCallAt(r, [], a.start!)!.userId).toBe(a.userId);
        expect(onCallAt(r, [], new Date(a.end!.getTime() - 1))!.userId).toBe(a.userId);
        expect(onCallAt(r, [], a.end!)!.userId).not.toBe(a.userId);
        // Hand-offs at 07:00, 15:00 and 23:00 local, whatever the offset.
        expect(['07:00', '15:00', '23:00']).toContain(formatInZone(a.start!, LA).slice(11, 16));
      }
    }
  });
});

describe('overrides', () => {
  // 2026-11-10 is ben's day in a rotation started 2026-11-09 (ana, ben, cy), 09:00 PST = 17:00Z.
  const r = rotation({ startDate: '2026-11-09' });

  it('win over the rotation while they last', () => {
    const o = override('zed', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z', 'o1');
    expect(onCallAt(r, [o], at('2026-11-10T21:00:00Z'))).toEqual({
      userId: 'zed',
      source: 'OVERRIDE',
      overrideId: 'o1',
      start: at('2026-11-10T20:00:00Z'),
      end: at('2026-11-10T22:00:00Z'),
    });
  });

  it('are half-open: from is inside, to is outside', () => {
    const o = override('zed', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z');
    expect(onCallAt(r, [o], at('2026-11-10T20:00:00Z'))?.userId).toBe('zed');
    expect(onCallAt(r, [o], at('2026-11-10T21:59:59.999Z'))?.userId).toBe('zed');
    expect(onCallAt(r, [o], at('2026-11-10T22:00:00Z'))).toMatchObject({ userId: 'ben', source: 'ROTATION' });
  });

  it('cut the rotation stretch around them: it ends when the override begins and resumes when it ends', () => {
    const o = override('zed', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z');
    expect(onCallAt(r, [o], at('2026-11-10T18:00:00Z'))).toMatchObject({ userId: 'ben', start: at('2026-11-10T17:00:00Z'), end: at('2026-11-10T20:00:00Z') });
    expect(onCallAt(r, [o], at('2026-11-10T23:00:00Z'))).toMatchObject({ userId: 'ben', start: at('2026-11-10T22:00:00Z'), end: at('2026-11-11T17:00:00Z') });
  });

  it('count as an override even when the rotation would have named the same person', () => {
    const o = override('ben', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z', 'same');
    expect(onCallAt(r, [o], at('2026-11-10T21:00:00Z'))).toMatchObject({ userId: 'ben', source: 'OVERRIDE', overrideId: 'same' });
  });

  it('overlap: the latest created wins, and the earlier one shows through around it', () => {
    const long = override('xavier', '2026-11-10T18:00:00Z', '2026-11-11T02:00:00Z', '2026-11-01T10:00:00Z', 'long');
    const short = override('yuki', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-02T10:00:00Z', 'short');
    expect(onCallAt(r, [long, short], at('2026-11-10T19:00:00Z'))).toMatchObject({ userId: 'xavier', overrideId: 'long', start: at('2026-11-10T18:00:00Z'), end: at('2026-11-10T20:00:00Z') });
    expect(onCallAt(r, [long, short], at('2026-11-10T21:00:00Z'))).toMatchObject({ userId: 'yuki', overrideId: 'short', start: at('2026-11-10T20:00:00Z'), end: at('2026-11-10T22:00:00Z') });
    expect(onCallAt(r, [long, short], at('2026-11-10T23:00:00Z'))).toMatchObject({ userId: 'xavier', overrideId: 'long', start: at('2026-11-10T22:00:00Z'), end: at('2026-11-11T02:00:00Z') });
    // The who-only answer (what paging uses) agrees, given just the overrides active at that instant.
    expect(onCallUserAt(r, [long, short], at('2026-11-10T21:00:00Z'))).toEqual({ userId: 'yuki', source: 'OVERRIDE', overrideId: 'short' });
    expect(onCallUserAt(null, [], at('2026-11-10T21:00:00Z'))).toBeNull();
    // Order of the input does not matter; creation order does.
    expect(onCallAt(r, [short, long], at('2026-11-10T21:00:00Z'))?.userId).toBe('yuki');
  });

  it('overlap: an override created earlier stays hidden under a later one that covers it', () => {
    const inner = override('yuki', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T10:00:00Z', 'inner');
    const outer = override('xavier', '2026-11-10T18:00:00Z', '2026-11-11T02:00:00Z', '2026-11-02T10:00:00Z', 'outer');
    const a = onCallAt(r, [inner, outer], at('2026-11-10T21:00:00Z'))!;
    expect(a).toMatchObject({ userId: 'xavier', overrideId: 'outer', start: at('2026-11-10T18:00:00Z'), end: at('2026-11-11T02:00:00Z') });
  });

  it('overlap created in the same instant: the id decides, the same way every time', () => {
    const p = override('p', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z', 'aaaa');
    const q = override('q', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z', 'bbbb');
    expect(onCallAt(r, [p, q], at('2026-11-10T21:00:00Z'))?.userId).toBe('q');
    expect(onCallAt(r, [q, p], at('2026-11-10T21:00:00Z'))?.userId).toBe('q');
  });

  it('spanning fall back last the real elapsed time (overrides are instants, not wall-clock)', () => {
    const rr = rotation({ startDate: '2026-10-25' });
    const o = override('zed', '2026-11-01T07:00:00Z', '2026-11-01T20:00:00Z', '2026-10-20T00:00:00Z'); // 00:00 PDT → 12:00 PST
    expect(onCallAt(rr, [o], at('2026-11-01T09:30:00Z'))).toMatchObject({ userId: 'zed', source: 'OVERRIDE' }); // second 01:30
    expect(onCallAt(rr, [o], at('2026-11-01T20:00:00Z'))).toMatchObject({ userId: 'ben', source: 'ROTATION', start: at('2026-11-01T20:00:00Z') });
  });

  it('end a one-person rotation stretch: until the next override, since the last one', () => {
    const solo = rotation({ participants: ['solo'] });
    const before = override('sub', '2026-11-05T00:00:00Z', '2026-11-06T00:00:00Z', '2026-11-01T00:00:00Z');
    const after = override('sub', '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z', '2026-11-01T00:00:00Z');
    expect(onCallAt(solo, [before, after], at('2026-11-10T00:00:00Z'))).toMatchObject({
      userId: 'solo',
      start: at('2026-11-06T00:00:00Z'),
      end: at('2026-11-20T00:00:00Z'),
    });
  });

  it('ignore empty intervals', () => {
    const empty = override('zed', '2026-11-10T20:00:00Z', '2026-11-10T20:00:00Z', '2026-11-01T00:00:00Z');
    expect(onCallAt(r, [empty], at('2026-11-10T20:00:00Z'))?.userId).toBe('ben');
  });
});

describe('nobody on call', () => {
  it('a duty with no schedule has nobody', () => {
    expect(onCallAt(null, [], at('2026-11-10T20:00:00Z'))).toBeNull();
  });

  it('a rotation without participants has nobody', () => {
    expect(onCallAt(rotation({ participants: [] }), [], at('2026-11-10T20:00:00Z'))).toBeNull();
  });

  it('without a rotation, an override alone decides while it lasts', () => {
    const o = override('zed', '2026-11-10T20:00:00Z', '2026-11-10T22:00:00Z', '2026-11-01T00:00:00Z');
    expect(onCallAt(null, [o], at('2026-11-10T21:00:00Z'))).toMatchObject({ userId: 'zed', end: at('2026-11-10T22:00:00Z') });
    expect(onCallAt(null, [o], at('2026-11-10T22:00:00Z'))).toBeNull();
  });

  it('refuses an invalid instant', () => {
    expect(() => onCallAt(rotation(), [], new Date('nonsense'))).toThrow(RangeError);
  });
});

describe('validation helpers', () => {
  it('canonicalises IANA zones and refuses unknown ones', () => {
    expect(canonicalTimeZone('US/Pacific')).toBe(LA);
    expect(canonicalTimeZone('america/los_angeles')).toBe(LA);
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });

  it('normalises hand-off times and refuses impossible ones', () => {
    expect(normalizeHandoffTime('9:00')).toBe('09:00');
    expect(normalizeHandoffTime('23:59')).toBe('23:59');
    expect(normalizeHandoffTime('24:00')).toBeNull();
    expect(normalizeHandoffTime('09:60')).toBeNull();
    expect(normalizeHandoffTime('9am')).toBeNull();
  });

  it('accepts only real calendar dates', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-3-8')).toBe(false);
  });

  it('gives the local date of an instant', () => {
    expect(localDate(at('2026-11-01T07:30:00Z'), LA)).toBe('2026-11-01'); // 00:30 PDT
    expect(localDate(at('2026-11-01T06:30:00Z'), LA)).toBe('2026-10-31');
  });
});
