import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The console's static assets, served by the hub itself (no CDN: the hub must work on a closed network).
 * Names carry a hash of the content, so they can be cached for a year and a new release is never stale.
 */

export interface Asset {
  name: string;
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);

function asset(base: string, ext: string, type: string, body: Buffer): Asset {
  return { name: `${base}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`, type, body };
}

let loaded: { css: Asset; htmx: Asset; sse: Asset; byName: Map<string, Asset> } | null = null;

export function consoleAssets() {
  if (!loaded) {
    const css = asset('console', 'css', 'text/css; charset=utf-8', readFileSync(new URL('./console.css', import.meta.url)));
    const htmx = asset('htmx', 'js', 'text/javascript; charset=utf-8', readFileSync(require.resolve('htmx.org/dist/htmx.min.js')));
    // htmx's SSE extension: the console's live regions (src/web/live.tsx).
    const sse = asset('htmx-ext-sse', 'js', 'text/javascript; charset=utf-8', readFileSync(require.resolve('htmx-ext-sse/dist/sse.min.js')));
    loaded = { css, htmx, sse, byName: new Map([css, htmx, sse].map((a) => [a.name, a])) };
  }
  return loaded;
}

export const ASSETS_PATH = '/console/assets';
