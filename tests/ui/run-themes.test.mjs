// The run and task-run pages in the light and the dark theme, at 1440 and 390 px, in a real browser against a
// real `baton serve`: a run of a deployment with task runs in every outcome (cached, retried, cancelled, one
// running a subflow), log lines at every level, artifacts of each kind, its task-run list and graph, the
// "Run again" dialog, a cancelled run, a run still waiting, and task-run pages. Each page has the theme's
// background, no text under the theme's contrast floor, nothing wider than the screen and no console
// errors; a screenshot of each is kept. Dark comes once from the system and once chosen with the theme
// switch over a light system (and light once chosen over a dark system), as each has its own CSS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, lowContrast, shot as fullShot, waitFor } from './harness.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };
const BG = { light: 'rgb(247, 247, 249)', dark: 'rgb(17, 18, 22)' };
// The lowest contrast any text may have, in either theme: WCAG AA for small text (4.5:1), state colours as
// text (badges, log levels) included.
const FLOOR = { light: 4.5, dark: 4.5 };
// [theme, system scheme, chosen with the theme switch, viewport, screenshot suffix]
const DISPLAYS = [
  ['light', 'light', null, WIDE, '-light'],
  ['light', 'dark', 'light', NARROW, '-light-narrow'],
  ['dark', 'dark', null, WIDE, '-dark'],
  ['dark', 'light', 'dark', NARROW, '-dark-narrow'],
];

let baton;
let browser;
const s = {};

const setState = (kind, id, state) => baton.post(`/${kind}/${id}/set_state`, { state, force: true });
async function taskRun(name, states, body = {}) {
  const tr = await baton.post('/task_runs/', { name, task_key: name.split('-')[0], dynamic_key: '0', flow_run_id: s.run.id, ...body });
  for (const state of states) await setState('task_runs', tr.id, state);
  return tr;
}

