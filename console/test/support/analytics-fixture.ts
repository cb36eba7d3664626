import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A switch in front of the real analytics-service of the stack: while `available`, every request
 * goes through to `target` unchanged; otherwise every connection is dropped, as a service that
 * is down would. The console is pointed here, so a test can take analytics away and give it back.
 */
export interface AnalyticsSwitch {
  port: number;
  available: boolean;
  /** analytics-service's URL, set once the stack runs */
  target: string | undefined;
  /** the bearer token of the last request */
  lastAuthorization: string | undefined;
  stop(): Promise<void>;
}

export async function startAnalyticsSwitch(): Promise<AnalyticsSwitch> {
  const state = { available: true, target: undefined as string | undefined, lastAuthorization: undefined as string | undefined };
  const server: Server = createServer((req, res) => {
    if (!state.available || !state.target) return void req.socket.destroy();
    state.lastAuthorization = req.headers.authorization;
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'accept', 'content-type']) if (req.headers[name]) headers[name] = String(req.headers[name]);
    fetch(`${state.target}${req.url}`, { method: req.method, headers }).then(
      async (answer) => res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer())),
      () => req.socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
