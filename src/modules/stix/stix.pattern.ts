import type { IndicatorType } from '../../domain/indicator-types.js';

/**
 * STIX 2.1 patterns in: a small parser of the pattern grammar (observation expressions in brackets,
 * AND / OR / FOLLOWEDBY between them, qualifiers, comparisons with every operator and literal kind), then
 * the comparisons the hub can represent as indicator values. MISP's compound patterns
 * (`network-traffic:dst_ref.value`, `domain-name:resolves_to_refs[*].value`, `*_ref.type` conditions) map
 * to values too; everything else is listed as not represented, never silently dropped.
 */

export class PatternError extends Error {}

export interface Comparison {
  objectType: string;
  /** The property path as written after the colon, e.g. `hashes.'SHA-256'`, `dst_ref.value`. */
  path: string;
  operator: string;
  negated: boolean;
  /** String literals unescaped; other literals as written. */
  value: string;
  literalKind: 'string' | 'other';
}

type Token = { kind: 'lbr' | 'rbr' | 'lpar' | 'rpar' | 'comma' | 'word' | 'string' | 'path' | 'op' | 'other'; text: string; at: number };

const OPS = ['<=', '>=', '!=', '=', '<', '>'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (ch === '[') out.push({ kind: 'lbr', text: ch, at }), i++;
    else if (ch === ']') out.push({ kind: 'rbr', text: ch, at }), i++;
    else if (ch === '(') out.push({ kind: 'lpar', text: ch, at }), i++;
    else if (ch === ')') out.push({ kind: 'rpar', text: ch, at }), i++;
    else if (ch === ',') out.push({ kind: 'comma', text: ch, at }), i++;
    else if (ch === "'" || ((ch === 'b' || ch === 'h' || ch === 't') && src[i + 1] === "'")) {
      const prefixed = ch !== "'";
      i += prefixed ? 2 : 1;
      let text = '';
      let closed = false;
      while (i < src.length) {
        const c = src[i]!;
        if (c === '\\') {
          const next = src[i + 1];
          if (next !== "'" && next !== '\\') throw new PatternError(`invalid escape "\\${next ?? ''}" at offset ${i} (only \\' and \\\\ are allowed)`);
          text += next;
          i += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          i++;
          break;
        }
        text += c;
        i++;
      }
      if (!closed) throw new PatternError(`unterminated string literal starting at offset ${at}`);
      if (prefixed && ch === 't' && Number.isNaN(Date.parse(text))) throw new PatternError(`invalid timestamp literal t'${text}' at offset ${at}`);
      out.push({ kind: prefixed ? 'other' : 'string', text, at });
    } else if (OPS.some((o) => src.startsWith(o, i))) {
      const op = OPS.find((o) => src.startsWith(o, i))!;
      out.push({ kind: 'op', text: op, at });
      i += op.length;
    } else if (/[A-Za-z0-9_-]/.test(ch)) {
      // A word, a number, or an object path (type:prop.'quoted key'[*].prop).
      let j = i;
      while (j < src.length && /[A-Za-z0-9_.-]/.test(src[j]!)) j++;
      if (src[j] === ':') {
        j++;
        while (j < src.length) {
          const c = src[j]!;
          if (/[A-Za-z0-9_.-]/.test(c)) j++;
          else if (c === "'") {
            const end = src.indexOf("'", j + 1);
            if (end < 0) throw new PatternError(`unterminated quoted property name at offset ${j}`);
            j = end + 1;
          } else if (c === '[') {
            const end = src.indexOf(']', j);
            if (end < 0 || !/^\[(\*|\d+)\]$/.test(src.slice(j, end + 1))) throw new PatternError(`invalid list index at offset ${j}`);
            j = end + 1;
          } else break;
        }
        out.push({ kind: 'path', text: src.slice(i, j), at });
      } else {
        out.push({ kind: 'word', text: src.slice(i, j), at });
      }
      i = j;
    } else {
      throw new PatternError(`unexpected character ${JSON.stringify(ch)} at offset ${i}`);
    }
  }
  return out;
}

