import { expect } from 'chai';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { declareTopology, defaultStreamSettings, Topology, type NatsConnection } from '@order-platform/shared';
import { deleteNamespaceStreams, testLog, testNatsConnection, uniqueNamespace } from '@order-platform/shared/testing';
import { services } from '../../src/services.js';
import { buildStreamReport, formatStreamReport } from '../../src/stream-report.js';
import { publishMany } from '../support/lag.js';

describe('make streams: the stream and consumer report', function () {
  this.timeout(30_000);
  const topology = new Topology(uniqueNamespace('streams'));
  let nc: NatsConnection;

  before(async () => {
    nc = await testNatsConnection();
    const payment = await services['payment-service']!();
    await declareTopology(nc, topology, payment, defaultStreamSettings, testLog);
    await publishMany(nc, topology, 'orders.created', 5);
    await publishMany(nc, topology, 'orders.cancelled', 2);
    await publishMany(nc, topology, 'stock.reserved', 3);
    // a worker took two orders.created and has acknowledged one of them so far
    const consumer = await jetstream(nc).consumers.get(topology.stream('ORDERS'), 'payment-service-orders-created');
    const taken: JsMsg[] = [];
    for await (const m of await consumer.fetch({ max_messages: 2, expires: 2000 })) {
      taken.push(m);
      if (taken.length === 2) break;
    }
    await taken[0]!.ackAck();
  });

  after(async () => {
    await deleteNamespaceStreams(nc, topology.namespace);
    await nc.close();
  });

  it('shows each stream with its message count, sequences and consumer count', async () => {
    const { streams } = await buildStreamReport(nc, topology);
    expect(streams.map((s) => [s.stream, s.found, s.messages, s.firstSeq, s.lastSeq, s.consumerCount])).to.deep.equal([
      [topology.stream('ORDERS'), true, 7, 1, 7, 2],
      [topology.stream('STOCK'), true, 3, 1, 3, 1],
      [topology.stream('PAYMENTS'), true, 0, 0, 0, 0],
      [topology.stream('DLQ'), true, 0, 0, 0, 0],
    ]);
    expect(streams[0]!.bytes).to.be.greaterThan(0);
  });

  it('shows the real pending, unacknowledged and lag numbers of every durable consumer', async () => {
    const { consumers } = await buildStreamReport(nc, topology);
    expect(consumers).to.deep.equal([
      { stream: topology.stream('ORDERS'), durable: 'payment-service-orders-cancelled', pending: 2, ackPending: 0, redelivered: 0, waiting: 0, lag: 2 },
      { stream: topology.stream('ORDERS'), durable: 'payment-service-orders-created', pending: 3, ackPending: 1, redelivered: 0, waiting: 0, lag: 4 },
      { stream: topology.stream('STOCK'), durable: 'payment-service-stock-reserved', pending: 3, ackPending: 0, redelivered: 0, waiting: 0, lag: 3 },
    ]);
  });

  it('prints the report as aligned tables, numbers right-aligned under their headers', async () => {
    const lines = formatStreamReport(await buildStreamReport(nc, topology));
    const head = lines.find((l) => l.includes('pending'))!;
    const row = lines.find((l) => l.includes('payment-service-orders-created'))!;
    expect(head).to.match(/^stream +consumer +pending +ack pending +redelivered +waiting +lag$/);
    expect(row).to.match(/ 3 +1 +0 +0 +4$/);
    expect(row.length).to.equal(head.length);
    expect(lines.find((l) => l.startsWith(topology.stream('ORDERS')))).to.match(/ 7 +\d+(\.\d)? (B|KiB) +1 +7 +2$/);
  });

  it('names the streams that are missing when a namespace has not been migrated', async () => {
    const empty = new Topology(uniqueNamespace('nostreams'));
    const report = await buildStreamReport(nc, empty);
    expect(report.streams.every((s) => !s.found)).to.equal(true);
    expect(report.consumers).to.deep.equal([]);
    expect(formatStreamReport(report)).to.include(`not found: ${empty.stream('ORDERS')}, ${empty.stream('STOCK')}, ${empty.stream('PAYMENTS')}, ${empty.stream('DLQ')} (has the migrator run for this namespace?)`);
  });
});
