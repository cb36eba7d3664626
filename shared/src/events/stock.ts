import { Type, type Static } from '@sinclair/typebox';
import { closed, Money, OrderId, Quantity, Sku, StringEnum, Timestamp } from './fields.js';

/** The STOCK stream: what stock-service publishes (docs/architecture.md, "Events"). */

export const StockLine = Type.Object({ sku: Sku, quantity: Quantity }, closed);
export type StockLine = Static<typeof StockLine>;

const StockLines = Type.Array(StockLine, { minItems: 1, maxItems: 100 });
const ProductName = Type.String({ minLength: 1, maxLength: 200 });
const Count = Type.Integer({ minimum: 0 });

export const StockReserved = Type.Object({ orderId: OrderId, items: StockLines, reservedAt: Timestamp }, closed);
export type StockReserved = Static<typeof StockReserved>;

export const StockRejected = Type.Object(
  {
    orderId: OrderId,
    reason: StringEnum(['out_of_stock', 'product_unavailable']),
    lines: Type.Array(Type.Object({ sku: Sku, requested: Quantity, available: Count }, closed), { minItems: 1 }),
    rejectedAt: Timestamp,
  },
  closed,
);
export type StockRejected = Static<typeof StockRejected>;

export const StockReleased = Type.Object(
  {
    orderId: OrderId,
    items: StockLines,
    /** `released` gives back a reservation; `restocked` returns sold units */
    mode: StringEnum(['released', 'restocked']),
    releasedAt: Timestamp,
  },
  closed,
);
export type StockReleased = Static<typeof StockReleased>;

export const ProductChanged = Type.Object(
  {
    sku: Sku,
    name: ProductName,
    price: Money,
    active: Type.Boolean(),
    /** increases by one on every change; consumers apply only newer versions */
    version: Type.Integer({ minimum: 1 }),
    changedAt: Timestamp,
  },
  closed,
);
export type ProductChanged = Static<typeof ProductChanged>;

export const StockLow = Type.Object({ sku: Sku, name: ProductName, available: Count, threshold: Count, detectedAt: Timestamp }, closed);
export type StockLow = Static<typeof StockLow>;

export const stockEvents = {
  'stock.reserved': StockReserved,
  'stock.rejected': StockRejected,
  'stock.released': StockReleased,
  'stock.product-changed': ProductChanged,
  'stock.low': StockLow,
} as const;
