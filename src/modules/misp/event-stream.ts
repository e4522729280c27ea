import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * A MISP event file (`{"Event": {…}}`) read as a stream: the event's own members come out one by one,
 * and the items of `Event.Attribute` and `Event.Object` one at a time, each parsed on its own. A file of
 * a million attributes never sits in memory; one item at most (MAX_ITEM_CHARS) does.
 *
 * The members outside the parsed values (braces, keys, commas) are checked by the small grammar below, so
 * anything that is not JSON, or not an object with an "Event" object, is a MispFormatError with a line.
 */

export type EventPart =
  | { kind: 'field'; key: string; value: unknown }
  | { kind: 'attribute'; index: number; value: unknown }
  | { kind: 'object'; index: number; value: unknown };

export class MispFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MispFormatError';
  }
}

/** Longest single value (an attribute, an object, an event member) read. */
export const MAX_ITEM_CHARS = 8 << 20;

type State =
  | 'rootStart'
  | 'rootKey'
  | 'rootColon'
  | 'rootValue'
  | 'rootComma'
  | 'eventStart'
  | 'eventKey'
  | 'eventColon'
  | 'eventValue'
  | 'itemFirst'
  | 'itemNext'
  | 'itemComma'
  | 'eventComma'
  | 'done'
  | 'key'
  | 'value';

type Target = { kind: 'field'; key: string } | { kind: 'item'; list: 'attribute' | 'object' } | { kind: 'skip' };

const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

function shown(c: string | undefined): string {
  return c === undefined ? 'the end of the file' : JSON.stringify(c);
}

export class EventScanner {
  private state: State = 'rootStart';
  private line = 1;
  private sawEvent = false;
  // The key being read, and where its colon is expected.
  private keyRaw = '';
  private keyEscaped = false;
  private keyThen: 'rootColon' | 'eventColon' = 'rootColon';
  private currentKey = '';
  // The value being captured.
  private parts: string[] = [];
  private size = 0;
  private mode: 'container' | 'string' | 'scalar' = 'scalar';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private target: Target = { kind: 'skip' };
  private valueThen: State = 'done';
  private valueLine = 1;
  private list: 'attribute' | 'object' = 'attribute';
  private counts = { attribute: 0, object: 0 };
  private out: EventPart[] = [];

  private fail(what: string, c: string | undefined): never {
    throw new MispFormatError(`not a MISP event: invalid JSON at line ${this.line}: expected ${what}, found ${shown(c)}`);
  }

  private startValue(target: Target, then: State): void {
    this.state = 'value';
    this.target = target;
    this.valueThen = then;
    this.parts = [];
    this.size = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.valueLine = this.line;
  }

  private finishValue(text: string): void {
    const whole = this.parts.length === 0 ? text : this.parts.join('') + text;
    this.parts = [];
    const t = this.target;
    this.state = this.valueThen;
    if (t.kind === 'skip') return;
    let value: unknown;
    try {
      value = JSON.parse(whole);
    } catch (err) {
      const where = t.kind === 'field' ? `Event.${t.key}` : `Event.${t.list === 'attribute' ? 'Attribute' : 'Object'}[${this.counts[t.list]}]`;
      throw new MispFormatError(`not a MISP event: invalid JSON in ${where} (starting line ${this.valueLine}): ${(err as Error).message}`);
    }
    if (t.kind === 'field') this.out.push({ kind: 'field', key: t.key, value });
    else this.out.push({ kind: t.list, index: this.counts[t.list]++, value });
  }

