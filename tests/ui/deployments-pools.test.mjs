// Deployments and work pools in a real browser: the list's status in words, activity strip, Late badge,
// search, tag and status filters (a bad one explained), bulk pause, resume and delete; a deployment's
// schedules added, edited, paused and removed, its parameters with defaults and overrides; the custom run
// form (name, start time, tags, queue, job variables, lists and dicts edited item by item); work pools and
// queues created, edited, paused, limited and deleted. Each page at 1440 and 390 px, light and dark, no console errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBaton, launchBrowser, openPage, shot, waitFor, OUT } from './harness.mjs';

let baton;
let browser;
const deps = {};

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };
const DISPLAYS = [['light', WIDE, ''], ['dark', WIDE, '-dark'], ['light', NARROW, '-narrow'], ['dark', NARROW, '-narrow-dark']];

const SCHEMA = {
  title: 'Parameters', type: 'object', required: ['target'],
  properties: {
    names: { title: 'names', position: 0, type: 'array', items: { type: 'string' }, default: ['x'] },
    weights: { title: 'weights', position: 1, type: 'object', additionalProperties: { type: 'integer' }, default: { a: 1 } },
    dry_run: { title: 'dry_run', position: 2, type: 'boolean', default: false },
    limit: { title: 'limit', position: 3, type: 'integer', default: 10 },
    target: { title: 'target', position: 4, type: 'string' },
  },
};

before(async () => {
  baton = await startBaton();
  // A pool no worker polls: its deployments are "Not ready" and their runs wait (one of them Late).
  await baton.post('/work_pools/', { name: 'remote' });
  await baton.post('/work_pools/remote/queues', { name: 'slow', priority: 5 });
  const etl = await baton.post('/flows/', { name: 'etl' });
  const report = await baton.post('/flows/', { name: 'report' });
  const dep = async (name, body) => { deps[name] = await baton.post('/deployments/', { name, work_pool_name: 'remote', ...body }); };
  await dep('nightly', { flow_id: etl.id, tags: ['etl', 'prod'], schedules: [{ schedule: { cron: '0 2 * * *', timezone: 'UTC' }, active: true }] });
  await dep('hourly', { flow_id: etl.id, tags: ['etl'], work_pool_name: 'default' });
  await dep('weekly', { flow_id: report.id, tags: ['report'], parameter_openapi_schema: SCHEMA, parameters: { names: ['ann', 'bob'], limit: 5 } });
  await dep('spare-a', { flow_id: report.id });
  await dep('spare-b', { flow_id: report.id });
  const past = new Date(Date.now() - 2 * 3600e3).toISOString();
  await baton.post(`/deployments/${deps.nightly.id}/create_flow_run`, { state: { type: 'SCHEDULED', state_details: { scheduled_time: past } } });
  for (const end of ['COMPLETED', 'FAILED']) {
    const run = await baton.post(`/deployments/${deps.nightly.id}/create_flow_run`, {});
    await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
    await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: end }, force: true });
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

/** Opens each [name, path, ready] page on every display; screenshots; nothing wider than the screen. */
async function everyDisplay(pages) {
  for (const [colorScheme, viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { colorScheme, viewport });
    for (const [name, path, ready] of pages) {
      await page.goto(baton.url + path);
      await page.locator(ready).first().waitFor();
      await shot(page, name + suffix);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport.width, `${path} is ${width}px wide at ${viewport.width}px`);
    }
    assert.deepEqual(page.problems(), [], `console errors in ${colorScheme} ${viewport.width}px`);
    await page.context().close();
  }
}

const rowOf = (page, name) => page.locator(`tr[data-deployment="${name}"]`);

