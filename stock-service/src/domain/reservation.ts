import type { StockLine, StockRejected } from '@order-platform/shared';
import type { Product } from './product.js';

export type ReservationStatus = 'reserved' | 'rejected' | 'committed' | 'released' | 'restocked' | 'cancelled';

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  lines: StockLine[];
}

/**
 * Units moving between the counts of one product: added to each (negative: taken away). Saved as
 * increments on the locked row, so the save needs no read of the levels it changes.
 */
export interface StockMovement {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

export type ReserveDecision =
  | { kind: 'reserved'; movements: StockMovement[]; low: Product[] }
  | { kind: 'rejected'; reason: StockRejected['reason']; lines: StockRejected['lines'] };

/**
 * All lines or none: every product must exist, be active and have the units available.
 * Returns the units to move from available to reserved, and the products (at their new levels)
 * that fell below their low-stock threshold with this reservation (so stock.low is sent once per fall).
 */
export function decideReservation(lines: StockLine[], products: ReadonlyMap<string, Product>, now: Date): ReserveDecision {
  const unavailable = lines.filter((line) => !products.get(line.sku)?.active);
  if (unavailable.length) {
    return { kind: 'rejected', reason: 'product_unavailable', lines: unavailable.map((l) => ({ sku: l.sku, requested: l.quantity, available: products.get(l.sku)?.available ?? 0 })) };
  }
  const short = lines.filter((line) => products.get(line.sku)!.available < line.quantity);
  if (short.length) {
    return { kind: 'rejected', reason: 'out_of_stock', lines: short.map((l) => ({ sku: l.sku, requested: l.quantity, available: products.get(l.sku)!.available })) };
  }
  const updated = lines.map((line) => {
    const p = products.get(line.sku)!;
    return { ...p, available: p.available - line.quantity, reserved: p.reserved + line.quantity, updatedAt: now };
  });
  const low = updated.filter((p) => p.available < p.lowStockThreshold && products.get(p.sku)!.available >= p.lowStockThreshold);
  return { kind: 'reserved', movements: lines.map((l) => ({ sku: l.sku, available: -l.quantity, reserved: l.quantity, sold: 0 })), low };
}

/** Confirmed order: reserved units become sold. */
export function commitMovements(lines: StockLine[]): StockMovement[] {
  return lines.map((l) => ({ sku: l.sku, available: 0, reserved: -l.quantity, sold: l.quantity }));
}

/** Cancelled order: a reservation goes back to available; committed (sold) units are restocked. */
export function returnMovements(status: 'reserved' | 'committed', lines: StockLine[]): StockMovement[] {
  return lines.map((l) =>
    status === 'reserved' ? { sku: l.sku, available: l.quantity, reserved: -l.quantity, sold: 0 } : { sku: l.sku, available: l.quantity, reserved: 0, sold: -l.quantity },
  );
}