  /** Feeds a chunk; returns the parts it completed. */
  write(text: string): EventPart[] {
    this.out = [];
    const n = text.length;
    let i = 0;
    let captureStart = -1;
    while (i < n) {
      const code = text.charCodeAt(i);
      switch (this.state) {
        case 'value': {
          if (captureStart === -1) captureStart = i;
          if (this.size === 0 && this.parts.length === 0 && i === captureStart) {
            // First character: what kind of value this is.
            if (code === 123 || code === 91) {
              this.mode = 'container';
              this.depth = 1;
              i++;
              break;
            }
            if (code === 34) {
              this.mode = 'string';
              this.inString = true;
              i++;
              break;
            }
            this.mode = 'scalar';
          }
          let end = -1;
          for (; i < n; i++) {
            const c = text.charCodeAt(i);
            if (c === 10) this.line++;
            if (this.mode === 'scalar') {
              if (c === 44 || c === 125 || c === 93 || isWs(c)) {
                end = i; // not part of the value
                break;
              }
              continue;
            }
            if (this.inString) {
              if (this.escaped) this.escaped = false;
              else if (c === 92) this.escaped = true;
              else if (c === 34) {
                this.inString = false;
                if (this.mode === 'string') {
                  end = i + 1;
                  break;
                }
              }
              continue;
            }
            if (c === 34) this.inString = true;
            else if (c === 123 || c === 91) this.depth++;
            else if (c === 125 || c === 93) {
              if (--this.depth === 0) {
                end = i + 1;
                break;
              }
            }
          }
          if (end === -1) {
            this.keep(text.slice(captureStart));
            captureStart = -1;
            break;
          }
          const piece = text.slice(captureStart, end);
          if (this.size + piece.length > MAX_ITEM_CHARS) this.tooLarge();
          captureStart = -1;
          // A scalar's terminator is read again by the next state; a closing quote or brace is consumed.
          if (this.mode === 'scalar') {
            if (text.charCodeAt(end) === 10) this.line--; // counted above, counted again below
            i = end;
          } else i = end;
          this.finishValue(piece);
          break;
        }
        case 'key': {
          let j = i;
          for (; j < n; j++) {
            const c = text.charCodeAt(j);
            if (this.keyEscaped) this.keyEscaped = false;
            else if (c === 92) this.keyEscaped = true;
            else if (c === 34) break;
          }
          this.keyRaw += text.slice(i, j);
          if (this.keyRaw.length > 10_000) throw new MispFormatError(`not a MISP event: a key at line ${this.line} is longer than 10,000 characters`);
          if (j === n) {
            i = n;
            break;
          }
          try {
            this.currentKey = JSON.parse(`"${this.keyRaw}"`) as string;
          } catch {
            throw new MispFormatError(`not a MISP event: invalid JSON at line ${this.line}: a key is not a valid string`);
          }
          this.state = this.keyThen;
          i = j + 1;
          break;
        }
        default: {
          if (code === 10) this.line++;
          if (isWs(code)) {
            i++;
            break;
          }
          this.structural(text[i]!);
          i++;
        }
      }
    }
    if (this.state === 'value' && captureStart !== -1) this.keep(text.slice(captureStart));
    return this.out;
  }

  private keep(piece: string): void {
    this.size += piece.length;
    if (this.size > MAX_ITEM_CHARS) this.tooLarge();
    this.parts.push(piece);
  }

  private tooLarge(): never {
    const t = this.target;
    const where = t.kind === 'field' ? `Event.${t.key}` : t.kind === 'item' ? `an item of Event.${t.list === 'attribute' ? 'Attribute' : 'Object'}` : 'a value';
    throw new MispFormatError(`${where} (line ${this.valueLine}) is longer than ${MAX_ITEM_CHARS.toLocaleString('en-US')} characters`);
  }

  private beginKey(then: 'rootColon' | 'eventColon'): void {
    this.state = 'key';
    this.keyRaw = '';
    this.keyEscaped = false;
    this.keyThen = then;
  }

