import { expect } from 'chai';
import { expectInvariants } from '../support/invariants.js';
import { call, createProducts, placeOrder, settle } from '../support/shop.js';
import { startSystem, type System } from '../support/system.js';

const ORDERS = Number(process.env['SYSTEM_TEST_ORDERS'] ?? 500);

/** A deterministic mix: mostly good cards, some declined, flaky and unavailable, some cancelled by the customer. */
function plan(i: number) {
  const tokens = ['tok_ok', 'tok_ok', 'tok_ok', 'tok_ok', 'tok_ok', 'tok_ok', 'tok_declined', 'tok_flaky', 'tok_flaky', 'tok_unavailable'];
  const skus = ['SCARCE-A', 'SCARCE-B', 'SCARCE-C'];
  const items = [{ sku: skus[i % 3]!, quantity: 1 + (i % 3) }];
  if (i % 4 === 0) items.push({ sku: skus[(i + 1) % 3]!, quantity: 1 });
  return { token: tokens[i % tokens.length]!, items, cancel: i % 7 === 3 };
}

describe(`${ORDERS} concurrent mixed orders racing for scarce stock`, () => {
  let system: System;
  const initial = { 'SCARCE-A': 60, 'SCARCE-B': 40, 'SCARCE-C': 25 };

  before(async () => {
    system = await startSystem({ workers: 'in-process' });
    await createProducts(system, Object.entries(initial).map(([sku, onHand]) => ({ sku, onHand })));
  });

  after(async () => {
    await system.close();
  });

  it('ends every order confirmed or cancelled with no oversell, stock and money conserved, nothing captured twice, one mail per transition', async () => {
    const placed: { id: string; items: { sku: string; quantity: number }[] }[] = [];
    const cancels: Promise<unknown>[] = [];
    const plans = Array.from({ length: ORDERS }, (_, i) => plan(i));
    for (let i = 0; i < plans.length; i += 25) {
      await Promise.all(
        plans.slice(i, i + 25).map(async (p) => {
          const o = await placeOrder(system, p.token, p.items);
          placed.push({ id: o.id, items: p.items });
          if (p.cancel) cancels.push(new Promise((r) => setTimeout(r, Math.random() * 500)).then(() => call(system.urls.order, 'POST', `/orders/${o.id}/cancel`)));
        }),
      );
    }
    await Promise.all(cancels);
    const finals = await settle(system, placed.map((o) => o.id), 180_000);
    const outcomes: Record<string, number> = {};
    for (const f of finals.values()) outcomes[f.cancellationReason ?? f.status] = (outcomes[f.cancellationReason ?? f.status] ?? 0) + 1;
    process.stdout.write(`      outcomes: ${JSON.stringify(outcomes)}\n`);
    expect(outcomes['confirmed'] ?? 0, 'some orders confirmed').to.be.greaterThan(0);
    expect(outcomes['out_of_stock'] ?? 0, 'scarce stock ran out for some').to.be.greaterThan(0);
    await expectInvariants(system, initial, placed);
  });
});
