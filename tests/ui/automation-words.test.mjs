// The dashboard's wording of automations (ui/views/automation-words.js), without a browser: triggers of every
// kind, actions, the pages of event resources, and an automation's activity from its events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

// ui/ has no package.json, so Node would read the file as CommonJS; the module has no imports, so load its text.
const source = readFileSync(join(REPO, 'ui/views/automation-words.js'), 'utf8');
const words = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
const { triggerText, actionText, actionHref, resourceHref, parseResource, spanText, automationActivity, actionAt } = words;

const event = (over) => ({ type: 'event', match: {}, match_related: {}, after: [], expect: [], for_each: [], posture: 'Reactive', threshold: 1, within: 0, ...over });

test('reactive triggers say what, from where, how often and within what', () => {
  assert.equal(triggerText(event({ expect: ['prefect.flow-run.Failed'], match_related: { 'prefect.resource.id': 'prefect.deployment.*' } })),
    'When prefect.flow-run.Failed from prefect.deployment.* happens 1 time');
  assert.equal(triggerText(event({ expect: ['x.y'] })), 'When x.y happens 1 time');
  assert.equal(triggerText(event({ expect: ['a.b', 'a.c'], threshold: 3, within: 600, match: { 'prefect.resource.id': ['prefect.flow-run.*'] } })),
    'When a.b or a.c from prefect.flow-run.* happens 3 times within 10 min');
  assert.equal(triggerText(event({})), 'When any event happens 1 time');
  assert.equal(triggerText(event({ expect: ['e'], match: { 'prefect.resource.id': 'prefect.flow-run.*' }, match_related: { 'prefect.resource.id': 'prefect.flow.abc', 'prefect.resource.role': 'flow' } })),
    'When e from prefect.flow-run.* related to prefect.flow.abc with prefect.resource.role=flow happens 1 time');
  assert.equal(triggerText(event({ expect: ['e'], after: ['s'], for_each: ['prefect.resource.id'] })),
    'When e happens 1 time, once s has happened, for each prefect.resource.id');
});

test('proactive triggers say what does not happen in time', () => {
  assert.equal(triggerText(event({ posture: 'Proactive', expect: ['prefect.flow-run.Completed'], after: ['prefect.flow-run.Running'], for_each: ['prefect.resource.id'], within: 10 })),
    'When prefect.flow-run.Completed does not happen within 10 s after prefect.flow-run.Running, for each prefect.resource.id');
  assert.equal(triggerText(event({ posture: 'Proactive', expect: ['w.heartbeat'], threshold: 2, within: 'PT1H30M' })),
    'When w.heartbeat does not happen 2 times within 1 h 30 min');
});

test('compound and sequence triggers list their parts', () => {
  const a = event({ expect: ['a'] });
  const b = event({ expect: ['b'], threshold: 2 });
  assert.equal(triggerText({ type: 'compound', require: 'all', within: 60, triggers: [a, b] }),
    'All of (within 1 min): when a happens 1 time; when b happens 2 times');
  assert.equal(triggerText({ type: 'compound', require: 'any', triggers: [a, b] }), 'Any of: when a happens 1 time; when b happens 2 times');
  assert.equal(triggerText({ type: 'compound', require: 1, triggers: [a, b, a] }).slice(0, 6), '1 of: ');
  assert.equal(triggerText({ type: 'sequence', within: null, triggers: [a, b] }), 'In order: when a happens 1 time; then when b happens 2 times');
  assert.equal(triggerText({ type: 'compound', require: 'any', triggers: [{ type: 'sequence', triggers: [a, b] }, a] }),
    'Any of: in order: when a happens 1 time; then when b happens 2 times; when a happens 1 time');
});

test('spans read as people write them', () => {
  assert.deepEqual([0, 10, 90, 600, 3600, 5400, 86400, 'PT10S', null].map(spanText), ['', '10 s', '1 min 30 s', '10 min', '1 h', '1 h 30 min', '1 d', '10 s', '']);
});

test('actions in words, with names when known and links to what they act on', () => {
  const dep = '0b3c52b1-3cd3-4d8e-8e47-4a3c1c2a5c11';
  const pool = '9f1a1e40-5b1b-4b7e-9f0e-1a2b3c4d5e6f';
  const names = new Map([[dep, 'nightly'], [pool, 'k8s']]);
  assert.equal(actionText({ type: 'run-deployment', source: 'selected', deployment_id: dep }, names), 'Run deployment nightly');
  assert.equal(actionText({ type: 'run-deployment', source: 'selected', deployment_id: dep, parameters: { a: 1 } }, new Map()), 'Run deployment …1c2a5c11 with 1 parameter');
  assert.equal(actionText({ type: 'run-deployment', source: 'inferred' }), 'Run the deployment of the triggering event');
  assert.equal(actionText({ type: 'cancel-flow-run' }), 'Cancel the flow run');
  assert.equal(actionText({ type: 'send-notification', block_document_id: 'x', subject: 'Oops', body: '' }), 'Send a notification: “Oops”');
  assert.equal(actionText({ type: 'call-webhook', block_document_id: 'x' }), 'Call a webhook');
  assert.equal(actionText({ type: 'pause-work-pool', source: 'selected', work_pool_id: pool }, names), 'Pause work pool k8s');
  assert.equal(actionText({ type: 'resume-automation', source: 'inferred' }), 'Resume the automation of the triggering event');
  assert.equal(actionText({ type: 'change-flow-run-state', state: 'FAILED', name: null, force: false }), "Change the flow run's state to Failed");
  assert.equal(actionText({ type: 'do-nothing' }), 'Do nothing');
  assert.equal(actionText({ type: 'some-future-thing' }), 'Some future thing');
  assert.equal(actionHref({ type: 'run-deployment', source: 'selected', deployment_id: dep }), `/deployments/${dep}`);
  assert.equal(actionHref({ type: 'pause-work-pool', source: 'selected', work_pool_id: pool }, names), '/work-pools/k8s');
  assert.equal(actionHref({ type: 'pause-work-pool', source: 'selected', work_pool_id: pool }, new Map()), null);
  assert.equal(actionHref({ type: 'cancel-flow-run' }), null);
});

