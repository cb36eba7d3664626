import { Type, type Static } from '@sinclair/typebox';
import { closed, Money, route, Sku, type RouteDefinition } from '@order-platform/shared';
import { changeProduct } from '../../domain/change-product.js';
import { createProduct } from '../../domain/create-product.js';
import type { UseCaseDeps } from '../../domain/deps.js';
import { findProducts, getProduct } from '../../domain/find-products.js';
import { productView } from '../../domain/product.js';
import { restockProduct } from '../../domain/restock-product.js';

const sku = { ...Sku, description: 'stock keeping unit' } as const;
const name = Type.String({ minLength: 1, maxLength: 200 });
const count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const skuParams = { type: 'object', properties: { sku }, required: ['sku'] } as const;

const productSchema = {
  type: 'object',
  properties: { sku, name, price: Money, onHand: count, available: count, reserved: count, sold: count, active: { type: 'boolean' }, lowStockThreshold: count },
} as const;

const pageSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: productSchema }, nextCursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last' } },
  required: ['items', 'nextCursor'],
  additionalProperties: false,
} as const;

const kettle = { sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' } };
const productExample = (figures: { onHand: number; reserved?: number; sold?: number }, changes: object = {}) => ({
  ...kettle,
  onHand: figures.onHand,
  available: figures.onHand - (figures.reserved ?? 0),
  reserved: figures.reserved ?? 0,
  sold: figures.sold ?? 0,
  active: true,
  lowStockThreshold: 2,
  ...changes,
});

const createBody = Type.Object({ sku, name, price: Money, onHand: count, lowStockThreshold: Type.Optional(count) }, closed);
type Create = Static<typeof createBody>;

const patchBody = Type.Object({ name: Type.Optional(name), price: Type.Optional(Money), active: Type.Optional(Type.Boolean()) }, { ...closed, minProperties: 1 });
type Patch = Static<typeof patchBody>;

const restockBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }) }, closed);

const listQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, cursor: { type: 'string', maxLength: 200 } },
  additionalProperties: false,
} as const;

export function productRoutes(deps: UseCaseDeps): RouteDefinition[] {
  return [
    route<Create>({
      method: 'post', path: '/products', tag: 'products', summary: 'Add a product to the catalog', access: ['admin'], body: createBody, bodyExample: { ...kettle, onHand: 10, lowStockThreshold: 2 },
      responses: { 201: { description: 'created', schema: productSchema, example: productExample({ onHand: 10 }) }, 400: { description: 'invalid body' }, 409: { description: 'sku exists' } },
      async handle({ body }) {
        const product = await createProduct(deps, { ...body, lowStockThreshold: body.lowStockThreshold ?? 0 });
        return { status: 201, body: productView(product), headers: { Location: `/products/${encodeURIComponent(product.sku)}` } };
      },
    }),
    route<unknown, { limit: number; cursor?: string }>({
      method: 'get', path: '/products', tag: 'products', summary: 'List products in sku order', access: 'public', query: listQuery,
      responses: {
        200: { description: 'one page of products and the cursor of the next', schema: pageSchema, example: { items: [productExample({ onHand: 8, reserved: 2, sold: 2 })], nextCursor: null } },
      },
      async handle({ query }) {
        const page = await findProducts(deps.db, query);
        return { status: 200, body: { items: page.items.map(productView), nextCursor: page.nextCursor } };
      },
    }),
    route<unknown, unknown, { sku: string }>({
      method: 'get', path: '/products/:sku', tag: 'products', summary: 'A product with its stock figures', access: 'public', params: skuParams,
      responses: { 200: { description: 'the product', schema: productSchema, example: productExample({ onHand: 8, reserved: 2, sold: 2 }) }, 404: { description: 'no such product' } },
      handle: async ({ params }) => ({ status: 200, body: productView(await getProduct(deps.db, params.sku)) }),
    }),
    route<Patch, unknown, { sku: string }>({
      method: 'patch', path: '/products/:sku', tag: 'products', summary: 'Change name, price or active flag', access: ['admin'], params: skuParams, body: patchBody, bodyExample: { price: { amount: 2499, currency: 'EUR' } },
      responses: { 200: { description: 'the changed product', schema: productSchema, example: productExample({ onHand: 10 }, { price: { amount: 2499, currency: 'EUR' } }) }, 404: { description: 'no such product' } },
      handle: async ({ params, body }) => ({ status: 200, body: productView(await changeProduct(deps, params.sku, body)) }),
    }),
    route<Static<typeof restockBody>, unknown, { sku: string }>({
      method: 'post', path: '/products/:sku/restock', tag: 'products', summary: 'Add received units', access: ['admin'], params: skuParams, body: restockBody, bodyExample: { quantity: 5 },
      responses: { 200: { description: 'the restocked product', schema: productSchema, example: productExample({ onHand: 15 }) }, 404: { description: 'no such product' } },
      handle: async ({ params, body }) => ({ status: 200, body: productView(await restockProduct(deps, params.sku, body.quantity)) }),
    }),
  ];
}
