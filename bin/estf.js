#!/usr/bin/env node
// The hub runs its TypeScript sources directly through tsx: no build step between a clone and `npm start`.
//
// The operator's commands (token issue, users, audit, oncall…) start from a bundle of those same sources
// instead, compiled with esbuild on first use into node_modules/.cache/estf/ and again whenever a source
// file changes: through tsx's loader every module, node_modules included, costs a round trip to the
// loader thread, and a command spent most of a second just loading. Where the bundle cannot be built
// (a read-only install), commands run through tsx as before. Migrations stay TypeScript files loaded at
// run time: a bundled command that must migrate registers tsx first (src/infra/migrate.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The long-running processes: a second of start-up does not matter to them, tsx's source maps do.
const HUB_COMMANDS = new Set(['start', 'serve', 'work']);

async function registerTypeScript() {
  const { register } = await import('tsx/esm/api');
  register();
}

/** Size and mtime of every source file the bundle is built from, hashed: the bundle's name. */
function sourceFingerprint() {
  const hash = createHash('sha256').update(`${process.version}\n`);
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const st = fs.statSync(p);
        hash.update(`${path.relative(root, p)} ${st.size} ${st.mtimeMs}\n`);
      }
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'workers'));
  hash.update(fs.readFileSync(path.join(root, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/** The bundle's entry point, built if needed; null when it cannot be built here. */
async function bundledEntry() {
  try {
    const cacheDir = path.join(root, 'node_modules', '.cache', 'estf');
    const dir = path.join(cacheDir, sourceFingerprint());
    const entry = path.join(dir, 'main.mjs');
    if (fs.existsSync(entry)) return entry;
    const esbuild = await import('esbuild');
    // Built aside and renamed into place: commands started together never load half a bundle.
    const temp = `${dir}.${process.pid}.tmp`;
    await esbuild.build({
      entryPoints: [path.join(root, 'src', 'main.ts')],
      outdir: temp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outExtension: { '.js': '.mjs' },
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [
        {
          // Modules that find files next to themselves (migrations, the schema) keep their own location.
          name: 'import-meta-url',
          setup(build) {
            build.onLoad({ filter: /\.ts$/ }, async (args) => ({
              contents: (await fs.promises.readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
              loader: 'ts',
            }));
          },
        },
      ],
    });
    try {
      fs.renameSync(temp, dir);
    } catch {
      // Another command renamed its own build into place first: use that one.
      fs.rmSync(temp, { recursive: true, force: true });
    }
    // Bundles of sources since changed are never used again, once no command can still be loading from them.
    for (const old of fs.readdirSync(cacheDir)) {
      const p = path.join(cacheDir, old);
      if (old !== path.basename(dir) && Date.now() - fs.statSync(p).mtimeMs > 3_600_000) fs.rmSync(p, { recursive: true, force: true });
    }
    return fs.existsSync(entry) ? entry : null;
  } catch {
    return null;
  }
}

const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
const entry = command && !HUB_COMMANDS.has(command) ? await bundledEntry() : null;
if (entry) {
  globalThis[Symbol.for('estf.registerTypeScript')] = registerTypeScript;
  await import(pathToFileURL(entry).href);
} else {
  await registerTypeScript();
  await import('../src/main.ts');
}
