import { expect } from 'chai';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { openBrowser, signIn, type Browser } from '../support/browser.js';
import { tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

const rows = 10_000;

/** 10,000 orders (one line each), written straight into order-service's tables, all older than the tests' own orders. */
async function insertOrders(databaseUrl: string): Promise<string> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows: [one] } = await db.query<{ id: string }>(`
      with made as (
        insert into orders (id, customer_id, status, cancellation_reason, total_amount, currency, created_at, updated_at)
        select gen_random_uuid(), 'cust-bulk-' || (n % 500),
               (array['pending', 'stock_reserved', 'confirmed', 'cancelled'])[1 + n % 4],
               case when n % 4 = 3 then 'out_of_stock' end,
               2599, 'EUR', now() - interval '1 day' - n * interval '7 seconds', now() - interval '1 day' - n * interval '7 seconds'
        from generate_series(1, $1::int) as n
        returning id
      ), lines as (
        insert into order_items (order_id, line, sku, quantity, unit_price_amount, currency) select id, 1, 'BULK-1', 1, 2599, 'EUR' from made
      )
      select id from made limit 1`, [rows]);
    await db.query('analyze orders');
    return one!.id;
  } finally {
    await db.end();
  }
}

describe('console pages with 10,000 orders in the system', () => {
  let system: ConsoleSystem;
  let browser: Browser;
  let page: Page;
  let bulkOrder: string;

  before(async () => {
    system = await consoleSystem();
    bulkOrder = await insertOrders(system.databaseUrl('order'));
    browser = await openBrowser();
    page = await browser.context.newPage();
    await signIn(page, system.urls.console, await tokenOf('staff-ops', 'admin'));
  });
  after(() => browser?.close());

  it('each page loads in under a second: the orders (all, by customer, by status, by id), one order, consumers, dead letters', async () => {
    // each page, and the orders it lists where it lists some: by customer a page of its 20, by id the one
    const pages: [string, number | undefined][] = [
      ['/orders', 50], ['/orders?q=cust-bulk-7', 20], ['/orders?status=cancelled', 50], [`/orders?q=${bulkOrder}`, 1],
      [`/orders/${bulkOrder}`, undefined], ['/consumers', undefined], ['/dead-letters', undefined],
    ];
    await page.goto(`${system.urls.console}/orders`); // warm: the first request of a process pays for its connections
    const timings: Record<string, number> = {};
    for (const [path, listed] of pages) {
      const started = Date.now();
      const response = await page.goto(`${system.urls.console}${path}`, { waitUntil: 'load' });
      timings[path] = Date.now() - started;
      expect(response!.status(), path).to.equal(200);
      expect(await page.locator('p.down').count(), `${path}: every service answered`).to.equal(0);
      if (listed !== undefined) expect(await page.locator('#orders tbody tr').count(), `${path}: orders listed`).to.equal(listed);
    }
    if (process.env["CONSOLE_TIMINGS"]) process.stderr.write(`page load times (ms): ${JSON.stringify(timings)}\n`);
    const slow = Object.entries(timings).filter(([, ms]) => ms >= 1000);
    expect(slow, `page load times (ms): ${JSON.stringify(timings)}`).to.deep.equal([]);
  });
});
