import { expect } from 'chai';
import { AppError } from '@order-platform/shared';
import { checkWritten, commitMovements, decideCommit, decidedStatus, decideRelease, decideReservation, decideReserve, returnMovements, type Reservation, type ReservationStatus } from '../../src/domain/reservation.js';
import { newProduct, type Product } from '../../src/domain/product.js';

const now = new Date('2026-01-01T00:00:00.000Z');
const product = (sku: string, onHand: number, threshold = 0, active = true): Product => ({
  ...newProduct({ sku, name: sku, price: { amount: 100, currency: 'EUR' }, onHand, lowStockThreshold: threshold }, now),
  active,
});
const catalog = (...products: Product[]) => new Map(products.map((p) => [p.sku, p]));

describe('reservation decisions', () => {
  it('reserves all lines, moving units from available to reserved', () => {
    const decision = decideReservation([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], catalog(product('A', 5), product('B', 1)), now);
    expect(decision.kind).to.equal('reserved');
    if (decision.kind !== 'reserved') return;
    expect(decision.movements).to.deep.equal([
      { sku: 'A', available: -2, reserved: 2, sold: 0 },
      { sku: 'B', available: -1, reserved: 1, sold: 0 },
    ]);
  });

  it('rejects all lines when one is short, naming only the short ones', () => {
    expect(decideReservation([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 2 }], catalog(product('A', 5), product('B', 1)), now)).to.deep.equal({
      kind: 'rejected', reason: 'out_of_stock', lines: [{ sku: 'B', requested: 2, available: 1 }],
    });
  });

  it('prefers product_unavailable for an inactive or unknown product', () => {
    const decision = decideReservation([{ sku: 'A', quantity: 9 }, { sku: 'OFF', quantity: 1 }, { sku: 'NONE', quantity: 1 }], catalog(product('A', 5), product('OFF', 5, 0, false)), now);
    expect(decision).to.deep.include({ kind: 'rejected', reason: 'product_unavailable' });
  });

  it('reports a product as low only when this reservation takes it below the threshold', () => {
    const crossing = decideReservation([{ sku: 'A', quantity: 2 }], catalog(product('A', 5, 4)), now);
    expect(crossing.kind === 'reserved' && crossing.low.map((p) => p.sku)).to.deep.equal(['A']);
    const already = decideReservation([{ sku: 'A', quantity: 1 }], catalog({ ...product('A', 3, 4) }), now);
    expect(already.kind === 'reserved' && already.low).to.deep.equal([]);
  });

  it('commits reserved units to sold, and gives back reserved or sold units on cancel', () => {
    const lines = [{ sku: 'A', quantity: 3 }];
    expect(commitMovements(lines)).to.deep.equal([{ sku: 'A', available: 0, reserved: -3, sold: 3 }]);
    expect(returnMovements('reserved', lines)).to.deep.equal([{ sku: 'A', available: 3, reserved: -3, sold: 0 }]);
    expect(returnMovements('committed', lines)).to.deep.equal([{ sku: 'A', available: 3, reserved: 0, sold: -3 }]);
  });
});

// Each status of a reservation (none: the order was never seen) against each order event;
// '-' = nothing changes. orders.created reserves only an order never seen (here: all in stock).
const lines = [{ sku: 'A', quantity: 2 }];
const reservations: Record<ReservationStatus | 'none', Reservation | undefined> = {
  none: undefined,
  reserved: { orderId: 'o1', status: 'reserved', lines },
  committed: { orderId: 'o1', status: 'committed', lines },
  rejected: { orderId: 'o1', status: 'rejected', lines },
  released: { orderId: 'o1', status: 'released', lines },
  restocked: { orderId: 'o1', status: 'restocked', lines },
  cancelled: { orderId: 'o1', status: 'cancelled', lines: [] },
};
const decide = {
  created: (r: Reservation | undefined) => decideReserve(r?.status, lines, catalog(product('A', 5)), now)?.kind ?? '-',
  confirmed: (r: Reservation | undefined) => (decideCommit(r) ? 'committed' : '-'),
  cancelled: (r: Reservation | undefined) => {
    const decision = decideRelease('o1', r);
    return decision === null ? '-' : decision.kind === 'tombstone' ? 'tombstone' : decision.mode;
  },
};
const table: Record<keyof typeof reservations, Record<keyof typeof decide, string>> = {
  none: { created: 'reserved', confirmed: '-', cancelled: 'tombstone' },
  reserved: { created: '-', confirmed: 'committed', cancelled: 'released' },
  committed: { created: '-', confirmed: '-', cancelled: 'restocked' },
  rejected: { created: '-', confirmed: '-', cancelled: '-' },
  released: { created: '-', confirmed: '-', cancelled: '-' },
  restocked: { created: '-', confirmed: '-', cancelled: '-' },
  cancelled: { created: '-', confirmed: '-', cancelled: '-' },
};

describe('reservation state machine', () => {
  for (const [status, row] of Object.entries(table)) {
    for (const [event, expected] of Object.entries(row)) {
      it(`${status} + orders.${event} -> ${expected}`, () => {
        expect(decide[event as keyof typeof decide](reservations[status as keyof typeof reservations])).to.equal(expected);
      });
    }
  }

  it('moves the units of the reservation: commit makes them sold, a cancel gives back what it holds', () => {
    expect(decideCommit(reservations.reserved)).to.deep.equal({ kind: 'commit', movements: commitMovements(lines) });
    expect(decideRelease('o1', reservations.reserved)).to.deep.equal({ kind: 'give_back', mode: 'released', movements: returnMovements('reserved', lines), lines });
    expect(decideRelease('o1', reservations.committed)).to.deep.equal({ kind: 'give_back', mode: 'restocked', movements: returnMovements('committed', lines), lines });
    expect(decideRelease('o2', undefined)).to.deep.equal({ kind: 'tombstone', reservation: { orderId: 'o2', status: 'cancelled', lines: [] } });
  });
});

describe('a decision and the statement that wrote it', () => {
  it('names the status each decision writes', () => {
    expect(decidedStatus(decideCommit(reservations.reserved))).to.equal('committed');
    expect(decidedStatus(decideRelease('o1', reservations.committed))).to.equal('restocked');
    expect(decidedStatus(decideRelease('o2', undefined))).to.equal('cancelled');
    expect(decidedStatus(decideCommit(reservations.released))).to.equal(undefined);
  });

  it('agree, or the order was recorded concurrently (transient), or the statement is wrong (a bug)', () => {
    expect(() => checkWritten('o1', 'reserved', 'reserved')).not.to.throw();
    expect(() => checkWritten('o1', undefined, undefined)).not.to.throw();
    expect(() => checkWritten('o1', 'reserved', undefined)).to.throw(AppError).with.property('kind', 'transient');
    expect(() => checkWritten('o1', 'reserved', 'rejected')).to.throw(/wrote rejected where the decision is reserved/);
  });
});
