// Dashboard pages in the browser with 100,000 runs: how long each page takes from navigation start until its
// data is drawn, for Baton (a `baton seed` data dir) and, with --prefect, Prefect 3.9.1's own server and UI
// (seeded through bench/prefect_seed.py), measured in the same run, interleaved. See BENCH.md ("Dashboard pages
// in the browser with 100,000 runs").
//
// How a page is timed: an init script in every document checks, on each animation frame (just before the
// browser paints), whether all the page's "ready" selectors match a visible element (with the given text);
// the first frame they do is the page's time. "first" is a page.goto in a new browser context (nothing
// cached), "load" a page.goto with the HTTP cache warm, both from the document's navigation start
// (performance.timeOrigin); "link" an in-app navigation from the previous page of the tour (PAGES' order):
// Baton's router follows a clicked <a href>, Prefect's a $router.push (what its RouterLink does), timed from
// just before the click or push.
//
// Usage: node tests/ui/bench-pages.mjs [--prefect] [--repeat 5] [--runs 100000] [--logs 1000000] [--json FILE]
// Binary: $BATON_BIN (copy target/release/baton to /tmp first so a rebuild does not disturb the run), else
// target/release/baton. Prefect: $PREFECT_VENV, else target/prefect-venv-3.9.1 (scripts/prefect-venv.sh 3.9.1).
// The test tests/ui/page-speed.test.mjs imports the pages and the timing from here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, startBaton, launchBrowser, waitFor } from './harness.mjs';

export const TARGET_MS = 300;

// [name, Baton path, Baton ready, Prefect path, Prefect ready]; ready: [css, text?] pairs that must all be
// visible. Each means the page's own data is drawn (rows, counts, charts), never a skeleton or a heading alone.
export const PAGES = (b, p) => [
  ['overview', '/', [['.card.stat'], ['.chart-box canvas']],
    '/dashboard', [['.flow-runs-bar-chart__bar-flow-run'], ['.flow-runs-accordion-header__name'], ['.dashboard-work-pool-card__name']]],
  ['runs', '/runs', [['table.runs tr[data-run]'], ['.runs-tabs .count']],
    '/runs', [['.flow-run-list .flow-run-list-item .state-badge']]],
  ['run', `/runs/${b.run.id}`, [['h1', b.run.name], ['.states-tl li'], ['.logs .log']],
    `/runs/flow-run/${p?.run.id}`, [['.page-heading-flow-run .state-badge'], ['.log-row']]],
  ['deployments', '/deployments', [['tr[data-deployment]'], ['.activity a.cell']],
    '/deployments', [['.deployment-list__name'], ['.deployment-status-badge']]],
  ['deployment', `/deployments/${b.deployment.id}`, [['h1', b.deployment.name], ['dl.details'], ['table.runs tr[data-run]']],
    `/deployments/deployment/${p?.deployment.id}`, [['.deployment-details'], ['.flow-run-list-item .state-badge']]],
  ['work-pools', '/work-pools', [['tr[data-pool="default"]']],
    '/work-pools', [['.work-pool-card__name']]],
  ['work-pool', '/work-pools/default', [['tr[data-queue="default"]']],
    '/work-pools/work-pool/default', [['.work-pool-details .work-pool-status-icon']]],
  ['flows', '/flows', [['tr[data-flow]']],
    '/flows', [['.flow-list__name']]],
  ['flow', `/flows/${b.flow.id}`, [['.flow-deployments tr[data-deployment]'], ['.flow-runs tr[data-run]']],
    `/flows/flow/${p?.flow.id}`, [['.flow-run-history-card'], ['.flow-run-list-item .state-badge']]],
  ['blocks', '/blocks', [['tr[data-block]']],
    '/blocks', [['.block-documents-table__block-name']]],
  ['variables', '/variables', [['tr[data-variable]']],
    '/variables', [['.variables-table__name']]],
  ['artifacts', '/artifacts', [['tr[data-key]']],
    '/artifacts', [['.artifact-card']]],
  ['concurrency', '/concurrency', [['tr[data-limit]']],
    '/concurrency-limits', [['.concurrency-limits-v2-table tbody td', 'warehouse']]],
  ['events', '/events', [['li.event']],
    '/events', [['.workspace-event-description__event']]],
  ['automations', '/automations', [['li.automation']],
    '/automations', [['.automation-card__name']]],
].map(([name, bPath, bReady, pPath, pReady]) => ({ name, baton: { path: bPath, ready: bReady }, prefect: { path: pPath, ready: pReady } }));

