// The dashboard in a real browser (Debian's chromium through playwright-core) against a real server: sign-in
// (a wrong key refused with a clear message), a short simulation, the overview's figures and chart data equal to
// what GET /dashboard/api/overview reports, a settings change that GET /configurations/service then returns, an
// evaluation created and followed, keyboard navigation, and no request to any other host. Screenshots of each
// page, at laptop and phone widths, go to artifacts/screenshots/ (gitignored).
// Run by `npm run test:browser` (scripts/test-browser.mjs), not by `npm test`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { call, startServerProcess, type ServerProcess } from '../api/test_server.js';
import { launchBrowser, type Browser } from './browser.js';
import { simulate } from './simulate.js';

const SHOTS = 'artifacts/screenshots';
let server: ServerProcess;
let browser: Browser;
let page: Page;
const requests: string[] = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => void d.accept());
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = (sel: string) => page.locator(sel).innerText();
const fixed = (x: number | null, d = 4) => (x === null ? '–' : x.toFixed(d));
const est = (e: { value: number | null; ci95: number | null }) => (e.value === null ? '–' : e.ci95 === null ? fixed(e.value) : `${fixed(e.value)} ± ${fixed(e.ci95)}`);

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}-laptop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('a wrong key is refused with a clear message and nothing is shown', async () => {
  await page.goto(`${server.url}/dashboard`);
  await page.getByLabel('API key').fill('not-the-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#sign-in-error').filter({ hasText: 'The key was refused' }).waitFor();
  assert.match(await text('#sign-in-error'), /The key was refused: Access denied due to invalid subscription key/);
  assert.equal(await page.locator('#page-overview').isVisible(), false);
  assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.length), 0, 'a refused key is not kept');
  await shoot('sign-in-refused');
});

test('signed in with the keyboard, after a short simulation the overview shows what the API reports', async () => {
  await page.getByLabel('API key').fill(server.key);
  await page.getByLabel('API key').press('Enter');
  await page.locator('#page-overview').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('personalizer.dashboard.key')), server.key);

  const ran = await simulate(server, 80, 3);
  assert.equal(ran.events, 80);
  await page.getByRole('button', { name: 'Refresh now' }).click();
  await page.locator('#total-ranked').filter({ hasText: /^80$/ }).waitFor();
  // The page's range is the last hour, asked for at its refresh; all the events are inside it either way.
  const o = (await call(server, 'GET', '/dashboard/api/overview')).json;
  assert.equal(await text('#total-ranked'), String(o.totals.ranked));
  assert.equal(await text('#total-joined'), String(o.totals.joined));
  assert.equal(await text('#total-rewarded'), String(o.totals.rewarded));
  assert.equal(await text('#total-online'), est(o.totals.online));
  assert.equal(await text('#total-baseline1'), est(o.totals.baseline1));
  assert.equal(await text('#total-random'), est(o.totals.random));
  assert.equal(await text('#total-exploration'), `${(o.totals.explorationShare * 100).toFixed(1)} %`);
  assert.equal(await text('#loop-learned'), String(o.loop.eventsLearned));
  assert.match(await text('#trainer-lag'), /^\d+ events$/);

  // The charts' data (their table) equal the API's series, bucket by bucket.
  const rows = await page.locator('#series-table tbody tr').evaluateAll((trs) =>
    trs.map((tr: any) => ({ time: Number(tr.dataset['time']), cells: [...tr.querySelectorAll('td')].map((td: any) => td.textContent as string) })),
  );
  assert.ok(rows.length >= 1);
  let ranked = 0;
  for (const row of rows) {
    const i = o.series.time.indexOf(row.time);
    assert.ok(i >= 0, `bucket ${row.time} is in the API's series`);
    assert.deepEqual(row.cells.slice(1), [
      String(o.series.ranked[i]), String(o.series.joined[i]), String(o.series.rewarded[i]),
      fixed(o.series.online[i]), fixed(o.series.baseline1[i]), fixed(o.series.random[i]), fixed(o.series.explorationShare[i]),
    ]);
    ranked += Number(row.cells[1]);
  }
  assert.equal(ranked, 80);
  // Each chart drew: a canvas of the container's width with painted pixels, and uPlot's legend naming the series.
  for (const id of ['chart-reward', 'chart-events', 'chart-exploration']) {
    const painted = await page.locator(`#${id} canvas`).evaluate((c: any) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let k = 3; k < data.length; k += 4) if (data[k]! > 0) n++;
      return { n, width: c.width };
    });
    assert.ok(painted.width > 200 && painted.n > 500, `${id}: ${JSON.stringify(painted)}`);
  }
  assert.match(await page.locator('#chart-reward .u-legend').innerText(), /Online[\s\S]*Baseline1[\s\S]*Random/);
  await shoot('overview');
});

