import { expect } from 'chai';
import { decidePlaceOrder, type CatalogEntry, type PlaceOrder } from '../../src/domain/order.js';

const now = new Date('2026-01-02T03:04:05.000Z');
const catalog = new Map<string, CatalogEntry>([
  ['A', { sku: 'A', name: 'A', price: { amount: 250, currency: 'EUR' }, active: true, version: 1 }],
  ['B', { sku: 'B', name: 'B', price: { amount: 1000, currency: 'EUR' }, active: true, version: 4 }],
  ['OFF', { sku: 'OFF', name: 'Off', price: { amount: 1, currency: 'EUR' }, active: false, version: 2 }],
  ['USD', { sku: 'USD', name: 'Usd', price: { amount: 1, currency: 'USD' }, active: true, version: 1 }],
  ['HUGE', { sku: 'HUGE', name: 'Huge', price: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' }, active: true, version: 1 }],
]);

function command(items: PlaceOrder['items']): PlaceOrder {
  return { customerId: 'c1', items, payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } };
}

describe('deciding to place an order', () => {
  it('prices every line from the catalog and totals them', () => {
    const decision = decidePlaceOrder(command([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }]), catalog, now, 'order-1');
    expect(decision.kind).to.equal('accepted');
    if (decision.kind !== 'accepted') return;
    expect(decision.order).to.deep.include({ id: 'order-1', status: 'pending', total: { amount: 1750, currency: 'EUR' }, createdAt: now });
    expect(decision.event).to.deep.include({ orderId: 'order-1', createdAt: '2026-01-02T03:04:05.000Z', total: { amount: 1750, currency: 'EUR' } });
    expect(decision.event.items[0]).to.deep.equal({ sku: 'A', quantity: 3, unitPrice: { amount: 250, currency: 'EUR' } });
  });

  for (const [title, items, reason, skus] of [
    ['an unknown sku', [{ sku: 'A', quantity: 1 }, { sku: 'NOPE', quantity: 1 }], 'unknown_sku', ['NOPE']],
    ['an inactive sku', [{ sku: 'OFF', quantity: 1 }], 'inactive_sku', ['OFF']],
    ['a sku listed twice', [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }], 'duplicate_sku', ['A']],
    ['two currencies', [{ sku: 'A', quantity: 1 }, { sku: 'USD', quantity: 1 }], 'mixed_currencies', ['A', 'USD']],
    ['a total beyond exact integers', [{ sku: 'HUGE', quantity: 2 }], 'total_too_large', ['HUGE']],
  ] as const) {
    it(`rejects ${title}`, () => {
      const decision = decidePlaceOrder(command([...items]), catalog, now, 'order-1');
      expect(decision).to.deep.equal({ kind: 'rejected', reason, skus });
    });
  }
});
