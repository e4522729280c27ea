import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isListType,
  getNullableType,
  typeFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { errorExtensions } from '../errors.js';
import { PAGE_DEFAULT, PAGE_MAX } from './pagination.js';
import { MAX_BATCH } from '../modules/indicators/index.js';

/**
 * The cost of an operation, computed with its variables' values before anything executes.
 *
 * A validation rule cannot do it: validation is cached per document and never sees the variables, so
 * `incidents(first: $n)` cost as if `$n` were 1, and sixteen aliases of `incidents(first: $n) { timeline(first:
 * $n) comments(first: $n) }` with n = 500 ran 4–9 k SQL statements and drained the pool. Here:
 *
 * - a field of an object type costs 1 (it may be a query) plus the cost of its selection; a scalar costs 0,
 *   except a connection's totalCount, which costs 2 (a count statement or two, per connection asked for:
 *   `timeline(first: 0) { totalCount }` under each of 166 incidents is 166 counts, not nothing) and is not
 *   multiplied by its own page's first;
 * - a field with a `first` argument (a page) multiplies the cost of its selection by `first` (its value,
 *   literal or from a variable; 50 when absent; values beyond 500 count as 500, and the resolver refuses them);
 * - a list that is not a page, with a page somewhere below it, multiplies like a page of 50: that page is a
 *   statement per item of the list (48 indicators × 50 linked incidents × a timeline page each otherwise cost
 *   as if every indicator had one linked incident);
 * - a fragment costs what it selects at each of its spreads (each fragment is walked once, not per spread);
 * - aliases add up: the cost is the request's, not a field's.
 *
 * A 50-incident dashboard with each incident's last 20 timeline entries and comments costs about 6,400; a page
 * of 500 incidents with their usual fields about 2,500; 100 incidents × 100 timeline entries about 20,000.
 *
 * Inputs that are lists of work (matchObservables' values, reportIndicators' items) are capped per request,
 * across aliases, at their per-call maximum: ten aliases of 10,000 values are 100,000 look-ups.
 */

export const MAX_COST = 10_000;

/** What a connection's totalCount costs: its count runs one or two statements of its own (see above). */
export const TOTAL_COUNT_COST = 2;

/** Root fields whose list argument is work per item: at most MAX_BATCH items in a request, all aliases together. */
const BATCH_ARGUMENTS: Record<string, { argument: string; what: string }> = {
  'Query.matchObservables': { argument: 'values', what: 'values to match' },
  'Mutation.reportIndicators': { argument: 'input', what: 'indicator reports' },
};

/**
 * Scalar fields that are whole exports (a scalar otherwise costs 0): what they read is a page of the size
 * given here. `mispEvent` reads every indicator linked to an incident, in pages of 500: two in one request
 * make it heavy.
 */
const EXPORT_FIELD_COST: Record<string, number> = {
  'Query.mispEvent': 500,
};

export class QueryTooCostlyError extends GraphQLError {
  constructor(cost: number) {
    super(
      `Query cost limit of ${MAX_COST.toLocaleString('en-US')} exceeded: this operation costs ${cost.toLocaleString('en-US')} with its variables. ` +
        'Ask for smaller pages (first), fewer nested pages or fewer aliases, and page with after.',
      { extensions: errorExtensions('QUERY_TOO_COSTLY', { cost, maxCost: MAX_COST }) },
    );
  }
}

interface Walk {
  cost: number;
  paged: boolean;
  /** Cost paid once per parent whatever the parent page's first (a connection's totalCount). */
  once: number;
}

export interface OperationCost {
  cost: number;
  /** Items of each batch argument, summed over the request (key: `Type.field`). */
  batches: Record<string, number>;
}

