// One Chromium page on a proxy's web page, for the browser tests: what the
// page logs as an error, and any request to another host, is collected as a
// problem; helpers wait for what the page should show and take screenshots
// (test-results/page/, or PGGIT_SHOTS).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { startBrowser, type Browser } from './browser.js';

export const SHOTS = process.env['PGGIT_SHOTS'] ?? join(import.meta.dirname, '..', '..', 'test-results', 'page');

export interface PageSession {
  readonly page: Page;
  /** Console errors, page errors and requests that left the server. */
  readonly problems: string[];
  /** Opens a view and waits until it is drawn (its heading), so that the next step acts on it. */
  visit(hash: string, heading: string | RegExp): Promise<void>;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A busy machine renders slowly: wait up to 15 s for what the page should show. */
export const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

/** ignoreConsole: console errors from these URLs are expected (say why where it is used). */
export async function openPage(base: string, ignoreConsole: (url: string) => boolean = () => false): Promise<PageSession> {
  await mkdir(SHOTS, { recursive: true });
  const browser: Browser = await startBrowser();
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !ignoreConsole(message.location().url)) problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(base)) problems.push(`request elsewhere: ${request.url()}`);
  });
  return {
    page,
    problems,
    visit: async (hash, heading) => {
      await page.goto(`${base}/${hash}`);
      await poll(() => page.locator('h1').textContent()).toMatch(heading);
    },
    shot: async (name) => {
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    },
    close: () => browser.close(),
  };
}
