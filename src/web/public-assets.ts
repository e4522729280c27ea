import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Asset } from './assets.js';

/**
 * The public pages' assets, served by the hub (no CDN, no third party): the style sheet and ALTCHA's widget in
 * its strict-CSP build (dist_external: no inline style, the worker a file of its own). Hashed names, cached a year.
 */

const require = createRequire(import.meta.url);

function asset(base: string, ext: string, type: string, body: Buffer): Asset {
  return { name: `${base}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`, type, body };
}

let loaded: { css: Asset; altcha: Asset; altchaCss: Asset; altchaWorker: Asset; byName: Map<string, Asset> } | null = null;

export function publicAssets() {
  if (!loaded) {
    const js = 'text/javascript; charset=utf-8';
    const css = asset('public', 'css', 'text/css; charset=utf-8', readFileSync(new URL('./public.css', import.meta.url)));
    const dir = `${path.dirname(require.resolve('altcha/external'))}/`;
    const altcha = asset('altcha', 'js', js, readFileSync(`${dir}altcha.js`));
    const altchaCss = asset('altcha', 'css', 'text/css; charset=utf-8', readFileSync(`${dir}altcha.css`));
    const altchaWorker = asset('altcha-worker', 'js', js, readFileSync(`${dir}worker.js`));
    loaded = { css, altcha, altchaCss, altchaWorker, byName: new Map([css, altcha, altchaCss, altchaWorker].map((a) => [a.name, a])) };
  }
  return loaded;
}

export const PUBLIC_ASSETS_PATH = '/report/assets';