before(async () => {
  baton = await startBaton();
  const flow = await baton.post('/flows/', { name: 'etl' });
  const childFlow = await baton.post('/flows/', { name: 'load-flow' });
  // A paused pool: nothing runs the deployment's runs, so the waiting one stays waiting.
  await baton.post('/work_pools/', { name: 'held', type: 'process', is_paused: true });
  const dep = await baton.post('/deployments/', {
    name: 'nightly', flow_id: flow.id, work_pool_name: 'held', tags: ['etl'],
    parameter_openapi_schema: { type: 'object', properties: { mode: { type: 'string', default: 'full' }, rows: { type: 'integer', default: 100 } } },
  });
  s.run = await baton.post(`/deployments/${dep.id}/create_flow_run`, { name: 'themed-run', parameters: { mode: 'full', rows: 100 }, tags: ['nightly'] });
  await setState('flow_runs', s.run.id, { type: 'RUNNING' });
  s.extract = await taskRun('extract-0', [{ type: 'RUNNING' }, { type: 'COMPLETED', data: { storage_key: '/results/extract.pickle', serializer: { type: 'pickle' } } }],
    { cache_key: 'etl-extract-7f3a', cache_expiration: new Date(Date.now() + 86400e3).toISOString() });
  s.transform = await taskRun('transform-0', [{ type: 'RUNNING' }, { type: 'FAILED', message: 'ValueError: bad row 17' }, { type: 'RUNNING', name: 'Retrying' }, { type: 'COMPLETED' }],
    { empirical_policy: { retries: 3, retry_delay: 5 }, task_inputs: { rows: [{ input_type: 'task_run', id: s.extract.id }], mode: [{ input_type: 'parameter', name: 'mode' }] } });
  s.notify = await taskRun('notify-0', [{ type: 'RUNNING' }, { type: 'CANCELLED', message: 'Cancelled by the user' }]);
  s.load = await taskRun('load-0', [{ type: 'RUNNING' }], { task_inputs: { data: [{ input_type: 'task_run', id: s.transform.id }] } });
  const child = await baton.post('/flow_runs/', { flow_id: childFlow.id, name: 'child-run', parent_task_run_id: s.load.id, state: { type: 'RUNNING' } });
  await setState('flow_runs', child.id, { type: 'COMPLETED' });
  await setState('task_runs', s.load.id, { type: 'COMPLETED' });
  const t = Date.now() - 60e3;
  const line = (level, message, i, task) => ({ name: task ? 'prefect.task_runs' : 'prefect.flow_runs', level, message, timestamp: new Date(t + i * 1000).toISOString(), flow_run_id: s.run.id, task_run_id: task?.id ?? null });
  await baton.post('/logs/', [
    line(10, 'Resolved 3 parameters', 0), line(20, 'Beginning flow run themed-run', 1), line(20, 'extracting 120 rows', 2, s.extract),
    line(40, 'transform failed on row 17', 3, s.transform), line(30, 'retrying transform in 5s', 4, s.transform),
    line(50, 'notify could not reach the mail server', 5, s.notify), line(20, 'Finished in state Completed()', 6),
  ]);
  for (const a of [
    { key: 'report', type: 'markdown', data: '# Report\n- **rows**: 120\n- see `extract`' },
    { key: 'sizes', type: 'table', data: [{ file: 'a.csv', rows: 10 }, { file: 'b.csv', rows: 110 }] },
    { key: 'dashboard', type: 'link', data: 'https://example.com/report' },
    { key: 'progress', type: 'progress', data: 75 },
  ]) await baton.post('/artifacts/', { ...a, flow_run_id: s.run.id });
  await setState('flow_runs', s.run.id, { type: 'COMPLETED' });
  s.stopped = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'stopped-run', state: { type: 'RUNNING' } });
  await setState('flow_runs', s.stopped.id, { type: 'CANCELLED', message: 'Cancelled from the dashboard' });
  s.waiting = await baton.post(`/deployments/${dep.id}/create_flow_run`, {
    name: 'waiting-run', state: { type: 'SCHEDULED', state_details: { scheduled_time: new Date(Date.now() - 3600e3).toISOString() } },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

/** [screenshot name, path, what shows once the page has its data] */
const PAGES = () => [
  ['run', `/runs/${s.run.id}`, async (page) => (await page.locator('.log').count()) === 7 && (await page.locator('.tl-row').count()) === 4
    && (await page.locator('.states-tl li').count()) === 3 && (await page.locator('.artifact').count()) === 4],
  ['run-list', `/runs/${s.run.id}?tab=list`, async (page) => (await page.locator('table.task-runs tbody tr').count()) === 4 && (await page.locator('.log').count()) === 7],
  ['run-graph', `/runs/${s.run.id}?tab=graph`, async (page) => (await page.locator("svg.graph .graph-node").count()) >= 4 && (await page.locator('.log').count()) === 7],
  ['run-cancelled', `/runs/${s.stopped.id}`, async (page) => (await page.locator('.states-tl li').count()) === 2 && (await page.locator('.logs .muted').count()) === 1],
  ['run-waiting', `/runs/${s.waiting.id}`, async (page) => (await page.locator('.warn-panel li').count()) > 0],
  ['task-run', `/task-runs/${s.transform.id}`, async (page) => (await page.locator('.states-tl li').count()) === 4 && (await page.locator('.log').count()) === 2
    && (await page.locator('tr[data-input="rows"] [data-state]').count()) === 1],
  ['task-run-cached', `/task-runs/${s.extract.id}`, async (page) => (await page.locator('.cache-key').count()) === 1 && (await page.locator('.log').count()) === 1],
  ['task-run-cancelled', `/task-runs/${s.notify.id}`, async (page) => (await page.locator('.states-tl li').count()) === 2 && (await page.locator('.log').count()) === 1],
];

/** A full-page screenshot from the top, so the sticky navigation sits at the top of the picture. */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullShot(page, name);
}

async function checkPage(page, { theme, viewport, what }) {
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), BG[theme], `the ${theme} background on ${what}`);
  assert.deepEqual(await lowContrast(page, FLOOR[theme]), [], `text under ${FLOOR[theme]}:1 on ${what}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= viewport.width, `${what} is ${width}px wide at ${viewport.width}px`);
}

test('the run and task-run pages in light and dark at 1440 and 390 px: readable, fitting, no console errors', async () => {
  for (const [theme, system, chosen, viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { colorScheme: system, viewport });
    if (chosen) await page.addInitScript((t) => localStorage.setItem('baton.theme', t), chosen);
    for (const [name, path, ready] of PAGES()) {
      const what = `${path} (${theme}${chosen ? ' chosen' : ''}, ${viewport.width}px)`;
      await page.goto(baton.url + path);
      // Its data drawn, and nothing left loading.
      await waitFor(async () => (await ready(page)) && (await page.locator('[aria-busy="true"]').count()) === 0, `the data of ${what}`);
      await checkPage(page, { theme, viewport, what });
      await shot(page, `theme-${name}${suffix}`);
    }
    // The "Run again" dialog with its parameter form.
    await page.goto(`${baton.url}/runs/${s.run.id}`);
    await page.getByRole('button', { name: 'Run again…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input, select, textarea').first().waitFor();
    await checkPage(page, { theme, viewport, what: `the Run again dialog (${theme}, ${viewport.width}px)` });
    await shot(page, `theme-run-again${suffix}`);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await waitFor(async () => (await dialog.count()) === 0, 'the dialog to close');
    assert.deepEqual(page.problems(), [], `console errors (${theme}, ${viewport.width}px)`);
    await page.context().close();
  }
});
