// The Blocks pages in a real browser: saved blocks listed by type, a block's fields with its secrets
// hidden, the block it refers to, and delete.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaton, launchBrowser, openPage, shot } from './harness.mjs';

let baton;
let browser;
let creds;
let conn;
let dep;

before(async () => {
  baton = await startBaton();
  const type = await baton.post('/block_types/', { name: 'Db Conn', slug: 'db-conn' });
  const fields = { title: 'DbConn', type: 'object', properties: { host: { type: 'string' }, password: { type: 'string' } },
    secret_fields: ['password'], block_schema_references: {}, block_type_slug: 'db-conn' };
  const schema = await baton.post('/block_schemas/', { block_type_id: type.id, fields });
  creds = await baton.post('/block_documents/', { name: 'primary', block_type_id: type.id, block_schema_id: schema.id,
    data: { host: 'db.internal', password: 'ui-zq-4410' } });
  conn = await baton.post('/block_documents/', { name: 'replica', block_type_id: type.id, block_schema_id: schema.id,
    data: { host: 'db2.internal', password: 'ui-zq-4411', upstream: { $ref: { block_document_id: creds.id } } } });
  const flow = await baton.post('/flows/', { name: 'uses-db' });
  dep = await baton.post('/deployments/', { name: 'nightly', flow_id: flow.id, work_pool_name: 'default',
    job_variables: { env: { DB_PASSWORD: '{{ prefect.blocks.db-conn.replica.password }}' } } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await baton?.stop();
});

test("a deployment links to the blocks its job variables use, and Prefect's block links open", async () => {
  const page = await openPage(browser);
  await page.goto(`${baton.url}/deployments/${dep.id}`);
  await page.locator('a.block-link:has-text("db-conn/replica")').click();
  await page.locator('tr[data-field="host"] >> text=db2.internal').waitFor();
  assert.match(page.url(), /\/blocks\/db-conn\/replica$/);
  await page.goto(`${baton.url}/blocks/block/${creds.id}`);
  await page.locator('tr[data-field="host"] >> text=db.internal').waitFor();
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('blocks are listed, their secrets stay hidden, and one can be deleted', async () => {
  for (const [viewport, suffix] of [[{ width: 1280, height: 900 }, ''], [{ width: 390, height: 844 }, '-narrow']]) {
    const page = await openPage(browser, { viewport });
    await page.goto(`${baton.url}/blocks`);
    await page.locator('tr[data-block="db-conn/primary"]').waitFor();
    await page.locator('tr[data-block="db-conn/replica"]').waitFor();
    await shot(page, `blocks${suffix}`);
    await page.goto(`${baton.url}/blocks/${conn.id}`);
    await page.locator('tr[data-field="password"] >> text=********').waitFor();
    assert.equal(await page.locator('text=ui-zq-4411').count(), 0, 'the secret is not on the page');
    assert.equal(await page.locator('text=ui-zq-4410').count(), 0, 'nor the referenced one');
    await page.locator('tr[data-field="password"] .badge:has-text("secret")').waitFor();
    await page.locator('a:has-text("db-conn/primary")').waitFor();
    await shot(page, `block${suffix}`);
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  }
  const page = await openPage(browser);
  await page.goto(`${baton.url}/blocks?type=db-conn`);
  await page.locator('a:has-text("primary")').click();
  await page.locator('tr[data-field="host"] >> text=db.internal').waitFor();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.locator('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.locator('tr[data-block="db-conn/replica"]').waitFor();
  assert.equal(await page.locator('tr[data-block="db-conn/primary"]').count(), 0);
  const left = await baton.post('/block_documents/filter', {});
  assert.deepEqual(left.map((d) => d.name), ['replica']);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
