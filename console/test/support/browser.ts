import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Debian's Chromium, headless, driven by playwright-core: never a downloaded browser
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const screenshots = fileURLToPath(new URL('../../../system-tests/screenshots/', import.meta.url));

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time: no cookie of an earlier run. */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(executablePath)) throw new Error(`Chromium is not at ${executablePath}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  mkdirSync(screenshots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: flags, viewport: { width: 1360, height: 900 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Sign-in as staff would: paste the token, press the button; lands on the orders page. */
export async function signIn(page: Page, consoleUrl: string, token: string): Promise<void> {
  await page.goto(`${consoleUrl}/sign-in`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${consoleUrl}/orders`), page.click('form.sign-in button[type=submit]')]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `console-${name}.png`), fullPage: true });
}
