/**
 * The operator dashboard in a real browser (Debian's chromium through playwright-core), against
 * the real server and a real redis-server holding several thousand synthetic documents. The
 * test does what an operator does, only through the page: connect with the token, see a
 * backfill refused before dual-write, advance, backfill and watch the bar reach 100%, verify
 * and see no drift, go live at 50% with the slider, see an MCP edit arrive in the audit list
 * with its diff and open the document's history, roll back to shadow, pause and resume. Each
 * step is checked on what the page shows, not only on the clicks. Any console error or page
 * error that the flow did not provoke fails the test. Screenshots at 1280 px and 390 px go to
 * test-output/, and the 390 px layout must not scroll sideways.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { launchChromium } from '../support/browser.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe, type ServeHandle } from '../support/serve-process.js';

const TOKEN = 'dashboard-test-token-0123456789abcdef';
const PROJECTS = 5_000;
const RESOURCES = 4_000;
const OUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const MCP_CLIENT = 'dashboard-e2e';
/** Waits on the page: generous, because a stage move that switches stores takes seconds. */
const WAIT = { timeout: 30_000, interval: 100 };

let redis: RedisServerHandle | undefined;
let server: ServeHandle | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let dataDir: string | undefined;
let page: Page;
const problems: string[] = [];
/** Failed requests the flow provokes on purpose (a wrong token, a guarded backfill), by status. */
const expectedFailures = new Map<number, number>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ckv-dashboard-'));
  writeFileSync(join(dataDir, 'projects.json'), JSON.stringify(syntheticDocs('projects', PROJECTS)));
  writeFileSync(join(dataDir, 'resources.json'), JSON.stringify(syntheticDocs('resources', RESOURCES)));
  redis = await startRedisServer();
  server = await startServe({
    REDIS_URL: redis.url,
    CONTENTKV_DATA_DIR: dataDir,
    CONTENTKV_KEY_PREFIX: testPrefix(),
    CONTENTKV_TOKEN: TOKEN,
    CONTENTKV_STAGE_REFRESH_MS: '100',
    CONTENTKV_ALERT_INTERVAL_MS: '500',
    // Every read in live is compared, so the latency table and mismatch rate have numbers.
    CONTENTKV_SHADOW_SAMPLE: '1',
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-GB', timezoneId: 'UTC' });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chrome reports every failed fetch as a console error; those the flow provokes are expected.
    const status = /status of (\d{3})/.exec(message.text())?.[1];
    const left = status ? (expectedFailures.get(Number(status)) ?? 0) : 0;
    if (status && left > 0) expectedFailures.set(Number(status), left - 1);
    else problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  mkdirSync(OUT_DIR, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const collection = (name: string): Locator => page.locator(`.collection[data-collection="${name}"]`);
const currentStep = (name: string): Locator => collection(name).locator('.step-current .step-name');
const text = async (locator: Locator): Promise<string> => ((await locator.count()) > 0 ? ((await locator.first().textContent()) ?? '') : '');

/**
 * Clicks an action button, checks that the confirmation says what will happen, confirms, and
 * returns the server's answer as the page shows it (told apart from the previous action's).
 */
async function act(action: string, expectTitle: RegExp, checkDialog?: () => Promise<void>): Promise<{ tone: string; text: string }> {
  const box = page.locator('#action-result');
  const before = Number((await box.getAttribute('data-seq')) ?? 0);
  await page.locator(`[data-action="${action}"]`).click();
  const dialog = page.locator('#confirm-dialog');
  await dialog.waitFor({ state: 'visible' });
  expect(await text(page.locator('#confirm-title'))).toMatch(expectTitle);
  await checkDialog?.();
  await page.locator('#confirm-ok').click();
  await dialog.waitFor({ state: 'hidden' });
  await expect
    .poll(async () => `${await box.getAttribute('data-seq')} ${await box.getAttribute('class')}`, WAIT)
    .toMatch(new RegExp(`^${before + 1} .*result-(ok|error)`));
  return { tone: /result-(ok|error)/.exec((await box.getAttribute('class')) ?? '')?.[1] ?? '', text: (await box.textContent()) ?? '' };
}

async function mcp(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${server?.url}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'X-Client-Id': MCP_CLIENT,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: Date.now(), method: 'tools/call', params: { name: tool, arguments: args } }),
  });
  const body = await response.text();
  // The stateless transport may answer as JSON or as one server-sent event.
  const json = response.headers.get('content-type')?.includes('text/event-stream')
    ? JSON.parse(body.split('\n').find((line) => line.startsWith('data:'))?.slice(5) ?? 'null')
    : JSON.parse(body);
  const res = json?.result as { isError?: boolean; structuredContent?: Record<string, unknown>; content?: { text: string }[] } | undefined;
  if (!res || res.isError) throw new Error(`MCP ${tool} failed: ${body}`);
  return res.structuredContent ?? (JSON.parse(res.content?.[0]?.text ?? '{}') as Record<string, unknown>);
}

