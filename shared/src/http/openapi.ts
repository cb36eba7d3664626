import type { SchemaObject } from 'ajv';
import type { RouteDefinition } from './route.js';

const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
  },
};

// every route of an api started by startApiProcess is rate-limited (rate-limit.ts)
const limited = { 429: { description: 'over a rate limit or a cap (`Retry-After`; `RateLimit` and `RateLimit-Policy` are on every answer)' } };

const secured = {
  401: { description: 'no bearer token, or an invalid or expired one (`WWW-Authenticate: Bearer`)' },
  403: { description: 'the token lacks the role this endpoint needs' },
};

/** OpenAPI 3.1 (whose schemas are JSON Schema) from the same schemas the routes validate with. */
export function openApiDocument(info: { title: string; version: string; description?: string }, routes: RouteDefinition[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [
      ...parametersOf(r.params, 'path'),
      ...parametersOf(r.query, 'query'),
      ...Object.entries(r.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })),
    ];
    const documented: RouteDefinition['responses'] = r.access === 'public' ? { ...limited, ...r.responses } : { ...limited, ...secured, ...r.responses };
    const responses = Object.fromEntries(
      Object.entries(documented).map(([status, res]) => [
        status,
        {
          description: res.description,
          ...(res.schema || Number(status) >= 400
            ? { content: { [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: { schema: res.schema ?? problemSchema } } }
            : {}),
        },
      ]),
    );
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      description: r.access === 'public' ? 'Open to anyone.' : `Needs a bearer token with the role ${r.access.map((role) => `\`${role}\``).join(' or ')}.`,
      security: r.access === 'public' ? [] : [{ bearerAuth: [] }],
      tags: r.tag ? [r.tag] : undefined,
      parameters: parameters.length ? parameters : undefined,
      requestBody: r.body ? { required: true, content: { 'application/json': { schema: r.body } } } : undefined,
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a JWT whose `sub` is the principal and whose `roles` claim holds `customer` or `admin`' },
      },
    },
    paths,
  };
}

function parametersOf(schema: SchemaObject | undefined, location: 'path' | 'query'): object[] {
  const properties = (schema?.['properties'] ?? {}) as Record<string, SchemaObject>;
  const required = new Set<string>((schema?.['required'] as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    description: s['description'],
    schema: s,
  }));
}

/** A self-contained page (no CDN) listing the operations of the OpenAPI document. */
export function docsPage(title: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:60rem}code,pre{background:#f4f4f4;padding:2px 4px}
.op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.6rem}.m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}
pre{white-space:pre-wrap;font-size:12px}</style></head><body><h1>${title}</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p><div id="ops">loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{const el=document.getElementById('ops');el.innerHTML='';
for(const [p,ops] of Object.entries(doc.paths))for(const [m,op] of Object.entries(ops)){const d=document.createElement('details');d.className='op';
d.innerHTML='<summary><span class="m">'+m+'</span><code>'+p+'</code> — '+(op.summary||'')+'</summary><pre></pre>';
d.querySelector('pre').textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);el.appendChild(d);}});
</script></body></html>`;
}