test('the overview refreshes live: new events appear without a click', async () => {
  await simulate(server, 10, 4);
  await page.locator('#total-ranked').filter({ hasText: /^90$/ }).waitFor({ timeout: 15_000 });
});

test('a settings change made in the page is what GET /configurations/service returns; a bad value shows the API message', async () => {
  await page.goto(`${server.url}/dashboard#/settings`);
  await page.locator('#page-settings').waitFor({ state: 'visible' });
  await page.waitForFunction(() => (globalThis as any).document.getElementById('cfg-rewardWaitTime').value !== '');
  const settings = page.locator('#page-settings');
  await settings.getByLabel(/Exploration/).fill('0.35');
  await settings.getByLabel(/Default reward/).fill('0.125');
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await page.locator('#service-message').filter({ hasText: 'Configuration saved.' }).waitFor();
  const saved = (await call(server, 'GET', '/personalizer/v1.0/configurations/service')).json;
  assert.equal(saved.explorationPercentage, 0.35);
  assert.equal(saved.defaultReward, 0.125);

  await settings.getByLabel(/Reward wait time/).fill('soon');
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await page.locator('#service-message').filter({ hasText: 'Not saved' }).waitFor();
  assert.match(await text('#service-message'), /Not saved: .*rewardWaitTime|Not saved: .*[Dd]uration/);
  const unchanged = (await call(server, 'GET', '/personalizer/v1.0/configurations/service')).json;
  assert.equal(unchanged.rewardWaitTime, saved.rewardWaitTime);
  assert.match(await text('#logs-properties'), /Events from/);
  await shoot('settings');
});

test('an evaluation created in the page runs, and its estimates are the API’s', async () => {
  await page.goto(`${server.url}/dashboard#/evaluations`);
  await page.locator('#page-evaluations').waitFor({ state: 'visible' });
  await page.locator('#page-evaluations').getByLabel('Name', { exact: true }).fill('browser-eval');
  await page.getByRole('button', { name: 'Create evaluation' }).click();
  await page.locator('#evaluation-message').filter({ hasText: 'created' }).waitFor();
  const list = (await call(server, 'GET', '/personalizer/v1.0/evaluations')).json;
  const ev = list.find((e: { name: string }) => e.name === 'browser-eval');
  assert.ok(ev, 'the evaluation exists');
  await page.locator('.estimate[data-policy="Online"]').waitFor({ timeout: 60_000 });
  const done = (await call(server, 'GET', `/personalizer/v1.0/evaluations/${ev.id}`)).json;
  assert.equal(done.status, 'completed');
  for (const p of done.policyResults) {
    assert.equal(await text(`.estimate[data-policy="${p.name}"]`), `${fixed(p.totalSummary.averageReward)} ± ${fixed(p.totalSummary.confidenceInterval)}`);
  }
  await shoot('evaluations');
});

test('keyboard: the navigation is reachable with Tab and opens pages with Enter', async () => {
  await page.goto(`${server.url}/dashboard#/evaluations`);
  await page.reload();
  await page.locator('#page-evaluations').waitFor({ state: 'visible' });
  // Skip link, home link, then the first page link.
  let reached = false;
  for (let i = 0; i < 5 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('data-page') === 'overview');
  }
  assert.ok(reached, 'Tab reaches the Overview link');
  await page.keyboard.press('Enter');
  await page.locator('#page-overview').waitFor({ state: 'visible' });
});

test('no request left for another host', () => {
  const origin = new URL(server.url).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign, []);
  assert.ok(requests.some((u) => u.includes('/dashboard/api/overview')));
});
