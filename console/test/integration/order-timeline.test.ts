import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { eventually } from '@order-platform/shared/testing';
import { openBrowser, screenshot, signIn, type Browser } from '../support/browser.js';
import { createProduct, placeOrder, statusOf, tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

const sku = 'CONSOLE-KETTLE';

describe('console orders: search, live list, and one order across every service', () => {
  let system: ConsoleSystem;
  let browser: Browser;
  let page: Page;

  before(async () => {
    system = await consoleSystem();
    await createProduct(system, sku, 100);
    browser = await openBrowser();
    page = await browser.context.newPage();
    await signIn(page, system.urls.console, await tokenOf('staff-ops', 'admin'));
  });
  after(() => browser?.close());

  const entries = () => page.$$eval('#timeline-entries tr.entry', (rows) => rows.map((r) => ({
    service: r.getAttribute('data-service'),
    kind: r.getAttribute('data-kind'),
    at: r.querySelector('time')?.getAttribute('datetime') ?? '',
    cells: [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? ''),
    trace: r.querySelector('td:last-child')?.textContent?.trim() ?? '',
  })));

  it('a confirmed order, found by its id, shows its timeline: every service, oldest first, with the causing event, consumer, delivery and trace id', async () => {
    const id = await placeOrder(system, 'cust-ada', sku, 'tok_ok');
    await eventually(async () => expect(await statusOf(system, id)).to.equal('confirmed'), { timeoutMs: 20_000 });

    await page.goto(`${system.urls.console}/orders`);
    await page.fill('#q', id);
    await page.locator(`#orders tr[data-order-id="${id}"]`).waitFor();
    await eventually(async () => expect(await page.locator('#orders tbody tr').count()).to.equal(1));
    await screenshot(page, 'orders-search');

    await Promise.all([page.waitForURL(`${system.urls.console}/orders/${id}`), page.click(`#orders tr[data-order-id="${id}"] a.mono`)]);
    expect(await page.textContent('#order-status')).to.equal('confirmed');
    // the confirmation mail is the last thing to happen: reload until notification-service has it
    const seen = await eventually(async () => {
      await page.reload();
      const rows = await entries();
      expect(new Set(rows.map((r) => r.service))).to.have.keys('order-service', 'stock-service', 'payment-service', 'notification-service', 'analytics-service');
      expect(rows.some((r) => r.service === 'notification-service' && r.kind === 'notification')).to.equal(true);
      return rows;
    }, { timeoutMs: 15_000, intervalMs: 500 });
    expect(seen.map((r) => r.at), 'oldest first').to.deep.equal([...seen.map((r) => r.at)].sort());
    const confirmed = seen.find((r) => r.kind === 'transition' && r.cells[2]!.includes('→ confirmed'));
    expect(confirmed, 'the transition to confirmed').to.not.equal(undefined);
    expect(confirmed!.cells[3], 'caused by').to.include('payments.captured');
    expect(confirmed!.cells[4], 'consumer').to.equal('order-service-payments-captured');
    expect(confirmed!.cells[5], 'delivery').to.equal('1');
    expect(confirmed!.trace, 'trace id').to.match(/^[0-9a-f]{32}$/);
    expect(await page.locator('#waiting').count(), 'a confirmed order waits for nothing').to.equal(0);
    await screenshot(page, 'order-timeline');
  });

  it('an order whose card gateway is unavailable shows as waiting for payment-service, since it was reserved', async () => {
    const id = await placeOrder(system, 'cust-grace', sku, 'tok_unavailable');
    await eventually(async () => expect(await statusOf(system, id)).to.equal('stock_reserved'), { timeoutMs: 20_000 });
    await page.goto(`${system.urls.console}/orders/${id}`);
    expect(await page.textContent('#order-status')).to.equal('stock_reserved');
    const waiting = (await page.textContent('#waiting'))!;
    expect(waiting).to.match(/^waiting for payment-service: payments\.captured or payments\.failed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \(\d+ s\)$/);
    // the page polls while the order is open: the payment's attempts show up without a reload
    await eventually(async () => expect((await entries()).some((r) => r.service === 'payment-service')).to.equal(true), { timeoutMs: 10_000 });
    await screenshot(page, 'order-waiting');
  });

  it('the orders list is live (a new order appears at the top without a reload) and filters by customer and status', async () => {
    await page.goto(`${system.urls.console}/orders`);
    await page.locator('#orders').waitFor();
    const id = await placeOrder(system, 'cust-alan', sku, 'tok_ok');
    await eventually(async () => expect(await page.getAttribute('#orders tbody tr:first-child', 'data-order-id')).to.equal(id), { timeoutMs: 8_000, intervalMs: 250 });
    await screenshot(page, 'orders');

    await page.fill('#q', 'cust-alan');
    await eventually(async () => {
      const customers = await page.$$eval('#orders tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent?.trim()));
      expect(customers).to.deep.equal(['cust-alan']);
    });
    await page.fill('#q', '');
    await page.selectOption('#status', 'stock_reserved');
    await eventually(async () => {
      const statuses = await page.$$eval('#orders tbody tr .status', (els) => els.map((e) => e.textContent));
      expect(statuses.length).to.be.greaterThan(0);
      expect(new Set(statuses)).to.deep.equal(new Set(['stock_reserved']));
    });
  });
});
