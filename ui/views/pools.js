// Work pools: health at a glance, created, paused and resumed from the list; per pool its settings
// (concurrency limit), its queues (priority, limit, paused, status; created, edited, paused and deleted) and its
// workers (last heartbeat, status).
import { html, useState } from '../lib.js';
import { get, post, patch, del, useData, seg } from '../api.js';
import { Page, Time, ErrorNote, Loading, Toggle, Dialog, ConfirmButton, toast } from '../components.js';
import { navigate } from '../router.js';
import { NotFound, isNotFound } from './shell.js';

const Status = ({ s, paused }) => html`<span class=${`badge pool-${(paused ? 'paused' : s || 'none').toLowerCase()}`}>${paused ? 'PAUSED' : (s || 'UNKNOWN')}</span>`;

/** A limit typed in a form: '' is none (null); anything else must be a whole number ≥ 0. */
function limitOf(text) {
  const t = String(text ?? '').trim();
  if (t === '') return { value: null };
  return /^\d+$/.test(t) ? { value: Number(t) } : { error: 'A whole number of runs, or empty for no limit' };
}

/** A small form in a dialog: `fields` are [key, label, props]; `submit(values)` saves. */
function FormDialog({ title, fields, initial, submitLabel, submit, onClose }) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const go = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const errs = await submit(values);
      setErrors(errs || {});
      if (!errs) onClose(true);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  return html`<${Dialog} title=${title} onClose=${() => onClose(false)}><form class="pool-form" onSubmit=${go} novalidate>
    ${fields.map(([key, label, props = {}]) => {
      const id = `form-${key}`;
      if (props.type === 'checkbox') {
        return html`<div class="field check"><label for=${id}><input id=${id} type="checkbox" checked=${!!values[key]}
          onChange=${(e) => setValues((v) => ({ ...v, [key]: e.target.checked }))} /> ${label}</label></div>`;
      }
      return html`<div class=${`field ${errors[key] ? 'has-error' : ''}`}><label for=${id}>${label}</label>
        <input id=${id} type="text" ...${props} value=${values[key]} aria-invalid=${errors[key] ? 'true' : undefined}
          onInput=${(e) => setValues((v) => ({ ...v, [key]: e.target.value }))} />
        ${errors[key] ? html`<div class="field-error" role="alert">${errors[key]}</div>` : ''}</div>`;
    })}
    <${ErrorNote} error=${error} />
    <div class="row end"><button type="button" onClick=${() => onClose(false)}>Cancel</button>
      <button class="primary" type="submit" disabled=${busy}>${submitLabel}</button></div>
  </form></${Dialog}>`;
}

function NewPool({ onClose }) {
  const submit = async (v) => {
    const limit = limitOf(v.limit);
    if (!v.name.trim()) return { name: 'A name is needed' };
    if (limit.error) return { limit: limit.error };
    const pool = await post('/work_pools/', { name: v.name.trim(), type: v.type.trim() || 'process', description: v.description.trim() || null,
      concurrency_limit: limit.value, is_paused: v.paused });
    toast(`Created the work pool ${pool.name}`, `/work-pools/${seg(pool.name)}`);
    return null;
  };
  return html`<${FormDialog} title="New work pool" submitLabel="Create pool" submit=${submit} onClose=${onClose}
    initial=${{ name: '', type: 'process', description: '', limit: '', paused: false }}
    fields=${[['name', 'Name', { autocomplete: 'off' }], ['type', 'Type', { placeholder: 'process' }], ['description', 'Description'],
      ['limit', 'Concurrency limit (runs at once; empty for none)', { inputmode: 'numeric' }], ['paused', 'Start paused', { type: 'checkbox' }]]} />`;
}

/** Pauses or resumes a work pool. */
async function setPoolPaused(p, paused) {
  await patch(`/work_pools/${seg(p.name)}`, { is_paused: paused });
  toast(`${p.name} ${paused ? 'paused' : 'resumed'}`);
}