async function screenshot(name: string, width: number, fullPage = true): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  // Let the layout settle after the resize before measuring and capturing it.
  await page.waitForTimeout(150);
  const overflow = await page.evaluate(() => {
    const root = document.scrollingElement as Element;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });
  if (width <= 480) expect(overflow.scrollWidth, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(overflow.clientWidth);
  await page.screenshot({ path: join(OUT_DIR, name), fullPage });
}

/** What a failure needs to be understood: what the page showed, what the server said, what the console had. */
async function diagnose(error: unknown): Promise<never> {
  const lines: string[] = [];
  try {
    await page.screenshot({ path: join(OUT_DIR, 'dashboard-failure.png'), fullPage: true });
    lines.push(`page at failure: test-output/dashboard-failure.png; refresh state "${await text(page.locator('#refresh-state'))}" at ${new Date().toISOString()}`);
    const status = await fetch(`${server?.url}/api/admin/migration`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((response) => response.json());
    const data = status.data as { collections: Record<string, { stage: string }>; jobs: { key: string; state: string; progress: { collection: string; processed: number; total: number; status: string }[] }[] };
    lines.push(`server: ${Object.entries(data.collections).map(([name, c]) => `${name} at ${c.stage}`).join(', ')}; jobs: ${JSON.stringify(data.jobs.map((job) => [job.key, job.state, job.progress.map((p) => `${p.collection} ${p.processed}/${p.total} ${p.status}`)]))}`);
  } catch (inner) {
    lines.push(`(diagnosis failed: ${String(inner)})`);
  }
  lines.push(`browser problems: ${JSON.stringify(problems)}`, `server output: ${server?.output().slice(-2000) ?? ''}`);
  if (error instanceof Error) error.message += `\n${lines.join('\n')}`;
  throw error;
}

it('drives a migration from the dashboard: backfill, verify, live at 50%, an MCP edit in the audit, rollback', async () => {
  await operatorFlow().catch(diagnose);
}, 90_000);

async function operatorFlow(): Promise<void> {
  const url = server?.url as string;

  // 1. The token prompt; a wrong token is refused with the server's words.
  await page.goto(`${url}/admin`);
  await page.locator('#login').waitFor({ state: 'visible' });
  expectedFailures.set(401, 1);
  await page.fill('#token-input', 'not-the-token');
  await page.click('#login-submit');
  await expect.poll(() => text(page.locator('#login-error')), WAIT).toMatch(/not valid/);
  await page.fill('#token-input', TOKEN);
  await page.click('#login-submit');
  await page.locator('#main').waitFor({ state: 'visible' });
  expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
  await expect.poll(() => text(currentStep('projects')), WAIT).toBe('json');
  expect(await text(currentStep('resources'))).toBe('json');
  expect(await text(collection('projects').locator('.authoritative'))).toBe('JSON files');
  await expect.poll(() => text(page.locator('#health-badge')), WAIT).toBe('ok');
  expect(await text(page.locator('[data-check="redis"]'))).toMatch(/closed/);

  // 2. A backfill before dual-write is refused, and the page shows why.
  expectedFailures.set(409, 1);
  const refused = await act('backfill', /Backfill both collections/);
  expect(refused.tone).toBe('error');
  expect(refused.text).toMatch(/Refused by a guard/);
  expect(refused.text).toMatch(/must start after dual-write/);

  // 3. Advance both collections to dual-write (the stage select defaults to the next stage).
  expect(await page.locator('#stage-select').inputValue()).toBe('dual-write');
  const advanced = await act('advance', /Advance both collections to dual-write/);
  expect(advanced.text).toMatch(/projects at dual-write; resources at dual-write/);
  await expect.poll(() => text(currentStep('projects')), WAIT).toBe('dual-write');
  expect(await text(currentStep('resources'))).toBe('dual-write');

  // 4. Backfill, watching the bar until both collections are copied.
  expect((await act('backfill', /Backfill both collections/)).text).toMatch(/Backfill started/);
  const seen: number[] = [];
  await expect
    .poll(async () => {
      // One read of the page, so a refresh cannot land between looking at the bar and at the percentages.
      const snapshot = await page.evaluate(() => {
        const within = (name: string, selector: string) => document.querySelector(`.collection[data-collection="${name}"] ${selector}`);
        return {
          bar: within('resources', 'progress[aria-label="resources backfill progress"]')?.getAttribute('value') ?? null,
          percents: ['projects', 'resources'].map((name) => within(name, '.progress-pct')?.textContent ?? ''),
        };
      });
      if (snapshot.bar !== null) seen.push(Number(snapshot.bar));
      return snapshot.percents;
    }, WAIT)
    .toEqual(['100%', '100%']);
  // The bar was there, and it only moved forward.
  expect(seen.length).toBeGreaterThan(0);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  for (const [name, count] of [['projects', PROJECTS], ['resources', RESOURCES]] as const) {
    const block = collection(name).locator('.block', { hasText: 'Backfill' });
    await expect.poll(() => text(block), WAIT).toMatch(/done/);
    expect(await text(block)).toContain(`${count.toLocaleString('en')} of ${count.toLocaleString('en')}`);
    expect(await text(block)).toContain(`copied ${count.toLocaleString('en')}`);
    expect(await text(block)).toMatch(/docs\/s/);
  }

  // 5. Verify: no drift in either collection.
  expect((await act('verify', /Verify both collections/)).text).toMatch(/Verify started/);
  for (const [name, count] of [['projects', PROJECTS], ['resources', RESOURCES]] as const) {
    const block = collection(name).locator('.block', { hasText: 'Last verify' });
    await expect.poll(() => text(block), WAIT).toContain(`${count.toLocaleString('en')} checked`);
    expect(await text(block.locator('.chip').first())).toBe('clean');
    expect(await block.locator('.stat dd').allTextContents()).toEqual(['0', '0', '0']);
  }

  // 6. Live at 50% with the slider: a move that switches the authoritative store to Redis.
  await page.selectOption('#stage-select', 'live');
  await page.locator('#percent-field').waitFor({ state: 'visible' });
  await page.locator('#read-percent').fill('50');
  expect(await text(page.locator('#read-percent-value'))).toBe('50%');
  const live = await act('advance', /Advance both collections to live at 50% of reads from Redis/, async () => {
    expect(await text(page.locator('#confirm-notes'))).toMatch(/switches the authoritative store/);
  });
  expect(live.tone, live.text).toBe('ok');
  expect(live.text).toMatch(/projects at live \(50% of reads from Redis\); resources at live \(50% of reads from Redis\)/);
  for (const name of ['projects', 'resources']) {
    await expect.poll(() => text(currentStep(name)), WAIT).toBe('live');
    expect(await text(collection(name).locator('.read-percent'))).toBe('50%');
    expect(await text(collection(name).locator('.authoritative'))).toBe('Redis');
  }

  // Some reads, compared between the stores, give the latency table and mismatch rate numbers.
  for (let index = 0; index < 40; index += 1) {
    const [name, singular] = index % 2 === 0 ? ['projects', 'project'] : ['resources', 'resource'];
    const response = await fetch(`${url}/api/${name}/${singular}-${String(index).padStart(6, '0')}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
  }

  // 7. An edit through MCP shows up in the audit list, with who made it and the field diff.
  const id = 'project-000007';
  const before = (await mcp('get_project', { id })) as { project: { title: string; metadata: { version: number } } };
  const title = `Edited through MCP at ${new Date().toISOString()}`;
  await mcp('update_project', { id, expectedVersion: before.project.metadata.version, changes: { title } });
  const entry = page.locator('.audit-entry', { has: page.locator(`.entity-link[data-id="${id}"]`) }).first();
  await entry.waitFor({ state: 'visible', timeout: WAIT.timeout });
  expect(await text(entry.locator('.source'))).toBe('mcp');
  expect(await text(entry.locator('.client'))).toContain(MCP_CLIENT);
  const row = entry.locator('.diff tbody tr', { hasText: 'title' });
  expect(await text(row.locator('.diff-old'))).toBe(before.project.title);
  expect(await text(row.locator('.diff-new'))).toBe(title);

  // Filters: MCP edits of projects only.
  await page.selectOption('#audit-entity', 'project');
  await page.selectOption('#audit-source', 'mcp');
  await expect.poll(async () => {
    const types = await page.locator('.audit-entry').evaluateAll((items) => items.map((item) => `${(item as HTMLElement).dataset.entityType}/${(item as HTMLElement).dataset.source}`));
    return types.length > 0 && types.every((type) => type === 'project/mcp');
  }, WAIT).toBe(true);

  // The document's history, in a panel.
  await entry.locator('.entity-link').click();
  const history = page.locator('#history-dialog');
  await history.waitFor({ state: 'visible' });
  const version = history.locator('.history-entry[data-version="1"]');
  await version.waitFor({ state: 'visible', timeout: WAIT.timeout });
  expect(await text(version)).toMatch(/replaced by v2 \(update via mcp · dashboard-e2e\)/);
  expect(await text(version.locator('.diff-new'))).toBe(title);
  expect(await text(history.locator('.history-doc-title'))).toBe(title);
  await screenshot('dashboard-history-1280.png', 1280, false);
  await page.locator('#history-close').click();
  await history.waitFor({ state: 'hidden' });

  // Back to every entry, then screenshots of the live stage at both widths.
  await page.selectOption('#audit-entity', '');
  await page.selectOption('#audit-source', '');
  await expect.poll(() => page.locator('.audit-entry[data-entity-type="migration"]').count(), WAIT).toBeGreaterThan(0);
  await expect.poll(() => text(page.locator('[data-latency="redis"]')), WAIT).toMatch(/ms/);
  for (const name of ['projects', 'resources']) {
    await expect.poll(() => text(collection(name).locator('.stat', { hasText: 'Shadow mismatch' })), WAIT).toMatch(/0\.00%.*of \d+ reads/);
  }
  await screenshot('dashboard-1280.png', 1280);
  await screenshot('dashboard-390.png', 390);
  await page.setViewportSize({ width: 1280, height: 900 });

  // 8. Roll back to shadow: JSON is authoritative again, and the alert feed announces the move.
  await page.selectOption('#stage-select', 'shadow');
  const rolledBack = await act('rollback', /Roll back both collections to shadow/);
  expect(rolledBack.tone, rolledBack.text).toBe('ok');
  expect(rolledBack.text).toMatch(/projects at shadow; resources at shadow/);
  for (const name of ['projects', 'resources']) {
    await expect.poll(() => text(currentStep(name)), WAIT).toBe('shadow');
    expect(await text(collection(name).locator('.authoritative'))).toBe('JSON files');
  }
  await expect.poll(() => text(page.locator('#alert-list')), WAIT).toMatch(/projects moved from live to shadow/);

  // 9. Pause and resume: the header says so while background work is paused.
  expect((await act('pause', /Pause background work/)).text).toMatch(/Paused/);
  await expect.poll(() => text(page.locator('#global-chips')), WAIT).toMatch(/Paused/);
  expect(await page.locator('[data-action="pause"]').isDisabled()).toBe(true);
  expect((await act('resume', /Resume background work/)).text).toMatch(/Resumed/);
  await expect.poll(() => text(page.locator('#global-chips')), WAIT).toBe('Running');

  // 10. Forgetting the token clears it and what it showed.
  await page.click('#forget-token');
  await page.locator('#login').waitFor({ state: 'visible' });
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  expect(await page.locator('.collection').count()).toBe(0);

  expect(problems).toEqual([]);
}
