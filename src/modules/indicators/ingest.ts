import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { MAX_AHEAD, parseInstant, tooFarAhead } from '../../dates.js';
import type { Db } from '../../infra/db.js';
import type { Handle } from '../../infra/handle.js';
import { multiLineText } from '../../text.js';
import {
  databaseNow,
  insertNewValues,
  insertReports,
  probeBatch,
  refreshIndicators,
  updateReports,
  upsertIndicators,
  upsertReports,
  type ReportAttributes,
  type ValueBatch,
} from './indicators.repository.js';
import { normalize, parseIndicatorType, type IndicatorType } from './normalize.js';
import type { WarningLists } from './warning-lists.js';

/**
 * The bulk import pipeline (issue 5, item 6): a stream of csv, json or txt in, canonical indicators and the
 * organization's reports of them out, in constant memory.
 *
 *   bytes → lines / JSON items (parsers below) → normalize → deduplicate within the batch
 *         → one transaction per batch: plain inserts of new values, targeted updates of changed ones
 *           (insertBatch, mergeBatch; the ON CONFLICT upsertBatch when a concurrent writer interferes)
 *
 * Parsing the next batch overlaps with writing the previous one (at most one batch in flight), so Node and
 * PostgreSQL work at the same time; memory holds two batches and one input chunk, whatever the file size.
 *
 * Formats:
 * - csv: a header row naming the columns, `value` required; `type`, `description`, `confidence`,
 *   `valid_until` optional, in any order; other columns ignored. RFC 4180 quoting (a quoted field may
 *   span lines; "" is a quote).
 * - json: either one JSON array of items or JSON Lines (one item per line), told apart by the first
 *   character. An item is an object with the csv column names as keys (validUntil also accepted) or a
 *   bare string value. Both are read item by item: a 10 GB array never sits in memory.
 * - txt: one value per line; blank lines and lines starting with # are skipped, and " #" starts a
 *   trailing comment (a URL's fragment has no space before its #).
 */

export const IMPORT_FORMATS = ['csv', 'json', 'txt'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The format a file name implies: .csv, .json / .jsonl / .ndjson, .txt / .lst / .list; null otherwise. */
export function formatFromFileName(fileName: string): ImportFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'json' || ext === 'jsonl' || ext === 'ndjson') return 'json';
  if (ext === 'txt' || ext === 'lst' || ext === 'list') return 'txt';
  return null;
}

export const DEFAULT_BATCH_SIZE = 5_000;
/** Confidence of a value whose line and import state none: STIX 2.1's "Medium". */
export const DEFAULT_CONFIDENCE = 50;
export const MAX_DESCRIPTION_LENGTH = 4_000;
/** Longest line (or JSON item) read; a longer one is reported invalid and skipped, keeping memory bounded. */
export const MAX_LINE_LENGTH = 1 << 20;
/** Invalid lines kept with their reason for the summary; the rest are only counted. */
export const INVALID_SAMPLE_SIZE = 20;

export class ImportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

export interface InvalidLine {
  line: number;
  reason: string;
}

export interface IngestProgress {
  bytesRead: number;
  lines: number;
  written: number;
}

export interface IngestOptions extends ReportAttributes {
  format: ImportFormat;
  warningLists: WarningLists;
  /** For values whose line does not say: 0–100. */
  defaultConfidence?: number;
  batchSize?: number;
  onProgress?: (p: IngestProgress) => void;
  /** Every invalid line, as it is read (the result keeps only the first INVALID_SAMPLE_SIZE). */
  onInvalid?: (l: InvalidLine) => void;
}

export interface IngestResult {
  /** Lines (or JSON items) read, blank lines and comments included. */
  lines: number;
  /** Values that normalized. */
  valid: number;
  /** Indicators the hub did not know before this import. */
  created: number;
  /** Indicators the hub already knew (from any organization, or from a concurrent import). */
  known: number;
  /** Lines repeating a value of an earlier line of this file (after normalization). */
  duplicates: number;
  invalid: number;
  invalidSamples: InvalidLine[];
  /** Distinct values on a warning list (stored, flagged, not correlated). */
  benign: number;
  reports: { created: number; updated: number; unchanged: number };
  ignoredColumns: string[];
  batches: number;
  ms: number;
}

