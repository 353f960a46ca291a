// A run's graph: its task runs and subflow runs as boxes on a time axis (one row each, in start order) with
// arrows from each task run to the ones that took its result, from GET /flow_runs/{id}/graph-v2. A task
// box shows its name, state and duration below the graph, with a link to the task run's page; a subflow
// box links to the child run's page.
import { html, useEffect, useRef, useState } from '../lib.js';
import { get, useData, seg } from '../api.js';
import { StateBadge, Time, ErrorNote, Loading } from '../components.js';
import { FINAL, duration, clockTime, utcTime, stateVar } from '../format.js';

const ROW = 30;
const BOX = 20;
const TOP = 26;
const PAD = 10;
const MAX_NODES = 500;
const CHAR = 6.6; // an estimate of one 12px character, to place labels beside their box

/**
 * Places graph-v2's nodes for a drawing `width` px wide: a box per node (x1..x2 on the time axis, a row
 * each), the dependency edges between boxes, and the axis ticks. Pure, so it can be checked alone.
 */
export function layout(graph, width, now = Date.now()) {
  const t = (iso) => (iso ? new Date(iso).getTime() : null);
  const all = (graph.nodes || []).map(([, n]) => n);
  const nodes = all.slice(0, MAX_NODES);
  const spans = nodes.map((n) => {
    const a = t(n.start_time) ?? now;
    const b = t(n.end_time) ?? (FINAL.has(n.state_type) ? a : Math.max(now, a));
    return { n, a, b: Math.max(a, b) };
  });
  const lo = Math.min(t(graph.start_time) ?? Infinity, ...spans.map((s) => s.a));
  const hi = Math.max(t(graph.end_time) ?? 0, ...spans.map((s) => s.b), lo + 1);
  const span = Math.max(width - 2 * PAD, 40);
  const x = (ms) => PAD + ((ms - lo) / (hi - lo)) * span;
  const boxes = spans.map(({ n, a, b }, i) => {
    const x1 = x(a);
    const x2 = Math.max(x(b), x1 + 4);
    const room = n.label.length * CHAR + 6;
    const labelRight = x2 + room <= width || x1 - room < 0;
    return { n, a, b, x1, x2, y: TOP + i * ROW, labelX: labelRight ? x2 + 6 : x1 - 6, labelRight };
  });
  const byId = new Map(boxes.map((bx) => [bx.n.id, bx]));
  const edges = [];
  for (const from of boxes) {
    for (const { id } of from.n.children || []) {
      const to = byId.get(id);
      if (!to) continue;
      // From the bottom of the parent's end to the top of the child's start (the other way round when the
      // child's row is above), so an edge never runs along a row through its labels.
      const down = to.y > from.y;
      const x1 = from.x2 - Math.min(4, (from.x2 - from.x1) / 2);
      const x2 = to.x1 + Math.min(4, (to.x2 - to.x1) / 2);
      const y1 = down ? from.y + BOX : from.y;
      const y2 = down ? to.y : to.y + BOX;
      const dy = (down ? 1 : -1) * Math.max(8, Math.abs(y2 - y1) / 2);
      edges.push({ id: `${from.n.id}>${id}`, from: from.n.id, to: id, d: `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}` });
    }
  }
  const parts = width < 480 ? 2 : 4;
  const ticks = Array.from({ length: parts + 1 }, (_, k) => {
    const ms = lo + ((hi - lo) * k) / parts;
    return { x: x(ms), label: k === 0 ? clockTime(new Date(ms).toISOString()) : `+${duration((ms - lo) / 1000)}` };
  });
  return { boxes, edges, ticks, height: TOP + boxes.length * ROW + PAD, total: all.length, lo, hi };
}

/** Why there is no graph: the route missing from this server, or the server's own message. */
function graphError(error, id) {
  if (error.status === 404 && /no such API route/i.test(error.message)) {
    return `This Baton server has no run graph yet (GET /api/flow_runs/${id}/graph-v2 is not available). The timeline shows the task runs.`;
  }
  if (error.status === 404) return 'This flow run was not found.';
  return error.message;
}

function useWidth(ref, fallback = 900) {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setWidth(el.clientWidth || fallback);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || fallback));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return width;
}

