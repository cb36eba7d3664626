import { route, type RouteDefinition } from '@order-platform/shared';
import type { UseCaseDeps } from '../../domain/deps.js';
import { editTemplate, findTemplate, findTemplates } from '../../domain/manage-templates.js';
import { MAX_TEXT_LENGTH, type Channel, type TemplateText } from '../../domain/templates.js';

// Postgres text cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 form (it would be
// stored as U+FFFD): both are malformed input, refused with the other schema errors (400).
const storable = '^[^\\u0000\\uD800-\\uDFFF]*$';

const text = {
  type: 'object',
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: MAX_TEXT_LENGTH.subject, pattern: storable },
    body: { type: 'string', minLength: 1, maxLength: MAX_TEXT_LENGTH.body, pattern: storable },
  },
  required: ['subject', 'body'],
  additionalProperties: false,
} as const;

const templateSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    audience: { enum: ['customer', 'staff'] },
    description: { type: 'string' },
    variables: { type: 'object', description: 'variable → description; a list variable has `item` fields usable inside {{#name}}…{{/name}}' },
    channels: { type: 'object', properties: { email: text, webhook: text } },
  },
} as const;

const editBody = {
  type: 'object',
  properties: { email: text, webhook: text },
  minProperties: 1,
  additionalProperties: false,
  description: 'mustache texts ({{variable}}, {{#list}}…{{/list}}) per channel; channels left out keep their text',
} as const;

const nameParams = { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z-]{1,64}$' } }, required: ['name'] } as const;

export function templateRoutes(deps: UseCaseDeps): RouteDefinition[] {
  return [
    route({
      method: 'get', path: '/templates', tag: 'templates', summary: 'Every template, its variables and its texts', access: ['admin'],
      responses: { 200: { description: 'the templates', schema: { type: 'array', items: templateSchema } } },
      handle: async () => ({ status: 200, body: await findTemplates(deps) }),
    }),
    route<unknown, unknown, { name: string }>({
      method: 'get', path: '/templates/:name', tag: 'templates', summary: 'One template', access: ['admin'], params: nameParams,
      responses: { 200: { description: 'the template', schema: templateSchema }, 404: { description: 'no such template' } },
      handle: async ({ params }) => ({ status: 200, body: await findTemplate(deps, params.name) }),
    }),
    route<Partial<Record<Channel, TemplateText>>, unknown, { name: string }>({
      method: 'put', path: '/templates/:name', tag: 'templates', summary: "Replace a template's texts; the next notification uses them", access: ['admin'],
      params: nameParams, body: editBody,
      responses: {
        200: { description: 'the template as stored now', schema: templateSchema },
        400: { description: 'malformed body, a text too long, or a character Postgres cannot store (NUL, a lone surrogate)' },
        404: { description: 'no such template' },
        422: {
          description: 'a text refers to an unknown variable, or nests sections in a way that multiplies its output (details list each problem and the variables there are)',
        },
      },
      handle: async ({ params, body }) => ({ status: 200, body: await editTemplate(deps, params.name, body) }),
    }),
  ];
}