/** Thrown when an import stops part-way: `partial` says what the committed batches wrote. */
export class IngestError extends Error {
  constructor(
    cause: unknown,
    readonly partial: IngestResult,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'IngestError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading

interface RawItem {
  line: number;
  value: unknown;
  type?: unknown;
  description?: unknown;
  confidence?: unknown;
  validUntil?: unknown;
}
type Item = RawItem | { line: number; error: string };
/** A line the format says to skip (blank, comment, CSV header): counted as read, not as invalid. */
type Skipped = { line: number; skip: true };
type ParsedItem = Item | Skipped;

interface ByteCounter {
  bytes: number;
}

async function* decodedChunks(source: Readable, counter: ByteCounter): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let start = true;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    counter.bytes += buf.length;
    let text = decoder.write(buf);
    if (start && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte order mark
      start = false;
    }
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** Lines of a chunk stream, grouped per chunk; a line over MAX_LINE_LENGTH comes out as null. */
async function* lineGroups(chunks: AsyncIterable<string>): AsyncGenerator<Array<string | null>> {
  let rest = '';
  let overlong = false;
  for await (const chunk of chunks) {
    const text = rest.length > 0 ? rest + chunk : chunk;
    const lines: Array<string | null> = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      lines.push(overlong ? null : text.slice(start, end));
      overlong = false;
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rest.length > MAX_LINE_LENGTH) {
      overlong = true;
      rest = '';
    }
    if (lines.length > 0) yield lines;
  }
  if (overlong) yield [null];
  else if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

const TOO_LONG = `the line is longer than ${MAX_LINE_LENGTH} characters`;

async function* txtItems(chunks: AsyncIterable<string>): AsyncGenerator<ParsedItem[]> {
  let line = 0;
  for await (const lines of lineGroups(chunks)) {
    const items: ParsedItem[] = [];
    for (const text of lines) {
      line++;
      if (text === null) {
        items.push({ line, error: TOO_LONG });
        continue;
      }
      let v = text;
      if (v.includes('#')) {
        const comment = v.search(/\s#/);
        if (comment !== -1) v = v.slice(0, comment);
      }
      v = v.trim();
      if (v.length === 0 || v.charCodeAt(0) === 35 /* # */) items.push({ line, skip: true });
      else items.push({ line, value: v });
    }
    yield items;
  }
}

const CSV_COLUMNS: Record<string, keyof Omit<RawItem, 'line'>> = {
  value: 'value',
  indicator: 'value',
  type: 'type',
  description: 'description',
  confidence: 'confidence',
  valid_until: 'validUntil',
  validuntil: 'validUntil',
};

/**
 * Splits one CSV record. Returns null when a quoted field is still open at the end (the record continues
 * on the next line).
 */
function splitCsv(record: string): string[] | null {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  let field = '';
  let i = 0;
  const n = record.length;
  for (;;) {
    if (i < n && record.charCodeAt(i) === 34) {
      // Quoted field: up to the closing quote; "" is a literal quote.
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q === -1) return null;
        field += record.slice(i, q);
        if (record.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Anything between the closing quote and the comma is kept (lenient, like most spreadsheets).
      const comma = record.indexOf(',', i);
      field += comma === -1 ? record.slice(i) : record.slice(i, comma);
      fields.push(field);
      field = '';
      if (comma === -1) return fields;
      i = comma + 1;
    } else {
      const comma = record.indexOf(',', i);
      fields.push(comma === -1 ? record.slice(i) : record.slice(i, comma));
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

async function* csvItems(chunks: AsyncIterable<string>, ignoredColumns: string[]): AsyncGenerator<ParsedItem[]> {
  let line = 0;
  let columns: Array<keyof Omit<RawItem, 'line'> | null> | null = null;
  let pending: string | null = null;
  let pendingLine = 0;
  for await (const lines of lineGroups(chunks)) {
    const items: ParsedItem[] = [];
    for (const text of lines) {
      line++;
      if (text === null) {
        if (pending !== null) items.push({ line: pendingLine, error: TOO_LONG });
        else items.push({ line, error: TOO_LONG });
        pending = null;
        continue;
      }
      let record: string;
      let recordLine: number;
      if (pending !== null) {
        record = `${pending}\n${text}`;
        recordLine = pendingLine;
      } else {
        record = text;
        recordLine = line;
      }
      const fields = splitCsv(record);
      if (fields === null) {
        if (record.length > MAX_LINE_LENGTH) {
          items.push({ line: recordLine, error: 'a quoted field is never closed' });
          pending = null;
        } else {
          pending = record;
          pendingLine = recordLine;
          items.push({ line, skip: true }); // counted as read; the record is counted where it ends
        }
        continue;
      }
      pending = null;
      if (fields.length === 1 && fields[0]!.trim() === '') {
        items.push({ line: recordLine, skip: true });
        continue;
      }
      if (columns === null) {
        columns = fields.map((f) => CSV_COLUMNS[f.trim().toLowerCase().replace(/[\s-]+/g, '_')] ?? null);
        fields.forEach((f, k) => {
          if (columns![k] === null) ignoredColumns.push(f.trim());
        });
        if (!columns.includes('value')) {
          throw new ImportFormatError(
            `the CSV header (line ${recordLine}) must name a "value" column; it has: ${fields.map((f) => JSON.stringify(f.trim())).join(', ')}`,
          );
        }
        items.push({ line: recordLine, skip: true });
        continue;
      }
      const item: RawItem = { line: recordLine, value: '' };
      for (let k = 0; k < columns.length; k++) {
        const c = columns[k];
        if (c) item[c] = fields[k] ?? '';
      }
      items.push(item);
    }
    if (items.length > 0) yield items;
  }
  if (pending !== null) yield [{ line: pendingLine, error: 'a quoted field is never closed' }];
  if (columns === null) throw new ImportFormatError('the CSV file is empty: expected a header row naming a "value" column');
}

function jsonItem(text: string, line: number): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { line, error: 'not valid JSON' };
  }
  if (typeof parsed === 'string') return { line, value: parsed };
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { line, error: 'expected an object with a "value" key, or a string' };
  }
  const o = parsed as Record<string, unknown>;
  return {
    line,
    value: o.value,
    type: o.type,
    description: o.description,
    confidence: o.confidence,
    validUntil: o.valid_until ?? o.validUntil,
  };
}

async function* jsonLinesItems(chunks: AsyncIterable<string>): AsyncGenerator<ParsedItem[]> {
  let line = 0;
  for await (const lines of lineGroups(chunks)) {
    const items: ParsedItem[] = [];
    for (const text of lines) {
      line++;
      if (text === null) items.push({ line, error: TOO_LONG });
      else if (text.trim().length === 0) items.push({ line, skip: true });
      else items.push(jsonItem(text, line));
    }
    yield items;
  }
}

/**
 * Items of one top-level JSON array, cut out by a scanner that tracks strings and nesting depth and parsed
 * one at a time. Line numbers are those where each item starts.
 */
async function* jsonArrayItems(chunks: AsyncIterable<string>): AsyncGenerator<ParsedItem[]> {
  let line = 1;
  let depth = 0;
  let closed = false;
  let inString = false;
  let escaped = false;
  let inItem = false;
  let itemLine = 0;
  let pending = '';
  let tooLarge = false;
  for await (const chunk of chunks) {
    const items: ParsedItem[] = [];
    let itemStart = 0;
    const endItem = (end: number) => {
      if (tooLarge) items.push({ line: itemLine, error: `the item is longer than ${MAX_LINE_LENGTH} characters` });
      else items.push(jsonItem(pending + chunk.slice(itemStart, end), itemLine));
      pending = '';
      tooLarge = false;
      inItem = false;
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) {
          inString = false;
          if (depth === 1 && inItem) endItem(i + 1); // a bare string item
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (closed) throw new ImportFormatError(`unexpected content after the JSON array (line ${line})`);
      if (depth === 0) {
        if (c !== 91 /* [ */) throw new ImportFormatError(`expected a JSON array or JSON lines (line ${line})`);
        depth = 1;
        continue;
      }
      if (depth === 1 && !inItem && c !== 44 /* , */ && c !== 93 /* ] */) {
        inItem = true;
        itemStart = i;
        itemLine = line;
      }
      if (c === 34) {
        inString = true;
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        depth++;
      } else if (c === 125 /* } */ || (c === 93 && depth > 1)) {
        depth--;
        if (depth === 1 && inItem) endItem(i + 1);
      } else if (depth === 1 && (c === 44 || c === 93)) {
        if (inItem) endItem(i); // a number or literal item
        if (c === 93) {
          depth = 0;
          closed = true;
        }
      }
    }
    if (inItem) {
      if (!tooLarge) pending += chunk.slice(itemStart);
      if (pending.length > MAX_LINE_LENGTH) {
        tooLarge = true;
        pending = '';
      }
    }
    if (items.length > 0) yield items;
  }
  if (!closed) throw new ImportFormatError('the JSON array is not closed with "]"');
}

/** The chunk stream with its first non-blank character peeked (JSON: array or lines?). */
async function peekFirstChar(chunks: AsyncIterator<string>): Promise<{ first: string | null; replay: AsyncIterable<string> }> {
  const seen: string[] = [];
  let first: string | null = null;
  for (;;) {
    const r = await chunks.next();
    if (r.done) break;
    seen.push(r.value);
    const m = /\S/.exec(r.value);
    if (m) {
      first = m[0];
      break;
    }
  }
  async function* replay() {
    yield* seen;
    for (;;) {
      const r = await chunks.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { first, replay: replay() };
}

/** Parsed items of a source in the given format, a group per input chunk. */
export async function* parseImport(
  source: Readable,
  format: ImportFormat,
  counter: ByteCounter = { bytes: 0 },
  ignoredColumns: string[] = [],
): AsyncGenerator<ParsedItem[]> {
  const chunks = decodedChunks(source, counter);
  if (format === 'txt') return yield* txtItems(chunks);
  if (format === 'csv') return yield* csvItems(chunks, ignoredColumns);
  const { first, replay } = await peekFirstChar(chunks[Symbol.asyncIterator]());
  if (first === '[') yield* jsonArrayItems(replay);
  else yield* jsonLinesItems(replay);
}

// ---------------------------------------------------------------------------------------------------
// Validating one item

interface ValidItem {
  type: IndicatorType;
  value: string;
  confidence: number;
  validUntil: Date | null;
  description: string | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A feed's looser date-time (a space for T, no seconds, no zone meaning UTC, +0800) written as RFC 3339. */
function asRfc3339(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text)!;
  const zone = !m[4] ? 'Z' : /^z$/i.test(m[4]) ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  return `${m[1]}T${m[2]}${m[3] ?? ':00'}${zone}`;
}

function fieldText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function checkItem(item: RawItem, defaultConfidence: number): ValidItem | string {
  if (typeof item.value !== 'string') return item.value === undefined || item.value === null ? 'no value' : 'the value must be a string';
  let type: IndicatorType | null = null;
  const typeText = fieldText(item.type);
  if (typeText !== null) {
    type = parseIndicatorType(typeText);
    if (type === null) return `unknown type ${JSON.stringify(typeText)}`;
  }
  const n = normalize(type, item.value);
  if (!n.ok) return n.reason;

  let confidence = defaultConfidence;
  const confidenceText = fieldText(item.confidence);
  if (confidenceText !== null) {
    if (!/^\d{1,3}$/.test(confidenceText) || Number(confidenceText) > 100) {
      return `confidence must be a whole number 0-100, got ${JSON.stringify(confidenceText)}`;
    }
    confidence = Number(confidenceText);
  }

  let validUntil: Date | null = null;
  const untilText = fieldText(item.validUntil);
  if (untilText !== null) {
    // A date alone means through that day (UTC); a time without a zone is UTC.
    // Both are written out as RFC 3339 and checked like every DateTime (calendar, bounds: src/dates.ts).
    let parsed: ReturnType<typeof parseInstant> | null = null;
    if (ISO_DATE.test(untilText)) parsed = parseInstant(`${untilText}T00:00:00Z`);
    else if (ISO_DATE_TIME.test(untilText)) parsed = parseInstant(asRfc3339(untilText));
    if (!parsed) return `valid_until must be an ISO 8601 date or date-time, got ${JSON.stringify(untilText)}`;
    if (!parsed.ok) return `valid_until ${JSON.stringify(untilText)} ${parsed.reason}`;
    validUntil = ISO_DATE.test(untilText) ? new Date(parsed.value.getTime() + 86_400_000) : parsed.value;
    if (tooFarAhead(validUntil, MAX_AHEAD.validUntilDays)) return `valid_until must be at most ${Math.floor(MAX_AHEAD.validUntilDays / 366)} years ahead`;
  }

  let description: string | null = null;
  if (item.description !== undefined && item.description !== null) {
    if (typeof item.description !== 'string') return 'description must be text';
    description = multiLineText(item.description) || null;
    if (description !== null && description.length > MAX_DESCRIPTION_LENGTH) {
      return `description is longer than ${MAX_DESCRIPTION_LENGTH} characters`;
    }
  }
  return { type: n.type, value: n.value, confidence, validUntil, description };
}

// ---------------------------------------------------------------------------------------------------
// Batching and writing

/**
 * The values an import has written so far, approximately, in constant memory: a Bloom filter of 2^27 bits
 * (16 MiB) with 7 probes, fed two independent 32-bit hashes. It only sorts the summary's counts (a value
 * repeated in a later batch is a duplicate, not "already known"); what is written never depends on it.
 * False positives, which would count a known value as a duplicate: about 1 in 10^9 at a million distinct
 * values, 2 in 1,000 at ten million.
 */
export class SeenValues {
  private static readonly BITS_LOG2 = 27;
  private readonly words = new Int32Array(1 << (SeenValues.BITS_LOG2 - 5));

  /** Records a value of a type; true when it (probably) was recorded before. */
  add(type: string, value: string): boolean {
    let h1 = 0x811c9dc5; // FNV-1a
    let h2 = 0x9747b28c; // a multiply-xorshift hash with another constant: independent of h1
    for (let i = 0; i < type.length; i++) {
      const c = type.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    h1 = Math.imul(h1 ^ 9, 0x01000193); // a separator no type name contains
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    h2 |= 1;
    const mask = (1 << SeenValues.BITS_LOG2) - 1;
    let seen = true;
    for (let k = 0; k < 7; k++) {
      const bit = (h1 + Math.imul(k, h2)) & mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((this.words[word]! & flag) === 0) {
        seen = false;
        this.words[word]! |= flag;
      }
    }
    return seen;
  }
}

interface SortedBatch {
  values: ValueBatch;
  /** Per value: it was already in an earlier batch of this import. */
  repeats: boolean[];
}

/** The distinct values of one batch in column arrays; a repeated value overwrites (the later line wins). */
class Batch {
  /** type → value → position in the arrays (no concatenated keys to build and hash per line). */
  private readonly positions = new Map<string, Map<string, number>>();
  types: string[] = [];
  values: string[] = [];
  benignReasons: Array<string | null> = [];
  confidences: number[] = [];
  validUntils: Array<Date | null> = [];
  descriptions: Array<string | null> = [];
  repeats: boolean[] = [];

  get size(): number {
    return this.types.length;
  }

  /** Adds a value; false when it was already in the batch. */
  add(v: ValidItem, benignReason: () => string | null, seen: SeenValues): boolean {
    let ofType = this.positions.get(v.type);
    if (ofType === undefined) {
      ofType = new Map();
      this.positions.set(v.type, ofType);
    }
    const at = ofType.get(v.value);
    if (at !== undefined) {
      this.confidences[at] = v.confidence;
      this.validUntils[at] = v.validUntil;
      this.descriptions[at] = v.description;
      return false;
    }
    ofType.set(v.value, this.types.length);
    this.types.push(v.type);
    this.values.push(v.value);
    this.benignReasons.push(benignReason());
    this.confidences.push(v.confidence);
    this.validUntils.push(v.validUntil);
    this.descriptions.push(v.description);
    this.repeats.push(seen.add(v.type, v.value));
    return true;
  }

  /** The batch sorted by (type, value), so that concurrent imports lock rows in one order. */
  sorted(): SortedBatch {
    const order: number[] = [];
    for (const type of [...this.positions.keys()].sort()) {
      const ofType = this.positions.get(type)!;
      for (const value of [...ofType.keys()].sort()) order.push(ofType.get(value)!);
    }
    const pick = <T>(a: T[]) => order.map((k) => a[k]!);
    return {
      values: {
        types: pick(this.types),
        values: pick(this.values),
        benignReasons: pick(this.benignReasons),
        confidences: pick(this.confidences),
        validUntils: pick(this.validUntils),
        descriptions: pick(this.descriptions),
      },
      repeats: pick(this.repeats),
    };
  }
}

export interface BatchCounts {
  /** Indicators inserted. */
  created: number;
  /** Positions in the batch of the values found already stored; null when the path cannot tell. */
  stored: number[] | null;
  reportsCreated: number;
  reportsUpdated: number;
}

function pick<T>(values: readonly T[], indexes: readonly number[]): T[] {
  return indexes.map((i) => values[i]!);
}

function subset(b: ValueBatch, indexes: readonly number[]): ValueBatch {
  return {
    types: pick(b.types, indexes),
    values: pick(b.values, indexes),
    benignReasons: pick(b.benignReasons, indexes),
    confidences: pick(b.confidences, indexes),
    validUntils: pick(b.validUntils, indexes),
    descriptions: pick(b.descriptions, indexes),
  };
}

/**
 * Writes one batch the fast way (indicators.repository.ts explains why): probe what is stored, insert the
 * new values with plain INSERTs, update only what changed. Fails with a unique violation when a concurrent
 * writer got in between; the caller then runs upsertBatch.
 */
export async function mergeBatch(trx: Handle, b: ValueBatch, report: ReportAttributes, now: Date): Promise<BatchCounts> {
  const stored = await probeBatch(trx, b, report, now);
  const isStored = new Uint8Array(b.types.length);
  const staleIndicatorIds: number[] = [];
  const staleIndicatorIndexes: number[] = [];
  const unreportedIds: number[] = [];
  const unreportedIndexes: number[] = [];
  const staleReportIds: number[] = [];
  const staleReportIndexes: number[] = [];
  for (const s of stored) {
    isStored[s.index] = 1;
    if (s.indicatorStale) {
      staleIndicatorIds.push(s.indicatorId);
      staleIndicatorIndexes.push(s.index);
    }
    if (s.reportId === null) {
      unreportedIds.push(s.indicatorId);
      unreportedIndexes.push(s.index);
    } else if (s.reportStale) {
      staleReportIds.push(s.reportId);
      staleReportIndexes.push(s.index);
    }
  }
  let created = 0;
  if (stored.length < b.types.length) {
    const fresh: number[] = [];
    for (let i = 0; i < isStored.length; i++) if (isStored[i] === 0) fresh.push(i);
    created = await insertNewValues(trx, stored.length === 0 ? b : subset(b, fresh), report, now);
  }
  await refreshIndicators(trx, staleIndicatorIds, pick(b.benignReasons, staleIndicatorIndexes), now);
  const reported = await insertReports(trx, unreportedIds, subset(b, unreportedIndexes), report, now);
  const reportsUpdated = await updateReports(trx, staleReportIds, subset(b, staleReportIndexes), report, now);
  return { created, stored: stored.map((s) => s.index), reportsCreated: created + reported, reportsUpdated };
}

/**
 * Writes one batch of a feed that looks new: values of this batch not seen earlier in the import go straight
 * into plain INSERTs, without the probe; only the repeats of earlier batches (stored by then) are merged.
 * Fails with a unique violation as soon as one value turns out to be stored already (known before the
 * import); the caller then writes the batch with mergeBatch and stops guessing.
 */
export async function insertBatch(trx: Handle, b: ValueBatch, repeats: readonly boolean[], report: ReportAttributes, now: Date): Promise<BatchCounts> {
  const repeatIndexes: number[] = [];
  const freshIndexes: number[] = [];
  for (let i = 0; i < repeats.length; i++) (repeats[i] ? repeatIndexes : freshIndexes).push(i);
  const created = await insertNewValues(trx, repeatIndexes.length === 0 ? b : subset(b, freshIndexes), report, now);
  if (repeatIndexes.length === 0) return { created, stored: [], reportsCreated: created, reportsUpdated: 0 };
  const merged = await mergeBatch(trx, subset(b, repeatIndexes), report, now);
  return {
    created: created + merged.created,
    stored: merged.stored!.map((i) => repeatIndexes[i]!),
    reportsCreated: created + merged.reportsCreated,
    reportsUpdated: merged.reportsUpdated,
  };
}

/** Writes one batch with INSERT … ON CONFLICT: correct under any concurrency, slower in bulk. */
export async function upsertBatch(trx: Handle, b: ValueBatch, report: ReportAttributes, now: Date): Promise<BatchCounts> {
  const indicators = await upsertIndicators(trx, b, now);
  const reports = await upsertReports(trx, b, report, now, now);
  return { created: indicators.inserted, stored: null, reportsCreated: reports.inserted, reportsUpdated: reports.updated };
}

/** A unique violation (a concurrent insert since the probe) or a deadlock: worth one retry on the general path. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40P01';
}

/**
 * Imports indicators from `source` as reports of one organization. Each batch commits on its own: a
 * failure part-way leaves the committed batches in place (re-running the import is harmless: unchanged
 * rows are not rewritten) and throws an IngestError with what was written.
 */
export async function ingestIndicators(db: Db, source: Readable, options: IngestOptions): Promise<IngestResult> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const defaultConfidence = options.defaultConfidence ?? DEFAULT_CONFIDENCE;
  const { isBenign } = options.warningLists;
  const report: ReportAttributes = {
    organizationId: options.organizationId,
    reportedBy: options.reportedBy,
    tlp: options.tlp,
    lawEnforcementSensitive: options.lawEnforcementSensitive,
  };
  const result: IngestResult = {
    lines: 0,
    valid: 0,
    created: 0,
    known: 0,
    duplicates: 0,
    invalid: 0,
    invalidSamples: [],
    benign: 0,
    reports: { created: 0, updated: 0, unchanged: 0 },
    ignoredColumns: [],
    batches: 0,
    ms: 0,
  };
  const counter: ByteCounter = { bytes: 0 };
  let written = 0;
  const progress = () => options.onProgress?.({ bytesRead: counter.bytes, lines: result.lines, written });

  // One transaction per batch; the import's one clock reading stamps every row it writes.
  const now = await databaseNow(db);
  // A feed starts out presumed new (insertBatch: no probe) until a value proves to be stored already;
  // from then on every batch is probed first (mergeBatch).
  let presumedNew = true;
  const write = async ({ values: b, repeats }: SortedBatch) => {
    let r: BatchCounts | null = null;
    if (presumedNew) {
      try {
        r = await db.transaction().execute((trx) => insertBatch(trx, b, repeats, report, now));
      } catch (err) {
        if (!isRetryable(err)) throw err;
        presumedNew = false;
      }
    }
    if (r === null) {
      try {
        r = await db.transaction().execute((trx) => mergeBatch(trx, b, report, now));
      } catch (err) {
        if (!isRetryable(err)) throw err;
        // A concurrent writer stored some of these values since the probe (or locked rows in another
        // order): the ON CONFLICT statements are correct under any concurrency.
        r = await db.transaction().execute((trx) => upsertBatch(trx, b, report, now));
      }
    }
    const distinct = b.types.length;
    // Every distinct value of the batch is new (created now), a repeat of an earlier batch of this file,
    // or known before the import.
    let repeated = 0;
    if (r.stored !== null) {
      for (const i of r.stored) if (repeats[i]) repeated++;
    } else {
      repeated = Math.min(repeats.filter(Boolean).length, distinct - r.created);
    }
    result.created += r.created;
    result.duplicates += repeated;
    result.known += distinct - r.created - repeated;
    result.reports.created += r.reportsCreated;
    result.reports.updated += r.reportsUpdated;
    result.reports.unchanged += distinct - r.reportsCreated - r.reportsUpdated;
    result.batches++;
    written += distinct;
    progress();
  };

  const seen = new SeenValues();
  let batch = new Batch();
  let inFlight: Promise<void> | null = null;
  const flush = async () => {
    if (batch.size === 0) return;
    const b = batch.sorted();
    batch = new Batch();
    if (inFlight) await inFlight;
    inFlight = write(b);
    inFlight.catch(() => {}); // observed by the next await; no unhandled rejection meanwhile
  };

  try {
    for await (const items of parseImport(source, options.format, counter, result.ignoredColumns)) {
      for (const item of items) {
        result.lines++;
        if ('skip' in item) continue;
        const checked = 'error' in item ? item.error : checkItem(item, defaultConfidence);
        if (typeof checked === 'string') {
          result.invalid++;
          if (result.invalidSamples.length < INVALID_SAMPLE_SIZE) result.invalidSamples.push({ line: item.line, reason: checked });
          options.onInvalid?.({ line: item.line, reason: checked });
          continue;
        }
        result.valid++;
        if (batch.add(checked, () => isBenign(checked.type, checked.value), seen)) {
          if (batch.benignReasons[batch.size - 1] !== null) result.benign++;
          if (batch.size >= batchSize) await flush();
        } else {
          result.duplicates++;
        }
      }
      progress();
    }
    await flush();
    if (inFlight) await inFlight;
  } catch (err) {
    // Let a write in flight finish (or fail) before reporting what was committed.
    const last = inFlight as Promise<void> | null; // assigned inside flush(): not narrowed to null
    if (last) await last.catch(() => {});
    result.ms = performance.now() - started;
    throw new IngestError(err, result);
  }
  result.ms = performance.now() - started;
  return result;
}
