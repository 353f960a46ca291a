// Runs: the flow runs that have started or were due (newest first), and the upcoming ones in their own tab,
// with how many match; filtered by state, flow, deployment, tag, work pool, time and name, sorted and paged
// as chosen (all kept in the URL) and updated live. Runs of the page can be selected, then cancelled,
// retried or deleted together.
import { html, useEffect, useState } from '../lib.js';
import { post, useData, useLive, withNames } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading, TextFilter } from '../components.js';
import { STATE_TYPES, paramSummary, runDuration, num, words } from '../format.js';
import { setQuery } from '../router.js';
import { BulkActions, runsWord } from './runs-bulk.js';
import { PAGE_SIZES, SORTS, checkQuery, checkNames, BadFilters } from './runs-query.js';

export { cancelRuns, deleteRuns, retryRuns } from './runs-bulk.js';

export { PAGE_SIZES, SORTS };

/**
 * The filter body for the runs matching the URL's query; with `tab` ('past' or 'upcoming') and `now`, only
 * the runs expected to start by `now` or after it.
 */
export function runFilter(q, tab, now) {
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
  if (q.get('q')) f.flow_runs.name = { like_: q.get('q') };
  if (q.get('subflows') === 'hide') f.flow_runs.parent_task_run_id = { is_null_: true };
  let after = q.get('from') || '';
  let before = q.get('to') || '';
  if (tab === 'past' && now && (!before || before > now)) before = now;
  if (tab === 'upcoming' && now && (!after || after < now)) after = now;
  if (after || before) {
    f.flow_runs.expected_start_time = {};
    if (after) f.flow_runs.expected_start_time.after_ = after;
    if (before) f.flow_runs.expected_start_time.before_ = before;
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
      onChange=${(e) => onSelect(runs.map((r) => r.id), e.target.checked)} /></th>` : ''}<th>State</th><th>Run</th><th class="hide-narrow">Parameters</th><th>Expected start</th><th class="num">Duration</th><th class="hide-narrow">Tags</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr key=${r.id} data-run=${r.id} class=${picking && selected.has(r.id) ? 'picked' : ''}>
      ${picking ? html`<td class="sel"><input type="checkbox" aria-label=${`Select ${r.name}`} checked=${selected.has(r.id)}
        onChange=${(e) => onSelect([r.id], e.target.checked)} /></td>` : ''}
      <td><${StateBadge} type=${r.state_type} name=${r.state_name} /></td>
      <td><a href=${`/runs/${r.id}`}>${r.name}</a>${r.parent_task_run_id ? html` <span class="badge kind" title="Started by a task of another flow run">subflow</span>` : ''}
        ${showFlow || showDeployment ? html`<div class="muted small">${showFlow && r.flow_name ? html`<a class="flow-link" href=${`/flows/${r.flow_id}`}>${r.flow_name}</a>` : ''}${showDeployment && r.deployment_name ? html`${showFlow ? ' / ' : ''}<a href=${`/deployments/${r.deployment_id}`}>${r.deployment_name}</a>` : ''}</div>` : ''}</td>
      <td class="hide-narrow mono small">${paramSummary(r.parameters)}</td>
      <td><${Time} iso=${r.expected_start_time} rel=${new Date(r.expected_start_time) > Date.now()} /></td>
      <td class="num">${runDuration(r)}</td>
      <td class="hide-narrow"><${Tags} tags=${r.tags} /></td>
    </tr>`)}</tbody></table></div>`;
}

function Filters({ q, options }) {
  const states = q.getAll('state');
  const toggleState = (t) => setQuery({ state: states.includes(t) ? states.filter((s) => s !== t) : [...states, t], page: '' });
  const set = (k) => (e) => setQuery({ [k]: e.target.value, page: '' });
  const o = options || { flows: [], deployments: [], pools: [] };
  return html`<form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Filters">
    <fieldset class="states"><legend>State</legend>
      ${STATE_TYPES.map((t) => html`<label class=${`chip st-${t.toLowerCase()}`}><input type="checkbox" checked=${states.includes(t)} onChange=${() => toggleState(t)} />${words(t)}</label>`)}
      ${q.get('state_name') ? html`<label class="chip"><input type="checkbox" checked onChange=${() => setQuery({ state_name: '' })} />${q.get('state_name')}</label>` : ''}
    </fieldset>
    <label>Flow <select aria-label="Flow" value=${q.get('flow') || ''} onChange=${set('flow')}>
      <option value="">All flows</option>${o.flows.map((f) => html`<option value=${f.id}>${f.name}</option>`)}</select></label>
    <label>Deployment <select aria-label="Deployment" value=${q.get('deployment') || ''} onChange=${set('deployment')}>
      <option value="">All deployments</option>${o.deployments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}</select></label>
    <label>Work pool <select aria-label="Work pool" value=${q.get('pool') || ''} onChange=${set('pool')}>
      <option value="">All pools</option>${o.pools.map((p) => html`<option value=${p.name}>${p.name}</option>`)}</select></label>
    <label>Tag <${TextFilter} aria-label="Tag" value=${q.get('tag') || ''} placeholder="any" onApply=${(v) => setQuery({ tag: v, page: '' })} /></label>
    <label>From <input aria-label="From" type="datetime-local" value=${toLocalInput(q.get('from'))} onChange=${(e) => setQuery({ from: fromLocalInput(e.target.value), page: '' })} /></label>
    <label>To <input aria-label="To" type="datetime-local" value=${toLocalInput(q.get('to'))} onChange=${(e) => setQuery({ to: fromLocalInput(e.target.value), page: '' })} /></label>
  </form>`;
}


const pageOf = (q) => Math.max(1, Number.parseInt(q.get('page'), 10) || 1);
const sizeOf = (q) => (PAGE_SIZES.includes(Number(q.get('size'))) ? Number(q.get('size')) : 50);

/**
 * The tab's runs on the page of `q` (the checked query), with names, and how many runs are in each tab; a
 * flow, deployment or pool that does not exist is left out (and named in `problems`).
 */
async function loadRuns(q, tab) {
  const now = new Date().toISOString();
  const sorts = SORTS[tab];
  const sort = sorts.some(([v]) => v === q.get('sort')) ? q.get('sort') : sorts[0][0];
  const size = sizeOf(q);
  const other = tab === 'past' ? 'upcoming' : 'past';
  const load = (f) => Promise.all([
    post('/flow_runs/filter', { ...runFilter(f, tab, now), sort, limit: size, offset: (pageOf(f) - 1) * size }),
    post('/flow_runs/count', runFilter(f, tab, now)),
    post('/flow_runs/count', runFilter(f, other, now)),
  ]);
  // The usual case, where all exist, costs no extra round trip: the check runs beside the load.
  let [problems, [runs, total, otherTotal]] = await Promise.all([checkNames(q), load(q)]);
  if (problems.length) {
    const f = new URLSearchParams(q);
    problems.forEach((p) => f.delete(p.param));
    [runs, total, otherTotal] = await load(f);
  }
  return { tab, problems, results: await withNames(runs), counts: { [tab]: total, [other]: otherTotal } };
}

function Tabs({ tab, counts }) {
  const tabs = [['past', 'Past'], ['upcoming', 'Upcoming']];
  return html`<div class="seg runs-tabs" role="tablist" aria-label="Which runs">${tabs.map(([key, label]) => html`<button role="tab"
    aria-selected=${tab === key ? 'true' : 'false'} data-tab=${key}
    onClick=${() => setQuery({ tab: key === 'past' ? '' : key, page: '', sort: '' })}>${label}${counts ? html`<span class="count">${num(counts[key])}</span>` : ''}</button>`)}</div>`;
}

function ListTools({ q, tab, total }) {
  const sorts = SORTS[tab];
  return html`<div class="list-tools">
    <span class="runs-total" aria-live="polite">${total == null ? '' : runsWord(total)}</span>
    <${TextFilter} aria-label="Search runs by name" placeholder="Search by run name" value=${q.get('q') || ''}
      onApply=${(v) => setQuery({ q: v, page: '' })} />
    <label>Sort <select aria-label="Sort" value=${sorts.some(([v]) => v === q.get('sort')) ? q.get('sort') : sorts[0][0]}
      onChange=${(e) => setQuery({ sort: e.target.value === sorts[0][0] ? '' : e.target.value, page: '' })}>
      ${sorts.map(([v, label]) => html`<option value=${v}>${label}</option>`)}</select></label>
    <label>Per page <select aria-label="Runs per page" value=${String(sizeOf(q))}
      onChange=${(e) => setQuery({ size: e.target.value === '50' ? '' : e.target.value, page: '' })}>
      ${PAGE_SIZES.map((n) => html`<option value=${String(n)}>${n}</option>`)}</select></label>
    <label><input type="checkbox" checked=${q.get('subflows') === 'hide'}
      onChange=${(e) => setQuery({ subflows: e.target.checked ? 'hide' : '', page: '' })} /> Hide subflows</label>
  </div>`;
}

/** Under an empty tab: how many runs of the other tab match, and a way there. */
function OtherTab({ other, n }) {
  if (!n) return '';
  const go = (e) => { e.preventDefault(); setQuery({ tab: other === 'past' ? '' : other, page: '', sort: '' }); };
  return html`<p class="other-tab">${runsWord(n)} ${other === 'upcoming' ? 'still to come' : 'already started or due'} ${n === 1 ? 'matches' : 'match'}:${' '}<a href="#" onClick=${go}>show the ${other} runs</a>.</p>`;
}

function Pager({ page, pages }) {
  if (pages <= 1) return '';
  const go = (n) => setQuery({ page: n === 1 ? '' : String(n) });
  return html`<nav class="pager" aria-label="Pages">
    <button disabled=${page <= 1} onClick=${() => go(1)}>First</button>
    <button disabled=${page <= 1} onClick=${() => go(page - 1)}>Previous</button>
    <span class="page-of">Page ${num(page)} of ${num(pages)}</span>
    <button disabled=${page >= pages} onClick=${() => go(page + 1)}>Next</button>
    <button disabled=${page >= pages} onClick=${() => go(pages)}>Last</button>
  </nav>`;
}

export function Runs({ query }) {
  const key = query.toString();
  const tab = query.get('tab') === 'upcoming' ? 'upcoming' : 'past';
  const other = tab === 'past' ? 'upcoming' : 'past';
  // What the list cannot use is left out of `q` and named above the list.
  const { query: q, problems: badValues } = checkQuery(query, tab);
  const options = useData(async () => {
    const [flows, deployments, pools] = await Promise.all([
      post('/flows/filter', { sort: 'NAME_ASC', limit: 200 }),
      post('/deployments/filter', { sort: 'NAME_ASC', limit: 200 }),
      post('/work_pools/filter', { limit: 200 }),
    ]);
    return { flows, deployments, pools };
  }, []);
  const page = useData(() => loadRuns(q, tab), [key], 500);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') page.soon(); });
  const [selected, setSelected] = useState(() => new Set());
  const [note, setNote] = useState('');
  useEffect(() => { setSelected(new Set()); setNote(''); }, [key]);
  const select = (ids, on) => setSelected((s) => {
    const next = new Set(s);
    ids.forEach((id) => (on ? next.add(id) : next.delete(id)));
    return next;
  });
  // Another tab's runs are not shown while this tab's load (a new filter keeps the old rows until then).
  const data = page.data && page.data.tab === tab ? page.data : undefined;
  const rows = data ? data.results : [];
  const total = data ? data.counts[tab] : null;
  const chosen = rows.filter((r) => selected.has(r.id));
  const filtered = [...query.keys()].some((k) => !['tab', 'page', 'size', 'sort'].includes(k));
  const pages = total == null ? 1 : Math.max(1, Math.ceil(total / sizeOf(q)));
  const missing = (page.data?.problems || []).filter((p) => q.get(p.param) === p.value);
  // The filters show what the list uses (drawn afresh once a value turns out not to exist: a select keeps
  // showing nothing for a value it has no option for).
  const shown = new URLSearchParams(q);
  missing.forEach((p) => shown.delete(p.param));
  return html`<${Page} title="Runs" actions=${filtered ? html`<a class="button" href=${tab === 'upcoming' ? '/runs?tab=upcoming' : '/runs'}>Clear filters</a>` : ''}>
    <${Tabs} tab=${tab} counts=${page.data?.counts} />
    <${BadFilters} query=${query} problems=${[...badValues, ...missing]} />
    <${Filters} key=${missing.map((p) => p.param).join()} q=${shown} options=${options.data} />
    <${ListTools} q=${q} tab=${tab} total=${total} />
    <${ErrorNote} error=${page.error} />
    ${data === undefined ? html`<${Loading} />` : html`${rows.length || note ? html`<${BulkActions} chosen=${chosen} note=${note} setNote=${setNote} onDone=${() => { setSelected(new Set()); page.reload(); }} />` : ''}
      ${rows.length || pageOf(q) === 1 ? html`<${RunTable} runs=${rows} selected=${selected} onSelect=${select} />`
        : html`<p class="muted empty">No runs on page ${num(pageOf(q))}. <a href="#" onClick=${(e) => { e.preventDefault(); setQuery({ page: '' }); }}>Go to the first page</a>.</p>`}
      ${rows.length ? '' : html`<${OtherTab} other=${other} n=${data.counts[other]} />`}
      <${Pager} page=${pageOf(q)} pages=${pages} />`}
  </${Page}>`;
}
