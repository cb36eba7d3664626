import { expect } from 'chai';
import { eventually, readStream, settled } from '@order-platform/shared/testing';
import type { System } from './system.js';

export interface OrderLineRecord {
  id: string;
  items: { sku: string; quantity: number }[];
}

/**
 * docs/architecture.md "Invariants" after a run, read from each service's own database and the streams:
 * 2. stock is conserved per product and nothing is oversold (no restocks happen in these runs);
 *    sold units are exactly those of confirmed orders, and nothing stays reserved;
 * 3. money: captured − refunded is the total of a confirmed order and 0 for a cancelled one;
 *    no order is captured twice;
 * 4. one customer notification per terminal transition, never two: a mail for each
 *    orders.confirmed, orders.cancelled and payments.refunded, as the SMTP server received them;
 * 5. card tokens: once payments settle, no payment method of these orders holds one, and no
 *    message of any stream (the DLQ included) ever carried one.
 */
export async function expectInvariants(system: System, initial: Record<string, number>, orders: OrderLineRecord[]): Promise<void> {
  const ids = orders.map((o) => o.id);
  const finals = new Map<string, { status: string; total: number }>(
    (await system.services.order.api.resources.db('orders').whereIn('id', ids).select('id', 'status', 'total_amount')).map((r: { id: string; status: string; total_amount: number }) => [r.id, { status: r.status, total: Number(r.total_amount) }]),
  );

  const soldByConfirmed: Record<string, number> = {};
  for (const o of orders) if (finals.get(o.id)?.status === 'confirmed') for (const l of o.items) soldByConfirmed[l.sku] = (soldByConfirmed[l.sku] ?? 0) + l.quantity;
  await eventually(async () => {
    const rows: { sku: string; available: number; reserved: number; sold: number }[] = await system.services.stock.api.resources.db('products').whereIn('sku', Object.keys(initial));
    for (const row of rows) {
      expect(row.available + row.reserved + row.sold, `${row.sku} conserved`).to.equal(initial[row.sku]);
      expect(row.available, `${row.sku} not oversold`).to.be.at.least(0);
      expect(row.reserved, `${row.sku} nothing left reserved`).to.equal(0);
      expect(row.sold, `${row.sku} sold = units of confirmed orders`).to.equal(soldByConfirmed[row.sku] ?? 0);
    }
  }, { timeoutMs: 30_000, intervalMs: 250 });

  await eventually(async () => {
    const rows: { order_id: string; status: string; amount: number | null }[] = await system.services.payment.api.resources.db('payments').whereIn('order_id', ids).select('order_id', 'status', 'amount');
    const byOrder = new Map(rows.map((r) => [r.order_id, r]));
    for (const [id, final] of finals) {
      const p = byOrder.get(id);
      const net = p?.status === 'captured' ? Number(p.amount) : 0;
      expect(net, `order ${id} ${final.status}: captured - refunded (payment ${p?.status ?? 'none'})`).to.equal(final.status === 'confirmed' ? final.total : 0);
    }
  }, { timeoutMs: 30_000, intervalMs: 250 });

  const events = await readStream(system.services.payment.api.resources.nc, system.services.payment.topology.stream('PAYMENTS'));
  const captures = new Map<string, number>();
  for (const e of events) if (e.headers['ce-type'] === 'payments.captured') captures.set(e.headers['ce-subject']!, (captures.get(e.headers['ce-subject']!) ?? 0) + 1);
  const twice = [...captures].filter(([, n]) => n > 1);
  expect(twice, 'orders captured more than once').to.deep.equal([]);

  await expectOneMailPerTransition(system, ids, finals, events);
  await expectNoCardTokens(system, ids);
}

async function expectNoCardTokens(system: System, ids: string[]): Promise<void> {
  const { db, nc } = system.services.payment.api.resources;
  await eventually(async () => {
    const held = await db('payment_methods').whereIn('order_id', ids).whereNotNull('token').select('order_id', 'status');
    expect(held, 'payment methods still holding a card token').to.deep.equal([]);
  }, { timeoutMs: 30_000, intervalMs: 250 });
  const topology = system.services.payment.topology;
  for (const stream of ['ORDERS', 'STOCK', 'PAYMENTS', 'DLQ'] as const) {
    const carrying = (await readStream(nc, topology.stream(stream))).filter((m) => /tok_/.test(JSON.stringify(m)));
    expect(carrying.map((m) => `${stream} #${m.seq}`), `messages carrying a card token in ${stream}`).to.deep.equal([]);
  }
}

async function expectOneMailPerTransition(system: System, ids: string[], finals: Map<string, { status: string }>, paymentEvents: { headers: Record<string, string> }[]): Promise<void> {
  const orderEvents = await readStream(system.services.order.api.resources.nc, system.services.order.topology.stream('ORDERS'));
  const confirmed = new Set(orderEvents.filter((e) => e.headers['ce-type'] === 'orders.confirmed').map((e) => e.headers['ce-subject']));
  const refunded = new Set(paymentEvents.filter((e) => e.headers['ce-type'] === 'payments.refunded').map((e) => e.headers['ce-subject']));
  const expected = (id: string) => ({
    confirmed: confirmed.has(id) ? 1 : 0,
    cancelled: finals.get(id)?.status === 'cancelled' ? 1 : 0,
    refunded: refunded.has(id) ? 1 : 0,
  });
  const counted = (id: string) => {
    const about = system.mails.filter((m) => m.subject.includes(id));
    return {
      confirmed: about.filter((m) => m.subject.endsWith('is confirmed')).length,
      cancelled: about.filter((m) => m.subject.endsWith('was cancelled')).length,
      refunded: about.filter((m) => m.subject.startsWith('Refund of')).length,
    };
  };
  const short = () => ids.filter((id) => Object.entries(expected(id)).some(([k, n]) => counted(id)[k as 'confirmed'] < n));
  await eventually(() => expect(short(), 'orders still missing a mail').to.deep.equal([]), { timeoutMs: 60_000, intervalMs: 250 });
  // every consumer of the system has acknowledged every event (redeliveries of a killed worker's
  // messages included): a duplicate mail would have been sent by now
  await settled(system.services.notification.api.resources.nc, system.services.notification.topology, { timeoutMs: 90_000 });
  const wrong = ids.filter((id) => JSON.stringify(counted(id)) !== JSON.stringify(expected(id))).map((id) => ({ id, expected: expected(id), mailed: counted(id) }));
  expect(wrong, 'orders mailed other than once per terminal transition').to.deep.equal([]);
}
