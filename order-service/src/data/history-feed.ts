import pg from 'pg';
import type { Knex, Logger } from '@order-platform/shared';
import { historySince, type HistoryEntry } from './order-history-repository.js';

export const HISTORY_CHANNEL = 'order_history';

/**
 * The advisory locks (two-key form, one space) an api's feed holds, shared, while it LISTENs,
 * all of them, taken before the LISTEN and the read of the watched orders. A worker's batch tries
 * one of them exclusively, its connection's slot (`pg_backend_pid() % slots`, so batches running
 * side by side on other connections rarely try the same one), before it writes a transition:
 * got, no feed watches, and the batch leaves out the history NOTIFY that would wake no one; a
 * feed that starts watching meanwhile waits for the batch's commit before it reads, so it reads
 * the transition. Not got, a feed watches (or is about to; or, rarely, another batch holds the
 * slot), and the NOTIFY goes out.
 */
export const HISTORY_WATCHERS = { space: 0x6f726401, slots: 32 } as const; // "ord\1"

/** What the feed's connection sends to start watching (the locks first), and to stop. */
export const FEED_LISTEN = `select count(pg_advisory_lock_shared(${HISTORY_WATCHERS.space}, slot)) from generate_series(0, ${HISTORY_WATCHERS.slots - 1}) as slot; listen ${HISTORY_CHANNEL}`;
export const FEED_UNLISTEN = `unlisten ${HISTORY_CHANNEL}; select count(pg_advisory_unlock_shared(${HISTORY_WATCHERS.space}, slot)) from generate_series(0, ${HISTORY_WATCHERS.slots - 1}) as slot`;

export type FeedEntry = HistoryEntry & { id: number };

export interface FeedSubscriber {
  /** new entries of the order, oldest first, each delivered once */
  deliver(entries: FeedEntry[]): void;
  /** the feed is closing (the process stops): end the stream, the client resumes elsewhere */
  end(): void;
}

interface Subscription extends FeedSubscriber {
  after: number;
}

interface WatchedOrder {
  subscribers: Set<Subscription>;
  reading: boolean;
  /** a notification came while a read was running: read once more after it */
  again: boolean;
}

export interface HistoryFeedOptions {
  db: Knex;
  /** for the feed's own connection, which LISTENs */
  databaseUrl: string;
  log: Logger;
  /** how often every watched order is read even without a notification */
  resyncMs: number;
  reconnectMs?: number;
}

/**
 * The order history as it grows, for every open stream of one api process. One connection
 * LISTENs on `order_history` (a trigger NOTIFYs the order id at each insert's commit); a
 * notification for a watched order reads its new entries once, from the oldest cursor of its
 * subscribers, and hands each subscriber those after its own cursor. So the database sees one
 * read per transition per watched order, however many streams watch it, and nothing while idle
 * but one safety read per watched order every `resyncMs`, which also covers a notification lost
 * while the connection was down (it reconnects, LISTENs again and reads every watched order).
 *
 * The connection LISTENs only while some order is watched. Postgres wakes every listening
 * backend of the database at each notifying commit, whatever its channel: a replica with no
 * stream open would otherwise be woken, and answer, at every transition of every order and
 * every outbox commit. It UNLISTENs when the last stream closes; LISTENing again reads every
 * watched order once it is in effect, so nothing written in between is missed.
 */
export class HistoryFeed {
  private readonly watched = new Map<string, WatchedOrder>();
  private client: pg.Client | undefined;
  /** whether `client` LISTENs; `syncing` while a LISTEN or UNLISTEN is on its way */
  private listening = false;
  private syncing = false;
  private closed = false;
  private resync: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;

  constructor(private readonly options: HistoryFeedOptions) {}

  /** Connects and LISTENs; when that fails it logs and keeps retrying in the background. */
  async start(): Promise<void> {
    this.resync = setInterval(() => this.readAll(), this.options.resyncMs);
    this.resync.unref();
    await this.connect();
  }

