import { AppError, type StockLine, type StockRejected } from '@order-platform/shared';
import type { Product } from './product.js';

/**
 * An order's reservation, a union on its status. Units are held only while `reserved`;
 * `committed` ones are sold; `released` and `restocked` gave them back; `rejected` never held
 * any; `cancelled` is the tombstone a cancel leaves when it comes before the order.
 */
export type Reservation =
  | { orderId: string; status: 'reserved'; lines: StockLine[] }
  | { orderId: string; status: 'committed'; lines: StockLine[] }
  | { orderId: string; status: 'rejected'; lines: StockLine[] }
  | { orderId: string; status: 'released'; lines: StockLine[] }
  | { orderId: string; status: 'restocked'; lines: StockLine[] }
  | { orderId: string; status: 'cancelled'; lines: [] };

export type ReservationStatus = Reservation['status'];

/**
 * Units moving between the counts of one product: added to each (negative: taken away). The
 * statement that saves a decision adds the same increments to the locked rows, so the save needs
 * no read of the levels it changes.
 */
export interface StockMovement {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

/** A product at the levels a movement leaves it. */
export function moved(product: Product, movement: StockMovement, now: Date): Product {
  return { ...product, available: product.available + movement.available, reserved: product.reserved + movement.reserved, sold: product.sold + movement.sold, updatedAt: now };
}

/** orders.confirmed: reserved units become sold (null: nothing changes). */
export type CommitDecision = { kind: 'commit'; movements: StockMovement[] } | null;

/**
 * orders.cancelled: a tombstone when the cancel came before the order, or the units given back
 * (a reservation released, sold units restocked) and announced as stock.released (null: nothing changes).
 */
export type ReleaseDecision =
  | { kind: 'tombstone'; reservation: Extract<Reservation, { status: 'cancelled' }> }
  | { kind: 'give_back'; mode: 'released' | 'restocked'; movements: StockMovement[]; lines: StockLine[] }
  | null;

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
  const movements = lines.map((l) => ({ sku: l.sku, available: -l.quantity, reserved: l.quantity, sold: 0 }));
  const updated = movements.map((m) => moved(products.get(m.sku)!, m, now));
  const low = updated.filter((p) => p.available < p.lowStockThreshold && products.get(p.sku)!.available >= p.lowStockThreshold);
  return { kind: 'reserved', movements, low };
}

/**
 * orders.created: an order seen before (a redelivery, or one cancelled before it came) changes
 * nothing (null); otherwise all lines are reserved or none (`decideReservation`).
 */
export function decideReserve(existing: ReservationStatus | undefined, lines: StockLine[], products: ReadonlyMap<string, Product>, now: Date): ReserveDecision | null {
  return existing === undefined ? decideReservation(lines, products, now) : null;
}

// The reservation's state machine, one pure function per fact. `null` means the fact changes
// nothing in this state: redelivered and late events (streams arrive in any order) are
// acknowledged and ignored. The `never` checks make every status handled.

export function decideCommit(reservation: Reservation | undefined): CommitDecision {
  if (!reservation) return null;
  switch (reservation.status) {
    case 'reserved':
      return { kind: 'commit', movements: commitMovements(reservation.lines) };
    case 'committed':
    case 'rejected':
    case 'released':
    case 'restocked':
    case 'cancelled':
      return null;
    default:
      return unreachable(reservation);
  }
}

export function decideRelease(orderId: string, reservation: Reservation | undefined): ReleaseDecision {
  if (!reservation) return { kind: 'tombstone', reservation: { orderId, status: 'cancelled', lines: [] } };
  switch (reservation.status) {
    case 'reserved':
    case 'committed':
      return { kind: 'give_back', mode: reservation.status === 'reserved' ? 'released' : 'restocked', movements: returnMovements(reservation.status, reservation.lines), lines: reservation.lines };
    case 'rejected':
    case 'released':
    case 'restocked':
    case 'cancelled':
      return null;
    default:
      return unreachable(reservation);
  }
}

/**
 * The status a decision writes (undefined: none). Each is saved by one statement that locks,
 * decides by the same rule and writes at once (data/reservations-repository.ts, issue 10); the
 * use case decides on the state that statement found, for its events, and `checkWritten` holds
 * the two to agree.
 */
export function decidedStatus(decision: ReserveDecision | CommitDecision | ReleaseDecision): ReservationStatus | undefined {
  if (!decision) return undefined;
  switch (decision.kind) {
    case 'reserved':
    case 'rejected':
      return decision.kind;
    case 'commit':
      return 'committed';
    case 'tombstone':
      return 'cancelled';
    case 'give_back':
      return decision.mode;
    default:
      return unreachable(decision);
  }
}

/**
 * Nothing written where something was decided: another transaction recorded the order first
 * (transient: the retry sees it). Anything else that disagrees is a bug in a statement's rule.
 */
export function checkWritten(orderId: string, decided: ReservationStatus | undefined, written: ReservationStatus | undefined): void {
  if (decided === written) return;
  if (written === undefined) throw new AppError('transient', `order ${orderId} was handled concurrently; retrying`);
  throw new Error(`order ${orderId}: the statement wrote ${written} where the decision is ${decided ?? 'nothing'}`);
}

function unreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
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
