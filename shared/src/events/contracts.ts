import type { JSONSchemaType } from 'ajv';

/**
 * Event contracts of DESIGN.md §3: one TypeScript type and one JSON Schema per event.
 * Producers validate before writing the outbox; consumers validate before handling.
 * Each event carries what its consumers need (event-carried state transfer).
 */

export interface Money {
  /** integer amount of minor units (cents) */
  amount: number;
  /** ISO 4217 code */
  currency: string;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: Money;
}

export interface StockLine {
  sku: string;
  quantity: number;
}

export type CancellationReason =
  | 'out_of_stock'
  | 'product_unavailable'
  | 'payment_declined'
  | 'payment_unavailable'
  | 'customer_request';

export interface OrderCreated {
  orderId: string;
  customerId: string;
  items: OrderLine[];
  total: Money;
  /** the card the customer registered with payment-service; the token itself never travels */
  payment: { method: 'card'; paymentMethodId: string };
  createdAt: string;
}

export interface OrderConfirmed {
  orderId: string;
  customerId: string;
  items: OrderLine[];
  total: Money;
  confirmedAt: string;
}

export interface OrderCancelled {
  orderId: string;
  customerId: string;
  reason: CancellationReason;
  /** the status the order left; tells compensations whether stock was committed */
  previousStatus: 'pending' | 'stock_reserved' | 'confirmed';
  items: OrderLine[];
  total: Money;
  cancelledAt: string;
}

export interface StockReserved {
  orderId: string;
  items: StockLine[];
  reservedAt: string;
}

export interface StockRejected {
  orderId: string;
  reason: 'out_of_stock' | 'product_unavailable';
  lines: { sku: string; requested: number; available: number }[];
  rejectedAt: string;
}

export interface StockReleased {
  orderId: string;
  items: StockLine[];
  /** `released` gives back a reservation; `restocked` returns sold units */
  mode: 'released' | 'restocked';
  releasedAt: string;
}

export interface ProductChanged {
  sku: string;
  name: string;
  price: Money;
  active: boolean;
  /** increases by one on every change; consumers apply only newer versions */
  version: number;
  changedAt: string;
}

export interface StockLow {
  sku: string;
  name: string;
  available: number;
  threshold: number;
  detectedAt: string;
}

export interface PaymentCaptured {
  orderId: string;
  paymentId: string;
  amount: Money;
  capturedAt: string;
}

export interface PaymentFailed {
  orderId: string;
  paymentId: string;
  reason: 'payment_declined' | 'payment_unavailable';
  detail: string;
  failedAt: string;
}

export interface PaymentRefunded {
  orderId: string;
  /** from the orders.cancelled that caused the refund, so the customer can be told */
  customerId: string;
  paymentId: string;
  amount: Money;
  refundedAt: string;
}

/** Ids of orders, payments and customers: safe in URLs, logs and SQL, and never a NUL. */
export const idPattern = '^[A-Za-z0-9][A-Za-z0-9._:@|+-]{0,127}$';
export const idSchema = { type: 'string', pattern: idPattern } as const;
/** A payment method registered with payment-service: `pm_<uuid>`. */
export const paymentMethodIdPattern = '^pm_[0-9a-f-]{36}$';
export const skuSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;
const sku = skuSchema;
const id = idSchema;
const timestamp = { type: 'string', format: 'date-time' } as const;
const quantity = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

