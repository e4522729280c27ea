import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';
import { cycles, importEdges, moduleOf, type ImportEdge } from './support/import-graph.js';

/**
 * The walls between modules (issue 13): each module of src/modules is entered through its index.ts;
 * repositories are private to their module; modules form no import cycle; src/infra and src/modules
 * form no (type) circle; src/access depends on the domain leaf, never on a module.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const edges = importEdges(root, ['src', 'workers']);
const show = (e: ImportEdge) => `${e.from} -> ${e.to}`;

function forbidden(e: ImportEdge): string | null {
  const target = moduleOf(e.to);
  if (target === null || moduleOf(e.from) === target) return null;
  if (e.to.endsWith('.repository.ts')) return 'another module\'s repository';
  if (moduleOf(e.from) !== null && e.to !== `src/modules/${target}/index.ts`) return 'another module\'s internals (not its index.ts)';
  if (e.from.startsWith('src/access/')) return 'a module from src/access (the policy depends on src/domain only)';
  return null;
}

describe('module boundaries', () => {
  it('every module has a front door (index.ts)', () => {
    const modules = [...new Set(edges.flatMap((e) => [moduleOf(e.from), moduleOf(e.to)]).filter((m): m is string => m !== null))].sort();
    const doors = new Set(edges.flatMap((e) => [e.from, e.to]).filter((f) => /^src\/modules\/[^/]+\/index\.ts$/.test(f)));
    const missing = modules.filter((m) => !doors.has(`src/modules/${m}/index.ts`));
    expect(missing, `modules without index.ts:\n${missing.join('\n')}`).toEqual([]);
  });

  it('nothing imports another module\'s repository or internals, and src/access imports no module', () => {
    const found = edges
      .map((e) => ({ e, why: forbidden(e) }))
      .filter((x) => x.why !== null)
      .map((x) => `${show(x.e)}: ${x.why}`);
    const unique = [...new Set(found)];
    expect(unique, `${unique.length} forbidden imports:\n${unique.join('\n')}`).toEqual([]);
  });

  it('modules import each other without a cycle', () => {
    const between = edges
      .map((e) => [moduleOf(e.from), moduleOf(e.to)] as const)
      .filter((p): p is readonly [string, string] => p[0] !== null && p[1] !== null && p[0] !== p[1])
      .map(([a, b]) => [a, b] as [string, string]);
    const found = cycles([], between);
    expect(found, `module cycles:\n${found.map((c) => c.join(' ⇄ ')).join('\n')}`).toEqual([]);
  });

  it('src/infra and src/modules form no import circle (type-only imports included)', () => {
    const layered = (f: string) => f.startsWith('src/infra/') || f.startsWith('src/modules/');
    const inner = edges.filter((e) => layered(e.from) && layered(e.to)).map((e) => [e.from, e.to] as [string, string]);
    const mixed = cycles([], inner).filter((c) => c.some((f) => f.startsWith('src/infra/')) && c.some((f) => f.startsWith('src/modules/')));
    expect(mixed, `circles between src/infra and src/modules:\n${mixed.map((c) => c.join(' ⇄ ')).join('\n')}`).toEqual([]);
  });
});

/**
 * The table types (issue 13, item 5): src/infra/db-types.ts composes the modules' *.tables.ts, and those
 * import only leaves: the domain unions their enum columns are typed with, the shared column types, and
 * the two JSON column shapes (a routing rule's policy, an alert filter), which themselves reach only
 * src/domain and src/errors.ts. So nothing the table types depend on can ever import them back.
 */
describe('table types', () => {
  const TABLE_TYPE_LEAVES = [
    /^src\/infra\/(db-types|column-types)\.ts$/,
    /^src\/modules\/[^/]+\/[^/]+\.tables\.ts$/,
    /^src\/domain\/[^/]+\.ts$/,
    /^src\/errors\.ts$/,
    /^src\/modules\/escalations\/policy\.ts$/,
    /^src\/modules\/subscriptions\/filter\.ts$/,
  ];

  it('db-types.ts and the modules\' *.tables.ts reach only leaves, and none of those imports them back', () => {
    const next = new Map<string, string[]>();
    for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const reached = new Set<string>(['src/infra/db-types.ts']);
    for (const f of reached) for (const t of next.get(f) ?? []) reached.add(t);
    const outside = [...reached].filter((f) => !TABLE_TYPE_LEAVES.some((re) => re.test(f))).sort();
    expect(outside, `files the table types depend on that are no leaves:\n${outside.join('\n')}`).toEqual([]);
    const back = edges.filter((e) => reached.has(e.from) && e.to === 'src/infra/db-types.ts' && e.from !== e.to).map(show);
    expect(back).toEqual([]);
  });

  it('every module with a *.tables.ts is composed into the Database by db-types.ts', () => {
    const tables = [...new Set(edges.flatMap((e) => [e.from, e.to]).filter((f) => /^src\/modules\/[^/]+\/[^/]+\.tables\.ts$/.test(f)))].sort();
    const composed = edges.filter((e) => e.from === 'src/infra/db-types.ts').map((e) => e.to);
    expect(tables.filter((t) => !composed.includes(t))).toEqual([]);
  });
});

/** Error codes (issue 13, item 5): every `code: '…'` written in src/ is one of the closed union of src/errors.ts. */
describe('error codes', () => {
  const files = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? files(`${dir}/${d.name}`) : d.name.endsWith('.ts') && `${dir}/${d.name}` !== 'src/graphql/generated.ts' ? [`${dir}/${d.name}`] : [],
    );

  it('no extensions are written by hand with a code outside ERROR_CODES', () => {
    const known = new Set<string>(ERROR_CODES);
    const found: string[] = [];
    for (const f of files('src')) {
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const m of text.matchAll(/\bcode:\s*'([A-Z][A-Z_]*)'/g)) if (!known.has(m[1]!)) found.push(`${f}: ${m[1]}`);
      for (const m of text.matchAll(/extensions:\s*\{\s*code:\s*'/g)) found.push(`${f}: extensions written by hand at offset ${m.index} (use errorExtensions)`);
    }
    expect(found).toEqual([]);
  });
});
