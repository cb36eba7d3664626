import type { Knex } from 'knex';
import type { EventEnvelope } from './events/envelope.js';
import type { EventPayloads, EventType } from './events/contracts.js';
import type { Logger } from './logger.js';
import type { Outbox, PendingEvent } from './outbox/outbox.js';

/** Where a use case records the events its state change causes: they are written with it, in its transaction. */
export interface EventWriter {
  /** Makes and validates the event now (a bad payload throws here); it is written before the transaction commits. */
  add<T extends EventType>(type: T, fields: { subject: string; data: EventPayloads[T] }): EventEnvelope<T>;
}

/**
 * What every use case that changes state works in, whichever entry point calls it: an api
 * use case opens one with `inTransaction`, the consumer loop opens one per batch and hands it to
 * each handler. `now` is the unit's one time, for the state it writes and the events it adds.
 */
export interface UnitOfWork {
  readonly trx: Knex.Transaction;
  readonly outbox: EventWriter;
  readonly now: Date;
  readonly log: Logger;
}

/** What `inTransaction` needs: a process's database, outbox, clock and logger (a service's `Resources` have them). */
export interface UnitOfWorkDeps {
  db: Knex;
  outbox: Outbox;
  clock: () => Date;
  log: Logger;
}

/**
 * Runs `work` in one transaction and writes the events it added with one insert before the
 * commit; a throw rolls back both. The api's path: a request, one transaction.
 */
export function inTransaction<R>(deps: UnitOfWorkDeps, work: (uow: UnitOfWork) => Promise<R>): Promise<R> {
  return deps.db.transaction(async (trx) => {
    const now = deps.clock();
    const events = new PendingEvents(deps.outbox, now);
    const result = await work({ trx, outbox: events, now, log: deps.log });
    await events.writeIn(trx);
    return result;
  });
}

/**
 * The events a unit of work has added and not yet written, in the order added. The consumer
 * loop keeps one per batch: a handler rolled back to its savepoint loses its events with
 * `forgetSince`, and the rest are written with one insert.
 */
export class PendingEvents implements EventWriter {
  private readonly events: PendingEvent[] = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly now: Date,
  ) {}

  add<T extends EventType>(type: T, fields: { subject: string; data: EventPayloads[T] }): EventEnvelope<T> {
    const event = this.outbox.prepare(type, { subject: fields.subject, data: fields.data, time: this.now });
    this.events.push(event);
    return event;
  }

  /** How many are pending: a mark to forget back to. */
  get count(): number {
    return this.events.length;
  }

  forgetSince(mark: number): void {
    this.events.length = mark;
  }

  writeIn(trx: Knex.Transaction): Promise<void> {
    return this.outbox.insertMany(trx, this.events);
  }
}
