// Flows: every flow with its deployments, linking to its page; a flow's page with its deployments and its
// upcoming and recent runs, updated live.
import { html, useState } from '../lib.js';
import { get, post, useData, useLive, withNames, seg, isUuid, ApiError } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading, Toggle } from '../components.js';
import { RunTable } from './runs.js';
import { RunButtons, setPaused } from './deployments.js';
import { NotFound, isNotFound } from './shell.js';

export function Flows() {
  const data = useData(async () => {
    const [flows, deps] = await Promise.all([
      post('/flows/filter', { sort: 'NAME_ASC', limit: 200 }),
      post('/deployments/filter', { limit: 200 }),
    ]);
    return flows.map((f) => ({ ...f, deployments: deps.filter((d) => d.flow_id === f.id) }));
  }, []);
  return html`<${Page} title="Flows">
    <${ErrorNote} error=${data.error} />
    ${!data.data ? html`<${Loading} />` : !data.data.length ? html`<p class="muted empty">No flows yet: run a flow or deploy one.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th>Flow</th><th>Deployments</th><th>Created</th><th><span class="sr-only">Runs</span></th></tr></thead>
      <tbody>${data.data.map((f) => html`<tr key=${f.id} data-flow=${f.name}><td><a href=${`/flows/${seg(f.id)}`}>${f.name}</a> <${Tags} tags=${f.tags} /></td>
        <td>${f.deployments.length ? f.deployments.map((d, i) => html`${i ? ', ' : ''}<a href=${`/deployments/${d.id}`}>${d.name}</a>`) : html`<span class="muted">none</span>`}</td>
        <td><${Time} iso=${f.created} /></td><td><a href=${`/runs?flow=${f.id}`}>Runs</a></td></tr>`)}</tbody></table></div>`}
  </${Page}>`;
}

/** One flow: its deployments (schedules, last run, paused toggle, run buttons), its upcoming and recent runs. */
export function FlowDetail({ id }) {
  const [error, setError] = useState(null);
  const data = useData(async () => {
    if (!isUuid(id)) throw new ApiError(404, `Flow ${id} not found`);
    // Everything is asked for at once (each list needs only the flow's id); a deployment's summary follows
    // its list, the runs' names their runs.
    const flows = { id: { any_: [id] } };
    const summarized = async (deps) => {
      const summary = deps.length ? await post('/baton/deployments/summary', { ids: deps.map((d) => d.id) }) : [];
      const sm = new Map(summary.map((s) => [s.deployment_id, s]));
      return deps.map((d) => ({ ...d, summary: sm.get(d.id) }));
    };
    const [flow, deps, recent] = await Promise.all([
      get(`/flows/${seg(id)}`),
      post('/deployments/filter', { flows, sort: 'NAME_ASC', limit: 200 }).then(summarized),
      post('/baton/flow_runs/page', { flows, flow_runs: { state: { type: { not_any_: ['SCHEDULED'] } } }, limit: 20 }),
    ]);
    return { flow, deps, recent: recent.results, more: !!recent.next_cursor };
  }, [id], 500);
  // The upcoming runs come on their own: the page does not wait for them (this filter reads every run of
  // the flow when none is scheduled: ~25 ms at 100,000 runs).
  const upcoming = useData(() => (isUuid(id) ? post('/flow_runs/filter', { flows: { id: { any_: [id] } },
    flow_runs: { state: { type: { any_: ['SCHEDULED'] } } }, sort: 'EXPECTED_START_TIME_ASC', limit: 10 }).then(withNames) : []), [id], 500);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') { data.soon(); upcoming.soon(); } });
  if (isNotFound(data.error) && !data.data) return html`<${NotFound} what="flow" id=${id} back="/flows" backLabel="All flows" />`;
  if (!data.data) return html`<${Page} title="Flow">${data.error ? html`<${ErrorNote} error=${data.error} />` : html`<${Loading} />`}</${Page}>`;
  const { flow, deps, recent, more } = data.data;
  const toggle = async (d, on) => {
    try { await setPaused(d, !on); } catch (e) { setError(e); }
    data.reload();
  };
  return html`<${Page} title=${flow.name} sub=${html`<span class="muted">Flow · created <${Time} iso=${flow.created} /></span> <${Tags} tags=${flow.tags} />`}
    actions=${html`<a class="button" href=${`/runs?flow=${seg(id)}`}>All runs</a>`}>
    <${ErrorNote} error=${error || data.error} />
    <section class="panel flow-deployments"><h2>Deployments</h2>
      ${!deps.length ? html`<p class="muted">No deployments: this flow only runs when called directly.</p>`
      : html`<div class="table-wrap"><table class="deployments"><thead><tr><th>Deployment</th><th>Schedule</th><th class="hide-narrow">Work pool</th><th>Last run</th><th>Active</th><th><span class="sr-only">Run</span></th></tr></thead>
        <tbody>${deps.map((d) => html`<tr key=${d.id} data-deployment=${d.name}>
          <td><a href=${`/deployments/${d.id}`}>${d.name}</a> <${Tags} tags=${d.tags} /></td>
          <td class="small">${d.summary && d.summary.schedules.length ? d.summary.schedules.map((s) => html`<div class=${s.active ? '' : 'muted'}>${s.description}${s.active ? '' : ' (inactive)'}</div>`) : html`<span class="muted">none</span>`}</td>
          <td class="hide-narrow">${d.work_pool_name ? html`<a href=${`/work-pools/${seg(d.work_pool_name)}`}>${d.work_pool_name}</a>` : html`<span class="muted">—</span>`}</td>
          <td>${d.summary?.last_run ? html`<a href=${`/runs/${d.summary.last_run.id}`}><${StateBadge} type=${d.summary.last_run.state_type} name=${d.summary.last_run.state_name} /></a>` : html`<span class="muted">—</span>`}</td>
          <td><${Toggle} checked=${!d.paused} label=${`${d.name} active (unpaused)`} onChange=${(on) => toggle(d, on)} /></td>
          <td><${RunButtons} d=${d} onError=${setError} /></td>
        </tr>`)}</tbody></table></div>`}</section>
    <section class="panel flow-upcoming"><h2>Upcoming runs</h2>${upcoming.data ? html`<${RunTable} runs=${upcoming.data} showFlow=${false} showDeployment />` : upcoming.error ? html`<${ErrorNote} error=${upcoming.error} />` : html`<${Loading} />`}</section>
    <section class="panel flow-runs"><h2>Recent runs</h2><${RunTable} runs=${recent} showFlow=${false} showDeployment />
      ${more ? html`<p><a href=${`/runs?flow=${seg(id)}`}>All runs of this flow</a></p>` : ''}</section>
  </${Page}>`;
}
