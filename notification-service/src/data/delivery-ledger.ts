import type { Knex } from '@order-platform/shared';
import type { Notification } from '../domain/notification.js';
import { saveNotificationOn, type AttemptChanges } from './notifications-repository.js';
import { inTransactionOn, withConnection } from './raw-connection.js';

interface Waiting {
  notification: Notification;
  attempts: AttemptChanges;
  /** committed by a COMMIT even when written alone (see `save`) */
  transaction: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The delivery log's writes, each committed before its caller goes on (a claim before its send,
 * an outcome before its message is acknowledged), on the ledger's own pool, apart from the
 * handlers' transactions.
 *
 * A batch's deliveries run side by side (one lane per order), so their writes come close
 * together: a write asked for while another is being committed waits for it, and all that
 * waited go out together in the next transaction, one BEGIN … COMMIT (their statements in one
 * socket write) instead of one each. An idle ledger writes at once, and a write alone is one
 * statement, in a transaction only where its caller asks for one. When a shared transaction
 * fails, each of its writes is made again on its own, so a write that cannot be made fails only
 * its own delivery.
 */
export class DeliveryLedger {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(readonly db: Knex) {}

  /**
   * Inserts or replaces the notification of its dedup key (the caller holds the key's lock) and
   * records its attempts; resolves once committed. `transaction`: never as a lone statement,
   * which Postgres would commit even after its worker died waiting on it, but with a COMMIT,
   * which a dead worker never sends (the outcome of a send: see deliver-notification.ts).
   */
  save(notification: Notification, attempts: AttemptChanges = {}, { transaction = false } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ notification, attempts, transaction, resolve, reject });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const writes = this.waiting.splice(0);
        if (writes.length > 1 && (await this.together(writes))) continue;
        await Promise.all(writes.map((w) => this.alone(w)));
      }
    } finally {
      this.writing = false;
    }
  }

  private async together(writes: Waiting[]): Promise<boolean> {
    try {
      await inTransactionOn(this.db, (connection) => Promise.all(writes.map((w) => saveNotificationOn(connection, w.notification, w.attempts))));
    } catch {
      return false; // each again on its own: only the one that cannot be written fails
    }
    for (const w of writes) w.resolve();
    return true;
  }

  private alone(w: Waiting): Promise<void> {
    const write = (connection: Parameters<typeof saveNotificationOn>[0]) => saveNotificationOn(connection, w.notification, w.attempts);
    return (w.transaction ? inTransactionOn(this.db, write) : withConnection(this.db, write)).then(w.resolve, w.reject);
  }
}
