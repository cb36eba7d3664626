import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

/**
 * The console's static files, read once at start: htmx from its npm package (served here, no
 * CDN) and the stylesheet from console/public (next to src/ when run with tsx, two levels up
 * from dist/src/ when built).
 */
export function loadAssets(): Map<string, Asset> {
  const htmx = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');
  const css = ['../public/console.css', '../../public/console.css'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p));
  if (!css) throw new Error('console/public/console.css is missing');
  return new Map([
    ['/assets/htmx.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(htmx) }],
    ['/assets/console.css', { type: 'text/css; charset=utf-8', body: readFileSync(css) }],
  ]);
}
