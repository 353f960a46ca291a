// The dashboard's frame in a real browser: on a phone (390 px) the navigation is a menu button, tables are
// cards and no page is wider than the screen; the light/dark/system theme switch (kept in localStorage,
// "system" following prefers-color-scheme); the not-found page for unknown addresses and ids; the
// "Disconnected — retrying" banner while the server is stopped, gone once it is back on the same port and
// data dir; an error instead of an endless "Loading…" when a request fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startBaton, launchBrowser, openPage, shot, waitFor } from './harness.mjs';

let baton;
let browser;
let dep;
let run;

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };

before(async () => {
  baton = await startBaton();
  const flow = await baton.post('/flows/', { name: 'etl' });
  dep = await baton.post('/deployments/', { name: 'nightly', flow_id: flow.id, work_pool_name: 'default', tags: ['etl'] });
  run = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'a-run', state: { type: 'COMPLETED' } });
  await baton.post('/variables/', { name: 'greeting', value: 'hello', tags: [] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

const PAGES = () => [
  ['overview', '/', '.card.stat .n'],
  ['runs', '/runs', `tr[data-run="${run.id}"]`],
  ['run', `/runs/${run.id}`, 'h1:has-text("a-run")'],
  ['deployments', '/deployments', 'tr[data-deployment="nightly"]'],
  ['deployment', `/deployments/${dep.id}`, 'h2:has-text("Schedules")'],
  ['work-pools', '/work-pools', 'tr[data-pool="default"]'],
  ['work-pool', '/work-pools/default', 'tr[data-queue="default"]'],
  ['flows', '/flows', 'tr[data-flow="etl"]'],
  ['variables', '/variables', 'tr[data-variable="greeting"]'],
  ['concurrency', '/concurrency', 'h1:has-text("Concurrency")'],
  ['blocks', '/blocks', 'h1:has-text("Blocks")'],
  ['artifacts', '/artifacts', 'h1:has-text("Artifacts")'],
  ['automations', '/automations', 'h1:has-text("Automations")'],
  ['events', '/events', 'h1:has-text("Events")'],
];

const width = (page) => page.evaluate(() => document.documentElement.scrollWidth);
const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const LIGHT_BG = 'rgb(247, 247, 249)';
const DARK_BG = 'rgb(17, 18, 22)';

test('at 390 px every page fits the screen and the navigation is a menu button, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await openPage(browser, { colorScheme, viewport: NARROW });
    for (const [name, path, ready] of PAGES()) {
      await page.goto(baton.url + path);
      await page.locator(ready).first().waitFor();
      await shot(page, `phone-${name}${colorScheme === 'dark' ? '-dark' : ''}`);
      assert.ok((await width(page)) <= 390, `${path} is ${await width(page)}px wide at 390px (${colorScheme})`);
    }
    // The links hide behind the menu button, which opens them and closes after a choice.
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await page.locator('#nav-links').isVisible(), false);
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    await page.locator('#nav-links').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Close' }).getAttribute('aria-expanded'), 'true');
    await shot(page, `phone-menu${colorScheme === 'dark' ? '-dark' : ''}`);
    await page.locator('#nav-links').getByRole('link', { name: 'Work pools' }).click();
    await page.locator('tr[data-pool="default"]').waitFor();
    await waitFor(async () => !(await page.locator('#nav-links').isVisible()), 'the menu to close after a choice');
    assert.deepEqual(page.problems(), [], `console errors at 390px ${colorScheme}`);
    await page.context().close();
  }
  const wide = await openPage(browser, { viewport: WIDE });
  await wide.goto(`${baton.url}/`);
  await wide.locator('#nav-links').getByRole('link', { name: 'Deployments' }).waitFor();
  assert.equal(await wide.getByRole('button', { name: 'Menu' }).isVisible(), false, 'no menu button at 1440 px');
  await wide.context().close();
});

