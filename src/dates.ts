/**
 * Instants and dates accepted from clients: strict RFC 3339, a real calendar date and time, within the
 * years the hub can mean. `new Date()` alone rolls 2026-02-30 over to March 2 and T24:00 to the next day,
 * and reads year 0, 1000 or 9999 without complaint: every one of those was stored as something else than
 * what the client meant, or as nothing any election has to do with.
 */

/** The years an instant may fall in, inclusive: no incident, report or schedule is outside them. */
export const YEAR_MIN = 2000;
export const YEAR_MAX = 2099;

/**
 * RFC 3339 `date-time`: seconds required, a fraction of 1 to 9 digits with a dot, a zone `Z` or ±HH:MM.
 * `t` and `z` may be lower case (RFC 3339 §5.6 allows them); no space instead of `T`, no comma.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The instant, or why the text is not one the hub accepts. */
export function parseInstant(text: string): { ok: true; value: Date } | { ok: false; reason: string } {
  const m = RFC3339.exec(text);
  if (!m) return { ok: false, reason: 'is not an RFC 3339 date-time with seconds and a zone (e.g. 2026-11-03T21:00:00-08:00)' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return { ok: false, reason: `has no month ${m[2]}` };
  if (day < 1 || day > daysInMonth(year, month)) return { ok: false, reason: `has no day ${m[3]} in ${m[1]}-${m[2]}` };
  // 24:00 and leap seconds are refused rather than rolled over: the hub cannot store 23:59:60 either.
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `has no time of day ${m[4]}:${m[5]}:${m[6]}` };
  if (m[9] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return { ok: false, reason: `has no UTC offset ${m[9]}${m[10]}:${m[11]}` };
  const value = new Date(text.toUpperCase());
  if (Number.isNaN(value.getTime())) return { ok: false, reason: 'is not a valid date-time' };
  const y = value.getUTCFullYear();
  if (year < YEAR_MIN || year > YEAR_MAX || y < YEAR_MIN || y > YEAR_MAX) {
    return { ok: false, reason: `must be in the years ${YEAR_MIN} to ${YEAR_MAX}` };
  }
  return { ok: true, value };
}

/** A calendar date YYYY-MM-DD in the same years, or why not. */
export function checkCalendarDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'is not a date YYYY-MM-DD';
  const [year, month, day] = m.slice(1, 4).map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return `is not a date of the calendar`;
  if (year < YEAR_MIN || year > YEAR_MAX) return `must be in the years ${YEAR_MIN} to ${YEAR_MAX}`;
  return null;
}

const DAY_MS = 86_400_000;

/** How far ahead an end may lie: a report's validity, an override. Longer is a typo, not a plan. */
export const MAX_AHEAD = { validUntilDays: 5 * 366, overrideDays: 366 } as const;

/** True when the instant lies more than `days` days after now. */
export const tooFarAhead = (at: Date, days: number, now = Date.now()): boolean => at.getTime() > now + days * DAY_MS;
