import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { asAdmin } from '@order-platform/shared/testing';
import { call, createProducts } from '../support/shop.js';
import { startSystem, type ServiceName, type System } from '../support/system.js';

// Each api's /docs in a real browser: Debian's Chromium, headless, driven by playwright-core.
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const screenshots = fileURLToPath(new URL('../../screenshots/', import.meta.url));

/** The try-it request per api: a route that needs the token, with the inputs it needs. */
const tryIts: Record<ServiceName, { method: string; path: string; params?: Record<string, string>; status: string }> = {
  order: { method: 'get', path: '/orders', status: '200' },
  payment: { method: 'get', path: '/payments', params: { orderId: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42' }, status: '200' },
  notification: { method: 'get', path: '/templates', status: '200' },
  analytics: { method: 'get', path: '/analytics/today', status: '200' },
  // stock-service has no GET that needs a token: restock, with the body example as it stands
  stock: { method: 'post', path: '/products/{sku}/restock', params: { sku: 'DOCS-1' }, status: '200' },
};

describe('each /docs page in Chromium: Swagger UI renders the document, and a request tried with a token succeeds', function () {
  this.timeout(120_000);
  let system: System;
  let browser: BrowserContext;
  let profile: string;
  let token: string;

  before(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`Chromium is not at ${executablePath}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
    }
    mkdirSync(screenshots, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'docs-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: flags, viewport: { width: 1280, height: 900 } });
    system = await startSystem({ workers: 'in-process' });
    await createProducts(system, [{ sku: 'DOCS-1', onHand: 3 }]);
    token = (await asAdmin('staff-docs')).authorization.replace('Bearer ', '');
  });

  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await system?.close();
  });

  for (const name of ['order', 'stock', 'payment', 'notification', 'analytics'] as const) {
    it(`${name}-service: every operation of /openapi.json is on the page, and ${tryIts[name].method.toUpperCase()} ${tryIts[name].path} tried with a bearer token answers ${tryIts[name].status}`, async () => {
      const doc = (await call(system.urls[name], 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
      const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      try {
        await page.goto(`${system.urls[name]}/docs`);
        await page.locator('.opblock').first().waitFor();
        expect(await page.locator('.opblock').count(), 'operation blocks').to.equal(operations);
        await page.screenshot({ path: join(screenshots, `${name}-service-docs.png`), fullPage: true });

        await authorize(page, token);
        const answer = await tryIt(page, tryIts[name]);
        await page.screenshot({ path: join(screenshots, `${name}-service-try-it.png`), fullPage: true });
        expect(answer, 'status shown for the executed request').to.equal(tryIts[name].status);
        expect(failed, 'requests the page could not load (no CDN: everything comes from the api)').to.deep.equal([]);
      } finally {
        await page.close();
      }
    });
  }
});

/** The Authorize dialog: the token into the bearerAuth field, Authorize, Close. */
async function authorize(page: Page, token: string): Promise<void> {
  await page.locator('.auth-wrapper .btn.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.locator('input').first().fill(token);
  await dialog.locator('.auth-btn-wrapper .btn.authorize').click();
  await dialog.locator('.auth-btn-wrapper .btn-done').click();
  await page.locator('.auth-wrapper .btn.authorize.locked').waitFor(); // the padlock closes once a token is set
}

/** Opens an operation, Try it out, fills its parameters, Execute; the status Swagger UI shows. */
async function tryIt(page: Page, operation: { method: string; path: string; params?: Record<string, string> }): Promise<string> {
  const block = page.locator(`.opblock-${operation.method}:has(.opblock-summary-path[data-path="${operation.path}"])`);
  await block.locator('.opblock-summary').click();
  await block.locator('.try-out__btn').click();
  for (const [param, value] of Object.entries(operation.params ?? {})) await block.locator(`tr[data-param-name="${param}"] input`).fill(value);
  await block.locator('.btn.execute').click();
  const status = block.locator('.live-responses-table .response .response-col_status');
  await status.first().waitFor();
  return (await status.first().innerText()).trim().split(/\s/)[0]!;
}
