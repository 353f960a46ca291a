// Issue 21's "Tests": every page at 1440 and 390 px, light and dark, with no console errors and a screenshot.
// The other files cover the list pages (quality.test.mjs at 390 px, dashboard.test.mjs at 1440 px) and the run
// and task-run pages (run-themes.test.mjs) in all four; this file covers the rest in all four: the detail
// pages, the runs list's panel for bad URL filters and the not-found pages. Each must fit the screen, keep
// small text at 4.5:1 or more, and log nothing but the API's 404s of the not-found pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, lowContrast, shot } from './harness.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };
// [colour scheme, viewport, screenshot suffix]
const DISPLAYS = [['light', WIDE, '-light'], ['dark', WIDE, '-dark'], ['light', NARROW, '-light-narrow'], ['dark', NARROW, '-dark-narrow']];
const NONE = '00000000-0000-4000-8000-000000000000';

let baton;
let browser;
const s = {};

before(async () => {
  baton = await startBaton({ args: ['--no-worker'] });
  s.flow = await baton.post('/flows/', { name: 'etl' });
  s.dep = await baton.post('/deployments/', { name: 'nightly', flow_id: s.flow.id, work_pool_name: 'default' });
  s.run = await baton.post(`/deployments/${s.dep.id}/create_flow_run`, { name: 'shown-run' });
  await baton.post(`/flow_runs/${s.run.id}/set_state`, { state: { type: 'FAILED', message: 'boom' }, force: true });
  const done = await baton.post(`/deployments/${s.dep.id}/create_flow_run`, { name: 'done-run' });
  await baton.post(`/flow_runs/${done.id}/set_state`, { state: { type: 'COMPLETED' }, force: true });
  const type = await baton.post('/block_types/', { name: 'Db Conn', slug: 'db-conn' });
  const schema = await baton.post('/block_schemas/', {
    block_type_id: type.id, capabilities: [],
    fields: { title: 'DbConn', type: 'object', properties: { host: { type: 'string' }, password: { type: 'string' } }, secret_fields: ['password'], block_schema_references: {}, block_type_slug: 'db-conn' },
  });
  await baton.post('/block_documents/', { name: 'primary', block_type_id: type.id, block_schema_id: schema.id, data: { host: 'db.internal', password: 'pw' } });
  await baton.post('/artifacts/', { key: 'daily-report', type: 'markdown', data: '# Report\n- **rows**: 42', flow_run_id: s.run.id });
  s.limit = await baton.post('/v2/concurrency_limits/', { name: 'warehouse', limit: 2 });
  s.auto = await baton.post('/automations/', {
    name: 'watch failures', trigger: { type: 'event', expect: ['prefect.flow-run.Failed'], posture: 'Reactive', threshold: 1, within: 0 }, actions: [{ type: 'do-nothing' }],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

const PAGES = () => [
  ['display-flow', `/flows/${s.flow.id}`, '.flow-runs tr[data-run] [data-state="COMPLETED"]'],
  ['display-blocks', '/blocks', 'tr[data-block="db-conn/primary"]'],
  ['display-block', '/blocks/db-conn/primary', 'h1:text-is("primary")'],
  ['display-artifact-key', '/artifacts/key/daily-report', 'h1:text-is("daily-report")'],
  ['display-concurrency-limit', `/concurrency/${s.limit.id}`, 'h1:text-is("warehouse")'],
  ['display-automation', `/automations/automation/${s.auto.id}`, 'h1:text-is("watch failures")'],
  ['display-runs-bad-filters', `/runs?state=DONE&flow=${NONE}`, '.bad-filters li[data-param="flow"]'],
  ['display-not-found', '/no/such/page', '[data-not-found="page"]'],
  ['display-not-found-run', `/runs/${NONE}`, '[data-not-found="flow run"]'],
  ['display-not-found-task-run', `/task-runs/${NONE}`, '[data-not-found="task run"]'],
  ['display-not-found-flow', `/flows/${NONE}`, '[data-not-found="flow"]'],
  ['display-not-found-pool', '/work-pools/no-such-pool', '[data-not-found="work pool"]'],
];

test('detail, bad-filter and not-found pages at 1440 and 390 px, light and dark', async () => {
  for (const [colorScheme, viewport, suffix] of DISPLAYS) {
    const page = await openPage(browser, { colorScheme, viewport });
    for (const [name, path, ready] of PAGES()) {
      await page.goto(baton.url + path);
      await page.locator(ready).first().waitFor();
      await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport.width, `${path} is ${width}px wide at ${viewport.width}px (${colorScheme})`);
      assert.deepEqual(await lowContrast(page, 4.5), [], `${path}: text under 4.5:1 at ${viewport.width}px (${colorScheme})`);
      await shot(page, `${name}${suffix}`);
    }
    assert.deepEqual(page.problems().filter((p) => !/status of 404/.test(p)), [], `console errors at ${viewport.width}px (${colorScheme})`);
    await page.context().close();
  }
});
