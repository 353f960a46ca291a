// One deployment: status, configuration, schedules (added, edited, paused and removed), parameters with
// their defaults and overrides, upcoming runs (Late ones called out) and recent runs, runs, pause, delete.
import { html, useState } from '../lib.js';
import { get, post, del, api, useData, useLive, withNames, seg } from '../api.js';
import { Page, Time, Tags, ErrorNote, Loading, Toggle, ConfirmButton, toast } from '../components.js';
import { navigate } from '../router.js';
import { RunTable } from './runs.js';
import { RunButtons, setPaused, DeploymentStatus, LateBadge, isLate } from './deployments.js';
import { Schedules } from './schedules.js';
import { fieldsOf } from './params-form.js';
import { NotFound, isNotFound } from './shell.js';

function Config({ d, flow, catchup }) {
  const rows = [
    ['Flow', html`<a class="flow-link" href=${`/flows/${d.flow_id}`}>${flow?.name || d.flow_id}</a>`],
    ['Entrypoint', d.entrypoint ? html`<code>${d.entrypoint}</code>` : '—'],
    ['Path', d.path ? html`<code>${d.path}</code>` : '—'],
    ['Work pool', d.work_pool_name ? html`<a href=${`/work-pools/${seg(d.work_pool_name)}`}>${d.work_pool_name}</a>` : '—'],
    ['Work queue', d.work_queue_name || '—'],
    ['Version', d.version || '—'],
    ['Concurrency limit', d.concurrency_limit ?? d.global_concurrency_limit?.limit ?? 'none'],
    ['Tags', html`<${Tags} tags=${d.tags} />`],
    ['Catch-up', catchup],
    ['Blocks', blockLinks(d)],
    ['Created', html`<${Time} iso=${d.created} />`],
  ];
  return html`<dl class="details">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    ${d.description ? html`<p class="description">${d.description}</p>` : ''}`;
}

/** The blocks a deployment uses: `{{ prefect.blocks.<slug>.<name> }}` in its job variables, and its storage
 * and infrastructure documents (Prefect 2). */
