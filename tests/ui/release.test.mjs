// The dashboard served by a binary whose files are embedded at build time (a release build, or a debug build
// with `--features embed-ui`, which scripts/test.sh uses; a plain debug binary reads ui/ from disk): the
// embedded copy is the committed one, and the pages render with no console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, startBaton, launchBrowser, openPage, shot } from './harness.mjs';

const BIN = process.env.BATON_EMBEDDED_BIN || process.env.BATON_RELEASE_BIN;

test('a binary with the dashboard embedded serves the committed files', { skip: BIN ? false : 'set BATON_EMBEDDED_BIN (scripts/test.sh does)' }, async () => {
  const baton = await startBaton({ bin: BIN });
  const browser = await launchBrowser();
  try {
    for (const file of ['ui/app.js', 'ui/views/run.js', 'ui/style.css', 'assets/vendor/htm/preact/standalone.module.js']) {
      const served = await (await fetch(`${baton.url}/${file}`)).text();
      assert.equal(served, readFileSync(join(REPO, file), 'utf8'), `${file} as embedded`);
    }
    baton.cli(['deploy', '--command', "sh -c 'echo embedded'", '--flow', 'release-check', '-n', 'smoke']);
    baton.cli(['deployment', 'run', 'release-check/smoke', '--watch']);
    const page = await openPage(browser);
    for (const [name, path, ready] of [
      ['release-overview', '/', '.card.stat .n'],
      ['release-runs', '/runs', 'tr[data-run] [data-state="COMPLETED"]'],
      ['release-deployments', '/deployments', 'tr[data-deployment="smoke"]'],
    ]) {
      await page.goto(baton.url + path);
      await page.locator(ready).first().waitFor();
      await shot(page, name);
    }
    await page.goto(`${baton.url}/runs`);
    await page.locator('tr[data-run] a').first().click();
    await page.locator('.log:has-text("baton.stdout"):has-text("embedded")').waitFor();
    assert.deepEqual(page.problems(), []);
  } finally {
    await browser.close();
    await baton.stop();
  }
});
