// One flow run: state and actions (cancel, retry, run again with edited parameters, resume a paused run),
// details, state history, task runs as a timeline or as a graph with their dependencies, logs with a live
// tail, for a late run the reasons it waits, and for a failed one its state message. A subflow run links to
// its parent run; a run with subflows lists them; each task run opens its own page.
import { html, useRef, useState } from '../lib.js';
import { get, post, useData, useLive, withNames, seg, isUuid } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading, ConfirmButton, toast } from '../components.js';
import { FINAL, duration, runDuration, num } from '../format.js';
import { TaskTimeline, TaskTable } from './timeline.js';
import { ParentLink, Subflows } from './run-family.js';
import { RunGraph } from './graph.js';
import { ResumeDialog } from './resume.js';
import { setQuery } from '../router.js';
import { Logs } from './logs.js';
import { RunDialog } from './params-form.js';
import { Artifacts } from './artifacts.js';
import { NotFound, isNotFound } from './shell.js';

// A failed or crashed run's state message says why (e.g. which Python could not import prefect): shown
// in the state's colour, not muted.
const ENDED_BADLY = new Set(['FAILED', 'CRASHED']);

function setState(id, state, force = false) {
  return post(`/flow_runs/${id}/set_state`, { state, force });
}

function Actions({ run, deployment, reload }) {
  const [rerun, setRerun] = useState(false);
  const [resume, setResume] = useState(false);
  const act = async (state, force, done) => {
    const res = await setState(run.id, state, force);
    if (res.status !== 'ACCEPT') throw new Error(res.details?.reason || `The server answered ${res.status}`);
    toast(done);
    reload();
  };
  const final = FINAL.has(run.state_type);
  return html`
    ${run.state_type === 'PAUSED' ? html`<button class="primary" onClick=${() => setResume(true)}>Resume</button>` : ''}
    ${resume && run.state_type === 'PAUSED' ? html`<${ResumeDialog} run=${run} onClose=${() => setResume(false)} onResumed=${reload} />` : ''}
    ${!final && run.state_type !== 'CANCELLING' ? html`<${ConfirmButton} label="Cancel run" danger confirmLabel="Cancel run"
      question=${`Cancel ${run.name}? Its process is stopped.`}
      onConfirm=${() => act({ type: 'CANCELLING', name: 'Cancelling' }, false, 'Cancelling the run')} />` : ''}
    ${final && deployment ? html`<${ConfirmButton} label="Retry" confirmLabel="Retry"
      question=${`Run ${run.name} again with the same parameters?`}
      onConfirm=${() => act({ type: 'SCHEDULED', name: 'AwaitingRetry', message: 'Retried from the dashboard' }, true, 'Retry scheduled')} />` : ''}
    ${deployment ? html`<button onClick=${() => setRerun(true)}>Run again…</button>` : ''}
    ${rerun ? html`<${RunDialog} deployment=${deployment} initial=${run.parameters} title="Run again with parameters" onClose=${() => setRerun(false)} />` : ''}`;
}

