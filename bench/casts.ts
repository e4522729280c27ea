/**
 * Counts type assertions in src/ (issue 13, item 5): `x as T` (AsExpression) and `<T>x` (TypeAssertion)
 * found by the TypeScript parser, so strings, comments and `import { a as b }` never count. `as const` is
 * counted apart: it narrows a literal and asserts nothing. src/graphql/generated.ts (codegen output) is left
 * out. `npm run bench -- casts [--files] [--list]`: the totals, with `--files` the count per file, with
 * `--list` each assertion; the last line is
 * the JSON of the figures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXCLUDED = new Set(['src/graphql/generated.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = `${dir}/${d.name}`;
    if (d.isDirectory()) return sourceFiles(rel);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') && !EXCLUDED.has(rel) ? [rel] : [];
  });
}

const isConst = (t: ts.TypeNode) => ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && t.typeName.text === 'const';

const list = process.argv.includes('--list');
const perFile: { file: string; casts: number; asConst: number }[] = [];
for (const file of sourceFiles('src')) {
  const text = readFileSync(path.join(root, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  let casts = 0;
  let asConst = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      if (isConst(node.type)) asConst++;
      else {
        casts++;
        if (list) console.log(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText().replace(/\s+/g, ' ').slice(0, 140)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  perFile.push({ file, casts, asConst });
}

const casts = perFile.reduce((n, f) => n + f.casts, 0);
const asConst = perFile.reduce((n, f) => n + f.asConst, 0);
if (process.argv.includes('--files')) {
  for (const f of perFile.filter((x) => x.casts > 0).sort((a, b) => b.casts - a.casts || a.file.localeCompare(b.file))) {
    console.log(`${String(f.casts).padStart(4)}  ${f.file}`);
  }
}
console.log(`type assertions in src/ (without src/graphql/generated.ts): ${casts}; as const: ${asConst}; files: ${perFile.length}`);
console.log(JSON.stringify({ bench: 'casts', casts, asConst, files: perFile.length }));