/** Runs in every document before its scripts: records when the ready selectors of the current path are drawn. */
function speedInit() {
  const s = { t0: 0, at: null, spec: null };
  window.__speed = s;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const ready = () => s.spec && location.pathname === s.spec.path && s.spec.ready.every(([css, text]) => [...document.querySelectorAll(css)]
    .some((el) => (!text || el.textContent.includes(text)) && shown(el)));
  const frame = () => {
    if (s.at === null && ready()) s.at = performance.now();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  performance.setResourceTimingBufferSize(100000); // a tour of in-app navigations stays in one document
  try { s.spec = JSON.parse(sessionStorage.getItem('__speed_spec')); } catch { s.spec = null; }
}

// "settled": nothing cached either, in a new context left this long (its renderer starts for ~400 ms: BENCH.md).
const SETTLE_MS = 1000;

/** A browser context (own cache) with the timing script, on `server` ({ kind, url }), left `settleMs` idle. */
export async function openTimed(browser, server, settleMs = 0) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(speedInit);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  // The init script reads the spec from this origin's sessionStorage (so a new document knows what to wait
  // for): open the origin on a JSON answer first, which loads none of the UI (the first load stays cold).
  await page.goto(`${server.url}/api/health`);
  if (settleMs) await new Promise((r) => { setTimeout(r, settleMs); });
  return { page, context, problems, server };
}

const setSpec = (t, spec) => t.page.evaluate((js) => sessionStorage.setItem('__speed_spec', js), JSON.stringify(spec));

/**
 * Waits until the page is drawn; its time, and from the page's Resource Timing what it waited on: `boot` (until
 * the first API request starts: the document, scripts, first render), `api` (until the last API answer before
 * the page was drawn) and each API call's duration (`calls`, by path).
 */
async function readyTime(t, what, timeoutMs) {
  await waitFor(() => t.page.evaluate(() => window.__speed && window.__speed.at !== null), what, timeoutMs);
  return t.page.evaluate(() => {
    const { t0, at } = window.__speed;
    const api = performance.getEntriesByType('resource').filter((e) => e.startTime >= t0 && e.responseEnd <= at
      && new URL(e.name).pathname.startsWith('/api/'));
    const start = api.length ? Math.min(...api.map((e) => e.startTime)) : at;
    const end = api.length ? Math.max(...api.map((e) => e.responseEnd)) : at;
    return { ms: at - t0, boot: start - t0, api: end - start, calls: api.map((e) => ({ call: new URL(e.name).pathname, ms: e.responseEnd - e.startTime })) };
  });
}

/** Milliseconds from navigation start until `spec` (a page's { path, ready }) is drawn, by a page.goto. */
export async function timeLoad(t, spec, timeoutMs = 30000) {
  await setSpec(t, spec);
  await t.page.goto(t.server.url + spec.path, { waitUntil: 'commit' });
  return readyTime(t, `${t.server.kind} ${spec.path} drawn`, timeoutMs);
}

