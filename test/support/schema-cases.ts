import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { SCHEMA_PATH } from '../../src/graphql/yoga.js';

/**
 * Every argument and input field of the schema, enumerated, for class tests: a sample value of each
 * argument with every optional field present, and the path of each leaf of a given scalar type.
 */

export const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value of the type with every optional field present, so that each string leaf has a path. */
function sample(type: GraphQLInputType, seen: string[] = []): Json {
  if (isNonNullType(type)) return sample(type.ofType, seen);
  if (isListType(type)) return [sample(type.ofType, seen)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    if (seen.includes(type.name)) return null;
    const out: Record<string, Json> = {};
    for (const f of Object.values(type.getFields())) out[f.name] = sample(f.type, [...seen, type.name]);
    return out;
  }
  switch (type.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '2026-11-03T21:00:00Z';
    case 'JSON':
      return {};
    default:
      return 'x';
  }
}

export type Path = Array<string | number>;

/** Paths of the leaves of a scalar type the predicate picks. */
function leafPaths(type: GraphQLInputType, value: Json, path: Path, pick: (scalar: string) => boolean): Path[] {
  if (isNonNullType(type)) return leafPaths(type.ofType, value, path, pick);
  if (isListType(type)) return Array.isArray(value) ? value.flatMap((v, i) => leafPaths(type.ofType, v, [...path, i], pick)) : [];
  if (isInputObjectType(type)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.values(type.getFields()).flatMap((f) => leafPaths(f.type, value[f.name]!, [...path, f.name], pick));
  }
  if (isScalarType(type) && pick(type.name)) return [path];
  return [];
}

export function setAt(root: Record<string, Json>, path: Path, v: string): Record<string, Json> {
  const copy = structuredClone(root);
  let node: any = copy;
  for (const p of path.slice(0, -1)) node = node[p];
  node[path[path.length - 1]!] = v;
  return copy;
}

/** The field name the hub reports: `filter.text`, `externalReferences[0].source` (fields of `input` by their own name). */
export function fieldName(path: Path): string {
  const s = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return s.startsWith('input.') ? s.slice('input.'.length) : s;
}

export function literal(type: GraphQLInputType, value: Json): string {
  if (value === null) return 'null';
  if (isNonNullType(type)) return literal(type.ofType, value);
  if (isListType(type)) return `[${(value as Json[]).map((v) => literal(type.ofType, v)).join(', ')}]`;
  if (isEnumType(type)) return String(value);
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return `{ ${Object.entries(value as Record<string, Json>).map(([k, v]) => `${k}: ${literal(fields[k]!.type, v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

export function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const t = getNamedType(field.type);
  return isObjectType(t) || isAbstractType(t) ? ' { __typename }' : '';
}

export interface Case {
  name: string;
  operation: 'query' | 'mutation' | 'subscription';
  field: GraphQLField<unknown, unknown>;
  args: Record<string, Json>;
  path: Path;
}

export function casesOf(root: GraphQLObjectType, operation: Case['operation'], pick: (scalar: string) => boolean): Case[] {
  const out: Case[] = [];
  for (const field of Object.values(root.getFields())) {
    const args: Record<string, Json> = {};
    for (const a of field.args) args[a.name] = sample(a.type);
    for (const a of field.args) {
      for (const path of leafPaths(a.type, args[a.name]!, [a.name], pick)) out.push({ name: `${field.name}(${fieldName(path)})`, operation, field, args, path });
    }
  }
  return out;
}

/** A document calling the field with each argument passed as a variable of its own type. */
export function variablesDocument(c: Case): string {
  const defs = c.field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const uses = c.field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${c.operation}${defs ? `(${defs})` : ''} { ${c.field.name}${uses ? `(${uses})` : ''}${selectionOf(c.field)} }`;
}

/** A document calling the field with the values written as literals. */
export function literalDocument(c: Case, values: Record<string, Json>): string {
  const uses = c.field.args.map((a) => `${a.name}: ${literal(a.type, values[a.name]!)}`).join(', ');
  return `${c.operation} { ${c.field.name}(${uses})${selectionOf(c.field)} }`;
}
