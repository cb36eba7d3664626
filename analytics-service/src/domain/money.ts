/** "60.48 EUR": minor units shown with the currency's own number of decimals (0 for JPY). */
export function formatMoney(money: { amount: number; currency: string }): string {
  const digits = fractionDigits(money.currency);
  return `${(money.amount / 10 ** digits).toFixed(digits)} ${money.currency}`;
}

function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // a code Intl does not know
  }
}