test('tables become labelled cards below 600 px and stay tables on wide screens', async () => {
  const page = await openPage(browser, { viewport: NARROW });
  await page.goto(`${baton.url}/work-pools`);
  const row = page.locator('tr[data-pool="default"]');
  await row.waitFor();
  assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'block');
  assert.equal(await page.locator('table.pools thead').isVisible(), false);
  const typeCell = row.locator('td[data-label="Type"]');
  assert.equal(await typeCell.textContent(), 'process');
  assert.equal(await typeCell.evaluate((td) => getComputedStyle(td, '::before').content), '"Type"');
  await shot(page, 'cards-work-pools');
  await page.setViewportSize(WIDE);
  await waitFor(async () => (await row.evaluate((tr) => getComputedStyle(tr).display)) === 'table-row', 'a table row on a wide screen');
  assert.equal(await page.locator('table.pools thead').isVisible(), true);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('the theme switch: light, dark or the system, kept across reloads', async () => {
  const page = await openPage(browser, { colorScheme: 'light', viewport: WIDE });
  await page.goto(`${baton.url}/deployments`);
  await page.locator('tr[data-deployment="nightly"]').waitFor();
  const theme = page.getByRole('combobox', { name: 'Theme' });
  assert.equal(await theme.inputValue(), 'system');
  assert.equal(await background(page), LIGHT_BG, 'the system says light');
  await theme.selectOption('dark');
  await waitFor(async () => (await background(page)) === DARK_BG, 'a dark page');
  assert.equal(await page.evaluate(() => localStorage.getItem('baton.theme')), 'dark');
  await shot(page, 'theme-dark-chosen');
  await page.reload();
  await page.locator('tr[data-deployment="nightly"]').waitFor();
  assert.equal(await background(page), DARK_BG, 'kept across a reload');
  assert.equal(await page.getByRole('combobox', { name: 'Theme' }).inputValue(), 'dark');
  await page.getByRole('combobox', { name: 'Theme' }).selectOption('system');
  await waitFor(async () => (await background(page)) === LIGHT_BG, 'back to the system (light)');
  assert.equal(await page.evaluate(() => localStorage.getItem('baton.theme')), null);
  // The system follows prefers-color-scheme as it changes.
  await page.emulateMedia({ colorScheme: 'dark' });
  await waitFor(async () => (await background(page)) === DARK_BG, 'the system turning dark');
  await page.getByRole('combobox', { name: 'Theme' }).selectOption('light');
  await waitFor(async () => (await background(page)) === LIGHT_BG, 'light chosen over a dark system');
  await shot(page, 'theme-light-over-dark-system');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test("the overview's chart takes the new theme's colours at once, chosen or from the system", async () => {
  const page = await openPage(browser, { colorScheme: 'light', viewport: WIDE });
  await page.goto(`${baton.url}/`);
  await page.locator('.chart-box canvas').waitFor();
  // How many of the chart's pixels have the completed bars' colour of each theme (--st-completed).
  const bars = () => page.evaluate(() => {
    const c = document.querySelector('.chart-box canvas');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const n = { light: 0, dark: 0 };
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
      if (r === 22 && g === 163 && b === 74) n.light += 1; // #16a34a
      else if (r === 74 && g === 222 && b === 128) n.dark += 1; // #4ade80
    }
    return n;
  });
  const drawn = (theme) => waitFor(async () => {
    const n = await bars();
    return n[theme] > 100 && n[theme === 'light' ? 'dark' : 'light'] === 0 && n;
  }, `the bars in the ${theme} theme's colour only`);
  await drawn('light');
  const theme = page.getByRole('combobox', { name: 'Theme' });
  await theme.selectOption('dark');
  await drawn('dark');
  await shot(page, 'overview-chart-dark-chosen');
  await theme.selectOption('light');
  await drawn('light');
  // "System" follows the system's scheme as it changes, the chart too.
  await theme.selectOption('system');
  await page.emulateMedia({ colorScheme: 'dark' });
  await drawn('dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await drawn('light');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('unknown addresses and ids get a not-found page', async () => {
  for (const [colorScheme, viewport, suffix] of [['light', WIDE, ''], ['dark', NARROW, '-narrow-dark']]) {
    const page = await openPage(browser, { colorScheme, viewport });
    await page.goto(`${baton.url}/no/such/page`);
    await page.locator('h1:text-is("Not found")').waitFor();
    await page.locator('[data-not-found="page"]:has-text("No page at /no/such/page")').waitFor();
    await shot(page, `not-found${suffix}`);
    await page.goto(`${baton.url}/deployments/00000000-0000-4000-8000-000000000000`);
    await page.locator('[data-not-found="deployment"]:has-text("There is no deployment 00000000-0000-4000-8000-000000000000")').waitFor();
    assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
    await shot(page, `not-found-deployment${suffix}`);
    await page.locator('[data-not-found] a:text-is("All deployments")').click();
    await page.locator('tr[data-deployment="nightly"]').waitFor();
    await page.goto(`${baton.url}/work-pools/no-such-pool`);
    await page.locator('[data-not-found="work pool"]:has-text("no-such-pool")').waitFor();
    assert.ok((await width(page)) <= viewport.width);
    // Flows and blocks, by an id that does not exist, one that cannot be an id, and a block's type and name.
    for (const [path, what, id, back, ready] of [
      ['/flows/00000000-0000-4000-8000-000000000000', 'flow', '00000000-0000-4000-8000-000000000000', 'All flows', 'tr[data-flow="etl"]'],
      ['/flows/not-a-flow', 'flow', 'not-a-flow', 'All flows', 'tr[data-flow="etl"]'],
      ['/blocks/00000000-0000-4000-8000-000000000000', 'block', '00000000-0000-4000-8000-000000000000', 'All blocks', 'h1:text-is("Blocks")'],
      ['/blocks/not-a-block', 'block', 'not-a-block', 'All blocks', 'h1:text-is("Blocks")'],
      ['/blocks/secret/no-such-name', 'block', 'secret/no-such-name', 'All blocks', 'h1:text-is("Blocks")'],
    ]) {
      await page.goto(baton.url + path);
      await page.locator('h1:text-is("Not found")').waitFor();
      const note = page.locator(`[data-not-found="${what}"]`);
      assert.equal((await note.locator('p').first().textContent()).replace(/\s+/g, ' '), `There is no ${what} ${id}. It may have been deleted.`);
      assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
      assert.ok((await width(page)) <= viewport.width, `${path} fits`);
      if (path.endsWith('no-such-name')) await shot(page, `not-found-block${suffix}`);
      await note.getByRole('link', { name: back }).click();
      await page.locator(ready).waitFor();
    }
    // The browser logs the API's 404 answers; nothing else.
    assert.deepEqual(page.problems().filter((p) => !/status of 404/.test(p)), []);
    await page.context().close();
  }
});

test('a failed request shows its error, never an endless Loading', async () => {
  const page = await openPage(browser, { viewport: WIDE });
  const busy = (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"detail":"database is busy"}' });
  await page.route('**/api/deployments/filter', busy);
  await page.goto(`${baton.url}/deployments`);
  await page.locator('.error:has-text("database is busy")').waitFor();
  assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  await page.unroute('**/api/deployments/filter');
  await page.route('**/api/work_pools/filter', busy);
  await page.goto(`${baton.url}/work-pools`);
  await page.locator('.error:has-text("database is busy")').waitFor();
  assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  assert.ok(page.problems().every((p) => /status of 503/.test(p)), page.problems().join('\n'));
  await page.context().close();
});

/** `baton serve` on `port` (0: any) with the data dir `home`; resolves to { child, port }. */
function serve(home, port) {
  const child = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', String(port), '--home', join(home, 'data')], {
    cwd: home, env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`baton serve did not start:\n${output}`)), 20000);
    child.stderr.on('data', (d) => { output += d; });
    child.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/Baton API http:\/\/127\.0\.0\.1:(\d+)\/api/);
      if (m) { clearTimeout(timer); res({ child, port: Number(m[1]) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`baton serve exited (${code}):\n${output}`)); });
  });
}

