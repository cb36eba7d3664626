import { randomUUID } from 'node:crypto';
import { AppError, isAdmin, type Principal } from '@order-platform/shared';
import { insertPaymentMethod } from '../data/payment-methods-repository.js';
import type { ApiDeps } from './deps.js';
import { newPaymentMethod, paymentMethodView, type PaymentMethodView } from './payment-method.js';

/** The body of POST /payment-methods: `customerId` only when an admin registers a card for a customer. */
export interface RegisterPaymentMethod {
  customerId?: string;
  type: 'card';
  token: string;
}

/** Keeps a card token for one order of the customer, until it is used and settled or it expires. */
export async function registerPaymentMethod(deps: ApiDeps, actor: Principal, request: RegisterPaymentMethod): Promise<PaymentMethodView> {
  const method = newPaymentMethod(customerOf(actor, request.customerId), request.token, deps.clock(), randomUUID(), deps.paymentMethodTtlMs);
  await insertPaymentMethod(deps.db, method);
  return paymentMethodView(method);
}

/** A customer registers only for themself (naming another is 403); an admin must name the customer. */
function customerOf(actor: Principal, requested: string | undefined): string {
  if (isAdmin(actor)) {
    if (requested === undefined) throw new AppError('bad_request', 'an admin registering a payment method must name the customerId');
    return requested;
  }
  if (requested !== undefined && requested !== actor.id) throw new AppError('forbidden', 'customers act only for themselves: customerId must be your own');
  return actor.id;
}
