import { type Knex, runStatement, type Write } from '@order-platform/shared';
import type { PaymentMethod } from '../domain/payment-method.js';
import type { AwaitingOrderPayment, Payment, PaymentStatus } from '../domain/payment.js';
import { toPaymentMethod, withheld, withholdFailingRow, type PaymentMethodRow } from './payment-methods-repository.js';

interface PaymentRow {
  id: string;
  order_id: string;
  amount: number | null;
  currency: string | null;
  payment_method_id: string | null;
  status: PaymentStatus;
  attempts: number;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    status: row.status,
    amount: row.amount === null ? null : { amount: row.amount, currency: row.currency!.trim() },
    paymentMethodId: row.payment_method_id,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  } as Payment; // the table's checks keep each status's fields as the union says
}

/**
 * The first key of an order's payment lock, apart from other advisory locks of the database.
 * Every handler that writes an order's payment runs under it: its subscription names the lock
 * (`locks` in worker/subscriptions.ts), and the consumer takes it for the handler's whole
 * transaction wherever the handler runs (the consumer loop, an on-exhausted hook, the sweep of
 * held hooks, a replay). So orders.created, stock.reserved and orders.cancelled of one order,
 * handled at once by two replicas, run one after the other: the second sees what the first
 * recorded (the row it inserted included), and exactly one of them charges.
 */
export const PAYMENT_LOCK_SPACE = 0x70617900; // "pay\0"

// The charge's hot path (orders.created and stock.reserved of every order) runs these statements,
// prepared by name on the handler's transaction: one round trip where several did the work of one (issue 10).

