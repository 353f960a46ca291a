// Concurrency: every limit (global ones, tag limits and deployments' own limits) with its slots in use, and
// per limit who holds its slots (since when, lease until when) and who waits in line for them; enable and
// disable, reset, delete, and create a limit. Slots change without a run changing state, so both pages also
// refetch every few seconds.
import { html, useEffect, useState } from '../lib.js';
import { get, post, patch, del, useData, useLive, seg, ApiError } from '../api.js';
import { Page, Time, ErrorNote, Loading, Toggle, ConfirmButton, Dialog, toast } from '../components.js';
import { duration, fromNow, utcTime } from '../format.js';
import { navigate } from '../router.js';

const POLL_MS = 3000;
const KIND_ORDER = { global: 0, tag: 1, deployment: 2 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Every limit with its holders and waiters; `deployment:<id>` limits get their deployment (and its flow). */
async function loadLimits() {
  const limits = await get('/baton/concurrency_limits');
  const depIds = limits.filter((l) => l.kind === 'deployment').map((l) => l.name.slice('deployment:'.length)).filter((id) => UUID.test(id));
  // Names are a courtesy: a failed lookup shows the raw `deployment:<id>` name rather than an error.
  const deps = depIds.length ? await post('/deployments/filter', { deployments: { id: { any_: depIds } } }).catch(() => []) : [];
  const flowIds = [...new Set(deps.map((d) => d.flow_id))];
  const flows = flowIds.length ? await post('/flows/filter', { flows: { id: { any_: flowIds } } }).catch(() => []) : [];
  const fn = new Map(flows.map((f) => [f.id, f.name]));
  const dm = new Map(deps.map((d) => [d.id, { id: d.id, name: d.name, flow_name: fn.get(d.flow_id) }]));
  return limits.map((l) => ({ ...l, deployment: l.kind === 'deployment' ? dm.get(l.name.slice('deployment:'.length)) : undefined }));
}

/** Refetches every `ms` while the tab is visible, and soon after any run changes state. */
function useRefresh(data, ms = POLL_MS) {
  useEffect(() => {
    const t = setInterval(() => { if (!document.hidden) data.reload(); }, ms);
    return () => clearInterval(t);
  }, [data.reload]);
  useLive(null, (kind) => { if (kind === 'flow_run' || kind === 'task_run' || kind === 'resync') data.soon(); });
}

/** What a limit is called on the page: a tag limit by its tag, a deployment's limit by the deployment. */
function title(l) {
  if (l.kind === 'tag') return l.name.slice('tag:'.length);
  if (l.kind === 'deployment' && l.deployment) return l.deployment.name;
  return l.name;
}

const decayText = (l) => `${Number(l.slot_decay_per_second.toFixed(3))}/s decay`;

function KindBadge({ l }) {
  if (l.kind === 'global') return '';
  return html`<span class="badge kind" data-kind=${l.kind}>${l.kind}</span>`;
}

/** `2 / 3` and a small bar; full (or over the limit, possible after a lower limit is set) in warning colours. */
function Usage({ l }) {
  const used = l.active_slots;
  const pct = l.limit > 0 ? Math.min(100, (100 * used) / l.limit) : (used > 0 ? 100 : 0);
  const tone = !l.active ? 'off' : used > l.limit ? 'over' : used >= l.limit ? 'full' : '';
  return html`<span class="usage" data-in-use=${used} title=${`${used} of ${l.limit} slots in use${l.active ? '' : ' (not enforced: the limit is disabled)'}`}>
    <span class="num">${used} / ${l.limit}</span>
    <span class="usage-bar" aria-hidden="true"><span class=${tone} style=${`width: ${pct}%`}></span></span></span>`;
}

async function setActive(l, active) {
  await patch(`/v2/concurrency_limits/${seg(l.id)}`, { active });
  toast(`${title(l)} ${active ? 'enabled' : 'disabled'}`);
}

/** Frees every slot of a limit: its leases are released and its count zeroed (a tag limit through Prefect's
 * own reset, any other through Baton's). */
async function reset(l) {
  if (l.kind === 'tag') await post(`/concurrency_limits/tag/${seg(l.name.slice('tag:'.length))}/reset`, { slot_override: null });
  else await post(`/baton/concurrency_limits/${seg(l.id)}/reset`);
  toast(`Reset ${title(l)}`);
}

function resetQuestion(l) {
  const what = l.kind === 'tag' ? `the limit on tag ${title(l)}` : title(l);
  const unleased = l.unleased_slots ? ` and the ${plural(l.unleased_slots, 'slot')} taken without a lease are given back` : '';
  const who = l.kind === 'tag' ? 'task runs' : l.kind === 'deployment' ? 'runs' : 'requests';
  return `Reset ${what}? Every slot is freed: the leases of its ${plural(l.holders.length, 'holder')} are released${unleased}, `
    + `so waiting ${who} can go ahead. Whoever holds a slot now keeps running, no longer counted, and may go over the limit.`;
}

function deleteQuestion(l) {
  const after = l.kind === 'tag' ? `Task runs tagged ${title(l)} then run without this limit.` : 'Code that asks for its slots then runs without waiting.';
  return `Delete the limit ${title(l)}? ${after} Whoever holds a slot now keeps running.`;
}

function LimitActions({ l, onChange, onDeleted }) {
  return html`<${ConfirmButton} label="Reset" question=${resetQuestion(l)} onConfirm=${async () => { await reset(l); onChange(); }} />
    ${l.kind === 'deployment' ? '' : html`<${ConfirmButton} label="Delete" danger question=${deleteQuestion(l)}
      onConfirm=${async () => { await del(`/v2/concurrency_limits/${seg(l.id)}`); toast(`Deleted ${title(l)}`); onDeleted(); }} />`}`;
}

// ---- The list ----------------------------------------------------------------------------------------

function EmptyState() {
  return html`<div class="muted empty"><p>No concurrency limits yet. A limit caps how many runs or tasks hold its slots at once; the rest wait in line.</p>
    <ul>
      <li>Limit task runs by tag: <code>prefect concurrency-limit create TAG N</code></li>
      <li>A global limit that flows take with <code>concurrency("NAME")</code>: <code>prefect gcl create NAME --limit N</code> or <code>baton concurrency create NAME --limit N</code></li>
      <li>A deployment's own limit comes from its <code>concurrency_limit</code> and shows here too.</li>
    </ul><p>Or use <b>New limit</b> above.</p></div>`;
}

export function Concurrency() {
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);
  const data = useData(loadLimits, [], 500);
  useRefresh(data);
  const toggle = async (l, on) => {
    try { await setActive(l, on); setError(null); } catch (e) { setError(e); }
    data.reload();
  };
  const limits = data.data && [...data.data].sort((a, b) => (KIND_ORDER[a.kind] ?? 3) - (KIND_ORDER[b.kind] ?? 3) || title(a).localeCompare(title(b)));
  return html`<${Page} title="Concurrency" sub=${html`<span class="muted">Limits on how many runs and tasks run at once, who holds their slots and who waits</span>`}
    actions=${html`<button class="primary" onClick=${() => setCreating(true)}>New limit</button>`}>
    <${ErrorNote} error=${data.error || error} />
    ${creating ? html`<${NewLimit} onClose=${() => setCreating(false)} onCreated=${data.reload} />` : ''}
    ${!limits ? (data.error ? '' : html`<${Loading} />`) : !limits.length ? html`<${EmptyState} />`
    : html`<div class="table-wrap"><table class="limits">
      <thead><tr><th>Limit</th><th>In use</th><th>Active</th><th class="num">Holders</th><th class="num">Waiting</th></tr></thead>
      <tbody>${limits.map((l) => html`<tr key=${l.id} data-limit=${l.name} class=${l.active ? '' : 'inactive'}>
        <td><a href=${`/concurrency/${seg(l.id)}`}>${title(l)}</a> <${KindBadge} l=${l} />
          ${l.slot_decay_per_second > 0 ? html` <span class="muted small decay">${decayText(l)}</span>` : ''}
          ${l.kind === 'deployment' && l.deployment?.flow_name ? html`<div class="muted small">${l.deployment.flow_name}</div>` : ''}</td>
        <td><${Usage} l=${l} /></td>
        <td><span class="row tight"><${Toggle} checked=${l.active} label=${`${title(l)} active`} onChange=${(on) => toggle(l, on)} />
          <span class="small muted hide-narrow">${l.active ? 'enforced' : 'disabled'}</span></span></td>
        <td class="num" data-holders=${l.holders.length}>${l.holders.length}</td>
        <td class=${`num ${l.waiters.length ? 'waiting' : ''}`} data-waiters=${l.waiters.length}>${l.waiters.length}</td>
      </tr>`)}</tbody></table></div>`}
  </${Page}>`;
}