const COMPARISON_WORDS = new Set(['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);
const QUALIFIERS = new Set(['WITHIN', 'REPEATS', 'START']);

/** The most common pattern, one comparison of a simple property (`[ipv4-addr:value = '…']`): no tokenizer needed. */
const SIMPLE = /^\[([a-z0-9]+(?:-[a-z0-9]+)*):([a-z_]+) (=|ISSUBSET) '((?:[^'\\]|\\['\\])*)'\]$/;

/** Parses a STIX 2.1 pattern; throws PatternError naming the problem and its offset. */
export function parsePattern(src: string): Comparison[] {
  const simple = SIMPLE.exec(src);
  if (simple) return [{ objectType: simple[1]!, path: simple[2]!, operator: simple[3]!, negated: false, value: simple[4]!.replace(/\\(['\\])/g, '$1'), literalKind: 'string' }];
  const tokens = tokenize(src);
  let pos = 0;
  const comparisons: Comparison[] = [];
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];
  const expect = (kind: Token['kind'], what: string) => {
    const t = take();
    if (!t || t.kind !== kind) throw new PatternError(`expected ${what} ${t ? `at offset ${t.at}, found ${JSON.stringify(t.text)}` : 'at the end'}`);
    return t;
  };
  const isWord = (t: Token | undefined, ...words: string[]) => t?.kind === 'word' && words.includes(t.text);

  function comparisonTerm(): void {
    if (peek()?.kind === 'lpar') {
      take();
      comparisonExpr();
      expect('rpar', '")"');
      return;
    }
    const path = expect('path', 'an object path (type:property)');
    const colon = path.text.indexOf(':');
    const objectType = path.text.slice(0, colon);
    const prop = path.text.slice(colon + 1);
    if (!/^([a-z0-9]+-)*[a-z0-9]+$/.test(objectType) || prop === '') throw new PatternError(`invalid object path ${JSON.stringify(path.text)} at offset ${path.at}`);
    let negated = false;
    if (isWord(peek(), 'NOT')) {
      take();
      negated = true;
    }
    const opTok = take();
    if (!opTok || !(opTok.kind === 'op' || (opTok.kind === 'word' && COMPARISON_WORDS.has(opTok.text)))) {
      throw new PatternError(`expected a comparison operator after ${path.text} ${opTok ? `at offset ${opTok.at}` : 'at the end'}`);
    }
    let value: string;
    let literalKind: Comparison['literalKind'] = 'other';
    if (opTok.text === 'IN') {
      expect('lpar', '"(" after IN');
      const items: string[] = [];
      for (;;) {
        const lit = take();
        if (!lit || !(lit.kind === 'string' || lit.kind === 'other' || lit.kind === 'word')) throw new PatternError(`expected a literal in the IN list`);
        items.push(lit.text);
        if (peek()?.kind === 'comma') take();
        else break;
      }
      expect('rpar', '")" closing the IN list');
      value = items.join(',');
    } else {
      const lit = take();
      if (!lit || !(lit.kind === 'string' || lit.kind === 'other' || (lit.kind === 'word' && /^(-?\d+(\.\d+)?|true|false)$/.test(lit.text)))) {
        throw new PatternError(`expected a literal after ${path.text} ${opTok.text} ${lit ? `at offset ${lit.at}` : 'at the end'}`);
      }
      value = lit.text;
      literalKind = lit.kind === 'string' ? 'string' : 'other';
    }
    comparisons.push({ objectType, path: prop, operator: opTok.text, negated, value, literalKind });
  }

  function comparisonExpr(): void {
    comparisonTerm();
    while (isWord(peek(), 'AND', 'OR')) {
      take();
      comparisonTerm();
    }
  }

  function qualifiers(): void {
    for (;;) {
      const t = peek();
      if (!isWord(t, ...QUALIFIERS)) return;
      take();
      if (t!.text === 'WITHIN') {
        const n = take();
        if (!n || n.kind !== 'word' || !/^\d+(\.\d+)?$/.test(n.text)) throw new PatternError('WITHIN needs a number of SECONDS');
        if (!isWord(take(), 'SECONDS')) throw new PatternError('WITHIN n must be followed by SECONDS');
      } else if (t!.text === 'REPEATS') {
        const n = take();
        if (!n || n.kind !== 'word' || !/^\d+$/.test(n.text)) throw new PatternError('REPEATS needs a whole number');
        if (!isWord(take(), 'TIMES')) throw new PatternError('REPEATS n must be followed by TIMES');
      } else {
        if (take()?.kind !== 'other') throw new PatternError("START needs a timestamp literal t'…'");
        if (!isWord(take(), 'STOP') || take()?.kind !== 'other') throw new PatternError("START t'…' must be followed by STOP t'…'");
      }
    }
  }

  function observation(): void {
    const t = peek();
    if (t?.kind === 'lpar') {
      take();
      observationExpr();
      expect('rpar', '")"');
    } else {
      expect('lbr', '"[" opening an observation expression');
      comparisonExpr();
      expect('rbr', '"]" closing the observation expression');
    }
    qualifiers();
  }

  function observationExpr(): void {
    observation();
    while (isWord(peek(), 'AND', 'OR', 'FOLLOWEDBY')) {
      take();
      observation();
    }
  }

  if (tokens.length === 0) throw new PatternError('the pattern is empty');
  observationExpr();
  if (pos < tokens.length) throw new PatternError(`unexpected ${JSON.stringify(tokens[pos]!.text)} at offset ${tokens[pos]!.at}`);
  return comparisons;
}

export interface PatternValues {
  values: Array<{ type: IndicatorType | null; value: string }>;
  /** Comparisons the hub cannot represent, as written ("process:name = 'x'"). */
  notRepresented: string[];
}

const HASHES: Record<string, IndicatorType> = { MD5: 'MD5', 'SHA-1': 'SHA1', SHA1: 'SHA1', 'SHA-256': 'SHA256', SHA256: 'SHA256' };

function ipType(objectType: string, value: string, operator: string): IndicatorType | null {
  if (operator === 'ISSUBSET' || value.includes('/')) return 'CIDR';
  if (objectType === 'ipv4-addr') return 'IPV4';
  if (objectType === 'ipv6-addr') return 'IPV6';
  return null;
}

/** The comparisons of a parsed pattern as hub indicator values (type null: let normalize detect it). */
export function valuesOfPattern(comparisons: readonly Comparison[]): PatternValues {
  const values: PatternValues['values'] = [];
  const notRepresented: string[] = [];
  for (const c of comparisons) {
    const text = `${c.objectType}:${c.path} ${c.negated ? 'NOT ' : ''}${c.operator} '${c.value}'`;
    // MISP's `network-traffic:dst_ref.type = 'ipv4-addr'` only says what the next comparison's value is.
    if (/(_ref|_refs\[\*\]|_refs\[\d+\])\.type$/.test(c.path) && c.operator === '=' && !c.negated) continue;
    const exact = !c.negated && c.literalKind === 'string' && (c.operator === '=' || c.operator === 'ISSUBSET');
    if (!exact) {
      notRepresented.push(text);
      continue;
    }
    const v = c.value;
    let type: IndicatorType | null | undefined;
    const p = c.path;
    switch (c.objectType) {
      case 'ipv4-addr':
      case 'ipv6-addr':
        type = p === 'value' ? ipType(c.objectType, v, c.operator) : undefined;
        break;
      case 'domain-name':
        if (p === 'value') type = 'DOMAIN';
        else if (/^resolves_to_refs\[(\*|\d+)\]\.value$/.test(p)) type = null;
        break;
      case 'url':
        if (p === 'value') type = 'URL';
        break;
      case 'email-addr':
        if (p === 'value') type = 'EMAIL';
        break;
      case 'email-message':
        if (/^(from_ref|sender_ref|to_refs\[(\*|\d+)\]|cc_refs\[(\*|\d+)\])\.value$/.test(p)) type = 'EMAIL';
        break;
      case 'network-traffic':
        if (/^(src_ref|dst_ref)\.value$/.test(p)) type = v.includes('/') || c.operator === 'ISSUBSET' ? 'CIDR' : null;
        break;
      case 'file': {
        const m = /^hashes\.(?:'([^']+)'|([A-Za-z0-9-]+))$/.exec(p);
        if (m) type = HASHES[(m[1] ?? m[2])!.toUpperCase()];
        break;
      }
      case 'x-estf-phone-number':
        if (p === 'value') type = 'PHONE';
        break;
      case 'user-account':
        if (p === 'user_id') type = 'SOCIAL_ACCOUNT';
        break;
    }
    if (type === undefined) notRepresented.push(text);
    else values.push({ type, value: v });
  }
  return { values, notRepresented };
}