/** Milliseconds from an in-app navigation (from the page shown now) until `spec` is drawn. */
export async function timeLink(t, spec, timeoutMs = 30000) {
  await setSpec(t, spec);
  await t.page.evaluate(({ path, kind, js }) => {
    const s = window.__speed;
    s.spec = JSON.parse(js);
    s.at = null;
    performance.clearResourceTimings();
    s.t0 = performance.now();
    if (kind === 'prefect') {
      document.querySelector('#app').__vue_app__.config.globalProperties.$router.push(path);
    } else {
      const a = Object.assign(document.createElement('a'), { href: path, textContent: 'go' });
      document.body.append(a);
      a.click();
      a.remove();
    }
  }, { path: spec.path, kind: t.server.kind, js: JSON.stringify(spec) });
  return readyTime(t, `${t.server.kind} ${spec.path} drawn after an in-app navigation`, timeoutMs);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (xs) => ({ median: median(xs), max: Math.max(...xs), all: xs });

/** What a page's loads waited on (medians): boot, API, and its three slowest API calls (by path). */
function waits(loads) {
  const by = new Map();
  for (const l of loads) for (const c of l.calls) by.set(c.call, [...(by.get(c.call) || []), c.ms]);
  const calls = [...by].map(([call, ms]) => ({ call, ms: median(ms) })).sort((a, b) => b.ms - a.ms).slice(0, 3);
  return { boot: median(loads.map((l) => l.boot)), api: median(loads.map((l) => l.api)), slowest_calls: calls };
}

/**
 * Times every page on every server: per page a first load (new context), then `repeat` rounds of a warm
 * load on each server (the servers' order alternating by round), then `linkRepeat` tours of in-app
 * navigations through all pages. `servers`: [{ kind, url, fx }]. Resolves to { [kind]: { [page]: result } }.
 */
export async function measurePages(browser, servers, { repeat = 5, linkRepeat = repeat, log = () => {} } = {}) {
  const pages = PAGES(servers.find((s) => s.kind === 'baton')?.fx || { run: {}, deployment: {}, flow: {} }, servers.find((s) => s.kind === 'prefect')?.fx);
  const out = Object.fromEntries(servers.map((s) => [s.kind, {}]));
  const problems = [];
  const order = (i) => (i % 2 ? [...servers].reverse() : servers);
  for (const [i, p] of pages.entries()) {
    const loads = Object.fromEntries(servers.map((s) => [s.kind, []]));
    const timed = {};
    for (const s of order(i)) {
      timed[s.kind] = await openTimed(browser, s);
      const first = await timeLoad(timed[s.kind], p[s.kind]);
      const settled = await openTimed(browser, s, SETTLE_MS);
      const firstSettled = await timeLoad(settled, p[s.kind]);
      problems.push(...settled.problems.map((m) => `${s.kind} ${p.name} settled: ${m}`));
      await settled.context.close();
      out[s.kind][p.name] = { path: p[s.kind].path, ready: p[s.kind].ready, first: first.ms, first_waits: waits([first]), first_settled: firstSettled.ms };
    }
    for (let r = 0; r < repeat; r += 1) {
      for (const s of order(i + r)) loads[s.kind].push(await timeLoad(timed[s.kind], p[s.kind]));
    }
    for (const s of servers) {
      const res = out[s.kind][p.name];
      Object.assign(res, { load: stats(loads[s.kind].map((l) => l.ms)), waits: waits(loads[s.kind]) });
      problems.push(...timed[s.kind].problems.map((m) => `${s.kind} ${p.name}: ${m}`));
      await timed[s.kind].context.close();
      log(`${s.kind.padEnd(7)} ${p.name.padEnd(12)} first ${res.first.toFixed(0).padStart(5)} ms  load median ${res.load.median.toFixed(0).padStart(5)} ms  max ${res.load.max.toFixed(0).padStart(5)} ms`);
    }
  }
  const tours = Object.fromEntries(servers.map((s) => [s.kind, Object.fromEntries(pages.map((p) => [p.name, []]))]));
  const timed = {};
  for (const s of servers) {
    timed[s.kind] = await openTimed(browser, s);
    await timeLoad(timed[s.kind], pages[pages.length - 1][s.kind]);
  }
  for (let r = 0; r < linkRepeat; r += 1) {
    for (const [i, p] of pages.entries()) {
      for (const s of order(r + i)) tours[s.kind][p.name].push(await timeLink(timed[s.kind], p[s.kind]));
    }
  }
  for (const s of servers) {
    for (const p of pages) {
      if (linkRepeat) Object.assign(out[s.kind][p.name], { link: stats(tours[s.kind][p.name].map((l) => l.ms)), link_waits: waits(tours[s.kind][p.name]) });
    }
    problems.push(...timed[s.kind].problems.map((m) => `${s.kind} tour: ${m}`));
    await timed[s.kind].context.close();
  }
  return { results: out, problems };
}

/** The run, deployment and flow the detail pages show (the same choice on either server). */
export async function pickFixture(api) {
  const call = async (path, body) => (await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  const run = (await call('/flow_runs/filter', { sort: 'EXPECTED_START_TIME_DESC', limit: 50 }))[25];
  const [deployment] = await call('/deployments/filter', { deployments: { id: { any_: [run.deployment_id] } } });
  const [flow] = await call('/flows/filter', { flows: { id: { any_: [run.flow_id] } } });
  return { run, deployment, flow };
}

/** The same objects on either server through Prefect's API: what the pages beyond runs list. */
export async function addExtras(api, runId) {
  const post = async (path, body) => {
    const res = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  for (let i = 0; i < 12; i += 1) await post('/variables/', { name: `setting_${i}`, value: { n: i, on: i % 2 === 0 }, tags: ['bench'] });
  const type = await post('/block_types/', { name: 'Db Conn', slug: 'db-conn' });
  const fields = { title: 'DbConn', type: 'object', properties: { host: { type: 'string' }, password: { type: 'string' } },
    secret_fields: ['password'], block_schema_references: {}, block_type_slug: 'db-conn' };
  const schema = await post('/block_schemas/', { block_type_id: type.id, fields, capabilities: [] });
  for (const name of ['primary', 'replica']) {
    await post('/block_documents/', { name, block_type_id: type.id, block_schema_id: schema.id, data: { host: `${name}.internal`, password: 'pw' } });
  }
  for (let i = 0; i < 10; i += 1) await post('/artifacts/', { key: `report-${i}`, type: 'markdown', data: `# Report ${i}\n- **rows**: ${i * 10}`, flow_run_id: runId });
  for (const [name, limit] of [['warehouse', 2], ['api-calls', 10], ['scratch', 5]]) await post('/v2/concurrency_limits/', { name, limit });
  const trigger = (expect) => ({ type: 'event', expect, posture: 'Reactive', threshold: 1, within: 0 });
  for (const [name, ev] of [['note completions', 'prefect.flow-run.Completed'], ['watch failures', 'prefect.flow-run.Failed'], ['watch x', 'x.y']]) {
    await post('/automations/', { name, trigger: trigger([ev]), actions: [{ type: 'do-nothing' }] });
  }
  const now = Date.now();
  const at = (i) => new Date(now - i * 60000).toISOString();
  await post('/logs/', [0, 1, 2].map((i) => ({ name: 'bench', level: i === 2 ? 40 : 20, message: `bench line ${i}`, timestamp: at(60 - i), flow_run_id: runId })));
  const events = Array.from({ length: 200 }, (_, i) => ({
    id: crypto.randomUUID(), occurred: at(i), event: `bench.thing.${i % 2 ? 'done' : 'started'}`,
    resource: { 'prefect.resource.id': `bench.thing.${i}`, 'prefect.resource.name': `thing-${i}` }, related: [], payload: { i },
  }));
  for (let i = 0; i < events.length; i += 50) await post('/events', events.slice(i, i + 50));
}

/** Rows of the results table: page, then per server first / load median / max / link median / max. */
export function table(results, kinds) {
  const head = ['page', ...kinds.flatMap((k) => [`${k} first`, 'settled', 'load med', 'max', 'link med', 'max'])];
  const rows = Object.keys(results[kinds[0]]).map((name) => [name, ...kinds.flatMap((k) => {
    const r = results[k][name];
    return [r.first, r.first_settled, r.load.median, r.load.max, r.link?.median, r.link?.max].map((v) => (v == null ? '-' : v.toFixed(0)));
  })]);
  if (kinds.length === 2) {
    head.push('load ratio', 'link ratio');
    for (const row of rows) {
      const [a, b] = kinds.map((k) => results[k][row[0]]);
      row.push(`${(b.load.median / a.load.median).toFixed(1)}x`, a.link ? `${(b.link.median / a.link.median).toFixed(1)}x` : '-');
    }
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ')).join('\n');
}

/** Lines naming each page whose load or link median is over the target, with what its loads waited on. */
export function over(pages) {
  const ms = (x) => `${x.toFixed(0)} ms`;
  const lines = Object.entries(pages).filter(([, r]) => r.load.median > TARGET_MS || r.link?.median > TARGET_MS).map(([name, r]) => {
    const w = (label, x) => `${label} ${ms(r[label].median)}: boot ${ms(x.boot)}, API ${ms(x.api)}; slowest calls ${x.slowest_calls.map((c) => `${c.call} ${ms(c.ms)}`).join(', ')}`;
    return `  ${name}: ${w('load', r.waits)}${r.link?.median > TARGET_MS ? `\n  ${' '.repeat(name.length)}  ${w('link', r.link_waits)}` : ''}`;
  });
  return lines.length ? `over ${TARGET_MS} ms (median):\n${lines.join('\n')}` : `every median under ${TARGET_MS} ms`;
}

// ---- The bench: Baton and Prefect 3.9.1 side by side -------------------------------------------------------

const VENV = process.env.PREFECT_VENV || join(REPO, 'target/prefect-venv-3.9.1');
const FLOWS = ['etl', 'reports', 'ml-train', 'backup'];

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => res(port)); });
    srv.on('error', rej);
  });
}

