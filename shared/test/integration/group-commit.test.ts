import { expect } from 'chai';
import { createDb, GroupCommit, type Knex, type RawConnection } from '../../src/index.js';
import { createTestDatabase, recordStatements, type RecordedStatement, type RecordedTransaction, type TestDatabase } from '../../src/testing/index.js';

/**
 * Writes committed apart from their caller's transaction, grouped (shared/src/db/group-commit.ts):
 * the simulated card gateway's records and notification-service's delivery log go through it.
 * Counted where every statement passes (`recordStatements`): each BEGIN … COMMIT is one commit,
 * and so is each write sent outside one.
 */
describe('writes committed apart, grouped (GroupCommit)', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let admin: Knex;
  let db: Knex;

  before(async () => {
    database = await createTestDatabase('groupcommit', { create: 'database' });
    admin = createDb(database.url, { poolMax: 1 });
    await admin.raw('create table tallies (key text primary key, n int not null check (n < 100))');
    db = createDb(database.url, { poolMax: 4, prepare: true, applicationName: 'group-commit-test' });
  });
  beforeEach(() => admin.raw('truncate tallies'));
  after(async () => {
    await db?.destroy();
    await admin?.destroy();
    await database?.drop();
  });

  /** One more under the key (n added): the row's count after it. */
  const tally = (connection: RawConnection, write: { key: string; n: number }): Promise<number> =>
    connection
      .query<{ n: number }>({ name: 'tally', text: 'insert into tallies (key, n) values ($1, $2) on conflict (key) do update set n = tallies.n + excluded.n returning n', values: [write.key, write.n] })
      .then(({ rows }) => rows[0]!.n);

  /** The commits among `sent`: each transaction once, and each tally sent outside one. */
  function commits(sent: readonly RecordedStatement[]): string[] {
    const seen = new Set<RecordedTransaction>();
    const found: string[] = [];
    for (const s of sent.filter((s) => s.application === 'group-commit-test' && /^(begin|insert into tallies)/.test(s.text))) {
      if (!s.transaction) found.push('alone');
      else if (!seen.has(s.transaction)) {
        seen.add(s.transaction);
        found.push('transaction');
      }
    }
    return found;
  }

  it('twenty writes asked for side by side: the first alone, the nineteen that waited in one transaction, each answered with its own result', async () => {
    const writes = new GroupCommit(db, tally);
    const recorded = recordStatements();
    try {
      // a key asked for twice in one group is written twice, one after the other, as alone
      const keys = ['twice', ...Array.from({ length: 18 }, (_, i) => `k${i}`), 'twice'];
      const results = await Promise.all(keys.map((key) => writes.write({ key, n: 1 })));
      expect(results).to.deep.equal([1, ...Array.from({ length: 18 }, () => 1), 2]);
      expect(commits(recorded.sent)).to.deep.equal(['alone', 'transaction']);
      expect(recorded.sent.filter((s) => /^rollback/i.test(s.text))).to.deep.equal([]);
    } finally {
      recorded.restore();
    }
    expect(await admin('tallies').where({ key: 'twice' }).first()).to.deep.equal({ key: 'twice', n: 2 });
    expect(Number((await admin('tallies').count({ n: '*' }))[0]!.n)).to.equal(19);
  });

  it('a write the database refuses fails only its own caller: the group is written again, each on its own', async () => {
    const writes = new GroupCommit(db, tally);
    await writes.write({ key: 'full', n: 99 });
    const asked = ['a', 'full', 'b'].map((key) => writes.write({ key, n: 1 }).then((n) => ({ n }), (error: Error) => ({ error: error.message })));
    // the first of them was alone (the writer was idle); the two that waited go together, fail, then alone
    const answers = await Promise.all(asked);
    expect(answers[0]).to.deep.equal({ n: 1 });
    expect(answers[1]).to.have.property('error').that.matches(/tallies_n_check/);
    expect(answers[2]).to.deep.equal({ n: 1 });
    expect(await admin('tallies').orderBy('key').select('key', 'n')).to.deep.equal([
      { key: 'a', n: 1 },
      { key: 'b', n: 1 },
      { key: 'full', n: 99 },
    ]);
  });

  it('a write asked for in a transaction is never sent alone, without its COMMIT', async () => {
    const writes = new GroupCommit(db, tally);
    const recorded = recordStatements();
    try {
      expect(await writes.write({ key: 'sure', n: 1 }, { transaction: true })).to.equal(1);
      expect(commits(recorded.sent)).to.deep.equal(['transaction']);
    } finally {
      recorded.restore();
    }
  });
});
