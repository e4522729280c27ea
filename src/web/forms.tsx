import type { Child } from 'hono/jsx';
import { InputError } from '../errors.js';

/**
 * What the console's forms share: a refused field's error beside its control (aria-invalid, aria-describedby)
 * and a focused summary at the top linking to it, as the File an incident screen does.
 */

export interface FieldError {
  /** The form's control group the error belongs to (e.g. `webhookUrl`, `filter`). */
  field: string;
  message: string;
}

/** An InputError of a service as the form's error; `fieldOf` maps the service's field to the form's. */
export function fieldErrorOf(err: InputError, fieldOf: (serviceField: string) => string = (f) => f): FieldError {
  const message = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
  return { field: fieldOf(err.field), message };
}

/** Attributes of a control whose field has the error. */
export function invalidAttrs(err: FieldError | null, field: string, prefix: string): Record<string, string> {
  return err?.field === field ? { 'aria-invalid': 'true', 'aria-describedby': `${prefix}-${field}-error` } : {};
}

/** The error's message beside its control (nothing when the field has none). */
export function FieldMessage(props: { err: FieldError | null; field: string; prefix: string; label: string }) {
  if (props.err?.field !== props.field) return null;
  return (
    <p id={`${props.prefix}-${props.field}-error`} class="error">
      {`${props.label}: ${props.err.message}`}
    </p>
  );
}

/** The focused summary at the top of a refused form (autofocus works without script). */
export function ErrorSummary(props: { id: string; title: string; err: FieldError | null; label: string; target: string; children?: Child }) {
  if (!props.err) return null;
  return (
    <div class="notice error-summary" role="alert" tabindex={-1} id={props.id} aria-labelledby={`${props.id}-title`} autofocus>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <ul>
        <li>
          <a href={`#${props.target}`}>{`${props.label}: ${props.err.message}`}</a>
        </li>
      </ul>
    </div>
  );
}

/** `2026-12-07 18:03 UTC`, or a dash. */
export function utcTime(d: Date | null | undefined): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–';
}

/** A posted form field as one string (the first, when repeated). */
export function formString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : '';
}

/** A posted form field as every string it was given (checkbox groups). */
export function formStrings(body: Record<string, unknown>, key: string): string[] {
  const v = body[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((s): s is string => typeof s === 'string');
}

/** A datetime-local value in an IANA zone → the instant, or null when it is not a wall-clock time. */
export function zonedToUtc(local: string, zone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  // Date.UTC rolls over (February 30 is March 2, 24:30 the next day): a value that does not come back unchanged is no wall-clock time.
  if (new Date(wall).toISOString().slice(0, 19) !== `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}`) return null;
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const offset = (t: number) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - t;
  };
  // Twice: the first guess may sit on the other side of a daylight-saving change.
  const first = wall - offset(wall);
  return new Date(wall - offset(first));
}
