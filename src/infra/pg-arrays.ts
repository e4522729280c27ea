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
  // A bulk import's times are mostly one time over and over (a feed's valid_from): written once.
  let lastTime = NaN;
  let lastText = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) {
      out += 'NULL';
      continue;
    }
    const t = v.getTime();
    if (t !== lastTime) {
      lastTime = t;
      lastText = v.toISOString();
    }
    out += lastText;
  }
  return `${out}}`;
}
