// One task run (/task-runs/{id}): its state and state history, what it ran with (its inputs, where each
// came from, and where its result went), retries, cache key and expiry, where its result is stored, the
// subflow it ran if any, and its own log lines; linked back to its flow run. Updated live while its flow
// run streams changes.
import { html, useRef } from '../lib.js';
import { get, post, useData, useLive, seg, isUuid } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading } from '../components.js';
import { duration, num, words, fromNow } from '../format.js';
import { StateHistory } from './run.js';
import { Logs } from './logs.js';
import { NotFound, isNotFound } from './shell.js';

/**
 * The task run, its flow run (with the flow's name), the task runs its inputs came from, the task runs of
 * the same flow run that took its result, and the subflow it ran.
 */
async function loadTaskRun(id) {
  const tr = await get(`/task_runs/${seg(id)}`);
  const upstream = [...new Set(Object.values(tr.task_inputs || {}).flat()
    .filter((i) => i.input_type === 'task_run' && i.id).map((i) => i.id))];
  const [run, sources, subflows, siblings] = await Promise.all([
    tr.flow_run_id ? get(`/flow_runs/${seg(tr.flow_run_id)}`).catch(() => null) : null,
    upstream.length ? post('/task_runs/filter', { task_runs: { id: { any_: upstream } }, limit: 200 }) : [],
    post('/flow_runs/filter', { flow_runs: { parent_task_run_id: { any_: [id] } }, limit: 20 }),
    tr.flow_run_id ? post('/task_runs/filter', { task_runs: { flow_run_id: { any_: [tr.flow_run_id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: 200 }) : [],
  ]);
  const flow = run ? await get(`/flows/${seg(run.flow_id)}`).catch(() => null) : null;
  const takes = (t) => Object.values(t.task_inputs || {}).flat().some((i) => i.input_type === 'task_run' && i.id === id);
  return { tr, run, flow, sources: new Map(sources.map((s) => [s.id, s])), subflows, users: siblings.filter(takes) };
}

function retries(tr) {
  const p = tr.empirical_policy || {};
  const most = p.retries ?? p.max_retries ?? 0;
  const delay = p.retry_delay ?? p.retry_delay_seconds;
  const secs = (d) => (Number.isInteger(d) && d < 60 ? `${d}s` : duration(d));
  const delays = Array.isArray(delay) ? delay.map(secs).join(', ') : delay ? secs(delay) : '';
  return { most, delays };
}

function Details({ tr, run, flow }) {
  const { most, delays } = retries(tr);
  const ran = tr.total_run_time ? duration(tr.total_run_time) : tr.start_time && !tr.end_time ? `${duration((Date.now() - new Date(tr.start_time)) / 1000)} so far` : '—';
  const rows = [
    ['Flow run', run ? html`<a class="flow-run-link" href=${`/runs/${seg(run.id)}`}>${run.name}</a>${flow ? html` <span class="muted">(${flow.name})</span>` : ''}` : html`<code>${tr.flow_run_id || '—'}</code>`],
    ['Task key', html`<code>${tr.task_key}</code>`],
    ['Dynamic key', html`<code>${tr.dynamic_key}</code>`],
    ['Expected start', html`<${Time} iso=${tr.expected_start_time} />`],
    ['Started', html`<${Time} iso=${tr.start_time} />`],
    ['Ended', html`<${Time} iso=${tr.end_time} />`],
    ['Duration', ran],
    ['Runs', html`<span class="task-run-count">${num(tr.run_count)}</span>`],
    ['Retries', html`<span class="task-retries">${most ? `up to ${num(most)}${delays ? `, waiting ${delays}` : ''}` : 'none'}</span>`],
    ['Version', tr.task_version || '—'],
    ['Tags', tr.tags?.length ? html`<${Tags} tags=${tr.tags} />` : '—'],
    ['Task run id', html`<code>${tr.id}</code>`],
  ];
  return html`<dl class="details">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

/** Cache key and expiry, and where the result went (`state.data`, a persisted result's reference). */
function CacheAndResult({ tr }) {
  const data = tr.state?.data;
  const key = data && typeof data === 'object' ? data.storage_key : null;
  const expired = tr.cache_expiration && new Date(tr.cache_expiration) < Date.now();
  let result;
  if (key) {
    result = html`<code class="result-key">${key}</code>
      ${data.serializer?.type ? html`<div class="muted small">Serialized with ${data.serializer.type}</div>` : ''}
      ${data.storage_block_id ? html`<div class="muted small">Storage block <a href=${`/blocks/${seg(data.storage_block_id)}`}><code>${data.storage_block_id}</code></a></div>` : ''}`;
  } else if (data != null) result = html`<pre class="json result-data">${JSON.stringify(data, null, 2)}</pre>`;
  else result = html`<span class="muted">Not persisted${tr.state_type === 'COMPLETED' ? '' : ' (the task has no result yet)'}</span>`;
  return html`<dl class="details cache-result">
    <dt>Cache key</dt><dd>${tr.cache_key ? html`<code class="cache-key">${tr.cache_key}</code>` : html`<span class="muted">none</span>`}</dd>
    <dt>Cache expires</dt><dd>${tr.cache_expiration ? html`<${Time} iso=${tr.cache_expiration} /> <span class=${`small ${expired ? 'expired' : 'muted'}`}>(${expired ? 'expired ' : ''}${fromNow(tr.cache_expiration)})</span>` : html`<span class="muted">${tr.cache_key ? 'never' : '—'}</span>`}</dd>
    <dt>Result</dt><dd>${result}</dd>
  </dl>`;
}

/** One input's sources: another task run's result (linked), a flow parameter, or a constant. */
function InputSource({ input, sources }) {
  if (input.input_type === 'task_run') {
    const src = sources.get(input.id);
    return html`<li><span class="muted">result of</span> <a href=${`/task-runs/${seg(input.id)}`}>${src ? src.name : input.id}</a>
      ${src ? html` <${StateBadge} type=${src.state_type} name=${src.state_name} />` : ''}</li>`;
  }
  if (input.input_type === 'parameter') return html`<li><span class="muted">flow parameter</span> <code>${input.name}</code></li>`;
  if (input.input_type === 'constant') return html`<li><span class="muted">constant</span>${input.type ? html` <code>${input.type}</code>` : ''}</li>`;
  return html`<li><span class="muted">${words(input.input_type)}</span> <code>${input.name || input.id || ''}</code></li>`;
}

/** The task runs that took this one's result. */
function UsedBy({ users }) {
  if (!users.length) return '';
  return html`<p class="used-by"><span class="muted">Its result went to</span>${' '}${users.map((u, i) => html`${i ? ', ' : ''}<a href=${`/task-runs/${seg(u.id)}`}>${u.name}</a>`)}</p>`;
}

function Inputs({ tr, sources, users }) {
  const entries = Object.entries(tr.task_inputs || {});
  if (!entries.length) return html`<p class="muted">This task run takes no inputs.</p><${UsedBy} users=${users} />`;
  return html`<table class="task-inputs"><thead><tr><th>Input</th><th>Comes from</th></tr></thead>
    <tbody>${entries.map(([name, from]) => html`<tr data-input=${name}><td><code>${name}</code></td>
      <td>${from.length ? html`<ul class="plain">${from.map((i) => html`<${InputSource} input=${i} sources=${sources} />`)}</ul>` : html`<span class="muted">a value given directly</span>`}</td></tr>`)}</tbody></table><${UsedBy} users=${users} />`;
}

/** A task run's page; the not-found page for an id the API does not know (or that cannot be an id). */
export function TaskRunDetail({ id }) {
  if (!isUuid(id)) return html`<${NotFound} what="task run" id=${id} back="/runs" backLabel="All runs" />`;
  return html`<${TaskRunPage} id=${id} />`;
}

function TaskRunPage({ id }) {
  const data = useData(() => loadTaskRun(id), [id]);
  const states = useData(() => get(`/task_run_states/?task_run_id=${seg(id)}`), [id]);
  const logSink = useRef(() => {});
  const runId = data.data?.tr.flow_run_id;
  useLive(runId || null, (kind, msg) => {
    if (!runId) return;
    if (kind === 'logs') logSink.current(msg);
    else if ((kind === 'task_run' && msg.id === id) || kind === 'resync') { data.soon(); states.soon(); }
  });
  if (isNotFound(data.error) && !data.data) return html`<${NotFound} what="task run" id=${id} back="/runs" backLabel="All runs" />`;
  if (data.error && !data.data) return html`<${Page} title="Task run"><${ErrorNote} error=${data.error} /></${Page}>`;
  if (!data.data) return html`<${Page} title="Task run"><${Loading} /></${Page}>`;
  const { tr, run, flow, sources, subflows, users } = data.data;
  return html`<${Page} title=${tr.name}
    sub=${html`<${StateBadge} type=${tr.state_type} name=${tr.state_name} /> <span class="muted">Task run${run ? html` in <a href=${`/runs/${seg(run.id)}`}>${flow ? `${flow.name} / ` : ''}${run.name}</a>` : ''}</span>${tr.state?.message ? html` <span class=${`small state-msg ${['FAILED', 'CRASHED'].includes(tr.state_type) ? 'failed' : 'muted'}`}>${tr.state.message}</span>` : ''}`}
    actions=${run ? html`<a class="button" href=${`/runs/${seg(run.id)}`}>Back to the flow run</a>` : ''}>
    <div class="cols">
      <section class="panel"><h2>Details</h2><${Details} tr=${tr} run=${run} flow=${flow} /></section>
      <section class="panel"><h2>State history</h2>${states.data ? html`<${StateHistory} states=${states.data} />` : html`<${Loading} />`}</section>
    </div>
    <div class="cols">
      <section class="panel"><h2>Inputs</h2><${Inputs} tr=${tr} sources=${sources} users=${users} /></section>
      <section class="panel"><h2>Cache and result</h2><${CacheAndResult} tr=${tr} /></section>
    </div>
    ${subflows.length ? html`<section class="panel"><h2>Subflow run</h2><ul class="list">${subflows.map((s) => html`<li data-subflow=${s.id}>
      <${StateBadge} type=${s.state_type} name=${s.state_name} /> <a href=${`/runs/${seg(s.id)}`}>${s.name}</a></li>`)}</ul></section>` : ''}
    <section class="panel"><h2>Logs</h2>${tr.flow_run_id ? html`<${Logs} runId=${tr.flow_run_id} taskRunId=${id} onLive=${(fn) => { logSink.current = fn; }} />` : html`<p class="muted">No flow run, so no logs.</p>`}</section>
  </${Page}>`;
}
