// The analytics api's response bodies, for validation of the examples and for /openapi.json.
const count = { type: 'integer', minimum: 0 } as const;
const minorUnits = { type: 'integer', description: 'minor units (cents)' } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const byReason = { type: 'object', additionalProperties: count, description: 'cancellations per reason (only reasons that occurred)' } as const;

const revenue = {
  type: 'array',
  description: 'per currency: captured and refunded (by the time of the capture / refund) and net = captured − refunded',
  items: {
    type: 'object',
    required: ['currency', 'captured', 'refunded', 'net'],
    properties: { currency, captured: minorUnits, refunded: minorUnits, net: minorUnits },
    additionalProperties: false,
  },
} as const;

export const todaySchema = {
  type: 'object',
  required: ['date', 'orders', 'confirmationRate', 'revenue', 'avgPlacedToConfirmedMs', 'lowStock', 'perMinute'],
  additionalProperties: false,
  properties: {
    date: { type: 'string', format: 'date', description: 'the UTC day' },
    orders: {
      type: 'object',
      required: ['placed', 'confirmed', 'cancelled', 'cancelledByReason'],
      additionalProperties: false,
      properties: { placed: count, confirmed: count, cancelled: count, cancelledByReason: byReason },
    },
    confirmationRate: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'confirmed / (confirmed + cancelled); null before any order ended' },
    revenue,
    avgPlacedToConfirmedMs: { type: ['integer', 'null'], description: 'over the orders confirmed today; null when none' },
    lowStock: {
      type: 'array',
      description: 'the latest low-stock alert of each product alerted today, newest first',
      items: {
        type: 'object',
        required: ['sku', 'name', 'available', 'threshold', 'detectedAt'],
        additionalProperties: false,
        properties: { sku: { type: 'string' }, name: { type: 'string' }, available: count, threshold: count, detectedAt: { type: 'string', format: 'date-time' } },
      },
    },
    perMinute: {
      type: 'array',
      description: 'each minute of the day that had any activity, in time order (minutes without any are left out)',
      items: {
        type: 'object',
        required: ['minute', 'placed', 'confirmed', 'cancelled', 'revenue'],
        additionalProperties: false,
        properties: {
          minute: { type: 'string', format: 'date-time' },
          placed: count,
          confirmed: count,
          cancelled: count,
          revenue: {
            type: 'array',
            items: { type: 'object', required: ['currency', 'captured'], additionalProperties: false, properties: { currency, captured: minorUnits } },
          },
        },
      },
    },
  },
} as const;

export const todayExample = {
  date: '2026-03-14',
  orders: { placed: 3, confirmed: 2, cancelled: 1, cancelledByReason: { out_of_stock: 1 } },
  confirmationRate: 2 / 3,
  revenue: [{ currency: 'EUR', captured: 12096, refunded: 0, net: 12096 }],
  avgPlacedToConfirmedMs: 412,
  lowStock: [{ sku: 'KETTLE-1', name: 'Kettle', available: 2, threshold: 5, detectedAt: '2026-03-14T09:27:01.120Z' }],
  perMinute: [
    { minute: '2026-03-14T09:26:00.000Z', placed: 2, confirmed: 1, cancelled: 1, revenue: [{ currency: 'EUR', captured: 6048 }] },
    { minute: '2026-03-14T09:27:00.000Z', placed: 1, confirmed: 1, cancelled: 0, revenue: [{ currency: 'EUR', captured: 6048 }] },
  ],
};

export const rangeSchema = {
  type: 'object',
  required: ['from', 'to', 'bucket', 'buckets'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    bucket: { enum: ['hour', 'day'] },
    buckets: {
      type: 'array',
      description: 'every bucket from the one holding `from` up to `to`, zero-filled, in time order (UTC)',
      items: {
        type: 'object',
        required: ['start', 'placed', 'confirmed', 'cancelled', 'cancelledByReason', 'revenue'],
        additionalProperties: false,
        properties: { start: { type: 'string', format: 'date-time' }, placed: count, confirmed: count, cancelled: count, cancelledByReason: byReason, revenue },
      },
    },
  },
} as const;

export const rangeExample = {
  from: '2026-03-14T00:00:00.000Z',
  to: '2026-03-16T00:00:00.000Z',
  bucket: 'day',
  buckets: [
    { start: '2026-03-14T00:00:00.000Z', placed: 3, confirmed: 2, cancelled: 1, cancelledByReason: { out_of_stock: 1 }, revenue: [{ currency: 'EUR', captured: 12096, refunded: 0, net: 12096 }] },
    { start: '2026-03-15T00:00:00.000Z', placed: 0, confirmed: 0, cancelled: 0, cancelledByReason: {}, revenue: [] },
  ],
};

export const recentSchema = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'type', 'subject', 'orderId', 'sku', 'time', 'summary'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', description: 'the event id (ce-id)' },
          type: { type: 'string', examples: ['orders.created'] },
          subject: { type: 'string', description: 'ce-subject: the order id or sku' },
          orderId: { type: ['string', 'null'] },
          sku: { type: ['string', 'null'], description: 'set for stock.low, whose subject is a product' },
          time: { type: 'string', format: 'date-time', description: "the event's own time, from its payload" },
          summary: { type: 'string' },
        },
      },
    },
  },
} as const;

export const recentExample = {
  events: [
    {
      id: '7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
      type: 'orders.confirmed',
      subject: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
      orderId: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
      sku: null,
      time: '2026-03-14T09:26:53.701Z',
      summary: 'order confirmed: 60.48 EUR',
    },
    { id: '3b2a1f0e-9d8c-4b7a-8e6f-5d4c3b2a1f0e', type: 'stock.low', subject: 'KETTLE-1', orderId: null, sku: 'KETTLE-1', time: '2026-03-14T09:26:53.402Z', summary: 'low stock: KETTLE-1 (Kettle) 2 left, threshold 5' },
  ],
};
