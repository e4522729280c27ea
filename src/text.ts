/**
 * Text written by people, made to look like what it says. A title with a line break, or with a
 * right-to-left override, displayed elsewhere (a page's e-mail, a console list, an audit export) can pose
 * as a line of the hub's own, or read differently from the characters stored. Inputs are normalized once,
 * when they arrive; messages render them again with quoteLine/quoteBlock, for rows older than this.
 */

/** Bidirectional embeddings, overrides and isolates: they reorder what follows them on display. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** Invisible characters: bidi marks, zero-width space/joiners, word joiner and invisible operators, BOM, Mongolian vowel separator. */
const INVISIBLE = /[\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;
/** Line and paragraph breaks of every kind, and tabs. */
const BREAKS = /\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Other C0 and C1 control characters (NUL is refused before this: src/graphql/input-check.ts). */
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/g;

/**
 * A title, a name, a label: NFC, every line break and tab a space, bidi controls and invisible characters
 * removed, spaces collapsed, trimmed.
 */
export function singleLineText(value: string): string {
  return value
    .normalize('NFC')
    .replace(BIDI_CONTROLS, '')
    .replace(INVISIBLE, '')
    .replace(BREAKS, ' ')
    .replace(CONTROLS, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * A summary, a comment, a description: NFC, line breaks as \n, bidi embeddings, overrides and isolates
 * removed (they can hide or reorder text across lines); tabs and zero-width joiners kept (emoji, scripts
 * that need them), other control characters removed; trimmed.
 */
export function multiLineText(value: string): string {
  return value
    .normalize('NFC')
    .replace(BIDI_CONTROLS, '')
    .replace(/\r\n|[\r\v\f\u0085\u2028\u2029]/g, '\n')
    .replace(CONTROLS, '')
    .trim();
}

/** Cuts to `max` characters (code points kept whole), marking the cut. */
export function capText(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}

/** User text on one line of a message, quoted so that it cannot pass for a line of the hub's own. */
export function quoteLine(value: string, max: number): string {
  return JSON.stringify(capText(singleLineText(value), max));
}

/** User text as a block of a message: every line behind `> `, so that none can pass for one of the hub's. */
export function quoteBlock(value: string, maxChars: number, maxLines: number): string {
  const lines = capText(multiLineText(value), maxChars).split('\n');
  const kept = lines.length > maxLines ? [...lines.slice(0, maxLines), '…'] : lines;
  return kept.map((l) => `> ${l.replace(INVISIBLE, '')}`.trimEnd()).join('\n');
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a string cannot be stored, or null when it can: a NUL character (PostgreSQL text refuses it) or an
 * unpaired UTF-16 surrogate (not Unicode at all). Checked at the edge of every adapter (GraphQL:
 * src/graphql/input-check.ts; the console: src/web/console.tsx) before anything reaches the database.
 */
export function unstorableReason(value: string): string | null {
  const m = UNSTORABLE.exec(value);
  if (!m) return null;
  return m[0] === '\u0000' ? 'must not contain NUL characters' : 'must not contain unpaired surrogates (not valid Unicode)';
}
