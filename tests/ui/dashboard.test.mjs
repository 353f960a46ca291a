// The dashboard in a real browser against a real `baton serve` (debug build; files read from ui/ on disk):
// every page with real data and no console errors, Quick and Custom runs, server validation shown at the
// field, why a flow was not started, cancel from the run page, a live log line within 2 s, and the paused
// toggle.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBaton, launchBrowser, openPage, shot, waitFor } from './harness.mjs';

const DEMO = `import time
from typing import Literal


def greet(name: str = "world", times: int = 3, color: Literal["red", "blue"] = "red", extra: dict = {}):
    """Say hello a few times."""
    for i in range(times):
        print(f"hello {name} #{i} in {color}", flush=True)
        time.sleep(0.05)
`;
// A Prefect flow deployed with a python that has no prefect (/bin/false answers no to every question).
const PREFECT_FLOW = `from prefect import flow


@flow
def etl():
    pass
`;
const TAIL = `sh -c 'echo started; while [ ! -f "$BATON_PARAM_TRIGGER" ]; do sleep 0.05; done; echo "late line $BATON_PARAM_TOKEN"; sleep 30'`;

let baton;
let browser;
const deps = {};

before(async () => {
  baton = await startBaton();
  mkdirSync(join(baton.home, 'flows'));
  writeFileSync(join(baton.home, 'flows/demo.py'), DEMO);
  writeFileSync(join(baton.home, 'flows/pf.py'), PREFECT_FLOW);
  baton.cli(['deploy', 'flows/demo.py:greet', '-n', 'hello', '--cron', '0 2 * * *', '--timezone', 'Europe/Berlin', '--tag', 'demo']);
  baton.cli(['deploy', '--command', "sh -c 'echo doomed; exit 3'", '--flow', 'failing', '-n', 'boom']);
  baton.cli(['deploy', '--command', 'sleep 60', '--flow', 'sleeper', '-n', 'nap']);
  baton.cli(['deploy', '--command', TAIL, '--flow', 'tail', '-n', 'live']);
  baton.cli(['deployment', 'run', 'greet/hello', '--param', 'name=Ann', '--watch']);
  baton.cli(['deployment', 'run', 'failing/boom', '--watch'], { allowFail: true });
  baton.cli(['deploy', 'flows/pf.py:etl', '-n', 'nopf', '-j', 'python=/bin/false']);
  baton.cli(['deployment', 'run', 'etl/nopf', '--watch'], { allowFail: true });
  for (const d of await baton.post('/deployments/filter', {})) deps[d.name] = d;
  // Task runs and artifacts on the completed run, as the Prefect SDK would report them.
  const [done] = await baton.post('/flow_runs/filter', { flow_runs: { state: { type: { any_: ['COMPLETED'] } } } });
  for (const [i, name] of ['extract', 'transform', 'load'].entries()) {
    const tr = await baton.post('/task_runs/', { name: `${name}-0`, task_key: name, dynamic_key: '0', flow_run_id: done.id });
    await baton.post(`/task_runs/${tr.id}/set_state`, { state: { type: 'RUNNING' } });
    await baton.post(`/task_runs/${tr.id}/set_state`, { state: { type: i === 2 ? 'FAILED' : 'COMPLETED' } });
  }
  await baton.post('/artifacts/', { key: 'report', type: 'markdown', data: '# Report\n- **rows**: 42', flow_run_id: done.id });
  await baton.post('/artifacts/', { key: 'sizes', type: 'table', data: [{ file: 'a.csv', rows: 10 }, { file: 'b.csv', rows: 32 }], flow_run_id: done.id });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

async function runsOf(name) {
  return baton.post('/flow_runs/filter', { flow_runs: { deployment_id: { any_: [deps[name].id] } }, sort: 'EXPECTED_START_TIME_DESC' });
}

const headerState = (page) => page.locator('.page-head .sub [data-state]').first().getAttribute('data-state');

test('every page renders real data with no console errors, light, dark and narrow', async () => {
  const [done] = await baton.post('/flow_runs/filter', { flow_runs: { state: { type: { any_: ['COMPLETED'] } } } });
  const [boom] = await runsOf('boom');
  const pages = [
    ['overview', '/', '.card.stat .n'],
    ['runs', '/runs', `tr[data-run="${done.id}"]`],
    ['run', `/runs/${done.id}`, '.log:has-text("hello Ann #2 in red")'],
    ['run', `/runs/${done.id}`, '.tl-row[data-task="load-0"] .tl-bar.st-failed'],
    ['run', `/runs/${done.id}`, '.artifact[data-type="table"] td:has-text("b.csv")'],
    ['run-command', `/runs/${boom.id}`, '.log:has-text("exited with code 3")'],
    ['deployments', '/deployments', 'tr[data-deployment="hello"] >> text=every day at 02:00 Europe/Berlin'],
    ['deployment', `/deployments/${deps.hello.id}`, '.schedules li'],
    ['work-pools', '/work-pools', 'tr[data-pool="default"]'],
    ['work-pool', '/work-pools/default', 'tr[data-queue="default"]'],
    ['flows', '/flows', 'tr[data-flow="greet"]'],
  ];
  for (const [colorScheme, viewport, suffix] of [
    ['light', { width: 1280, height: 900 }, ''],
    ['dark', { width: 1280, height: 900 }, '-dark'],
    ['light', { width: 390, height: 844 }, '-narrow'],
  ]) {
    const page = await openPage(browser, { colorScheme, viewport });
    for (const [name, path, ready] of pages) {
      await page.goto(baton.url + path);
      await page.locator(ready).first().waitFor();
      await shot(page, name + suffix);
    }
    // A command run's log tells of its process in the worker's words (logger baton.process, set apart from
    // the output): what it started, and how it ended.
    await page.goto(`${baton.url}/runs/${boom.id}`);
    const lines = page.locator('.log');
    await waitFor(async () => (await lines.count()) === 3, "the command run's three lines");
    const shown = await lines.evaluateAll((els) => els.map((e) => [e.querySelector('.src').textContent, e.querySelector('.msg').textContent, e.classList.contains('from-worker')]));
    const line = (re) => shown.find(([, msg]) => re.test(msg)) || [];
    const [src, msg, worker] = line(/^Worker /);
    assert.match(msg, /^Worker '[^']+' started process \d+: sh -c 'echo doomed; exit 3'$/);
    assert.deepEqual([src, worker], ['baton.process', true]);
    assert.deepEqual(line(/^Process /), ['baton.process', `Process ${/process (\d+):/.exec(msg)[1]} exited with code 3.`, true]);
    assert.deepEqual(line(/^doomed$/), ['baton.stdout', 'doomed', false]);
    assert.deepEqual(page.problems(), [], `console errors in ${colorScheme} ${viewport.width}px`);
    await page.context().close();
  }
});

test('times show in the browser zone with UTC on hover, and links navigate without reloading', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs`);
  const time = page.locator('tr[data-run] time').first();
  assert.match(await time.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await page.evaluate(() => { window.stayed = true; });
  await page.getByRole('link', { name: 'Deployments' }).click();
  await page.locator('tr[data-deployment="hello"]').waitFor();
  assert.equal(await page.evaluate(() => window.stayed), true, 'a client-side navigation');
  await page.goBack();
  await page.locator('tr[data-run]').first().waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('new runs and state changes appear in the open runs list without a reload', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs`);
  await page.locator('tr[data-run]').first().waitFor();
  await page.evaluate(() => { window.stayed = true; });
  const flow = await baton.post('/flows/', { name: 'pushed' });
  const run = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'pushed-run', state: { type: 'RUNNING' } });
  const row = page.locator(`tr[data-run="${run.id}"]`);
  await row.locator('[data-state="RUNNING"]').waitFor({ timeout: 5000 });
  await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: 'COMPLETED' } });
  await row.locator('[data-state="COMPLETED"]').waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => window.stayed), true, 'no reload');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('Quick run starts a run with the default parameters', async () => {
  const before = (await runsOf('hello')).length;
  const page = await openPage(browser);
  await page.goto(`${baton.url}/deployments`);
  await page.getByRole('button', { name: 'Quick run hello' }).click();
  await page.locator('.toast a').waitFor();
  const runs = await waitFor(async () => ((await runsOf('hello')).length > before ? runsOf('hello') : null), 'a new run');
  const manual = runs.filter((r) => !r.auto_scheduled);
  assert.equal(manual.length, 2, 'the CLI run and the quick run');
  assert.deepEqual(manual[0].parameters, deps.hello.parameters);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('Custom run starts a run with the parameters of the form', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/deployments`);
  await page.getByRole('button', { name: 'Custom run hello' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('#param-name').fill('Zed');
  await dialog.locator('#param-times').fill('2');
  await dialog.locator('#param-color').selectOption('blue');
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop();
  const run = await baton.get(`/flow_runs/${id}`);
  assert.equal(run.parameters.name, 'Zed');
  assert.equal(run.parameters.times, 2);
  assert.equal(run.parameters.color, 'blue');
  await page.locator('.log:has-text("hello Zed #1 in blue")').waitFor();
  await waitFor(async () => (await headerState(page)) === 'COMPLETED', 'the run page to show Completed');
  await shot(page, 'custom-run');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test("an invalid parameter shows the server's message at its field and starts nothing", async () => {
  const before = (await runsOf('hello')).length;
  const page = await openPage(browser);
  await page.goto(`${baton.url}/deployments/${deps.hello.id}`);
  await page.getByRole('button', { name: 'Custom run hello' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('#param-times').fill('many');
  await dialog.getByRole('button', { name: 'Start run' }).click();
  const error = dialog.locator('#param-times-error');
  await error.waitFor();
  assert.match(await error.textContent(), /"many" is not of type "integer"/);
  assert.equal(await dialog.locator('#param-times').getAttribute('aria-invalid'), 'true');
  await shot(page, 'invalid-parameter');
  assert.equal((await runsOf('hello')).length, before);
  // The server's 409 (Prefect's answer to invalid parameters) is a failed request the browser logs; nothing
  // else may be.
  assert.deepEqual(page.problems().filter((p) => !p.includes('409')), []);
  await page.context().close();
});

test('a Prefect flow whose python has no prefect shows why it was not started', async () => {
  const [run] = await runsOf('nopf');
  assert.equal(run.state_type, 'FAILED');
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs/${run.id}`);
  const msg = page.locator('.page-head .sub .state-msg.failed');
  await msg.waitFor();
  assert.match(await msg.textContent(),
    /\/bin\/false \(the python job variable\) cannot import prefect.*--job-variable python=.*\.venv.*baton serve --python/);
  await shot(page, 'run-without-prefect');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('cancel from the run page stops the run', async () => {
  const run = await baton.post(`/deployments/${deps.nap.id}/create_flow_run`, {});
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs/${run.id}`);
  await waitFor(async () => (await headerState(page)) === 'RUNNING', 'the run page to show Running');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel run' }).click();
  await waitFor(async () => (await headerState(page)) === 'CANCELLED', 'the run page to show Cancelled');
  assert.equal((await baton.get(`/flow_runs/${run.id}`)).state_type, 'CANCELLED');
  await shot(page, 'cancelled-run');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a line printed by a running flow appears in the open run page within 2 s', async () => {
  const token = `t${Date.now()}`;
  const trigger = join(baton.home, `${token}.go`);
  const run = await baton.post(`/deployments/${deps.live.id}/create_flow_run`, { parameters: { trigger, token } });
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs/${run.id}`);
  await page.locator('.log .msg:text-is("started")').waitFor();
  const t0 = Date.now();
  writeFileSync(trigger, '');
  await page.locator(`.log:has-text("late line ${token}")`).waitFor({ timeout: 2000 });
  const ms = Date.now() - t0;
  console.log(`live log line shown ${ms} ms after it was printed`);
  assert.ok(ms < 2000);
  await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: 'CANCELLING' } });
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('the catch-up setting is changed from the deployment page', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/deployments/${deps.hello.id}`);
  const select = page.getByRole('combobox', { name: 'Catch-up after downtime' });
  assert.equal(await select.inputValue(), 'all');
  await select.selectOption('latest');
  await waitFor(async () => (await baton.get(`/baton/deployments/${deps.hello.id}/catchup`)).catchup === 'latest', 'catch-up to be latest');
  await select.selectOption('all');
  await waitFor(async () => (await baton.get(`/baton/deployments/${deps.hello.id}/catchup`)).catchup === 'all', 'catch-up back to all');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('the paused toggle pauses and resumes the deployment', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/deployments`);
  const toggle = page.getByRole('switch', { name: 'hello active (unpaused)' });
  assert.equal(await toggle.isChecked(), true);
  await toggle.click();
  await waitFor(async () => (await baton.get(`/deployments/${deps.hello.id}`)).paused === true, 'the deployment to be paused');
  await waitFor(async () => !(await toggle.isChecked()), 'the toggle to show paused');
  await toggle.click();
  await waitFor(async () => (await baton.get(`/deployments/${deps.hello.id}`)).paused === false, 'the deployment to be resumed');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
