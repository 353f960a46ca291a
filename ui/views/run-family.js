// A flow run's relatives: for a subflow run, the parent flow run and the task run that started it (through
// `parent_task_run_id`); for any run, its subflow runs (runs whose parent flow run it is), each linked.
import { html } from '../lib.js';
import { get, post, useData, withNames, seg } from '../api.js';
import { StateBadge, Time, Loading, ErrorNote } from '../components.js';
import { num, runDuration } from '../format.js';

/** The parent task run and its flow run of a subflow run (`null` for a top-level run). */
export async function loadParent(run) {
  if (!run.parent_task_run_id) return null;
  const task = await get(`/task_runs/${seg(run.parent_task_run_id)}`).catch(() => null);
  if (!task) return { task: null, run: null };
  const parent = task.flow_run_id ? await get(`/flow_runs/${seg(task.flow_run_id)}`).catch(() => null) : null;
  return { task, run: parent };
}

/** "Subflow of parent-run (via task-name)", shown under a subflow run's title. */
export function ParentLink({ run }) {
  const parent = useData(() => loadParent(run), [run.id, run.parent_task_run_id]);
  if (!run.parent_task_run_id || !parent.data) return '';
  const { task, run: up } = parent.data;
  return html`<span class="parent-run">Subflow of ${up ? html`<a class="parent-run-link" href=${`/runs/${seg(up.id)}`}>${up.name}</a>` : 'a flow run that no longer exists'}${task
    ? html` <span class="muted">(started by task run <a href=${`/task-runs/${seg(task.id)}`}>${task.name}</a>)</span>` : ''}</span>`;
}

/** The run's subflow runs as a table; nothing when it has none. */
export function Subflows({ id, version }) {
  const kids = useData(async () => {
    if (version === undefined) return null; // asked for once the task runs are here, then on each change
    const filter = { flow_runs: { parent_flow_run_id: { any_: [id] } } };
    const [runs, total] = await Promise.all([
      post('/flow_runs/filter', { ...filter, sort: 'EXPECTED_START_TIME_ASC', limit: 100 }),
      post('/flow_runs/count', filter),
    ]);
    return { runs: await withNames(runs), total };
  }, [id, version]);
  if (kids.error && !kids.data) return html`<section class="panel"><h2>Subflow runs</h2><${ErrorNote} error=${kids.error} /></section>`;
  if (!kids.data) return html`<section class="panel"><h2>Subflow runs</h2><${Loading} /></section>`;
  const { runs, total } = kids.data;
  if (!runs.length) return '';
  return html`<section class="panel subflows" aria-label="Subflow runs">
    <div class="panel-head"><h2>Subflow runs</h2><span class="muted small subflow-count">${num(total)} subflow run${total === 1 ? '' : 's'}${total > runs.length ? `, the first ${num(runs.length)} shown` : ''}</span></div>
    <div class="table-wrap"><table class="subflow-runs">
      <thead><tr><th>State</th><th>Run</th><th class="hide-narrow">Flow</th><th>Started</th><th class="num">Duration</th></tr></thead>
      <tbody>${runs.map((r) => html`<tr key=${r.id} data-run=${r.id}>
        <td><${StateBadge} type=${r.state_type} name=${r.state_name} /></td>
        <td><a href=${`/runs/${seg(r.id)}`}>${r.name}</a></td>
        <td class="hide-narrow"><a class="flow-link" href=${`/flows/${seg(r.flow_id)}`}>${r.flow_name || ''}</a></td>
        <td><${Time} iso=${r.start_time || r.expected_start_time} /></td>
        <td class="num">${runDuration(r) || '—'}</td></tr>`)}</tbody></table></div>
  </section>`;
}
