import { CompiledQuery, type QueryResult } from 'kysely';
import type { Handle } from './handle.js';

/**
 * SQL text for the statements on the hottest paths (a filing, its routing and its page), made once per
 * place in the code instead of at every execution.
 *
 * Kysely's `sql` tag builds an operation tree at every call and compiles it to text, and the text comes
 * out as a rope of hundreds of pieces that node-postgres flattens again when it writes it: for a statement
 * of 20 to 40 values that was 0.1–0.15 ms of CPU per execution, more than the round trip itself
 * (issue 17). `hot` keys the text on the template's strings (one object per place in the code, kept by
 * the JavaScript engine), numbers the values `$1, $2, …` once, and hands the values to the driver as
 * they are, exactly as the `sql` tag does: values are never part of the text.
 *
 *     await hot<{ id: string }>`select id from incidents where reference = ${reference}`.execute(trx);
 *
 * A fixed piece of SQL text (a column list kept in a constant, an optional part of the statement) goes in
 * with `hotText(...)`: it is written into the text, never sent as a value; each distinct piece makes its own
 * text, so it must come from the code, never from a request.
 */
export function hot<R>(strings: TemplateStringsArray, ...values: unknown[]): { execute(h: Handle): Promise<QueryResult<R>> } {
  let byPieces = texts.get(strings);
  if (byPieces === undefined) {
    byPieces = new Map();
    texts.set(strings, byPieces);
  }
  // The fixed pieces written into the text are part of the key: a place in the code that writes one of
  // several pieces (with or without a part) gets one text for each.
  let pieces = '';
  let inline = false;
  for (const v of values) {
    if (v instanceof HotText) {
      pieces += `${v.text}\u0000`;
      inline = true;
    }
  }
  let text = byPieces.get(pieces);
  if (text === undefined) {
    text = make(strings, values);
    byPieces.set(pieces, text);
  }
  const params = inline ? values.filter((v) => !(v instanceof HotText)) : values;
  return { execute: (h) => h.executeQuery<R>(CompiledQuery.raw(text, params)) };
}

/** Fixed SQL text for `hot` (never a value from a request: it is written into the statement). */
export function hotText(text: string): HotText {
  return new HotText(text);
}

export class HotText {
  constructor(readonly text: string) {}
}

const texts = new WeakMap<TemplateStringsArray, Map<string, string>>();

function make(strings: TemplateStringsArray, values: readonly unknown[]): string {
  let text = strings[0]!;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    text += v instanceof HotText ? v.text : `$${++n}`;
    text += strings[i + 1]!;
  }
  // One flat string (not a rope of pieces), written as is at every execution.
  return flatten(text);
}

function flatten(s: string): string {
  // Reading the string by index makes V8 flatten it once, here, instead of at each write.
  void s.charCodeAt(s.length - 1);
  return s;
}