function Details({ run }) {
  const rows = [
    ['Flow', html`<a class="flow-link" href=${`/flows/${run.flow_id}`}>${run.flow_name || run.flow_id}</a>`],
    ['Deployment', run.deployment_id ? html`<a href=${`/deployments/${run.deployment_id}`}>${run.deployment_name || run.deployment_id}</a>` : '—'],
    ['Work pool', run.work_pool_name ? html`<a href=${`/work-pools/${seg(run.work_pool_name)}`}>${run.work_pool_name}</a>` : '—'],
    ['Work queue', run.work_queue_name || '—'],
    ['Expected start', html`<${Time} iso=${run.expected_start_time} />`],
    ['Started', html`<${Time} iso=${run.start_time} />`],
    ['Ended', html`<${Time} iso=${run.end_time} />`],
    ['Duration', runDuration(run) || '—'],
    ['Run count', num(run.run_count)],
    ['Tags', html`<${Tags} tags=${run.tags} />`],
    ['Run id', html`<code>${run.id}</code>`],
  ];
  return html`<dl class="details">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export function StateHistory({ states }) {
  const sorted = [...states].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  return html`<ol class="states-tl">${sorted.map((s, i) => {
    const next = sorted[i + 1];
    const held = next ? (new Date(next.timestamp) - new Date(s.timestamp)) / 1000 : null;
    return html`<li key=${s.id}><${StateBadge} type=${s.type} name=${s.name} /> <${Time} iso=${s.timestamp} />
      ${held != null ? html`<span class="muted small"> for ${duration(held)}</span>` : ''}
      ${s.message ? html`<div class="muted small msg">${s.message}</div>` : ''}</li>`;
  })}</ol>`;
}

function WhyLate({ id }) {
  const why = useData(() => get(`/baton/flow_runs/${id}/why`), [id]);
  if (!why.data) return '';
  return html`<section class="panel warn-panel"><h2>Why is this run waiting?</h2>
    <ul>${why.data.reasons.map((r) => html`<li>${r}</li>`)}</ul></section>`;
}

/** The task runs as a timeline, a table (`?tab=list`), or a graph of boxes and dependency edges (`?tab=graph`). */
function TaskRuns({ id, run, tasks, tab }) {
  const tabs = [['timeline', 'Timeline'], ['list', 'List'], ['graph', 'Graph']];
  // Counted once the task runs are here (and again when they change), not also before.
  const total = useData(async () => (tasks.data ? post('/task_runs/count', { task_runs: { flow_run_id: { any_: [id] } } }) : undefined), [id, tasks.data]);
  const n = total.data ?? tasks.data?.length;
  const cut = tasks.data && n > tasks.data.length && tab !== 'graph';
  return html`<section class="panel">
    <div class="panel-head"><h2>Task runs${n ? html` <span class="count">${num(n)}</span>` : ''}</h2>
      <div class="seg" role="tablist" aria-label="Task runs view">${tabs.map(([key, label]) => html`<button role="tab" id=${`tab-${key}`}
        aria-selected=${tab === key ? 'true' : 'false'} aria-controls="task-runs-view"
        onClick=${() => setQuery({ tab: key === 'timeline' ? '' : key }, { replace: true })}>${label}</button>`)}</div></div>
    <div id="task-runs-view" role="tabpanel" aria-labelledby=${`tab-${tab}`}>
      ${tab === 'graph' ? html`<${RunGraph} id=${id} version=${tasks.data} />`
        : !tasks.data ? html`<${Loading} />` : tab === 'list' ? html`<${TaskTable} tasks=${tasks.data} />`
          : html`<${TaskTimeline} tasks=${tasks.data} run=${run} />`}
      ${cut ? html`<p class="muted small">The first ${num(tasks.data.length)} of ${num(n)} task runs.</p>` : ''}</div>
  </section>`;
}

const TASK_LIMIT = 200;
const TABS = new Set(['graph', 'list']);

/** A flow run's page; the not-found page for an id the API does not know (or that cannot be an id). */
export function RunDetail({ id, query }) {
  if (!isUuid(id)) return html`<${NotFound} what="flow run" id=${id} back="/runs" backLabel="All runs" />`;
  return html`<${RunPage} id=${id} query=${query} />`;
}

function RunPage({ id, query }) {
  // The page draws once the run is here; its flow's and deployment's names and the deployment (for the
  // actions) follow, asked for together, while the logs, task runs and artifacts load.
  const run = useData(() => get(`/flow_runs/${id}`), [id]);
  const about = useData(async () => {
    const r = run.data;
    if (!r) return null;
    const [[named], deployment] = await Promise.all([withNames([r]),
      r.deployment_id ? get(`/deployments/${r.deployment_id}`).catch(() => null) : null]);
    return { flow_name: named.flow_name, deployment_name: named.deployment_name, deployment };
  }, [run.data?.flow_id, run.data?.deployment_id]);
  const states = useData(() => get(`/flow_run_states/?flow_run_id=${id}`), [id]);
  const tasks = useData(() => post('/task_runs/filter', { task_runs: { flow_run_id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_LIMIT }), [id]);
  const logSink = useRef(() => {});
  useLive(id, (kind, data) => {
    if (kind === 'logs') logSink.current(data);
    else if (kind === 'flow_run' && data.id === id) { run.soon(); states.soon(); }
    else if (kind === 'task_run') tasks.soon();
    else if (kind === 'resync') { run.soon(); states.soon(); tasks.soon(); logSink.current(null); }
  });
  if (isNotFound(run.error) && !run.data) return html`<${NotFound} what="flow run" id=${id} back="/runs" backLabel="All runs" />`;
  if (run.error && !run.data) return html`<${Page} title="Flow run"><${ErrorNote} error=${run.error} /></${Page}>`;
  if (!run.data) return html`<${Page} title="Flow run"><${Loading} /></${Page}>`;
  const r = { ...run.data, flow_name: about.data?.flow_name, deployment_name: about.data?.deployment_name };
  const reload = () => { run.reload(); states.reload(); };
  const waiting = r.state_name === 'Late' || (r.state_type === 'SCHEDULED' && new Date(r.expected_start_time) < Date.now());
  return html`<${Page} title=${r.name}
    sub=${html`<${StateBadge} type=${r.state_type} name=${r.state_name} /> <span class="muted">${r.flow_name}${r.deployment_name ? ` / ${r.deployment_name}` : ''}</span>${r.parent_task_run_id ? html` <${ParentLink} run=${r} />` : ''}${r.state?.message ? html` <span class=${`small state-msg ${ENDED_BADLY.has(r.state_type) ? 'failed' : 'muted'}`}>${r.state.message}</span>` : ''}`}
    actions=${html`<${Actions} run=${r} deployment=${about.data?.deployment} reload=${reload} />`}>
    ${waiting ? html`<${WhyLate} id=${id} key=${r.state_name} />` : ''}
    <div class="cols">
      <section class="panel"><h2>Details</h2><${Details} run=${r} /></section>
      <section class="panel"><h2>State history</h2>${states.data ? html`<${StateHistory} states=${states.data} />` : html`<${Loading} />`}</section>
    </div>
    <div class="cols">
      <section class="panel"><h2>Parameters</h2><pre class="json">${JSON.stringify(r.parameters || {}, null, 2)}</pre></section>
      <section class="panel"><h2>Job variables</h2><pre class="json">${JSON.stringify(r.job_variables || {}, null, 2)}</pre></section>
    </div>
    <${TaskRuns} id=${id} run=${r} tasks=${tasks} tab=${TABS.has(query?.get('tab')) ? query.get('tab') : 'timeline'} />
    <${Subflows} id=${id} version=${tasks.data} />
    <${Artifacts} runId=${id} />
    <section class="panel"><h2>Logs</h2><${Logs} runId=${id} tasks=${tasks.data || []} onLive=${(fn) => { logSink.current = fn; }} /></section>
  </${Page}>`;
}
