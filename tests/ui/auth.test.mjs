// The dashboard behind `baton serve --auth`: without credentials the browser gets 401 and no data; with
// them every page, the API calls and the live stream work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser } from './harness.mjs';

test('the dashboard asks for credentials and works with them', async () => {
  const baton = await startBaton({ args: ['--auth', 'ada:s3cret'] });
  const browser = await launchBrowser();
  try {
    // Chromium answers a basic-auth challenge with a prompt a headless page cannot show, so the anonymous
    // request goes through the browser context's own request client.
    const anonymous = await browser.newContext();
    for (const path of ['/runs', '/ui/app.js', '/api/baton/live', '/api/flows/filter']) {
      const res = await anonymous.request.get(`${baton.url}${path}`);
      assert.equal(res.status(), 401, path);
      assert.match(res.headers()['www-authenticate'] || '', /Basic/, path);
      assert.ok(!(await res.text()).includes('import'), `${path}: no content without credentials`);
    }
    await anonymous.close();

    const headers = { authorization: `Basic ${Buffer.from('ada:s3cret').toString('base64')}`, 'content-type': 'application/json' };
    const flow = await (await fetch(`${baton.api}/flows/`, { method: 'POST', headers, body: JSON.stringify({ name: 'guarded' }) })).json();
    const context = await browser.newContext({ httpCredentials: { username: 'ada', password: 's3cret' } });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${baton.url}/runs`);
    await page.locator('.page-head h1:has-text("Runs")').waitFor();
    await page.locator('html[data-live="open"]').waitFor({ state: 'attached' }); // the live stream is connected
    const run = await (await fetch(`${baton.api}/flow_runs/`, { method: 'POST', headers, body: JSON.stringify({ flow_id: flow.id, state: { type: 'RUNNING' } }) })).json();
    await page.locator(`tr[data-run="${run.id}"]`).waitFor({ timeout: 5000 });
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await browser.close();
    await baton.stop();
  }
});
