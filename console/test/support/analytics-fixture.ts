import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for analytics-service's `GET /analytics/today` (the console's contract with it),
 * to draw the charts before analytics-service runs in this stack. `available = false` makes it
 * drop every connection, as a service that is down would.
 */
export interface AnalyticsFixture {
  port: number;
  available: boolean;
  /** the bearer token of the last request */
  lastAuthorization: string | undefined;
  stop(): Promise<void>;
}

export function todayFigures(now = new Date()): unknown {
  const minute = (ago: number) => new Date(Math.floor(now.getTime() / 60_000) * 60_000 - ago * 60_000).toISOString();
  const perMinute = Array.from({ length: 30 }, (_, i) => {
    const placed = 3 + ((i * 7) % 11);
    const cancelled = i % 4 === 0 ? 2 : i % 5 === 0 ? 1 : 0;
    return { minute: minute(29 - i), placed, confirmed: placed - cancelled, cancelled, revenue: [{ currency: 'EUR', captured: (placed - cancelled) * 2599 }] };
  });
  const placed = perMinute.reduce((n, m) => n + m.placed, 0);
  const cancelled = perMinute.reduce((n, m) => n + m.cancelled, 0);
  const captured = perMinute.reduce((n, m) => n + m.revenue[0]!.captured, 0);
  return {
    date: now.toISOString().slice(0, 10),
    orders: { placed, confirmed: placed - cancelled, cancelled, cancelledByReason: { out_of_stock: cancelled - 3, payment_declined: 3 } },
    confirmationRate: (placed - cancelled) / placed,
    revenue: [
      { currency: 'EUR', captured, refunded: 7797, net: captured - 7797 },
      { currency: 'USD', captured: 129900, refunded: 0, net: 129900 },
    ],
    avgPlacedToConfirmedMs: 412,
    lowStock: [{ sku: 'KETTLE-1', available: 3, threshold: 5 }],
    perMinute,
  };
}

export async function startAnalyticsFixture(): Promise<AnalyticsFixture> {
  const fixture = { available: true, lastAuthorization: undefined as string | undefined };
  const server: Server = createServer((req, res) => {
    if (!fixture.available) return void req.socket.destroy();
    fixture.lastAuthorization = req.headers.authorization;
    if (req.url !== '/analytics/today') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(todayFigures()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fixture, {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
