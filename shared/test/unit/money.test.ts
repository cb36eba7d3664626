import { expect } from 'chai';
import { formatMinorUnits, minorUnitDigits } from '../../src/index.js';

describe('money in minor units', () => {
  it('shows an amount with its currency’s own decimals', () => {
    expect(formatMinorUnits({ amount: 6048, currency: 'EUR' })).to.equal('60.48 EUR');
    expect(formatMinorUnits({ amount: 500, currency: 'JPY' })).to.equal('500 JPY');
    expect(formatMinorUnits({ amount: 1234, currency: 'KWD' })).to.equal('1.234 KWD');
    expect(minorUnitDigits('E1R'), 'not a currency code').to.equal(2);
  });

  it('builds one Intl.NumberFormat per currency, not one per amount', () => {
    const original = Intl.NumberFormat;
    let built = 0;
    Intl.NumberFormat = new Proxy(original, {
      construct(target, args: ConstructorParameters<typeof Intl.NumberFormat>) {
        built += 1;
        return new target(...args);
      },
    });
    try {
      for (let i = 0; i < 100; i++) formatMinorUnits({ amount: i, currency: 'CHF' });
      for (let i = 0; i < 100; i++) formatMinorUnits({ amount: i, currency: 'ISK' });
    } finally {
      Intl.NumberFormat = original;
    }
    expect(built).to.equal(2);
  });
});
