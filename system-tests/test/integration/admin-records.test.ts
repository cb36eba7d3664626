import { expect } from 'chai';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { asCustomer, eventually, expectAnswer } from '@order-platform/shared/testing';
import { call, createProducts, placeOrder, settle } from '../support/shop.js';
import { startSystem, type ServiceName, type System } from '../support/system.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const names = ['order', 'stock', 'payment', 'notification'] as const;

type Records = { service: string; orderId: string; records: { at: string; kind: string; summary: string; details: Record<string, unknown> }[]; handled: { consumer: string; subject: string; deliveries: number; traceId: string | null; streamSeq: number }[] };

describe("the console's admin endpoints over a saga run: every service's records of one order and the events it handled", () => {
  let system: System;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);

  before(async () => {
    system = await startSystem({ workers: 'in-process' });
    await createProducts(system, [{ sku: 'REC-1', onHand: 5, price: 2599 }]);
  });

  after(async () => {
    await system?.close();
  });

  /** GETs a path and checks the answer against the schema the service documents for it. */
  async function documented(name: ServiceName, path: string, documentedPath: string) {
    const answer = await call(system.urls[name], 'GET', path);
    expect(answer.status, `${name} ${path}: ${JSON.stringify(answer.body)}`).to.equal(200);
    const doc = (await call(system.urls[name], 'GET', '/openapi.json')).body;
    const validate = ajv.compile(doc.paths[documentedPath].get.responses['200'].content['application/json'].schema);
    expect(validate(answer.body), `${name} ${path}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    return answer.body;
  }

  const records = (name: ServiceName, id: string): Promise<Records> => documented(name, `/admin/orders/${id}/records`, '/admin/orders/{id}/records');
  const events = (r: Records) => r.handled.map((h) => h.subject.split('.').slice(-2).join('.'));

  it('a flaky card, confirmed then cancelled: transitions, reservation, charge requests and refund, notifications, and the handled events with their delivery counts', async () => {
    const placed = await placeOrder(system, 'tok_flaky', [{ sku: 'REC-1', quantity: 2 }]);
    await settle(system, [placed.id]);
    expect((await call(system.urls.order, 'GET', `/orders/${placed.id}`)).body).to.include({ status: 'confirmed', waitingFor: null });
    expect((await call(system.urls.order, 'POST', `/orders/${placed.id}/cancel`)).status).to.equal(202);

    const order = await eventually(async () => {
      const r = await records('order', placed.id);
      expect(r.records.map((x) => x.details['to'])).to.deep.equal(['pending', 'stock_reserved', 'confirmed', 'cancelled']);
      return r;
    });
    expect(order).to.include({ service: 'order-service', orderId: placed.id });
    expect(order.records[1]).to.deep.include({ kind: 'transition' });
    expect(order.records[1]!.details).to.include({ cause: 'stock.reserved' });
    expect(events(order)).to.have.members(['stock.reserved', 'payments.captured']);

    const stock = await eventually(async () => {
      const r = await records('stock', placed.id);
      expect(r.records.map((x) => x.kind)).to.deep.equal(['reservation', 'reservation-status']);
      expect(r.records[1]!.details).to.include({ status: 'restocked' });
      return r;
    });
    expect(stock.records[0]!.details['lines']).to.deep.equal([{ sku: 'REC-1', quantity: 2 }]);
    expect(events(stock)).to.have.members(['orders.created', 'orders.confirmed', 'orders.cancelled']);

    // a gateway request is recorded (committed) before the batch that made it commits its handled
    // event, and a mail's delivery before its batch too: wait for both
    const payment = await eventually(async () => {
      const r = await records('payment', placed.id);
      expect(r.records.map((x) => x.kind)).to.include.members(['payment', 'gateway-charge', 'gateway-refund']);
      expect(events(r)).to.include.members(['orders.created', 'stock.reserved', 'orders.cancelled']);
      return r;
    });
    expect(payment.records.find((x) => x.kind === 'gateway-charge')!.details).to.include({ outcome: 'captured', requests: 3 });
    // the charge failed twice at the gateway: the message that carried it was delivered three times
    expect(Math.max(...payment.handled.map((h) => h.deliveries))).to.equal(3);

    const notification = await eventually(async () => {
      const r = await records('notification', placed.id);
      expect(r.records.filter((x) => x.kind === 'delivery-attempt' && x.details['outcome'] === 'sent')).to.have.length.of.at.least(2);
      expect(events(r)).to.include.members(['orders.confirmed', 'orders.cancelled']);
      return r;
    });
    const mail = notification.records.find((x) => x.kind === 'notification' && x.details['channel'] === 'email')!;
    expect(mail.details['messageId']).to.match(/^<[0-9a-f-]{36}@notification-service>$/);

    for (const r of [order, stock, payment, notification]) {
      expect(r.records.map((x) => x.at), `${r.service}: oldest first`).to.deep.equal(r.records.map((x) => x.at).sort());
      for (const h of r.handled) {
        expect(h.traceId, `${r.service} ${h.consumer}`).to.match(/^[0-9a-f]{32}$/);
        expect(h.streamSeq).to.be.above(0);
      }
    }
  });

  it("lists every service's own durable consumers and its outbox, and its dead letters, as documented, to staff only", async () => {
    const customer = await asCustomer('shopper');
    for (const name of names) {
      for (const path of ['/admin/consumers', '/admin/dead-letters', '/admin/orders/o-1/records']) {
        await expectAnswer(system.urls[name], 'GET', path, {}, 401);
        await expectAnswer(system.urls[name], 'GET', path, customer, 403);
      }
      const body = await documented(name, '/admin/consumers', '/admin/consumers');
      const declared = system.services[name].api.resources.service;
      expect(body.service).to.equal(declared);
      expect(body.consumers.length).to.be.above(0);
      for (const c of body.consumers) expect(c.durable.startsWith(`${declared}-`), c.durable).to.equal(true);
      await documented(name, '/admin/dead-letters', '/admin/dead-letters');
    }
  });
});
