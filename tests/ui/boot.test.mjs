// What a first visit loads (issue 21, speed): the entry module imports only the frame, each page's module is
// imported when its route opens, the chart library only on the overview, and the served page hints exactly the
// modules its route runs before it draws (the frame's and its page module's, with their imports). Then every
// page opened from a fresh browser and by in-app links draws, with no console errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO, startBaton, launchBrowser, openPage } from './harness.mjs';

let baton;
let browser;

before(async () => {
  baton = await startBaton();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

/** The files a module imports statically (`import … from '…'`, not `import(…)`), as site paths. */
function staticImports(site) {
  const file = site.startsWith('/ui/') ? join(REPO, 'ui', site.slice(4)) : join(REPO, site.slice(1));
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)].map(([, spec]) => (spec.startsWith('/')
    ? spec : normalize(join(dirname(site), spec))));
}

/** The modules `roots` import statically, transitively, with the roots. */
function closure(roots) {
  const seen = new Set();
  const visit = (site) => { if (!seen.has(site)) { seen.add(site); staticImports(site).forEach(visit); } };
  roots.forEach(visit);
  return seen;
}

test('boot imports only the frame; the page hints its route\'s modules and no others', async () => {
  const boot = closure(['/ui/app.js']);
  const pages = [...boot].filter((s) => s.startsWith('/ui/views/') && !['/ui/views/shell.js', '/ui/views/prefect-links.js'].includes(s));
  assert.deepEqual(pages, [], 'app.js imports no page module statically');
  assert.ok(!boot.has('/assets/vendor/uplot/uPlot.esm.js'), 'the chart library is not loaded at boot');
  assert.ok(boot.has('/assets/vendor/htm/preact/standalone.module.js'));

  // The served page: a modulepreload for each module of the frame and of the route's page module (with their
  // imports), after the import map, and none for another page's modules or the chart library.
  for (const [path, page] of [['/runs', 'runs'], ['/runs/0193f7c2-5c2e-7000-8000-000000000000', 'run'], ['/flows/x', 'flows'], ['/', 'overview']]) {
    const html = await (await fetch(`${baton.url}${path}`)).text();
    const hinted = [...html.matchAll(/<link rel="modulepreload" href="([^"?]+)\?v=/g)].map((m) => m[1]);
    const want = closure(['/ui/app.js', `/ui/views/${page}.js`]);
    assert.deepEqual([...want].filter((s) => !hinted.includes(s)), [], `${path}: every module of the route is hinted`);
    assert.deepEqual(hinted.filter((s) => !want.has(s)), [], `${path}: no other module is hinted`);
    assert.ok(html.includes('type="importmap"') && html.indexOf('type="importmap"') < html.indexOf('rel="modulepreload"'), `${path}: the import map comes first`);
  }
});

test('every route draws from a fresh browser and by in-app links, loading its module on demand', async () => {
  const flow = await baton.post('/flows/', { name: 'boot-flow' });
  const dep = await baton.post('/deployments/', { name: 'boot-dep', flow_id: flow.id, work_pool_name: 'default' });
  const run = await baton.post(`/deployments/${dep.id}/create_flow_run`, {});
  const routes = [
    ['/', '.card.stat'], ['/runs', `tr[data-run="${run.id}"]`], [`/runs/${run.id}`, `h1:has-text("${run.name}")`],
    ['/deployments', 'tr[data-deployment]'], [`/deployments/${dep.id}`, 'h1:has-text("boot-dep")'],
    ['/work-pools', 'tr[data-pool="default"]'], ['/work-pools/default', 'tr[data-queue="default"]'],
    ['/flows', 'tr[data-flow]'], [`/flows/${flow.id}`, 'h1:has-text("boot-flow")'], ['/variables', 'h1:has-text("Variables")'],
    ['/artifacts', 'h1:has-text("Artifacts")'], ['/blocks', 'h1:has-text("Blocks")'], ['/concurrency', 'h1:has-text("Concurrency")'],
    ['/events', 'h1:has-text("Events")'], ['/automations', 'h1:has-text("Automations")'], ['/no-such-page', '[data-not-found="page"]'],
  ];
  // A fresh context per route for the first two (the slowest pages), then one tour by links in one document.
  for (const [path, ready] of routes.slice(0, 2)) {
    const page = await openPage(browser);
    await page.goto(baton.url + path);
    await page.locator(ready).first().waitFor();
    if (path === '/') await page.locator('.chart-box canvas').waitFor();
    assert.deepEqual(page.problems(), [], path);
    await page.context().close();
  }
  const page = await openPage(browser);
  await page.goto(`${baton.url}/no-such-page`);
  await page.locator('[data-not-found="page"]').waitFor();
  for (const [path, ready] of routes) {
    await page.evaluate((p) => {
      const a = Object.assign(document.createElement('a'), { href: p, textContent: 'go' });
      document.body.append(a);
      a.click();
      a.remove();
    }, path);
    await page.locator(ready).first().waitFor();
    assert.equal(new URL(page.url()).pathname, path);
  }
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
