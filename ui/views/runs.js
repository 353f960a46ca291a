// Runs: every flow run, newest first, filtered by state, flow, deployment, tag, work pool and time (all
// kept in the URL), in keyset pages, updated live; runs of the page can be selected, then cancelled or
// deleted together.
import { html, useEffect, useState } from '../lib.js';
import { post, useData, useLive } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading, ConfirmButton } from '../components.js';
import { STATE_TYPES, paramSummary, runDuration } from '../format.js';
import { setQuery } from '../router.js';

/** The filter body for the runs matching the URL's query. */
export function runFilter(q) {
  const f = { flow_runs: {} };
  const states = q.getAll('state');
  const state = {};
  if (states.length) state.type = { any_: states };
  if (q.get('state_name')) state.name = { any_: [q.get('state_name')] };
  if (Object.keys(state).length) f.flow_runs.state = state;
  if (q.get('flow')) f.flows = { id: { any_: [q.get('flow')] } };
  if (q.get('deployment')) f.flow_runs.deployment_id = { any_: [q.get('deployment')] };
  if (q.get('tag')) f.flow_runs.tags = { all_: [q.get('tag')] };
  if (q.get('pool')) f.work_pools = { name: { any_: [q.get('pool')] } };
  if (q.get('from') || q.get('to')) {
    f.flow_runs.expected_start_time = {};
    if (q.get('from')) f.flow_runs.expected_start_time.after_ = q.get('from');
    if (q.get('to')) f.flow_runs.expected_start_time.before_ = q.get('to');
  }
  return f;
}

const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};
const fromLocalInput = (v) => (v ? new Date(v).toISOString() : '');

/**
 * The table of runs, shared by the runs, deployment and flow pages (`showDeployment` without `showFlow` names
 * only the deployment). With `selected` (a Set of ids) and `onSelect(ids, on)` each row gets a checkbox,
 * and the header one for the whole page.
 */
