// make bench's load generator: node:http on keep-alive agents (undici's fetch cost ~2.2 ms of
// CPU per order here, half of the generator's profile), and completion seen on NATS core
// subscriptions to orders.confirmed / orders.cancelled rather than by polling each order.
import http from 'node:http';

/** A JSON POST client for one base URL: `post(path, body)` → { status, body }. */
export function jsonClient(baseUrl, { token, maxSockets }) {
  const { hostname, port } = new URL(baseUrl);
  // a socket idle for 2 s is closed: reused later, it could meet the api's close (its keep-alive
  // timeout is 5 s) and fail the request with ECONNRESET, as a 20 orders/s run did
  const agent = new http.Agent({ keepAlive: true, maxSockets, timeout: 2000 });
  const authorization = `Bearer ${token}`;
  const post = (path, body) => new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const request = http.request({ hostname, port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode, body: text ? JSON.parse(text) : undefined });
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
  return { post, close: () => agent.destroy() };
}

/**
 * Follows orders to their end: `track(id, startedAt, orderPostedAt)` once the POST answered,
 * `finished(kind, id)` from the subscriptions. An order may end before its POST's answer is
 * read: that end waits in `early` for it.
 */
export function completions(clock) {
  const open = new Map();
  const early = new Map();
  const results = []; // { id, at, latency, fromOrderPost, orderPostedAt, kind }, times and latencies in ms
  const settle = (id, kind, endedAt, started) => results.push({ id, at: endedAt, latency: endedAt - started.at, fromOrderPost: endedAt - started.orderPostedAt, orderPostedAt: started.orderPostedAt, kind });
  let waiter;
  return {
    results,
    get open() {
      return open.size;
    },
    track(id, at, orderPostedAt) {
      const ended = early.get(id);
      if (ended) {
        early.delete(id);
        settle(id, ended.kind, ended.at, { at, orderPostedAt });
      } else open.set(id, { at, orderPostedAt });
    },
    finished(kind, id) {
      const now = clock();
      const started = open.get(id);
      if (!started) {
        early.set(id, { kind, at: now });
        return;
      }
      open.delete(id);
      settle(id, kind, now, started);
      if (waiter?.id === id) waiter.resolve();
    },
    /** resolves when the order ends (for one-at-a-time runs) */
    waitFor(id) {
      return open.has(id) ? new Promise((resolve) => (waiter = { id, resolve })) : Promise.resolve();
    },
  };
}

/**
 * Drives `placeOrder(startedAt)` (which resolves true when the order was accepted):
 * - rate > 0: open loop, by the clock: the i-th order is due at t0 + i/rate whatever the others
 *   do, and its latency counts from when it was due, so a generator or system that falls behind
 *   shows in the latency instead of slowing the offered rate down (coordinated omission);
 * - one at a time (`sequential`): each order waits for the previous one's end, then `pauseMs`;
 * - otherwise flat out: `concurrency` loops, each placing its next order when the last is accepted.
 * Returns { lateMs: the latest an order started after it was due, late: orders started > 10 ms late }.
 */
export async function drive({ clock, seconds, rate, concurrency, sequential, pauseMs = 100, placeOrder, waitFor }) {
  const t0 = clock();
  const deadline = t0 + seconds * 1000;
  let lateMs = 0;
  let late = 0;
  if (sequential) {
    for (let i = 0; i < sequential; i++) {
      const id = await placeOrder(clock());
      if (id) await waitFor(id);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  } else if (rate > 0) {
    const inFlight = new Set();
    for (let i = 0; ; ) {
      const now = clock();
      for (let due = t0 + (i * 1000) / rate; due <= now && due < deadline; due = t0 + (++i * 1000) / rate) {
        lateMs = Math.max(lateMs, now - due);
        if (now - due > 10) late++;
        const p = placeOrder(due).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      const next = t0 + (i * 1000) / rate;
      if (next >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.max(0, next - clock())));
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (clock() < deadline) await placeOrder(clock());
    }));
  }
  return { lateMs, late, seconds: (clock() - t0) / 1000 };
}

/**
 * Places one order as a client does (the card, then the order naming it), counting what was
 * accepted and why anything was refused; `placeOrder(at)` answers the order's id, or undefined.
 */
export function orderPlacer({ clock, payment, orders, ends, cardBody, orderBody }) {
  const placer = { accepted: 0, refused: 0, placedAt: [], refusals: new Map() };
  let next = 0;
  placer.placeOrder = async (at) => {
    let r;
    let orderPostedAt;
    try {
      const card = await payment.post('/payment-methods', cardBody);
      orderPostedAt = clock();
      r = card.status === 201 ? await orders.post('/orders', orderBody(next++, card.body.id)) : card;
    } catch (error) {
      r = { status: error.code ?? error.message };
    }
    if (r.status !== 202) {
      placer.refused++;
      const why = `${r.status}${r.body?.title ? ` ${r.body.title}` : ''}`;
      placer.refusals.set(why, (placer.refusals.get(why) ?? 0) + 1);
      return undefined;
    }
    placer.accepted++;
    placer.placedAt.push(at);
    ends.track(r.body.id, at, orderPostedAt);
    return r.body.id;
  };
  return placer;
}
