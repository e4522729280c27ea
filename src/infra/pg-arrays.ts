// Array parameters are sent as PostgreSQL array literals built here in one pass: node-pg's generic
// serializer runs two regular expressions over every element, which a bulk import feels.
const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** `{"a","b",NULL}`: a text[] literal. */
export function textArray(values: ReadonlyArray<string | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
  }
  return `${out}}`;
}

export function numberArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

export function timeArray(values: ReadonlyArray<Date | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : v.toISOString();
  }
  return `${out}}`;
}
