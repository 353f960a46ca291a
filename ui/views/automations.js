// Automations: each one's trigger and actions in words, enable and disable, when it last fired and how its
// recent actions went (from its `prefect.automation.*` events, a failure with its reason), and delete. One
// automation's page adds its whole event history, each event's JSON a click away.
import { html, useEffect, useState } from '../lib.js';
import { get, post, patch, del, useData, seg } from '../api.js';
import { Page, Time, Tags, ErrorNote, Loading, Toggle, ConfirmButton, toast } from '../components.js';
import { navigate } from '../router.js';
import { fromNow, utcTime } from '../format.js';
import {
  triggerText, actionText, actionHref, actionRefs, actionAt, automationActivity, resourceHref, parseResource, shortId,
} from './automation-words.js';
import { EventList } from './events.js';
import { learnNames, useNames } from './names.js';

const POLL_MS = 5000;
const href = (a) => `/automations/automation/${seg(a.id)}`;
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** An automation's own events, newest first (Prefect's largest page); a failure leaves `error`, not an exception. */
async function activityOf(id) {
  try {
    const page = await post('/events/filter', { filter: { resource: { id: [`prefect.automation.${id}`] }, order: 'DESC' }, limit: 50 });
    return { events: page.events };
  } catch (error) {
    return { events: [], error };
  }
}

/** Refetches every few seconds while the tab is visible: firings and outcomes arrive without any run changing. */
function usePoll(data) {
  useEffect(() => {
    const t = setInterval(() => { if (!document.hidden) data.reload(); }, POLL_MS);
    return () => clearInterval(t);
  }, [data.reload]);
}

/** Names for every id the automations' actions and owners mention. */
function useActionNames(autos) {
  const refs = { deployment: [], 'work-pool': [], 'work-queue': [], block: [] };
  for (const a of autos || []) {
    for (const act of [...(a.actions || []), ...(a.actions_on_trigger || []), ...(a.actions_on_resolve || [])]) {
      for (const [kind, id] of Object.entries(actionRefs(act))) if (refs[kind]) refs[kind].push(id);
    }
    const owner = parseResource(a.owner_resource || '');
    if (owner && refs[owner.kind]) refs[owner.kind].push(owner.key);
  }
  return useNames(refs);
}

function Action({ a, names }) {
  const text = actionText(a, names);
  const to = actionHref(a, names);
  return html`<li data-action-type=${a.type}>${to ? html`<a href=${to}>${text}</a>` : text}</li>`;
}

/** The actions, with those only on trigger or only on resolve set apart. */
function Actions({ auto, names }) {
  const groups = [['', auto.actions], ['When it triggers', auto.actions_on_trigger], ['When it resolves', auto.actions_on_resolve]]
    .filter(([, xs]) => xs && xs.length);
  if (!groups.length) return html`<span class="muted">No actions</span>`;
  return groups.map(([label, xs]) => html`${label ? html`<div class="muted small">${label}</div>` : ''}
    <ul class="plain actions-list">${xs.map((a, i) => html`<${Action} key=${i} a=${a} names=${names} />`)}</ul>`);
}

const OUTCOME = { executed: ['ok', 'done'], failed: ['bad', 'failed'], started: ['', 'started'] };

/** How an action went: done, failed (and why), or started; with what it made (a flow run) linked. */
function Outcome({ o, auto, names }) {
  const [tone, word] = OUTCOME[o.outcome];
  const made = (o.event.related || []).filter((r) => !/event$/.test(r['prefect.resource.role'] || '') && resourceHref(r['prefect.resource.id'], names));
  return html`<li class="outcome" data-outcome=${o.outcome}>
    <span class=${`badge outcome-${tone || 'none'}`}>${word}</span> <span class="what">${actionText(actionAt(auto, o.index, o.type), names)}</span>
    <time class="muted small when" datetime=${o.occurred} title=${utcTime(o.occurred)}>${fromNow(o.occurred)}</time>
    ${made.map((r) => html`<a class="small made" href=${resourceHref(r['prefect.resource.id'], names)}>${(r['prefect.resource.role'] || 'result').replace(/-/g, ' ')}</a>`)}
    ${o.reason ? html`<div class="error small reason">${o.reason}</div>` : ''}
  </li>`;
}

