// Array parameters are sent as PostgreSQL array literals built here in one pass: node-pg's generic
// serializer runs two regular expressions over every element, which a bulk import feels.
//
// A literal is built by one native join, not by appending element after element: appending makes a
// chain of thousands of small strings per array that lives until the query is written to the socket, and
// a bulk import's garbage collector copies every one of them (a STIX import of 100,000 objects: ~95 MB
// copied per run). Most arrays need no quoting rule at all (no NULL, no quote or backslash): then the
// elements are joined as they are.
const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** `{"a","b",NULL}`: a text[] literal. */
export function textArray(values: ReadonlyArray<string | null>): string {
  if (values.length === 0) return '{}';
  let plain = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || NEEDS_ESCAPE.test(v)) {
      plain = false;
      break;
    }
  }
  if (plain) return `{"${values.join('","')}"}`;
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v === null || v === undefined ? 'NULL' : `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
  }
  return `{${parts.join(',')}}`;
}

export function numberArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

export function timeArray(values: ReadonlyArray<Date | null>): string {
  const parts = new Array<string>(values.length);
  // A bulk import's times are mostly one time over and over (a feed's valid_from): written once.
  let lastTime = NaN;
  let lastText = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      parts[i] = 'NULL';
      continue;
    }
    const t = v.getTime();
    if (t !== lastTime) {
      lastTime = t;
      lastText = v.toISOString();
    }
    parts[i] = lastText;
  }
  return `{${parts.join(',')}}`;
}