  /** Delivers the order's entries after `after` (a history id), then every new one. Returns the unsubscribe. */
  subscribe(orderId: string, after: number, subscriber: FeedSubscriber): () => void {
    if (this.closed) {
      subscriber.end();
      return () => undefined;
    }
    let watched = this.watched.get(orderId);
    if (!watched) {
      watched = { subscribers: new Set(), reading: false, again: false };
      this.watched.set(orderId, watched);
    }
    const subscription: Subscription = { ...subscriber, after };
    watched.subscribers.add(subscription);
    this.read(orderId, watched);
    this.syncListening();
    const order = watched;
    return () => {
      order.subscribers.delete(subscription);
      if (order.subscribers.size === 0 && this.watched.get(orderId) === order) this.watched.delete(orderId);
      this.syncListening();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.resync);
    clearTimeout(this.reconnect);
    for (const watched of this.watched.values()) for (const subscription of [...watched.subscribers]) subscription.end();
    this.watched.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private readAll(): void {
    for (const [orderId, watched] of this.watched) this.read(orderId, watched);
  }

  private read(orderId: string, watched: WatchedOrder): void {
    if (watched.reading) {
      watched.again = true;
      return;
    }
    watched.reading = true;
    void this.readUntilCurrent(orderId, watched);
  }

  private async readUntilCurrent(orderId: string, watched: WatchedOrder): Promise<void> {
    try {
      do {
        watched.again = false;
        if (watched.subscribers.size === 0) return;
        const from = Math.min(...[...watched.subscribers].map((s) => s.after));
        const entries = await historySince(this.options.db, orderId, from);
        for (const subscription of [...watched.subscribers]) {
          const fresh = entries.filter((entry) => entry.id > subscription.after);
          if (fresh.length === 0) continue;
          subscription.after = fresh[fresh.length - 1]!.id;
          subscription.deliver(fresh);
        }
      } while (watched.again && !this.closed);
    } catch (error) {
      this.options.log.warn({ err: error, orderId }, 'could not read the order history for its streams; the next notification or resync reads it again');
    } finally {
      watched.reading = false;
    }
  }

  /**
   * LISTENs while an order is watched, UNLISTENs once none is: one statement at a time on the
   * feed's connection, until it matches. A LISTEN in effect reads every watched order, for what
   * was written before it (the read at subscribe may have run before it). It takes the watchers'
   * locks first (HISTORY_WATCHERS), waiting for any worker batch that found no watcher to commit,
   * so that read has the batch's transitions, which no NOTIFY announces.
   */
  private syncListening(): void {
    const client = this.client;
    if (this.syncing || !client) return;
    this.syncing = true;
    void this.listenWhileWatched(client).finally(() => {
      this.syncing = false;
      // a new connection came while this one was busy: it starts without a LISTEN
      if (this.client && this.client !== client) this.syncListening();
    });
  }

  private async listenWhileWatched(client: pg.Client): Promise<void> {
    while (!this.closed && client === this.client) {
      const wanted = this.watched.size > 0;
      if (wanted === this.listening) return;
      try {
        // the locks before the LISTEN, and both before the read below; released after the UNLISTEN
        await client.query(wanted ? FEED_LISTEN : FEED_UNLISTEN);
      } catch (error) {
        // a lost connection reconnects, and LISTENs again there if it is wanted
        this.options.log.warn({ err: error }, `order history feed could not ${wanted ? 'LISTEN' : 'UNLISTEN'}`);
        return;
      }
      if (client !== this.client) return;
      this.listening = wanted;
      if (wanted) this.readAll();
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'order-history-feed', keepAlive: true });
    client.on('notification', (message) => {
      const watched = message.payload ? this.watched.get(message.payload) : undefined;
      if (watched) this.read(message.payload!, watched);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
    } catch (error) {
      this.options.log.warn({ err: error }, 'order history feed cannot connect; retrying');
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.listening = false;
    // LISTENs if an order is watched, then reads whatever was written while nothing listened
    this.syncListening();
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return; // still connecting (connect handles it), or handled already
    this.client = undefined;
    this.listening = false;
    if (this.closed) return;
    this.options.log.warn({ err: error }, 'order history feed lost its connection; reconnecting');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnect = setTimeout(() => void this.connect(), this.options.reconnectMs ?? 1000);
    this.reconnect.unref();
  }
}
