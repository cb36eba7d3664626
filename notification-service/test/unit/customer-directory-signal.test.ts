import { getEventListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pino } from 'pino';
// the signal cockatiel gives every execute() that names none (dist/, as the service loads it)
import { neverAbortedSignal } from 'cockatiel/dist/common/abort.js';
import { httpCustomerDirectory } from '../../src/data/customer-directory.js';

describe('customer directory over HTTP, many lookups at once', () => {
  let server: Server;
  let url: string;
  const held: { res: ServerResponse; id: string }[] = [];

  before(async () => {
    server = createServer((req, res) => held.push({ res, id: decodeURIComponent(req.url!.replace('/customers/', '')) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('hangs no listener on a signal the lookups share (Node warns of a leak past ten)', async () => {
    const directory = httpCustomerDirectory({ url, timeoutMs: 5_000, retries: 0, breakerFailures: 100, breakerHalfOpenMs: 1_000 }, pino({ level: 'silent' }));
    const lookups = Array.from({ length: 16 }, (_, i) => directory.find(`cust-${i}`));
    const deadline = Date.now() + 5_000;
    while (held.length < 16 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(held, 'lookups under way at once').to.have.length(16);
    expect(getEventListeners(neverAbortedSignal, 'abort'), "listeners on cockatiel's shared signal").to.have.length(0);
    for (const { res, id } of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, name: id, email: `${id}@example.com` }));
    const answers = await Promise.all(lookups);
    expect(answers.map((a) => a.status)).to.deep.equal(Array(16).fill('found'));
  });
});