test('event resources open their Baton pages', () => {
  const id = '3d40f9c9-c63b-46e6-96db-be583c99a4c5';
  assert.equal(resourceHref(`prefect.flow-run.${id}`), `/runs/${id}`);
  assert.equal(resourceHref(`prefect.deployment.${id}`), `/deployments/${id}`);
  assert.equal(resourceHref(`prefect.flow.${id}`), `/runs?flow=${id}`);
  assert.equal(resourceHref(`prefect.work-pool.${id}`, new Map([[id, 'my pool']])), '/work-pools/my%20pool');
  assert.equal(resourceHref(`prefect.work-pool.${id}`), null);
  assert.equal(resourceHref(`prefect.task-run.${id}`), `/runs/task-run/${id}`);
  assert.equal(resourceHref(`prefect.automation.${id}`), `/automations/automation/${id}`);
  assert.equal(resourceHref(`prefect.event.${id}`), `/events?id=${id}`);
  assert.equal(resourceHref('prefect.tag.nightly'), null);
  assert.equal(resourceHref('something.else'), null);
  assert.deepEqual(parseResource(`prefect.flow-run.${id}`), { kind: 'flow-run', key: id });
  assert.equal(parseResource('prefect.flow-run.'), null);
});

test("an automation's activity: last firing, and each action's outcome with a failure's reason", () => {
  const auto = { actions: [{ type: 'run-deployment', source: 'selected', deployment_id: 'd' }, { type: 'call-webhook' }], actions_on_trigger: [], actions_on_resolve: [] };
  const ev = (event, occurred, payload = {}, extra = {}) => ({ id: `${event}-${occurred}`, event, occurred, payload, related: [], ...extra });
  const events = [
    ev('prefect.automation.created', '2026-01-01T00:00:00Z'),
    ev('prefect.automation.triggered', '2026-01-01T01:00:00Z'),
    ev('prefect.automation.action.triggered', '2026-01-01T01:00:00Z', { action_index: 0, action_type: 'run-deployment', invocation: 'i1' }),
    ev('prefect.automation.action.executed', '2026-01-01T01:00:01Z', { action_index: 0, action_type: 'run-deployment', invocation: 'i1' }),
    ev('prefect.automation.action.triggered', '2026-01-01T01:00:00Z', { action_index: 1, action_type: 'call-webhook', invocation: 'i2' }),
    ev('prefect.automation.action.failed', '2026-01-01T01:00:02Z', { action_index: 1, action_type: 'call-webhook', invocation: 'i2', reason: 'HTTP 500' }),
    ev('prefect.automation.triggered', '2026-01-01T02:00:00Z'),
    ev('prefect.automation.action.triggered', '2026-01-01T02:00:00.5Z', { action_index: 0, action_type: 'run-deployment' }, { id: 't3' }),
  ];
  const act = automationActivity(events);
  assert.equal(act.lastFired.occurred, '2026-01-01T02:00:00Z');
  assert.equal(act.fired, 2);
  assert.deepEqual(act.outcomes.map((o) => [o.outcome, o.type, o.reason]), [
    ['started', 'run-deployment', null], ['failed', 'call-webhook', 'HTTP 500'], ['executed', 'run-deployment', null]]);
  assert.deepEqual(actionAt(auto, 1, 'call-webhook'), { type: 'call-webhook' });
  assert.equal(actionAt(auto, 0, 'run-deployment').deployment_id, 'd');
  assert.deepEqual(actionAt(auto, 5, 'pause-work-pool'), { type: 'pause-work-pool' });
  // Without an invocation id, an outcome pairs with the event it follows.
  const paired = automationActivity([
    ev('prefect.automation.action.triggered', '2026-01-01T03:00:00Z', { action_type: 'do-nothing' }, { id: 'tt' }),
    ev('prefect.automation.action.executed', '2026-01-01T03:00:01Z', { action_type: 'do-nothing' }, { follows: 'tt' }),
  ]);
  assert.deepEqual(paired.outcomes.map((o) => o.outcome), ['executed']);
  assert.equal(automationActivity([]).lastFired, null);
});
