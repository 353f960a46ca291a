// A run's logs: level filter, text search (on the server), older pages on demand, and a live tail from the
// live stream while the run is active.
import { html, useEffect, useRef, useState } from '../lib.js';
import { post } from '../api.js';
import { LEVELS, levelName, clockTime, utcTime } from '../format.js';
import { ErrorNote } from '../components.js';

const PAGE = 200;

function matches(line, level, text) {
  return line.level >= level && (!text || line.message.toLowerCase().includes(text.toLowerCase()));
}

/** `live` receives a function the parent calls with new log lines from the stream. */
export function Logs({ runId, onLive }) {
  const [level, setLevel] = useState(0);
  const [text, setText] = useState('');
  const [lines, setLines] = useState([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState(null);
  const [follow, setFollow] = useState(true);
  const box = useRef();
  const filter = () => ({
    logs: { flow_run_id: { any_: [runId] }, ...(level ? { level: { ge_: level } } : {}), ...(text ? { text: { query: text } } : {}) },
    sort: 'TIMESTAMP_ASC',
  });
  const load = async (offset) => {
    try {
      const got = await post('/logs/filter', { ...filter(), limit: PAGE, offset });
      setLines((old) => (offset ? [...old, ...got] : got));
      setMore(got.length === PAGE);
      setError(null);
    } catch (e) { setError(e); }
  };
  useEffect(() => { load(0); }, [runId, level, text]);
  const seen = useRef(new Set());
  seen.current = new Set(lines.map((l) => l.id));
  onLive((batch) => {
    const fresh = batch.filter((l) => !seen.current.has(l.id) && matches(l, level, text));
    if (fresh.length && !more) setLines((old) => [...old, ...fresh]);
  });
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);
  return html`<div class="logs-panel">
    <div class="row logs-tools">
      <label>Level <select aria-label="Log level" value=${level} onChange=${(e) => setLevel(Number(e.target.value))}>
        <option value="0">All</option>${LEVELS.map(([v, n]) => html`<option value=${v}>${n} and above</option>`)}</select></label>
      <input type="search" aria-label="Search logs" placeholder="Search logs" value=${text}
        onChange=${(e) => setText(e.target.value.trim())} />
      <label class="small"><input type="checkbox" checked=${follow} onChange=${(e) => setFollow(e.target.checked)} /> Follow</label>
    </div>
    <${ErrorNote} error=${error} />
    <div class="logs" ref=${box} role="log" aria-label="Run logs" aria-live="off">
      ${lines.length ? lines.map((l) => html`<div class=${`log lv-${levelName(l.level).toLowerCase()}`} key=${l.id}>
        <time datetime=${l.timestamp} title=${utcTime(l.timestamp)}>${clockTime(l.timestamp)}</time>
        <span class="lv">${levelName(l.level)}</span><span class="msg">${l.message}</span></div>`)
        : html`<div class="muted">No log lines${level || text ? ' match' : ' yet'}.</div>`}
      ${more ? html`<button class="link" onClick=${() => load(lines.length)}>Load more</button>` : ''}
    </div>
  </div>`;
}
