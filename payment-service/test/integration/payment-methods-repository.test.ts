import { expect } from 'chai';
import { createDb, migrationSource, type Knex } from '@order-platform/shared';
import { createTestDatabase, type TestDatabase } from '@order-platform/shared/testing';
import { migrations } from '../../migrations/index.js';
import { insertPaymentMethod } from '../../src/data/payment-methods-repository.js';
import type { PaymentMethod } from '../../src/domain/payment-method.js';

describe('payment-methods repository', () => {
  let database: TestDatabase;
  let db: Knex;

  before(async () => {
    database = await createTestDatabase('paymethods');
    db = createDb(database.url, { poolMax: 2 });
    await db.migrate.latest({ migrationSource: migrationSource(migrations) });
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('withholds the failing row of a constraint violation, which would show the card token in logs', async () => {
    const now = new Date();
    const broken = { id: 'pm_x', customerId: 'c1', status: 'expired', token: 'tok_in_a_broken_row', orderId: null, createdAt: now, expiresAt: now, updatedAt: now } as unknown as PaymentMethod;
    const error = await insertPaymentMethod(db, broken).then(() => undefined, (e: unknown) => e as Error & { detail?: string; constraint?: string });
    expect(error?.constraint).to.equal('payment_methods_token');
    expect(error?.detail).to.equal('Failing row withheld: it may hold a card token');
    expect(JSON.stringify({ message: error?.message, ...error })).not.to.include('tok_');
  });
});
