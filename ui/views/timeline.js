// A run's task runs as a timeline (one bar per task run from its start to its end, or now, coloured by
// state, on a shared time axis) or as a table; each name and bar opens the task run's page.
import { html } from '../lib.js';
import { seg } from '../api.js';
import { StateBadge, Time } from '../components.js';
import { duration, clockTime, utcTime, num } from '../format.js';

const taskHref = (tr) => `/task-runs/${seg(tr.id)}`;

export function TaskTimeline({ tasks, run }) {
  if (!tasks.length) return html`<p class="muted">No task runs.</p>`;
  const now = Date.now();
  const t = (iso) => (iso ? new Date(iso).getTime() : null);
  const spans = tasks.map((tr) => {
    const a = t(tr.start_time) ?? t(tr.expected_start_time) ?? now;
    const b = t(tr.end_time) ?? (tr.state_type === 'RUNNING' ? now : a);
    return { tr, a, b: Math.max(b, a) };
  });
  const lo = Math.min(t(run.start_time) ?? Infinity, ...spans.map((s) => s.a));
  const hi = Math.max(t(run.end_time) ?? 0, ...spans.map((s) => s.b), lo + 1);
  const pct = (x) => ((x - lo) / (hi - lo)) * 100;
  return html`<div class="timeline task-scroll" role="list" aria-label="Task runs">
    <div class="tl-axis" aria-hidden="true"><span>${clockTime(new Date(lo).toISOString())}</span><span>${duration((hi - lo) / 1000)}</span><span>${clockTime(new Date(hi).toISOString())}</span></div>
    ${spans.map(({ tr, a, b }) => html`<div class="tl-row" role="listitem" key=${tr.id} data-task=${tr.name} data-task-run=${tr.id}>
      <a class="tl-name" href=${taskHref(tr)} title=${tr.name}>${tr.name}</a>
      <span class="tl-track"><a class=${`tl-bar st-${(tr.state_type || 'none').toLowerCase()}`} href=${taskHref(tr)} tabindex="-1"
        aria-label=${`${tr.name}: ${tr.state_name || tr.state_type || 'no state'}`}
        style=${`left:${pct(a)}%;width:${Math.max(pct(b) - pct(a), 0.6)}%`}
        title=${`${tr.name}: ${tr.state_name || tr.state_type}, ${utcTime(tr.start_time)} → ${tr.end_time ? utcTime(tr.end_time) : 'now'}`}></a></span>
      <span class="tl-dur small muted">${tr.state_name || ''} ${b > a ? duration((b - a) / 1000) : ''}</span>
    </div>`)}
  </div>`;
}

/** The task runs as a table: state, name (linked), start, duration, how many times each ran. */
export function TaskTable({ tasks }) {
  if (!tasks.length) return html`<p class="muted">No task runs.</p>`;
  return html`<div class="table-wrap task-scroll"><table class="task-runs">
    <thead><tr><th>State</th><th>Task run</th><th>Started</th><th class="num">Duration</th><th class="num">Runs</th></tr></thead>
    <tbody>${tasks.map((tr) => html`<tr key=${tr.id} data-task-run=${tr.id}>
      <td><${StateBadge} type=${tr.state_type} name=${tr.state_name} /></td>
      <td><a href=${taskHref(tr)}>${tr.name}</a></td>
      <td><${Time} iso=${tr.start_time || tr.expected_start_time} /></td>
      <td class="num">${tr.total_run_time ? duration(tr.total_run_time) : tr.state_type === 'RUNNING' && tr.start_time
        ? duration((Date.now() - new Date(tr.start_time)) / 1000) : '—'}</td>
      <td class="num">${num(tr.run_count)}</td></tr>`)}</tbody></table></div>`;
}
