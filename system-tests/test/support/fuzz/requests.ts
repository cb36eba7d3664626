import { hostileStrings, hostileValue, mutate, type Random } from './hostile.js';

/** One operation of an api, as its /openapi.json describes it. */
export interface Operation {
  service: string;
  base: string;
  method: string;
  /** the OpenAPI path, `/orders/{id}` */
  path: string;
  public: boolean;
  adminOnly: boolean;
  hasBody: boolean;
  query: string[];
}

export type AuthKind = 'none' | 'noRole' | 'expired' | 'forged' | 'garbage' | 'ada' | 'grace' | 'admin';

export interface FuzzRequest {
  operation: Operation;
  auth: AuthKind;
  url: string;
  /** the path parameter, when the route has one: what it names */
  target: 'own' | 'foreign' | 'missing' | 'hostile' | undefined;
  headers: Record<string, string>;
  body: string | undefined;
}

/** What a route needs to be called for real: an existing id of Ada's and of Grace's, and a valid body. */
export interface Fixtures {
  orderOf: { ada: string; grace: string };
  sku: string;
  bodies: Record<string, unknown>;
  tokens: Record<Exclude<AuthKind, 'none'>, string>;
}

export function operationsOf(service: string, base: string, doc: { paths: Record<string, Record<string, { security?: unknown[]; description?: string; parameters?: { name: string; in: string }[]; requestBody?: unknown }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      service,
      base,
      method: method.toUpperCase(),
      path,
      public: (op.security ?? []).length === 0,
      adminOnly: /role `admin`\./.test(op.description ?? ''),
      hasBody: op.requestBody !== undefined,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    })),
  );
}

// an empty path segment would name another route (`/orders/` is the list, not an order)
const hostileSegments = hostileStrings.filter((s) => s !== '');
const authKinds: readonly AuthKind[] = ['none', 'noRole', 'expired', 'forged', 'garbage', 'ada', 'ada', 'grace', 'admin', 'admin'];
const contentTypes = ['application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''];

export function nextRequest(random: Random, operations: Operation[], fixtures: Fixtures): FuzzRequest {
  const operation = random.pick(operations);
  const auth = random.pick(authKinds);
  let target: FuzzRequest['target'];
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    target = random.pick(['own', 'own', 'foreign', 'missing', 'hostile'] as const);
    const value = name === 'sku'
      ? { own: fixtures.sku, foreign: fixtures.sku, missing: 'NO-SUCH-SKU', hostile: random.pick(hostileSegments) }[target]
      : name === 'name'
        ? { own: 'order-confirmed', foreign: 'payment-refunded', missing: 'order-shipped', hostile: random.pick(hostileSegments) }[target]
        : { own: fixtures.orderOf.ada, foreign: fixtures.orderOf.grace, missing: crypto.randomUUID(), hostile: random.pick(hostileSegments) }[target];
    return encode(value);
  });
  const query = operation.query
    .filter(() => random.chance(0.5))
    .map((name) => `${name}=${encode(String(random.chance(0.6) ? hostileValue(random) : { customerId: 'cust-grace', orderId: fixtures.orderOf.grace, limit: '5', status: 'pending' }[name] ?? ''))}`);
  if (random.chance(0.05)) query.push(`${encode(random.pick(hostileStrings))}=1`);
  const headers: Record<string, string> = {};
  if (auth !== 'none') headers['authorization'] = `Bearer ${fixtures.tokens[auth]}`;
  let body: string | undefined;
  if (operation.hasBody || (operation.method !== 'GET' && random.chance(0.05))) {
    const valid = fixtures.bodies[`${operation.method} ${operation.path}`] ?? {};
    const value = random.chance(0.2) ? valid : mutate(random, valid);
    body = random.chance(0.04) ? `${JSON.stringify(value).slice(0, -1)},` : JSON.stringify(value);
    const type = random.pick(contentTypes);
    if (type) headers['content-type'] = type;
  }
  if (random.chance(0.05)) headers['idempotency-key'] = random.pick(['k1', 'shared-key', 'x'.repeat(300)]);
  return { operation, auth, url: `${operation.base}${path}${query.length ? `?${query.join('&')}` : ''}`, target, headers, body };
}

/** Percent-encodes; a lone surrogate (not encodable) goes out as the invalid UTF-8 bytes it would be. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return `%ED%A0%80${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''))}`;
  }
}