export function Pools() {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState(null);
  const data = useData(async () => {
    const pools = await post('/work_pools/filter', { limit: 200 });
    const extra = await Promise.all(pools.map((p) => Promise.all([
      post(`/work_pools/${seg(p.name)}/workers/filter`, { limit: 200 }),
      post(`/work_pools/${seg(p.name)}/queues/filter`, { limit: 200 }),
    ])));
    return pools.map((p, i) => ({ ...p, workers: extra[i][0], queues: extra[i][1] }));
  }, [], 1000);
  const toggle = async (p, on) => {
    try { await setPoolPaused(p, !on); } catch (e) { setError(e); }
    data.reload();
  };
  return html`<${Page} title="Work pools" actions=${html`<button class="primary" onClick=${() => setCreating(true)}>New work pool</button>`}>
    <${ErrorNote} error=${data.error || error} />
    ${creating ? html`<${NewPool} onClose=${(made) => { setCreating(false); if (made) data.reload(); }} />` : ''}
    ${!data.data ? (data.error ? '' : html`<${Loading} />`) : !data.data.length ? html`<p class="muted empty">No work pools. Create one here or with <code>baton work-pool create NAME</code>.</p>`
    : html`<div class="table-wrap"><table class="pools"><thead><tr><th>Pool</th><th>Type</th><th>Status</th><th>Workers online</th><th>Queues</th><th>Concurrency limit</th><th>Active</th></tr></thead>
      <tbody>${data.data.map((p) => html`<tr key=${p.id} data-pool=${p.name}>
        <td><a href=${`/work-pools/${seg(p.name)}`}>${p.name}</a>${p.description ? html`<div class="muted small">${p.description}</div>` : ''}</td>
        <td>${p.type}</td><td><${Status} s=${p.status} paused=${p.is_paused} /></td>
        <td class="num">${p.workers.filter((w) => w.status === 'ONLINE').length} / ${p.workers.length}</td>
        <td class="num">${p.queues.length}</td><td class="num">${p.concurrency_limit ?? 'none'}</td>
        <td><${Toggle} checked=${!p.is_paused} label=${`${p.name} active (unpaused)`} onChange=${(on) => toggle(p, on)} /></td></tr>`)}</tbody></table></div>`}
  </${Page}>`;
}

/** The pool's concurrency limit, changed in place. */
function PoolLimit({ pool, onChange, onError }) {
  const [text, setText] = useState(pool.concurrency_limit == null ? '' : String(pool.concurrency_limit));
  const [problem, setProblem] = useState('');
  const save = async (e) => {
    e.preventDefault();
    const limit = limitOf(text);
    setProblem(limit.error || '');
    if (limit.error) return;
    try {
      await patch(`/work_pools/${seg(pool.name)}`, { concurrency_limit: limit.value });
      toast(limit.value === null ? `${pool.name}: no concurrency limit` : `${pool.name}: at most ${limit.value} runs at once`);
    } catch (err) { onError(err); }
    onChange();
  };
  return html`<form class=${`pool-limit row ${problem ? 'has-error' : ''}`} onSubmit=${save} novalidate>
    <label for="pool-limit">Concurrency limit</label>
    <input id="pool-limit" type="text" inputmode="numeric" placeholder="none" value=${text} aria-invalid=${problem ? 'true' : undefined}
      onInput=${(e) => setText(e.target.value)} />
    <button type="submit">Save limit</button>
    ${pool.active_slots != null ? html`<span class="muted small">${pool.active_slots} in use</span>` : ''}
    ${problem ? html`<span class="field-error" role="alert">${problem}</span>` : ''}
  </form>`;
}

/** Creates a queue in `pool`, or edits `queue` (its priority, limit and description). */
function QueueDialog({ pool, queue, onClose }) {
  const submit = async (v) => {
    const limit = limitOf(v.limit);
    if (!queue && !v.name.trim()) return { name: 'A name is needed' };
    if (limit.error) return { limit: limit.error };
    if (v.priority.trim() && !/^[1-9]\d*$/.test(v.priority.trim())) return { priority: 'A whole number from 1: 1 is served first' };
    // An update may not set the description to null; an empty one clears it.
    const body = { description: queue ? v.description.trim() : v.description.trim() || null, concurrency_limit: limit.value };
    if (v.priority.trim()) body.priority = Number(v.priority.trim());
    if (queue) {
      await patch(`/work_pools/${seg(pool.name)}/queues/${seg(queue.name)}`, body);
      toast(`Saved the queue ${queue.name}`);
    } else {
      await post(`/work_pools/${seg(pool.name)}/queues`, { name: v.name.trim(), ...body });
      toast(`Created the queue ${v.name.trim()}`);
    }
    return null;
  };
  const fields = [['priority', 'Priority (1 is served first; empty for last)', { inputmode: 'numeric' }],
    ['limit', 'Concurrency limit (empty for none)', { inputmode: 'numeric' }], ['description', 'Description']];
  return html`<${FormDialog} title=${queue ? `Edit the queue ${queue.name}` : `New queue in ${pool.name}`} submitLabel=${queue ? 'Save queue' : 'Create queue'}
    submit=${submit} onClose=${onClose}
    initial=${queue ? { priority: String(queue.priority ?? ''), limit: queue.concurrency_limit == null ? '' : String(queue.concurrency_limit), description: queue.description || '' }
      : { name: '', priority: '', limit: '', description: '' }}
    fields=${queue ? fields : [['name', 'Name', { autocomplete: 'off' }], ...fields]} />`;
}