// ---- Creating a limit --------------------------------------------------------------------------------

const FIELDS = [
  ['name', 'Name', 'A name like tag:db limits the task runs tagged db.'],
  ['limit', 'Limit', 'How many slots can be held at once.'],
  ['slot_decay_per_second', 'Decay per second (optional)', 'Makes it a rate limit: this many slots free themselves each second.'],
];

/** A number when the text is one; otherwise the text itself, so the server's check gives the message. */
const numberOr = (v) => (v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v);

/** The field the server's message is about (`limit: must be 0 or more`), or null. */
function fieldOf(err) {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 409) return 'name';
  const m = String(err.detail).match(/^(?:Invalid request body: )?(?:missing field `)?(name|limit|slot_decay_per_second)\b/);
  return m ? m[1] : null;
}

function NewLimit({ onClose, onCreated }) {
  const [raw, setRaw] = useState({ name: '', limit: '', slot_decay_per_second: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const body = { name: raw.name.trim() };
    if (raw.limit.trim() !== '') body.limit = numberOr(raw.limit);
    if (raw.slot_decay_per_second.trim() !== '') body.slot_decay_per_second = numberOr(raw.slot_decay_per_second);
    setBusy(true);
    try {
      const l = await post('/v2/concurrency_limits/', body);
      toast(`Created the limit ${l.name}`, `/concurrency/${seg(l.id)}`);
      onCreated();
      onClose();
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const at = fieldOf(error);
  return html`<${Dialog} title="New concurrency limit" onClose=${onClose}>
    <form class="limit-form" onSubmit=${submit} novalidate>
      ${FIELDS.map(([name, label, hint]) => {
        const id = `limit-${name}`;
        const bad = at === name;
        return html`<div class=${`field ${bad ? 'has-error' : ''}`} key=${name}>
          <label for=${id}>${label}${name === 'slot_decay_per_second' ? '' : html` <span class="req" aria-label="required">*</span>`}</label>
          <input id=${id} type="text" inputmode=${name === 'name' ? undefined : 'decimal'} autocomplete="off" value=${raw[name]}
            aria-invalid=${bad ? 'true' : undefined} aria-describedby=${bad ? `${id}-error` : undefined}
            onInput=${(ev) => setRaw((r) => ({ ...r, [name]: ev.target.value }))} />
          <div class="muted small">${hint}</div>
          ${bad ? html`<div class="field-error" id=${`${id}-error`} role="alert">${error.message}</div>` : ''}
        </div>`;
      })}
      ${error && !at ? html`<${ErrorNote} error=${error} />` : ''}
      <div class="row end"><button type="button" onClick=${onClose}>Cancel</button>
        <button class="primary" type="submit" disabled=${busy}>Create limit</button></div>
    </form>
  </${Dialog}>`;
}

// ---- One limit ---------------------------------------------------------------------------------------

/** For `since`: how long ago, as a duration, with the UTC time on hover. */
function HeldFor({ iso }) {
  const secs = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  return html`<time datetime=${iso} title=${utcTime(iso)}>${duration(secs)}</time>`;
}

/** Who holds (or waits for) slots: a flow run, a task run (linked to its flow run), a deployment, or nobody named. */
function Who({ type, id, name, flowRunId, nobody = 'unnamed holder' }) {
  if (!type || !id) return html`<span class="muted">${nobody}</span>`;
  const label = name || `${type.replace('_', ' ')} ${id.slice(0, 8)}`;
  const href = type === 'flow_run' ? `/runs/${seg(id)}` : type === 'task_run' ? (flowRunId ? `/runs/${seg(flowRunId)}` : null)
    : type === 'deployment' ? `/deployments/${seg(id)}` : null;
  return html`${href ? html`<a href=${href}>${label}</a>` : label} <span class="muted small">${type.replace('_', ' ')}</span>`;
}

function Holders({ l }) {
  if (!l.holders.length && !l.unleased_slots) return html`<p class="muted">No one holds a slot.</p>`;
  return html`<div class="table-wrap"><table class="holders"><thead><tr><th>Holder</th><th class="num">Slots</th><th>Held for</th><th>Lease expires</th></tr></thead>
    <tbody>${l.holders.map((h) => html`<tr key=${h.lease_id} data-holder=${h.holder_id || 'unnamed'}>
      <td><${Who} type=${h.holder_type} id=${h.holder_id} name=${h.holder_name} flowRunId=${h.flow_run_id} /></td>
      <td class="num">${h.slots}</td><td><${HeldFor} iso=${h.since} /></td>
      <td><time datetime=${h.expires} title=${utcTime(h.expires)}>${fromNow(h.expires)}</time></td></tr>`)}
    ${l.unleased_slots ? html`<tr data-holder="unleased"><td><span class="muted">taken without a lease</span></td><td class="num">${l.unleased_slots}</td>
      <td class="muted">—</td><td class="muted small">${l.slot_decay_per_second > 0 ? `frees itself at ${decayText(l).replace(' decay', '')}` : 'until released or reset'}</td></tr>` : ''}
    </tbody></table></div>`;
}

function Waiters({ l }) {
  if (!l.waiters.length) return html`<p class="muted">Nothing is waiting.</p>`;
  return html`<div class="table-wrap"><table class="waiters"><thead><tr><th class="num">#</th><th>Waiting</th><th class="num">Slots</th><th>Waiting for</th></tr></thead>
    <tbody>${l.waiters.map((w, i) => html`<tr key=${`${i}-${w.since}`} data-waiter=${i + 1}>
      <td class="num">${i + 1}</td><td><${Who} type=${w.holder_type} id=${w.holder_id} nobody="unnamed request" /></td>
      <td class="num">${w.slots}</td><td><${HeldFor} iso=${w.since} /></td></tr>`)}</tbody></table></div>
    <p class="muted small">Slots go to requests in this order: a later one never jumps ahead. A request waits in the server up to 15 s; when its client asks again, it keeps its place.</p>`;
}

/** A limit by id (`/concurrency/<id>`) or by name (`/concurrency/tag:db`). */
export function ConcurrencyDetail({ id }) {
  const [error, setError] = useState(null);
  const data = useData(loadLimits, [], 500);
  useRefresh(data);
  const l = data.data && data.data.find((x) => x.id === id || x.name === id);
  if (!l) {
    const missing = data.data && new Error(`There is no concurrency limit ${id}: it may have been deleted.`);
    return html`<${Page} title="Concurrency limit">${data.error || missing ? html`<${ErrorNote} error=${data.error || missing} />
      <p><a href="/concurrency">All concurrency limits</a></p>` : html`<${Loading} />`}</${Page}>`;
  }
  const toggle = async (on) => {
    try { await setActive(l, on); setError(null); } catch (e) { setError(e); }
    data.reload();
  };
  const leased = l.holders.reduce((n, h) => n + h.slots, 0);
  const rows = [
    ['Held under leases', leased],
    ['Taken without a lease', l.unleased_slots],
    ['Decay', l.slot_decay_per_second > 0 ? `${Number(l.slot_decay_per_second.toFixed(3))} slots per second (a rate limit)` : 'none'],
    ['Average slot held', `${duration(l.avg_slot_occupancy_seconds)}`],
    ...(l.kind === 'deployment' ? [['Deployment', l.deployment ? html`<a href=${`/deployments/${seg(l.deployment.id)}`}>${l.deployment.flow_name ? `${l.deployment.flow_name} / ` : ''}${l.deployment.name}</a>` : html`<span class="muted">deleted</span>`]] : []),
    ['Name', html`<code>${l.name}</code>`],
    ['Updated', html`<${Time} iso=${l.updated} />`],
    ['Created', html`<${Time} iso=${l.created} />`],
    ['Id', html`<code>${l.id}</code>`],
  ];
  return html`<${Page} title=${title(l)}
    sub=${html`<${KindBadge} l=${l} />${l.slot_decay_per_second > 0 ? html`<span class="muted small">${decayText(l)}</span>` : ''} <${Usage} l=${l} />`}
    actions=${html`<span class="row tight"><${Toggle} checked=${l.active} label=${`${title(l)} active`} onChange=${toggle} />
        <span class="small muted">${l.active ? 'enforced' : 'disabled'}</span></span>
      <${LimitActions} l=${l} onChange=${data.reload} onDeleted=${() => navigate('/concurrency')} />`}>
    <${ErrorNote} error=${data.error || error} />
    ${!l.active ? html`<p class="muted">This limit is disabled: nothing waits for it and its slots are not counted until it is enabled again.</p>` : ''}
    ${l.kind === 'deployment' ? html`<p class="muted small">This is the deployment's own limit, made from its <code>concurrency_limit</code>: a run of the deployment starts only while a slot is free. Change its size on the deployment.</p>` : ''}
    <div class="cols">
      <section class="panel"><h2>Holders</h2><${Holders} l=${l} /></section>
      <section class="panel"><h2>Waiting in line</h2><${Waiters} l=${l} /></section>
    </div>
    <section class="panel"><h2>Details</h2><dl class="details">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></section>
  </${Page}>`;
}
