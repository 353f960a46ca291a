// The runs list in a real browser against a real `baton serve`: it opens on the runs that started or were
// due, newest first, with the upcoming ones in their own tab; it says how many runs match (thousands
// separated, as in the tab counts); it searches by run name, sorts and pages as chosen, all kept in the
// URL; it marks subflow runs and can hide them; and it retries the selected finished runs of a deployment
// (Scheduled "AwaitingRetry", as Prefect's Retry does) while leaving the others. At 1440 and 390 px, with
// no console errors, nothing wider than the screen, and a screenshot of each state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, shot as fullShot, waitFor } from './harness.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };
const DISPLAYS = [[WIDE, ''], [NARROW, '-narrow']];
const BULK = 1012; // enough past runs that the counts need a thousands separator

let baton;
let browser;
const s = { later: [], finished: [] };

const fmt = (n) => n.toLocaleString('en-US');

async function inParallel(n, width, make) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) { const i = next++; out[i] = await make(i); }
  }));
  return out;
}

before(async () => {
  baton = await startBaton();
  const bulk = await baton.post('/flows/', { name: 'bulk-load' });
  const reports = await baton.post('/flows/', { name: 'reports' });
  s.flow = await baton.post('/flows/', { name: 'nightly' });
  // A paused pool: no worker takes a retried run from it, so the retry stays visible.
  await baton.post('/work_pools/', { name: 'held', type: 'process', is_paused: true });
  s.dep = await baton.post('/deployments/', { name: 'nightly-dep', flow_id: s.flow.id, work_pool_name: 'held' });
  await inParallel(BULK, 16, (i) => baton.post('/flow_runs/', { flow_id: bulk.id, name: `bulk-${String(i).padStart(4, '0')}`, state: { type: 'COMPLETED' } }));
  for (const name of ['report-alpha', 'report-beta', 'other-gamma']) {
    await baton.post('/flow_runs/', { flow_id: reports.id, name, state: { type: 'FAILED' } });
  }
  for (const h of [3, 1, 2]) {
    s.later.push(await baton.post('/flow_runs/', {
      flow_id: s.flow.id, name: `later-${h}h`,
      state: { type: 'SCHEDULED', state_details: { scheduled_time: new Date(Date.now() + h * 3600e3).toISOString() } },
    }));
  }
  // Finished runs of the deployment (two per display), one still running, one finished run without a deployment.
  for (const [i, type] of ['COMPLETED', 'FAILED', 'COMPLETED', 'CRASHED'].entries()) {
    const run = await baton.post(`/deployments/${s.dep.id}/create_flow_run`, { name: `nightly-${i}` });
    await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
    await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type }, force: true });
    s.finished.push(run);
  }
  s.busy = await baton.post(`/deployments/${s.dep.id}/create_flow_run`, { name: 'nightly-busy' });
  await baton.post(`/flow_runs/${s.busy.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
  s.loose = await baton.post('/flow_runs/', { flow_id: s.flow.id, name: 'adhoc-done', state: { type: 'COMPLETED' } });
  // A subflow run: started by a task run of another flow run.
  const parent = await baton.post('/flow_runs/', { flow_id: reports.id, name: 'adhoc-parent', state: { type: 'COMPLETED' } });
  const task = await baton.post('/task_runs/', { name: 'child-task', task_key: 'child', dynamic_key: '0', flow_run_id: parent.id });
  s.sub = await baton.post('/flow_runs/', { flow_id: reports.id, name: 'sub-child', parent_task_run_id: task.id, state: { type: 'COMPLETED' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

const pastFilter = () => ({ flow_runs: { expected_start_time: { before_: new Date().toISOString() } } });
const textOf = (loc) => loc.evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
const rowNames = (page) => page.locator('tr[data-run] td:nth-child(3) > a').allTextContents();

/** A full-page screenshot from the top, so the sticky navigation sits at the top of the picture. */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullShot(page, name);
}

async function fits(page, viewport, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= viewport.width, `${what} is ${width}px wide at ${viewport.width}px`);
}

test('the list opens on past runs, newest first, with counts; upcoming runs have their own tab', async () => {
  const past = await baton.post('/flow_runs/count', pastFilter());
  assert.ok(past > 1000 && past < 1100, `${past} past runs`);
  const newest = await baton.post('/flow_runs/filter', { ...pastFilter(), sort: 'EXPECTED_START_TIME_DESC', limit: 50 });
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs`);
    const total = page.locator('.runs-total');
    await waitFor(async () => (await total.textContent()) === `${fmt(past)} runs`, 'the total with a thousands separator');
    const pastTab = page.getByRole('tab', { name: /^Past/ });
    assert.equal(await pastTab.getAttribute('aria-selected'), 'true');
    assert.equal(await pastTab.locator('.count').textContent(), fmt(past));
    assert.equal(await page.getByRole('tab', { name: /^Upcoming/ }).locator('.count').textContent(), '3');
    // Newest expected start first, 50 to a page, and no run that is still to come.
    const ids = await page.locator('tr[data-run]').evaluateAll((rows) => rows.map((r) => r.dataset.run));
    assert.deepEqual(ids, newest.map((r) => r.id));
    assert.equal((await rowNames(page)).filter((n) => n.startsWith('later-')).length, 0);
    assert.equal(await page.locator('.pager .page-of').textContent(), `Page 1 of ${Math.ceil(past / 50)}`);
    if (viewport === WIDE) {
      const align = await page.locator('table.runs th.num, table.runs td.num').evaluateAll((els) => [...new Set(els.map((e) => getComputedStyle(e).textAlign))]);
      assert.deepEqual(align, ['right'], 'durations and their header are right-aligned');
    }
    await fits(page, viewport, 'the runs list');
    await shot(page, `runs-past${suffix}`);
    await page.getByRole('tab', { name: /^Upcoming/ }).click();
    await page.waitForURL(/\?tab=upcoming$/);
    await waitFor(async () => (await rowNames(page)).join() === 'later-1h,later-2h,later-3h', 'the upcoming runs, soonest first');
    assert.equal(await total.textContent(), '3 runs');
    assert.match(await page.locator(`tr[data-run="${s.later[2].id}"] time`).textContent(), /\(in 2 hours\)$/, 'how soon');
    assert.equal(await page.locator('.pager').count(), 0, 'one page needs no pager');
    await page.getByLabel('Sort').selectOption({ label: 'Latest first' });
    await waitFor(async () => (await rowNames(page)).join() === 'later-3h,later-2h,later-1h', 'latest first');
    await fits(page, viewport, 'the upcoming runs');
    await shot(page, `runs-upcoming${suffix}`);
    // A search that only matches runs still to come says so, and leads there.
    await page.goto(`${baton.url}/runs?q=later`);
    const hint = page.locator('.other-tab');
    await hint.waitFor();
    assert.equal((await hint.textContent()).replace(/\s+/g, ' '), '3 runs still to come match: show the upcoming runs.');
    await hint.getByRole('link').click();
    await waitFor(async () => (await rowNames(page)).join() === 'later-1h,later-2h,later-3h', 'the upcoming matches');
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { q: 'later', tab: 'upcoming' });
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test('runs are searched by name, sorted and paged as chosen, all kept in the URL', async () => {
  const past = await baton.post('/flow_runs/count', pastFilter());
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs`);
    await page.locator('tr[data-run]').first().waitFor();
    const search = page.getByLabel('Search runs by name');
    await search.fill('report');
    await search.press('Enter');
    await waitFor(async () => (await page.locator('.runs-total').textContent()) === '2 runs', 'two runs named like report');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'report');
    await page.getByLabel('Sort').selectOption({ label: 'Name, Z to A' });
    await waitFor(async () => (await rowNames(page)).join() === 'report-beta,report-alpha', 'Z to A');
    await page.getByLabel('Sort').selectOption({ label: 'Name, A to Z' });
    await waitFor(async () => (await rowNames(page)).join() === 'report-alpha,report-beta', 'A to Z');
    assert.equal(new URL(page.url()).searchParams.get('sort'), 'NAME_ASC');
    await shot(page, `runs-search${suffix}`);
    // A reload keeps it all.
    await page.reload();
    await waitFor(async () => (await rowNames(page)).join() === 'report-alpha,report-beta', 'the same list after a reload');
    assert.equal(await search.inputValue(), 'report');
    await search.fill('');
    await search.press('Enter');
    await waitFor(async () => (await page.locator('.runs-total').textContent()) === `${fmt(past)} runs`, 'every past run again');
    // 25 to a page; then page 2, and the last page holds what is left.
    await page.getByLabel('Runs per page').selectOption('25');
    const rows = page.locator('tr[data-run]');
    const pages = Math.ceil(past / 25);
    await waitFor(async () => (await rows.count()) === 25, '25 rows');
    assert.equal(await page.locator('.page-of').textContent(), `Page 1 of ${pages}`);
    const first = await rowNames(page);
    assert.equal(first[0], 'adhoc-done', 'by name, A to Z');
    await page.getByRole('button', { name: 'Next' }).click();
    const second = await waitFor(async () => {
      const names = await rowNames(page);
      return names[0] !== first[0] && names;
    }, 'the rows of page 2');
    assert.equal(await page.locator('.page-of').textContent(), `Page 2 of ${pages}`);
    assert.equal(second.length, 25);
    assert.ok(second[0] > first[24], `page 2 (${second[0]}) follows page 1 (${first[24]})`);
    await page.getByRole('button', { name: 'Last' }).click();
    await waitFor(async () => (await rows.count()) === past - (pages - 1) * 25, 'the last page');
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { sort: 'NAME_ASC', size: '25', page: String(pages) });
    assert.deepEqual((await rowNames(page)).slice(-2), ['report-beta', 'sub-child']);
    await fits(page, viewport, 'a later page');
    await shot(page, `runs-paged${suffix}`);
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test('subflow runs are marked as such and can be hidden', async () => {
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs?q=-child`);
    const row = page.locator(`tr[data-run="${s.sub.id}"]`);
    await row.waitFor();
    assert.equal(await row.locator('.badge.kind').textContent(), 'subflow');
    assert.equal(await page.locator('.runs-total').textContent(), '1 run');
    await shot(page, `runs-subflow${suffix}`);
    await page.getByLabel('Hide subflows').check();
    await waitFor(async () => (await page.locator('.runs-total').textContent()) === '0 runs', 'no run left');
    assert.equal(new URL(page.url()).searchParams.get('subflows'), 'hide');
    await page.locator('.empty', { hasText: 'No runs match.' }).waitFor();
    await page.getByLabel('Hide subflows').uncheck();
    await row.waitFor();
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test('a filter in the address that the list cannot use is named with what is allowed, left out, and removable', async () => {
  const failed = await baton.post('/flow_runs/count', { flow_runs: { ...pastFilter().flow_runs, state: { type: { any_: ['FAILED'] } } } });
  const nowhere = '00000000-0000-4000-8000-000000000000';
  const bad = [['state', 'DONE'], ['from', 'yesterday'], ['sort', 'NEWEST'], ['size', 'lots'], ['flow', nowhere], ['deployment', 'nightly-dep'], ['pool', 'no-such-pool']];
  const why = {
    state: /^state=DONE is not a state type: use SCHEDULED, PENDING, RUNNING, .*, CRASHED or CANCELLED\. Remove it$/,
    from: /^from=yesterday is not a date and time: use ISO 8601, like 2025-06-30T08:00:00Z\. Remove it$/,
    sort: /^sort=NEWEST is not a sort of the past runs: use EXPECTED_START_TIME_DESC \(Newest first\), .* or NAME_DESC \(Name, Z to A\)\. Remove it$/,
    size: /^size=lots is not a page size: use 25, 50 or 100\. Remove it$/,
    flow: new RegExp(`^flow=${nowhere} There is no flow with this id\\. Remove it$`),
    deployment: /^deployment=nightly-dep is not a deployment id \(a UUID, as in the address of the deployment's page\)\. Remove it$/,
    pool: /^pool=no-such-pool There is no work pool with this name\. Remove it$/,
  };
  for (const [viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs?${new URLSearchParams([['state', 'FAILED'], ...bad])}`);
    const note = page.getByRole('alert', { name: 'Filters left out' });
    const items = note.locator('li');
    await waitFor(async () => (await items.count()) === bad.length, 'every unusable filter named');
    for (const [param] of bad) assert.match((await textOf(note.locator(`li[data-param="${param}"]`)))[0], why[param]);
    // The rest of the page works without them: the failed runs, counted, 50 to a page, newest first.
    await waitFor(async () => (await page.locator('.runs-total').textContent()) === `${fmt(failed)} runs`, 'the failed runs counted');
    const states = await page.locator('tr[data-run] [data-state]').evaluateAll((els) => [...new Set(els.map((e) => e.dataset.state))]);
    assert.deepEqual(states, ['FAILED']);
    assert.equal(await page.getByLabel('Sort').inputValue(), 'EXPECTED_START_TIME_DESC');
    assert.equal(await page.getByLabel('Runs per page').inputValue(), '50');
    const chosen = (label) => page.getByLabel(label, { exact: true }).evaluate((el) => el.selectedOptions[0]?.textContent || '');
    assert.deepEqual([await chosen('Flow'), await chosen('Deployment'), await chosen('Work pool')], ['All flows', 'All deployments', 'All pools']);
    assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
    await fits(page, viewport, 'the runs list with unusable filters');
    await shot(page, `runs-bad-filters${suffix}`);
    // One link removes one of them; another removes them all, keeping the good filter.
    await note.locator('li[data-param="sort"]').getByRole('link', { name: 'Remove it' }).click();
    await waitFor(async () => (await items.count()) === bad.length - 1, 'the sort no longer named');
    const left = new URL(page.url()).searchParams;
    assert.equal(left.get('sort'), null);
    assert.deepEqual(left.getAll('state'), ['FAILED', 'DONE']);
    await note.getByRole('link', { name: 'Remove them all' }).click();
    await waitFor(async () => new URL(page.url()).search === '?state=FAILED', 'only the good filter left');
    await waitFor(async () => (await note.count()) === 0, 'nothing named any more');
    await waitFor(async () => (await page.locator('.runs-total').textContent()) === `${fmt(failed)} runs`, 'the same failed runs');
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test('selected finished runs of a deployment are retried together; active and ad hoc ones are left', async () => {
  for (const [k, [viewport, suffix]] of DISPLAYS.entries()) {
    const chosen = s.finished.slice(2 * k, 2 * k + 2);
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/runs?flow=${s.flow.id}`);
    await page.locator(`tr[data-run="${s.loose.id}"]`).waitFor();
    const bar = page.getByRole('toolbar', { name: 'Selected runs' });
    assert.equal(await bar.getByRole('button', { name: 'Retry' }).isDisabled(), true);
    for (const r of [...chosen, s.busy, s.loose]) await page.getByRole('checkbox', { name: `Select ${r.name}` }).check();
    await bar.getByRole('button', { name: 'Retry 2 runs' }).click();
    const dialog = page.getByRole('dialog');
    assert.match(await dialog.textContent(), /Run 2 runs again with the same parameters\? 2 runs of the selection are still active or not from a deployment, and are left as they are\./);
    await shot(page, `runs-retry-confirm${suffix}`);
    await dialog.getByRole('button', { name: 'Retry runs' }).click();
    const note = bar.getByRole('status');
    await note.waitFor();
    assert.equal(await note.textContent(), 'Retrying 2 of 4 runs · 2 skipped: not finished or not from a deployment');
    for (const r of chosen) {
      const states = await baton.get(`/flow_run_states/?flow_run_id=${r.id}`);
      assert.ok(states.some((st) => st.type === 'SCHEDULED' && st.name === 'AwaitingRetry'), `${r.name} was set to AwaitingRetry`);
      await page.locator(`tr[data-run="${r.id}"] [data-state="SCHEDULED"]:has-text("AwaitingRetry")`).waitFor();
    }
    assert.equal((await baton.get(`/flow_runs/${s.busy.id}`)).state_type, 'RUNNING');
    assert.equal((await baton.get(`/flow_runs/${s.loose.id}`)).state_type, 'COMPLETED');
    assert.equal(await page.locator('tr[data-run] input:checked').count(), 0, 'the selection is cleared');
    await fits(page, viewport, 'the runs list after a retry');
    await shot(page, `runs-retried${suffix}`);
    assert.deepEqual(page.problems(), [], `console errors at ${viewport.width}px`);
    await page.context().close();
  }
});

test('what is typed in a search box survives the live list redrawing until it is applied', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs`);
  await page.locator('tr[data-run]').first().waitFor();
  await waitFor(() => page.evaluate(() => document.documentElement.dataset.live === 'open'), 'the live stream');
  const search = page.getByLabel('Search runs by name');
  await search.fill('report');
  // A run made now redraws the list while the text is typed but not applied (Enter or leaving the box).
  const fresh = await baton.post('/flow_runs/', { flow_id: s.flow.id, name: 'redraw-run', state: { type: 'RUNNING' } });
  try {
    await page.locator(`tr[data-run="${fresh.id}"]`).waitFor();
    assert.equal(await search.inputValue(), 'report');
    await search.press('Enter');
    await waitFor(async () => (await page.locator('.runs-total').textContent()) === '2 runs', 'two runs named like report');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'report');
    assert.deepEqual(page.problems(), []);
  } finally {
    await baton.request('DELETE', `/flow_runs/${fresh.id}`);
    await page.context().close();
  }
});
