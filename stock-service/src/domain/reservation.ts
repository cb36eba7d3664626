import type { StockLine, StockRejected } from '@order-platform/shared';
import type { Product } from './product.js';

export type ReservationStatus = 'reserved' | 'rejected' | 'committed' | 'released' | 'restocked' | 'cancelled';

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  lines: StockLine[];
}

export type ReserveDecision =
  | { kind: 'reserved'; products: Product[]; low: Product[] }
  | { kind: 'rejected'; reason: StockRejected['reason']; lines: StockRejected['lines'] };

/**
 * All lines or none: every product must exist, be active and have the units available.
 * Returns the products with units moved from available to reserved, and those that fell
 * below their low-stock threshold with this reservation (so stock.low is sent once per fall).
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
  return { kind: 'reserved', products: updated, low };
}

/** Confirmed order: reserved units become sold. */
export function commitLines(lines: StockLine[], products: ReadonlyMap<string, Product>, now: Date): Product[] {
  return lines.map((line) => {
    const p = products.get(line.sku)!;
    return { ...p, reserved: p.reserved - line.quantity, sold: p.sold + line.quantity, updatedAt: now };
  });
}

/** Cancelled order: a reservation goes back to available; committed (sold) units are restocked. */
export function returnLines(status: 'reserved' | 'committed', lines: StockLine[], products: ReadonlyMap<string, Product>, now: Date): Product[] {
  return lines.map((line) => {
    const p = products.get(line.sku)!;
    return status === 'reserved'
      ? { ...p, reserved: p.reserved - line.quantity, available: p.available + line.quantity, updatedAt: now }
      : { ...p, sold: p.sold - line.quantity, available: p.available + line.quantity, updatedAt: now };
  });
}
