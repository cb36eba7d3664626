import { expect } from 'chai';
import { html, query, raw } from '../../src/html.js';
import { deadLettersSection } from '../../src/pages/dead-letters.js';

describe('html: every interpolated value is escaped', () => {
  it('text, attributes and arrays are escaped; only templates and raw markup pass as they are', () => {
    const evil = `"><script>alert('x')</script>&`;
    const out = html`<a title="${evil}">${evil}</a>${[evil, html`<b>${evil}</b>`]}${raw('<hr>')}${null}${undefined}${false}${0}`.value;
    const escaped = '&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;';
    expect(out).to.equal(`<a title="${escaped}">${escaped}</a>${escaped}<b>${escaped}</b><hr>0`);
  });

  it('query strings encode each value and leave out empty ones', () => {
    expect(query({ q: 'a&b=c', status: '', limit: 5 })).to.equal('?q=a%26b%3Dc&limit=5');
    expect(query({})).to.equal('');
  });

  it("a dead letter's error, consumer and subject from another service render as text, not markup", () => {
    const letter = { seq: 7, subject: '<i>s</i>', originalSubject: 'orders.confirmed"><img src=x onerror=alert(1)>', consumer: '<b>c</b>', error: '<script>steal()</script>', deliveries: 1, time: '2026-03-14T09:27:10.000Z', orderId: null };
    const out = deadLettersSection([{ service: 'notification', label: 'notification-service', answer: { ok: true, data: { deadLetters: [letter] } } }]).value;
    expect(out).to.not.match(/<script>|<img|<b>c|<i>s/);
    expect(out).to.include('&lt;script&gt;steal()&lt;/script&gt;');
    expect(out).to.include('hx-confirm="Replay dead letter 7 (&lt;b&gt;c&lt;/b&gt;) to orders.confirmed&quot;&gt;&lt;img src=x onerror=alert(1)&gt;?"');
  });
});