/** The operation's cost with these variables; null when the variables do not coerce (execution refuses them). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): OperationCost | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const batches: Record<string, number> = {};
  const fragmentCosts = new Map<string, Walk & { items: Record<string, number> }>();

  const argumentsOf = (field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1]) => {
    try {
      return getArgumentValues(field, node, variables);
    } catch {
      return {};
    }
  };

  /** The cost of a selection, and whether it holds a page (a statement per parent item). */
  const costOf = (type: GraphQLCompositeType, selectionSet: SelectionSetNode, visiting: Set<string>): Walk => {
    let total = 0;
    let paged = false;
    let once = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? typeFromAST(schema, selection.typeCondition) : type;
        if (on && isCompositeType(on)) {
          const inner = costOf(on, selection.selectionSet, visiting);
          total += inner.cost;
          once += inner.once;
          paged ||= inner.paged;
        }
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // Validation refuses fragment cycles; the guard only keeps a bad document from recursing forever.
        if (!fragment || visiting.has(fragment.name.value)) continue;
        // Each fragment is walked once and its cost (and batch items) added at every spread: walking it at
        // every spread is exponential (30 fragments each spreading the next twice are 2^30 walks, minutes of
        // a blocked event loop for a few hundred tokens).
        let known = fragmentCosts.get(fragment.name.value);
        if (!known) {
          const on = typeFromAST(schema, fragment.typeCondition);
          const before = { ...batches };
          const inner = on && isCompositeType(on) ? costOf(on, fragment.selectionSet, new Set(visiting).add(fragment.name.value)) : { cost: 0, paged: false, once: 0 };
          const items: Record<string, number> = {};
          for (const [key, n] of Object.entries(batches)) if (n !== (before[key] ?? 0)) items[key] = n - (before[key] ?? 0);
          known = { ...inner, items };
          fragmentCosts.set(fragment.name.value, known);
          total += inner.cost;
          once += inner.once;
          paged ||= inner.paged;
          continue;
        }
        total += known.cost;
        once += known.once;
        paged ||= known.paged;
        for (const [key, n] of Object.entries(known.items)) batches[key] = (batches[key] ?? 0) + n;
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__') || !('getFields' in type)) continue;
      const field = type.getFields()[name];
      if (!field) continue;
      const batch = BATCH_ARGUMENTS[`${type.name}.${name}`];
      const args = field.args.length > 0 ? argumentsOf(field, selection) : {};
      if (batch) {
        const items = args[batch.argument];
        if (Array.isArray(items)) batches[`${type.name}.${name}`] = (batches[`${type.name}.${name}`] ?? 0) + items.length;
      }
      const named = getNamedType(field.type);
      if (name === 'totalCount' && type.name.endsWith('Connection')) {
        once += TOTAL_COUNT_COST;
        continue;
      }
      const exportCost = EXPORT_FIELD_COST[`${type.name}.${name}`];
      if (exportCost !== undefined) total += exportCost;
      if (!selection.selectionSet || !isCompositeType(named)) continue;
      const inner = costOf(named, selection.selectionSet, visiting);
      let multiplier = 1;
      if (field.args.some((a) => a.name === 'first')) {
        const first = args.first;
        multiplier = typeof first === 'number' && Number.isFinite(first) ? Math.min(Math.max(Math.trunc(first), 0), PAGE_MAX) : PAGE_DEFAULT;
        paged = true;
      } else if (inner.paged && isListType(getNullableType(field.type)) && !type.name.endsWith('Connection')) {
        // A list that is not a page (linkedIncidents, matches, alertSubscriptions…) with a page below it: that
        // page is a statement per item, so it counts as if the list held a default page of items. (The edges
        // of a connection are its page's items, already counted by first.)
        multiplier = PAGE_DEFAULT;
      }
      paged ||= inner.paged;
      // A page's totalCount is counted once for the page; below any other field, once per item of it.
      total += field.args.some((a) => a.name === 'first') ? 1 + multiplier * inner.cost + inner.once : 1 + multiplier * (inner.cost + inner.once);
    }
    return { cost: total, paged, once };
  };

  const walk = costOf(root, operation.selectionSet, new Set());
  return { cost: walk.cost + walk.once, batches };
}

