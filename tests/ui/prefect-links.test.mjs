// Prefect's printed links (issue 13, item 3): the URLs the real Prefect CLI prints (`prefect work-pool create`,
// `prefect deployment run`) and the ones the Prefect SDK builds for its other objects (`url_for`: flow,
// deployment, task run, work queue), plus Prefect 2's flow-run and task-run paths, each open the matching Baton
// page (a task run's own page, not its flow run's).
// Needs BATON_PREFECT_VENV: a venv with the pinned `prefect` (scripts/prefect-venv.sh makes it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, launchBrowser, openPage, waitFor } from './harness.mjs';

const VENV = process.env.BATON_PREFECT_VENV;
let baton;
let browser;
let prefectHome;

function run(bin, args) {
  const r = spawnSync(bin, args, {
    cwd: baton.home,
    env: {
      ...process.env, PREFECT_API_URL: baton.api, PREFECT_HOME: prefectHome, PREFECT_CLI_PROMPT: 'false',
      NO_COLOR: '1', COLUMNS: '250',
    },
    encoding: 'utf8',
    timeout: 120000,
  });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

const prefect = (...args) => run(join(VENV, 'bin/prefect'), args);

/** The link Prefect's SDK builds for an object (`prefect.utilities.urls.url_for`). */
const urlFor = (kind, id) => run(join(VENV, 'bin/python'), [
  '-c', 'import sys; from prefect.utilities.urls import url_for; print(url_for(sys.argv[1], obj_id=sys.argv[2]))',
  kind, id,
]).trim();

/** The one URL of this server in `text` whose path starts with `prefix`. */
function printedUrl(text, prefix) {
  const urls = [...text.matchAll(/https?:\/\/[^\s'"]+/g)].map((m) => m[0]).filter((u) => u.startsWith(baton.url + prefix));
  assert.equal(urls.length >= 1, true, `no ${prefix} link in:\n${text}`);
  return urls[0];
}

/** Opens `url` and waits until the page lands on `path` (with `search`) and its heading shows `heading`. */
async function lands(url, path, heading, search = '') {
  const page = await openPage(browser);
  await page.goto(url);
  await waitFor(async () => {
    const loc = new URL(page.url());
    return loc.pathname === path && loc.search === search;
  }, `${url} to open ${path}${search} (at ${page.url()})`);
  await page.locator('h1', { hasText: heading }).first().waitFor();
  assert.equal(await page.locator('h1', { hasText: 'Not found' }).count(), 0);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
}

before(async () => {
  assert.ok(VENV, 'BATON_PREFECT_VENV must name a venv with prefect installed (scripts/prefect-venv.sh prints one)');
  baton = await startBaton();
  prefectHome = mkdtempSync(join(tmpdir(), 'prefect-home-'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

test('the work-pool link `prefect work-pool create` prints opens the pool page', async () => {
  const out = prefect('work-pool', 'create', '--type', 'process', 'linked-pool');
  await lands(printedUrl(out, '/work-pools/work-pool/'), '/work-pools/linked-pool', 'linked-pool');
});

test('the flow-run link `prefect deployment run` prints opens the run page', async () => {
  baton.cli(['deploy', '--command', 'echo linked', '--flow', 'linked', '-n', 'dep']);
  const out = prefect('deployment', 'run', 'linked/dep');
  const url = printedUrl(out, '/runs/flow-run/');
  const id = url.split('/').pop();
  const run = await baton.get(`/flow_runs/${id}`);
  await lands(url, `/runs/${id}`, run.name);
  // Prefect 2 printed /flow-runs/flow-run/<id>.
  await lands(`${baton.url}/flow-runs/flow-run/${id}`, `/runs/${id}`, run.name);
});

test("the SDK's deployment, flow, task-run and work-queue links open their Baton pages", async () => {
  const [dep] = await baton.post('/deployments/filter', { deployments: { name: { any_: ['dep'] } } });
  await lands(urlFor('deployment', dep.id), `/deployments/${dep.id}`, 'dep');
  await lands(urlFor('flow', dep.flow_id), `/flows/${dep.flow_id}`, 'linked');
  const [run] = await baton.post('/flow_runs/filter', { deployments: { id: { any_: [dep.id] } } });
  const task = await baton.post('/task_runs/', { name: 'step-0', task_key: 'step', dynamic_key: '0', flow_run_id: run.id });
  await lands(urlFor('task-run', task.id), `/task-runs/${task.id}`, 'step-0');
  // Prefect 2 printed /task-runs/task-run/<id>.
  await lands(`${baton.url}/task-runs/task-run/${task.id}`, `/task-runs/${task.id}`, 'step-0');
  const [queue] = await baton.post('/work_pools/linked-pool/queues/filter', {});
  await lands(urlFor('work-queue', queue.id), '/work-pools/linked-pool', 'linked-pool');
});

test('a link to a task run that does not exist says so', async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/runs/task-run/00000000-0000-0000-0000-000000000000`);
  await page.locator('h1', { hasText: 'Not found' }).waitFor();
  await page.locator('[data-not-found="task run"]:has-text("There is no task run 00000000-0000-0000-0000-000000000000")').waitFor();
  assert.equal(new URL(page.url()).pathname, '/task-runs/00000000-0000-0000-0000-000000000000');
  await page.context().close();
});
