// A run's logs: level filter, text search (on the server), a filter by task run, older pages on demand, a
// live tail from the live stream while the run is active, and the whole log as a CSV download. Each line
// says where it came from (its task run, linked, or its logger) and a line marks each change of day; the
// worker's own lines about the run's process (logger baton.process: started, exited) are set apart from
// the process's output. Live lines take their place by time, as they may arrive out of order.
import { html, useEffect, useLayoutEffect, useRef, useState } from '../lib.js';
import { post, seg } from '../api.js';
import { LEVELS, levelName, clockTime, utcTime, localDay } from '../format.js';
import { ErrorNote, TextFilter } from '../components.js';

const PAGE = 200;
const FLOW_ONLY = '-'; // the task select's value for lines logged by the flow itself
const WORKER_LOGGERS = new Set(['baton.process', 'baton.worker']); // the worker's notes, not the run's output

/** A line's time as a number that keeps microseconds (`Date` stops at milliseconds). */
function timeKey(iso) {
  const micros = /\.\d{3}(\d{1,3})/.exec(iso);
  return Date.parse(iso) * 1000 + (micros ? Number(micros[1].padEnd(3, '0')) : 0);
}

/**
 * `old` and the `fresh` lines in time order. A process's last output can reach the stream after the
 * worker's line saying it exited, which is later in time.
 */
function merge(old, fresh) {
  const all = [...old, ...fresh];
  const keys = new Map(all.map((l) => [l, timeKey(l.timestamp)]));
  const last = old.length ? keys.get(old[old.length - 1]) : -Infinity;
  if (fresh.every((l, i) => keys.get(l) >= (i ? keys.get(fresh[i - 1]) : last))) return all;
  return all.sort((a, b) => keys.get(a) - keys.get(b)); // stable: equal times keep their order
}

function matches(line, level, text, task) {
  if (task === FLOW_ONLY ? line.task_run_id : task && line.task_run_id !== task) return false;
  return line.level >= level && (!text || line.message.toLowerCase().includes(text.toLowerCase()));
}

/** The lines with `{ day }` before the first line and wherever the local date changes. */
function withDays(lines) {
  const out = [];
  let last = '';
  for (const l of lines) {
    const day = localDay(l.timestamp);
    if (day.key !== last) {
      out.push({ day });
      last = day.key;
    }
    out.push(l);
  }
  return out;
}

/** Where a line came from: its task run (a link to it) or else its logger's name. */
function Source({ line, names, taskRunId }) {
  if (line.task_run_id && !taskRunId) {
    const name = names.get(line.task_run_id) || 'task run';
    return html`<a class="src" href=${`/task-runs/${seg(line.task_run_id)}`} title=${`${name} · logger ${line.name}`}>${name}</a>`;
  }
  return html`<span class="src" title=${`logger ${line.name}`}>${line.name}</span>`;
}

/**
 * `runId`'s log lines. `taskRunId` shows only that task run's lines; otherwise `tasks` (the run's task
 * runs) name the lines' sources and fill the task select. `onLive` receives a function the parent calls
 * with new log lines from the stream.
 */
export function Logs({ runId, taskRunId, tasks = [], onLive }) {
  const [level, setLevel] = useState(0);
  const [text, setText] = useState('');
  const [task, setTask] = useState(taskRunId || '');
  const [lines, setLines] = useState([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState(null);
  const [follow, setFollow] = useState(true);
  const box = useRef();
  const names = new Map(tasks.map((t) => [t.id, t.name]));
  const filter = () => ({
    logs: {
      flow_run_id: { any_: [runId] },
      ...(task === FLOW_ONLY ? { task_run_id: { is_null_: true } } : task ? { task_run_id: { any_: [task] } } : {}),
      ...(level ? { level: { ge_: level } } : {}), ...(text ? { text: { query: text } } : {}),
    },
    sort: 'TIMESTAMP_ASC',
  });
  // Live lines that arrive while the first page is being read: the page's answer may have been read before
  // they were stored, so they are kept and merged into it instead of being replaced by it.
  const arriving = useRef(null);
  const load = async (offset) => {
    const mine = offset ? null : [];
    if (mine) arriving.current = mine;
    try {
      const got = await post('/logs/filter', { ...filter(), limit: PAGE, offset });
      if (!mine) setLines((old) => [...old, ...got]);
      else {
        const ids = new Set(got.map((l) => l.id));
        const during = mine.filter((l) => !ids.has(l.id));
        setLines(during.length && got.length < PAGE ? merge(got, during) : got);
      }
      setMore(got.length === PAGE);
      setError(null);
    } catch (e) { setError(e); } finally { if (mine && arriving.current === mine) arriving.current = null; }
  };
  useLayoutEffect(() => { load(0); }, [runId, level, text, task]); // asked for before the first paint, like useData
  const seen = useRef(new Set());
  seen.current = new Set(lines.map((l) => l.id));
  if (onLive) {
    onLive((batch) => {
      if (batch === null) { load(0); return; } // the stream may have missed lines: read them again
      const fresh = batch.filter((l) => !seen.current.has(l.id) && matches(l, level, text, task));
      if (arriving.current) arriving.current.push(...fresh);
      if (fresh.length && !more) setLines((old) => merge(old, fresh));
    });
  }
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);
  const filtered = level || text || task !== (taskRunId || '');
  return html`<div class="logs-panel">
    <div class="row logs-tools">
      <label>Level <select aria-label="Log level" value=${level} onChange=${(e) => setLevel(Number(e.target.value))}>
        <option value="0">All</option>${LEVELS.map(([v, n]) => html`<option value=${v}>${n} and above</option>`)}</select></label>
      ${taskRunId ? '' : html`<label>Task <select aria-label="Task run" value=${task} onChange=${(e) => setTask(e.target.value)}>
        <option value="">All lines</option><option value=${FLOW_ONLY}>The flow only (no task)</option>
        ${tasks.map((t) => html`<option value=${t.id}>${t.name}</option>`)}</select></label>`}
      <${TextFilter} aria-label="Search logs" placeholder="Search logs" value=${text} onApply=${setText} />
      <label class="small"><input type="checkbox" checked=${follow} onChange=${(e) => setFollow(e.target.checked)} /> Follow</label>
      <a class="button logs-download" href=${`/api/flow_runs/${seg(runId)}/logs/download`} download
        title="All of this flow run's log lines as CSV">${taskRunId ? 'Download the flow run\'s logs' : 'Download'}</a>
    </div>
    <${ErrorNote} error=${error} />
    <div class="logs" ref=${box} role="log" aria-label="Run logs" aria-live="off">
      ${lines.length ? withDays(lines).map((l) => (l.day ? html`<div class="log-day" role="separator" key=${`day-${l.day.key}`}
        data-day=${l.day.key}><span>${l.day.label}</span></div>` : html`<div class=${`log lv-${levelName(l.level).toLowerCase()}${WORKER_LOGGERS.has(l.name) ? ' from-worker' : ''}`} key=${l.id} data-task-run=${l.task_run_id || ''}>
        <time datetime=${l.timestamp} title=${utcTime(l.timestamp)}>${clockTime(l.timestamp)}</time>
        <span class="lv">${levelName(l.level)}</span><${Source} line=${l} names=${names} taskRunId=${taskRunId} /><span class="msg">${l.message}</span></div>`))
        : html`<div class="muted">No log lines${filtered ? ' match' : ' yet'}.</div>`}
      ${more ? html`<button class="link" onClick=${() => load(lines.length)}>Load more</button>` : ''}
    </div>
  </div>`;
}
