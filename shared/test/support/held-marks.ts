import pg from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';

const MARK_GATE = 4242;

/**
 * Holds every relay's marks back until `release`: a trigger on outbox updates waits for an
 * advisory lock this helper holds on a connection of its own. Selects and inserts go on.
 */
export async function holdMarks(databaseUrl: string): Promise<{ waiting(): Promise<number>; release(): Promise<void> }> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  await holder.query(`
    create or replace function outbox_mark_gate() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_lock_shared(${MARK_GATE});
      perform pg_advisory_unlock_shared(${MARK_GATE});
      return new;
    end $$`);
  await holder.query('create or replace trigger outbox_mark_gate before update on outbox for each row execute function outbox_mark_gate()');
  await holder.query('select pg_advisory_lock($1)', [MARK_GATE]);
  let released = false;
  return {
    /** marks blocked on the gate now */
    async waiting() {
      const { rows } = await holder.query<{ n: number }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = $1 and not granted", [MARK_GATE]);
      return rows[0]!.n;
    },
    async release() {
      if (released) return;
      released = true;
      await holder.end(); // the lock goes with the session
    },
  };
}

/** The ce-id of every message published on `subject`, duplicates JetStream drops included. */
export function watchSubject(nc: NatsConnection, subject: string): { ids: string[]; stop(): void } {
  const ids: string[] = [];
  const subscription = nc.subscribe(subject, { callback: (_error, msg) => ids.push(msg.headers?.get('ce-id') ?? '') });
  return { ids, stop: () => subscription.unsubscribe() };
}
