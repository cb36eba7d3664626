import { expect } from 'chai';
import { changeProduct, newProduct, productView, restock } from '../../src/domain/product.js';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-02T00:00:00.000Z');
const kettle = newProduct({ sku: 'K-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' }, onHand: 10, lowStockThreshold: 2 }, t0);

describe('product decisions', () => {
  it('starts with all units available, version 1 and active', () => {
    expect(kettle).to.deep.include({ available: 10, reserved: 0, sold: 0, version: 1, active: true, createdAt: t0 });
    expect(productView(kettle)).to.include({ onHand: 10, available: 10 });
  });

  it('bumps the version only when a change changes something', () => {
    const same = changeProduct(kettle, { name: 'Kettle', price: { amount: 2599, currency: 'EUR' } }, t1);
    expect(same).to.deep.equal({ product: kettle, changed: false });
    const cheaper = changeProduct(kettle, { price: { amount: 1999, currency: 'EUR' } }, t1);
    expect(cheaper.changed).to.equal(true);
    expect(cheaper.product).to.deep.include({ version: 2, updatedAt: t1, price: { amount: 1999, currency: 'EUR' }, name: 'Kettle' });
    expect(changeProduct(kettle, { price: { amount: 2599, currency: 'GBP' } }, t1).changed).to.equal(true);
    expect(changeProduct(kettle, { active: false }, t1).product.active).to.equal(false);
  });

  it('restocks into available, keeping the catalog version', () => {
    const restocked = restock(kettle, 5, t1);
    expect(restocked).to.deep.include({ available: 15, version: 1 });
    expect(productView(restocked).onHand).to.equal(15);
  });
});
