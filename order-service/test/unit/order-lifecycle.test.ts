import { expect } from 'chai';
import { contradiction, decideTransition, type OrderFact } from '../../src/domain/order-lifecycle.js';
import type { Order, OrderStatus } from '../../src/domain/order.js';

const facts: Record<string, OrderFact> = {
  reserved: { kind: 'stock_reserved' },
  rejected: { kind: 'stock_rejected', reason: 'out_of_stock' },
  captured: { kind: 'payment_captured', amount: { amount: 360, currency: 'EUR' } },
  failed: { kind: 'payment_failed', reason: 'payment_declined' },
  cancel: { kind: 'cancel_requested' },
};

// docs/architecture.md "Order lifecycle", row by row; '-' = nothing changes
const table: Record<OrderStatus, Record<keyof typeof facts, string>> = {
  pending: { reserved: 'stock_reserved', rejected: 'cancelled:out_of_stock', captured: 'confirmed', failed: 'cancelled:payment_declined', cancel: 'cancelled:customer_request' },
  stock_reserved: { reserved: '-', rejected: '-', captured: 'confirmed', failed: 'cancelled:payment_declined', cancel: 'cancelled:customer_request' },
  confirmed: { reserved: '-', rejected: '-', captured: '-', failed: '-', cancel: 'cancelled:customer_request' },
  cancelled: { reserved: '-', rejected: '-', captured: '-', failed: '-', cancel: '-' },
};

describe('order state machine', () => {
  for (const [status, row] of Object.entries(table)) {
    for (const [name, expected] of Object.entries(row)) {
      it(`${status} + ${name} -> ${expected}`, () => {
        const t = decideTransition(status as OrderStatus, facts[name]!);
        const got = t === null ? '-' : t.to === 'cancelled' ? `cancelled:${t.reason}` : t.to;
        expect(got).to.equal(expected);
      });
    }
  }

  describe('a capture contradicts the order unless it is of its total', () => {
    const order = { id: 'o1', total: { amount: 360, currency: 'EUR' } } as Order;
    const captured = (amount: number, currency = 'EUR'): OrderFact => ({ kind: 'payment_captured', amount: { amount, currency } });

    it('the total, in its currency: no contradiction', () => {
      expect(contradiction(order, captured(360))).to.equal(null);
      expect(contradiction(order, facts['failed']!)).to.equal(null);
    });

    it('less, more, or another currency: a contradiction naming both', () => {
      expect(contradiction(order, captured(1))).to.equal("captured 1 EUR, but the order's total is 360 EUR");
      expect(contradiction(order, captured(361))).to.match(/captured 361 EUR/);
      expect(contradiction(order, captured(360, 'USD'))).to.match(/captured 360 USD/);
    });
  });
});