export function RunTable({ runs, showFlow = true, showDeployment = showFlow, selected, onSelect }) {
  if (!runs.length) return html`<p class="muted empty">No runs match.</p>`;
  const picking = !!(selected && onSelect);
  const count = picking ? runs.filter((r) => selected.has(r.id)).length : 0;
  return html`<div class="table-wrap"><table class="runs">
    <thead><tr>${picking ? html`<th class="sel"><input type="checkbox" aria-label="Select all runs on this page"
      checked=${count === runs.length} indeterminate=${count > 0 && count < runs.length}
      onChange=${(e) => onSelect(runs.map((r) => r.id), e.target.checked)} /></th>` : ''}<th>State</th><th>Run</th><th class="hide-narrow">Parameters</th><th>Expected start</th><th>Duration</th><th class="hide-narrow">Tags</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr key=${r.id} data-run=${r.id} class=${picking && selected.has(r.id) ? 'picked' : ''}>
      ${picking ? html`<td class="sel"><input type="checkbox" aria-label=${`Select ${r.name}`} checked=${selected.has(r.id)}
        onChange=${(e) => onSelect([r.id], e.target.checked)} /></td>` : ''}
      <td><${StateBadge} type=${r.state_type} name=${r.state_name} /></td>
      <td><a href=${`/runs/${r.id}`}>${r.name}</a>
        ${showFlow || showDeployment ? html`<div class="muted small">${showFlow && r.flow_name ? html`<a class="flow-link" href=${`/flows/${r.flow_id}`}>${r.flow_name}</a>` : ''}${showDeployment && r.deployment_name ? html`${showFlow ? ' / ' : ''}<a href=${`/deployments/${r.deployment_id}`}>${r.deployment_name}</a>` : ''}</div>` : ''}</td>
      <td class="hide-narrow mono small">${paramSummary(r.parameters)}</td>
      <td><${Time} iso=${r.expected_start_time} /></td>
      <td class="num">${runDuration(r)}</td>
      <td class="hide-narrow"><${Tags} tags=${r.tags} /></td>
    </tr>`)}</tbody></table></div>`;
}

function Filters({ q, options }) {
  const states = q.getAll('state');
  const toggleState = (t) => setQuery({ state: states.includes(t) ? states.filter((s) => s !== t) : [...states, t], cursor: '' });
  const set = (k) => (e) => setQuery({ [k]: e.target.value, cursor: '' });
  const o = options || { flows: [], deployments: [], pools: [] };
  return html`<form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Filters">
    <fieldset class="states"><legend>State</legend>
      ${STATE_TYPES.map((t) => html`<label class=${`chip st-${t.toLowerCase()}`}><input type="checkbox" checked=${states.includes(t)} onChange=${() => toggleState(t)} />${t.toLowerCase()}</label>`)}
      ${q.get('state_name') ? html`<label class="chip"><input type="checkbox" checked onChange=${() => setQuery({ state_name: '' })} />${q.get('state_name')}</label>` : ''}
    </fieldset>
    <label>Flow <select aria-label="Flow" value=${q.get('flow') || ''} onChange=${set('flow')}>
      <option value="">All flows</option>${o.flows.map((f) => html`<option value=${f.id}>${f.name}</option>`)}</select></label>
    <label>Deployment <select aria-label="Deployment" value=${q.get('deployment') || ''} onChange=${set('deployment')}>
      <option value="">All deployments</option>${o.deployments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}</select></label>
    <label>Work pool <select aria-label="Work pool" value=${q.get('pool') || ''} onChange=${set('pool')}>
      <option value="">All pools</option>${o.pools.map((p) => html`<option value=${p.name}>${p.name}</option>`)}</select></label>
    <label>Tag <input aria-label="Tag" type="search" value=${q.get('tag') || ''} placeholder="any" onChange=${set('tag')} /></label>
    <label>From <input aria-label="From" type="datetime-local" value=${toLocalInput(q.get('from'))} onChange=${(e) => setQuery({ from: fromLocalInput(e.target.value), cursor: '' })} /></label>
    <label>To <input aria-label="To" type="datetime-local" value=${toLocalInput(q.get('to'))} onChange=${(e) => setQuery({ to: fromLocalInput(e.target.value), cursor: '' })} /></label>
  </form>`;
}

const BULK_LIMIT = 50; // the most runs one bulk request may name

function chunks(ids) {
  const out = [];
  for (let i = 0; i < ids.length; i += BULK_LIMIT) out.push(ids.slice(i, i + BULK_LIMIT));
  return out;
}

const runsWord = (n) => `${n} run${n === 1 ? '' : 's'}`;

/** Proposes Cancelling for `ids` (a run without a process goes straight to Cancelled); says how it went. */
export async function cancelRuns(ids) {
  const results = [];
  for (const part of chunks(ids)) {
    const res = await post('/flow_runs/bulk_set_state', { state: { type: 'CANCELLING', name: 'Cancelling' }, flow_runs: { id: { any_: part } }, limit: part.length });
    results.push(...res.results);
  }
  const ok = results.filter((r) => r.status === 'ACCEPT').length;
  const why = [...new Set(results.filter((r) => r.status !== 'ACCEPT').map((r) => r.details?.reason || r.status))];
  const refused = ids.length - ok;
  return `Cancelled ${ok} of ${runsWord(ids.length)}${refused ? ` · ${refused} refused: ${why.join('; ')}` : ''}`;
}

export async function deleteRuns(ids) {
  let deleted = 0;
  for (const part of chunks(ids)) deleted += (await post('/flow_runs/bulk_delete', { flow_runs: { id: { any_: part } }, limit: part.length })).deleted.length;
  return `Deleted ${deleted} of ${runsWord(ids.length)}${deleted < ids.length ? ` · ${ids.length - deleted} no longer existed` : ''}`;
}

function BulkActions({ chosen, note, setNote, onDone }) {
  const n = chosen.length;
  const act = async (fn) => {
    setNote('');
    try { setNote(await fn(chosen.map((r) => r.id))); } finally { onDone(); }
  };
  return html`<div class="bulk row" role="toolbar" aria-label="Selected runs">
    <span class="muted">${n ? `${runsWord(n)} selected` : 'Select runs to cancel or delete them'}</span>
    <${ConfirmButton} label=${n ? `Cancel ${runsWord(n)}` : 'Cancel'} confirmLabel="Cancel runs" disabled=${!n}
      question=${`Cancel ${runsWord(n)}? Running ones are stopped; scheduled and pending ones are cancelled at once; finished ones are left as they are.`}
      onConfirm=${() => act(cancelRuns)} />
    <${ConfirmButton} label=${n ? `Delete ${runsWord(n)}` : 'Delete'} confirmLabel="Delete runs" danger disabled=${!n}
      question=${`Delete ${runsWord(n)} with their task runs and logs? This cannot be undone.`}
      onConfirm=${() => act(deleteRuns)} />
    ${note ? html`<span class="bulk-note" role="status">${note}</span>` : ''}
  </div>`;
}

export function Runs({ query }) {
  const key = query.toString();
  const options = useData(async () => {
    const [flows, deployments, pools] = await Promise.all([
      post('/flows/filter', { sort: 'NAME_ASC', limit: 200 }),
      post('/deployments/filter', { sort: 'NAME_ASC', limit: 200 }),
      post('/work_pools/filter', { limit: 200 }),
    ]);
    return { flows, deployments, pools };
  }, []);
  const page = useData(() => post('/baton/flow_runs/page', {
    ...runFilter(query), limit: 50, ...(query.get('cursor') ? { cursor: query.get('cursor') } : {}),
  }), [key], 500);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') page.soon(); });
  const [selected, setSelected] = useState(() => new Set());
  const [note, setNote] = useState('');
  useEffect(() => { setSelected(new Set()); setNote(''); }, [key]);
  const select = (ids, on) => setSelected((s) => {
    const next = new Set(s);
    ids.forEach((id) => (on ? next.add(id) : next.delete(id)));
    return next;
  });
  const rows = page.data ? page.data.results : [];
  const chosen = rows.filter((r) => selected.has(r.id));
  const filtered = [...query.keys()].some((k) => k !== 'cursor');
  return html`<${Page} title="Runs" actions=${filtered ? html`<a class="button" href="/runs">Clear filters</a>` : ''}>
    <${Filters} q=${query} options=${options.data} />
    <${ErrorNote} error=${page.error} />
    ${page.data === undefined ? html`<${Loading} />` : html`${rows.length || note ? html`<${BulkActions} chosen=${chosen} note=${note} setNote=${setNote} onDone=${() => { setSelected(new Set()); page.reload(); }} />` : ''}
      <${RunTable} runs=${rows} selected=${selected} onSelect=${select} />
      <nav class="pager" aria-label="Pages">
        ${query.get('cursor') ? html`<button onClick=${() => setQuery({ cursor: '' })}>Newest</button>` : ''}
        ${page.data.next_cursor ? html`<button onClick=${() => setQuery({ cursor: page.data.next_cursor })}>Older runs</button>` : ''}
      </nav>`}
  </${Page}>`;
}