const PAYMENT_COLUMNS = 'p.id, p.order_id, p.amount, p.currency, p.payment_method_id, p.status, p.attempts, p.failure_reason, p.created_at, p.updated_at';
const INSERT_PAYMENT_ROW = `insert into payments (id, order_id, created_at, status, amount, currency, payment_method_id, attempts, failure_reason, updated_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const INSERT_PAYMENT = `${INSERT_PAYMENT_ROW} on conflict (order_id) do nothing returning id`;
const SET_PAYMENT = 'update payments set status = $2, amount = $3, currency = $4, payment_method_id = $5, attempts = $6, failure_reason = $7, updated_at = $8 where id = $1';

// a payment method's columns, prefixed (MethodRow), next to a payment's
const METHOD_COLUMNS = `m.id as method_id, m.customer_id as method_customer_id, m.token as method_token, m.status as method_status,
  m.order_id as method_order_id, m.created_at as method_created_at, m.expires_at as method_expires_at, m.updated_at as method_updated_at`;

// orders.created: the order's payment and the payment method the order names, each locked when it exists
const lockWithMethod = {
  name: 'payment-lock-with-method',
  text: `select ${PAYMENT_COLUMNS}, ${METHOD_COLUMNS}
  from (values (1)) as one
  left join lateral (select * from payments where order_id = $1 for update) as p on true
  left join lateral (select * from payment_methods where id = $2 for update) as m on true`,
};

// orders.created of a whole batch, ahead of its handlers (their prefetch): lockWithMethod for
// each of its orders ($1) and the payment method it names ($2)
const lockWithMethodMany = {
  name: 'payment-lock-with-method-many',
  text: `select w.order_id as wanted_order, w.method_id as wanted_method, ${PAYMENT_COLUMNS}, ${METHOD_COLUMNS}
  from unnest($1::text[], $2::text[]) as w(order_id, method_id)
  left join lateral (select * from payments where order_id = w.order_id for update) as p on true
  left join lateral (select * from payment_methods where id = w.method_id for update) as m on true`,
};

// orders.created, decided on what the batch locked: opens the payment and claims its payment
// method for the order. A payment the order had already (impossible under its lock) fails the
// insert, and the message is retried.
const openClaimingMethod = {
  name: 'payment-open-claiming-method',
  text: `with opened as (${INSERT_PAYMENT_ROW} returning id),
  claimed as (update payment_methods set status = $12, token = $13, order_id = $14, updated_at = $15 where id = $11)
  select id from opened`,
};

// orders.created: opens the payment and, only when it is new, claims its payment method for the order
const insertClaimingMethod = {
  name: 'payment-insert-claiming-method',
  text: `with opened as (${INSERT_PAYMENT}),
  claimed as (update payment_methods set status = $12, token = $13, order_id = $14, updated_at = $15 where id = $11 and exists (select 1 from opened))
  select id from opened`,
};

// stock.reserved: records the payment awaiting its order when the order has none; else the one it has, locked, with its method's card
const insertOrLock = {
  name: 'payment-insert-or-lock',
  text: `with recorded as (${INSERT_PAYMENT}),
  found as (select ${PAYMENT_COLUMNS}, m.token as card from payments as p left join payment_methods as m on m.id = p.payment_method_id where p.order_id = $2 for update of p)
  select (select count(*) from recorded)::int as recorded, found.* from (values (1)) as one left join found on true`,
};

// stock.reserved of a whole batch, ahead of its handlers (their prefetch): insertOrLock for each of its orders
const insertOrLockMany = {
  name: 'payment-insert-or-lock-many',
  text: `with awaiting as (
    select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::int[], $9::text[], $10::timestamptz[])
      as a(id, order_id, created_at, status, amount, currency, payment_method_id, attempts, failure_reason, updated_at)
  ),
  recorded as (
    insert into payments (id, order_id, created_at, status, amount, currency, payment_method_id, attempts, failure_reason, updated_at)
    select * from awaiting on conflict (order_id) do nothing returning order_id
  ),
  found as (select ${PAYMENT_COLUMNS}, m.token as card from payments as p left join payment_methods as m on m.id = p.payment_method_id
    where p.order_id in (select order_id from awaiting) for update of p)
  select a.order_id as wanted, (r.order_id is not null) as recorded, found.* from awaiting as a
    left join recorded as r on r.order_id = a.order_id left join found on found.order_id = a.order_id`,
};

// a transition within the states that may still charge (awaiting_order → pending)
const setPayment = { name: 'payment-update', text: SET_PAYMENT };

// a transition out of them, erasing the card of the order's payment method with it
const setPaymentErasingCard = {
  name: 'payment-update-erasing-card',
  text: `with erased as (update payment_methods set status = 'erased', token = null, updated_at = $8 where order_id = $9 and status = 'used') ${SET_PAYMENT}`,
};

export async function findPaymentByOrder(db: Knex | Knex.Transaction, orderId: string, options: { forUpdate?: boolean } = {}): Promise<Payment | undefined> {
  const query = db<PaymentRow>('payments').where({ order_id: orderId }).first();
  const row = await (options.forUpdate ? query.forUpdate() : query);
  return row ? toPayment(row) : undefined;
}

export async function listPaymentsOfOrder(db: Knex, orderId: string): Promise<Payment[]> {
  return (await db<PaymentRow>('payments').where({ order_id: orderId }).orderBy('created_at')).map(toPayment);
}

/**
 * orders.created's read, in one statement: the order's payment and the payment method the order
 * names, both locked until the transaction ends (either may not exist).
 */
export async function lockPaymentAndMethod(trx: Knex.Transaction, orderId: string, paymentMethodId: string): Promise<{ payment: Payment | undefined; method: PaymentMethod | undefined }> {
  const [row] = await runStatement<Nullable<PaymentRow> & MethodRow>(trx, lockWithMethod, [orderId, paymentMethodId]);
  return { payment: row?.id ? toPayment(row as PaymentRow) : undefined, method: row?.method_id ? toPaymentMethod(unprefixed(row)) : undefined };
}

/**
 * stock.reserved's one statement: records `awaiting` when the order has no payment yet
 * ('recorded'); else answers the payment it has, locked, with the card token its payment method
 * holds (null once erased). Neither (undefined) when another transaction inserted one that it has
 * not committed yet.
 */
export async function insertOrLockPayment(trx: Knex.Transaction, awaiting: AwaitingOrderPayment): Promise<InsertedOrLocked> {
  const [row] = await runStatement<{ recorded: number; card: string | null } & Nullable<PaymentRow>>(trx, insertOrLock, insertValues(awaiting));
  if (row!.recorded === 1) return 'recorded';
  return row!.id ? { payment: toPayment(row as PaymentRow), card: row!.card } : undefined;
}

/** What `insertOrLockPayment` answers for one order. */
export type InsertedOrLocked = 'recorded' | { payment: Payment; card: string | null } | undefined;

/**
 * `insertOrLockPayment` for the orders of several stock.reserved at once, in one statement (one
 * `awaiting` per order, no two of one order): answers each order's outcome by its id.
 */
export async function insertOrLockPayments(trx: Knex.Transaction, awaiting: readonly AwaitingOrderPayment[]): Promise<Map<string, InsertedOrLocked>> {
  const columns: unknown[][] = Array.from({ length: 10 }, () => []);
  for (const payment of awaiting) insertValues(payment).forEach((value, i) => columns[i]!.push(value));
  const rows = await runStatement<{ wanted: string; recorded: boolean; card: string | null } & Nullable<PaymentRow>>(trx, insertOrLockMany, columns);
  return new Map(rows.map((row) => [row.wanted, row.recorded ? 'recorded' : row.id ? { payment: toPayment(row as PaymentRow), card: row.card } : undefined]));
}

/** Each order's payment and the payment method it names, locked: `lockPaymentAndMethod` for a batch, by `paymentAndMethodKey`. */
export async function lockPaymentsAndMethods(trx: Knex.Transaction, wanted: readonly { orderId: string; paymentMethodId: string }[]): Promise<Map<string, { payment: Payment | undefined; method: PaymentMethod | undefined }>> {
  const rows = await runStatement<{ wanted_order: string; wanted_method: string } & Nullable<PaymentRow> & MethodRow>(trx, lockWithMethodMany, [wanted.map((w) => w.orderId), wanted.map((w) => w.paymentMethodId)]);
  return new Map(
    rows.map((row) => [
      paymentAndMethodKey(row.wanted_order, row.wanted_method),
      { payment: row.id ? toPayment(row as PaymentRow) : undefined, method: row.method_id ? toPaymentMethod(unprefixed(row)) : undefined },
    ]),
  );
}

export const paymentAndMethodKey = (orderId: string, paymentMethodId: string): string => `${orderId}\u0000${paymentMethodId}`;

/** `insertPaymentClaimingMethod` as a write to send (`UnitOfWork.send`), for a payment known to be new: it fails rather than write nothing. */
export function openClaimingMethodWrite(payment: Payment, method: PaymentMethod): Write {
  return { ...openClaimingMethod, values: [...insertValues(payment), method.id, method.status, method.token, method.orderId, method.updatedAt], withhold: withholdFailingRow };
}

/** Inserts; returns false when the order has a payment already (one committed concurrently included). */
export async function insertPayment(trx: Knex.Transaction, payment: Payment): Promise<boolean> {
  return (await runStatement(trx, { name: 'payment-insert', text: INSERT_PAYMENT }, insertValues(payment))).length === 1;
}

/**
 * Opens a new payment and claims the payment method (`method`, as claimed for it) in one
 * statement; returns false, having written neither, when the order has a payment already.
 */
export async function insertPaymentClaimingMethod(trx: Knex.Transaction, payment: Payment, method: PaymentMethod): Promise<boolean> {
  const values = [...insertValues(payment), method.id, method.status, method.token, method.orderId, method.updatedAt];
  return (await withheld(runStatement(trx, insertClaimingMethod, values))).length === 1;
}

/**
 * Writes a transition, in one statement. Every one but awaiting_order → pending (which happens
 * only inside the charge) leaves the states that may still charge, after which the card is never
 * charged again, so its token is erased with it.
 */
export async function updatePayment(trx: Knex.Transaction, payment: Payment): Promise<void> {
  const { name, text, values } = paymentUpdate(payment);
  await withheld(runStatement(trx, { name, text }, values));
}

/**
 * `updatePayment`'s statement, for a unit of work to send without waiting for its answer
 * (`UnitOfWork.send`): a charge settled is saved on the way to its batch's COMMIT, not in a round
 * trip of its own. A failing row in its error is withheld, as `updatePayment`'s is.
 */
export function paymentUpdate(payment: Payment): Write {
  const values = [payment.id, ...changingValues(payment)];
  if (payment.status === 'pending' || payment.status === 'awaiting_order') return { ...setPayment, values, withhold: withholdFailingRow };
  return { ...setPaymentErasingCard, values: [...values, payment.orderId], withhold: withholdFailingRow };
}

/**
 * Payments still awaiting their order since before `before`, oldest first, locked; rows a
 * handler holds right now are skipped (it is settling them).
 */
export async function lockPaymentsAwaitingOrder(trx: Knex.Transaction, before: Date, limit: number): Promise<AwaitingOrderPayment[]> {
  const rows = await trx<PaymentRow>('payments').where({ status: 'awaiting_order' }).andWhere('created_at', '<', before).orderBy('created_at').limit(limit).forUpdate().skipLocked();
  return rows.map(toPayment) as AwaitingOrderPayment[];
}

type Nullable<T> = { [K in keyof T]: T[K] | null };
type MethodRow = { [K in keyof PaymentMethodRow as `method_${K}`]: PaymentMethodRow[K] | null };

function unprefixed(row: MethodRow): PaymentMethodRow {
  return {
    id: row.method_id!,
    customer_id: row.method_customer_id!,
    token: row.method_token,
    status: row.method_status!,
    order_id: row.method_order_id,
    created_at: row.method_created_at!,
    expires_at: row.method_expires_at!,
    updated_at: row.method_updated_at!,
  };
}

/** A payment's columns in INSERT_PAYMENT's order. */
function insertValues(payment: Payment): unknown[] {
  const [status, ...rest] = changingValues(payment);
  return [payment.id, payment.orderId, payment.createdAt, status, ...rest];
}

/** The columns of a payment that change as it moves along (all but its id, order and creation time), in SET_PAYMENT's order from $2. */
function changingValues(payment: Payment): unknown[] {
  return [payment.status, payment.amount?.amount ?? null, payment.amount?.currency ?? null, payment.paymentMethodId, payment.attempts, payment.failureReason, payment.updatedAt];
}
