import { asCustomer, callAs } from '@order-platform/shared/testing';
import type { PaymentService } from './payment-service.js';

/** Registers a card as the customer would, over HTTP; returns the payment method's id. */
export async function registerCard(payments: PaymentService, customerId: string, token = 'tok_ok'): Promise<string> {
  const response = await callAs(asCustomer(customerId))(payments.api.url, 'POST', '/payment-methods', { type: 'card', token });
  if (response.status !== 201) throw new Error(`could not register a card for ${customerId}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** Puts a payment method straight into the table, e.g. one that expired already. */
export async function insertCard(payments: PaymentService, fields: { customerId: string; token?: string; expiresAt?: Date }): Promise<string> {
  const id = `pm_${crypto.randomUUID()}`;
  const now = new Date();
  await payments.api.resources.db('payment_methods').insert({
    id,
    customer_id: fields.customerId,
    token: fields.token ?? 'tok_ok',
    status: 'active',
    created_at: now,
    expires_at: fields.expiresAt ?? new Date(now.getTime() + 3600_000),
    updated_at: now,
  });
  return id;
}

export interface PaymentMethodRow {
  id: string;
  customer_id: string;
  token: string | null;
  status: string;
  order_id: string | null;
}

export async function paymentMethodRow(payments: PaymentService, id: string): Promise<PaymentMethodRow | undefined> {
  return payments.api.resources.db<PaymentMethodRow>('payment_methods').where({ id }).first();
}
