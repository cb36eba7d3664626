// make chaos's load: orders at a steady rate with every card token, customers cancelling at
// random moments, restocks of the scarce products. Requests go on through the chaos as a client's
// would: a refused connection, a reset, a 5xx or a 429 is tried again (bounded), POST /orders with
// the same Idempotency-Key, so an order is placed at most once however often it is sent.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TOKENS = [['tok_ok', 50], ['tok_declined', 15], ['tok_flaky', 20], ['tok_unavailable', 15]];
export const PLENTY = Array.from({ length: 8 }, (_, i) => ({ sku: `CHAOS-PLENTY-${i}`, onHand: 1_000_000 }));
export const SCARCE = Array.from({ length: 3 }, (_, i) => ({ sku: `CHAOS-SCARCE-${i}`, onHand: 20 }));

function pick(weighted) {
  let r = Math.random() * weighted.reduce((a, [, w]) => a + w, 0);
  for (const [value, w] of weighted) if ((r -= w) < 0) return value;
  return weighted[0][0];
}

/** One JSON request; { status, body } or { status: 'network', error }. */
async function call(method, url, { token, body, headers = {} }) {
  try {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return { status: 'network', error: error.cause?.code ?? error.name };
  }
}

const retryable = (r) => r.status === 'network' || r.status >= 500 || r.status === 429;

/** Tries again while the answer is retryable, for at most `forMs`; returns the last answer and whether an attempt may have been applied unseen. */
async function persist(send, forMs = 120_000) {
  const deadline = Date.now() + forMs;
  let ambiguous = false;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
    const r = await send();
    // a reset or timeout after the request was sent may have been applied; a refusal was not
    if (r.status === 'network' && r.error !== 'ECONNREFUSED') ambiguous = true;
    if (!retryable(r) || Date.now() > deadline) return { ...r, ambiguous };
    await sleep(delay);
  }
}

/**
 * Drives `count` orders at `rate` per second. Returns what it saw: accepted orders (id, token),
 * refusals, cancels asked, restocks done (and ones whose outcome is unknown).
 */
export async function driveLoad({ urls, token, run, count, rate, cancelShare = 0.15, maxInFlight = 300, onProgress = () => {} }) {
  const seen = { accepted: new Map(), refused: {}, unanswered: 0, cancels: 0, restocks: [], restocksUnknown: [] };
  const inFlight = new Set();
  const track = (p) => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  };
  const placeOrder = async (i) => {
    const card = pick(TOKENS);
    const customerId = `chaos-customer-${i % 40}`;
    const pm = await persist(() => call('POST', `${urls.payment}/payment-methods`, { token, body: { type: 'card', token: card, customerId } }));
    if (pm.status !== 201) return void (seen.refused[`payment-methods ${pm.status}`] = (seen.refused[`payment-methods ${pm.status}`] ?? 0) + 1);
    const lines = Math.random() < 0.3 ? 2 : 1;
    const product = () => (Math.random() < 0.25 ? SCARCE[Math.floor(Math.random() * SCARCE.length)] : PLENTY[Math.floor(Math.random() * PLENTY.length)]);
    const skus = new Set(Array.from({ length: lines }, () => product().sku));
    const items = [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) }));
    const body = { customerId, items, payment: { method: 'card', paymentMethodId: pm.body.id } };
    const r = await persist(() => call('POST', `${urls.order}/orders`, { token, body, headers: { 'idempotency-key': `chaos-${run}-${i}` } }));
    if (r.status !== 202) {
      if (r.status === 'network' || r.status >= 500) seen.unanswered++;
      else seen.refused[`orders ${r.status}`] = (seen.refused[`orders ${r.status}`] ?? 0) + 1;
      return;
    }
    seen.accepted.set(r.body.id, { card, items });
    if (Math.random() < cancelShare) {
      await sleep(Math.random() * 4000);
      seen.cancels++;
      await persist(() => call('POST', `${urls.order}/orders/${r.body.id}/cancel`, { token }), 60_000);
    }
  };
  const restock = async () => {
    const sku = SCARCE[Math.floor(Math.random() * SCARCE.length)].sku;
    const quantity = 5;
    const r = await persist(() => call('POST', `${urls.stock}/products/${sku}/restock`, { token, body: { quantity } }), 60_000);
    if (r.status === 200) seen.restocks.push({ sku, quantity });
    else if (r.ambiguous) seen.restocksUnknown.push({ sku, quantity });
  };

  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    track(placeOrder(i));
    if (i % Math.max(1, Math.round(rate * 3)) === 0) track(restock());
    if (i % 500 === 0) onProgress(i);
  }
  await Promise.all(inFlight);
  return { ...seen, seconds: (Date.now() - t0) / 1000 };
}

/** Creates the run's products; returns { sku: initial units }. */
export async function createProducts(urls, token) {
  const initial = {};
  for (const p of [...PLENTY, ...SCARCE]) {
    const r = await persist(() => call('POST', `${urls.stock}/products`, { token, body: { sku: p.sku, name: `Chaos ${p.sku}`, price: { amount: 1250, currency: 'EUR' }, onHand: p.onHand, lowStockThreshold: p.onHand > 100 ? 0 : 5 } }), 30_000);
    if (r.status !== 201) throw new Error(`could not create ${p.sku}: ${r.status} ${JSON.stringify(r.body)}`);
    initial[p.sku] = p.onHand;
  }
  return initial;
}