function blockLinks(d) {
  const named = new Map();
  const text = JSON.stringify(d.job_variables || {});
  for (const m of text.matchAll(/\{\{\s*prefect\.blocks\.([a-z0-9-]+)\.([a-z0-9-]+)/g)) named.set(`${m[1]}/${m[2]}`, `/blocks/${m[1]}/${m[2]}`);
  for (const id of [d.storage_document_id, d.infrastructure_document_id].filter(Boolean)) named.set(id, `/blocks/${id}`);
  if (!named.size) return '—';
  return html`${[...named].map(([label, href], i) => html`${i ? ', ' : ''}<a class="block-link" href=${href}>${label}</a>`)}`;
}

const CATCHUP = {
  all: 'run every missed run (as Prefect)',
  latest: 'run only the latest missed run',
  none: 'skip missed runs',
};

/** What happens to scheduled runs that went Late while nothing could run them. */
function Catchup({ id, value, onChange, onError }) {
  const set = async (e) => {
    const catchup = e.target.value;
    try {
      await api('PUT', `/baton/deployments/${id}/catchup`, { catchup });
      toast(`After downtime: ${CATCHUP[catchup]}`);
    } catch (err) { onError(err); }
    onChange();
  };
  return html`<select aria-label="Catch-up after downtime" value=${value} onChange=${set}>
    ${Object.entries(CATCHUP).map(([k, label]) => html`<option value=${k}>${k}: ${label}</option>`)}</select>`;
}

/** Each parameter with its type, its default (the flow signature's, from the schema) and the deployment's
 * override, if any: the value a Quick run uses is the override, else the default. */
function Parameters({ d }) {
  const schema = d.parameter_openapi_schema || {};
  const fields = fieldsOf(schema);
  const over = d.parameters || {};
  const rows = [...fields.map(({ name, f, required }) => ({ name, type: f.type || (f.enum ? 'choice' : ''), required, hasDefault: 'default' in f, def: f.default })),
    ...Object.keys(over).filter((k) => !fields.some((f) => f.name === k)).map((name) => ({ name, type: '', extra: true }))];
  if (!rows.length) return html`<p class="muted">This flow takes no parameters.</p>`;
  const show = (v) => html`<code class="mono">${JSON.stringify(v)}</code>`;
  return html`<div class="table-wrap"><table class="params-table"><thead><tr><th>Parameter</th><th>Type</th><th>Default</th><th>Override</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${r.name} data-param=${r.name}>
      <td><strong>${r.name}</strong>${r.required ? html` <span class="req" title="required">*</span>` : ''}${r.extra ? html` <span class="muted small">(not in the signature)</span>` : ''}</td>
      <td class="muted small">${r.type || '—'}</td>
      <td class="param-default">${r.hasDefault ? show(r.def) : html`<span class="muted">${r.required ? 'none (required)' : '—'}</span>`}</td>
      <td class="param-override">${r.name in over ? html`<span class="overridden">${show(over[r.name])}</span>` : html`<span class="muted">—</span>`}</td>
    </tr>`)}</tbody></table></div>`;
}

export function DeploymentDetail({ id }) {
  const [error, setError] = useState(null);
  const data = useData(async () => {
    const d = await get(`/deployments/${id}`);
    const [flow, [summary], upcoming, recent, catchup] = await Promise.all([
      get(`/flows/${d.flow_id}`).catch(() => null),
      post('/baton/deployments/summary', { ids: [id] }),
      post('/flow_runs/filter', { flow_runs: { deployment_id: { any_: [id] }, state: { type: { any_: ['SCHEDULED'] } } }, sort: 'EXPECTED_START_TIME_ASC', limit: 10 }).then(withNames),
      post('/baton/flow_runs/page', { flow_runs: { deployment_id: { any_: [id] }, state: { type: { not_any_: ['SCHEDULED'] } } }, limit: 20 }),
      get(`/baton/deployments/${id}/catchup`).then((c) => c.catchup),
    ]);
    return { d, flow, summary, upcoming, recent: recent.results, catchup };
  }, [id], 500);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') data.soon(); });
  if (isNotFound(data.error) && !data.data) return html`<${NotFound} what="deployment" id=${id} back="/deployments" backLabel="All deployments" />`;
  if (!data.data) return html`<${Page} title="Deployment">${data.error ? html`<${ErrorNote} error=${data.error} />` : html`<${Loading} />`}</${Page}>`;
  const { d, flow, summary, upcoming, recent, catchup } = data.data;
  const remove = async () => {
    await del(`/deployments/${id}`);
    toast(`Deleted ${d.name}`);
    navigate('/deployments');
  };
  const toggle = async (on) => {
    try { await setPaused(d, !on); } catch (e) { setError(e); }
    data.reload();
  };
  return html`<${Page} title=${d.name} sub=${html`<span class="muted">${flow?.name || ''}</span> <${DeploymentStatus} d=${d} />${d.paused ? html` <span class="badge">Paused</span>` : ''}`}
    actions=${html`<${Toggle} checked=${!d.paused} label=${`${d.name} active (unpaused)`} onChange=${toggle} />
      <${RunButtons} d=${d} onError=${setError} />
      <${ConfirmButton} label="Delete" danger question=${`Delete the deployment ${d.name}? Its scheduled runs are removed; finished runs stay.`} onConfirm=${remove} />`}>
    <${ErrorNote} error=${error} />
    <div class="cols">
      <section class="panel"><h2>Configuration</h2><${Config} d=${d} flow=${flow}
        catchup=${html`<${Catchup} id=${id} value=${catchup} onChange=${data.reload} onError=${setError} />`} /></section>
      <section class="panel"><h2>Schedules</h2><${Schedules} d=${d} summary=${summary} onChange=${data.reload} onError=${setError} /></section>
    </div>
    <section class="panel"><h2>Parameters</h2><${Parameters} d=${d} /></section>
    <section class="panel"><h2>Upcoming runs</h2>${upcoming.some((r) => isLate(r)) ? html`<p class="late-note"><${LateBadge} run=${upcoming.find((r) => isLate(r))} />
      ${upcoming.filter((r) => isLate(r)).length} run(s) should have started already: ${d.status === 'READY' ? 'the work pool is busy or paused.' : 'no worker is polling its work pool.'}</p>` : ''}
      <${RunTable} runs=${upcoming} showFlow=${false} /></section>
    <section class="panel"><h2>Recent runs</h2><${RunTable} runs=${recent} showFlow=${false} />
      <p><a href=${`/runs?deployment=${id}`}>All runs of this deployment</a></p></section>
  </${Page}>`;
}
