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
      method: 'post', path: '/products', tag: 'products', summary: 'Add a product to the catalog', access: ['admin'], body: createBody,
      responses: { 201: { description: 'created', schema: productSchema }, 400: { description: 'invalid body' }, 409: { description: 'sku exists' } },
      async handle({ body }) {
        const product = await createProduct(deps, { ...body, lowStockThreshold: body.lowStockThreshold ?? 0 });
        return { status: 201, body: productView(product), headers: { Location: `/products/${encodeURIComponent(product.sku)}` } };
      },
    }),
    route<unknown, { limit: number; cursor?: string }>({
      method: 'get', path: '/products', tag: 'products', summary: 'List products in sku order', access: 'public', query: listQuery,
      responses: { 200: { description: 'one page of products and the cursor of the next' } },
      async handle({ query }) {
        const page = await findProducts(deps.db, query);
        return { status: 200, body: { items: page.items.map(productView), nextCursor: page.nextCursor } };
      },
    }),
    route<unknown, unknown, { sku: string }>({
      method: 'get', path: '/products/:sku', tag: 'products', summary: 'A product with its stock figures', access: 'public', params: skuParams,
      responses: { 200: { description: 'the product', schema: productSchema }, 404: { description: 'no such product' } },
      handle: async ({ params }) => ({ status: 200, body: productView(await getProduct(deps.db, params.sku)) }),
    }),
    route<Patch, unknown, { sku: string }>({
      method: 'patch', path: '/products/:sku', tag: 'products', summary: 'Change name, price or active flag', access: ['admin'], params: skuParams, body: patchBody,
      responses: { 200: { description: 'the changed product', schema: productSchema }, 404: { description: 'no such product' } },
      handle: async ({ params, body }) => ({ status: 200, body: productView(await changeProduct(deps, params.sku, body)) }),
    }),
    route<Static<typeof restockBody>, unknown, { sku: string }>({
      method: 'post', path: '/products/:sku/restock', tag: 'products', summary: 'Add received units', access: ['admin'], params: skuParams, body: restockBody,
      responses: { 200: { description: 'the restocked product', schema: productSchema }, 404: { description: 'no such product' } },
      handle: async ({ params, body }) => ({ status: 200, body: productView(await restockProduct(deps, params.sku, body.quantity)) }),
    }),
  ];
}
