interface PaymentMethodFields {
  /** `pm_<uuid>` */
  id: string;
  customerId: string;
  createdAt: Date;
  /** an unused method cannot be claimed after this, and its token is swept away */
  expiresAt: Date;
  updatedAt: Date;
}

/**
 * A card a customer handed to payment-service, for one order. Only `active` (registered,
 * unused) and `used` (claimed by an order whose payment has not settled) hold the token.
 */
export type PaymentMethod = PaymentMethodFields &
  (
    | { status: 'active'; token: string; orderId: null }
    | { status: 'used'; token: string; orderId: string }
    | { status: 'erased'; token: null; orderId: string }
    | { status: 'expired'; token: null; orderId: null }
  );

export type PaymentMethodStatus = PaymentMethod['status'];
export type UsedPaymentMethod = Extract<PaymentMethod, { status: 'used' }>;

export function newPaymentMethod(customerId: string, token: string, now: Date, uuid: string, ttlMs: number): PaymentMethod {
  return { id: `pm_${uuid}`, customerId, status: 'active', token, orderId: null, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs), updatedAt: now };
}

export type ClaimDecision = { kind: 'claim'; method: UsedPaymentMethod } | { kind: 'refuse'; detail: string };

/**
 * orders.created names a payment method: the order may use it only if it is the order's
 * customer's, unused and unexpired. Unknown and foreign read the same, so an order cannot
 * probe for another customer's methods.
 */
export function decideClaim(method: PaymentMethod | undefined, order: { orderId: string; customerId: string }, now: Date): ClaimDecision {
  if (!method || method.customerId !== order.customerId) return { kind: 'refuse', detail: 'unknown or foreign payment method' };
  switch (method.status) {
    case 'active':
      if (method.expiresAt.getTime() <= now.getTime()) return { kind: 'refuse', detail: 'expired payment method' };
      return { kind: 'claim', method: { ...method, status: 'used', orderId: order.orderId, updatedAt: now } };
    case 'expired':
      return { kind: 'refuse', detail: 'expired payment method' };
    case 'used':
    case 'erased':
      return { kind: 'refuse', detail: 'payment method already used by another order' };
    default:
      return unreachable(method);
  }
}

/** The payment settled (or never needed the card): the token goes, the order stays recorded. */
export function eraseToken(method: UsedPaymentMethod, now: Date): PaymentMethod {
  return { ...method, status: 'erased', token: null, updatedAt: now };
}

function unreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}

/** The HTTP representation: never the token. */
export function paymentMethodView(method: PaymentMethod) {
  return {
    id: method.id,
    type: 'card' as const,
    customerId: method.customerId,
    status: method.status,
    createdAt: method.createdAt.toISOString(),
    expiresAt: method.expiresAt.toISOString(),
  };
}

export type PaymentMethodView = ReturnType<typeof paymentMethodView>;
