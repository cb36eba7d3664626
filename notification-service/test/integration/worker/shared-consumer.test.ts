import { expect } from 'chai';
import { sleep } from '@order-platform/shared/testing';
import { TestDirectory, TestWebhookReceiver } from '../../support/http-peers.js';
import { call, orderConfirmed, publish, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';
import { kill, pullRequests, shortenAckWait, spawnWorker } from '../../support/worker-process.js';

const secret = 'a-webhook-secret-of-some-length';
const ORDERS = 60;

/**
 * Three worker processes on one durable consumer (docs/architecture.md, "Scaling": replicas add throughput). The
 * webhook receiver answers slowly, so each worker holds unacknowledged messages when one of
 * them is SIGKILLed; JetStream hands those to the others after ack_wait.
 */
describe('worker: three replicas sharing the durable consumer', function () {
  this.timeout(90_000);
  let receiver: TestWebhookReceiver;
  let directory: TestDirectory;
  let sut: NotificationService;

  before(async () => {
    [receiver, directory] = await Promise.all([TestWebhookReceiver.start(secret), TestDirectory.start()]);
    directory.customers.set('cust-mary', { name: 'Mary Jackson', email: 'mary@example.com' });
    receiver.beforeRespond = () => sleep(300);
    sut = await startNotificationService(
      { NOTIFY_CUSTOMER_CHANNEL: 'webhook', WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, CUSTOMER_DIRECTORY_URL: directory.url, CONSUMER_BATCH_SIZE: '4', CONSUMER_CONCURRENCY: '2', LOG_LEVEL: 'info' },
      { worker: false },
    );
    await shortenAckWait(sut, 'ORDERS', 'notification-service-orders-confirmed', 3000);
  });
  after(async () => {
    await sut.close();
    await Promise.all([receiver.stop(), directory.stop()]);
  });

  it('spreads the messages over all three, handles none twice, and hands a killed one’s unacked messages to the others', async () => {
    const sentBy = new Map<string, number>(); // notification id → worker index
    const sentCount = [0, 0, 0];
    const twice: string[] = [];
    let started = 0;
    let redelivered = 0; // sent by a survivor from a message JetStream had delivered before
    const workers = [0, 1, 2].map((i) =>
      spawnWorker(sut, { LOG_LEVEL: 'info' }, (line) => {
        if (line.includes('"msg":"worker started"')) started += 1;
        if (!line.includes('"msg":"notification sent"')) return;
        const { notificationId: id, delivery } = JSON.parse(line) as { notificationId: string; delivery: number };
        if (delivery > 1) redelivered += 1;
        if (sentBy.has(id)) twice.push(id);
        sentBy.set(id, i);
        sentCount[i]! += 1;
      }),
    );
    try {
      // all three up and pulling: each has logged its start, and their pull requests wait on the consumer
      await waitFor(() => started, (n) => n === 3, 30_000);
      await waitFor(() => pullRequests(sut, 'ORDERS', 'notification-service-orders-confirmed'), (n) => n >= 3);
      const orders = Array.from({ length: ORDERS }, () => orderConfirmed('cust-mary'));
      // all at once: a backlog, so that each worker is still holding messages when one is killed
      // (published one by one on a loaded machine, the workers kept up and were idle by then)
      await Promise.all(orders.map((order) => publish(sut, 'orders.confirmed', order)));
      await waitFor(() => sentCount, (counts) => counts.every((n) => n > 0) && counts[0]! >= 3, 20_000);
      const [victim] = workers;
      await kill(victim!);
      const beforeKill = sentCount[0]!;

      const log = await waitFor(
        async () => (await call(sut.api.url, 'GET', `/notifications?limit=500`)).body as NotificationBody[],
        (rows) => rows.length === ORDERS && rows.every((n) => n.status === 'sent'),
        60_000,
      );
      const interrupted = log.filter((n) => n.attemptLog.some((a) => a.outcome === 'interrupted'));
      process.stdout.write(`      sent per worker: ${JSON.stringify(sentCount)} (worker 0 killed after ${beforeKill}); redelivered to the others: ${redelivered}; interrupted and re-sent: ${interrupted.length}\n`);

      expect(sentCount.every((n) => n > 0), 'every worker took a share').to.equal(true);
      // (log lines count per worker; the killed one's last lines may die with it, so the log table
      // and the receiver are what prove every notification went out)
      expect(twice, 'notifications a second worker also sent').to.deep.equal([]);
      expect(redelivered, "the killed worker's unacknowledged messages, handled by the others").to.be.greaterThan(0);
      expect(new Set(receiver.received.map((w) => w.id)).size).to.equal(ORDERS);
      // a webhook goes out a second time only if the killed worker was sending it when it died
      // (an interrupted claim may also have died before its webhook left: then it went out once)
      expect(receiver.received.length - ORDERS).to.be.at.most(interrupted.length);
    } finally {
      for (const worker of workers) await kill(worker);
    }
  });
});
