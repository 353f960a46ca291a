// Overview: runs over time by state, what needs attention now, the next runs, and work pool health.
import { html, useEffect, useRef } from '../lib.js';
import { post, useData, useLive, withNames, seg } from '../api.js';
import { Page, StateBadge, Time, ErrorNote, Loading } from '../components.js';
import { STATE_TYPES, localTime } from '../format.js';
import { setQuery } from '../router.js';
import { useThemeColors } from './shell.js';

// The chart library is imported when the overview opens (while its data is fetched), not at boot.
let uPlotModule = null;
const loadUPlot = () => uPlotModule || (uPlotModule = import('/assets/vendor/uplot/uPlot.esm.js').then((m) => m.default));

const RANGES = { '24h': [24 * 3600, 3600], '7d': [7 * 86400, 6 * 3600] };

function cssColor(type) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--st-${type.toLowerCase()}`).trim() || '#888';
}

/** Stacked bars of runs per interval and state type, drawn with uPlot (again when the theme changes). */
function RunsChart({ history, label }) {
  const box = useRef();
  const readout = useRef();
  const colors = useThemeColors();
  useEffect(() => {
    if (!history || !box.current) return undefined;
    let plot = null;
    let ro = null;
    let live = true;
    loadUPlot().then((uPlot) => {
      if (live && box.current) ({ plot, ro } = draw(uPlot));
    });
    return () => { live = false; ro?.disconnect(); plot?.destroy(); };
  }, [history, colors]);
  const draw = (uPlot) => {
    const xs = history.map((h) => new Date(h.interval_start).getTime() / 1000);
    const counts = STATE_TYPES.map((t) => history.map((h) => h.states
      .filter((s) => s.state_type === t).reduce((n, s) => n + s.count_runs, 0)));
    const present = STATE_TYPES.map((t, i) => [t, i]).filter(([, i]) => counts[i].some((n) => n > 0));
    // Cumulative sums, drawn top-most first so each lower stack paints over the one above it.
    const stacks = [];
    let acc = xs.map(() => 0);
    for (const [, i] of present) {
      acc = acc.map((n, j) => n + counts[i][j]);
      stacks.push(acc);
    }
    const order = present.map((p, k) => k).reverse();
    const bars = uPlot.paths.bars({ size: [0.8, 48], gap: 1 });
    const opts = {
      width: box.current.clientWidth || 600,
      height: 200,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max)] } },
      axes: [
        { stroke: cssColor('axis'), grid: { show: false } },
        { stroke: cssColor('axis'), grid: { stroke: cssColor('grid'), width: 1 }, size: 40 },
      ],
      series: [{}, ...order.map((k) => ({
        label: present[k][0], fill: cssColor(present[k][0]), stroke: cssColor(present[k][0]), width: 0, paths: bars, points: { show: false },
      }))],
    };
    // Hovering a bar shows its interval and counts in words.
    opts.hooks = {
      setCursor: [(u) => {
        const i = u.cursor.idx;
        if (!readout.current) return;
        if (i == null) { readout.current.textContent = ''; return; }
        const parts = present.map(([t, j]) => [t, counts[j][i]]).filter(([, n]) => n > 0)
          .map(([t, n]) => `${n} ${t.toLowerCase()}`);
        readout.current.textContent = `${localTime(history[i].interval_start)}: ${parts.join(', ') || 'no runs'}`;
      }],
    };
    const plot = new uPlot(opts, [xs, ...order.map((k) => stacks[k])], box.current);
    const ro = new ResizeObserver(() => plot.setSize({ width: box.current.clientWidth, height: 200 }));
    ro.observe(box.current);
    return { plot, ro };
  };
  const totals = STATE_TYPES.map((t) => [t, (history || []).reduce((n, h) => n + h.states
    .filter((s) => s.state_type === t).reduce((m, s) => m + s.count_runs, 0), 0)]).filter(([, n]) => n > 0);
  return html`<figure class="chart" aria-label=${label}>
    <div ref=${box} class="chart-box" role="img" aria-label=${`${label}: ${totals.map(([t, n]) => `${n} ${t.toLowerCase()}`).join(', ') || 'no runs'}`}></div>
    <div class="readout small muted" ref=${readout} aria-live="polite"></div>
    <figcaption class="legend">${totals.length ? totals.map(([t, n]) => html`<span><i style=${`background: var(--st-${t.toLowerCase()})`}></i>${t.toLowerCase()} ${n}</span>`) : html`<span class="muted">No runs in this range</span>`}</figcaption>
  </figure>`;
}

const stateFilter = (types, names) => ({ flow_runs: { state: { ...(types ? { type: { any_: types } } : {}), ...(names ? { name: { any_: names } } : {}) } } });

function Card({ label, n, href, tone }) {
  return html`<a class=${`card stat ${n > 0 ? tone : ''}`} href=${href}><span class="n">${n ?? '…'}</span><span>${label}</span></a>`;
}

export function Overview({ query }) {
  const range = RANGES[query.get('range')] ? query.get('range') : '24h';
  const [span, step] = RANGES[range];
  useEffect(() => { loadUPlot(); }, []); // fetched while the data is
  const data = useData(async () => {
    const end = Math.ceil(Date.now() / 1000 / step) * step;
    const start = end - span;
    const since = new Date(start * 1000).toISOString();
    const inRange = (f) => ({ ...f, flow_runs: { ...f.flow_runs, expected_start_time: { after_: since } } });
    const [history, late, failed, crashed, running] = await Promise.all([
      post('/flow_runs/history', { history_start: since, history_end: new Date(end * 1000).toISOString(), history_interval_seconds: step }),
      post('/flow_runs/count', stateFilter(null, ['Late'])),
      post('/flow_runs/count', inRange(stateFilter(['FAILED']))),
      post('/flow_runs/count', inRange(stateFilter(['CRASHED']))),
      post('/flow_runs/count', stateFilter(['RUNNING'])),
    ]);
    return { history, late, failed, crashed, running, since };
  }, [range], 1000);
  // The lists below take a second request each (names, a pool's workers): the counts and the chart do not
  // wait for them.
  const lists = useData(async () => {
    const [upcoming, pools] = await Promise.all([
      post('/flow_runs/filter', { ...stateFilter(['SCHEDULED']), sort: 'EXPECTED_START_TIME_ASC', limit: 8 }).then(withNames),
      post('/work_pools/filter', { limit: 50 }).then((list) => Promise.all(list.map(async (p) => ({
        ...p, workers: await post(`/work_pools/${seg(p.name)}/workers/filter`, { limit: 200 }) })))),
    ]);
    return { upcoming, pools };
  }, [], 1000);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'resync') { data.soon(); lists.soon(); } });
  const d = data.data;
  const l = lists.data;
  const since = d && encodeURIComponent(d.since);
  return html`<${Page} title="Overview" actions=${html`<div class="seg" role="group" aria-label="Time range">
      ${Object.keys(RANGES).map((r) => html`<button aria-pressed=${r === range} onClick=${() => setQuery({ range: r === '24h' ? '' : r })}>${r === '24h' ? 'Last 24 hours' : 'Last 7 days'}</button>`)}
    </div>`}>
    <${ErrorNote} error=${data.error || lists.error} />
    ${!d ? html`<${Loading} />` : html`
      <div class="stats">
        <${Card} label="Late" n=${d.late} href="/runs?state_name=Late" tone="warn" />
        <${Card} label="Failed" n=${d.failed} href=${`/runs?state=FAILED&from=${since}`} tone="bad" />
        <${Card} label="Crashed" n=${d.crashed} href=${`/runs?state=CRASHED&from=${since}`} tone="bad" />
        <${Card} label="Running" n=${d.running} href="/runs?state=RUNNING" tone="run" />
      </div>
      <section class="panel"><h2>Runs over time</h2><${RunsChart} history=${d.history} label=${`Runs per ${step / 3600} h by state`} /></section>
      <div class="cols">
        <section class="panel"><h2>Upcoming runs</h2>
          ${!l ? (lists.error ? '' : html`<${Loading} />`) : l.upcoming.length ? html`<ul class="list">${l.upcoming.map((r) => html`<li>
            <a href=${`/runs/${r.id}`}>${r.name}</a> <span class="muted">${r.flow_name}${r.deployment_name ? ` / ${r.deployment_name}` : ''}</span>
            <span class="right"><${StateBadge} type=${r.state_type} name=${r.state_name} /> <${Time} iso=${r.expected_start_time} rel /></span></li>`)}</ul>`
          : html`<p class="muted">Nothing scheduled.</p>`}
        </section>
        <section class="panel"><h2>Work pools</h2>
          ${!l ? (lists.error ? '' : html`<${Loading} />`) : l.pools.length ? html`<ul class="list">${l.pools.map((p) => html`<li>
            <a href=${`/work-pools/${seg(p.name)}`}>${p.name}</a> <span class="muted">${p.type}</span>
            <span class="right">${p.workers.filter((w) => w.status === 'ONLINE').length}/${p.workers.length} workers online
              <span class=${`badge pool-${(p.status || 'none').toLowerCase()}`}>${p.is_paused ? 'PAUSED' : (p.status || 'NOT_READY')}</span></span></li>`)}</ul>`
          : html`<p class="muted">No work pools.</p>`}
        </section>
      </div>`}
  </${Page}>`;
}
