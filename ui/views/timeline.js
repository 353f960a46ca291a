// A run's task runs as a timeline: one bar per task run from its start to its end (or now), coloured by
// state, on a shared time axis.
import { html } from '../lib.js';
import { duration, clockTime, utcTime } from '../format.js';

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
  return html`<div class="timeline" role="list" aria-label="Task runs">
    <div class="tl-axis" aria-hidden="true"><span>${clockTime(new Date(lo).toISOString())}</span><span>${duration((hi - lo) / 1000)}</span><span>${clockTime(new Date(hi).toISOString())}</span></div>
    ${spans.map(({ tr, a, b }) => html`<div class="tl-row" role="listitem" key=${tr.id} data-task=${tr.name}>
      <span class="tl-name" title=${tr.name}>${tr.name}</span>
      <span class="tl-track"><span class=${`tl-bar st-${(tr.state_type || 'none').toLowerCase()}`}
        style=${`left:${pct(a)}%;width:${Math.max(pct(b) - pct(a), 0.6)}%`}
        title=${`${tr.name}: ${tr.state_name || tr.state_type}, ${utcTime(tr.start_time)} → ${tr.end_time ? utcTime(tr.end_time) : 'now'}`}></span></span>
      <span class="tl-dur small muted">${tr.state_name || ''} ${b > a ? duration((b - a) / 1000) : ''}</span>
    </div>`)}
  </div>`;
}
