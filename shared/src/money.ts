import type { Money } from './events/fields.js';

// Building an Intl.NumberFormat costs far more than using one (analytics' worker spent 6 % of its
// CPU building one per event): a currency's decimals are looked up once and kept. Currencies are
// ISO 4217 codes, so the map stays small.
const digitsOf = new Map<string, number>();

/** The decimals of a currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD; 2 for a code Intl does not know. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsOf.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2; // not a well-formed code: kept too, the answer does not change
    }
    digitsOf.set(currency, digits);
  }
  return digits;
}

/** "60.48 EUR": minor units shown with the currency's own number of decimals ("500 JPY"). */
export function formatMinorUnits(money: Pick<Money, 'amount' | 'currency'>): string {
  const digits = minorUnitDigits(money.currency);
  return `${(Number(money.amount) / 10 ** digits).toFixed(digits)} ${money.currency}`;
}
