import { expect } from 'chai';
import { AppError, backoff, envelopeHeaders, newEvent, ownerSourceOf, parseEnvelope, Topology } from '../../src/index.js';

const data = { sku: 'SKU-1', name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version: 1, changedAt: '2026-01-01T00:00:00.000Z' };

function message(payload: unknown, mutate?: (h: ReturnType<typeof envelopeHeaders>) => void) {
  const headers = envelopeHeaders({ id: 'e1', type: 'stock.product-changed', source: '/stock-service', subject: 'SKU-1', time: '2026-01-01T00:00:00.000Z' });
  mutate?.(headers);
  return { headers, data: new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload)) };
}

function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

describe('event envelope', () => {
  it('round-trips an event through CloudEvents binary headers', () => {
    const event = parseEnvelope(message(data));
    expect(event).to.deep.include({ id: 'e1', type: 'stock.product-changed', source: '/stock-service', subject: 'SKU-1' });
    expect(event.data).to.deep.equal(data);
  });

  it('sets Nats-Msg-Id to ce-id', () => {
    expect(message(data).headers.get('Nats-Msg-Id')).to.equal('e1');
  });

  it('rejects, as bad_request, a missing attribute, an unknown type, bad JSON and a schema violation', () => {
    expect(rejection(() => parseEnvelope(message(data, (h) => h.delete('ce-id')))).kind).to.equal('bad_request');
    expect(rejection(() => parseEnvelope(message(data, (h) => h.set('ce-type', 'orders.teleported')))).message).to.match(/unknown event type/);
    expect(rejection(() => parseEnvelope(message('{not json'))).message).to.match(/not JSON/);
    const invalid = rejection(() => parseEnvelope(message({ ...data, price: { amount: -1, currency: 'EUR' } })));
    expect(invalid.details?.['errors']).to.deep.include({ path: '/price/amount', message: 'must be >= 0' });
  });

  it('refuses to build an event whose payload breaks its schema', () => {
    expect(() => newEvent('stock.product-changed', { source: '/x', subject: 's', time: new Date(), data: { ...data, extra: 1 } as never })).to.throw(AppError, /payload is invalid/);
  });

  it('namespaces subjects and streams, and leaves them bare without a namespace', () => {
    expect(new Topology().subject('orders.created')).to.equal('orders.created');
    expect(new Topology('t1').subject('orders.created')).to.equal('t1.orders.created');
    expect(new Topology('t1').streamFor('payments.failed')).to.equal('t1_PAYMENTS');
    expect(new Topology('t1').dlqSubject('order-service', 'c')).to.equal('t1.dlq.order-service.c');
    expect(() => new Topology('Bad.Name')).to.throw(/invalid NATS namespace/);
  });

  it('names as the only valid ce-source of an event the service owning its domain', () => {
    expect(ownerSourceOf('orders.cancelled')).to.equal('/order-service');
    expect(ownerSourceOf('stock.product-changed')).to.equal('/stock-service');
    expect(ownerSourceOf('payments.captured')).to.equal('/payment-service');
  });

  it('backs off exponentially up to the cap, with jitter', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoff(1, policy)).to.be.within(80, 120);
    expect(backoff(3, policy)).to.be.within(320, 480);
    expect(backoff(20, policy)).to.be.within(800, 1200);
  });
});
