import type { OrderLine } from '@order-platform/shared';
import type { Published } from './analytics-service.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const gbp = (amount: number) => ({ amount, currency: 'GBP' });
const lines = (currency: string, amount: number): OrderLine[] => [{ sku: 'KETTLE-1', quantity: 1, unitPrice: { amount, currency } }];
const stockLines = [{ sku: 'KETTLE-1', quantity: 1 }];

/**
 * A day of the saga, every time in the payloads relative to `day` (a UTC midnight): five
 * orders down the main paths, one of them placed the day before, and two low-stock alerts.
 * Fresh ids on every call; `expectedDay` is what /analytics/today says of it.
 */
export function story(day: Date): Published[] {
  const at = (minutes: number, seconds = 0) => new Date(day.getTime() + minutes * 60_000 + seconds * 1000).toISOString();
  const [a, b, c, d, e] = Array.from({ length: 5 }, () => crypto.randomUUID());
  const pay = () => crypto.randomUUID();
  const order = (orderId: string, customerId: string, total: { amount: number; currency: string }) => ({ orderId, customerId, items: lines(total.currency, total.amount), total });
  const created = (o: ReturnType<typeof order>, createdAt: string) => ({ ...o, payment: { method: 'card' as const, paymentMethodId: `pm_${crypto.randomUUID()}` }, createdAt });
  const A = order(a!, 'cust-ada', eur(6048));
  const B = order(b!, 'cust-grace', eur(1200));
  const C = order(c!, 'cust-alan', gbp(2500));
  const D = order(d!, 'cust-katherine', eur(999));
  const E = order(e!, 'cust-ada', eur(700));
  const events: Array<Omit<Published, 'id'>> = [
    { type: 'orders.created', data: created(E, at(-1, 30)) },
    { type: 'orders.confirmed', data: { ...E, confirmedAt: at(0, 30) } },
    { type: 'orders.created', data: created(A, at(1)) },
    { type: 'stock.reserved', data: { orderId: a!, items: stockLines, reservedAt: at(1, 1) } },
    { type: 'payments.captured', data: { orderId: a!, paymentId: pay(), amount: eur(6048), capturedAt: at(1, 2) } },
    { type: 'orders.confirmed', data: { ...A, confirmedAt: at(1, 3) } },
    { type: 'orders.created', data: created(B, at(2)) },
    { type: 'stock.rejected', data: { orderId: b!, reason: 'out_of_stock', lines: [{ sku: 'KETTLE-1', requested: 1, available: 0 }], rejectedAt: at(2, 1) } },
    { type: 'orders.cancelled', data: { ...B, reason: 'out_of_stock', previousStatus: 'pending', cancelledAt: at(2, 2) } },
    { type: 'orders.created', data: created(C, at(3)) },
    { type: 'stock.reserved', data: { orderId: c!, items: stockLines, reservedAt: at(3, 1) } },
    { type: 'payments.captured', data: { orderId: c!, paymentId: pay(), amount: gbp(2500), capturedAt: at(3, 5) } },
    { type: 'orders.confirmed', data: { ...C, confirmedAt: at(3, 6) } },
    { type: 'orders.created', data: created(D, at(4)) },
    { type: 'payments.failed', data: { orderId: d!, paymentId: pay(), reason: 'payment_declined', detail: 'card declined', failedAt: at(4, 5) } },
    { type: 'orders.cancelled', data: { ...D, reason: 'payment_declined', previousStatus: 'pending', cancelledAt: at(4, 6) } },
    { type: 'stock.low', data: { sku: 'KETTLE-1', name: 'Kettle', available: 3, threshold: 5, detectedAt: at(5) } },
    { type: 'stock.low', data: { sku: 'KETTLE-1', name: 'Kettle', available: 2, threshold: 5, detectedAt: at(6) } },
    { type: 'orders.cancelled', data: { ...C, reason: 'customer_request', previousStatus: 'confirmed', cancelledAt: at(10) } },
    { type: 'stock.released', data: { orderId: c!, items: stockLines, mode: 'restocked', releasedAt: at(10, 1) } },
    { type: 'payments.refunded', data: { orderId: c!, customerId: 'cust-alan', paymentId: pay(), amount: gbp(2500), refundedAt: at(10, 2) } },
  ];
  return events.map((e) => ({ ...e, id: crypto.randomUUID() }) as Published);
}

/** What /analytics/today says of one `story(day)`, day being today, perMinute aside. */
export function expectedDay(day: Date) {
  return {
    date: day.toISOString().slice(0, 10),
    orders: { placed: 4, confirmed: 3, cancelled: 3, cancelledByReason: { out_of_stock: 1, customer_request: 1, payment_declined: 1 } },
    confirmationRate: 0.5,
    revenue: [
      { currency: 'EUR', captured: 6048, refunded: 0, net: 6048 },
      { currency: 'GBP', captured: 2500, refunded: 2500, net: 0 },
    ],
    // E 60 s (placed the day before), A 3 s, C 6 s
    avgPlacedToConfirmedMs: 23_000,
    lowStock: [{ sku: 'KETTLE-1', name: 'Kettle', available: 2, threshold: 5, detectedAt: new Date(day.getTime() + 6 * 60_000).toISOString() }],
  };
}

/** Today's UTC midnight. */
export function utcToday(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
