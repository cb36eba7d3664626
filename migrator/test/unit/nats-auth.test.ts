import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { consumerName, domainOwners, Topology, type ServiceDescriptor } from '@order-platform/shared';
import { MIGRATOR_USER, natsAuthorization, natsUsers, serviceUser } from '../../src/nats-authorization.js';
import { services } from '../../src/services.js';

const dir = new URL('../../../deploy/nats/', import.meta.url);
const committed = readFileSync(new URL('auth.conf', dir), 'utf8');
const natsConf = readFileSync(new URL('nats.conf', dir), 'utf8');

describe('NATS users and permissions (deploy/nats/auth.conf)', () => {
  let descriptors: ServiceDescriptor[];
  before(async () => {
    descriptors = await Promise.all(Object.values(services).map((load) => load()));
  });

  it('is what the code generates now (run `make nats-auth` after changing a stream or a consumer)', () => {
    expect(committed).to.equal(natsAuthorization(descriptors, { namespace: '' }));
  });

  it('is included by nats.conf, lets no client in without credentials and holds no password', () => {
    expect(natsConf).to.match(/^include \.\/auth\.conf$/m);
    expect(`${natsConf}\n${committed}`).to.not.match(/no_auth_user/);
    const passwords = [...committed.matchAll(/password: (.*)/g)].map((m) => m[1]);
    expect(passwords).to.deep.equal(natsUsers(descriptors, { namespace: '' }).map((u) => `$${u.passwordVariable}`));
  });

  it("lets each service publish only its own domain's subjects and its own dead letters", () => {
    const own = Object.fromEntries(natsUsers(descriptors, { namespace: '' }).map((u) => [u.user, u.publish.filter((s) => !s.startsWith('$JS.'))]));
    expect(own).to.deep.equal({
      'analytics-service': ['dlq.analytics-service.>'],
      'notification-service': ['dlq.notification-service.>'],
      'order-service': ['orders.>', 'dlq.order-service.>'],
      'payment-service': ['payments.>', 'dlq.payment-service.>'],
      'stock-service': ['stock.>', 'dlq.stock-service.>'],
      [MIGRATOR_USER]: ['orders.>', 'stock.>', 'payments.>'],
    });
    for (const [domain, owner] of Object.entries(domainOwners)) expect(own[owner], owner).to.include(`${domain}.>`);
  });

  it('gives each service the JetStream API of its own durable consumers only (reading back a message of their streams), the DLQ stream to read and delete from (its admin endpoints), their max-deliveries advisories, and replies on its own inbox prefix', () => {
    for (const descriptor of descriptors) {
      const { publish, subscribe } = serviceUser(descriptor, new Topology('t1'));
      const api = publish.filter((s) => s.startsWith('$JS.'));
      const expected = descriptor.consumers.flatMap((c) => {
        const durable = consumerName(descriptor.service, c.event);
        const stream = new Topology('t1').streamFor(c.event);
        return [`$JS.API.CONSUMER.INFO.${stream}.${durable}`, `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`];
      });
      const streams = new Set(descriptor.consumers.map((c) => new Topology('t1').streamFor(c.event)));
      const dlq = ['$JS.API.STREAM.INFO.t1_DLQ', '$JS.API.STREAM.MSG.GET.t1_DLQ', '$JS.API.STREAM.MSG.DELETE.t1_DLQ'];
      expect(api.sort(), descriptor.service).to.deep.equal(['$JS.API.INFO', ...expected, ...[...streams].map((s) => `$JS.API.STREAM.MSG.GET.${s}`), ...dlq].sort());
      const advisories = descriptor.consumers.map((c) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${new Topology('t1').streamFor(c.event)}.${consumerName(descriptor.service, c.event)}`);
      expect(subscribe, descriptor.service).to.deep.equal([`_INBOX_${descriptor.service}.>`, ...advisories]);
    }
  });

  it('prefixes every subject and stream with the namespace, for tests', () => {
    const order = natsUsers(descriptors, { namespace: 't1' }).find((u) => u.user === 'order-service')!;
    expect(order.publish).to.include.members(['t1.orders.>', 't1.dlq.order-service.>', '$JS.API.CONSUMER.MSG.NEXT.t1_STOCK.order-service-stock-reserved']);
    expect(natsAuthorization(descriptors, { namespace: 't1' })).to.not.match(/"(orders|stock|payments|dlq)\./);
  });

  it('refuses to let a service publish a domain it does not own', () => {
    const stock = descriptors.find((d) => d.service === 'stock-service')!;
    expect(() => serviceUser({ ...stock, streams: ['STOCK', 'PAYMENTS', 'DLQ'] }, new Topology())).to.throw('stock-service declares PAYMENTS, whose events only payment-service publishes');
  });
});
