// Every dashboard page with 100,000 runs (and 200,000 log lines) in a `baton seed` data dir: the time from
// navigation start until the page's data is drawn (its rows, counts or chart, not a "Loading…"), for a first
// load with nothing cached, warm loads and in-app navigations; printed as a table and written to
// target/ui-test-output/page-speed.json. DESIGN's target is 300 ms on this machine; it is reported here, and
// measured against Prefect's UI by tests/ui/bench-pages.mjs (BENCH.md), not asserted: a test asserts only a
// generous ceiling (3 s per median), so a slow or busy CI machine never fails it by luck. The selectors that
// mean "drawn" and the timing (an animation-frame check in the page) are in bench-pages.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT, startBaton, launchBrowser } from './harness.mjs';
import { TARGET_MS, addExtras, measurePages, over, pickFixture, table } from './bench-pages.mjs';

const RUNS = 100_000;
const LOGS = 200_000;
const CEILING_MS = 3000;

let baton;
let browser;
let fx;
let seeded;

before(async () => {
  const t0 = Date.now();
  baton = await startBaton({ seed: { runs: RUNS, logs: LOGS }, args: ['--no-worker'] });
  seeded = Date.now() - t0;
  fx = await pickFixture(baton.api);
  await addExtras(baton.api, fx.run.id);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

test(`every page draws its data with ${RUNS.toLocaleString('en')} runs (target ${TARGET_MS} ms, reported; ceiling ${CEILING_MS} ms)`, async () => {
  const t0 = Date.now();
  const { results, problems } = await measurePages(browser, [{ kind: 'baton', url: baton.url, fx }], { repeat: 5, linkRepeat: 3 });
  const pages = results.baton;
  console.log(`\n${RUNS.toLocaleString('en')} runs, ${LOGS.toLocaleString('en')} log lines (seeded and started in ${(seeded / 1000).toFixed(1)} s; `
    + `${baton.bin}); ms from navigation start until the data is drawn; first: nothing cached (settled: in a context left 1 s first); load: page.goto x5; link: in-app x3\n`);
  console.log(table(results, ['baton']));
  console.log(`\n${over(pages)}`);
  writeFileSync(join(OUT, 'page-speed.json'), JSON.stringify({
    runs: RUNS, logs: LOGS, binary: baton.bin, target_ms: TARGET_MS, ceiling_ms: CEILING_MS, measured_s: (Date.now() - t0) / 1000, pages,
  }, null, 1));
  assert.equal(Object.keys(pages).length, 15);
  for (const [name, r] of Object.entries(pages)) {
    assert.ok(r.load.median < CEILING_MS, `${name}: load median ${r.load.median.toFixed(0)} ms (ceiling ${CEILING_MS} ms)`);
    assert.ok(r.link.median < CEILING_MS, `${name}: in-app median ${r.link.median.toFixed(0)} ms (ceiling ${CEILING_MS} ms)`);
  }
  assert.deepEqual(problems.filter((p) => p.includes('page error')), [], 'no uncaught errors');
});
