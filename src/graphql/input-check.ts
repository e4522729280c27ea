import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { parseInstant } from '../dates.js';
import { InputError } from '../errors.js';
import { unstorableReason } from '../text.js';

/**
 * Checks every string an operation carries, in literals and variables, before anything executes.
 *
 * Refuses a string that no column can store: a NUL character (PostgreSQL text refuses it) or an unpaired
 * UTF-16 surrogate (not Unicode at all; JSON can carry one as `"\ud800"`, GraphQL literals cannot). One
 * check for every argument and input field of the schema, present and future, instead of one per field:
 * without it each such string reached the database and came back as an internal error.
 *
 * A DateTime is checked here too (src/dates.ts), so that its error names the field like every other
 * input error; the scalar checks the same again for anything that reaches it another way.
 *
 * The error names the argument the way resolvers do: `filter.text`, `externalReferences[0].source`; the
 * fields of an `input` object by their own name (`title`, not `input.title`).
 */
export function checkInputValues(): Plugin {
  const check = (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }) => {
    const err = invalidInputIn(args.schema, args.document, args.operationName ?? null, args.variableValues ?? null);
    return err ? { errors: [err] } : null;
  };
  return {
    // Literals are checked before validation, where the scalar would refuse a bad DateTime literal without naming its field.
    onValidate({ params, setResult }) {
      const err = invalidInputIn(params.schema, params.documentAST, undefined, null);
      if (err) setResult([err]);
    },
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

/** Why a string given for an argument or input field of this type is refused, or null. */
function stringProblem(value: string, type: GraphQLInputType | undefined): string | null {
  const reason = unstorableReason(value);
  if (reason) return reason;
  if (type && getNamedType(type).name === 'DateTime') {
    const parsed = parseInstant(value);
    if (!parsed.ok) return `${JSON.stringify(value)} ${parsed.reason}`;
  }
  return null;
}

const itemType = (type: GraphQLInputType | undefined): GraphQLInputType | undefined => {
  const t = type && getNullableType(type);
  return t && isListType(t) ? (t.ofType as GraphQLInputType) : t;
};
const fieldType = (type: GraphQLInputType | undefined, name: string): GraphQLInputType | undefined => {
  const t = type && getNullableType(type);
  return t && isInputObjectType(t) ? t.getFields()[name]?.type : undefined;
};

/**
 * What the check needs of one operation of a document, found by walking it once: the first refused literal
 * (arguments, then variables' defaults), where each variable is used, and each variable's type. Yoga hands
 * every request of the same query text the same parsed document, so the walk (a TypeInfo visit of the whole
 * document) is done once per document and operation; only the variables' values are checked per request.
 */
interface OperationPlan {
  literal: { path: string; reason: string } | null;
  usedAt: ReadonlyMap<string, string>;
  declared: ReadonlyMap<string, GraphQLInputType | undefined>;
}
const plans = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string | null | undefined, OperationPlan>>>();

function planOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): OperationPlan {
  let bySchema = plans.get(schema);
  if (!bySchema) plans.set(schema, (bySchema = new WeakMap()));
  let byOperation = bySchema.get(document);
  if (!byOperation) bySchema.set(document, (byOperation = new Map()));
  let plan = byOperation.get(operationName);
  if (!plan) {
    plan = walkDocument(schema, document, operationName);
    // A document names few operations; a client sending ever new operation names gets no more than this kept.
    if (byOperation.size < 16) byOperation.set(operationName, plan);
  }
  return plan;
}

function walkDocument(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): OperationPlan {
  // Where each variable is used, so that an error names the argument rather than the client's variable.
  const usedAt = new Map<string, string>();
  let literal: OperationPlan['literal'] = null;
  const refuse = (path: string, reason: string) => {
    literal ??= { path, reason };
  };

  const walkLiteral = (node: ValueNode, type: GraphQLInputType | undefined, path: string): void => {
    switch (node.kind) {
      case Kind.STRING: {
        const problem = stringProblem(node.value, type);
        if (problem) refuse(path, problem);
        return;
      }
      case Kind.LIST:
        node.values.forEach((v, i) => walkLiteral(v, itemType(type), `${path}[${i}]`));
        return;
      case Kind.OBJECT:
        for (const f of node.fields) walkLiteral(f.value, fieldType(type, f.name.value), `${path}.${f.name.value}`);
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
  const typeInfo = new TypeInfo(schema);
  const walked = document.definitions.filter((d) => operationName === undefined || d === op || d.kind === Kind.FRAGMENT_DEFINITION);
  for (const node of walked) {
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Argument(arg) {
          walkLiteral(arg.value, typeInfo.getInputType() ?? undefined, arg.name.value);
          return false;
        },
      }),
    );
  }
  const declared = new Map<string, GraphQLInputType | undefined>();
  for (const def of op?.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
    declared.set(name, type);
    if (def.defaultValue) walkLiteral(def.defaultValue, type, usedAt.get(name) ?? name);
  }
  return { literal, usedAt, declared };
}

/** The first argument or variable of the operation that carries a refused string, as an InputError. */
export function invalidInputIn(
  schema: GraphQLSchema,
  document: DocumentNode,
  /** undefined: every operation of the document (before validation, without variables). */
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null,
): InputError | null {
  const { literal, usedAt, declared } = planOf(schema, document, operationName);
  if (literal) return new InputError(fieldName(literal.path), literal.reason);
  let found: InputError | null = null;
  const walkValue = (value: unknown, type: GraphQLInputType | undefined, path: string): void => {
    if (typeof value === 'string') {
      const problem = stringProblem(value, type);
      if (problem) found ??= new InputError(fieldName(path), problem);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walkValue(v, itemType(type), `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      // itemType: an object given for a list of objects is coerced to a list of one (GraphQL input coercion).
      for (const [k, v] of Object.entries(value)) walkValue(v, fieldType(itemType(type), k), `${path}.${k}`);
    }
  };
  for (const [name, value] of Object.entries(variables ?? {})) walkValue(value, declared.get(name), usedAt.get(name) ?? name);
  return found;
}

function fieldName(path: string): string {
  return path.startsWith('input.') ? path.slice('input.'.length) : path;
}
