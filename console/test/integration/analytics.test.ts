import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { openBrowser, screenshot, signIn, type Browser } from '../support/browser.js';
import { tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

// analytics-service's GET /analytics/today, answered by a fixture of its contract (support/analytics-fixture.ts)
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

  it("draws orders per minute, the confirmation rate and revenue per currency, asking with the staff's token", async () => {
    await page.goto(`${system.urls.console}/analytics`);
    expect(await page.locator('#orders-per-minute rect.bar').count(), '30 minutes × placed, confirmed, cancelled').to.equal(90);
    expect(await page.locator('#orders-per-minute rect.bar[data-series="placed"]').first().locator('title').textContent()).to.match(/^\d\d:\d\d placed: \d+$/);
    expect(await page.textContent('#confirmation-rate')).to.match(/confirmation rate\s*\d+\.\d %/);
    expect(await page.textContent('#revenue-EUR')).to.include('€');
    expect(await page.textContent('#revenue-USD')).to.include('$1,299.00');
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