  /** One non-space character outside any captured value. */
  private structural(c: string): void {
    switch (this.state) {
      case 'rootStart':
        if (c !== '{') this.fail('a JSON object {"Event": {…}}', c);
        this.state = 'rootKey';
        return;
      case 'rootKey':
        if (c === '}') return this.endRoot();
        if (c !== '"') this.fail('a key or }', c);
        return this.beginKey('rootColon');
      case 'rootColon':
        if (c !== ':') this.fail('":"', c);
        this.state = 'rootValue';
        return;
      case 'rootValue':
        if (this.currentKey === 'Event') {
          if (this.sawEvent) throw new MispFormatError('not a MISP event: "Event" appears twice');
          if (c !== '{') throw new MispFormatError(`not a MISP event: "Event" must be an object, found ${shown(c)} at line ${this.line}`);
          this.sawEvent = true;
          this.state = 'eventStart';
          return;
        }
        this.startValue({ kind: 'skip' }, 'rootComma');
        this.replay(c);
        return;
      case 'rootComma':
        if (c === ',') {
          this.state = 'rootKey';
          return;
        }
        if (c === '}') return this.endRoot();
        this.fail('"," or "}"', c);
        return;
      case 'eventStart':
      case 'eventKey':
        if (c === '}' && this.state === 'eventStart') {
          this.state = 'rootComma';
          return;
        }
        if (c !== '"') this.fail('a key of Event', c);
        return this.beginKey('eventColon');
      case 'eventColon':
        if (c !== ':') this.fail('":"', c);
        this.state = 'eventValue';
        return;
      case 'eventValue':
        if ((this.currentKey === 'Attribute' || this.currentKey === 'Object') && c === '[') {
          this.list = this.currentKey === 'Attribute' ? 'attribute' : 'object';
          this.state = 'itemFirst';
          return;
        }
        this.startValue({ kind: 'field', key: this.currentKey }, 'eventComma');
        this.replay(c);
        return;
      case 'itemFirst':
      case 'itemNext':
        if (c === ']') {
          if (this.state === 'itemNext') this.fail('an item after ","', c);
          this.state = 'eventComma';
          return;
        }
        this.startValue({ kind: 'item', list: this.list }, 'itemComma');
        this.replay(c);
        return;
      case 'itemComma':
        if (c === ',') {
          this.state = 'itemNext';
          return;
        }
        if (c === ']') {
          this.state = 'eventComma';
          return;
        }
        this.fail('"," or "]"', c);
        return;
      case 'eventComma':
        if (c === ',') {
          this.state = 'eventKey';
          return;
        }
        if (c === '}') {
          this.state = 'rootComma';
          return;
        }
        this.fail('"," or "}" in Event', c);
        return;
      case 'done':
        this.fail('nothing after the closing }', c);
        return;
      default:
        throw new Error(`unexpected scanner state ${this.state}`);
    }
  }

  /** A value's first character, met by the structural reader: handed to the value reader. */
  private replay(c: string): void {
    // write() starts a fresh list of parts: keep the caller's (appending, not copying: a chunk holds
    // thousands of items, and copying the list for each would be quadratic).
    const parts = this.out;
    for (const p of this.write(c)) parts.push(p);
    this.out = parts;
  }

  private endRoot(): void {
    if (!this.sawEvent) throw new MispFormatError('not a MISP event: the file is a JSON object without an "Event" member (expected {"Event": {…}})');
    this.state = 'done';
  }

  /** The end of the input: anything unfinished is an error. */
  end(): EventPart[] {
    this.out = [];
    if (this.state !== 'done') {
      if (this.state === 'rootStart') throw new MispFormatError('not a MISP event: the file is empty');
      throw new MispFormatError(`not a MISP event: the file ends in the middle of the JSON (line ${this.line}): it is cut short or not JSON`);
    }
    return this.out;
  }
}

/** The parts of a MISP event file, read as a stream; `onBytes` is told how many bytes were read so far. */
export async function* readEventParts(source: Readable, onBytes?: (bytes: number) => void): AsyncGenerator<EventPart[]> {
  const decoder = new StringDecoder('utf8');
  const scanner = new EventScanner();
  let bytes = 0;
  let first = true;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    let text = decoder.write(buf);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const parts = scanner.write(text);
    onBytes?.(bytes);
    if (parts.length > 0) yield parts;
  }
  const rest = decoder.end();
  const last = [...(rest.length > 0 ? scanner.write(rest) : []), ...scanner.end()];
  if (last.length > 0) yield last;
}