function Queues({ pool, queues, onChange, onError }) {
  const [editing, setEditing] = useState(null);
  const q = (name) => `/work_pools/${seg(pool.name)}/queues/${seg(name)}`;
  const pause = async (queue, on) => {
    try {
      await patch(q(queue.name), { is_paused: !on });
      toast(`Queue ${queue.name} ${on ? 'resumed' : 'paused'}`);
    } catch (e) { onError(e); }
    onChange();
  };
  const remove = async (queue) => {
    await del(q(queue.name));
    toast(`Deleted the queue ${queue.name}`);
    onChange();
  };
  return html`<section class="panel"><div class="panel-head"><h2>Queues</h2><button onClick=${() => setEditing('new')}>New queue</button></div>
    ${editing ? html`<${QueueDialog} pool=${pool} queue=${editing === 'new' ? null : editing} onClose=${(saved) => { setEditing(null); if (saved) onChange(); }} />` : ''}
    <div class="table-wrap"><table class="queues"><thead><tr><th>Queue</th><th>Priority</th><th>Concurrency limit</th><th>Active</th><th>Status</th><th>Last polled</th><th><span class="sr-only">Change</span></th></tr></thead>
      <tbody>${queues.map((queue) => html`<tr key=${queue.id} data-queue=${queue.name}>
        <td>${queue.name}${queue.id === pool.default_queue_id ? html` <span class="muted small">(default)</span>` : ''}${queue.description ? html`<div class="muted small">${queue.description}</div>` : ''}</td>
        <td class="num">${queue.priority}</td>
        <td class="num">${queue.concurrency_limit ?? 'none'}${queue.active_slots != null ? html` <span class="muted small">(${queue.active_slots} in use)</span>` : ''}</td>
        <td><${Toggle} checked=${!queue.is_paused} label=${`Queue ${queue.name} active (unpaused)`} onChange=${(on) => pause(queue, on)} /></td>
        <td><${Status} s=${queue.status} paused=${queue.is_paused} /></td><td><${Time} iso=${queue.last_polled} /></td>
        <td><span class="row tight"><button class="link" aria-label=${`Edit the queue ${queue.name}`} onClick=${() => setEditing(queue)}>Edit</button>
          ${queue.id === pool.default_queue_id ? '' : html`<${ConfirmButton} label="Delete" danger
          question=${`Delete the queue ${queue.name}? Deployments that use it fall back to the pool's default queue.`} onConfirm=${() => remove(queue)} />`}</span></td>
      </tr>`)}</tbody></table></div></section>`;
}

export function PoolDetail({ id: name }) {
  const [error, setError] = useState(null);
  const data = useData(async () => {
    const [pool, queues, workers] = await Promise.all([
      get(`/work_pools/${seg(name)}`),
      post(`/work_pools/${seg(name)}/queues/filter`, { limit: 200 }),
      post(`/work_pools/${seg(name)}/workers/filter`, { limit: 200 }),
    ]);
    return { pool, queues: queues.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0)), workers };
  }, [name], 1000);
  if (isNotFound(data.error) && !data.data) return html`<${NotFound} what="work pool" id=${name} back="/work-pools" backLabel="All work pools" />`;
  if (!data.data) return html`<${Page} title=${name}>${data.error ? html`<${ErrorNote} error=${data.error} />` : html`<${Loading} />`}</${Page}>`;
  const { pool, queues, workers } = data.data;
  const toggle = async (on) => {
    try { await setPoolPaused(pool, !on); } catch (e) { setError(e); }
    data.reload();
  };
  const remove = async () => {
    await del(`/work_pools/${seg(pool.name)}`);
    toast(`Deleted the work pool ${pool.name}`);
    navigate('/work-pools');
  };
  return html`<${Page} title=${pool.name} sub=${html`${pool.type} <${Status} s=${pool.status} paused=${pool.is_paused} />`}
    actions=${html`<${Toggle} checked=${!pool.is_paused} label=${`${pool.name} active (unpaused)`} onChange=${toggle} />
      <a class="button" href=${`/runs?pool=${seg(pool.name)}`}>Runs in this pool</a>
      <${ConfirmButton} label="Delete pool" danger question=${`Delete the work pool ${pool.name} and its queues? Deployments that use it keep its name and wait until it exists again.`} onConfirm=${remove} />`}>
    <${ErrorNote} error=${error || data.error} />
    <section class="panel"><h2>Settings</h2>
      ${pool.description ? html`<p class="description">${pool.description}</p>` : ''}
      <${PoolLimit} pool=${pool} onChange=${data.reload} onError=${setError} /></section>
    <${Queues} pool=${pool} queues=${queues} onChange=${data.reload} onError=${setError} />
    <section class="panel"><h2>Workers</h2>${workers.length ? html`<div class="table-wrap"><table><thead><tr><th>Worker</th><th>Last heartbeat</th><th>Status</th></tr></thead>
      <tbody>${workers.map((w) => html`<tr key=${w.id || w.name} data-worker=${w.name}><td>${w.name}</td><td><${Time} iso=${w.last_heartbeat_time} rel /></td><td><${Status} s=${w.status} /></td></tr>`)}</tbody></table></div>`
      : html`<p class="muted">No workers have polled this pool.</p>`}</section>
  </${Page}>`;
}
