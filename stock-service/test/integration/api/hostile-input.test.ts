import { connect } from 'node:net';
import { expect } from 'chai';
import { kettle, startStockService, call, type StockService } from '../../support/stock-service.js';

/** Sends raw bytes and returns the whole response text (the server closes the connection). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
  });
}

describe('stock-service: input Postgres cannot store, and requests too large to parse', () => {
  let stock: StockService;

  before(async () => {
    stock = await startStockService({ worker: false });
  });

  after(async () => {
    await stock?.close();
  });

  it('refuses NUL characters and lone surrogates anywhere in a body or query with 400 problem+json, naming where', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/products', kettle({ sku: 'NUL-1', name: 'Ket\u0000tle' })],
      ['POST', '/products', kettle({ sku: 'SUR-1', name: 'Kettle \ud800' })],
      ['PATCH', '/products/KETTLE-1', { name: 'x\u0000' }],
      ['GET', '/products?cursor=%00', undefined],
      ['GET', `/products?cursor=${Buffer.from('\u0000\u0000').toString('base64url')}`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const response = await call(stock.api.url, method, path, body);
      expect(response.status, `${method} ${path}`).to.equal(400);
      expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
    }
    const named = await call(stock.api.url, 'POST', '/products', kettle({ sku: 'NUL-2', name: 'a\u0000' }));
    expect(named.body.errors).to.deep.equal([{ path: '/name', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect((await call(stock.api.url, 'GET', '/products')).body.items).to.deep.equal([]);
  });

  it('answers a 100 KB URL and oversized headers with 431 problem+json, and malformed HTTP with 400 problem+json', async () => {
    for (const request of [
      `GET /products?cursor=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /products HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    ]) {
      const response = await raw(stock.api.port, request);
      expect(response).to.match(/^HTTP\/1\.1 431 /);
      expect(response).to.match(/content-type: application\/problem\+json/i);
      expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).to.include({ status: 431 });
    }
    const malformed = await raw(stock.api.port, 'GET /products HTTP/1.1\r\nHost x\r\n\r\n');
    expect(malformed).to.match(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4))).to.include({ status: 400 });
  });
});