function Activity({ auto, activity, names, max = 3 }) {
  if (activity.error) return html`<span class="muted">Activity unavailable: ${activity.error.message}</span>`;
  const act = automationActivity(activity.events);
  return html`<dl class="details">
    <dt>Last fired</dt><dd data-last-fired=${act.lastFired ? act.lastFired.occurred : ''}>${act.lastFired ? html`<${Time} iso=${act.lastFired.occurred} rel />
      ${act.fired > 1 ? html` <span class="muted small">(${plural(act.fired, 'recent firing')})</span>` : ''}` : html`<span class="muted">No firing recorded</span>`}</dd>
    ${act.lastResolved ? html`<dt>Last resolved</dt><dd><${Time} iso=${act.lastResolved.occurred} rel /></dd>` : ''}
    <dt>Recent actions</dt><dd>${act.outcomes.length ? html`<ul class="plain outcomes">${act.outcomes.slice(0, max).map((o) => html`<${Outcome} key=${o.key} o=${o} auto=${auto} names=${names} />`)}</ul>`
      : html`<span class="muted">None recorded</span>`}</dd>
  </dl>`;
}

function Owner({ auto, names }) {
  if (!auto.owner_resource) return '';
  const p = parseResource(auto.owner_resource);
  const to = resourceHref(auto.owner_resource, names);
  const label = p ? `${p.kind.replace('-', ' ')} ${names.get(p.key) || shortId(p.key)}` : auto.owner_resource;
  return html`<span class="muted small">made for ${to ? html`<a href=${to}>${label}</a>` : label}</span>`;
}

async function setEnabled(auto, enabled) {
  await patch(`/automations/${seg(auto.id)}`, { enabled });
  toast(`${enabled ? 'Enabled' : 'Disabled'} ${auto.name}`);
}

async function remove(auto) {
  await del(`/automations/${seg(auto.id)}`);
  toast(`Deleted ${auto.name}`);
}

const deleteQuestion = (a) => `Delete the automation ${a.name}? Its trigger stops watching events and its actions no longer run. Its past events stay.`;

/** The enabled switch and Delete, shared by the list and the page of one automation. */
function Controls({ auto, onChange, onDeleted, onError }) {
  // The switch shows the state asked for until the automation is read back (or the change fails).
  const [want, setWant] = useState(null);
  const flip = async (on) => {
    setWant(on);
    try { await setEnabled(auto, on); onError(null); } catch (e) { onError(e); }
    await onChange();
    setWant(null);
  };
  const on = want ?? auto.enabled;
  return html`<span class="row tight"><${Toggle} checked=${on} label=${`${auto.name} enabled`} disabled=${want !== null} onChange=${flip} />
      <span class="small muted">${on ? 'enabled' : 'disabled'}</span></span>
    <${ConfirmButton} label="Delete" danger question=${deleteQuestion(auto)} onConfirm=${async () => { await remove(auto); onDeleted(); }} />`;
}

function EmptyState() {
  return html`<div class="muted empty"><p>No automations yet. An automation watches events and acts when something happens
    (or fails to happen in time): run a deployment, cancel a run, pause a work pool, send a notification…</p>
    <ul>
      <li>From a file: <code>prefect automation create --from-file automation.yaml</code></li>
      <li>In Python: <code>Automation(name=…, trigger=EventTrigger(…), actions=[…]).create()</code></li>
      <li>With a deployment: a <code>triggers:</code> list in its <code>prefect.yaml</code> entry</li>
    </ul></div>`;
}

