// The platform as a client uses it: HTTP over the published ports with bearer tokens, products
// created by staff, orders placed with a registered card and followed to their outcome.
import { issueToken } from '@order-platform/shared';
import { fail, sleep, until } from './check.mjs';
import { published } from './stack.mjs';

/** one HTTP call; a 429 (rate limited) is waited out as its Retry-After says, for up to 30 s */
export async function http(method, url, { token, body, expect, headers = {} } = {}) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status === 429 && Date.now() < deadline) {
      await sleep(Math.min(5, Number(response.headers.get('retry-after')) || 1) * 1000);
      continue;
    }
    let parsed;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    if (expect && !expect.includes(response.status)) fail(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
    return { status: response.status, body: parsed };
  }
}

const tokens = new Map();
export async function tokenOf(sub, role) {
  if (!tokens.has(sub)) tokens.set(sub, await issueToken(process.env.JWT_SECRET, { sub, roles: [role] }));
  return tokens.get(sub);
}
export const admin = () => tokenOf('smoke-staff', 'admin');
export const outcome = (o) => (o.status === 'cancelled' ? `cancelled/${o.cancellationReason ?? o.reason ?? '?'}` : o.status);

export async function apis() {
  return {
    order: await published('order-service-api', 3001),
    stock: await published('stock-service-api', 3002),
    payment: await published('payment-service-api', 3003),
    notification: await published('notification-service-api', 3004),
    analytics: await published('analytics-service-api', 3006),
  };
}

/** a product with plenty of stock, created by staff (placeOrder waits for order-service to know it) */
export async function product(api, name, onHand) {
  const sku = `${name}-${Date.now().toString(36)}`.toUpperCase();
  await http('POST', `${api.stock}/products`, { token: await admin(), body: { sku, name, price: { amount: 1250, currency: 'EUR' }, onHand }, expect: [201] });
  await until(`${sku} to be in stock-service's catalog`, async () => (await http('GET', `${api.stock}/products/${sku}`)).status === 200, 10_000, 100);
  return sku;
}

/**
 * As a client does it: the customer hands the card token to payment-service (POST /payment-methods),
 * then places the order naming that payment method (POST /orders), retried with the same
 * Idempotency-Key while order-service's catalog has not caught up with the new product.
 */
export async function placeOrder(api, token, sku, quantity, card) {
  const { body: method } = await http('POST', `${api.payment}/payment-methods`, { token, body: { type: 'card', token: card }, expect: [201] });
  const key = `smoke-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return until(`order-service to accept an order for ${sku}`, async () => {
    const { status, body } = await http('POST', `${api.order}/orders`, {
      token, headers: { 'idempotency-key': key },
      body: { items: [{ sku, quantity }], payment: { method: 'card', paymentMethodId: method.id } },
    });
    if (status === 202 || status === 201) return body;
    if (status >= 500 || status === 401 || status === 403) fail(`POST /orders: ${status} ${JSON.stringify(body)}`);
    return new Error(`POST /orders: ${status} ${body?.detail ?? body?.title ?? ''}`);
  }, 15_000, 200);
}

export async function terminal(api, id, token, timeoutMs = 30_000) {
  return until(`order ${id} to be confirmed or cancelled`, async () => {
    const { body } = await http('GET', `${api.order}/orders/${id}`, { token, expect: [200] });
    return ['confirmed', 'cancelled'].includes(body.status) ? body : new Error(`still ${body.status}`);
  }, timeoutMs, 150);
}
