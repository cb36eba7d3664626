import { expect } from 'chai';
import { chooseAddressee, decideDelivery, GENERIC_NAME, type Addressee, type Notification, type NotificationStatus } from '../../src/domain/notification.js';

const now = new Date('2026-11-22T10:00:00Z');
const ada = { status: 'found' as const, customer: { id: 'c-1', name: 'Ada', email: 'ada@example.com' } };
const reachable: Addressee = { kind: 'send', recipient: 'ada@example.com', name: 'Ada', email: 'ada@example.com', fallback: null };
const noAddress: Addressee = { kind: 'skip', reason: 'directory down' };

function logged(status: NotificationStatus, attempts = 1): Notification {
  return {
    id: 'n-1', dedupKey: 'order-confirmed:o-1', template: 'order-confirmed', channel: 'email', orderId: 'o-1', customerId: 'c-1', sku: null,
    recipient: 'ada@example.com', subject: 's', status, attempts, error: null, fallback: null, eventId: 'e-1', sentAt: null, createdAt: now, updatedAt: now,
  };
}

describe('delivery decisions', () => {
  it('a first delivery sends attempt 1, or skips when there is no address', () => {
    expect(decideDelivery(undefined, reachable, false)).to.deep.equal({ kind: 'send', attempt: 1, interrupted: false });
    expect(decideDelivery(undefined, noAddress, false)).to.deep.equal({ kind: 'skip', reason: 'directory down' });
  });

  it('a redelivery of a sent, skipped or unconfirmed notification does nothing', () => {
    for (const status of ['sent', 'skipped', 'unconfirmed'] as const) expect(decideDelivery(logged(status), reachable, true)).to.deep.equal({ kind: 'done' });
  });

  it('after a transient failure, or a replay of a failed one, the next attempt is sent', () => {
    expect(decideDelivery(logged('retrying', 3), reachable, false)).to.deep.equal({ kind: 'send', attempt: 4, interrupted: false });
    expect(decideDelivery(logged('failed', 8), reachable, false)).to.deep.equal({ kind: 'send', attempt: 9, interrupted: false });
  });

  it('a send interrupted by a crash is not made again on a channel whose receiver cannot drop a repeat; on one that can (webhook-id, Message-ID) it is', () => {
    expect(decideDelivery(logged('sending', 2), reachable, false)).to.deep.equal({ kind: 'unconfirm' });
    expect(decideDelivery(logged('sending', 2), reachable, true)).to.deep.equal({ kind: 'send', attempt: 3, interrupted: true });
  });

  it('staff alerts go to the staff address without a lookup', () => {
    expect(chooseAddressee('staff', 'email', undefined, 'ops@shop.example')).to.include({ kind: 'send', recipient: 'ops@shop.example' });
    expect(chooseAddressee('staff', 'webhook', undefined, 'ops@shop.example')).to.include({ kind: 'send', recipient: 'staff' });
  });

  it("a found customer is addressed by name at their email, on either channel", () => {
    expect(chooseAddressee('customer', 'email', { customerId: 'c-1', result: ada }, 'x')).to.deep.equal(reachable);
  });

  it('without the directory, an email is skipped with the reason and a webhook goes out with a generic greeting', () => {
    const down = { customerId: 'c-1', result: { status: 'unavailable' as const, reason: 'circuit open' } };
    expect(chooseAddressee('customer', 'email', down, 'x')).to.deep.equal({ kind: 'skip', reason: 'customer directory unavailable (circuit open): no address to send to' });
    expect(chooseAddressee('customer', 'webhook', down, 'x')).to.deep.equal({
      kind: 'send', recipient: 'customer:c-1', name: GENERIC_NAME, email: null, fallback: 'customer directory unavailable (circuit open)',
    });
    const unknown = { customerId: 'c-9', result: { status: 'unknown' as const } };
    expect(chooseAddressee('customer', 'email', unknown, 'x')).to.deep.equal({ kind: 'skip', reason: 'customer c-9 is not in the directory: no address to send to' });
  });
});
