// Deployments: searched by name, filtered by tag and status (all kept in the URL); per row the status in
// words, the last runs as an activity strip, schedules in words, the next run (Late when it is in the past),
// the paused toggle, Quick run and Custom run; several rows can be paused, resumed or deleted together.
import { html, useState } from '../lib.js';
import { post, del, useData, useLive } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading, Toggle, ConfirmButton, toast } from '../components.js';
import { fromNow, localTime } from '../format.js';
import { setQuery } from '../router.js';
import { RunDialog } from './params-form.js';

/** Pauses or resumes a deployment. */
export async function setPaused(d, paused) {
  await post(`/deployments/${d.id}/${paused ? 'pause_deployment' : 'resume_deployment'}`);
  toast(`${d.name} ${paused ? 'paused' : 'resumed'}`);
}

/** Starts a run with the deployment's default parameters. */
export async function quickRun(d) {
  const run = await post(`/deployments/${d.id}/create_flow_run`, {});
  toast(`Started ${run.name}`, `/runs/${run.id}`);
  return run;
}

/** The Quick run and Custom run buttons with the custom-run dialog. */
export function RunButtons({ d, onError }) {
  const [custom, setCustom] = useState(false);
  const quick = () => quickRun(d).catch(onError);
  return html`<span class="row tight">
    <button class="primary" onClick=${quick} aria-label=${`Quick run ${d.name}`}>Quick run</button>
    <button onClick=${() => setCustom(true)} aria-label=${`Custom run ${d.name}`}>Custom run…</button>
    ${custom ? html`<${RunDialog} deployment=${d} onClose=${() => setCustom(false)} />` : ''}
  </span>`;
}

/** "Ready" / "Not ready" in words, with what it means on hover. */
export function DeploymentStatus({ d }) {
  const ready = d.status === 'READY';
  return html`<span class=${`badge status ${ready ? 'ready' : 'not-ready'}`} data-status=${d.status}
    title=${ready ? 'A worker polls its work pool' : 'No worker has polled its work pool lately: its runs wait'}>${ready ? 'Ready' : 'Not ready'}</span>`;
}

/** True when the run should have started already (its scheduled time is in the past). */
export const isLate = (run, now = Date.now()) => !!run && (run.state_name === 'Late'
  || (run.state_type === 'SCHEDULED' && new Date(run.expected_start_time).getTime() < now - 5000));

export function LateBadge({ run }) {
  if (!isLate(run)) return '';
  return html`<span class="badge late" data-late="true" title=${`Should have started ${fromNow(run.expected_start_time)}`}>Late</span>`;
}

/** The last runs as coloured cells, oldest first; empty cells fill up to `size`. */
export function Activity({ runs, size = 10 }) {
  const cells = [...(runs || [])].slice(0, size).reverse();
  const pad = Array.from({ length: size - cells.length });
  return html`<span class="activity" role="group" aria-label=${`Last ${cells.length} runs`}>
    ${pad.map(() => html`<span class="cell empty"></span>`)}
    ${cells.map((r) => html`<a class=${`cell st-${(isLate(r) ? 'late' : r.state_type || 'none').toLowerCase()}`} href=${`/runs/${r.id}`}
      data-state=${r.state_type} title=${`${r.name}: ${r.state_name || r.state_type} · ${localTime(r.expected_start_time)}`}
      aria-label=${`${r.name}: ${r.state_name || r.state_type}`}></a>`)}
  </span>`;
}

const STATUSES = { ready: 'Ready', not_ready: 'Not ready', paused: 'Paused', late: 'Late' };
const PAGE = 25;

/** Runs of each of `ids` whose time has come, newest first (at most 10 each). */
function recentRuns(ids) {
  const now = new Date().toISOString();
  return Promise.all(ids.map((id) => post('/flow_runs/filter', {
    flow_runs: { deployment_id: { any_: [id] }, expected_start_time: { before_: now } }, sort: 'EXPECTED_START_TIME_DESC', limit: 10,
  }).catch(() => []))).then((lists) => new Map(ids.map((id, i) => [id, lists[i]])));
}

/** Runs `action` on every selected deployment; resolves to the names it failed for. */
async function each(deps, action) {
  const failed = [];
  await Promise.all(deps.map((d) => action(d).catch((e) => failed.push(`${d.name} (${e.message})`))));
  return failed;
}