/**
 * Heavy operations: a cost of HEAVY_COST or more, or HEAVY_BATCH_ITEMS or more values or items to work on.
 * They run at most ESTF_HEAVY_REQUESTS_MAX at a time per API process (the rest wait up to
 * ESTF_HEAVY_REQUESTS_WAIT, then RATE_LIMITED), so that however many heavy readers loop, they hold at most
 * that many of the API pool's connections and a filing or an acknowledgement finds one at once. The README's
 * 50-incident dashboard (cost about 6,600) is heavy; a page of 50 incidents with their usual fields is not.
 */
export const HEAVY_COST = 1_000;
export const HEAVY_BATCH_ITEMS = 1_000;

/** Seconds a heavy operation refused for want of a slot is asked to wait. */
const HEAVY_RETRY_AFTER_SECONDS = 5;

/** A counting semaphore whose waiters give up after a while (first come, first served). */
class Slots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  /** Resolves true with a slot taken, or false when none came within waitMs. */
  acquire(waitMs: number): Promise<boolean> {
    if (this.inUse < this.max) {
      this.inUse++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      }, waitMs);
      this.waiting.push(grant);
    });
  }
  release(): void {
    const next = this.waiting.shift();
    // The slot passes to the next waiter as it is: inUse stays the same.
    if (next) next();
    else this.inUse--;
  }
}

/**
 * Refuses, before execution, an operation over the cost limit or over a per-request batch limit, and admits
 * heavy queries and mutations at most `heavy.max` at a time (see HEAVY_COST).
 */
export function limitCost(heavy: { max: number; waitMs: number } = { max: 4, waitMs: 10_000 }): Plugin {
  const slots = new Slots(heavy.max);
  const refusedForNow = () =>
    new GraphQLError(
      `Too many heavy requests at once: at most ${heavy.max} run at a time on this server and this one waited ${heavy.waitMs.toLocaleString('en-US')} ms for its turn. ` +
        'Retry later, or ask for smaller pages (first) or fewer values.',
      { extensions: errorExtensions('RATE_LIMITED', { http: { status: 429, headers: { 'retry-after': String(HEAVY_RETRY_AFTER_SECONDS) } } }) },
    );
  const check = (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }): GraphQLError | 'heavy' | null => {
    const measured = operationCost(args.schema, args.document, args.operationName, args.variableValues);
    if (!measured) return null;
    if (measured.cost > MAX_COST) return new QueryTooCostlyError(measured.cost);
    for (const [key, items] of Object.entries(measured.batches)) {
      if (items <= MAX_BATCH) continue;
      const { argument, what } = BATCH_ARGUMENTS[key]!;
      return new GraphQLError(
        `${argument}: at most ${MAX_BATCH.toLocaleString('en-US')} ${what} per request, all aliases together (got ${items.toLocaleString('en-US')})`,
        { extensions: errorExtensions('BAD_USER_INPUT', { field: argument }) },
      );
    }
    if (measured.cost >= HEAVY_COST || Object.values(measured.batches).some((n) => n >= HEAVY_BATCH_ITEMS)) return 'heavy';
    return null;
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const verdict = check(args);
      if (verdict instanceof GraphQLError) return setResultAndStopExecution({ errors: [verdict] });
      if (verdict !== 'heavy') return;
      if (!(await slots.acquire(heavy.waitMs))) return setResultAndStopExecution({ errors: [refusedForNow()] });
      let released = false;
      const release = () => {
        if (!released) slots.release();
        released = true;
      };
      return { onExecuteDone: release };
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      // A subscription's events are light and its connection is not held: only its limits apply here.
      const verdict = check(args);
      if (verdict instanceof GraphQLError) setResultAndStopExecution({ errors: [verdict] });
    },
  };
}
