// A deployment's schedules: each in words with its next times, switched on and off, edited and removed; new
// ones added with a form (interval, cron or RRule, in a time zone) that previews the next times as it is typed.
import { html, useEffect, useState } from '../lib.js';
import { post, patch, del, useData } from '../api.js';
import { Time, Toggle, Dialog, ErrorNote, ConfirmButton, toast } from '../components.js';

const UNITS = [['days', 86400], ['hours', 3600], ['minutes', 60], ['seconds', 1]];
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const ZONES = (() => { try { return Intl.supportedValuesOf('timeZone'); } catch { return ['UTC']; } })();

const toLocalInput = (iso) => {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};

/** The form's fields for an existing schedule (or a new one: every hour in the browser's zone). */
function formOf(s) {
  const sc = (s && s.schedule) || {};
  const f = { kind: 'interval', every: '1', unit: 'hours', anchor: '', cron: '0 9 * * *', dayOr: true, rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0',
    timezone: sc.timezone || browserZone(), active: s ? s.active : true };
  if (sc.cron !== undefined) Object.assign(f, { kind: 'cron', cron: sc.cron, dayOr: sc.day_or !== false });
  else if (sc.rrule !== undefined) Object.assign(f, { kind: 'rrule', rrule: sc.rrule });
  else if (sc.interval !== undefined) {
    const secs = Number(sc.interval);
    const [unit, n] = UNITS.find(([, k]) => secs >= k && secs % k === 0) || ['seconds', 1];
    Object.assign(f, { every: String(secs / n), unit, anchor: toLocalInput(sc.anchor_date) });
  }
  return f;
}

/** The API's schedule object for the form's fields. */
function scheduleOf(f) {
  const timezone = f.timezone.trim() || null;
  if (f.kind === 'cron') return { cron: f.cron.trim(), day_or: f.dayOr, timezone };
  if (f.kind === 'rrule') return { rrule: f.rrule.trim(), timezone };
  const n = Number(f.every);
  const unit = UNITS.find(([u]) => u === f.unit)[1];
  const out = { interval: Number.isFinite(n) && f.every.trim() !== '' ? n * unit : f.every, timezone };
  if (f.anchor) out.anchor_date = new Date(f.anchor).toISOString();
  return out;
}

/** Next times of the form's schedule, asked of the server a moment after typing stops. */
function usePreview(f) {
  const [state, setState] = useState({ times: [], error: null });
  const key = JSON.stringify(scheduleOf(f));
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => post('/baton/schedules/preview', { schedule: JSON.parse(key), count: 5 })
      .then((r) => live && setState({ times: r.times, error: null }))
      .catch((error) => live && setState({ times: [], error })), 300);
    return () => { live = false; clearTimeout(t); };
  }, [key]);
  return state;
}

