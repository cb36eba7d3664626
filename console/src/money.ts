export interface Money {
  amount: number;
  currency: string;
}

/** Minor units to a display amount, with the currency's own number of decimals (JPY 0, EUR 2). */
export function formatMoney(money: Money): string {
  try {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency: money.currency });
    return format.format(money.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${money.amount} ${money.currency}`; // not an ISO 4217 code Intl knows
  }
}
