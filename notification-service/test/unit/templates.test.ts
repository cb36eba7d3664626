import { expect } from 'chai';
import { formatMoney } from '../../src/domain/notification-requests.js';
import { MAX_TEXT_LENGTH, renderTemplate, templateProblems } from '../../src/domain/templates.js';
import { selfNested24 } from '../support/hostile-templates.js';

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

  it('a section opened inside a section of the same name is refused, however deep, once per text', () => {
    expect(selfNested24).to.have.length(481);
    expect(templateProblems('order-confirmed', { subject: 'Order', body: selfNested24 })).to.deep.equal(['body: section "items" is opened inside a section "items"']);
    const deeper = { subject: '{{#refundFollows}}{{^reason}}{{^refundFollows}}x{{/refundFollows}}{{/reason}}{{/refundFollows}}', body: '{{#items}}{{#sku}}{{#items}}{{/items}}{{/sku}}{{/items}}' };
    expect(templateProblems('order-cancelled', deeper)).to.deep.equal([
      'subject: section "refundFollows" is opened inside a section "refundFollows"',
      'body: section "items" is opened inside a section "items"',
    ]);
  });

  it('sections nest at most 3 deep, and a repeated item field or flag inside the list is fine', () => {
    const three = '{{#refundFollows}}{{#items}}{{#sku}}{{sku}} refunded{{/sku}}{{/items}}{{/refundFollows}}';
    expect(templateProblems('order-cancelled', { subject: 'x', body: three })).to.deep.equal([]);
    const four = '{{#refundFollows}}{{#items}}{{#sku}}{{^quantity}}none{{/quantity}}{{/sku}}{{/items}}{{/refundFollows}}';
    expect(templateProblems('order-cancelled', { subject: 'x', body: four })).to.deep.equal(['body: sections nest more than 3 deep ("quantity")']);
  });

  it('a text longer than the limit is refused without parsing it, counting characters as the API does', () => {
    const long = `{{#sku}}${'x'.repeat(MAX_TEXT_LENGTH.body)}`;
    expect(templateProblems('stock-low', { subject: 'x', body: long })).to.deep.equal([`body: longer than ${MAX_TEXT_LENGTH.body} characters`]);
    expect(templateProblems('stock-low', { subject: '😀'.repeat(MAX_TEXT_LENGTH.subject), body: 'x' })).to.deep.equal([]);
    expect(templateProblems('stock-low', { subject: '😀'.repeat(MAX_TEXT_LENGTH.subject + 1), body: 'x' })).to.have.length(1);
  });

  it('only the subject and the body of a stored template are texts', () => {
    const stored = { name: 'stock-low', channel: 'email', subject: '{{sku}}', body: '{{available}}', version: 3 };
    expect(templateProblems('stock-low', stored)).to.deep.equal([]);
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
