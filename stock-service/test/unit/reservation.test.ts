import { expect } from 'chai';
import { commitMovements, decideReservation, returnMovements } from '../../src/domain/reservation.js';
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