async function postJson(api, path, body) {
  const res = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

/** `prefect server start` on a free loopback port in its own process group; resolves once /api/health answers. */
async function startPrefect(home, logFile) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: 'false', PREFECT_UI_API_URL: `${url}/api` };
  delete env.PREFECT_API_URL;
  const fd = openSync(logFile, 'a');
  const child = spawn(join(VENV, 'bin/prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port)],
    { env, detached: true, stdio: ['ignore', fd, fd] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || !(child.pid > 1)) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGINT'); // the group we started: the server and its children
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 30000))]);
    if (!done) process.kill(-child.pid, 'SIGKILL');
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`prefect server exited (${child.exitCode}); see ${logFile}`);
      return (await fetch(`${url}/api/health`)).ok;
    }, 'prefect server start', 180000);
  } catch (e) { await stop(); throw e; }
  return { kind: 'prefect', url, api: `${url}/api`, stop };
}

/** A Prefect data dir like `baton seed`'s: pool "default", four flows with a deployment each, and `runs` runs
 * written by bench/prefect_seed.py (a quarter per deployment) while the server is stopped; then started. */
async function seedPrefect(root, runs, log) {
  const home = join(root, 'prefect');
  mkdirSync(home);
  const logFile = join(root, 'prefect.log');
  const p = await startPrefect(home, logFile);
  const made = [];
  try {
    await postJson(p.api, '/work_pools/', { name: 'default', type: 'process' });
    for (const name of FLOWS) {
      const flow = await postJson(p.api, '/flows/', { name });
      made.push([flow, await postJson(p.api, '/deployments/', { name: `${name}-nightly`, flow_id: flow.id, work_pool_name: 'default', tags: ['seeded'] })]);
    }
  } finally { await p.stop(); }
  const t0 = Date.now();
  for (const [i, [flow, dep]] of made.entries()) {
    const n = Math.floor(runs / FLOWS.length) + (i === 0 ? runs % FLOWS.length : 0);
    const r = spawnSync(join(VENV, 'bin/python'), [join(REPO, 'bench/prefect_seed.py'), String(n), flow.id, dep.id],
      { env: { ...process.env, PREFECT_HOME: home }, encoding: 'utf8', timeout: 900000 });
    if (r.status !== 0) throw new Error(`prefect_seed.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  }
  log(`seeded Prefect with ${runs.toLocaleString('en')} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return startPrefect(home, logFile);
}

const option = (args, name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);

async function main(args) {
  const withPrefect = args.includes('--prefect');
  const repeat = Number(option(args, '--repeat', 5));
  const linkRepeat = Number(option(args, '--link-repeat', repeat));
  const runs = Number(option(args, '--runs', 100000));
  const logs = Number(option(args, '--logs', 1000000));
  const json = option(args, '--json', join(REPO, 'target/bench/pages.json'));
  const bin = process.env.BATON_BIN || join(REPO, 'target/release/baton');
  const root = mkdtempSync(join(tmpdir(), 'baton-bench-pages-'));
  const log = (m) => console.log(m);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, load_before: loadavg() };
  let baton; let prefect; let browser;
  try {
    const t0 = Date.now();
    baton = await startBaton({ bin, seed: { runs, logs }, args: ['--no-worker'] });
    log(`seeded Baton with ${runs.toLocaleString('en')} runs, ${logs.toLocaleString('en')} log lines and started it in ${((Date.now() - t0) / 1000).toFixed(1)} s (${bin})`);
    const servers = [{ kind: 'baton', url: baton.url, fx: await pickFixture(baton.api) }];
    await addExtras(baton.api, servers[0].fx.run.id);
    if (withPrefect) {
      prefect = await seedPrefect(root, runs, log);
      servers.push({ kind: 'prefect', url: prefect.url, fx: await pickFixture(prefect.api) });
      await addExtras(prefect.api, servers[1].fx.run.id);
    }
    browser = await launchBrowser();
    const { results, problems } = await measurePages(browser, servers, { repeat, linkRepeat, log });
    machine.load_after = loadavg();
    log(`\nms from navigation start until the page's data is drawn; first: nothing cached (settled: in a context left ${SETTLE_MS} ms); load: page.goto x${repeat} (warm); link: in-app x${linkRepeat}\n`);
    log(table(results, servers.map((s) => s.kind)));
    log(`\n${over(results.baton)}`);
    log(`load average before ${machine.load_before.map((x) => x.toFixed(2)).join(' ')}, after ${machine.load_after.map((x) => x.toFixed(2)).join(' ')}; ${machine.cpus} x ${machine.cpu}`);
    if (problems.length) log(`console errors: ${problems.length} (first: ${problems.slice(0, 3).join(' | ')})`);
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ runs, logs, repeat, link_repeat: linkRepeat, binary: bin, machine, results, problems }, null, 1));
    log(`JSON: ${json}`);
  } finally {
    await browser?.close();
    await baton?.stop();
    await prefect?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
}