test('the deployments list shows status in words, an activity strip and the Late badge; search and filters', async () => {
  await everyDisplay([['deployments-list', '/deployments', 'tr[data-deployment="nightly"] .badge.late']]);
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/deployments`);
  const nightly = rowOf(page, 'nightly');
  await nightly.locator('.badge.late:text-is("Late")').waitFor();
  assert.equal(await rowOf(page, 'hourly').locator('.badge.late').count(), 0, 'no Late badge without a past run');
  assert.equal(await nightly.locator('.badge.status').textContent(), 'Not ready');
  await rowOf(page, 'hourly').locator('.badge.status:text-is("Ready")').waitFor();
  // The activity strip: the three runs whose time has come, oldest first, with the Late one marked.
  await waitFor(async () => (await nightly.locator('.activity a.cell').count()) === 3, 'three activity cells');
  assert.deepEqual(await nightly.locator('.activity a.cell').evaluateAll((cs) => cs.map((c) => c.dataset.state)), ['SCHEDULED', 'COMPLETED', 'FAILED']);
  assert.equal(await nightly.locator('.activity a.cell.st-late').count(), 1);
  assert.equal(await nightly.locator('.activity .cell.empty').count(), 7, 'empty cells fill the strip to ten');
  assert.equal(await rowOf(page, 'weekly').locator('.activity a.cell').count(), 0);

  await page.getByLabel('Search deployments by name').fill('week');
  await waitFor(async () => (await page.locator('tr[data-deployment]').count()) === 1, 'the search to leave one deployment');
  await rowOf(page, 'weekly').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('q'), 'week');
  await page.getByLabel('Search deployments by name').fill('');
  await waitFor(async () => (await page.locator('tr[data-deployment]').count()) === 5, 'every deployment back');
  await page.locator('.dep-filters label.chip:has-text("prod") input').check();
  await waitFor(async () => (await page.locator('tr[data-deployment]').count()) === 1, 'the tag filter to leave one deployment');
  assert.deepEqual(new URL(page.url()).searchParams.getAll('tag'), ['prod']);
  await page.goto(`${baton.url}/deployments?status=late`);
  await nightly.waitFor();
  assert.equal(await page.locator('tr[data-deployment]').count(), 1);
  await page.goto(`${baton.url}/deployments?status=ready`);
  await rowOf(page, 'hourly').waitFor();
  assert.equal(await page.locator('tr[data-deployment]').count(), 1);
  // Filters in the address that make no sense are explained, and the rest still shows.
  await page.goto(`${baton.url}/deployments?status=bogus&page=x`);
  await page.locator('.filter-note:has-text(\'Unknown status "bogus"\')').waitFor();
  await page.locator('.filter-note:has-text(\'"x" is not a page number\')').waitFor();
  assert.equal(await page.locator('tr[data-deployment]').count(), 5);
  await page.goto(`${baton.url}/deployments?tag=nope`);
  await page.locator('.filter-note:has-text(\'No deployment has the tag "nope"\')').waitFor();
  await page.locator('.empty button:has-text("Clear the filters")').click();
  await waitFor(async () => (await page.locator('tr[data-deployment]').count()) === 5, 'the cleared filters to show every deployment');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('several deployments are paused, resumed and deleted together', async () => {
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/deployments`);
  const paused = async (name) => (await baton.get(`/deployments/${deps[name].id}`)).paused;
  await page.getByLabel('Select spare-a').check();
  await page.getByLabel('Select spare-b').check();
  const bar = page.getByRole('region', { name: 'Selected deployments' });
  await bar.locator('strong:text-is("2 selected")').waitFor();
  await shot(page, 'deployments-bulk');
  await bar.getByRole('button', { name: 'Pause selected' }).click();
  await waitFor(async () => (await paused('spare-a')) && (await paused('spare-b')), 'both to be paused');
  assert.equal(await paused('nightly'), false, 'an unselected deployment stays active');
  await waitFor(async () => !(await page.getByRole('switch', { name: 'spare-a active (unpaused)' }).isChecked()), 'the toggle to show paused');
  await page.getByLabel('Select spare-a').check();
  await page.getByLabel('Select spare-b').check();
  await bar.getByRole('button', { name: 'Resume selected' }).click();
  await waitFor(async () => !(await paused('spare-a')) && !(await paused('spare-b')), 'both to be resumed');

  // Select all picks every row of the page; clearing leaves none.
  await page.getByLabel('Select all deployments on this page').check();
  await bar.locator('strong:text-is("5 selected")').waitFor();
  await bar.getByRole('button', { name: 'Clear selection' }).click();
  assert.equal(await bar.count(), 0);

  await page.getByLabel('Select spare-a').check();
  await page.getByLabel('Select spare-b').check();
  await bar.getByRole('button', { name: 'Delete selected' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /Delete 2 deployments \(spare-a, spare-b\)\?/);
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await waitFor(async () => (await rowOf(page, 'spare-a').count()) === 0 && (await rowOf(page, 'spare-b').count()) === 0, 'the deleted rows to go');
  for (const name of ['spare-a', 'spare-b']) await assert.rejects(baton.get(`/deployments/${deps[name].id}`), /404/);
  await rowOf(page, 'nightly').waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

const schedulesOf = (name) => baton.get(`/deployments/${deps[name].id}/schedules`);

test('a schedule is added, edited, paused and removed on the deployment page', async () => {
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/deployments/${deps.hourly.id}`);
  await page.locator('text=No schedules').waitFor();
  await page.getByRole('button', { name: 'Add schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add schedule' });
  await dialog.getByRole('button', { name: 'Cron' }).click();
  await dialog.getByLabel('Cron expression').fill('30 4 * * 1-5');
  await dialog.getByLabel('Time zone').fill('Europe/Berlin');
  await waitFor(async () => (await dialog.locator('.sched-preview li').count()) === 5, 'a preview of five times');
  await shot(page, 'schedule-form');
  await dialog.getByRole('button', { name: 'Add schedule' }).click();
  await waitFor(async () => (await schedulesOf('hourly')).length === 1, 'the schedule to be saved');
  let [s] = await schedulesOf('hourly');
  assert.equal(s.schedule.cron, '30 4 * * 1-5');
  assert.equal(s.schedule.timezone, 'Europe/Berlin');
  assert.equal(s.active, true);
  const item = page.locator(`.schedules li[data-schedule="${s.id}"]`);
  await item.locator('.sched-next time').first().waitFor();

  // A bad expression: the preview and the save both say why, and nothing changes.
  await item.getByRole('button', { name: /^Edit schedule/ }).click();
  const edit = page.getByRole('dialog', { name: 'Edit schedule' });
  assert.equal(await edit.getByLabel('Cron expression').inputValue(), '30 4 * * 1-5');
  await edit.getByLabel('Cron expression').fill('bad');
  await edit.locator('.preview .error:has-text("invalid cron expression")').waitFor();
  await edit.getByRole('button', { name: 'Save schedule' }).click();
  await edit.locator('.error[role="alert"]:has-text("invalid cron expression")').waitFor();
  assert.equal((await schedulesOf('hourly'))[0].schedule.cron, '30 4 * * 1-5');
  // Edited into an interval of two hours.
  await edit.getByRole('button', { name: 'Interval' }).click();
  await edit.getByLabel('Every').fill('2');
  await edit.getByLabel('Unit').selectOption('hours');
  await edit.getByRole('button', { name: 'Save schedule' }).click();
  await waitFor(async () => (await schedulesOf('hourly'))[0].schedule.interval === 7200, 'the interval to be saved');
  assert.equal((await schedulesOf('hourly')).length, 1, 'edited, not added');
  await item.locator('.sched-words:text-is("every 2 hours")').waitFor();

  // Paused and resumed with its switch.
  await item.getByRole('switch').uncheck();
  await waitFor(async () => (await schedulesOf('hourly'))[0].active === false, 'the schedule to be paused');
  await item.locator('.sched-next:text-is("Paused")').waitFor();
  await item.getByRole('switch').check();
  await waitFor(async () => (await schedulesOf('hourly'))[0].active === true, 'the schedule to be resumed');
  [s] = await schedulesOf('hourly');

  // Removed after asking.
  await item.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await waitFor(async () => (await schedulesOf('hourly')).length === 0, 'the schedule to be removed');
  await page.locator('text=No schedules').waitFor();
  // The browser logs the refused save (422) it made on purpose, and the refused previews; nothing else.
  assert.deepEqual(page.problems().filter((p) => !/status of 422/.test(p)), []);
  await page.context().close();
});

test("the deployment page shows parameters with defaults and overrides, status and Late runs", async () => {
  await everyDisplay([
    ['deployment-params', `/deployments/${deps.weekly.id}`, 'tr[data-param="names"]'],
    ['deployment-late', `/deployments/${deps.nightly.id}`, '.late-note .badge.late'],
  ]);
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/deployments/${deps.weekly.id}`);
  const cell = (name, which) => page.locator(`tr[data-param="${name}"] .param-${which}`).textContent();
  await page.locator('tr[data-param="names"]').waitFor();
  assert.equal(await cell('names', 'default'), '["x"]');
  assert.equal(await cell('names', 'override'), '["ann","bob"]');
  assert.equal(await cell('limit', 'default'), '10');
  assert.equal(await cell('limit', 'override'), '5');
  assert.equal(await cell('weights', 'override'), '—');
  assert.equal(await cell('target', 'default'), 'none (required)');
  assert.deepEqual(await page.locator('tr[data-param]').evaluateAll((rs) => rs.map((r) => r.dataset.param)), ['names', 'weights', 'dry_run', 'limit', 'target']);
  await page.locator('.page-head .badge.status:text-is("Not ready")').waitFor();
  await page.goto(`${baton.url}/deployments/${deps.nightly.id}`);
  await page.locator('.late-note:has-text("1 run(s) should have started already")').waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a custom run: name, a later start, tags, queue, job variables, and list and dict parameters edited by item', async () => {
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/deployments/${deps.weekly.id}`);
  await page.getByRole('button', { name: 'Custom run weekly' }).click();
  const dialog = page.getByRole('dialog');
  // The list starts from the deployment's override, item by item.
  assert.equal(await dialog.getByLabel('names item 1').inputValue(), 'ann');
  assert.equal(await dialog.getByLabel('names item 2').inputValue(), 'bob');
  await dialog.getByRole('button', { name: 'Add an item to names' }).click();
  await dialog.getByLabel('names item 3').fill('cy');
  await dialog.getByRole('button', { name: 'Remove item 1 of names' }).click();
  assert.equal(await dialog.getByLabel('names item 1').inputValue(), 'bob');
  assert.equal(await dialog.getByLabel('weights key 1').inputValue(), 'a');
  await dialog.getByRole('button', { name: 'Add an entry to weights' }).click();
  await dialog.getByLabel('weights key 2').fill('b');
  await dialog.getByLabel('weights value 2').fill('2');
  // A boolean sits on the line of its label, before it.
  const box = await dialog.locator('#param-dry_run').boundingBox();
  const text = await dialog.locator('label[for="param-dry_run"] span').boundingBox();
  assert.ok(Math.abs((box.y + box.height / 2) - (text.y + text.height / 2)) <= 4, 'checkbox and label on one line');
  assert.ok(box.x + box.width <= text.x, 'checkbox before its label');
  await dialog.getByLabel('dry_run').check();
  await dialog.locator('#param-target').fill('s3://bucket/out');
  await dialog.getByLabel('Run name').fill('manual-backfill');
  await dialog.getByLabel('Tags').fill('manual, backfill');
  const at = new Date(Date.now() + 26 * 3600e3);
  at.setSeconds(0, 0);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await dialog.getByLabel('Start at').fill(local);
  await dialog.getByLabel('Work queue').selectOption('slow');
  await dialog.locator('summary:has-text("Job variables")').click();
  await dialog.locator('#jobvar-command').fill('echo overridden');
  await dialog.locator('summary:has-text("1 changed")').waitFor();
  await shot(page, 'custom-run-form');
  await dialog.getByRole('button', { name: 'Schedule run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]+$/);
  const id = new URL(page.url()).pathname.split('/').pop();
  const run = await baton.get(`/flow_runs/${id}`);
  assert.equal(run.name, 'manual-backfill');
  assert.deepEqual(run.parameters, { names: ['bob', 'cy'], weights: { a: 1, b: 2 }, dry_run: true, limit: 5, target: 's3://bucket/out' });
  assert.ok(run.tags.includes('manual') && run.tags.includes('backfill'), run.tags.join(','));
  assert.equal(run.state_type, 'SCHEDULED');
  assert.equal(new Date(run.expected_start_time).getTime(), at.getTime());
  assert.equal(run.work_queue_name, 'slow');
  assert.equal(run.job_variables.command, 'echo overridden');
  assert.deepEqual(page.problems(), []);
  await page.context().close();

  // At 390 px the form fits the screen.
  for (const colorScheme of ['light', 'dark']) {
    const narrow = await openPage(browser, { viewport: NARROW, colorScheme });
    await narrow.goto(`${baton.url}/deployments/${deps.weekly.id}`);
    await narrow.getByRole('button', { name: 'Custom run weekly' }).click();
    await narrow.getByRole('dialog').getByLabel('names item 1').waitFor();
    const w = await narrow.getByRole('dialog').evaluate((d) => d.getBoundingClientRect().right);
    assert.ok(w <= 390, `the dialog ends at ${w}px`);
    await narrow.getByRole('dialog').screenshot({ path: join(OUT, `custom-run-form-narrow${colorScheme === 'dark' ? '-dark' : ''}.png`) });
    assert.deepEqual(narrow.problems(), []);
    await narrow.context().close();
  }
});

const pool = (name) => baton.get(`/work_pools/${encodeURIComponent(name)}`);
const queue = (p, q) => baton.get(`/work_pools/${p}/queues/${q}`);

test('work pools: a pool is created, paused, resumed, limited and deleted; its queues created, edited, paused and deleted', async () => {
  await everyDisplay([['pools-list', '/work-pools', 'tr[data-pool="remote"]'], ['pool-detail', '/work-pools/remote', 'tr[data-queue="slow"]']]);
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/work-pools`);
  await page.getByRole('button', { name: 'New work pool' }).click();
  const dialog = page.getByRole('dialog', { name: 'New work pool' });
  await dialog.getByLabel('Name').fill('gpu');
  await dialog.getByLabel(/^Concurrency limit/).fill('many');
  await dialog.getByRole('button', { name: 'Create pool' }).click();
  await dialog.locator('.field.has-error .field-error:has-text("A whole number")').waitFor();
  await dialog.getByLabel(/^Concurrency limit/).fill('4');
  await dialog.getByRole('button', { name: 'Create pool' }).click();
  await page.locator('tr[data-pool="gpu"]').waitFor();
  assert.equal((await pool('gpu')).concurrency_limit, 4);
  assert.equal((await pool('gpu')).is_paused, false);
  // Refused by the server (a name that is taken): the reason shows at the form.
  await page.getByRole('button', { name: 'New work pool' }).click();
  await dialog.getByLabel('Name').fill('gpu');
  await dialog.getByRole('button', { name: 'Create pool' }).click();
  await dialog.locator('.error').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('switch', { name: 'gpu active (unpaused)' }).uncheck();
  await waitFor(async () => (await pool('gpu')).is_paused === true, 'the pool to be paused');
  await page.locator('tr[data-pool="gpu"] .badge:text-is("PAUSED")').waitFor();
  await page.getByRole('switch', { name: 'gpu active (unpaused)' }).check();
  await waitFor(async () => (await pool('gpu')).is_paused === false, 'the pool to be resumed');

  await page.locator('tr[data-pool="gpu"] a:text-is("gpu")').click();
  await page.getByRole('button', { name: 'New queue' }).waitFor();
  await page.getByLabel('Concurrency limit', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Save limit' }).click();
  await waitFor(async () => (await pool('gpu')).concurrency_limit === 2, 'the limit to be 2');
  await page.getByLabel('Concurrency limit', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save limit' }).click();
  await waitFor(async () => (await pool('gpu')).concurrency_limit === null, 'the limit to be cleared');

  await page.getByRole('button', { name: 'New queue' }).click();
  const qd = page.getByRole('dialog', { name: 'New queue in gpu' });
  await qd.getByLabel('Name').fill('fast');
  await qd.getByLabel(/^Priority/).fill('1');
  await qd.getByLabel(/^Concurrency limit/).fill('3');
  await qd.getByRole('button', { name: 'Create queue' }).click();
  const row = page.locator('tr[data-queue="fast"]');
  await row.waitFor();
  assert.equal((await queue('gpu', 'fast')).concurrency_limit, 3);
  assert.equal((await queue('gpu', 'fast')).priority, 1);
  // Edited: a new priority and limit.
  await row.getByRole('button', { name: 'Edit the queue fast' }).click();
  const ed = page.getByRole('dialog', { name: 'Edit the queue fast' });
  assert.equal(await ed.getByLabel(/^Concurrency limit/).inputValue(), '3');
  await ed.getByLabel(/^Priority/).fill('0');
  await ed.getByRole('button', { name: 'Save queue' }).click();
  await ed.locator('.field-error:has-text("from 1")').waitFor();
  await ed.getByLabel(/^Priority/).fill('2');
  await ed.getByLabel(/^Concurrency limit/).fill('5');
  await ed.getByRole('button', { name: 'Save queue' }).click();
  await waitFor(async () => (await queue('gpu', 'fast')).concurrency_limit === 5, 'the edited limit');
  assert.equal((await queue('gpu', 'fast')).priority, 2);
  await row.locator('td:has-text("5")').first().waitFor();
  await row.getByRole('switch', { name: 'Queue fast active (unpaused)' }).uncheck();
  await waitFor(async () => (await queue('gpu', 'fast')).is_paused === true, 'the queue to be paused');
  await row.getByRole('switch').check();
  await waitFor(async () => (await queue('gpu', 'fast')).is_paused === false, 'the queue to be resumed');
  assert.equal(await page.locator('tr[data-queue="default"] button:has-text("Delete")').count(), 0, 'the default queue cannot be deleted');
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await waitFor(async () => (await row.count()) === 0, 'the deleted queue to go');
  await assert.rejects(queue('gpu', 'fast'), /404/);

  await page.getByRole('button', { name: 'Delete pool' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete pool' }).click();
  await page.waitForURL(/\/work-pools$/);
  await assert.rejects(pool('gpu'), /404/);
  // The browser logs the refused create (409) it made on purpose; nothing else.
  assert.deepEqual(page.problems().filter((p) => !/status of 409/.test(p)), []);
  await page.context().close();
});
