import { expect } from 'chai';
import { createServer } from 'node:net';
import { ephemeralLow, freePort, freePortIn } from '../../../scripts/free-port.mjs';

// make bench and make chaos give their processes ports picked ahead: a port from the OS's
// ephemeral range could be taken by an outgoing connection before the process binds it.
describe('the ports scripts pick for their processes', () => {
  it('are below the ephemeral range, free to bind, and never the same twice', async () => {
    const low = ephemeralLow();
    const ports = [];
    for (let i = 0; i < 30; i += 1) ports.push(await freePort());
    expect(new Set(ports).size).to.equal(ports.length);
    for (const port of ports) expect(port, `port ${port}, ephemeral range from ${low}`).to.be.within(20_000, low - 1);
    for (const port of ports.slice(0, 5)) {
      await new Promise<void>((resolve, reject) => {
        const server = createServer().once('error', reject).listen(port, () => server.close(() => resolve()));
      });
    }
  });

  it('skip ports some process holds', async () => {
    // a window of ten ports below the ephemeral range, all held but one
    const window = await freePortIn(20_000, ephemeralLow() - 10);
    const held: ReturnType<typeof createServer>[] = [];
    try {
      for (let port = window; port < window + 10; port += 1) {
        const server = createServer();
        // a port someone else holds already is not free either
        if (await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(port, () => resolve(true)))) held.push(server);
      }
      const last = held.pop()!;
      const open = (last.address() as { port: number }).port;
      await new Promise((resolve) => last.close(resolve));
      expect(await freePortIn(window, window + 10)).to.equal(open);
    } finally {
      await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