export const moneySchema: JSONSchemaType<Money> = {
  type: 'object',
  properties: {
    amount: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
  required: ['amount', 'currency'],
  additionalProperties: false,
};

const orderLineSchema: JSONSchemaType<OrderLine> = {
  type: 'object',
  properties: { sku, quantity, unitPrice: moneySchema },
  required: ['sku', 'quantity', 'unitPrice'],
  additionalProperties: false,
};

const stockLineSchema: JSONSchemaType<StockLine> = {
  type: 'object',
  properties: { sku, quantity },
  required: ['sku', 'quantity'],
  additionalProperties: false,
};

const orderLines = { type: 'array', items: orderLineSchema, minItems: 1, maxItems: 100 } as const;
const stockLines = { type: 'array', items: stockLineSchema, minItems: 1, maxItems: 100 } as const;

const schemas = {
  'orders.created': {
    type: 'object',
    properties: {
      orderId: id,
      customerId: id,
      items: orderLines,
      total: moneySchema,
      payment: {
        type: 'object',
        properties: { method: { type: 'string', const: 'card' }, paymentMethodId: { type: 'string', pattern: paymentMethodIdPattern } },
        required: ['method', 'paymentMethodId'],
        additionalProperties: false,
      },
      createdAt: timestamp,
    },
    required: ['orderId', 'customerId', 'items', 'total', 'payment', 'createdAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<OrderCreated>,
  'orders.confirmed': {
    type: 'object',
    properties: { orderId: id, customerId: id, items: orderLines, total: moneySchema, confirmedAt: timestamp },
    required: ['orderId', 'customerId', 'items', 'total', 'confirmedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<OrderConfirmed>,
  'orders.cancelled': {
    type: 'object',
    properties: {
      orderId: id,
      customerId: id,
      reason: {
        type: 'string',
        enum: ['out_of_stock', 'product_unavailable', 'payment_declined', 'payment_unavailable', 'customer_request'],
      },
      previousStatus: { type: 'string', enum: ['pending', 'stock_reserved', 'confirmed'] },
      items: orderLines,
      total: moneySchema,
      cancelledAt: timestamp,
    },
    required: ['orderId', 'customerId', 'reason', 'previousStatus', 'items', 'total', 'cancelledAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<OrderCancelled>,
  'stock.reserved': {
    type: 'object',
    properties: { orderId: id, items: stockLines, reservedAt: timestamp },
    required: ['orderId', 'items', 'reservedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<StockReserved>,
  'stock.rejected': {
    type: 'object',
    properties: {
      orderId: id,
      reason: { type: 'string', enum: ['out_of_stock', 'product_unavailable'] },
      lines: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: { sku, requested: quantity, available: { type: 'integer', minimum: 0 } },
          required: ['sku', 'requested', 'available'],
          additionalProperties: false,
        },
      },
      rejectedAt: timestamp,
    },
    required: ['orderId', 'reason', 'lines', 'rejectedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<StockRejected>,
  'stock.released': {
    type: 'object',
    properties: {
      orderId: id,
      items: stockLines,
      mode: { type: 'string', enum: ['released', 'restocked'] },
      releasedAt: timestamp,
    },
    required: ['orderId', 'items', 'mode', 'releasedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<StockReleased>,
  'stock.product-changed': {
    type: 'object',
    properties: {
      sku,
      name: { type: 'string', minLength: 1, maxLength: 200 },
      price: moneySchema,
      active: { type: 'boolean' },
      version: { type: 'integer', minimum: 1 },
      changedAt: timestamp,
    },
    required: ['sku', 'name', 'price', 'active', 'version', 'changedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<ProductChanged>,
  'stock.low': {
    type: 'object',
    properties: {
      sku,
      name: { type: 'string', minLength: 1, maxLength: 200 },
      available: { type: 'integer', minimum: 0 },
      threshold: { type: 'integer', minimum: 0 },
      detectedAt: timestamp,
    },
    required: ['sku', 'name', 'available', 'threshold', 'detectedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<StockLow>,
  'payments.captured': {
    type: 'object',
    properties: { orderId: id, paymentId: id, amount: moneySchema, capturedAt: timestamp },
    required: ['orderId', 'paymentId', 'amount', 'capturedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<PaymentCaptured>,
  'payments.failed': {
    type: 'object',
    properties: {
      orderId: id,
      paymentId: id,
      reason: { type: 'string', enum: ['payment_declined', 'payment_unavailable'] },
      detail: { type: 'string', maxLength: 1000 },
      failedAt: timestamp,
    },
    required: ['orderId', 'paymentId', 'reason', 'detail', 'failedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<PaymentFailed>,
  'payments.refunded': {
    type: 'object',
    properties: { orderId: id, customerId: id, paymentId: id, amount: moneySchema, refundedAt: timestamp },
    required: ['orderId', 'customerId', 'paymentId', 'amount', 'refundedAt'],
    additionalProperties: false,
  } satisfies JSONSchemaType<PaymentRefunded>,
} as const;

/** Event type -> payload type. The event type is also the NATS subject (before any namespace). */
export interface EventPayloads {
  'orders.created': OrderCreated;
  'orders.confirmed': OrderConfirmed;
  'orders.cancelled': OrderCancelled;
  'stock.reserved': StockReserved;
  'stock.rejected': StockRejected;
  'stock.released': StockReleased;
  'stock.product-changed': ProductChanged;
  'stock.low': StockLow;
  'payments.captured': PaymentCaptured;
  'payments.failed': PaymentFailed;
  'payments.refunded': PaymentRefunded;
}

export type EventType = keyof EventPayloads;

export const eventSchemas: { readonly [T in EventType]: JSONSchemaType<EventPayloads[T]> } = schemas;

export const eventTypes = Object.keys(eventSchemas) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(eventSchemas, value);
}

/** The stream that owns an event type: ORDERS, STOCK or PAYMENTS (DESIGN.md §3). */
export function streamOf(type: EventType): StreamName {
  const domain = type.slice(0, type.indexOf('.'));
  return domainStreams[domain as keyof typeof domainStreams];
}

export const domainStreams = { orders: 'ORDERS', stock: 'STOCK', payments: 'PAYMENTS' } as const;
export type StreamName = (typeof domainStreams)[keyof typeof domainStreams] | 'DLQ';

/** The one service that publishes each domain's events (DESIGN.md §3, §8). */
export const domainOwners = { orders: 'order-service', stock: 'stock-service', payments: 'payment-service' } as const satisfies Record<keyof typeof domainStreams, string>;

/** The `ce-source` an event must carry: its domain owner's, as that service's Outbox sets it (`/<service>`). */
export function ownerSourceOf(type: EventType): string {
  return `/${domainOwners[type.slice(0, type.indexOf('.')) as keyof typeof domainOwners]}`;
}
