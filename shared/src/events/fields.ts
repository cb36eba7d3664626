import { Type, type Static, type TUnsafe } from '@sinclair/typebox';

/**
 * The field schemas every contract is built from: event payloads (orders.ts, stock.ts,
 * payments.ts) and the HTTP routes of every service import these, so each pattern is written
 * once. TypeBox schemas are JSON Schema as they are (ajv compiles them, the AsyncAPI and OpenAPI
 * documents embed them); `Static<typeof X>` is the TypeScript type of what X accepts.
 */

/** Ids of orders, payments and customers: safe in URLs, logs and SQL, and never a NUL. */
export const idPattern = '^[A-Za-z0-9][A-Za-z0-9._:@|+-]{0,127}$';
export const Id = Type.String({ pattern: idPattern });
export const OrderId = Id;
export const PaymentId = Id;
/** A customer id is a token's `sub` where the principal is a customer. */
export const CustomerId = Id;

/** A payment method registered with payment-service: `pm_<uuid>`. */
export const PaymentMethodId = Type.String({ pattern: '^pm_[0-9a-f-]{36}$' });

/** A stock keeping unit. */
export const skuPattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const Sku = Type.String({ pattern: skuPattern });

/** Object schemas of contracts name every property they allow. */
export const closed = { additionalProperties: false } as const;

export const Timestamp = Type.String({ format: 'date-time' });

/** Units of one order or stock line. */
export const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });

/** Money is an integer amount of minor units (cents) and an ISO 4217 code, never a float. */
export const Money = Type.Object(
  {
    amount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  closed,
);
export type Money = Static<typeof Money>;

/**
 * A string out of a fixed list, written `{ type: 'string', enum: [...] }` as the catalog has
 * always shown it (TypeBox's own `Union` of `Literal`s would be an `anyOf`); the type is the
 * union of the listed strings.
 */
export function StringEnum<const T extends readonly string[]>(values: T): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

