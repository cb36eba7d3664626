import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { openBrowser, screenshot, signIn, type Browser } from '../support/browser.js';
import { tokenOf } from '../support/shop.js';
import { consoleSystem, type ConsoleSystem } from '../support/system.js';

describe('console sign-in: staff only, with a bearer token kept in an httpOnly SameSite=Strict cookie', () => {
  let system: ConsoleSystem;
  let browser: Browser;
  let page: Page;

  before(async () => {
    system = await consoleSystem();
    browser = await openBrowser();
    page = await browser.context.newPage();
  });
  after(() => browser?.close());

  it("a customer's token is refused with 403 and says why; no cookie is set and the pages stay closed", async () => {
    await page.goto(`${system.urls.console}/orders`);
    expect(page.url(), 'without a cookie the console sends you to sign in').to.equal(`${system.urls.console}/sign-in`);
    await screenshot(page, 'sign-in');
    await page.fill('#token', await tokenOf('cust-ada', 'customer'));
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/sign-in') && r.request().method() === 'POST'), page.click('form.sign-in button[type=submit]')]);
    expect(answer.status()).to.equal(403);
    expect(await page.textContent('#sign-in-message')).to.equal('the console is for staff: cust-ada has no admin role (roles: customer)');
    await screenshot(page, 'customer-refused');
    expect(await browser.context.cookies()).to.deep.equal([]);
    await page.goto(`${system.urls.console}/dead-letters`);
    expect(page.url()).to.equal(`${system.urls.console}/sign-in`);
  });

  it("a staff token signs in until the token's exp; a POST from another origin is refused; sign out ends it", async () => {
    const token = await tokenOf('staff-ops', 'admin');
    await signIn(page, system.urls.console, token);
    expect(await page.textContent('.who b')).to.equal('staff-ops');
    const [cookie] = await browser.context.cookies();
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(cookie).to.deep.include({ name: 'console_token', value: token, httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.expires, "the token's exp (Chromium corrects it by the server's Date header)").to.be.closeTo(exp, 2);

    const forged = await page.evaluate(async (url) => {
      const r = await fetch(`${url}/dead-letters/replay`, { method: 'POST', body: new URLSearchParams({ all: '1' }) });
      return r.status;
    }, system.urls.console);
    expect(forged, 'same origin, from the page: allowed').to.not.equal(403);
    const crossSite = await fetch(`${system.urls.console}/dead-letters/replay`, {
      method: 'POST', headers: { origin: 'http://evil.example', cookie: `console_token=${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'all=1',
    });
    expect(crossSite.status, 'another origin').to.equal(403);

    await Promise.all([page.waitForURL(/\/sign-in\?signed-out$/), page.click('.who button')]);
    expect(await browser.context.cookies()).to.deep.equal([]);
    await page.goto(`${system.urls.console}/orders`);
    expect(page.url()).to.equal(`${system.urls.console}/sign-in`);
  });
});
