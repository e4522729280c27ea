#!/usr/bin/env node
// `npm run bench -- <name> [args…]`: runs bench/<name>.ts through tsx, passing the remaining arguments on.
// Benchmarks print their figures and end with one JSON line (shared/design/benchmarks.md).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const [name, ...rest] = process.argv.slice(2);
const available = existsSync(benchDir)
  ? readdirSync(benchDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
  : [];

if (!name || !/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(path.join(benchDir, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name> [args…]\navailable: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}

const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const child = spawn(process.execPath, [tsx, path.join(benchDir, `${name}.ts`), ...rest], { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
