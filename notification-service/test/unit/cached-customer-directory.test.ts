import { expect } from 'chai';
import { cachedCustomerDirectory } from '../../src/data/cached-customer-directory.js';
import type { CustomerDirectory, CustomerLookup } from '../../src/domain/customer.js';

/** A directory that answers from `answers` and counts the calls per customer. */
function countingDirectory(answers: Record<string, CustomerLookup>) {
  const calls: string[] = [];
  const directory: CustomerDirectory = {
    find: async (customerId) => {
      calls.push(customerId);
      return answers[customerId] ?? { status: 'unknown' };
    },
  };
  return { directory, calls };
}

const found = (id: string): CustomerLookup => ({ status: 'found', customer: { id, name: id.toUpperCase(), email: `${id}@example.com` } });

/** A directory whose calls wait until the test answers them (`answers[n]` answers the n-th call), counting them. */
function answeringLater() {
  const answers: ((lookup: CustomerLookup) => void)[] = [];
  const calls: string[] = [];
  const directory: CustomerDirectory = {
    find: (customerId) => {
      calls.push(customerId);
      return new Promise((resolve) => answers.push(resolve));
    },
  };
  return { directory, calls, answers };
}

describe('customer directory cache', () => {
  it('answers a found customer from memory until its TTL is over, then asks again', async () => {
    let now = 5_000;
    const { directory, calls } = countingDirectory({ ada: found('ada') });
    const cached = cachedCustomerDirectory(directory, { ttlMs: 1000, maxEntries: 10 }, { now: () => now });
    expect(await cached.find('ada')).to.deep.equal(found('ada'));
    now = 5_999;
    expect(await cached.find('ada')).to.deep.equal(found('ada'));
    expect(calls).to.deep.equal(['ada']);
    now = 6_001;
    await cached.find('ada');
    expect(calls).to.deep.equal(['ada', 'ada']);
  });

  it('keeps at most maxEntries customers, dropping the least recently used', async () => {
    const { directory, calls } = countingDirectory({ a: found('a'), b: found('b'), c: found('c') });
    const cached = cachedCustomerDirectory(directory, { ttlMs: 60_000, maxEntries: 2 }, { now: () => 0 });
    await cached.find('a');
    await cached.find('b');
    await cached.find('a'); // a is now the most recently used
    await cached.find('c'); // drops b
    calls.length = 0;
    await cached.find('a');
    await cached.find('c');
    expect(calls).to.deep.equal([]);
    await cached.find('b');
    expect(calls).to.deep.equal(['b']);
  });

  it('never keeps an unknown customer or a failed lookup', async () => {
    const { directory, calls } = countingDirectory({ down: { status: 'unavailable', reason: 'circuit open' } });
    const cached = cachedCustomerDirectory(directory, { ttlMs: 60_000, maxEntries: 10 }, { now: () => 0 });
    for (let i = 0; i < 2; i++) {
      expect(await cached.find('nobody')).to.deep.equal({ status: 'unknown' });
      expect(await cached.find('down')).to.deep.equal({ status: 'unavailable', reason: 'circuit open' });
    }
    expect(calls).to.deep.equal(['nobody', 'down', 'nobody', 'down']);
  });

  it('with a TTL of 0, every lookup asks the directory', async () => {
    const { directory, calls } = countingDirectory({ ada: found('ada') });
    const cached = cachedCustomerDirectory(directory, { ttlMs: 0, maxEntries: 10 }, { now: () => 0 });
    await cached.find('ada');
    await cached.find('ada');
    expect(calls).to.deep.equal(['ada', 'ada']);
  });

  it('lookups of one customer that miss together ask the directory once, and all get its answer', async () => {
    const { directory, calls, answers } = answeringLater();
    const cached = cachedCustomerDirectory(directory, { ttlMs: 60_000, maxEntries: 10 }, { now: () => 0 });
    const ada = Array.from({ length: 20 }, () => cached.find('ada'));
    const grace = cached.find('grace');
    await new Promise(setImmediate);
    expect(calls).to.deep.equal(['ada', 'grace']);
    answers[0]!(found('ada'));
    answers[1]!(found('grace'));
    for (const lookup of await Promise.all(ada)) expect(lookup).to.deep.equal(found('ada'));
    expect(await grace).to.deep.equal(found('grace'));
    await cached.find('ada');
    expect(calls, 'the answer was kept').to.deep.equal(['ada', 'grace']);
  });

  it('a failed lookup answers those that waited for it, and the next one asks again', async () => {
    const { directory, calls, answers } = answeringLater();
    const cached = cachedCustomerDirectory(directory, { ttlMs: 60_000, maxEntries: 10 }, { now: () => 0 });
    const waiting = [cached.find('kat'), cached.find('kat'), cached.find('kat')];
    await new Promise(setImmediate);
    answers[0]!({ status: 'unavailable', reason: 'timed out after 1000 ms' });
    for (const lookup of await Promise.all(waiting)) expect(lookup).to.deep.equal({ status: 'unavailable', reason: 'timed out after 1000 ms' });
    const next = cached.find('kat');
    await new Promise(setImmediate);
    expect(calls).to.deep.equal(['kat', 'kat']);
    answers[1]!(found('kat'));
    expect(await next).to.deep.equal(found('kat'));
  });
});
