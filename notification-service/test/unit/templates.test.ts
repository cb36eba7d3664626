import { expect } from 'chai';
import { formatMoney } from '../../src/domain/notification-requests.js';
import { renderTemplate, templateProblems } from '../../src/domain/templates.js';

describe('templates', () => {
  it('a text that uses only its variables has no problems, list item fields included', () => {
    const text = { subject: 'Order {{orderId}}', body: 'Hi {{customerName}}\n{{#items}}{{quantity}} × {{sku}} = {{lineTotal}}\n{{/items}}{{total}}' };
    expect(templateProblems('order-confirmed', text)).to.deep.equal([]);
  });

  it('an unknown variable is named, in the field it is in', () => {
    const problems = templateProblems('order-confirmed', { subject: 'Order {{orderNumber}}', body: 'Hi {{customer.name}}' });
    expect(problems).to.deep.equal(['subject: unknown variable "orderNumber"', 'body: unknown variable "customer.name"']);
  });

  it("an item field outside its list, or another template's variable, is unknown", () => {
    expect(templateProblems('order-confirmed', { subject: '{{sku}}', body: '{{reason}}' })).to.deep.equal([
      'subject: unknown variable "sku"',
      'body: unknown variable "reason"',
    ]);
  });

  it('partials, delimiter changes and broken sections are refused', () => {
    const problems = templateProblems('stock-low', { subject: '{{> header}}', body: '{{#sku}}unclosed' });
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^subject: .*partials/);
    expect(problems[1]).to.match(/^body: Unclosed section "sku"/);
  });

  it('renders plain text: values are not HTML-escaped, lists repeat, flags choose wording', () => {
    const text = { subject: '  Order {{orderId}} ', body: '{{#items}}{{sku}};{{/items}}{{#refundFollows}}refund{{/refundFollows}}{{^refundFollows}}no charge{{/refundFollows}} <{{customerName}}>' };
    const rendered = renderTemplate(text, { orderId: 'o-1', items: [{ sku: 'A&B' }, { sku: 'C' }], refundFollows: false, customerName: "O'Brien & Co" });
    expect(rendered).to.deep.equal({ subject: 'Order o-1', body: "A&B;C;no charge <O'Brien & Co>" });
  });

  it('money is shown with the currency and its own minor units', () => {
    expect(formatMoney({ amount: 6048, currency: 'EUR' })).to.equal('€60.48');
    expect(formatMoney({ amount: 1500, currency: 'JPY' })).to.equal('JP¥1,500');
    expect(formatMoney({ amount: 1234567, currency: 'USD' })).to.equal('US$12,345.67');
  });
});
