import { expect } from 'chai';
import { sleep } from '@order-platform/shared/testing';
import { expectInvariants } from '../support/invariants.js';
import { createProducts, placeOrder, settle } from '../support/shop.js';
import { startSystem, type ServiceName, type System } from '../support/system.js';

const ORDERS = 150;

describe('workers SIGKILLed mid-run and restarted', () => {
  let system: System;
  const initial = { 'CRASH-A': 50, 'CRASH-B': 30 };

  before(async () => {
    system = await startSystem({ workers: 'processes' });
    await createProducts(system, Object.entries(initial).map(([sku, onHand]) => ({ sku, onHand })));
  });

  after(async () => {
    await system.close();
  });

  it('loses no order: every order still ends confirmed or cancelled, and the invariants hold', async () => {
    const tokens = ['tok_ok', 'tok_ok', 'tok_ok', 'tok_flaky', 'tok_declined'];
    const placed: { id: string; items: { sku: string; quantity: number }[] }[] = [];
    const victims: ServiceName[] = ['order', 'stock', 'payment'];
    for (let i = 0; i < ORDERS; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const n = i + j;
          const items = [{ sku: n % 2 ? 'CRASH-A' : 'CRASH-B', quantity: 1 + (n % 2) }];
          const o = await placeOrder(system, tokens[n % tokens.length]!, items);
          placed.push({ id: o.id, items });
        }),
      );
      // a third of the way, two thirds, and at the end: kill one worker while work is in flight
      const victim = victims[Math.floor((i / ORDERS) * 3)];
      if (victim && (i + 10) % 50 === 0) {
        await system.kill(victim);
        await sleep(500); // the scenario: the worker stays down a while, work piling up, before it restarts
        system.restart(victim);
      }
    }
    const finals = await settle(system, placed.map((o) => o.id), 180_000);
    expect(finals.size).to.equal(ORDERS);
    await expectInvariants(system, initial, placed);
  });
});
