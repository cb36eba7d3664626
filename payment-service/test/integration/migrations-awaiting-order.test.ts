import { expect } from 'chai';
import { createDb, migrationSource, type Knex } from '@order-platform/shared';
import { createTestDatabase, type TestDatabase } from '@order-platform/shared/testing';
import { migrations } from '../../migrations/index.js';

describe('payment-service migrations: payments awaiting their order', () => {
  let database: TestDatabase;
  let db: Knex;
  const now = new Date();
  const payment = (orderId: string, fields: Record<string, unknown>) => ({ id: crypto.randomUUID(), order_id: orderId, attempts: 0, created_at: now, updated_at: now, ...fields });

  before(async () => {
    database = await createTestDatabase('paymig5');
    db = createDb(database.url, { poolMax: 2 });
    await db.migrate.latest({ migrationSource: migrationSource(migrations) });
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('records a payment awaiting its order only without an amount or card, and rolls back by failing it', async () => {
    await db('payments').insert(payment('o-awaiting', { status: 'awaiting_order' }));
    for (const bad of [{ amount: 1000, currency: 'EUR' }, { payment_method_id: 'pm_x' }]) {
      const error = await db('payments').insert(payment(`o-bad-${crypto.randomUUID()}`, { status: 'awaiting_order', ...bad })).then(() => undefined, (e: Error) => e);
      expect(error?.message, JSON.stringify(bad)).to.match(/payments_awaiting_order/);
    }
    // migrations after it first, then it
    const lastDone = async () => ((await db.migrate.list({ migrationSource: migrationSource(migrations) }))[0] as { name: string }[]).at(-1)?.name;
    for (let i = 0; i < 10 && (await lastDone()) !== '005-payments-await-their-order'; i++) await db.migrate.down({ migrationSource: migrationSource(migrations) });
    await db.migrate.down({ migrationSource: migrationSource(migrations) });
    expect(await db('payments').where({ order_id: 'o-awaiting' }).first()).to.include({ status: 'failed', failure_reason: 'payment_unavailable' });
    const error = await db('payments').insert(payment('o-later', { status: 'awaiting_order' })).then(() => undefined, (e: Error) => e);
    expect(error?.message, 'the older schema knows no awaiting_order').to.match(/violates check constraint "payments_(status|amount_known)"/);
  });
});
