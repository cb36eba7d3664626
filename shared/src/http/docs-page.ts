import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Router from '@koa/router';

// Swagger UI's standalone bundle, as published on npm: served by the api itself, so /docs needs
// no CDN and works offline. absolute-path.js is the package's own way to find its files; its
// index.js would also load the 1.5 MB browser bundle into every process that imports shared.
const assetsDir = (createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string)();

/** The files the page loads, and nothing else of the package's directory. */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * Swagger UI for one document (`url`), or for several side by side (`urls`, a picker at the top).
 * `assets`: where the files above are served, e.g. `/docs/assets`.
 */
export function swaggerUiPage(options: { title: string; assets: string; url?: string; urls?: { name: string; url: string }[] }): string {
  const config = {
    ...(options.urls ? { urls: options.urls } : { url: options.url }),
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true, // a token entered once survives a reload
    tryItOutEnabled: false,
    displayRequestDuration: true,
  };
  // `</` would end the script element early; JSON allows it escaped
  const json = JSON.stringify(config).replaceAll('</', '<\\/');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="${options.assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="${options.assets}/favicon-32x32.png" sizes="32x32">
</head><body><div id="swagger-ui"></div>
<script src="${options.assets}/swagger-ui-bundle.js"></script>
<script src="${options.assets}/swagger-ui-standalone-preset.js"></script>
<script>
const config = ${json};
window.ui = SwaggerUIBundle({ ...config, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: ${options.urls ? "'StandaloneLayout'" : "'BaseLayout'"} });
</script></body></html>`;
}

/** GET /docs (this api's /openapi.json in Swagger UI) and GET /docs/assets/<file>. */
export function addDocsRoutes(router: Router, title: string): void {
  const page = swaggerUiPage({ title: `${title} API`, url: '/openapi.json', assets: '/docs/assets' });
  router.get('/docs', (ctx) => {
    ctx.type = 'html';
    ctx.body = page;
  });
  router.get('/docs/assets/:file', (ctx) => {
    const type = Object.hasOwn(assets, ctx.params['file']!) ? assets[ctx.params['file']!] : undefined;
    if (!type) return; // the problem middleware answers 404
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = createReadStream(join(assetsDir, ctx.params['file']!));
  });
}

/** The asset files and their directory, for a page served by something other than an api (scripts/docs-overview.mjs). */
export const swaggerUiAssets = { dir: assetsDir, types: assets };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
