// Ports for the processes a script starts (make bench, make chaos, their tests).
//
// A port the OS picks for a listener (`listen(0)`) comes from its ephemeral range, the range it
// also takes the local side of every outgoing connection from. Between the moment the picking
// listener closes and the moment the child binds the port, any connection opened meanwhile (a
// run opens dozens: Postgres pools, NATS clients) can take it, and the child exits at start with
// EADDRINUSE. So a port is picked below that range, where the OS never assigns one by itself,
// checked free by binding it on every address, and never handed out twice by one process.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const handedOut = new Set();
const LOWEST = 20_000;

/** The first port of the OS's ephemeral range (Linux's ip_local_port_range; 32768 elsewhere). */
export function ephemeralLow() {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 0) return low;
  } catch {
    // not Linux: the IANA range's start, which the others use
  }
  return 49_152;
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // no host: every address, IPv4 and IPv6, so a port some process holds on any of them is not free
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function osPicked() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A port free now, below the ephemeral range (falls back to one the OS picks when that range starts too low to leave room). */
export async function freePort() {
  const high = ephemeralLow();
  const port = high - LOWEST >= 1000 ? await freePortIn(LOWEST, high) : undefined;
  if (port !== undefined) return port;
  const picked = await osPicked();
  handedOut.add(picked);
  return picked;
}

/** A port in [low, high) free now and not handed out before, tried at random; undefined when 200 tries found none. */
export async function freePortIn(low, high) {
  for (let tries = 0; tries < 200; tries += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  return undefined;
}
