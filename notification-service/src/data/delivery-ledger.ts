import { GroupCommit, type Knex } from '@order-platform/shared';
import type { Notification } from '../domain/notification.js';
import { saveNotificationOn, type AttemptChanges } from './notifications-repository.js';

interface LedgerWrite {
  notification: Notification;
  attempts: AttemptChanges;
}

/**
 * The delivery log's writes, each committed before its caller goes on (a claim before its send,
 * an outcome before its message is acknowledged), on the ledger's own pool, apart from the
 * handlers' transactions. A batch's deliveries run side by side (one lane per order), so their
 * writes come close together and share commits (shared's `GroupCommit`). The hot statements go
 * to the node-postgres connection as named statements, without knex's query building.
 */
export class DeliveryLedger {
  private readonly writes: GroupCommit<LedgerWrite>;

  constructor(readonly db: Knex) {
    this.writes = new GroupCommit(db, (connection, w) => saveNotificationOn(connection, w.notification, w.attempts));
  }

  /**
   * Inserts or replaces the notification of its dedup key (the caller holds the key's lock) and
   * records its attempts; resolves once committed. `transaction`: never as a lone statement,
   * which Postgres would commit even after its worker died waiting on it, but with a COMMIT,
   * which a dead worker never sends (the outcome of a send: see deliver-notification.ts).
   */
  save(notification: Notification, attempts: AttemptChanges = {}, { transaction = false } = {}): Promise<void> {
    return this.writes.write({ notification, attempts }, { transaction });
  }
}
