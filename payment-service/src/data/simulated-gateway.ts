import { AppError, connectionOf, GroupCommit, type Knex, type Money, type RawConnection } from '@order-platform/shared';
import type { ChargeResult, Gateway, VoidResult } from '../domain/gateway.js';

type Answer = ChargeResult | { outcome: 'unavailable' };

/** What the simulated provider answers to the n-th request of a charge, by card token (docs/architecture.md, "HTTP surface"). */
export function cardRule(token: string, attempt: number): Answer {
  switch (token) {
    case 'tok_ok':
      return { outcome: 'captured' };
    case 'tok_declined':
      return { outcome: 'declined', detail: 'card declined by the issuer' };
    case 'tok_flaky':
      return attempt <= 2 ? { outcome: 'unavailable' } : { outcome: 'captured' };
    case 'tok_unavailable':
      return { outcome: 'unavailable' };
    default:
      return { outcome: 'declined', detail: 'unknown card token' };
  }
}

type Outcome = 'captured' | 'declined' | 'voided' | 'refunded';

interface OperationRow {
  idempotency_key: string;
  kind: 'charge' | 'refund';
  attempts: number;
  outcome: Outcome | null;
  detail: string | null;
}

function answerOf(op: OperationRow): ChargeResult {
  return op.outcome === 'captured' ? { outcome: 'captured' } : { outcome: 'declined', detail: op.detail ?? op.outcome ?? 'declined' };
}

/**
 * The card gateway, simulated. It stands for the provider's side, so it keeps its records in
 * `gateway_operations` through its own connections, outside the caller's transaction: a worker
 * that dies after a charge and before its commit finds the charge on retry, and is answered
 * as the first time instead of being charged again.
 */
export class SimulatedGateway implements Gateway {
  /**
   * Charge requests, each committed before it is answered, as a provider's records are; the
   * charges of a batch come side by side and share commits (shared's `GroupCommit`).
   */
  private readonly requests: GroupCommit<Received, OperationRow>;

  constructor(
    private readonly db: Knex,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.requests = new GroupCommit(db, receiveOn);
  }

  async charge(request: { idempotencyKey: string; token: string; amount: Money }): Promise<ChargeResult> {
    // Each request is committed before it is answered, as a provider's records are: one
    // statement records the request (and answers a settled charge as the first time), one
    // settles a fresh answer. A first request's answer is known before it is recorded, so it is
    // recorded settled: one statement.
    const first = cardRule(request.token, 1);
    const op = await this.requests.write({ key: request.idempotencyKey, kind: 'charge', amount: request.amount, answer: first.outcome === 'unavailable' ? undefined : first, now: this.clock() });
    const answer = op.outcome ? answerOf(op) : await this.settleOnce(request.idempotencyKey, cardRule(request.token, op.attempts));
    // the provider remembers the attempt either way
    if (answer.outcome === 'unavailable') throw new AppError('transient', 'card gateway unavailable', { details: { idempotencyKey: request.idempotencyKey } });
    return answer;
  }

  /** Settles a fresh answer unless a request racing this one settled first: then its answer is the answer. */
  private async settleOnce(key: string, fresh: Answer): Promise<Answer> {
    if (fresh.outcome === 'unavailable') return fresh;
    const detail = 'detail' in fresh ? fresh.detail : null;
    const settled = await this.db('gateway_operations').where({ idempotency_key: key }).whereNull('outcome').update({ outcome: fresh.outcome, detail, updated_at: this.clock() });
    if (settled === 1) return fresh;
    return answerOf((await this.db<OperationRow>('gateway_operations').where({ idempotency_key: key }).first())!);
  }

  async voidCharge(request: { idempotencyKey: string }): Promise<VoidResult> {
    return this.db.transaction(async (trx) => {
      const now = this.clock();
      await trx('gateway_operations').insert({ idempotency_key: request.idempotencyKey, kind: 'charge', attempts: 0, created_at: now, updated_at: now }).onConflict('idempotency_key').ignore();
      const op = (await trx<OperationRow>('gateway_operations').where({ idempotency_key: request.idempotencyKey }).forUpdate().first())!;
      if (op.outcome === 'captured') return { outcome: 'captured' };
      if (!op.outcome) await this.settle(trx, request.idempotencyKey, 'voided', 'voided before it was taken');
      return { outcome: 'voided' };
    });
  }

  async refund(request: { idempotencyKey: string; amount: Money }): Promise<{ outcome: 'refunded' }> {
    await this.db.transaction(async (trx) => {
      const op = await receiveOn(await connectionOf(trx), { key: request.idempotencyKey, kind: 'refund', amount: request.amount, now: this.clock() });
      if (!op.outcome) await this.settle(trx, request.idempotencyKey, 'refunded', null);
    });
    return { outcome: 'refunded' };
  }

  private async settle(trx: Knex.Transaction, key: string, outcome: Outcome, detail: string | null): Promise<void> {
    await trx('gateway_operations').where({ idempotency_key: key }).update({ outcome, detail, updated_at: this.clock() });
  }
}

/** One request to the provider, as `receiveOn` records it. */
interface Received {
  key: string;
  kind: OperationRow['kind'];
  amount: Money;
  /** a first request's answer, when it is known at once: recorded with it */
  answer?: ChargeResult | undefined;
  now: Date;
}

const receiveStatement = {
  name: 'gateway-receive',
  text: `insert into gateway_operations (idempotency_key, kind, amount, currency, attempts, outcome, detail, created_at, updated_at)
    values ($1, $2, $3, $4, 1, $5, $6, $7, $7)
    on conflict (idempotency_key) do update set attempts = gateway_operations.attempts + 1, updated_at = excluded.updated_at
    returning idempotency_key, kind, attempts, outcome, detail`,
};

/**
 * Records one more request under the key and locks its record until the answer is settled. A
 * first request is recorded with its `answer` when one is given; a repeat keeps the answer it has.
 */
async function receiveOn(connection: RawConnection, request: Received): Promise<OperationRow> {
  const { answer } = request;
  const values = [request.key, request.kind, request.amount.amount, request.amount.currency, answer?.outcome ?? null, answer && 'detail' in answer ? answer.detail : null, request.now];
  const { rows } = await connection.query<OperationRow>({ ...receiveStatement, values });
  return rows[0]!;
}

/** The simulated provider's operations under these idempotency keys, oldest first: what the admin records show of each attempt. */
export async function listGatewayOperations(db: Knex, keys: string[]): Promise<{ key: string; kind: 'charge' | 'refund'; attempts: number; outcome: Outcome | null; detail: string | null; amount: Money | null; createdAt: Date; updatedAt: Date }[]> {
  const rows = await db('gateway_operations').whereIn('idempotency_key', keys).orderBy('created_at');
  return rows.map((r: OperationRow & { amount: string | null; currency: string | null; created_at: Date; updated_at: Date }) => ({
    key: r.idempotency_key,
    kind: r.kind,
    attempts: r.attempts,
    outcome: r.outcome,
    detail: r.detail,
    amount: r.amount === null ? null : { amount: Number(r.amount), currency: r.currency!.trim() },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}
