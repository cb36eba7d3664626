import type { FuzzRequest } from './requests.js';

export interface FuzzResponse {
  status: number;
  contentType: string;
  /** parsed JSON when the body is JSON */
  body: unknown;
  text: string;
}

const customers: Record<string, string> = { ada: 'cust-ada', grace: 'cust-grace' };
const unauthenticated = new Set(['none', 'noRole', 'expired', 'forged', 'garbage']);
const orderRoutes = /^\/orders\/\{id\}/;

/**
 * The rules every answer must keep, whatever was sent. Returns the broken rule, or undefined.
 * Errors: never a 5xx, always problem+json with its own status. Successes: only for who may,
 * and never anyone else's data.
 */
export function brokenRule(request: FuzzRequest, response: FuzzResponse, sentAsData: ReadonlySet<string>): string | undefined {
  const { operation, auth } = request;
  if (response.status >= 500) return `5xx: ${response.status}`;
  if (response.status >= 400) {
    if (!/^application\/problem\+json/.test(response.contentType)) return `error without problem+json (${response.status} ${response.contentType})`;
    if ((response.body as { status?: unknown } | undefined)?.status !== response.status) return 'problem status differs from the HTTP status';
    return undefined;
  }
  if (response.status < 200 || response.status >= 300) return undefined;
  // a token the run sent as data (an id in a URL, a customer id, a name: see dataTokens) comes back as that data, not as a leak
  if ((response.text.match(cardToken) ?? []).some((token) => !sentAsData.has(token))) return 'a card token in a response';
  if (operation.public) return undefined;
  if (unauthenticated.has(auth)) return `2xx for ${auth}`;
  if (operation.adminOnly && auth !== 'admin') return `2xx on an admin route for ${auth}`;
  const customer = customers[auth];
  if (!customer) return undefined;
  const owner = { own: 'cust-ada', foreign: 'cust-grace' }[request.target as string];
  if (orderRoutes.test(operation.path) && owner !== customer) return `2xx for ${customer} on the ${request.target} order ${owner ? `of ${owner}` : ''}`;
  const body = response.body as { customerId?: unknown; items?: { customerId?: unknown }[] } | undefined;
  if (operation.method === 'POST' && operation.path === '/orders' && body?.customerId !== customer) return `order placed for ${String(body?.customerId)} by ${customer}`;
  if (operation.method === 'POST' && operation.path === '/payment-methods' && body?.customerId !== customer) return `card registered for ${String(body?.customerId)} by ${customer}`;
  if (operation.method === 'GET' && operation.path === '/orders' && (body?.items ?? []).some((o) => o.customerId !== customer)) return `${customer} listed another customer's orders`;
  if (orderRoutes.test(operation.path) && body && 'customerId' in body && body.customerId !== customer) return `${customer} saw another customer's order`;
  return undefined;
}

const cardToken = /tok_[a-z]\w*/g;

/**
 * The card-token-like strings a request sends as data a service may keep and show: anywhere in
 * its URL or body except the card's own `token` of POST /payment-methods. The run adds them when
 * it sends the request, so before any answer could show them; the fixtures' card token is one no
 * hostile value uses, so a leak of a registered card is always seen.
 */
export function dataTokens(request: FuzzRequest): string[] {
  const { operation } = request;
  let body = request.body ?? '';
  if (operation.method === 'POST' && operation.path === '/payment-methods') {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = JSON.stringify({ ...parsed, token: undefined });
    } catch {
      body = ''; // not JSON: refused, nothing kept
    }
  }
  return `${request.url} ${safeDecode(request.url)} ${body}`.match(cardToken) ?? [];
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url; // a hostile, malformed escape
  }
}
