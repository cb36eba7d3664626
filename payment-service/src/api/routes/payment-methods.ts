import { CustomerId, PaymentMethodId, route, Timestamp, type RouteDefinition } from '@order-platform/shared';
import type { ApiDeps } from '../../domain/deps.js';
import { registerPaymentMethod, type RegisterPaymentMethod } from '../../domain/register-payment-method.js';

const customerId = { ...CustomerId, description: "the customer (a token's `sub`)" } as const;

const registerBody = {
  type: 'object',
  properties: {
    customerId,
    type: { const: 'card' },
    token: { type: 'string', minLength: 1, maxLength: 256, description: "the card provider's token; kept until the payment settles, never returned" },
  },
  // customerId: a customer's is their token's subject (naming another is 403); an admin names one
  required: ['type', 'token'],
  additionalProperties: false,
} as const;

const paymentMethodSchema = {
  type: 'object',
  properties: {
    id: PaymentMethodId,
    type: { const: 'card' },
    customerId,
    status: { enum: ['active', 'used', 'erased', 'expired'] },
    createdAt: Timestamp,
    expiresAt: { ...Timestamp, description: 'an order must name it before then' },
  },
} as const;

export function paymentMethodRoutes(deps: ApiDeps): RouteDefinition[] {
  return [
    route<RegisterPaymentMethod>({
      method: 'post', path: '/payment-methods', tag: 'payment methods', summary: 'Register a card for one order (the order names the returned id)', access: ['customer', 'admin'], body: registerBody, bodyExample: { type: 'card', token: 'tok_ok' },
      responses: { 201: {
          description: 'registered; the token is never returned',
          schema: paymentMethodSchema,
          example: { id: 'pm_6f1d2c8e-3b7a-4c59-a0e1-9d2f4b8c7a15', type: 'card', customerId: 'cust-ada', status: 'active', createdAt: '2026-03-14T09:26:52.101Z', expiresAt: '2026-03-14T10:26:52.101Z' },
        }, 400: { description: 'invalid body, or an admin naming no customerId' }, 403: { description: "a customer naming another customer's id" } },
      handle: async ({ body, principal }) => ({ status: 201, body: await registerPaymentMethod(deps, principal, body) }),
    }),
  ];
}
