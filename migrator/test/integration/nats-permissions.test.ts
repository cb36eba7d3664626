import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { closeNats, connectNats, createDb, listDeadLetters, replayDeadLetter, Topology, type EventType, type NatsConnection, type ServiceDescriptor } from '@order-platform/shared';
import { asAdmin, asCustomer, callAs, eventually, publishEvent, readStream, testLog, uniqueNamespace } from '@order-platform/shared/testing';
import { startDirectoryStub } from 'notification-service/customer-directory';
import { MIGRATOR_USER, natsAuthorization, passwordVariableOf } from '../../src/nats-authorization.js';
import { services } from '../../src/services.js';
import { buildStreamReport } from '../../src/stream-report.js';
import { startOwnNatsServer, type OwnNatsServer } from '../support/nats-server.js';
import { forged, line, rejection, runTool } from '../support/permission-fixtures.js';
import { startSecuredService, type SecuredService } from '../support/secured-system.js';
// the SMTP sink `make dev` and the system tests use
import { startMailSink } from '../../../scripts/mail-sink.mjs';

const hasNatsServer = spawnSync(process.env['NATS_SERVER_BIN'] ?? 'nats-server', ['--version']).status === 0;

describe('NATS users and permissions generated from the code, on a nats-server of its own', function () {
  this.timeout(120_000);
  const namespace = uniqueNamespace('perm');
  const topology = new Topology(namespace);
  const users = [...Object.keys(services), MIGRATOR_USER];
  // nats-server parses a variable's value as a config value: one starting with a digit breaks it
  const passwords = Object.fromEntries(users.map((user) => [user, `p${randomBytes(18).toString('hex')}`]));
  const running: SecuredService[] = [];
  const connections: NatsConnection[] = [];
  const mails: { to: string[]; text: string }[] = [];
  let server: OwnNatsServer | undefined;
  let sink: { close(): Promise<unknown> } | undefined;
  let directory: { url: string; stop(): Promise<void> } | undefined;
  let descriptors: ServiceDescriptor[];

  const as = async (user: string) => {
    const nc = await connectNats({ url: server!.url, name: `test-${user}`, log: testLog, user, password: passwords[user]!, connectTimeoutMs: 2000 });
    connections.push(nc);
    return nc;
  };

  before(async function () {
    // without a local nats-server binary (make test-containers), there is no server to configure
    if (!hasNatsServer && !process.env['TEST_NATS_URL']) this.skip();
    descriptors = await Promise.all(Object.values(services).map((load) => load()));
    const env = Object.fromEntries(users.map((user) => [passwordVariableOf(user), passwords[user]!]));
    server = await startOwnNatsServer(natsAuthorization(descriptors, { namespace }), env);
    const mailSink = await startMailSink({ port: 0, onMail: (mail: { to: string[]; text: string }) => void mails.push(mail) });
    sink = mailSink;
    directory = await startDirectoryStub({ port: 0, logLevel: 'silent' }, testLog);
    const nats = { url: server.url, namespace, passwords };
    for (const service of ['stock-service', 'order-service', 'payment-service']) running.push(await startSecuredService(service, nats));
    running.push(await startSecuredService('notification-service', nats, { SMTP_URL: `smtp://127.0.0.1:${mailSink.port}`, CUSTOMER_DIRECTORY_URL: directory.url }));
    running.push(await startSecuredService('analytics-service', nats));
  });

  after(async () => {
    for (const nc of connections) await closeNats(nc);
    for (const service of running.reverse()) await service.stop();
    await directory?.stop();
    await sink?.close();
    await server?.stop();
  });

  it('runs an order through stock, order, payment and notification (and analytics), each as its own user, without one permissions violation', async () => {
    const sku = line.sku;
    const [stock, order, payment] = running.map((s) => s.url);
    const call = callAs(asAdmin());
    const created = await call(stock!, 'POST', '/products', { sku, name: 'Kettle', price: { amount: 180, currency: 'EUR' }, onHand: 5 });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const card = await callAs(asCustomer('cust-ada'))(payment!, 'POST', '/payment-methods', { type: 'card', token: 'tok_ok' });
    expect(card.status, JSON.stringify(card.body)).to.equal(201);
    // accepted once stock.product-changed has reached order-service's catalog
    const placed = await eventually(async () => {
      const r = await callAs(asCustomer('cust-ada'))(order!, 'POST', '/orders', { items: [{ sku, quantity: 2 }], payment: { method: 'card', paymentMethodId: card.body.id } });
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      return r.body as { id: string };
    }, { timeoutMs: 20_000, intervalMs: 200 });
    await eventually(async () => expect((await call(order!, 'GET', `/orders/${placed.id}`)).body.status).to.equal('confirmed'), { timeoutMs: 30_000, intervalMs: 200 });
    expect((await call(payment!, 'GET', `/payments?orderId=${placed.id}`)).body[0]).to.deep.include({ status: 'captured', amount: { amount: 360, currency: 'EUR' } });
    await eventually(() => expect(mails.filter((m) => m.to.includes('ada@customers.example') && m.text.includes(placed.id))).to.have.length(1), { timeoutMs: 20_000 });
    // analytics-service reads every stream as its own user
    const analytics = running[4]!.url;
    await eventually(async () => expect((await call(analytics, 'GET', '/analytics/today')).body.orders).to.deep.include({ placed: 1, confirmed: 1 }), { timeoutMs: 20_000, intervalMs: 200 });
    expect(server!.output().split('\n').filter((l) => /violation/i.test(l))).to.deep.equal([]);
  });

  it('refuses a client without credentials, and one with a wrong password', async () => {
    expect((await rejection(connect({ servers: server!.url, reconnect: false }))).message).to.match(/authorization violation/i);
    const wrong = rejection(connectNats({ url: server!.url, name: 'test-wrong', log: testLog, user: 'payment-service', password: 'guess', connectTimeoutMs: 2000 }));
    expect((await wrong).message).to.match(/authorization violation/i);
  });

  it('stops stock-service and notification-service from publishing the events of other domains', async () => {
    const cases: [string, EventType[]][] = [
      ['stock-service', ['payments.captured', 'orders.created', 'orders.confirmed']],
      ['notification-service', ['payments.captured', 'orders.created', 'stock.reserved', 'orders.confirmed']],
    ];
    const orderId = randomUUID();
    for (const [user, types] of cases) {
      const nc = await as(user);
      for (const type of types) {
        const error = await rejection(publishEvent(nc, topology, type, forged[type]!(orderId) as never, { subject: orderId }));
        expect(error.message, `${user} publishing ${type}`).to.match(/permissions violation for publish/i);
      }
    }
    // its own domain, for contrast
    const ack = await jetstream(await as('stock-service')).publish(topology.subject('stock.released'), JSON.stringify({}));
    expect(ack.stream).to.equal(topology.stream('STOCK'));
    const migrator = await as(MIGRATOR_USER);
    for (const stream of ['ORDERS', 'STOCK', 'PAYMENTS'] as const) {
      expect((await readStream(migrator, topology.stream(stream))).filter((m) => m.headers['ce-subject'] === orderId), stream).to.deep.equal([]);
    }
  });

  it("stops a service from reading another service's durable consumer or another domain's subjects", async () => {
    const nc = await as('stock-service');
    const js = jetstream(nc);
    const payments = topology.stream('PAYMENTS');
    expect((await rejection(js.consumers.get(payments, 'order-service-payments-captured'))).message).to.match(/permissions violation for publish/i);
    const pull = nc.request(`$JS.API.CONSUMER.MSG.NEXT.${payments}.order-service-payments-captured`, JSON.stringify({ batch: 1, no_wait: true }), { timeout: 2000 });
    expect((await rejection(pull)).message).to.match(/permissions violation for publish/i);
    const sniff = nc.subscribe(topology.subject('payments.captured'));
    expect(String(await sniff.closed)).to.match(/permissions violation for subscription/i);
    // its own durable, for contrast
    expect((await (await js.consumers.get(topology.stream('ORDERS'), 'stock-service-orders-created')).info(true)).name).to.equal('stock-service-orders-created');
  });

  it('lets each worker dead-letter under its own user, and the operator tools, as migrator, read the streams and replay', async () => {
    const orderId = randomUUID();
    // a subject order-service may publish to, with a source that is not its own
    const id = await publishEvent(await as('order-service'), topology, 'orders.confirmed', forged['orders.confirmed']!(orderId), { subject: orderId, source: '/notification-service' });
    const migrator = await as(MIGRATOR_USER);
    const letters = await eventually(async () => {
      const found = (await listDeadLetters(migrator, topology)).filter((d) => d.eventId === id);
      expect(found.map((d) => d.service).sort()).to.deep.equal(['analytics-service', 'notification-service', 'stock-service']);
      return found;
    });
    for (const d of letters) expect(d.error).to.equal('ce-source /notification-service is not the owner of orders.confirmed');
    const replayed = await replayDeadLetter(migrator, topology, letters[0]!.seq);
    expect(replayed.subject).to.equal(topology.subject('orders.confirmed'));
    const report = await buildStreamReport(migrator, topology);
    expect(report.streams.every((s) => s.found)).to.equal(true);
    expect(report.consumers).to.have.length(descriptors.flatMap((d) => d.consumers).length);
    const advisories = migrator.subscribe('$JS.EVENT.ADVISORY.>');
    await migrator.flush();
    expect(advisories.isClosed(), 'the migrator may watch advisories').to.equal(false);
  });

  it("lets each api show its own consumers and dead letters under its own user, and answers that a letter its consumer would refuse again is not replayable", async () => {
    const stock = running.find((s) => s.descriptor.service === 'stock-service')!;
    const staff = callAs(asAdmin());
    const consumers = await staff(stock.url, 'GET', '/admin/consumers');
    expect(consumers.status, JSON.stringify(consumers.body)).to.equal(200);
    expect(consumers.body.consumers.map((c: { durable: string }) => c.durable)).to.include('stock-service-orders-created');
    // the forged event of the test before, dead-lettered by stock-service (again, if that test replayed stock-service's copy)
    const letter = await eventually(async () => {
      const letters = await staff(stock.url, 'GET', '/admin/dead-letters');
      expect(letters.status, JSON.stringify(letters.body)).to.equal(200);
      const [found] = letters.body.deadLetters.filter((d: { error: string }) => d.error === 'ce-source /notification-service is not the owner of orders.confirmed');
      expect(found, JSON.stringify(letters.body)).to.include({ consumer: 'stock-service-orders-confirmed' });
      return found;
    });
    const replay = await staff(stock.url, 'POST', '/admin/dead-letters/replay', { seqs: [letter.seq] });
    expect(replay.body).to.deep.equal({ replayed: [], failed: [{ seq: letter.seq, error: 'not replayable, its consumer would refuse it again: ce-source /notification-service is not the owner of orders.confirmed' }] });
    expect((await staff(stock.url, 'GET', '/admin/dead-letters')).body.deadLetters.map((d: { seq: number }) => d.seq)).to.include(letter.seq);
  });

  it("lets notification-service's api, under its own user, replay a dead letter of order-service's event through its own worker: the mail is sent", async () => {
    const notification = running.find((s) => s.descriptor.service === 'notification-service')!;
    const staff = callAs(asAdmin());
    // a text the template rules refuse (written by SQL, as an old row could be): the mail is dead-lettered at once
    const db = createDb(notification.database.url);
    await db('templates').where({ name: 'order-confirmed', channel: 'email' }).update({ body: '{{#items}}{{#items}}{{sku}}{{/items}}{{/items}}' });
    await db.destroy();
    // an order confirmed as in the first test: order-service publishes orders.confirmed, notification-service dead-letters its mail
    const customer = callAs(asCustomer('cust-ada'));
    const card = await customer(running[2]!.url, 'POST', '/payment-methods', { type: 'card', token: 'tok_ok' });
    const placed = await customer(running[1]!.url, 'POST', '/orders', { items: [{ sku: line.sku, quantity: 1 }], payment: { method: 'card', paymentMethodId: card.body.id } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const orderId = placed.body.id as string;
    const letter = await eventually(async () => {
      const letters = await staff(notification.url, 'GET', '/admin/dead-letters');
      const [found] = letters.body.deadLetters.filter((d: { orderId: string | null }) => d.orderId === orderId);
      expect(found, JSON.stringify(letters.body)).to.deep.include({ consumer: 'notification-service-orders-confirmed', originalSubject: topology.subject('orders.confirmed') });
      return found;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    const fixed = await staff(notification.url, 'PUT', '/templates/order-confirmed', { email: { subject: 'Order {{orderId}} confirmed', body: 'Order {{orderId}}: {{#items}}{{sku}} {{/items}}' } });
    expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
    const violations = () => server!.output().split('\n').filter((l) => /violation/i.test(l));
    const before = violations().length; // the tests before provoke some on purpose
    const replay = await staff(notification.url, 'POST', '/admin/dead-letters/replay', { seqs: [letter.seq] });
    expect(replay.body).to.deep.equal({ replayed: [letter.seq], failed: [] });
    await eventually(() => expect(mails.filter((m) => m.to.includes('ada@customers.example') && m.text.includes(orderId))).to.have.length(1), { timeoutMs: 15_000 });
    expect((await staff(notification.url, 'GET', '/admin/dead-letters')).body.deadLetters.map((d: { seq: number }) => d.seq)).to.not.include(letter.seq);
    expect(violations().slice(before)).to.deep.equal([]);
  });

  it('lets the dlq and streams tools connect as the user in NATS_USER / NATS_PASSWORD, and refuses them without', async () => {
    const env = { NATS_URL: server!.url, NATS_NAMESPACE: namespace, NATS_USER: MIGRATOR_USER, NATS_PASSWORD: passwords[MIGRATOR_USER]! };
    const [dlq, streams, anonymous] = await Promise.all([runTool('dlq.ts', ['list'], env), runTool('streams.ts', [], env), runTool('streams.ts', [], { ...env, NATS_USER: '' })]);
    expect(dlq.code, dlq.output).to.equal(0);
    expect(dlq.output).to.include('ce-source /notification-service is not the owner of orders.confirmed');
    expect(streams.code, streams.output).to.equal(0);
    expect(streams.output).to.include(topology.stream('DLQ'));
    expect(anonymous.code).to.not.equal(0);
    expect(anonymous.output).to.match(/authorization violation/i);
  });
});
