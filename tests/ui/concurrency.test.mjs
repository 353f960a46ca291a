// The Concurrency pages in a real browser: global, tag, rate and deployment limits with their slots in use,
// who holds the slots and who waits in line (followed live), disable, reset and delete, New limit with the
// server's message at the field, an error instead of an endless "Loading…", and the empty state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, shot, waitFor } from './harness.mjs';

let baton;
let browser;
let run;
let task;
let dep;
let unnamed;
const ids = {};

const byName = async (name) => (await baton.get('/baton/concurrency_limits')).find((l) => l.name === name);
const lease = (names, holder) => baton.post('/v2/concurrency_limits/increment-with-lease',
  { names, slots: 1, lease_duration: 60, ...(holder ? { holder } : {}) });

/** Asks for a slot of a full limit and keeps asking (the server answers 423 after a while) until it gets one. */
async function waitInLine(names) {
  for (;;) {
    try { return await lease(names); } catch (e) { if (!/: 423 /.test(e.message)) throw e; }
  }
}

// Failed requests the page makes on purpose (bad input, a refused route) are logged by the browser.
const unexpected = (page, ...statuses) => page.problems().filter((p) => !statuses.some((s) => p.includes(`status of ${s}`)));

before(async () => {
  baton = await startBaton({ args: ['--no-worker'] });
  ids.warehouse = (await baton.post('/v2/concurrency_limits/', { name: 'warehouse', limit: 2 })).id;
  ids.db = (await baton.post('/concurrency_limits/', { tag: 'db', concurrency_limit: 1 })).id;
  ids.api = (await baton.post('/v2/concurrency_limits/', { name: 'api-calls', limit: 10, slot_decay_per_second: 0.5 })).id;
  ids.scratch = (await baton.post('/v2/concurrency_limits/', { name: 'scratch', limit: 5 })).id;
  const flow = await baton.post('/flows/', { name: 'etl' });
  dep = await baton.post('/deployments/', { name: 'nightly', flow_id: flow.id, concurrency_limit: 1 });
  run = await baton.post('/flow_runs/', { flow_id: flow.id, name: 'brave-otter' });
  task = await baton.post('/task_runs/', { flow_run_id: run.id, name: 'load-0', task_key: 'load', dynamic_key: '0' });
  await lease(['warehouse'], { type: 'flow_run', id: run.id });
  unnamed = await lease(['warehouse']);
  await lease(['tag:db'], { type: 'task_run', id: task.id });
  await baton.post('/v2/concurrency_limits/increment', { names: ['scratch'], slots: 2 });
  await lease(['scratch'], { type: 'flow_run', id: run.id });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

test('limits show their slots in use, who holds them and who waits, and the page follows changes', async () => {
  const waiter = waitInLine(['warehouse']);
  await waitFor(async () => (await byName('warehouse')).waiters.length === 1, 'a request waiting for warehouse');
  const page = await openPage(browser);
  await page.goto(`${baton.url}/concurrency`);
  const row = (name) => page.locator(`tr[data-limit="${name}"]`);
  await row('warehouse').locator('[data-waiters="1"]').waitFor();
  assert.match(await row('warehouse').locator('.usage').textContent(), /^\s*2 \/ 2\s*$/);
  assert.equal(await row('warehouse').locator('[data-holders]').textContent(), '2');
  assert.equal(await row('warehouse').locator('.badge.kind').count(), 0, 'a global limit has no kind badge');
  assert.equal(await row('tag:db').getByRole('link').first().textContent(), 'db');
  await row('tag:db').locator('.badge.kind[data-kind="tag"]').waitFor();
  assert.match(await row('tag:db').locator('.usage').textContent(), /1 \/ 1/);
  assert.equal(await row('tag:db').locator('[data-holders]').textContent(), '1');
  assert.match(await row('api-calls').textContent(), /0\.5\/s decay/);
  assert.match(await row('api-calls').locator('.usage').textContent(), /0 \/ 10/);
  const depRow = row(`deployment:${dep.id}`);
  assert.equal(await depRow.getByRole('link').first().textContent(), 'nightly');
  await depRow.locator('.badge.kind[data-kind="deployment"]').waitFor();
  assert.match(await depRow.textContent(), /etl/);
  assert.match(await row('scratch').locator('.usage').textContent(), /3 \/ 5/);
  assert.equal(await page.getByRole('link', { name: 'Concurrency' }).getAttribute('aria-current'), 'page');
  await shot(page, 'concurrency');

  await row('warehouse').getByRole('link', { name: 'warehouse' }).click();
  await page.locator(`tr[data-holder="${run.id}"] a[href="/runs/${run.id}"]:has-text("brave-otter")`).waitFor();
  await page.locator('tr[data-holder="unnamed"]:has-text("unnamed holder")').waitFor();
  const waiting = page.locator('tr[data-waiter="1"]');
  await waiting.waitFor();
  assert.match(await waiting.textContent(), /^\s*1\s*unnamed request\s*1\s*\d/);
  const expires = await page.locator(`tr[data-holder="${run.id}"] td`).nth(3).textContent();
  assert.match(expires, /^in \d+ seconds$/);
  await shot(page, 'concurrency-limit');

  // Releasing the unnamed holder's lease lets the one in line in; the open page shows it without a reload.
  await page.evaluate(() => { window.stayed = true; });
  await baton.post('/v2/concurrency_limits/decrement-with-lease', { lease_id: unnamed.lease_id });
  const got = await waiter;
  await page.locator('text=Nothing is waiting.').waitFor({ timeout: 8000 });
  assert.equal(await page.locator('tr[data-holder="unnamed"]').count(), 1, "the waiter's lease, with no holder");
  await baton.post('/v2/concurrency_limits/decrement-with-lease', { lease_id: got.lease_id });
  await page.locator('.page-head .usage[data-in-use="1"]').waitFor({ timeout: 8000 });
  assert.equal(await page.evaluate(() => window.stayed), true, 'no reload');

  // A task run holding a tag's slot links to its flow run; a limit opens by name too.
  await page.goto(`${baton.url}/concurrency/tag:db`);
  await page.locator(`tr[data-holder="${task.id}"] a[href="/runs/${run.id}"]:has-text("load-0")`).waitFor();
  await page.locator('h1:text-is("db")').waitFor();
  await page.goto(`${baton.url}/concurrency/${ids.scratch}`);
  assert.match(await page.locator('tr[data-holder="unleased"]').textContent(), /taken without a lease\s*2/);
  await page.locator(`tr[data-holder="${run.id}"]:has-text("brave-otter")`).waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();

  for (const [colorScheme, viewport, suffix] of [['dark', { width: 1280, height: 900 }, '-dark'], ['light', { width: 390, height: 844 }, '-narrow']]) {
    const p = await openPage(browser, { colorScheme, viewport });
    await p.goto(`${baton.url}/concurrency`);
    await p.locator('tr[data-limit="warehouse"]').waitFor();
    await shot(p, `concurrency${suffix}`);
    await p.goto(`${baton.url}/concurrency/${ids.warehouse}`);
    await p.locator(`tr[data-holder="${run.id}"]`).waitFor();
    await shot(p, `concurrency-limit${suffix}`);
    assert.deepEqual(p.problems(), []);
    await p.context().close();
  }
});

test('a limit is disabled, reset and deleted from the page', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/concurrency`);
  const toggle = page.getByRole('switch', { name: 'warehouse active' });
  assert.equal(await toggle.isChecked(), true);
  await toggle.click();
  await waitFor(async () => (await baton.get('/v2/concurrency_limits/warehouse')).active === false, 'warehouse to be disabled');
  await page.locator('tr[data-limit="warehouse"].inactive').waitFor();
  assert.equal(await toggle.isChecked(), false);
  await toggle.click();
  await waitFor(async () => (await baton.get('/v2/concurrency_limits/warehouse')).active === true, 'warehouse to be enabled again');

  // Resetting a tag limit releases its leases.
  await page.locator('tr[data-limit="tag:db"]').getByRole('link', { name: 'db' }).click();
  await page.locator(`tr[data-holder="${task.id}"]`).waitFor();
  await page.getByRole('button', { name: 'Reset' }).click();
  let dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /Every slot is freed: the leases of its 1 holder are released, so waiting task runs/);
  await shot(page, 'concurrency-reset');
  await dialog.getByRole('button', { name: 'Reset' }).click();
  await waitFor(async () => {
    const l = await byName('tag:db');
    return l.active_slots === 0 && l.holders.length === 0;
  }, 'tag:db to have no slots in use');
  await page.locator('text=No one holds a slot.').waitFor();
  await page.locator('.page-head .usage[data-in-use="0"]').waitFor();

  // Resetting a global limit frees its leased slots and those taken without a lease.
  await page.goto(`${baton.url}/concurrency/${ids.scratch}`);
  await page.locator('tr[data-holder="unleased"]').waitFor();
  await page.locator(`tr[data-holder="${run.id}"]`).waitFor();
  assert.equal(await page.locator('.page-head .usage').getAttribute('data-in-use'), '3');
  await page.getByRole('button', { name: 'Reset' }).click();
  dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /the leases of its 1 holder are released and the 2 slots taken without a lease are given back/);
  await dialog.getByRole('button', { name: 'Reset' }).click();
  await waitFor(async () => {
    const l = await byName('scratch');
    return l.active_slots === 0 && l.unleased_slots === 0 && l.holders.length === 0;
  }, 'scratch to have no slots in use');
  await page.locator('text=No one holds a slot.').waitFor();

  // Delete asks, then goes back to the list.
  await page.getByRole('button', { name: 'Delete' }).click();
  dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /Delete the limit scratch\?/);
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/concurrency$/);
  await page.locator('tr[data-limit="warehouse"]').waitFor();
  assert.equal(await page.locator('tr[data-limit="scratch"]').count(), 0);
  assert.equal(await byName('scratch'), undefined);
  // A deployment's own limit is changed on the deployment: no Delete.
  await page.goto(`${baton.url}/concurrency/${encodeURIComponent(`deployment:${dep.id}`)}`);
  await page.locator(`a[href="/deployments/${dep.id}"]`).first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test("New limit creates a limit, and a bad value shows the server's message at its field", async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/concurrency`);
  await page.getByRole('button', { name: 'New limit' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('#limit-name').fill('exports');
  await dialog.locator('#limit-limit').fill('-1');
  await dialog.getByRole('button', { name: 'Create limit' }).click();
  const error = dialog.locator('#limit-limit-error');
  await error.waitFor();
  assert.match(await error.textContent(), /limit: must be 0 or more \(got -1\)/);
  assert.equal(await dialog.locator('#limit-limit').getAttribute('aria-invalid'), 'true');
  await shot(page, 'concurrency-new-invalid');
  assert.equal(await byName('exports'), undefined);

  await dialog.locator('#limit-name').fill('warehouse');
  await dialog.locator('#limit-limit').fill('3');
  await dialog.getByRole('button', { name: 'Create limit' }).click();
  await dialog.locator('#limit-name-error:has-text("already exists")').waitFor();
  assert.equal(await dialog.locator('#limit-limit-error').count(), 0);

  await dialog.locator('#limit-name').fill('exports');
  await dialog.locator('#limit-slot_decay_per_second').fill('0.25');
  await dialog.getByRole('button', { name: 'Create limit' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.locator('tr[data-limit="exports"]');
  await row.waitFor();
  assert.match(await row.textContent(), /0\.25\/s decay/);
  assert.match(await row.locator('.usage').textContent(), /0 \/ 3/);
  const made = await baton.get('/v2/concurrency_limits/exports');
  assert.equal(made.limit, 3);
  assert.equal(made.slot_decay_per_second, 0.25);
  assert.equal(made.active, true);
  // Prefect's UI path for a limit opens Baton's page.
  await page.goto(`${baton.url}/concurrency-limits/concurrency-limit/${made.id}`);
  await page.waitForURL(new RegExp(`/concurrency/${made.id}$`));
  await page.locator('h1:text-is("exports")').waitFor();
  assert.deepEqual(unexpected(page, 422, 409), []);
  await page.context().close();
});

test('a failing server shows its error, not an endless Loading, and the page recovers', async () => {
  const page = await openPage(browser);
  await page.route('**/api/baton/concurrency_limits', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"detail":"database is busy"}' }));
  await page.goto(`${baton.url}/concurrency`);
  await page.locator('.error:has-text("database is busy")').waitFor();
  assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  await page.unroute('**/api/baton/concurrency_limits');
  await page.locator('tr[data-limit="warehouse"]').waitFor({ timeout: 8000 });
  assert.equal(await page.locator('.error').count(), 0);
  assert.deepEqual(unexpected(page, 503), []);
  await page.context().close();
});

test('with no limits the page says how to make one', async () => {
  for (const l of await baton.get('/baton/concurrency_limits')) await baton.request('DELETE', `/v2/concurrency_limits/${l.id}`);
  const page = await openPage(browser);
  await page.goto(`${baton.url}/concurrency`);
  const empty = page.locator('.empty');
  await empty.waitFor();
  const text = await empty.textContent();
  assert.match(text, /prefect concurrency-limit create TAG N/);
  assert.match(text, /prefect gcl create NAME --limit N/);
  assert.match(text, /baton concurrency create/);
  await shot(page, 'concurrency-empty');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
