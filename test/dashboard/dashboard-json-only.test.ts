/**
 * The dashboard of a server with nothing to migrate: `npm start`'s sample site, on the JSON files
 * with no Redis. The page must say so in plain words, and no control of the Actions panel may
 * look usable: buttons, selects, the slider and the force box are all disabled, with a line that
 * says why. The only failed request is the migration status the server refuses (409). The same
 * server also shows that /admin/ leads to the page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WRITE_TOKEN } from '../http/app-fixture.js';
import { launchChromium } from '../support/browser.js';
import { serveSampleForFile } from '../support/serve-process.js';

const server = serveSampleForFile();
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' })).newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 409/.test(message.text())) problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
});

it('says there is no migration and leaves no action control usable', async () => {
  await page.goto(`${server().url}/admin`);
  await page.fill('#token-input', WRITE_TOKEN);
  await page.click('#login-submit');
  await page.locator('#main').waitFor({ state: 'visible' });

  const collections = page.locator('#collections');
  await expect.poll(async () => (await collections.textContent()) ?? '', { timeout: 10_000 }).toMatch(/^There is no migration here: it needs both Redis and the JSON files/);
  expect(await collections.textContent()).not.toMatch(/no migration to show/);
  expect(await page.locator('#actions-none').isVisible()).toBe(true);

  const controls = await page.$$eval('.panel-actions button, .panel-actions select, .panel-actions input', (elements) =>
    elements.map((element) => ({ name: element.getAttribute('data-action') ?? element.id, disabled: (element as HTMLButtonElement).disabled })),
  );
  expect(controls.length).toBeGreaterThanOrEqual(11);
  expect(controls.filter((control) => !control.disabled)).toEqual([]);
  // Disabled looks it: buttons and fields alike are faded.
  for (const selector of ['[data-action="backfill"]', '#action-collection', '#stage-select', '#force-move']) {
    expect(await page.$eval(selector, (element) => getComputedStyle(element).opacity), selector).toBe('0.55');
  }
  expect(problems).toEqual([]);
});

it('takes /admin/, as it is often typed or bookmarked, to the dashboard', async () => {
  const response = await fetch(`${server().url}/admin/`, { redirect: 'manual' });
  expect(response.status).toBe(301);
  expect(response.headers.get('location')).toBe('/admin');
  await page.goto(`${server().url}/admin/`);
  expect(new URL(page.url()).pathname).toBe('/admin');
  expect(await page.title()).toBe('contentkv operator');
});
