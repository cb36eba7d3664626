import type { SchemaObject } from 'ajv';
import type { RouteDefinition } from './route.js';
import { problemExample } from './problem.js';

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
const limited = {
  429: {
    description: 'over a rate limit or a cap (`Retry-After`; `RateLimit` and `RateLimit-Policy` are on every answer)',
    example: { ...problemExample(429, 'over the reads limit of 600 requests per 60 s; retry in 42 s'), policy: 'reads', limit: 600, windowSeconds: 60, retryAfterSeconds: 42 },
  },
};

const secured = {
  401: {
    description: 'no bearer token, or an invalid or expired one (`WWW-Authenticate: Bearer`)',
    example: { ...problemExample(401, 'the token has expired'), error: 'invalid_token' },
  },
  403: { description: 'the token lacks the role this endpoint needs', example: { ...problemExample(403, 'this endpoint is for admin'), requiredRoles: ['admin'] } },
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
        { description: res.description, ...(contentOf(Number(status), res) ?? {}) },
      ]),
    );
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      description: r.access === 'public' ? 'Open to anyone.' : `Needs a bearer token with the role ${r.access.map((role) => `\`${role}\``).join(' or ')}.`,
      security: r.access === 'public' ? [] : [{ bearerAuth: [] }],
      tags: r.tag ? [r.tag] : undefined,
      parameters: parameters.length ? parameters : undefined,
      requestBody: r.body ? { required: true, content: { 'application/json': { schema: r.body, example: r.bodyExample } } } : undefined,
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

/** A response's media type with its schema and example; an error is problem+json, with an example made from its description. */
function contentOf(status: number, response: RouteDefinition['responses'][number]): { content: object } | undefined {
  if (status >= 400) {
    const example = response.example ?? problemExample(status, response.description);
    return { content: { 'application/problem+json': { schema: response.schema ?? problemSchema, example } } };
  }
  if (!response.schema) return undefined;
  return { content: { [response.contentType ?? 'application/json']: { schema: response.schema, example: response.example } } };
}
