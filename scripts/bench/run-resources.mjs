// make bench's own resources: free ports, the run's databases, streams and roles, dropped at the end.
import { rmSync } from 'node:fs';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';

export { freePort } from '../free-port.mjs';

export async function queryDb(pgBase, name, sql, params = []) {
  const client = new pg.Client({ connectionString: `${pgBase}/${name}` });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The run's streams, databases and roles, and the round-trip counts. */
export async function cleanUp({ nc, admin, namespace, database, queryDir, out }) {
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace}_`)) await jsm.streams.delete(name);
    await nc.close();
    for (const name of Object.values(database)) {
      await admin.query(`drop database if exists "${name}" with (force)`);
      for (const role of ['owner', 'app']) await admin.query(`drop role if exists "${name}_${role}"`);
    }
    await admin.end();
  } catch (error) {
    out(`could not remove the run's streams or databases (${Object.values(database).join(', ')}): ${error.message}`);
  }
  rmSync(queryDir, { recursive: true, force: true });
}
