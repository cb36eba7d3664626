import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { eventually, publishEvent } from '@order-platform/shared/testing';
import { openBrowser, screenshot, signIn, type Browser } from '../support/browser.js';
import { tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

const burst = 300;
const durable = 'order-service-stock-product-changed';

describe("console consumers: each durable consumer's lag and each outbox, refreshed live", () => {
  let system: ConsoleSystem;
  let browser: Browser;
  let page: Page;
  let stopped: number | undefined;

  before(async () => {
    system = await consoleSystem();
    browser = await openBrowser();
    page = await browser.context.newPage();
    await signIn(page, system.urls.console, await tokenOf('staff-ops', 'admin'));
  });
  after(async () => {
    if (stopped) process.kill(stopped, 'SIGCONT');
    await browser?.close();
  });

  const lagOf = (name: string) => page.$eval(`#consumers tr[data-durable="${name}"]`, (row) => ({
    pending: Number(row.querySelector('[data-field="pending"]')!.textContent),
    ackPending: Number(row.querySelector('[data-field="ackPending"]')!.textContent),
  }));

  it("order-service's catalog consumer falls behind while its worker is paused under a burst, and catches up once it runs (no reload)", async () => {
    await page.goto(`${system.urls.console}/consumers`);
    const services = await page.$$eval('#outboxes tbody tr', (rows) => rows.map((r) => r.getAttribute('data-service')));
    expect(services).to.have.members(['order-service', 'stock-service', 'payment-service', 'notification-service', 'analytics-service']);
    const durables = await page.$$eval('#consumers tbody tr', (rows) => rows.map((r) => r.getAttribute('data-durable')));
    expect(durables).to.include.members([durable, 'stock-service-orders-created', 'payment-service-stock-reserved', 'notification-service-orders-confirmed']);
    expect(await lagOf(durable)).to.deep.equal({ pending: 0, ackPending: 0 });

    stopped = system.pidOf('order-worker');
    process.kill(stopped, 'SIGSTOP'); // paused, not gone: its messages wait in the stream
    for (let version = 1; version <= burst; version++) {
      await publishEvent(system.nc, system.topology, 'stock.product-changed', { sku: 'CONSOLE-BURST', name: 'burst', price: { amount: 100 + version, currency: 'EUR' }, active: true, version, changedAt: new Date().toISOString() }, { subject: 'CONSOLE-BURST' });
    }
    const behind = await eventually(async () => {
      const lag = await lagOf(durable);
      expect(lag.pending + lag.ackPending).to.equal(burst);
      return lag;
    }, { timeoutMs: 10_000, intervalMs: 250 });
    expect(behind.pending, 'most wait undelivered').to.be.greaterThan(burst / 2);
    await screenshot(page, 'consumers-lag');

    process.kill(stopped, 'SIGCONT');
    stopped = undefined;
    await eventually(async () => expect(await lagOf(durable)).to.deep.equal({ pending: 0, ackPending: 0 }), { timeoutMs: 20_000, intervalMs: 250 });
    await screenshot(page, 'consumers');
  });
});
