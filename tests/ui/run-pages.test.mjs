// A flow run's page and its task runs in a real browser against a real `baton serve`: task runs open their
// own page from the timeline (name and bar), the task-run table and the graph (state history, inputs and
// where they came from, where the result went, retries, cache key and expiry, result location, their own
// logs, a link back); a subflow run links to its parent and the parent lists its subflow runs; the run's
// logs name each line's task run or logger and show its level (on phones too), mark each new day, filter by
// task run and download as CSV.
// At 1440 and 390 px, with no console errors, nothing wider than the screen, and a screenshot of each page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, shot as fullShot, waitFor } from './harness.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };
const DISPLAYS = [[WIDE, ''], [NARROW, '-narrow']];
const DAY = 86400e3;

let baton;
let browser;
const s = {}; // the seeded runs and task runs

async function taskRun(name, body = {}) {
  return baton.post('/task_runs/', { name, task_key: name.split('-')[0], dynamic_key: '0', flow_run_id: s.parent.id, ...body });
}
const setState = (kind, id, state) => baton.post(`/${kind}/${id}/set_state`, { state, force: true });
const log = (message, ts, extra = {}) => ({ name: 'prefect.flow_runs', level: 20, message, timestamp: new Date(ts).toISOString(), flow_run_id: s.parent.id, ...extra });

before(async () => {
  baton = await startBaton();
  const flow = await baton.post('/flows/', { name: 'etl' });
  const childFlow = await baton.post('/flows/', { name: 'load-flow' });
  s.parent = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'parent-run', parameters: { mode: 'full' }, state: { type: 'RUNNING' } });
  // extract: cached, with a persisted result; transform: failed once, then retried and completed.
  s.expiry = new Date(Date.now() + 3 * DAY).toISOString();
  s.extract = await taskRun('extract-0', { cache_key: 'etl-extract-7f3a', cache_expiration: s.expiry, empirical_policy: { retries: 2, retry_delay: 10 } });
  await setState('task_runs', s.extract.id, { type: 'RUNNING' });
  await setState('task_runs', s.extract.id, { type: 'COMPLETED', data: { storage_key: '/results/etl/extract-7f3a.pickle', serializer: { type: 'pickle' }, storage_block_id: null, expiration: null } });
  s.transform = await taskRun('transform-0', {
    empirical_policy: { retries: 3, retry_delay: 5 },
    task_inputs: { rows: [{ input_type: 'task_run', id: s.extract.id }], mode: [{ input_type: 'parameter', name: 'mode' }], batch: [] },
  });
  await setState('task_runs', s.transform.id, { type: 'RUNNING' });
  await setState('task_runs', s.transform.id, { type: 'FAILED', message: 'ValueError: bad row 17' });
  await setState('task_runs', s.transform.id, { type: 'RUNNING', name: 'Retrying' });
  await setState('task_runs', s.transform.id, { type: 'COMPLETED' });
  // load-0 runs a subflow.
  s.load = await taskRun('load-0', { task_inputs: { data: [{ input_type: 'task_run', id: s.transform.id }] } });
  await setState('task_runs', s.load.id, { type: 'RUNNING' });
  s.child = await baton.post('/flow_runs/', { flow_id: childFlow.id, name: 'child-run', parent_task_run_id: s.load.id, state: { type: 'RUNNING' } });
  await setState('flow_runs', s.child.id, { type: 'COMPLETED' });
  await setState('task_runs', s.load.id, { type: 'COMPLETED' });
  // Log lines on two days (47 hours apart, so on different dates in any time zone).
  const early = Date.now() - 2 * DAY;
  const late = Date.now() - 3600e3;
  await baton.post('/logs/', [
    log('Beginning flow run parent-run', early),
    log('extracting 120 rows', early + 1000, { name: 'prefect.task_runs', task_run_id: s.extract.id }),
    log('transform failed on row 17', late, { name: 'prefect.task_runs', level: 40, task_run_id: s.transform.id }),
    log('transform retried fine', late + 1000, { name: 'prefect.task_runs', task_run_id: s.transform.id }),
    log('Finished in state Completed()', late + 2000),
  ]);
  await setState('flow_runs', s.parent.id, { type: 'COMPLETED' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

/** A full-page screenshot from the top, so the sticky navigation sits at the top of the picture. */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullShot(page, name);
}

async function fits(page, viewport, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= viewport.width, `${what} is ${width}px wide at ${viewport.width}px`);
}