function NodeBox({ box, selected, onSelect }) {
  const { n, x1, x2, y, labelX, labelRight, a, b } = box;
  const ended = n.end_time ? utcTime(n.end_time) : 'now';
  const tip = html`<title>${n.label}: ${n.state_type || 'no state'}, ${utcTime(n.start_time)} → ${ended}</title>`;
  const shape = html`<rect x=${x1} y=${y} width=${x2 - x1} height=${BOX} rx="4" style=${`fill:${stateVar(n.state_type)}`} />
    <text x=${labelX} y=${y + BOX / 2} dy="0.35em" text-anchor=${labelRight ? 'start' : 'end'}>${n.label}${b > a ? html`<tspan class="graph-dur"> ${duration((b - a) / 1000)}</tspan>` : ''}</text>`;
  if (n.kind === 'flow-run') {
    return html`<a href=${`/runs/${seg(n.id)}`} class="graph-node subflow" data-node=${n.id} data-kind=${n.kind} data-state=${n.state_type}
      aria-label=${`Subflow run ${n.label}, ${(n.state_type || 'no state').toLowerCase()}`}>${tip}${shape}</a>`;
  }
  const key = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(n.id); } };
  return html`<g class=${`graph-node${selected ? ' selected' : ''}`} data-node=${n.id} data-kind=${n.kind} data-state=${n.state_type}
    role="button" tabindex="0" aria-pressed=${selected ? 'true' : 'false'} aria-label=${`Task run ${n.label}, ${(n.state_type || 'no state').toLowerCase()}`}
    onClick=${() => onSelect(selected ? null : n.id)} onKeyDown=${key}>${tip}${shape}</g>`;
}

/** What a clicked task box shows: its name, state (with the task run's state name and message), duration. */
function TaskDetail({ box }) {
  const { n, a, b } = box;
  const tr = useData(() => get(`/task_runs/${n.id}`), [n.id]);
  const r = tr.data;
  const ran = n.end_time ? duration((b - a) / 1000) : FINAL.has(n.state_type) ? '—' : `${duration((b - a) / 1000)} so far`;
  return html`<div class="graph-detail" role="region" aria-label="Selected task run" data-node=${n.id}>
    <h3 class="graph-detail-name">${n.label}</h3>
    <p class="small"><a class="graph-detail-open" href=${`/task-runs/${seg(n.id)}`}>Open the task run: inputs, cache, result and logs</a></p>
    <dl class="details">
      <dt>State</dt><dd><${StateBadge} type=${r?.state_type || n.state_type} name=${r?.state_name} />${r?.state?.message ? html` <span class="muted small state-msg">${r.state.message}</span>` : ''}</dd>
      <dt>Duration</dt><dd class="graph-detail-dur">${ran}</dd>
      <dt>Started</dt><dd><${Time} iso=${n.start_time} /></dd>
      <dt>Ended</dt><dd><${Time} iso=${n.end_time} /></dd>
      ${n.parents?.length ? html`<dt>Depends on</dt><dd>${n.parents.length} task run${n.parents.length > 1 ? 's' : ''}</dd>` : ''}
      ${n.artifacts?.length ? html`<dt>Artifacts</dt><dd>${n.artifacts.map((x) => x.key || x.type).join(', ')}</dd>` : ''}
      <dt>Task run id</dt><dd><code>${n.id}</code></dd>
    </dl>
  </div>`;
}

export function RunGraph({ id, version }) {
  const graph = useData(() => get(`/flow_runs/${id}/graph-v2`), [id, version]);
  const wrap = useRef();
  const width = useWidth(wrap);
  const [picked, setPicked] = useState(null);
  let body;
  if (graph.error && !graph.data) body = html`<p class="muted graph-note" role="note">${graphError(graph.error, id)}</p>`;
  else if (!graph.data) body = html`<${Loading} />`;
  else if (!graph.data.nodes.length) body = html`<p class="muted graph-note">No task runs or subflow runs yet.</p>`;
  else {
    const g = layout(graph.data, width);
    const chosen = g.boxes.find((bx) => bx.n.id === picked);
    body = html`<div class="graph-scroll"><svg class="graph" width=${width} height=${g.height} role="group" aria-label="Run graph">
        <defs><marker id="graph-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L8,4 L0,8 z" /></marker></defs>
        <g class="graph-axis" aria-hidden="true">${g.ticks.map((tk, i) => html`<line x1=${tk.x} x2=${tk.x} y1="16" y2=${g.height} />
          <text x=${tk.x} y="11" text-anchor=${i === 0 ? 'start' : i === g.ticks.length - 1 ? 'end' : 'middle'}>${tk.label}</text>`)}</g>
        <g class="graph-edges" aria-hidden="true">${g.edges.map((e) => html`<path key=${e.id} d=${e.d} data-from=${e.from} data-to=${e.to} marker-end="url(#graph-arrow)" />`)}</g>
        <g class="graph-nodes">${g.boxes.map((bx) => html`<${NodeBox} key=${bx.n.id} box=${bx} selected=${bx.n.id === picked} onSelect=${setPicked} />`)}</g>
      </svg></div>
      ${g.total > g.boxes.length ? html`<p class="muted small">Showing the first ${g.boxes.length} of ${g.total} nodes.</p>` : ''}
      ${chosen ? html`<${TaskDetail} key=${chosen.n.id} box=${chosen} />` : html`<p class="muted small">Click a task box for its details; a subflow box opens its run.</p>`}
      <${ErrorNote} error=${graph.error} />`;
  }
  return html`<div class="graph-wrap" ref=${wrap}>${body}</div>`;
}
