import { expectAnswer, principals } from '@order-platform/shared/testing';
import { startNotificationService, type NotificationService } from '../../support/notification-service.js';

describe('notification-service: who may call which route', () => {
  let sut: NotificationService;
  let as: Awaited<ReturnType<typeof principals>>;

  before(async () => {
    sut = await startNotificationService({}, { worker: false });
    as = await principals();
  });

  after(async () => {
    await sut?.close();
  });

  it('the delivery log and the templates are for staff: 401 without a token, 403 for a customer or a token without a role, 2xx for admin', async () => {
    const edit = { email: { subject: 'Refund for {{orderId}}', body: '{{amount}} is on its way back' } };
    const routes = [
      ['GET', '/notifications', undefined],
      ['GET', '/templates', undefined],
      ['GET', '/templates/payment-refunded', undefined],
      ['PUT', '/templates/payment-refunded', edit],
    ] as const;
    for (const [method, path, body] of routes) {
      await expectAnswer(sut.api.url, method, path, as.none, 401, body);
      await expectAnswer(sut.api.url, method, path, as.noRole, 403, body);
      await expectAnswer(sut.api.url, method, path, as.ada, 403, body);
      await expectAnswer(sut.api.url, method, path, as.admin, 200, body);
    }
  });
});
