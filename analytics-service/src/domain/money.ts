/** "60.48 EUR": minor units shown with the currency's own number of decimals (0 for JPY); shared's, which builds one Intl.NumberFormat per currency. */
export { formatMinorUnits as formatMoney } from '@order-platform/shared';
