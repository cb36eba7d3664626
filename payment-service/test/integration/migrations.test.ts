import { expect } from 'chai';
import { createDb, migrationSource, type Knex } from '@order-platform/shared';
import { createTestDatabase, type TestDatabase } from '@order-platform/shared/testing';
import { migrations } from '../../migrations/index.js';

describe('payment-service migrations: card tokens move out of payments', () => {
  let database: TestDatabase;
  let db: Knex;
  const now = new Date();
  const payment = (orderId: string, status: string, token: string | null) => ({
    id: crypto.randomUUID(), order_id: orderId, amount: 1000, currency: 'EUR', token, status, attempts: 0, created_at: now, updated_at: now,
  });

  before(async () => {
    database = await createTestDatabase('paymig');
    db = createDb(database.url, { poolMax: 2 });
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("keeps a pending payment's card in a used payment method of its order, drops every other token, and rolls back", async () => {
    await db.migrate.latest({ migrationSource: migrationSource({ '001-payments': migrations['001-payments']! }) });
    await db('payments').insert([payment('o-pending', 'pending', 'tok_ok'), payment('o-captured', 'captured', 'tok_ok'), payment('o-voided', 'voided', null)]);

    await db.migrate.latest({ migrationSource: migrationSource(migrations) });
    const columns = Object.keys(await db('payments').columnInfo());
    expect(columns).to.include('payment_method_id').and.not.include('token');
    const methods = await db('payment_methods').select('id', 'token', 'status', 'order_id');
    expect(methods).to.have.length(1);
    expect(methods[0]).to.include({ token: 'tok_ok', status: 'used', order_id: 'o-pending' });
    const byOrder = Object.fromEntries((await db('payments').select('order_id', 'payment_method_id')).map((r) => [r.order_id, r.payment_method_id]));
    expect(byOrder).to.deep.equal({ 'o-pending': methods[0]!.id, 'o-captured': null, 'o-voided': null });

    await db.migrate.rollback({ migrationSource: migrationSource(migrations) });
    expect(await db('payments').where({ order_id: 'o-pending' }).first()).to.include({ token: 'tok_ok' });
    expect(await db.schema.hasTable('payment_methods')).to.equal(false);
  });
});