const textOf = (loc) => loc.evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));

test('a task run opens from the timeline and shows its states, inputs, retries and logs, with a link back', async () => {
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs/${s.parent.id}`);
    const row = page.locator(`.tl-row[data-task-run="${s.transform.id}"]`);
    await page.evaluate(() => { window.stayed = true; });
    await row.getByRole('link', { name: 'transform-0', exact: true }).click();
    await page.waitForURL(`**/task-runs/${s.transform.id}`);
    await page.locator('h1', { hasText: 'transform-0' }).waitFor();
    assert.equal(await page.evaluate(() => window.stayed), true, 'a client-side navigation');
    assert.equal(await page.locator('.page-head .sub [data-state]').getAttribute('data-state'), 'COMPLETED');
    // State history, oldest first: Running, Failed (with its message), Retrying, Completed.
    const history = page.locator('.states-tl li');
    await waitFor(async () => (await history.count()) === 4, 'four states');
    assert.deepEqual(await history.locator('.badge').allTextContents(), ['Running', 'Failed', 'Retrying', 'Completed']);
    assert.match(await history.nth(1).textContent(), /ValueError: bad row 17/);
    // Inputs: another task run's result (linked, with its state), a flow parameter, a value given directly.
    const rows = page.locator('table.task-inputs tr[data-input="rows"]');
    assert.equal(await rows.getByRole('link', { name: 'extract-0' }).getAttribute('href'), `/task-runs/${s.extract.id}`);
    await rows.locator('[data-state="COMPLETED"]').waitFor();
    assert.match(await page.locator('tr[data-input="mode"]').textContent(), /flow parameter\s*mode/);
    assert.match(await page.locator('tr[data-input="batch"]').textContent(), /a value given directly/);
    // And where its result went.
    assert.equal((await page.locator('.used-by').textContent()).replace(/\s+/g, ' '), 'Its result went to load-0');
    assert.equal(await page.locator('.used-by a').getAttribute('href'), `/task-runs/${s.load.id}`);
    assert.equal(await page.locator('.task-run-count').textContent(), '2', 'ran twice');
    assert.equal(await page.locator('.task-retries').textContent(), 'up to 3, waiting 5s');
    assert.match(await page.locator('.cache-result').textContent(), /Cache key\s*none/);
    // Its own log lines only, without a task select.
    const lines = page.locator('.log .msg');
    await waitFor(async () => (await lines.count()) === 2, "the task run's two log lines");
    assert.deepEqual(await lines.allTextContents(), ['transform failed on row 17', 'transform retried fine']);
    assert.equal(await page.getByLabel('Task run', { exact: true }).count(), 0);
    await fits(page, viewport, 'the task-run page');
    await shot(page, `task-run${suffix}`);
    // The input's link opens the upstream task run: its cache key, expiry and where its result is.
    await rows.getByRole('link', { name: 'extract-0' }).click();
    await page.locator('h1', { hasText: 'extract-0' }).waitFor();
    assert.equal(await page.locator('.cache-key').textContent(), 'etl-extract-7f3a');
    assert.match(await page.locator('.cache-result time').getAttribute('title'), new RegExp(`^${s.expiry.slice(0, 10)} \\d\\d:\\d\\d:\\d\\d UTC$`));
    assert.match(await page.locator('.cache-result').textContent(), /\(in [23] days\)/);
    assert.equal(await page.locator('.result-key').textContent(), '/results/etl/extract-7f3a.pickle');
    assert.match(await page.locator('.cache-result').textContent(), /Serialized with pickle/);
    assert.equal(await page.locator('.task-retries').textContent(), 'up to 2, waiting 10s');
    assert.match(await page.locator('table.task-inputs, .panel p').filter({ hasText: 'takes no inputs' }).first().textContent(), /This task run takes no inputs/);
    await page.locator('.log .msg', { hasText: 'extracting 120 rows' }).waitFor();
    assert.equal((await page.locator('.used-by').textContent()).replace(/\s+/g, ' '), 'Its result went to transform-0');
    await shot(page, `task-run-cached${suffix}`);
    // Back to the flow run, then the bar of a task run opens it too.
    await page.getByRole('link', { name: 'Back to the flow run' }).click();
    await page.waitForURL(`**/runs/${s.parent.id}`);
    await page.locator(`.tl-row[data-task-run="${s.load.id}"] a.tl-bar`).click();
    await page.waitForURL(`**/task-runs/${s.load.id}`);
    await page.locator('h1', { hasText: 'load-0' }).waitFor();
    const sub = page.locator(`[data-subflow="${s.child.id}"]`);
    assert.equal(await sub.getByRole('link', { name: 'child-run' }).getAttribute('href'), `/runs/${s.child.id}`);
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test("the task runs' table opens each task run, and the graph's detail links to it", async () => {
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs/${s.parent.id}`);
    await page.getByRole('tab', { name: 'List' }).click();
    await page.waitForURL(/\?tab=list$/);
    const table = page.locator('table.task-runs');
    await table.locator('tr[data-task-run]').nth(2).waitFor();
    assert.deepEqual(await table.locator('tbody td:nth-child(2)').allTextContents(), ['extract-0', 'transform-0', 'load-0']);
    assert.equal(await table.locator(`tr[data-task-run="${s.transform.id}"] td:last-child`).textContent(), '2');
    if (viewport === WIDE) {
      // Numbers are right-aligned under right-aligned headers.
      const align = await table.locator('th.num, td.num').evaluateAll((els) => [...new Set(els.map((e) => getComputedStyle(e).textAlign))]);
      assert.deepEqual(align, ['right']);
      assert.equal(await table.locator('th.num').count(), 2);
    }
    assert.match(await page.locator('.panel-head h2', { hasText: 'Task runs' }).textContent(), /Task runs\s*3$/);
    await fits(page, viewport, 'the task-run table');
    await shot(page, `run-task-table${suffix}`);
    await table.getByRole('link', { name: 'transform-0' }).click();
    await page.waitForURL(`**/task-runs/${s.transform.id}`);
    await page.locator('h1', { hasText: 'transform-0' }).waitFor();
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  }
  // The graph's task detail links to the page (graph-v2's answer given, as this binary may have none).
  const node = (tr, children) => [tr.id, { kind: 'task-run', id: tr.id, label: tr.name, state_type: 'COMPLETED', start_time: tr.start_time, end_time: tr.end_time, parents: [], children, encapsulating: [], artifacts: [] }];
  const [ex, tf] = [await baton.get(`/task_runs/${s.extract.id}`), await baton.get(`/task_runs/${s.transform.id}`)];
  const answer = { start_time: ex.start_time, end_time: tf.end_time, root_node_ids: [ex.id], nodes: [node(ex, [{ id: tf.id }]), node(tf, [])], artifacts: [], states: [] };
  const page = await openPage(browser, { viewport: WIDE });
  await page.route(`**/api/flow_runs/${s.parent.id}/graph-v2*`, (route) => route.fulfill({ json: answer }));
  await page.goto(`${baton.url}/runs/${s.parent.id}?tab=graph`);
  const box = page.locator('svg.graph').getByRole('button', { name: /Task run extract-0/ });
  await box.focus();
  await box.press('Enter');
  await page.getByRole('link', { name: /Open the task run/ }).click();
  await page.waitForURL(`**/task-runs/${s.extract.id}`);
  await page.locator('.cache-key', { hasText: 'etl-extract-7f3a' }).waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a subflow run links to its parent run, and the parent lists its subflow runs', async () => {
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs/${s.child.id}`);
    const parent = page.locator('.parent-run');
    await parent.waitFor();
    assert.match((await parent.textContent()).replace(/\s+/g, ' '), /^Subflow of parent-run \(started by task run load-0\)$/);
    assert.equal(await parent.getByRole('link', { name: 'load-0' }).getAttribute('href'), `/task-runs/${s.load.id}`);
    await fits(page, viewport, 'the subflow run page');
    await shot(page, `run-subflow${suffix}`);
    await parent.getByRole('link', { name: 'parent-run' }).click();
    await page.waitForURL(`**/runs/${s.parent.id}`);
    const list = page.getByRole('region', { name: 'Subflow runs' });
    await list.locator(`tr[data-run="${s.child.id}"] [data-state="COMPLETED"]`).waitFor();
    assert.equal(await list.locator('.subflow-count').textContent(), '1 subflow run');
    assert.equal(await list.locator('tbody tr').count(), 1);
    assert.equal(await page.locator('.parent-run').count(), 0, 'a top-level run has no parent');
    await shot(page, `run-subflows${suffix}`);
    await list.getByRole('link', { name: 'child-run' }).click();
    await page.waitForURL(`**/runs/${s.child.id}`);
    await page.locator('h1', { hasText: 'child-run' }).waitFor();
    // The child itself has no subflows, so no such list.
    await page.locator('.parent-run').waitFor();
    assert.equal(await page.getByRole('region', { name: 'Subflow runs' }).count(), 0);
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test("the run's logs name each line's task run or logger and level, mark each day, filter by task run and download", async () => {
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs/${s.parent.id}`);
    const logs = page.getByRole('log', { name: 'Run logs' });
    await waitFor(async () => (await logs.locator('.log').count()) === 5, 'five log lines');
    assert.deepEqual(await textOf(logs.locator('.log .src')), ['prefect.flow_runs', 'extract-0', 'transform-0', 'transform-0', 'prefect.flow_runs']);
    assert.equal(await logs.locator('.log .src').nth(1).getAttribute('href'), `/task-runs/${s.extract.id}`);
    // Each line's level is shown at either width: on a phone on the line of its time, before the source.
    const levels = await logs.locator('.log').evaluateAll((els) => els.map((e) => {
      const [time, lv, src] = ['time', '.lv', '.src'].map((css) => e.querySelector(css).getBoundingClientRect());
      const shown = lv.width > 0 && getComputedStyle(e.querySelector('.lv')).visibility !== 'hidden';
      return { level: e.querySelector('.lv').textContent, shown, inline: Math.abs(lv.top - time.top) < time.height && lv.left >= time.right && lv.right <= src.left };
    }));
    assert.deepEqual(levels.map((l) => l.level), ['INFO', 'INFO', 'ERROR', 'INFO', 'INFO']);
    assert.ok(levels.every((l) => l.shown && l.inline), `levels shown between time and source: ${JSON.stringify(levels)}`);
    // One separator before the first day's lines and one where the date changes, in the browser's words.
    const days = logs.locator('.log-day');
    assert.equal(await days.count(), 2);
    const expected = await page.evaluate((stamps) => stamps.map((t) => new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(t))),
      [Date.now() - 2 * DAY, Date.now() - 3600e3]);
    assert.deepEqual(await days.allTextContents(), expected);
    const order = await logs.locator('.log-day, .log').evaluateAll((els) => els.map((e) => (e.classList.contains('log-day') ? 'day' : 'line')));
    assert.deepEqual(order, ['day', 'line', 'line', 'day', 'line', 'line', 'line']);
    await fits(page, viewport, 'the run page');
    await shot(page, `run-logs${suffix}`);
    // Filtered to one task run, then to the flow's own lines.
    const select = page.getByLabel('Task run', { exact: true });
    await select.selectOption({ label: 'transform-0' });
    await waitFor(async () => (await logs.locator('.log').count()) === 2, "transform-0's lines");
    assert.deepEqual(await logs.locator('.log .msg').allTextContents(), ['transform failed on row 17', 'transform retried fine']);
    assert.equal(await days.count(), 1);
    await select.selectOption({ label: 'The flow only (no task)' });
    const flowOnly = ['Beginning flow run parent-run', 'Finished in state Completed()'];
    await waitFor(async () => JSON.stringify(await logs.locator('.log .msg').allTextContents()) === JSON.stringify(flowOnly), "the flow's own lines");
    assert.equal(await days.count(), 2);
    await select.selectOption({ label: 'All lines' });
    await waitFor(async () => (await logs.locator('.log').count()) === 5, 'all lines again');
    // The Download link is the server's CSV of the whole run.
    const link = page.getByRole('link', { name: 'Download' });
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/flow_runs/${s.parent.id}/logs/download`);
    assert.notEqual(await link.getAttribute('download'), null);
    if (viewport === WIDE) {
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      const csv = await (await fetch(baton.url + href)).text();
      assert.match(download.suggestedFilename(), /\.csv$/);
      for (const m of ['extracting 120 rows', 'transform failed on row 17', 'Finished in state Completed()']) assert.ok(csv.includes(m), `the CSV has "${m}"`);
    }
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test('live log lines take their place by time, as a process\'s last output may come after the line saying it exited', async () => {
  const flow = await baton.post('/flows/', { name: 'live-order' });
  const run = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'live-run', state: { type: 'RUNNING' } });
  const t0 = Date.now();
  const at = (ms, name, message) => ({ name, level: 20, message, timestamp: new Date(t0 + ms).toISOString(), flow_run_id: run.id });
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/runs/${run.id}`);
  const logs = page.getByRole('log', { name: 'Run logs' });
  await logs.locator('text=No log lines yet.').waitFor();
  await page.locator('html[data-live="open"]').waitFor({ state: 'attached' }); // the live stream is connected
  // The worker's lines reach the stream first, the output it read before the process exited after them.
  await baton.post('/logs/', [at(0, 'baton.process', "Worker 'w' started process 7: sh -c 'echo one; echo two'"), at(30, 'baton.process', 'Process 7 exited with code 0.')]);
  await waitFor(async () => (await logs.locator('.log').count()) === 2, 'the worker\'s two lines, live');
  await baton.post('/logs/', [at(10, 'baton.stdout', 'one'), at(20, 'baton.stdout', 'two')]);
  await waitFor(async () => (await logs.locator('.log').count()) === 4, 'the output, live');
  assert.deepEqual(await textOf(logs.locator('.log .msg')), ["Worker 'w' started process 7: sh -c 'echo one; echo two'", 'one', 'two', 'Process 7 exited with code 0.']);
  // The worker's notes are set apart from the output, each line named by its logger.
  assert.deepEqual(await logs.locator('.log').evaluateAll((els) => els.map((e) => e.classList.contains('from-worker'))), [true, false, false, true]);
  assert.deepEqual(await textOf(logs.locator('.log .src')), ['baton.process', 'baton.stdout', 'baton.stdout', 'baton.process']);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a line streamed while the page is still reading the run\'s logs stays when that read answers', async () => {
  const flow = await baton.post('/flows/', { name: 'live-early' });
  const run = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'early-run', state: { type: 'RUNNING' } });
  const line = (message) => [{ name: 'baton.stdout', level: 20, message, timestamp: new Date().toISOString(), flow_run_id: run.id }];
  const page = await openPage(browser, { viewport: WIDE });
  // The page's first read of the logs is answered as it was read (no lines), but only after a line was
  // stored and streamed meanwhile: a flow's first output often arrives just so.
  let release;
  const held = new Promise((r) => { release = r; });
  let asked = false;
  await page.route('**/api/logs/filter', async (route) => {
    if (asked) return route.continue();
    asked = true;
    const response = await route.fetch();
    await held;
    return route.fulfill({ response });
  });
  await page.goto(`${baton.url}/runs/${run.id}`);
  await page.locator('html[data-live="open"]').waitFor({ state: 'attached' });
  await waitFor(async () => asked, 'the page to read the logs');
  const logs = page.getByRole('log', { name: 'Run logs' });
  await baton.post('/logs/', line('early line'));
  await logs.locator('.log .msg:text-is("early line")').waitFor();
  const answered = page.waitForResponse('**/api/logs/filter');
  release();
  await answered;
  await baton.post('/logs/', line('later line'));
  await logs.locator('.log .msg:text-is("later line")').waitFor();
  assert.deepEqual(await textOf(logs.locator('.log .msg')), ['early line', 'later line']);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test("Prefect's task-run links open the task run's page; a run or task run that does not exist gets the not-found page", async () => {
  const page = await openPage(browser, { viewport: NARROW });
  for (const prefix of ['/runs/task-run/', '/task-runs/task-run/']) {
    await page.goto(`${baton.url}${prefix}${s.transform.id}`);
    await page.waitForURL(`**/task-runs/${s.transform.id}`);
    await page.locator('h1', { hasText: 'transform-0' }).waitFor();
  }
  for (const [path, what, id] of [
    ['/task-runs/00000000-0000-4000-8000-000000000000', 'task run', '00000000-0000-4000-8000-000000000000'],
    ['/runs/task-run/00000000-0000-4000-8000-000000000000', 'task run', '00000000-0000-4000-8000-000000000000'],
    ['/task-runs/not-a-task-run', 'task run', 'not-a-task-run'],
    ['/runs/00000000-0000-4000-8000-000000000000', 'flow run', '00000000-0000-4000-8000-000000000000'],
    ['/runs/not-a-run', 'flow run', 'not-a-run'],
  ]) {
    await page.goto(baton.url + path);
    await page.locator('h1:text-is("Not found")').waitFor();
    const note = page.locator(`[data-not-found="${what}"]`);
    assert.equal((await note.locator('p').first().textContent()).replace(/\s+/g, ' '), `There is no ${what} ${id}. It may have been deleted.`);
    assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  }
  await shot(page, 'not-found-task-run-narrow');
  await page.locator('[data-not-found] a:text-is("All runs")').click();
  await page.locator(`tr[data-run="${s.parent.id}"]`).waitFor();
  // The browser reports the API's 404s itself; nothing else may be logged.
  assert.deepEqual(page.problems().filter((p) => !p.includes('404')), []);
  await page.context().close();
});