/** Stops the server it started, by its pid. */
async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

test('the Disconnected banner shows while the server is stopped and clears when it is back', async () => {
  const home = mkdtempSync(join(tmpdir(), 'baton-ui-conn-'));
  let server = await serve(home, 0);
  const { port } = server;
  try {
    const page = await openPage(browser, { viewport: WIDE });
    await page.goto(`http://127.0.0.1:${port}/work-pools`);
    await page.locator('tr[data-pool="default"]').waitFor();
    const banner = page.locator('.conn-banner[role="alert"]');
    assert.equal(await banner.count(), 0, 'no banner while connected');
    await stop(server.child);
    await banner.locator('text=Disconnected — retrying').waitFor({ timeout: 12000 });
    await shot(page, 'disconnected');
    // A page opened while disconnected says why instead of loading for ever.
    await page.locator('#nav-links').getByRole('link', { name: 'Variables' }).click();
    await page.locator('main .error').waitFor();
    assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
    // Back on the same port and data dir: the banner goes and the page loads by itself.
    server = await waitFor(() => serve(home, port).catch(() => null), 'the server to start again on its port', 20000);
    await waitFor(async () => (await banner.count()) === 0, 'the banner to clear', 12000);
    await page.locator('main .empty, main tr[data-variable]').first().waitFor();
    // A request that failed while the server came back may show its note a moment longer: it must go.
    await waitFor(async () => (await page.locator('main .error').count()) === 0, 'the error to go once the server is back', 10000);
    await shot(page, 'reconnected');
    // Chromium logs the refused connections while the server was down; nothing else.
    assert.deepEqual(page.problems().filter((p) => !/ERR_CONNECTION_REFUSED|Failed to fetch|ERR_EMPTY_RESPONSE|net::ERR/.test(p)), []);
    await page.context().close();
  } finally {
    await stop(server.child);
    rmSync(home, { recursive: true, force: true });
  }
});