export function ScheduleDialog({ deployment, schedule, onClose }) {
  const [f, setF] = useState(() => formOf(schedule));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const preview = usePreview(f);
  const set = (k) => (e) => setF((x) => ({ ...x, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value }));
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { schedule: scheduleOf(f), active: f.active };
      if (schedule) await patch(`/deployments/${deployment.id}/schedules/${schedule.id}`, body);
      else await post(`/deployments/${deployment.id}/schedules`, [body]);
      toast(schedule ? 'Schedule saved' : 'Schedule added');
      onClose(true);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const kinds = [['interval', 'Interval'], ['cron', 'Cron'], ['rrule', 'RRule']];
  return html`<${Dialog} title=${schedule ? 'Edit schedule' : 'Add schedule'} onClose=${() => onClose(false)}>
    <form class="schedule-form" onSubmit=${save} novalidate>
      <div class="seg" role="group" aria-label="Kind of schedule">${kinds.map(([k, label]) => html`<button type="button" aria-pressed=${f.kind === k ? 'true' : 'false'}
        onClick=${() => setF((x) => ({ ...x, kind: k }))}>${label}</button>`)}</div>
      <div class="inline-fields" style="margin-top: 12px">
        ${f.kind === 'interval' ? html`<div class="field"><label for="sched-every">Every</label>
            <input id="sched-every" type="text" inputmode="decimal" value=${f.every} onInput=${set('every')} /></div>
          <div class="field"><label for="sched-unit">Unit</label><select id="sched-unit" value=${f.unit} onChange=${set('unit')}>
            ${UNITS.map(([u]) => html`<option value=${u}>${u}</option>`)}</select></div>
          <div class="field"><label for="sched-anchor">Starting from <span class="muted small">(optional)</span></label>
            <input id="sched-anchor" type="datetime-local" value=${f.anchor} onInput=${set('anchor')} /></div>` : ''}
        ${f.kind === 'cron' ? html`<div class="field"><label for="sched-cron">Cron expression</label>
            <input id="sched-cron" type="text" class="mono" value=${f.cron} onInput=${set('cron')} placeholder="0 9 * * 1-5" /></div>
          <div class="field check"><label><input type="checkbox" checked=${f.dayOr} onChange=${set('dayOr')} /> Day of month OR day of week</label></div>` : ''}
        ${f.kind === 'rrule' ? html`<div class="field"><label for="sched-rrule">RRule</label>
            <input id="sched-rrule" type="text" class="mono" value=${f.rrule} onInput=${set('rrule')} /></div>` : ''}
      </div>
      <div class="field"><label for="sched-tz">Time zone</label>
        <input id="sched-tz" type="text" list="sched-zones" value=${f.timezone} onInput=${set('timezone')} autocomplete="off" />
        <datalist id="sched-zones">${ZONES.map((z) => html`<option value=${z} />`)}</datalist></div>
      <div class="field check"><label><input type="checkbox" checked=${f.active} onChange=${set('active')} /> Active</label></div>
      <div class="preview" aria-live="polite"><h3>Next runs</h3>
        ${preview.error ? html`<p class="error">${preview.error.message}</p>`
          : preview.times.length ? html`<ol class="sched-preview">${preview.times.map((t) => html`<li><${Time} iso=${t} /></li>`)}</ol>`
          : html`<p class="muted small">None ahead.</p>`}</div>
      <${ErrorNote} error=${error} />
      <div class="row end"><button type="button" onClick=${() => onClose(false)}>Cancel</button>
        <button class="primary" type="submit" disabled=${busy}>${schedule ? 'Save schedule' : 'Add schedule'}</button></div>
    </form></${Dialog}>`;
}

/** The schedules panel of a deployment page. */
export function Schedules({ d, summary, onChange, onError }) {
  const [editing, setEditing] = useState(null);
  const times = useData(() => Promise.all(d.schedules.map((s) => post('/baton/schedules/preview', { schedule: s.schedule, count: 3 })
    .then((r) => r.times).catch(() => []))), [d.id, JSON.stringify(d.schedules)]);
  const words = new Map((summary?.schedules || []).map((s) => [s.id, s.description]));
  const setActive = async (s, active) => {
    try {
      await patch(`/deployments/${d.id}/schedules/${s.id}`, { active });
      toast(`Schedule ${active ? 'resumed' : 'paused'}`);
    } catch (e) { onError(e); }
    onChange();
  };
  const remove = async (s) => {
    await del(`/deployments/${d.id}/schedules/${s.id}`);
    toast('Schedule removed');
    onChange();
  };
  const closed = (saved) => { setEditing(null); if (saved) onChange(); };
  return html`${d.schedules.length ? html`<ul class="list schedules">${d.schedules.map((s, i) => {
    const name = words.get(s.id) || JSON.stringify(s.schedule);
    return html`<li key=${s.id} data-schedule=${s.id}>
      <${Toggle} checked=${s.active} label=${`Schedule ${words.get(s.id) || i + 1} active`} onChange=${(on) => setActive(s, on)} />
      <span class="sched-words">${name}</span>
      <span class="sched-actions"><button class="link" aria-label=${`Edit schedule ${name}`} onClick=${() => setEditing(s)}>Edit</button>
        <${ConfirmButton} label="Remove" danger question=${`Remove the schedule "${name}"? Its scheduled runs that have not started are removed.`}
          onConfirm=${() => remove(s)} /></span>
      <div class="sched-next small muted">${s.active && d.paused === false && times.data?.[i]?.length ? html`Next: ${times.data[i].map((t, k) => html`${k ? ', ' : ''}<${Time} iso=${t} />`)}` : s.active ? (d.paused ? 'The deployment is paused' : '') : 'Paused'}</div>
    </li>`;
  })}</ul>` : html`<p class="muted">No schedules: runs start only when asked.</p>`}
    <button onClick=${() => setEditing('new')}>Add schedule</button>
    ${editing ? html`<${ScheduleDialog} deployment=${d} schedule=${editing === 'new' ? null : editing} onClose=${closed} />` : ''}`;
}
