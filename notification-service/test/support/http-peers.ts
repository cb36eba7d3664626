import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

async function listenOn(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A customer directory whose health the test controls: `up`, `failing` (503) or `hanging` (never answers). */
export class TestDirectory {
  mode: 'up' | 'failing' | 'hanging' = 'up';
  hits = 0;
  readonly customers = new Map<string, { name: string; email: string }>();
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<TestDirectory> {
    let self: TestDirectory | undefined;
    const { server, url } = await listenOn((req, res) => {
      self!.hits += 1;
      if (self!.mode === 'hanging') return; // the client's timeout has to end it
      if (self!.mode === 'failing') return void res.writeHead(503).end();
      const id = decodeURIComponent(req.url!.replace('/customers/', ''));
      const customer = self!.customers.get(id);
      if (!customer) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"title":"not found"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, ...customer }));
    });
    self = new TestDirectory(server, url);
    return self;
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}

export interface ReceivedWebhook {
  id: string;
  signatureValid: boolean;
  payload: { id: string; template: string; recipient: string; subject: string; body: string; customer: { id: string | null; name: string; email: string | null }; fallback: string | null; orderId: string | null };
}

/** A webhook receiver that checks the Standard Webhooks signature itself, with node:crypto. */
export class TestWebhookReceiver {
  status = 204;
  /** runs after a webhook arrived, before it is answered */
  beforeRespond: (() => Promise<void>) | undefined;
  readonly received: ReceivedWebhook[] = [];
  private constructor(private readonly server: Server, readonly url: string, private readonly secret: string) {}

  static async start(secret: string): Promise<TestWebhookReceiver> {
    let self: TestWebhookReceiver | undefined;
    const { server, url } = await listenOn((req, res, body) => {
      const id = String(req.headers['webhook-id']);
      const timestamp = String(req.headers['webhook-timestamp']);
      const expected = createHmac('sha256', self!.secret).update(`${id}.${timestamp}.${body}`).digest();
      const given = Buffer.from(String(req.headers['webhook-signature'] ?? '').replace(/^v1,/, ''), 'base64');
      const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
      if (self!.status < 300) self!.received.push({ id, signatureValid, payload: JSON.parse(body) });
      const respond = () => void res.writeHead(self!.status).end();
      if (self!.beforeRespond) self!.beforeRespond().then(respond, respond);
      else respond();
    });
    self = new TestWebhookReceiver(server, url, secret);
    return self;
  }

  /** What a receiver that drops repeated webhook-ids would have processed. */
  distinct(): ReceivedWebhook[] {
    return [...new Map(this.received.map((w) => [w.id, w])).values()];
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}
