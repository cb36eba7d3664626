import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { openBrowser, screenshot, signIn, type Browser } from '../support/browser.js';
import { eventually } from '@order-platform/shared/testing';
import { createProduct, placeOrder, statusOf, tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

// the stack's own analytics-service, reached through a switch that can take it away (support/analytics-fixture.ts)
describe("console analytics: today's charts, and a page that says so when analytics-service does not answer", () => {
  let system: ConsoleSystem;
  let browser: Browser;
  let page: Page;
  let token: string;

  before(async () => {
    system = await consoleSystem();
    token = await tokenOf('staff-ops', 'admin');
    browser = await openBrowser();
    page = await browser.context.newPage();
    await signIn(page, system.urls.console, token);
  });
  after(async () => {
    system.analytics.available = true;
    await browser?.close();
  });

  it("draws orders per minute, the confirmation rate and revenue per currency from analytics-service's figures, asking with the staff's token", async () => {
    await createProduct(system, 'CHART-1', 20);
    const orders = [];
    for (const card of ['tok_ok', 'tok_ok', 'tok_ok', 'tok_declined']) orders.push(await placeOrder(system, 'cust-chart', 'CHART-1', card));
    await eventually(async () => {
      for (const id of orders) expect(await statusOf(system, id)).to.be.oneOf(['confirmed', 'cancelled']);
    }, { timeoutMs: 30_000 });
    // analytics-service consumes the same events on its own: wait until its figures hold them
    await eventually(async () => {
      await page.goto(`${system.urls.console}/analytics`);
      expect(Number(await page.textContent('#placed')), 'placed today').to.be.at.least(4);
      expect(await page.textContent('#revenue-EUR')).to.include('€');
      // the ends reach it on their own events, after the captured payments the revenue counts
      expect(await page.textContent('#confirmation-rate')).to.match(/confirmation rate\s*\d+\.\d %/);
    }, { timeoutMs: 30_000 });
    const bars = await page.locator('#orders-per-minute rect.bar').count();
    expect(bars, 'placed, confirmed and cancelled for each minute with orders').to.be.at.least(3);
    expect(bars % 3).to.equal(0);
    expect(await page.locator('#orders-per-minute rect.bar[data-series="placed"]').first().locator('title').textContent()).to.match(/^\d\d:\d\d placed: \d+$/);
    expect(system.analytics.lastAuthorization).to.equal(`Bearer ${token}`);
    await screenshot(page, 'analytics');
  });

  it('says "analytics unavailable" in the page (200, navigation intact) while analytics-service does not answer', async () => {
    system.analytics.available = false;
    const response = await page.goto(`${system.urls.console}/analytics`);
    expect(response!.status()).to.equal(200);
    expect(await page.textContent('#analytics-unavailable')).to.match(/^analytics unavailable — analytics-service does not answer \(http:\/\/127\.0\.0\.1:\d+\)$/);
    expect(await page.locator('header nav a').count()).to.equal(4);
    await screenshot(page, 'analytics-unavailable');
  });
});
