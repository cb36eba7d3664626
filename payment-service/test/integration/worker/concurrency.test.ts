import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { newOrderId, orderCancelled, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { gatewayOperation, paymentEvents, paymentRow, paymentWithStatus, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker under concurrency', () => {
  let payments: PaymentService;

  before(async () => {
    // two handler connections for sixteen concurrent handlers per consumer: charges still go
    // through, because the simulated gateway's records use connections of their own
    payments = await startPaymentService({ env: { DB_POOL_MAX: '2' } });
  });

  after(async () => {
    await payments.close();
  });

  async function pendingOrders(count: number) {
    const orders = await Promise.all(Array.from({ length: count }, () => orderWithCard(payments, newOrderId())));
    await Promise.all(orders.map((o) => publish(payments, 'orders.created', o)));
    for (const o of orders) await paymentWithStatus(payments, o.orderId, 'pending');
    return orders;
  }

  it('when many orders are charged at once on a small pool, every payment is captured once', async () => {
    const orders = await pendingOrders(30);
    await Promise.all(orders.map((o) => publish(payments, 'stock.reserved', stockReserved(o.orderId))));
    for (const o of orders) {
      await paymentWithStatus(payments, o.orderId, 'captured', 20_000);
      expect((await paymentRow(payments, o.orderId))!.attempts).to.equal(1);
    }
  });

  it('when cancels race charges, an order ends voided with nothing taken, or captured and refunded once', async () => {
    const orders = await pendingOrders(20);
    await Promise.all(
      orders.map(async (o, i) => {
        const charge = () => publish(payments, 'stock.reserved', stockReserved(o.orderId));
        const cancel = () => publish(payments, 'orders.cancelled', orderCancelled(o));
        if (i % 2) await Promise.all([charge(), cancel()]);
        else await Promise.all([cancel(), charge()]);
      }),
    );
    for (const o of orders) {
      const payment = await eventually(async () => {
        const row = (await paymentRow(payments, o.orderId))!;
        expect(row.status).to.be.oneOf(['voided', 'refunded']);
        return row;
      }, { timeoutMs: 20_000 });
      const types = await eventually(async () => {
        const found = (await paymentEvents(payments, o.orderId)).map((e) => e.type);
        expect(found).to.deep.equal(payment.status === 'voided' ? [] : ['payments.captured', 'payments.refunded']);
        return found;
      });
      const charge = await gatewayOperation(payments, payment.id);
      const refund = await gatewayOperation(payments, `refund:${payment.id}`);
      expect(charge?.outcome ?? 'voided', o.orderId).to.equal(payment.status === 'voided' ? 'voided' : 'captured');
      expect(refund?.outcome, `${o.orderId} ${types.join(',')}`).to.equal(payment.status === 'voided' ? undefined : 'refunded');
    }
  });
});
