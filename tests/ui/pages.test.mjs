// The Variables, Artifacts and Flow pages in a real browser: variables listed, searched, created, edited and
// deleted (with the server's refusals shown at the form); the latest artifact of every key and a key's
// history, with untrusted markdown shown as text; a flow's deployments and recent runs. Each page in light,
// dark and at 390 px (where nothing may be wider than the screen), with no console errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, shot, waitFor } from './harness.mjs';

let baton;
let browser;
let flow;
let run;
let other;
const deps = {};

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 390, height: 844 };
const DISPLAYS = [['light', WIDE, ''], ['dark', WIDE, '-dark'], ['light', NARROW, '-narrow']];

// Markdown that would run script or load an image if it were ever parsed as HTML.
const HOSTILE = '# Report v2\n<img src=x onerror="window.pwned=1">\n- **rows**: 42\n- [safe](https://example.com/r) [evil](javascript:window.pwned=1)\n\n| file | rows |\n|---|---|\n| a.csv | 10 |\n| <b>b.csv</b> | 32 |\n';

before(async () => {
  baton = await startBaton();
  await baton.post('/variables/', { name: 'api_token_ttl', value: { seconds: 3600, renew: true }, tags: ['auth'] });
  await baton.post('/variables/', { name: 'greeting', value: 'hello from a variable', tags: [] });
  await baton.post('/variables/', { name: 'long_list', value: Array.from({ length: 60 }, (_, i) => `item-number-${i}`), tags: ['big'] });

  flow = await baton.post('/flows/', { name: 'nightly-etl', tags: ['etl'] });
  for (const name of ['daily', 'backfill']) {
    deps[name] = await baton.post('/deployments/', {
      name, flow_id: flow.id, work_pool_name: 'default',
      ...(name === 'daily' ? { schedules: [{ schedule: { cron: '0 3 * * *', timezone: 'UTC' }, active: true }] } : {}),
    });
  }
  run = await baton.post(`/deployments/${deps.daily.id}/create_flow_run`, {});
  await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
  await baton.post(`/flow_runs/${run.id}/set_state`, { state: { type: 'COMPLETED' }, force: true });
  other = await baton.post(`/deployments/${deps.backfill.id}/create_flow_run`, {});
  await baton.post('/flows/', { name: 'other-flow' });

  const art = (body) => baton.post('/artifacts/', { flow_run_id: run.id, ...body });
  await art({ key: 'report', type: 'markdown', data: '# Report v1\n- **rows**: 40' });
  await art({ key: 'report', type: 'markdown', data: HOSTILE, description: 'Nightly *summary*' });
  await art({ key: 'sizes', type: 'table', data: JSON.stringify([{ file: 'a.csv', rows: 10 }, { file: 'b.csv', rows: 32 }]) });
  await art({ key: 'docs', type: 'link', data: 'https://docs.example.com/etl', description: 'ETL docs' });
  await art({ key: 'load-progress', type: 'progress', data: 40 });
  await art({ key: 'load-progress', type: 'progress', data: 75 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

/** Opens each [name, path, ready] page in light, dark and narrow; screenshots; nothing wider than 390 px. */
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

const variable = async (name) => (await baton.post('/variables/filter', { variables: { name: { any_: [name] } } }))[0];

test('variables are listed with a value preview and tags, and searched by name', async () => {
  await everyDisplay([['variables', '/variables', 'tr[data-variable="api_token_ttl"]']]);
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/variables`);
  const row = page.locator('tr[data-variable="api_token_ttl"]');
  assert.equal(await row.locator('.var-value').textContent(), '{"seconds":3600,"renew":true}');
  await row.locator('.tag:has-text("auth")').waitFor();
  assert.match(await row.locator('time').getAttribute('title'), /UTC$/);
  assert.match(await page.locator('tr[data-variable="long_list"] .var-value').textContent(), /…$/, 'a long value is cut');
  await page.locator('tr[data-variable="greeting"] .var-value:text-is("hello from a variable")').waitFor();
  await page.getByLabel('Search variables by name').fill('token');
  await waitFor(async () => (await page.locator('tr[data-variable]').count()) === 1, 'the search to leave one variable');
  assert.equal(new URL(page.url()).searchParams.get('name'), 'token', 'the search is kept in the URL');
  await page.reload();
  await page.locator('tr[data-variable="api_token_ttl"]').waitFor();
  assert.equal(await page.locator('tr[data-variable]').count(), 1);
  await page.getByLabel('Search variables by name').fill('nothing-like-this');
  await page.locator('text=No variable name contains').waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a variable is created, refused with the reason at the form, edited and deleted', async () => {
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/variables`);
  await page.getByRole('button', { name: 'New variable' }).click();
  const form = page.locator('dialog form.variable-form');
  // Not JSON: refused in the browser, at the value.
  await form.getByLabel('Name').fill('retries');
  await form.getByLabel('Value', { exact: true }).fill('{"max": 3');
  await form.getByRole('button', { name: 'Create' }).click();
  await form.locator('.field.has-error .field-error:has-text("Not valid JSON")').waitFor();
  // A name the server refuses (422), then one that is taken (409): the server's words next to the form.
  await form.getByLabel('Value', { exact: true }).fill('{"max": 3, "backoff": [1, 5]}');
  await form.getByLabel('Name').fill('Bad Name!');
  await form.getByRole('button', { name: 'Create' }).click();
  await form.locator('.error:has-text("lowercase letters")').waitFor();
  await form.locator('.field.has-error #var-name').waitFor();
  await shot(page, 'variable-refused');
  await form.getByLabel('Name').fill('greeting');
  await form.getByRole('button', { name: 'Create' }).click();
  await form.locator('.error:has-text("already exists")').waitFor();
  await form.getByLabel('Name').fill('retries');
  await form.getByLabel('Tags').fill('ops, retry, ops');
  await form.getByRole('button', { name: 'Create' }).click();
  await page.locator('tr[data-variable="retries"]').waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0);
  let saved = await variable('retries');
  assert.deepEqual(saved.value, { max: 3, backoff: [1, 5] });
  assert.deepEqual(saved.tags, ['ops', 'retry']);

  // Edit: a text value stays text (not JSON), and the new value shows in the list.
  await page.getByRole('button', { name: 'Edit retries' }).click();
  assert.equal(await form.getByLabel('Name').inputValue(), 'retries');
  assert.match(await form.getByLabel('Value', { exact: true }).inputValue(), /"backoff"/);
  await form.getByRole('button', { name: 'Text' }).click();
  await form.getByLabel('Value', { exact: true }).fill('three times');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.locator('tr[data-variable="retries"] .var-value:text-is("three times")').waitFor();
  saved = await variable('retries');
  assert.equal(saved.value, 'three times');
  assert.deepEqual(saved.tags, ['ops', 'retry']);

  // Delete asks first; Keep keeps it.
  const row = page.locator('tr[data-variable="retries"]');
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.locator('dialog:has-text("Delete the variable retries?")').waitFor();
  await page.locator('dialog').getByRole('button', { name: 'Keep' }).click();
  assert.ok(await variable('retries'));
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.locator('dialog').getByRole('button', { name: 'Delete' }).click();
  await waitFor(async () => (await row.count()) === 0, 'the deleted variable to leave the list');
  assert.equal(await variable('retries'), undefined);
  // The browser logs the refused requests (422, 409) it made on purpose; nothing else.
  assert.deepEqual(page.problems().filter((p) => !/status of (422|409)/.test(p)), []);
  await page.context().close();
});

test('artifacts: the latest of every key, and a key with its history, rendered safely', async () => {
  await everyDisplay([
    ['artifacts', '/artifacts', 'tr[data-key="report"]'],
    ['artifact-key', '/artifacts/key/report', '.history .artifact'],
    ['artifact-progress', '/artifacts/key/load-progress', '.latest progress'],
  ]);
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/artifacts`);
  await page.locator('tr[data-key="sizes"] td:has-text("2 rows")').waitFor();
  assert.deepEqual(await page.locator('tr[data-key]').evaluateAll((rs) => rs.map((r) => r.dataset.key)),
    ['docs', 'load-progress', 'report', 'sizes'], 'one row per key');
  await page.locator('tr[data-key="report"] td:has-text("Report v2")').waitFor();
  assert.equal(await page.locator('tr[data-key="load-progress"] progress').getAttribute('value'), '75');
  assert.equal(await page.locator('tr[data-key="docs"] a[href="https://docs.example.com/etl"]').count(), 1);
  assert.equal(await page.locator(`tr[data-key="report"] a[href="/runs/${run.id}"]`).textContent(), run.name);
  await page.getByLabel('Search artifacts by key').fill('progress');
  await waitFor(async () => (await page.locator('tr[data-key]').count()) === 1, 'the key search to leave one key');

  await page.goto(`${baton.url}/artifacts`);
  await page.locator('tr[data-key="report"] a:has-text("report")').click();
  await page.locator('.history .artifact').waitFor();
  assert.equal(new URL(page.url()).pathname, '/artifacts/key/report');
  const history = page.locator('.history .artifact');
  assert.equal(await history.count(), 1, 'one earlier version');
  assert.match(await page.locator('.latest .artifact header').textContent(), /Version 2/);
  assert.match(await history.locator('header').textContent(), /Version 1/);
  await history.locator('.md-h:has-text("Report v1")').waitFor();
  // Untrusted markdown: tags show as text, no element is made from them, only safe links are links.
  const latest = page.locator('.latest .artifact');
  await latest.locator('p:has-text("<img src=x onerror=")').waitFor();
  assert.equal(await page.locator('.markdown img, .markdown b').count(), 0);
  assert.equal(await latest.locator('a[href="https://example.com/r"]').count(), 1);
  assert.equal(await page.locator('.markdown a[href^="javascript"]').count(), 0);
  await latest.locator('li:has-text("evil")').waitFor();
  await latest.locator('table.md-table td:text-is("<b>b.csv</b>")').waitFor();
  await latest.locator('strong:text-is("rows")').waitFor();
  await latest.locator('em:text-is("summary")').waitFor();
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  await page.goto(`${baton.url}/artifacts/key/sizes`);
  await page.locator('.latest table td:text-is("b.csv")').waitFor();
  await page.goto(`${baton.url}/artifacts/key/load-progress`);
  await page.locator('.history progress').waitFor();
  assert.deepEqual(await page.locator('.artifact progress').evaluateAll((ps) => ps.map((p) => p.value)), [75, 40]);
  await page.goto(`${baton.url}/artifacts/key/no-such-key`);
  await page.locator('text=No artifact has the key').waitFor();
  // The run page links its keyed artifacts to their key's page.
  await page.goto(`${baton.url}/runs/${run.id}`);
  await page.locator(`.artifact a[href="/artifacts/key/sizes"]`).click();
  await page.locator('.latest table td:text-is("a.csv")').waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test("a flow's page lists its deployments and recent runs, and is linked from where flows show", async () => {
  await everyDisplay([['flow', `/flows/${flow.id}`, `.flow-runs tr[data-run="${run.id}"]`]]);
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/flows`);
  await page.locator('tr[data-flow="nightly-etl"] a:has-text("nightly-etl")').click();
  await page.locator('h1:has-text("nightly-etl")').waitFor();
  assert.equal(new URL(page.url()).pathname, `/flows/${flow.id}`);
  const depRows = page.locator('.flow-deployments tr[data-deployment]');
  await waitFor(async () => (await depRows.count()) === 2, 'both deployments');
  await page.locator('.flow-deployments tr[data-deployment="daily"] >> text=at 03:00').waitFor();
  await page.locator('.flow-deployments tr[data-deployment="daily"] [data-state="COMPLETED"]').waitFor();
  // The backfill run was picked up by the local worker: upcoming or recent, it is on the page.
  await page.locator(`tr[data-run="${other.id}"] a:has-text("backfill")`).waitFor();
  await page.locator('.flow-upcoming tr[data-run] >> text=Scheduled').first().waitFor();
  await page.locator(`.flow-runs tr[data-run="${run.id}"] a:has-text("daily")`).waitFor();
  assert.equal(await page.locator('.flow-runs .flow-link, .flow-upcoming .flow-link').count(), 0, 'the flow is not repeated on every run');
  assert.equal(await page.getByRole('link', { name: 'All runs' }).getAttribute('href'), `/runs?flow=${flow.id}`);
  // A new run of the flow appears without a reload.
  const extra = await baton.post(`/deployments/${deps.backfill.id}/create_flow_run`, {});
  await page.locator(`tr[data-run="${extra.id}"]`).waitFor();

  // Linked from the run, deployment and deployments pages, and Prefect's flow path lands here.
  for (const from of [`/runs/${run.id}`, `/deployments/${deps.daily.id}`, '/deployments', '/runs']) {
    await page.goto(baton.url + from);
    await page.locator(`a.flow-link[href="/flows/${flow.id}"]`).first().click();
    await page.locator('h1:has-text("nightly-etl")').waitFor();
  }
  await page.goto(`${baton.url}/flows/flow/${flow.id}`);
  await waitFor(() => new URL(page.url()).pathname === `/flows/${flow.id}`, 'the Prefect flow path to open the flow page');
  await page.locator('.flow-deployments tr[data-deployment="backfill"]').waitFor();
  await page.goto(`${baton.url}/flows/00000000-0000-0000-0000-000000000000`);
  await page.locator('[data-not-found="flow"]:has-text("There is no flow 00000000-0000-0000-0000-000000000000")').waitFor();
  // The not-found page stands for the API's 404 for the flow, and nothing else is logged.
  assert.deepEqual(page.problems().filter((p) => !/status of 404/.test(p)), []);
  await page.context().close();
});

test('the navigation reaches Variables and Artifacts', async () => {
  const page = await openPage(browser, { viewport: WIDE });
  await page.goto(`${baton.url}/`);
  await page.locator('nav.nav').getByRole('link', { name: 'Variables' }).click();
  await page.locator('tr[data-variable="greeting"]').waitFor();
  assert.equal(await page.locator('nav.nav a[aria-current="page"]').textContent(), 'Variables');
  await page.locator('nav.nav').getByRole('link', { name: 'Artifacts' }).click();
  await page.locator('tr[data-key="report"]').waitFor();
  assert.equal(await page.locator('nav.nav a[aria-current="page"]').textContent(), 'Artifacts');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