function BulkBar({ picked, onDone, onClear }) {
  const [busy, setBusy] = useState(false);
  const run = async (verb, action) => {
    setBusy(true);
    const failed = await each(picked, action);
    setBusy(false);
    const ok = picked.length - failed.length;
    toast(`${verb} ${ok} deployment${ok === 1 ? '' : 's'}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
    onDone(failed.length ? new Error(`Could not ${verb.toLowerCase().replace(/d$/, '')}: ${failed.join(', ')}`) : null);
  };
  const names = picked.map((d) => d.name).join(', ');
  return html`<div class="bulk row panel" role="region" aria-label="Selected deployments">
    <strong>${picked.length} selected</strong>
    <button disabled=${busy} onClick=${() => run('Paused', (d) => post(`/deployments/${d.id}/pause_deployment`))}>Pause selected</button>
    <button disabled=${busy} onClick=${() => run('Resumed', (d) => post(`/deployments/${d.id}/resume_deployment`))}>Resume selected</button>
    <${ConfirmButton} label="Delete selected" danger disabled=${busy}
      question=${`Delete ${picked.length} deployment${picked.length === 1 ? '' : 's'} (${names})? Their scheduled runs are removed; finished runs stay.`}
      confirmLabel="Delete" onConfirm=${() => run('Deleted', (d) => del(`/deployments/${d.id}`))} />
    <button class="link" onClick=${onClear}>Clear selection</button>
  </div>`;
}

function Filters({ query, tags, notes }) {
  const [text, setText] = useState(query.get('q') || '');
  const chosen = query.getAll('tag');
  const toggleTag = (t, on) => setQuery({ tag: on ? [...chosen, t] : chosen.filter((x) => x !== t), page: '' });
  return html`<div class="filters dep-filters">
    <label>Search<input type="search" aria-label="Search deployments by name" placeholder="Deployment or flow name" value=${text}
      onInput=${(e) => { setText(e.target.value); setQuery({ q: e.target.value.trim(), page: '' }, { replace: true }); }} /></label>
    <label>Status<select aria-label="Status" value=${STATUSES[query.get('status')] ? query.get('status') : ''}
      onChange=${(e) => setQuery({ status: e.target.value, page: '' })}>
      <option value="">Any status</option>${Object.entries(STATUSES).map(([k, v]) => html`<option value=${k}>${v}</option>`)}</select></label>
    ${tags.length ? html`<fieldset><legend>Tags</legend>${tags.map((t) => html`<label class="chip"><input type="checkbox" checked=${chosen.includes(t)}
      onChange=${(e) => toggleTag(t, e.target.checked)} />${t}</label>`)}</fieldset>` : ''}
    ${notes.map((n) => html`<p class="error filter-note" role="alert">${n}</p>`)}
  </div>`;
}

/** Problems with the URL's filters, in words; the filters that make sense still apply. */
function filterNotes(query, tags) {
  const notes = [];
  const status = query.get('status');
  if (status && !STATUSES[status]) notes.push(`Unknown status "${status}" in the address: use ${Object.keys(STATUSES).join(', ')}. Showing every status.`);
  const page = query.get('page');
  if (page && !/^[1-9]\d*$/.test(page)) notes.push(`"${page}" is not a page number: showing the first page.`);
  for (const t of query.getAll('tag')) if (!tags.includes(t)) notes.push(`No deployment has the tag "${t}".`);
  return notes;
}

export function Deployments({ query }) {
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(() => new Set());
  const q = query.get('q') || '';
  const data = useData(async () => {
    const body = { sort: 'NAME_ASC', limit: 200 };
    if (q) body.deployments = { flow_or_deployment_name: { like_: q } };
    const deps = await post('/deployments/filter', body);
    const [flows, summary] = await Promise.all([
      deps.length ? post('/flows/filter', { flows: { id: { any_: [...new Set(deps.map((d) => d.flow_id))] } } }) : [],
      deps.length ? post('/baton/deployments/summary', { ids: deps.map((d) => d.id) }) : [],
    ]);
    const fn = new Map(flows.map((f) => [f.id, f.name]));
    const sm = new Map(summary.map((s) => [s.deployment_id, s]));
    return deps.map((d) => ({ ...d, flow_name: fn.get(d.flow_id), summary: sm.get(d.id) }));
  }, [q], 1000);
  const all = data.data || [];
  const tags = [...new Set(all.flatMap((d) => d.tags || []))].sort();
  const notes = data.data ? filterNotes(query, tags) : [];
  const status = STATUSES[query.get('status')] ? query.get('status') : '';
  const chosen = query.getAll('tag');
  const shown = all.filter((d) => chosen.every((t) => (d.tags || []).includes(t))
    && (!status || (status === 'ready' ? d.status === 'READY' : status === 'not_ready' ? d.status !== 'READY'
      : status === 'paused' ? d.paused : isLate(d.summary?.next_run))));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const pageNo = Math.min(pages, /^[1-9]\d*$/.test(query.get('page') || '') ? Number(query.get('page')) : 1);
  const rows = shown.slice((pageNo - 1) * PAGE, pageNo * PAGE);
  const ids = rows.map((d) => d.id);
  const activity = useData(() => recentRuns(ids), [ids.join(',')], 1500);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') { data.soon(); activity.soon(); } });
  const toggle = async (d, paused) => {
    try { await setPaused(d, paused); } catch (e) { setError(e); }
    data.reload();
  };
  const pick = (list, on) => setSelected((s) => {
    const next = new Set(s);
    list.forEach((id) => (on ? next.add(id) : next.delete(id)));
    return next;
  });
  const picked = all.filter((d) => selected.has(d.id));
  const pickedHere = rows.filter((d) => selected.has(d.id)).length;
  const bulkDone = (e) => { setError(e); setSelected(new Set()); data.reload(); activity.reload(); };
  const empty = !all.length && !q ? html`<p class="muted empty">No deployments yet. Create one with <code>baton deploy</code> or <code>prefect deploy</code>.</p>`
    : html`<p class="muted empty">No deployment matches${q ? html` "${q}"` : ''}${chosen.length ? ` with the tag${chosen.length > 1 ? 's' : ''} ${chosen.join(', ')}` : ''}${status ? ` that is ${STATUSES[status].toLowerCase()}` : ''}. 
      <button class="link" onClick=${() => setQuery({ q: '', tag: [], status: '', page: '' })}>Clear the filters</button></p>`;
  return html`<${Page} title="Deployments" sub=${data.data ? html`<span class="muted">${shown.length} of ${all.length}${all.length >= 200 ? '+ (search to narrow)' : ''}</span>` : ''}>
    <${Filters} query=${query} tags=${tags} notes=${notes} />
    <${ErrorNote} error=${data.error || error} />
    ${picked.length ? html`<${BulkBar} picked=${picked} onDone=${bulkDone} onClear=${() => setSelected(new Set())} />` : ''}
    ${!data.data ? (data.error ? '' : html`<${Loading} />`) : !rows.length ? empty
    : html`<div class="table-wrap"><table class="deployments">
      <thead><tr><th class="sel"><input type="checkbox" aria-label="Select all deployments on this page" checked=${pickedHere === rows.length}
        indeterminate=${pickedHere > 0 && pickedHere < rows.length} onChange=${(e) => pick(ids, e.target.checked)} /></th>
        <th>Deployment</th><th>Status</th><th>Activity</th><th>Schedule</th><th>Next run</th><th>Active</th><th><span class="sr-only">Run</span></th></tr></thead>
      <tbody>${rows.map((d) => html`<tr key=${d.id} data-deployment=${d.name} class=${selected.has(d.id) ? 'picked' : ''}>
        <td class="sel"><input type="checkbox" aria-label=${`Select ${d.name}`} checked=${selected.has(d.id)} onChange=${(e) => pick([d.id], e.target.checked)} /></td>
        <td><a href=${`/deployments/${d.id}`}>${d.name}</a><div class="muted small"><a class="flow-link" href=${`/flows/${d.flow_id}`}>${d.flow_name}</a> <${Tags} tags=${d.tags} /></div></td>
        <td><${DeploymentStatus} d=${d} /></td>
        <td><${Activity} runs=${activity.data?.get(d.id)} />${d.summary?.last_run ? html`<div class="small"><a href=${`/runs/${d.summary.last_run.id}`}><${StateBadge} type=${d.summary.last_run.state_type} name=${d.summary.last_run.state_name} /></a></div>` : ''}</td>
        <td class="small">${d.summary && d.summary.schedules.length ? d.summary.schedules.map((s) => html`<div class=${s.active ? '' : 'muted'}>${s.description}${s.active ? '' : ' (inactive)'}</div>`) : html`<span class="muted">none</span>`}</td>
        <td>${d.summary?.next_run ? html`<a href=${`/runs/${d.summary.next_run.id}`}><${Time} iso=${d.summary.next_run.expected_start_time} rel /></a> <${LateBadge} run=${d.summary.next_run} />` : html`<span class="muted">—</span>`}</td>
        <td><${Toggle} checked=${!d.paused} label=${`${d.name} active (unpaused)`} onChange=${(on) => toggle(d, !on)} /></td>
        <td><${RunButtons} d=${d} onError=${setError} /></td>
      </tr>`)}</tbody></table></div>
      ${pages > 1 ? html`<div class="pager"><span class="muted">Page ${pageNo} of ${pages}</span>
        <button disabled=${pageNo <= 1} onClick=${() => setQuery({ page: pageNo - 1 > 1 ? pageNo - 1 : '' })}>Previous</button>
        <button disabled=${pageNo >= pages} onClick=${() => setQuery({ page: pageNo + 1 })}>Next</button></div>` : ''}`}
  </${Page}>`;
}
