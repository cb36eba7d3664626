import type { Money } from '@order-platform/shared';

export type ChargeResult = { outcome: 'captured' } | { outcome: 'declined'; detail: string };
export type VoidResult = { outcome: 'voided' } | { outcome: 'captured' };

/**
 * A card payment provider. Every request carries an idempotency key and is safe to repeat:
 * a repeat gets the first answer and moves no money twice. A provider that cannot answer now
 * throws AppError('transient'), and the consumer runner retries with backoff.
 */
export interface Gateway {
  charge(request: { idempotencyKey: string; token: string; amount: Money }): Promise<ChargeResult>;
  /**
   * Stops a charge for good: one not taken yet never will be. One taken already (its answer
   * lost to a crash) is reported as captured, so the caller can record and refund it.
   */
  voidCharge(request: { idempotencyKey: string }): Promise<VoidResult>;
  refund(request: { idempotencyKey: string; amount: Money }): Promise<{ outcome: 'refunded' }>;
}

/** The payment id is the charge's key: every retry of one payment's charge is the same request. */
export const chargeKey = (paymentId: string): string => paymentId;
export const refundKey = (paymentId: string): string => `refund:${paymentId}`;