test('a run with more task runs than one request brings counts them all, thousands separated', async () => {
  const flow = await baton.post('/flows/', { name: 'fan-out' });
  const run = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'big-run', state: { type: 'RUNNING' } });
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < 1005) {
      const i = next++;
      await baton.post('/task_runs/', { name: `map-${i}`, task_key: 'map', dynamic_key: String(i), flow_run_id: run.id });
    }
  }));
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs/${run.id}?tab=list`);
    const head = page.locator('.panel-head h2', { hasText: 'Task runs' });
    await waitFor(async () => /Task runs\s*1,005$/.test(await head.textContent()), 'the count of all 1,005 task runs');
    // The count and the rows come from two requests: wait for the rows too.
    const rows = page.locator('table.task-runs tbody tr');
    await waitFor(async () => (await rows.count()) > 0, 'the task runs\' rows');
    assert.equal(await rows.count(), 200);
    await page.locator('p', { hasText: 'The first 200 of 1,005 task runs.' }).waitFor();
    // The long list scrolls in its own box rather than making the page 200 rows long.
    const [inner, outer] = await page.locator('.task-scroll').evaluate((el) => [el.clientHeight, el.scrollHeight]);
    assert.ok(inner <= 560 && outer > inner, `the task list scrolls (${inner} of ${outer} px shown)`);
    await fits(page, viewport, 'a run with many task runs');
    await shot(page, `run-many-tasks${suffix}`);
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});
