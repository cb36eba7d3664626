import { expect } from 'chai';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { eventually } from '@order-platform/shared/testing';
import { openBrowser, screenshot, signIn, type Browser } from '../support/browser.js';
import { call, createProduct, placeOrder, statusOf, tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

const sku = 'CONSOLE-TEAPOT';
// a text the template rules refuse (written by SQL, as an old row could be): notification-service dead-letters the mail at once
const brokenText = '{{#items}}{{#items}}{{sku}}{{/items}}{{/items}}';

describe('console dead letters: the error, a replay after a confirmation, and the result', () => {
  let system: ConsoleSystem;
  let browser: Browser;
  let page: Page;
  let staff: string;

  before(async () => {
    system = await consoleSystem();
    staff = await tokenOf('staff-ops', 'admin');
    await createProduct(system, sku, 50);
    browser = await openBrowser();
    page = await browser.context.newPage();
    await signIn(page, system.urls.console, staff);
  });
  after(() => browser?.close());

  it("a confirmation mail that failed is listed with its error; Replay, confirmed, sends it once the template is fixed, and the row is gone", async () => {
    const db = new pg.Client({ connectionString: system.databaseUrl('notify') });
    await db.connect();
    try {
      await db.query(`update templates set body = $1 where name = 'order-confirmed' and channel = 'email'`, [brokenText]);
    } finally {
      await db.end();
    }
    const id = await placeOrder(system, 'cust-katherine', sku, 'tok_ok');
    await eventually(async () => expect(await statusOf(system, id)).to.equal('confirmed'), { timeoutMs: 20_000 });

    await page.goto(`${system.urls.console}/dead-letters`);
    const row = page.locator(`#dead-letters tr:has(a[href="/orders/${id}"])`);
    await row.waitFor({ timeout: 10_000 }); // the list refreshes itself every 3 s
    expect(await row.getAttribute('data-service')).to.equal('notification-service');
    expect(await row.locator('td.error').textContent()).to.include('section "items" is opened inside a section "items"');
    expect(await row.locator('td:nth-child(3)').textContent()).to.equal('notification-service-orders-confirmed');
    const seq = Number(await row.getAttribute('data-seq'));
    await screenshot(page, 'dead-letters');

    // dismissing the confirmation replays nothing
    page.once('dialog', (dialog) => void dialog.dismiss());
    await row.locator('button.replay').click();
    await page.waitForTimeout(500);
    expect(await page.locator('#replay-outcome').count()).to.equal(0);
    expect(await row.count()).to.equal(1);

    const fixed = await call(system.urls.notify, 'PUT', '/templates/order-confirmed', staff, { email: { subject: 'Order {{orderId}} confirmed', body: '{{#items}}{{sku}} {{/items}}' } });
    expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await row.locator('button.replay').click();
    await page.locator('#replay-outcome').waitFor();
    expect(asked).to.match(new RegExp(`^Replay dead letter ${seq} \\(notification-service-orders-confirmed\\) to \\S*orders\\.confirmed\\?$`));
    expect(await page.textContent('#replay-outcome')).to.equal(`notification-service: replayed ${seq}`);
    await eventually(async () => expect(await page.locator(`#dead-letters tr[data-seq="${seq}"]`).count()).to.equal(0), { timeoutMs: 5_000 });
    const sent = await eventually(async () => {
      const log = await call(system.urls.notify, 'GET', `/notifications?orderId=${id}`, staff);
      expect(log.body[0]?.status).to.equal('sent');
      return log.body[0];
    }, { timeoutMs: 10_000 });
    expect(sent.template).to.equal('order-confirmed');
    await screenshot(page, 'dead-letters-replayed');
  });
});
