import { expect } from 'chai';
import { eventually, scrapeMetrics } from '@order-platform/shared/testing';
import { startOrderService, type OrderService } from '../../support/order-service.js';

describe('worker: the saga deadline', () => {
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService({ env: { ORDER_DEADLINE_MS: '60000', ORDER_DEADLINE_SWEEP_INTERVAL_MS: '200' } });
  });

  after(async () => {
    await orders.close();
  });

  it('an order not confirmed or cancelled by its deadline is counted in orders_overdue; terminal and young orders are not', async () => {
    const hourAgo = new Date(Date.now() - 3600_000);
    const row = (status: string, createdAt: Date) => ({ id: crypto.randomUUID(), customer_id: 'customer-1', status, total_amount: 1000, currency: 'EUR', created_at: createdAt, updated_at: createdAt });
    const stuck = [row('pending', hourAgo), row('stock_reserved', hourAgo)];
    await orders.api.resources.db('orders').insert([...stuck, row('confirmed', hourAgo), row('cancelled', hourAgo), row('pending', new Date())]);
    const overdue = await eventually(async () => {
      const value = (await scrapeMetrics(orders.worker!.metricsUrl)).value('orders_overdue', {});
      expect(value).to.equal(2);
      return value;
    });
    expect(overdue).to.equal(2);
  });
});
