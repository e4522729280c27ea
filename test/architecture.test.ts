import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
