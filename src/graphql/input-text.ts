import { Kind, visit, type DocumentNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InputError } from '../errors.js';

/**
 * Refuses, before anything executes, every operation whose arguments carry a string that no column can
 * store: a NUL character (PostgreSQL text refuses it) or an unpaired UTF-16 surrogate (not Unicode at all;
 * JSON can carry one as `"\ud800"`, GraphQL literals cannot). One check for every argument and input field
 * of the schema, present and future, instead of one per field: without it each such string reached the
 * database and came back as an internal error.
 *
 * The error names the argument the way resolvers do: `filter.text`, `externalReferences[0].source`; the
 * fields of an `input` object by their own name (`title`, not `input.title`).
 */
export function refuseUnstorableText(): Plugin {
  const check = (args: { document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }) => {
    const err = unstorableTextIn(args.document, args.operationName ?? null, args.variableValues ?? null);
    return err ? { errors: [err] } : null;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const result = check(args);
      if (result) setResultAndStopExecution(result);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const result = check(args);
      if (result) setResultAndStopExecution(result);
    },
  };
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null when it can. */
export function unstorableReason(value: string): string | null {
  const m = UNSTORABLE.exec(value);
  if (!m) return null;
  return m[0] === '\u0000' ? 'must not contain NUL characters' : 'must not contain unpaired surrogates (not valid Unicode)';
}

/** The first argument or variable of the operation that carries an unstorable string, as an InputError. */
export function unstorableTextIn(
  document: DocumentNode,
  operationName: string | null,
  variables: Record<string, unknown> | null,
): InputError | null {
  // Where each variable is used, so that an error names the argument rather than the client's variable.
  const usedAt = new Map<string, string>();
  let found: InputError | null = null;

  const walkLiteral = (node: ValueNode, path: string): void => {
    if (found) return;
    switch (node.kind) {
      case Kind.STRING: {
        const reason = unstorableReason(node.value);
        if (reason) found = new InputError(fieldName(path), reason);
        return;
      }
      case Kind.LIST:
        node.values.forEach((v, i) => walkLiteral(v, `${path}[${i}]`));
        return;
      case Kind.OBJECT:
        for (const f of node.fields) walkLiteral(f.value, `${path}.${f.name.value}`);
        return;
      case Kind.VARIABLE:
        if (!usedAt.has(node.name.value)) usedAt.set(node.name.value, path);
        return;
      default:
        return;
    }
  };

  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  // Arguments of fields and directives, in the operation and in every fragment it may spread.
  const nodes = document.definitions.filter((d) => d === op || d.kind === Kind.FRAGMENT_DEFINITION);
  for (const node of nodes) {
    visit(node, {
      Field(field) {
        for (const a of field.arguments ?? []) walkLiteral(a.value, a.name.value);
      },
      Directive(directive) {
        for (const a of directive.arguments ?? []) walkLiteral(a.value, a.name.value);
      },
    });
    if (found) return found;
  }

  const walkValue = (value: unknown, path: string): void => {
    if (found) return;
    if (typeof value === 'string') {
      const reason = unstorableReason(value);
      if (reason) found = new InputError(fieldName(path), reason);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walkValue(v, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walkValue(v, `${path}.${k}`);
    }
  };
  for (const def of op?.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (def.defaultValue) walkLiteral(def.defaultValue, usedAt.get(name) ?? name);
  }
  for (const [name, value] of Object.entries(variables ?? {})) walkValue(value, usedAt.get(name) ?? name);
  return found;
}

function fieldName(path: string): string {
  return path.startsWith('input.') ? path.slice('input.'.length) : path;
}
