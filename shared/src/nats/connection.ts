import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';

export type { NatsConnection };

export interface NatsOptions {
  url: string;
  name: string;
  log: Logger;
  /** how long the first connection may take before giving up; reconnects afterwards never give up */
  connectTimeoutMs?: number;
  /** empty or absent: connect without authentication */
  user?: string;
  password?: string;
}

/** Where a user's request replies arrive: the only subjects deploy/nats/auth.conf lets it subscribe to. */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user}`;
}

/** The inbox prefix a connection was opened with (nats.js keeps it in the connection's options). */
export function connectionInboxPrefix(nc: NatsConnection): string | undefined {
  return (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix || undefined;
}

/**
 * Connects once (failing fast and clearly if NATS is not there at start), then reconnects
 * forever: a worker outliving a NATS restart is the normal case, not an error.
 */
export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  const servers = options.url.split(',').map((s) => s.trim());
  const nc = await connect({
    servers,
    name: options.name,
    timeout: options.connectTimeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    pingInterval: 10_000,
    ...(options.user ? { user: options.user, pass: options.password ?? '', inboxPrefix: inboxPrefixOf(options.user) } : {}),
    // nats.js stops reconnecting after two auth errors in a row; a server restarting with its
    // users not loaded yet must not leave a worker disconnected for good
    ignoreAuthErrorAbort: true,
  });
  void watchStatus(nc, options.log);
  options.log.info({ server: nc.getServer(), user: options.user || undefined }, 'connected to NATS');
  return nc;
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
      case 'error':
      case 'staleConnection':
        log.warn({ status: status.type, server: 'server' in status ? status.server : undefined }, 'NATS connection trouble');
        break;
      case 'reconnect':
        log.info({ server: status.server }, 'reconnected to NATS');
        break;
      default:
        break;
    }
  }
}

/** Drains subscriptions and pending publishes, then closes. Safe to call on a closed connection. */
export async function closeNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  try {
    await nc.drain();
  } catch {
    await nc.close();
  }
}

/** True when the server answers a ping within `timeoutMs` (for /readyz). */
export async function isNatsReachable(nc: NatsConnection, timeoutMs = 1000): Promise<boolean> {
  if (nc.isClosed()) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([nc.flush().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
