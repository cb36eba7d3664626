import { existsSync } from 'node:fs';
import { expect } from 'chai';
import pg from 'pg';
import { testInfra } from '@order-platform/shared/testing';
import { postgresCpu, postgresSnapshot, stat } from '../../../scripts/bench/processes.mjs';

// make bench samples the Postgres server's processes every second, to charge each backend's CPU
// to its service's database even when the backend ends before the run does. It reads only the
// postmaster's children, so it must still find every one of them, the newest included.
describe('make bench: Postgres backends as the bench samples them', () => {
  const clients: pg.Client[] = [];
  let postmaster: number;
  let databaseName: string;

  const connect = async (): Promise<{ client: pg.Client; pid: number }> => {
    const { databaseUrl } = await testInfra();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    clients.push(client);
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return { client, pid: rows[0]!.pid };
  };

  before(async function () {
    const { pid } = await connect();
    // the bench measures a server on this machine only
    if (!existsSync(`/proc/${pid}/stat`)) this.skip();
    postmaster = stat(pid)!.ppid;
    databaseName = new URL((await testInfra()).databaseUrl).pathname.slice(1);
  });

  after(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
  });

  it("finds every backend, one opened since the last sample too, under its database's name", async () => {
    const first = await connect();
    const before = postgresSnapshot(postmaster);
    expect(before.children.has(first.pid), `backend ${first.pid} among ${[...before.children.keys()].join(' ')}`).to.equal(true);
    expect(before.children.get(first.pid).title.split(' ')).to.include(databaseName);

    const second = await connect();
    // some CPU of the new backend's own, for the figure
    await second.client.query('select count(*) from generate_series(1, 200000)');
    const after = postgresSnapshot(postmaster);
    expect(after.children.has(second.pid), `backend ${second.pid} among ${[...after.children.keys()].join(' ')}`).to.equal(true);
    expect(after.children.get(second.pid).title.split(' ')).to.include(databaseName);
    // the server's own processes (checkpointer, WAL writer, …) are its children as well
    expect([...after.children.values()].some((child) => /checkpointer/.test(child.title))).to.equal(true);

    const cpu = postgresCpu(before, after, [databaseName]);
    expect(cpu.parts[databaseName]).to.be.at.least(0);
    expect(cpu.total).to.be.at.least(cpu.parts[databaseName]);
  });
});
