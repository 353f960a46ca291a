// The Events and Automations pages in a real browser against a real `baton serve`: run events newest first with
// links to their run, deployment, flow and work pool, filters kept in the URL and sent as Prefect's filter,
// each event's JSON, Load more, new events arriving live (a run's and an automation's), Prefect's event path;
// automations' triggers and actions in words, the enabled switch reaching the API, the last firing and
// each action's outcome (a failure with its reason), an automation's page, and delete; errors instead of an
// endless "Loading…", and the empty state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, shot, waitFor } from './harness.mjs';

let baton;
let browser;
let dep;
let pool;
let run1;
const autos = {};

const reactive = (expect, extra = {}) => ({ type: 'event', expect, posture: 'Reactive', threshold: 1, within: 0, ...extra });
const eventsOf = async (filter) => (await baton.post('/events/filter', { filter, limit: 50 })).events;
const ofAutomation = (a, names) => eventsOf({ resource: { id: [`prefect.automation.${a.id}`] }, ...(names ? { event: { name: names } } : {}), order: 'DESC' });
const runByName = async (name) => (await baton.post('/flow_runs/filter', { flow_runs: { name: { any_: [name] } } }))[0];
/** Runs the deployment to completion with Baton's CLI; resolves to the run. */
const runOnce = () => runByName(baton.cli(['deployment', 'run', 'noisy/once', '--watch']).match(/Flow run '([^']+)' finished/)[1]);

