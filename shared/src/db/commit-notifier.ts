import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import type { RawConnection } from './statements.js';

// One statement for any number of notifications of one channel: the payloads as an array, so the
// text never changes and pg prepares it once per connection.
const notifyText = 'select pg_notify($1, payload) from unnest($2::text[]) as payload';

interface ChannelState {
  payloads: Set<string>;
  sending: boolean;
}

/**
 * Sends NOTIFYs after the commit of what they announce, instead of inside its transaction.
 *
 * Postgres serializes every transaction that has NOTIFY'd at its commit: it takes one lock for
 * the whole cluster (every database on it) before the commit, and holds it until the commit is
 * over, its WAL flush included, so such transactions commit one at a time, each waiting for the
 * flush of the one before, and never share a flush. A trigger that notifies makes every write of
 * its table such a transaction (the outbox's trigger, in each service's api; order history's,
 * for the status streams). On the development VM, eight connections committing one-row inserts
 * made 3,900–5,200 transactions a second without a NOTIFY and 1,970–3,060 with one in each.
 *
 * A writer that has committed asks here instead (`notify`): the notification goes out in a
 * transaction of its own, one statement on a connection of the notifier's own (made with the
 * pool's settings, outside it, when first needed: through a busy pool a wake-up would wait its
 * turn behind requests). That transaction holds the lock only for an instant: one that writes
 * nothing but notifications writes no WAL before its commit record, and Postgres does not wait
 * for the flush of such a commit. A writer that died between its commit and here leaves its
 * listeners to their polls, as a lost notification would.
 *
 * At most one statement per channel is on its way at a time; what is asked for meanwhile goes in
 * the next one, payloads together and each once, so a burst of commits wakes a listener once or
 * twice, not once each. A notification is sent after the `notify` that asked for it was made,
 * so a listener woken by it sees that writer's commit.
 */
export class CommitNotifier {
  private readonly channels = new Map<string, ChannelState>();
  private readonly inFlight = new Set<Promise<void>>();
  private connection: Promise<RawConnection> | undefined;
  private closed = false;

  constructor(
    private readonly db: Knex,
    private readonly log: Logger,
  ) {}

  /** Asks for `channel` to be notified with `payload` (a committed change's wake-up), now or right after the one on its way. */
  notify(channel: string, payload = ''): void {
    let state = this.channels.get(channel);
    if (!state) {
      state = { payloads: new Set(), sending: false };
      this.channels.set(channel, state);
    }
    state.payloads.add(payload);
    if (state.sending) return;
    state.sending = true;
    const sending = this.send(channel, state).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /**
   * Once every notification asked for so far has gone out (or failed), or `timeoutMs` has passed
   * (a database that does not answer must not hold a process's shutdown): before the pool closes.
   */
  async drain(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), timeoutMs);
    });
    const drained = (async () => {
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    })();
    try {
      if ((await Promise.race([drained, timedOut])) === 'timed out') {
        this.log.warn({ channels: [...this.channels.keys()] }, `notifications asked for after commits not sent within ${timeoutMs} ms of closing; their listeners' poll will find the changes`);
      }
    } finally {
      clearTimeout(timer);
      this.closed = true;
      this.disconnect();
    }
  }

  private connect(): Promise<RawConnection> {
    if (this.closed) return Promise.reject(new Error('the commit notifier is closed'));
    this.connection ??= (this.db.client as { acquireRawConnection(): Promise<RawConnection> }).acquireRawConnection().then((connection) => {
      // an error between statements (the server restarted) ends it; the next send connects again
      (connection as unknown as { on(event: 'error', listener: () => void): void }).on('error', () => this.disconnect());
      return connection;
    });
    const connecting = this.connection;
    connecting.catch(() => {
      if (this.connection === connecting) this.connection = undefined;
    });
    return connecting;
  }

  private disconnect(): void {
    const connection = this.connection;
    this.connection = undefined;
    void connection?.then((c) => c.end()).catch(() => undefined);
  }

  private async send(channel: string, state: ChannelState): Promise<void> {
    try {
      while (state.payloads.size > 0) {
        const payloads = [...state.payloads];
        state.payloads.clear();
        try {
          await (await this.connect()).query({ name: 'commit-notify', text: notifyText, values: [channel, payloads] });
        } catch (error) {
          this.log.warn({ err: error, channel, notifications: payloads.length }, `could not notify ${channel} after a commit; its listeners' poll will find the change`);
          this.disconnect(); // a new connection for the next
        }
      }
    } finally {
      state.sending = false;
    }
  }
}
