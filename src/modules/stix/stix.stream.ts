import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../../errors.js';
import { objectsOfBundle } from './stix.service.js';

/**
 * The objects of a STIX bundle read as a stream, one at a time, without holding the whole file: a scanner
 * finds each element of the top-level "objects" array (strings and nesting respected) and parses it alone.
 * The bundle's own properties (everything outside "objects") are checked when the array starts and at the
 * end: a STIX 2.0 bundle (spec_version on the bundle) is refused before any object is read.
 */
export async function* streamBundleObjects(source: Readable, counter: { bytes: number } = { bytes: 0 }): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let depth = 0;
  let inString = false;
  let escape = false;
  let outside = ''; // the bundle's text without the objects array's contents
  let inObjects = false;
  let item: string[] | null = null;
  let itemStart = 0;
  const checkOutside = (final: boolean) => {
    const text = final ? outside : `${outside}null}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/,\s*}$/, '}'));
    } catch (err) {
      throw new InputError('bundle', `not valid JSON: ${(err as Error).message}`);
    }
    objectsOfBundle({ ...(parsed as object), objects: [] });
  };
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    counter.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let outsideFrom = inObjects ? -1 : 0;
    // The next backslash at or after i (text.length: none): looked up again only once passed, so that
    // strings are skipped by two native searches (most of a bundle's text is inside strings).
    let backslashAt = -1;
    for (let i = 0; i < text.length; i++) {
      if (inString) {
        // Jump to the next quote or backslash.
        if (escape) {
          escape = false;
          continue;
        }
        if (backslashAt < i) {
          backslashAt = text.indexOf('\\', i);
          if (backslashAt === -1) backslashAt = text.length;
        }
        let j = text.indexOf('"', i);
        if (j === -1 || j > backslashAt) j = backslashAt;
        i = j;
        if (j >= text.length) break;
        if (text.charCodeAt(j) === 92) escape = true;
        else inString = false;
        continue;
      }
      const ch = text[i]!;
      if (ch === '"') {
        inString = true;
        continue;
      }
      if (ch === '{' || ch === '[') {
        if (depth === 0 && ch !== '{') throw new InputError('bundle', 'must be a JSON object of type "bundle"');
        depth++;
        if (depth === 2 && ch === '[' && !inObjects && /"objects"\s*:\s*$/.test(outside + text.slice(outsideFrom, i))) {
          outside += text.slice(outsideFrom, i);
          outsideFrom = -1;
          inObjects = true;
          checkOutside(false);
        } else if (depth === 3 && inObjects) {
          item = [];
          itemStart = i;
        }
      } else if (ch === '}' || ch === ']') {
        if (depth === 3 && inObjects && item !== null) {
          item.push(text.slice(itemStart, i + 1));
          const json = item.join('');
          item = null;
          let obj: unknown;
          try {
            obj = JSON.parse(json);
          } catch (err) {
            throw new InputError('bundle.objects', `an object is not valid JSON: ${(err as Error).message}`);
          }
          yield obj;
        }
        depth--;
        if (depth < 0) throw new InputError('bundle', 'not valid JSON: unbalanced brackets');
        if (depth === 1 && inObjects && ch === ']') {
          inObjects = false;
          outside += 'null';
          outsideFrom = i + 1;
        }
      } else if (depth === 2 && inObjects && ch !== ',' && ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
        throw new InputError('bundle.objects', 'must hold only JSON objects');
      }
    }
    if (item !== null) {
      item.push(text.slice(itemStart));
      itemStart = 0;
    }
    if (outsideFrom >= 0) outside += text.slice(outsideFrom);
    if (outside.length > 1_000_000) throw new InputError('bundle', 'more than 1 MB outside the objects list: not a bundle');
  }
  outside += decoder.end();
  if (outside.trim() === '') throw new InputError('bundle', 'the file is empty');
  if (depth !== 0 || inString) throw new InputError('bundle', 'not valid JSON: the bundle is not closed');
  checkOutside(true);
}
