// Deployments: schedules in words, next run, last run state, the paused toggle, Quick run and Custom run.
import { html, useState } from '../lib.js';
import { post, useData, useLive } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading, Toggle, toast } from '../components.js';
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

export function Deployments() {
  const [error, setError] = useState(null);
  const data = useData(async () => {
    const deps = await post('/deployments/filter', { sort: 'NAME_ASC', limit: 200 });
    const [flows, summary] = await Promise.all([
      deps.length ? post('/flows/filter', { flows: { id: { any_: [...new Set(deps.map((d) => d.flow_id))] } } }) : [],
      deps.length ? post('/baton/deployments/summary', { ids: deps.map((d) => d.id) }) : [],
    ]);
    const fn = new Map(flows.map((f) => [f.id, f.name]));
    const sm = new Map(summary.map((s) => [s.deployment_id, s]));
    return deps.map((d) => ({ ...d, flow_name: fn.get(d.flow_id), summary: sm.get(d.id) }));
  }, [], 1000);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') data.soon(); });
  const toggle = async (d, paused) => {
    try { await setPaused(d, paused); } catch (e) { setError(e); }
    data.reload();
  };
  return html`<${Page} title="Deployments">
    <${ErrorNote} error=${data.error || error} />
    ${!data.data ? html`<${Loading} />` : !data.data.length ? html`<p class="muted empty">No deployments yet. Create one with <code>baton deploy</code> or <code>prefect deploy</code>.</p>`
    : html`<div class="table-wrap"><table class="deployments">
      <thead><tr><th>Deployment</th><th>Schedule</th><th>Next run</th><th>Last run</th><th>Active</th><th><span class="sr-only">Run</span></th></tr></thead>
      <tbody>${data.data.map((d) => html`<tr key=${d.id} data-deployment=${d.name}>
        <td><a href=${`/deployments/${d.id}`}>${d.name}</a><div class="muted small"><a class="flow-link" href=${`/flows/${d.flow_id}`}>${d.flow_name}</a> <${Tags} tags=${d.tags} /></div></td>
        <td class="small">${d.summary && d.summary.schedules.length ? d.summary.schedules.map((s) => html`<div class=${s.active ? '' : 'muted'}>${s.description}${s.active ? '' : ' (inactive)'}</div>`) : html`<span class="muted">none</span>`}</td>
        <td>${d.summary?.next_run ? html`<a href=${`/runs/${d.summary.next_run.id}`}><${Time} iso=${d.summary.next_run.expected_start_time} rel /></a>` : html`<span class="muted">—</span>`}</td>
        <td>${d.summary?.last_run ? html`<a href=${`/runs/${d.summary.last_run.id}`}><${StateBadge} type=${d.summary.last_run.state_type} name=${d.summary.last_run.state_name} /></a>` : html`<span class="muted">—</span>`}</td>
        <td><${Toggle} checked=${!d.paused} label=${`${d.name} active (unpaused)`} onChange=${(on) => toggle(d, !on)} /></td>
        <td><${RunButtons} d=${d} onError=${setError} /></td>
      </tr>`)}</tbody></table></div>`}
  </${Page}>`;
}