async function loadAll() {
  const autos = await post('/automations/filter', {});
  learnNames(autos.map((a) => [a.id, a.name]));
  const activity = await Promise.all(autos.map((a) => activityOf(a.id)));
  return autos.map((a, i) => ({ ...a, activity: activity[i] }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function Automations() {
  const [error, setError] = useState(null);
  const data = useData(loadAll, [], 300);
  usePoll(data);
  const names = useActionNames(data.data);
  const autos = data.data;
  return html`<${Page} title="Automations" sub=${html`<span class="muted">Actions that run when events happen, or fail to happen in time</span>`}
    actions=${html`<a class="button" href="/events?resource=prefect.automation.">Automation events</a>`}>
    <${ErrorNote} error=${data.error && new Error(`Automations could not be loaded: ${data.error.message}`)} />
    <${ErrorNote} error=${error} />
    ${!autos ? (data.error ? '' : html`<${Loading} />`) : !autos.length ? html`<${EmptyState} />`
    : html`<ul class="plain automations">${autos.map((a) => html`<li key=${a.id} class=${`panel automation ${a.enabled ? '' : 'inactive'}`} data-automation=${a.name} data-id=${a.id}>
        <div class="auto-head">
          <div><a class="auto-name" href=${href(a)}>${a.name}</a> <${Tags} tags=${a.tags} /> <${Owner} auto=${a} names=${names} />
            ${a.description ? html`<div class="muted small">${a.description}</div>` : ''}</div>
          <div class="actions"><${Controls} auto=${a} onChange=${data.reload} onDeleted=${data.reload} onError=${setError} /></div>
        </div>
        <div class="auto-body">
          <div><h3>Trigger</h3><p class="trigger-text">${triggerText(a.trigger)}</p>
            <h3>Actions</h3><${Actions} auto=${a} names=${names} /></div>
          <div><${Activity} auto=${a} activity=${a.activity} names=${names} /></div>
        </div>
      </li>`)}</ul>`}
  </${Page}>`;
}

export function AutomationDetail({ id }) {
  const [error, setError] = useState(null);
  const data = useData(async () => {
    const [auto, activity] = await Promise.all([get(`/automations/${seg(id)}`), activityOf(id)]);
    learnNames([[auto.id, auto.name]]);
    return { auto, activity };
  }, [id], 300);
  usePoll(data);
  const names = useActionNames(data.data ? [data.data.auto] : []);
  if (!data.data) {
    return html`<${Page} title="Automation">${data.error ? html`<${ErrorNote} error=${new Error(`Automation ${id} could not be loaded: ${data.error.message}`)} />
      <p><a href="/automations">All automations</a></p>` : html`<${Loading} />`}</${Page}>`;
  }
  const { auto, activity } = data.data;
  return html`<${Page} title=${auto.name} sub=${html`<${Tags} tags=${auto.tags} /><${Owner} auto=${auto} names=${names} />`}
    actions=${html`<${Controls} auto=${auto} onChange=${data.reload} onDeleted=${() => navigate('/automations')} onError=${setError} />`}>
    <${ErrorNote} error=${data.error || error} />
    ${auto.description ? html`<p>${auto.description}</p>` : ''}
    ${auto.enabled ? '' : html`<p class="muted">This automation is disabled: its trigger ignores events until it is enabled again.</p>`}
    <div class="cols">
      <section class="panel"><h2>Trigger</h2><p class="trigger-text">${triggerText(auto.trigger)}</p>
        <details><summary class="small muted">As JSON</summary><pre class="json">${JSON.stringify(auto.trigger, null, 2)}</pre></details></section>
      <section class="panel"><h2>Actions</h2><${Actions} auto=${auto} names=${names} /></section>
    </div>
    <section class="panel"><h2>Activity</h2><${Activity} auto=${auto} activity=${activity} names=${names} max=${10} /></section>
    <section class="panel"><h2>Events</h2>
      ${activity.error ? html`<p class="muted">Events unavailable: ${activity.error.message}</p>`
      : html`<${EventList} events=${activity.events} filterLinks=${false} emptyText="No events for this automation yet." />
        <p class="small"><a href=${`/events?resource=${seg(`prefect.automation.${auto.id}`)}&range=week`}>In the event feed</a></p>`}</section>
    <section class="panel"><h2>Details</h2><dl class="details">
      <dt>Updated</dt><dd><${Time} iso=${auto.updated} /></dd><dt>Created</dt><dd><${Time} iso=${auto.created} /></dd>
      <dt>Id</dt><dd><code>${auto.id}</code></dd></dl></section>
  </${Page}>`;
}