before(async () => {
  baton = await startBaton();
  baton.cli(['deploy', '--command', "sh -c 'echo hi'", '--flow', 'noisy', '-n', 'once']);
  [dep] = await baton.post('/deployments/filter', {});
  pool = await baton.get(`/work_pools/${dep.work_pool_name}`);
  // More than one page of events (each state change is one), older than those the automations cause.
  const flow = await baton.post('/flows/', { name: 'bulk' });
  for (let i = 0; i < 16; i += 1) {
    const r = await baton.post('/flow_runs/', { flow_id: flow.id, name: `bulk-${i}`, state: { type: 'PENDING' } });
    for (const type of ['RUNNING', 'COMPLETED']) await baton.post(`/flow_runs/${r.id}/set_state`, { state: { type } });
  }
  autos.watch = await baton.post('/automations/', { name: 'watch x.y', trigger: reactive(['x.y']), actions: [{ type: 'do-nothing' }] });
  autos.done = await baton.post('/automations/', { name: 'note completions', trigger: reactive(['prefect.flow-run.Completed']), actions: [{ type: 'do-nothing' }] });
  autos.broken = await baton.post('/automations/', { name: 'broken rerun', trigger: reactive(['prefect.flow-run.Completed']),
    actions: [{ type: 'run-deployment', source: 'selected', deployment_id: '00000000-0000-4000-8000-000000000000', parameters: null, job_variables: null }] });
  autos.failures = await baton.post('/automations/', { name: 'cancel failures',
    trigger: reactive(['prefect.flow-run.Failed'], { match_related: { 'prefect.resource.id': 'prefect.deployment.*' } }),
    actions: [{ type: 'cancel-flow-run' }, { type: 'run-deployment', source: 'selected', deployment_id: dep.id }] });
  autos.stuck = await baton.post('/automations/', { name: 'stuck runs', enabled: false,
    trigger: { type: 'event', expect: ['prefect.flow-run.Completed'], after: ['prefect.flow-run.Running'], for_each: ['prefect.resource.id'], posture: 'Proactive', threshold: 1, within: 10 },
    actions: [{ type: 'pause-work-pool', source: 'selected', work_pool_id: pool.id }] });
  run1 = await runOnce();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

const names = (page) => page.locator('li.event').evaluateAll((els) => els.map((e) => e.dataset.event));

test('the event feed: newest first, linked, filtered, opened, paged and live', async () => {
  const page = await openPage(browser);
  const bodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/events/filter')) bodies.push(JSON.parse(r.postData())); });
  await page.goto(`${baton.url}/events`);
  const done = page.locator(`li.event[data-event="prefect.flow-run.Completed"]:has(a.res-link[href="/runs/${run1.id}"])`);
  await done.waitFor();
  assert.equal(await done.locator('a.res-link').textContent(), run1.name);
  assert.equal(await done.locator('a.rel[data-role="deployment"]').getAttribute('href'), `/deployments/${dep.id}`);
  await done.locator('a.rel[data-role="deployment"]:has-text("once")').waitFor();
  assert.equal(await done.locator('a.rel[data-role="flow"]').getAttribute('href'), `/runs?flow=${run1.flow_id}`);
  await done.locator(`a.rel[data-role="work-pool"][href="/work-pools/${pool.name}"]`).waitFor();
  await done.locator('.badge[data-state="COMPLETED"]').waitFor();
  const times = await page.locator('li.event .ev-time time').evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime'))));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  const mine = await page.locator(`li.event:has(a.res-link[href="/runs/${run1.id}"])`).evaluateAll((els) => els.map((e) => e.dataset.event));
  assert.ok(mine.indexOf('prefect.flow-run.Completed') < mine.indexOf('prefect.flow-run.Running'), mine.join());
  assert.equal(await page.getByRole('link', { name: 'Events' }).getAttribute('aria-current'), 'page');
  const body = bodies[0];
  assert.equal(body.limit, 50);
  assert.equal(body.filter.order, 'DESC');
  assert.ok(Math.abs(Date.parse(body.filter.occurred.since) - (Date.now() - 86400e3)) < 120e3, body.filter.occurred.since);
  assert.ok(Date.parse(body.filter.occurred.until) >= Date.now() - 60e3);

  // A click opens the event's JSON; Prefect's path for one event opens it alone.
  await done.locator('.ev-time').click();
  const json = JSON.parse(await done.locator('pre.json').textContent());
  assert.equal(json.resource['prefect.resource.id'], `prefect.flow-run.${run1.id}`);
  assert.ok(json.related.some((r) => r['prefect.resource.id'] === `prefect.deployment.${dep.id}` && r['prefect.resource.role'] === 'deployment'));
  assert.ok(json.payload);
  await shot(page, 'events');
  await done.locator('.ev-name button').press('Enter');
  assert.equal(await done.locator('pre.json').count(), 0);

  // Load more follows `next_page`.
  const first = await page.locator('li.event').count();
  assert.ok(first >= 50, `${first} events`);
  await page.getByRole('button', { name: 'Load more' }).click();
  await waitFor(async () => (await page.locator('li.event').count()) > first, 'a second page of events');

  // Live: a new run's events and an automation's (which no run announces) arrive without a reload.
  await page.evaluate(() => { window.stayed = true; });
  const run2 = await runOnce();
  const done2 = page.locator(`li.event[data-event="prefect.flow-run.Completed"]:has(a.res-link[href="/runs/${run2.id}"])`);
  await done2.waitFor({ timeout: 5000 });
  const order = await page.locator('li.event a.res-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(order.indexOf(`/runs/${run2.id}`) < order.indexOf(`/runs/${run1.id}`));
  const late = await baton.post('/automations/', { name: 'late one', trigger: reactive(['x.z']), actions: [{ type: 'do-nothing' }] });
  await page.locator(`li.event[data-event="prefect.automation.created"]:has(a.res-link[href="/automations/automation/${late.id}"])`).waitFor({ timeout: 6000 });
  assert.equal(await page.evaluate(() => window.stayed), true, 'no reload');
  await baton.request('DELETE', `/automations/${late.id}`);

  // Filters: name prefix, resource prefix (the event's own resource or a related one), time range.
  await page.getByLabel('Event name starts with').fill('prefect.flow-run.Comp');
  await page.waitForURL(/event=prefect\.flow-run\.Comp/);
  await waitFor(async () => { const n = await names(page); return n.length && n.every((x) => x === 'prefect.flow-run.Completed'); }, 'only Completed events');
  assert.deepEqual(bodies.at(-1).filter.event, { prefix: ['prefect.flow-run.Comp'] });
  await page.getByLabel('Event name starts with').fill('');
  await page.getByLabel('Resource id starts with').fill(`prefect.deployment.${dep.id}`);
  await page.waitForURL(/resource=prefect\.deployment\./);
  await waitFor(async () => {
    const all = await page.locator('li.event').evaluateAll((els, href) => els.map((e) => !!e.querySelector(`a.res-link[href="${href}"], a.rel[href="${href}"]`)), `/deployments/${dep.id}`);
    const runs = await page.locator('li.event a.res-link[href^="/runs/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    return all.every(Boolean) && runs.length >= 6 && runs.every((h) => h === `/runs/${run1.id}` || h === `/runs/${run2.id}`);
  }, "only events of the deployment and its runs");
  assert.deepEqual(bodies.at(-1).filter.any_resource, { id_prefix: [`prefect.deployment.${dep.id}`] });
  assert.equal(bodies.at(-1).filter.event, undefined);
  await page.getByRole('button', { name: 'Last hour' }).click();
  await page.waitForURL(/range=hour/);
  await waitFor(() => bodies.some((b) => Math.abs(Date.parse(b.filter.occurred.since) - (Date.now() - 3600e3)) < 120e3), 'a request for the last hour');
  assert.equal(await page.getByRole('button', { name: 'Last hour' }).getAttribute('aria-pressed'), 'true');
  await shot(page, 'events-filtered');
  await page.getByLabel('Event name starts with').fill('nothing.like.this');
  await page.locator('.empty:has-text("No events match these filters")').waitFor();

  await page.goto(`${baton.url}/events/event/${json.occurred.slice(0, 10)}/${json.id}`);
  await page.waitForURL(/\/events\?id=/);
  await page.locator(`li.event[data-id="${json.id}"] pre.json`).waitFor();
  assert.equal(await page.locator('li.event').count(), 1);
  assert.deepEqual(page.problems(), []);
  await page.context().close();

  for (const [colorScheme, viewport, suffix] of [['dark', { width: 1280, height: 900 }, '-dark'], ['light', { width: 390, height: 844 }, '-narrow']]) {
    const p = await openPage(browser, { colorScheme, viewport });
    await p.goto(`${baton.url}/events`);
    await p.locator('li.event .ev-time').first().click();
    await p.locator('pre.json').waitFor();
    await shot(p, `events${suffix}`);
    assert.deepEqual(p.problems(), []);
    await p.context().close();
  }
});

test('automations: triggers and actions in words, the enabled switch, firings and outcomes, one page, delete', async () => {
  const either = await baton.post('/automations/', { name: 'either',
    trigger: { type: 'compound', require: 'any', within: 60, triggers: [reactive(['a.b']), reactive(['c.d'], { threshold: 2, within: 60 })] },
    actions: [{ type: 'do-nothing' }] });
  await waitFor(async () => (await ofAutomation(autos.done, ['prefect.automation.action.executed'])).length, 'note completions to act', 20000);
  const failed = await waitFor(async () => (await ofAutomation(autos.broken, ['prefect.automation.action.failed']))[0], 'broken rerun to fail', 20000);
  assert.ok(failed.payload.reason, 'a failure says why');
  const page = await openPage(browser);
  await page.goto(`${baton.url}/automations`);
  const card = (name) => page.locator(`li.automation[data-automation="${name}"]`);
  const text = async (loc) => (await loc.textContent()).replace(/\s+/g, ' ').trim();
  await card('watch x.y').waitFor();
  assert.equal(await text(card('watch x.y').locator('.trigger-text')), 'When x.y happens 1 time');
  assert.deepEqual(await card('watch x.y').locator('.actions-list li').allTextContents(), ['Do nothing']);
  assert.equal(await text(card('cancel failures').locator('.trigger-text')), 'When prefect.flow-run.Failed from prefect.deployment.* happens 1 time');
  await card('cancel failures').locator(`.actions-list li a[href="/deployments/${dep.id}"]:text-is("Run deployment once")`).waitFor();
  assert.deepEqual(await card('cancel failures').locator('.actions-list li').allTextContents(), ['Cancel the flow run', 'Run deployment once']);
  assert.equal(await text(card('stuck runs').locator('.trigger-text')),
    'When prefect.flow-run.Completed does not happen within 10 s after prefect.flow-run.Running, for each prefect.resource.id');
  await card('stuck runs').locator(`.actions-list a[href="/work-pools/${pool.name}"]:text-is("Pause work pool ${pool.name}")`).waitFor();
  assert.equal(await page.getByRole('switch', { name: 'stuck runs enabled' }).isChecked(), false);
  await card('stuck runs').locator('text=disabled').waitFor();
  assert.equal(await text(card('either').locator('.trigger-text')),
    'Any of (within 1 min): when a.b happens 1 time; when c.d happens 2 times within 1 min');
  assert.equal(await text(card('watch x.y').locator('[data-last-fired]')), 'No firing recorded');
  await card('note completions').locator('[data-last-fired]:not([data-last-fired=""])').waitFor();
  await card('note completions').locator('li.outcome[data-outcome="executed"]:has-text("Do nothing")').first().waitFor();
  const failure = card('broken rerun').locator('li.outcome[data-outcome="failed"]').first();
  await failure.waitFor();
  assert.equal(await failure.locator('.badge').textContent(), 'failed');
  assert.equal(await failure.locator('.what').textContent(), 'Run deployment …00000000');
  assert.ok((await failure.locator('.reason').textContent()).length > 0);
  assert.equal(await page.getByRole('link', { name: 'Automations' }).getAttribute('aria-current'), 'page');
  await shot(page, 'automations');

  // The switch reaches the API, both ways.
  const sw = page.getByRole('switch', { name: 'watch x.y enabled' });
  assert.equal(await sw.isChecked(), true);
  await sw.click();
  await waitFor(async () => (await baton.get(`/automations/${autos.watch.id}`)).enabled === false, 'watch x.y disabled in the API');
  await page.locator('li.automation.inactive[data-automation="watch x.y"]').waitFor();
  assert.equal(await sw.isChecked(), false);
  await sw.click();
  await waitFor(async () => (await baton.get(`/automations/${autos.watch.id}`)).enabled === true, 'watch x.y enabled again');

  // One automation: its activity, its events (each opening), and Prefect's edit path leads here.
  await card('note completions').getByRole('link', { name: 'note completions' }).click();
  await page.waitForURL(new RegExp(`/automations/automation/${autos.done.id}$`));
  await page.locator('h1:text-is("note completions")').waitFor();
  const fired = page.locator('li.event[data-event="prefect.automation.triggered"]').first();
  await fired.locator('.ev-time').click();
  assert.ok(JSON.parse(await fired.locator('pre.json').textContent()).payload);
  await page.locator('li.event[data-event="prefect.automation.created"]').waitFor();
  await page.locator('li.outcome[data-outcome="executed"]').first().waitFor();
  await shot(page, 'automation');
  // The event that fired it is a link away.
  await fired.locator('a.rel[data-role="triggering-event"]').click();
  await page.waitForURL(/\/events\?id=/);
  await page.locator('li.event[data-event="prefect.flow-run.Completed"] pre.json').waitFor();
  assert.equal(await page.locator('li.event').count(), 1);
  await page.goto(`${baton.url}/automations/automation/${autos.broken.id}/edit`);
  await page.waitForURL(new RegExp(`/automations/automation/${autos.broken.id}$`));
  await page.locator('li.outcome[data-outcome="failed"] .reason').first().waitFor();
  await shot(page, 'automation-failed');

  // Delete asks, then goes back to the list.
  await page.goto(`${baton.url}/automations/automation/${either.id}`);
  await page.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /Delete the automation either\?/);
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/automations$/);
  await card('watch x.y').waitFor();
  assert.equal(await card('either').count(), 0);
  await assert.rejects(baton.get(`/automations/${either.id}`), /404/);
  assert.deepEqual(page.problems(), []);
  await page.context().close();

  for (const [colorScheme, viewport, suffix] of [['dark', { width: 1280, height: 900 }, '-dark'], ['light', { width: 390, height: 844 }, '-narrow']]) {
    const p = await openPage(browser, { colorScheme, viewport });
    await p.goto(`${baton.url}/automations`);
    await p.locator('li.automation[data-automation="note completions"] li.outcome').first().waitFor();
    await shot(p, `automations${suffix}`);
    await p.goto(`${baton.url}/automations/automation/${autos.broken.id}`);
    await p.locator('li.outcome .reason').first().waitFor();
    await shot(p, `automation${suffix}`);
    assert.deepEqual(p.problems(), []);
    await p.context().close();
  }
});

test('a failing server shows its error, not an endless Loading, and the pages recover', async () => {
  const page = await openPage(browser);
  const busy = (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"detail":"database is busy"}' });
  await page.route('**/api/events/filter', busy);
  await page.goto(`${baton.url}/events`);
  await page.locator('.error:has-text("Events could not be loaded: database is busy")').waitFor();
  assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  await page.unroute('**/api/events/filter');
  await page.locator('li.event').first().waitFor({ timeout: 8000 });
  assert.equal(await page.locator('.error').count(), 0);

  await page.route('**/api/automations/filter', busy);
  await page.goto(`${baton.url}/automations`);
  await page.locator('.error:has-text("Automations could not be loaded: database is busy")').waitFor();
  assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  await page.unroute('**/api/automations/filter');
  await page.locator('li.automation').first().waitFor({ timeout: 10000 });
  await page.goto(`${baton.url}/automations/automation/00000000-0000-4000-8000-000000000001`);
  await page.locator('.error:has-text("could not be loaded")').waitFor();
  assert.ok(page.problems().every((p) => /status of (503|404)/.test(p)), page.problems().join('\n'));
  await page.context().close();
});

test('with no automations the page says how to make one', async () => {
  for (const a of await baton.post('/automations/filter', {})) await baton.request('DELETE', `/automations/${a.id}`);
  const page = await openPage(browser);
  await page.goto(`${baton.url}/automations`);
  const empty = page.locator('.empty');
  await empty.waitFor();
  assert.match(await empty.textContent(), /prefect automation create --from-file/);
  await shot(page, 'automations-empty');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
