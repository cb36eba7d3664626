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

// a stored text also says which edit it is and when it was made
const storedText = {
  ...text,
  properties: { ...text.properties, version: { type: 'integer', minimum: 1 }, updatedAt: { type: 'string', format: 'date-time' } },
  required: [...text.required, 'version', 'updatedAt'],
} as const;

const templateSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    audience: { enum: ['customer', 'staff'] },
    description: { type: 'string' },
    variables: { type: 'object', description: 'variable → description; a list variable has `item` fields usable inside {{#name}}…{{/name}}' },
    channels: { type: 'object', properties: { email: storedText, webhook: storedText } },
  },
} as const;

const textExample = { subject: 'Thanks {{customerName}}!', body: 'Order {{orderId}}: {{total}}' };
const templateExample = (version: number, email: object) => ({
  name: 'order-confirmed',
  audience: 'customer',
  description: 'an order was paid and confirmed (orders.confirmed)',
  variables: {
    customerName: "the customer's name, or a generic greeting when the directory cannot tell",
    orderId: 'order id',
    items: { description: 'the order lines', item: { sku: 'product sku', quantity: 'units', unitPrice: 'price of one unit, formatted', lineTotal: 'quantity × unit price, formatted' } },
    total: 'order total, formatted',
    confirmedAt: 'when it was confirmed (ISO 8601)',
  },
  channels: {
    email: { ...email, version, updatedAt: '2026-03-14T09:30:00.000Z' },
    webhook: { subject: 'order {{orderId}} confirmed', body: '{"orderId":"{{orderId}}","total":"{{total}}"}', version: 1, updatedAt: '2026-03-01T08:00:00.000Z' },
  },
});
const storedExample = templateExample(1, { subject: 'Your order is confirmed', body: 'Hello {{customerName}}, order {{orderId}} ({{total}}) is confirmed.' });

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
      responses: { 200: { description: 'the templates', schema: { type: 'array', items: templateSchema }, example: [storedExample] } },
      handle: async () => ({ status: 200, body: await findTemplates(deps) }),
    }),
    route<unknown, unknown, { name: string }>({
      method: 'get', path: '/templates/:name', tag: 'templates', summary: 'One template', access: ['admin'], params: nameParams,
      responses: { 200: { description: 'the template', schema: templateSchema, example: storedExample }, 404: { description: 'no such template' } },
      handle: async ({ params }) => ({ status: 200, body: await findTemplate(deps, params.name) }),
    }),
    route<Partial<Record<Channel, TemplateText>>, unknown, { name: string }>({
      method: 'put', path: '/templates/:name', tag: 'templates', summary: "Replace a template's texts; the next notification uses them", access: ['admin'],
      params: nameParams, body: editBody, bodyExample: { email: textExample },
      responses: {
        200: { description: 'the template as stored now', schema: templateSchema, example: templateExample(2, textExample) },
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
