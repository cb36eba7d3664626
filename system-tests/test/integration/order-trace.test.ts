import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { SpanKind } from '@opentelemetry/api';
import { eventually, readStream, recordSpans, type RecordedSpans } from '@order-platform/shared/testing';
import { call, createProducts, settle } from '../support/shop.js';
import { startSystem, type System } from '../support/system.js';

type Recorded = ReturnType<RecordedSpans['spans']>[number];

describe('one order, one trace: HTTP, outbox, NATS and the consumers of three services', () => {
  let recording: RecordedSpans;
  let system: System;

  before(async () => {
    // first, so every process started below traces into it; services tell spans apart by tracer name
    recording = await recordSpans();
    system = await startSystem({ workers: 'in-process' });
    await createProducts(system, [{ sku: 'KETTLE', onHand: 5, price: 2599 }]);
  });

  after(async () => {
    await system?.close();
    await recording?.stop();
  });

  it('continues the caller\'s traceparent through every hop until the order is confirmed, each span the child of the one before', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const card = await call(system.urls.payment, 'POST', '/payment-methods', { customerId: 'tracer', type: 'card', token: 'tok_ok' });
    expect(card.status).to.equal(201);
    const placed = await call(system.urls.order, 'POST', '/orders', { customerId: 'tracer', items: [{ sku: 'KETTLE', quantity: 1 }], payment: { method: 'card', paymentMethodId: card.body.id } }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(placed.status).to.equal(202);
    const orderId: string = placed.body.id;
    expect((await settle(system, [orderId])).get(orderId)?.status).to.equal('confirmed');

    // the last hop: stock-service commits the reservation on orders.confirmed
    const spans = await eventually(() => {
      const inTrace = recording.spans().filter((s) => s.spanContext().traceId === traceId);
      expect(inTrace.map(label)).to.include('stock-service: orders.confirmed process');
      return inTrace;
    }, { timeoutMs: 20_000 });
    // at least these three: any other consumer of these events (notification-service) may join the trace too
    expect([...new Set(spans.map((s) => s.instrumentationScope.name))]).to.include.members(['order-service', 'stock-service', 'payment-service']);

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const ancestry = (span: Recorded): string[] => {
      const chain: string[] = [];
      for (let s: Recorded | undefined = span; s; s = byId.get(s.parentSpanContext?.spanId ?? '')) chain.push(label(s));
      return chain;
    };
    const last = spans.find((s) => label(s) === 'stock-service: orders.confirmed process')!;
    expect(ancestry(last).reverse()).to.deep.equal([
      'order-service: POST /orders',
      'order-service: orders.created create',
      'order-service: orders.created publish',
      'stock-service: orders.created process',
      'stock-service: stock.reserved create',
      'stock-service: stock.reserved publish',
      'payment-service: stock.reserved process',
      'payment-service: payments.captured create',
      'payment-service: payments.captured publish',
      'order-service: payments.captured process',
      'order-service: orders.confirmed create',
      'order-service: orders.confirmed publish',
      'stock-service: orders.confirmed process',
    ]);
    const root = spans.find((s) => label(s) === 'order-service: POST /orders')!;
    expect(root.kind).to.equal(SpanKind.SERVER);
    expect(root.parentSpanContext?.spanId).to.equal(callerSpanId);
    expect(root.attributes).to.include({ 'http.route': '/orders', 'http.response.status_code': 202 });
    expect(spans.filter((s) => s.kind === SpanKind.CONSUMER).every((s) => s.attributes['messaging.message.conversation_id'] === orderId)).to.equal(true);
  });

  it('stores the create span\'s traceparent in the outbox row and sends the publish span\'s in the NATS header', async () => {
    const spans = recording.spans();
    const [created] = await system.services.order.api.resources.db('outbox').where({ type: 'orders.created' }).select('id', 'traceparent');
    const create = spans.find((s) => s.name === 'orders.created create' && s.attributes['messaging.message.id'] === created.id)!;
    expect(created.traceparent).to.equal(`00-${create.spanContext().traceId}-${create.spanContext().spanId}-01`);

    const [message] = (await readStream(system.services.order.api.resources.nc, system.services.order.topology.stream('ORDERS'))).filter((m) => m.headers['ce-id'] === created.id);
    const publish = spans.find((s) => s.name === 'orders.created publish' && s.attributes['messaging.message.id'] === created.id)!;
    expect(publish.parentSpanContext?.spanId).to.equal(create.spanContext().spanId);
    expect(message!.headers['traceparent']).to.equal(`00-${publish.spanContext().traceId}-${publish.spanContext().spanId}-01`);
  });
});

function label(span: Recorded): string {
  return `${span.instrumentationScope.name}: ${span.name}`;
}
