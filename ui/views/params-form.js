// A run form generated from a deployment's parameter JSON schema (the subset pydantic writes: types,
// defaults, required, enums, optionals, $ref), validated by the server, whose messages land at the field.
// The fields are shared with the resume form of a paused run that waits for input (run.js).
import { html, useEffect, useState } from '../lib.js';
import { get, post, seg, ApiError } from '../api.js';
import { Dialog, ErrorNote, toast } from '../components.js';
import { navigate } from '../router.js';
import { StructuredEditor } from './param-editors.js';

function resolve(schema, node) {
  let n = node || {};
  for (let i = 0; i < 8 && n.$ref; i++) {
    const name = n.$ref.split('/').pop();
    n = { ...((schema.definitions || schema.$defs || {})[name] || {}), ...n, $ref: undefined };
  }
  if (Array.isArray(n.allOf) && n.allOf.length === 1) n = { ...resolve(schema, n.allOf[0]), ...n, allOf: undefined };
  if (Array.isArray(n.anyOf)) {
    const real = n.anyOf.filter((x) => x.type !== 'null');
    if (real.length === 1) return { ...resolve(schema, real[0]), title: n.title, description: n.description, default: n.default, nullable: true };
  }
  return n;
}

/** How a field is edited: 'bool', 'int', 'number', 'enum', 'text' or 'json'. */
function kindOf(f) {
  if (f.enum) return 'enum';
  if (f.type === 'boolean') return 'bool';
  if (f.type === 'integer') return 'int';
  if (f.type === 'number') return 'number';
  if (f.type === 'string') return 'text';
  return 'json';
}

/** How an item (or a dict's value) of a list or dict field is edited: `{ kind, schema }`; 'auto' untyped. */
function itemOf(schema, node) {
  if (!node || typeof node !== 'object' || !Object.keys(node).length) return { kind: 'auto', schema: {} };
  const f = resolve(schema, node);
  const kind = kindOf(f);
  return { kind: kind === 'json' && !f.type && !f.enum ? 'auto' : kind, schema: f };
}

/** `shape` 'array' or 'object' for list and dict fields (edited item by item), with their item kinds. */
function shapeOf(schema, f) {
  const types = [].concat(f.type || []);
  if (types.includes('array') || f.items) return { shape: 'array', item: itemOf(schema, Array.isArray(f.items) ? null : f.items) };
  if (types.includes('object') || f.additionalProperties || f.properties) {
    const props = f.properties || {};
    return { shape: 'object', item: itemOf(schema, typeof f.additionalProperties === 'object' ? f.additionalProperties : null),
      keyItem: (k) => (props[k] ? itemOf(schema, props[k]) : null) };
  }
  return {};
}

/** The fields of a schema, in the flow signature's order. */
export function fieldsOf(schema) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  return Object.entries(props)
    .map(([name, node]) => {
      const f = resolve(schema, node);
      return { name, f, kind: kindOf(f), required: required.has(name), position: node.position ?? 1e9, ...shapeOf(schema, f) };
    })
    .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
}

const show = (kind, v) => (v === undefined || v === null ? '' : kind === 'json' ? JSON.stringify(v, null, 2) : kind === 'bool' ? v : String(v));

/**
 * Reads the raw inputs into parameters. Nothing is judged here: a value that is not a number or not JSON
 * is sent as typed, so the server's schema check gives the one message the field shows.
 */
export function collect(fields, raw) {
  const params = {};
  for (const { name, kind, f } of fields) {
    const v = raw[name];
    if (kind === 'bool') { params[name] = !!v; continue; }
    if (v === '' || v === undefined) continue;
    if (kind === 'int' || kind === 'number') {
      const n = Number(v);
      params[name] = v.trim() !== '' && !Number.isNaN(n) ? n : v;
    } else if (kind === 'enum') {
      const pick = f.enum.find((o) => (typeof o === 'string' ? o : JSON.stringify(o)) === v);
      params[name] = pick === undefined ? v : pick;
    } else if (kind === 'json') {
      try { params[name] = JSON.parse(v); } catch { params[name] = v; }
    } else params[name] = v;
  }
  return params;
}

/**
 * Splits the server's refusal (Prefect's 409 "Error creating flow run: Validation failed for field 'a.b'.
 * Failure reason: ...") into the message of the parameter at fault and the rest.
 */
export function fieldErrors(detail, names) {
  const out = {};
  const text = String(detail).replace(/^Error creating flow run: /, '');
  const field = text.match(/^Validation failed for field '([^']+)'\. Failure reason: ([\s\S]*)$/);
  const whole = text.match(/^Validation failed\. Failure reason: ([\s\S]*)$/);
  const required = whole && whole[1].match(/^"([^"]+)" is a required property/);
  const top = field && field[1].split('.')[0];
  if (field && names.includes(top)) out[top] = field[2];
  else if (required && names.includes(required[1])) out[required[1]] = 'Required';
  else return [out, text];
  return [out, ''];
}

/** The raw input values of `fields`: from `start` where it has the name, else the schema's default. */
export function initialRaw(fields, start = {}) {
  return Object.fromEntries(fields.map(({ name, f, kind }) => {
    const v = name in start ? start[name] : f.default;
    return [name, kind === 'enum' && v !== undefined && typeof v !== 'string' ? JSON.stringify(v) : show(kind, v)];
  }));
}

export function Field({ field, value, error, onInput, prefix = 'param' }) {
  const { name, f, kind, required, shape } = field;
  const id = `${prefix}-${name}`;
  const label = f.title && f.title !== name ? `${f.title} (${name})` : name;
  const describedBy = error ? `${id}-error` : undefined;
  const common = { id, name, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': describedBy };
  const type = html`<span class="muted small">${[].concat(f.type || (f.enum ? 'choice' : 'json')).filter((t) => t !== 'null').join(' | ')}</span>`;
  const after = html`${f.description ? html`<div class="muted small">${f.description}</div>` : ''}
    ${error ? html`<div class="field-error" id=${`${id}-error`} role="alert">${error}</div>` : ''}`;
  if (kind === 'bool') {
    // The box sits before its label, on the same line, as a checkbox is read.
    return html`<div class=${`field check ${error ? 'has-error' : ''}`}>
      <label for=${id}><input type="checkbox" ...${common} checked=${!!value} onChange=${(e) => onInput(e.target.checked)} />
        <span>${label}</span></label>${type}${after}</div>`;
  }
  let input;
  if (kind === 'enum') {
    input = html`<select ...${common} value=${value} onChange=${(e) => onInput(e.target.value)}>
      ${!required ? html`<option value="">(default)</option>` : ''}
      ${f.enum.map((o) => html`<option value=${typeof o === 'string' ? o : JSON.stringify(o)}>${String(o)}</option>`)}</select>`;
  } else if (kind === 'json' && shape) {
    input = html`<${StructuredEditor} id=${id} name=${name} shape=${shape} item=${field.item} keyItem=${field.keyItem} value=${value}
      describedBy=${describedBy} onInput=${onInput} />`;
  } else if (kind === 'json') input = html`<textarea ...${common} rows="3" class="mono" value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>`;
  else input = html`<input ...${common} type="text" inputmode=${kind === 'text' ? undefined : 'decimal'} value=${value} onInput=${(e) => onInput(e.target.value)} />`;
  return html`<div class=${`field ${error ? 'has-error' : ''}`}>
    <label for=${kind === 'json' && shape ? undefined : id} id=${`${id}-label`}>${label}${required ? html` <span class="req" aria-label="required">*</span>` : ''} ${type}</label>
    ${input}${after}
  </div>`;
}

const splitTags = (text) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
const toLocalInput = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

/** The pool's queues and job-variable fields (from its base job template), for a run's options. */
function usePool(deployment) {
  const [pool, setPool] = useState({ queues: [], fields: [] });
  useEffect(() => {
    const name = deployment.work_pool_name;
    if (!name) return undefined;
    let live = true;
    Promise.all([get(`/work_pools/${seg(name)}`), post(`/work_pools/${seg(name)}/queues/filter`, { limit: 200 })])
      .then(([p, queues]) => live && setPool({ queues: queues.map((q) => q.name), fields: fieldsOf(p.base_job_template?.variables || {}) }))
      .catch(() => {});
    return () => { live = false; };
  }, [deployment.id]);
  return pool;
}

/** Name, start time, tags, work queue and job-variable overrides of a new run. */
function RunOptions({ deployment, opts, setOpts, pool, errors }) {
  const set = (k) => (e) => setOpts((o) => ({ ...o, [k]: e.target.value }));
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const jobFields = opts.job ? pool.fields : [];
  const changed = jobFields.filter((f) => JSON.stringify(opts.job[f.name]) !== JSON.stringify(opts.job0[f.name])).length;
  return html`<fieldset class="run-options"><legend>Run options</legend>
    <div class="inline-fields">
      <div class="field"><label for="run-name">Run name</label>
        <input id="run-name" type="text" placeholder="generated, e.g. brave-otter" value=${opts.name} onInput=${set('name')} /></div>
      <div class="field"><label for="run-tags">Tags <span class="muted small">(comma separated)</span></label>
        <input id="run-tags" type="text" value=${opts.tags} onInput=${set('tags')} placeholder=${deployment.tags?.length ? `added to ${deployment.tags.join(', ')}` : 'e.g. backfill, manual'} /></div>
    </div>
    <div class=${`field ${errors._when ? 'has-error' : ''}`} role="radiogroup" aria-label="Start">
      <span class="small muted">Start</span>
      <div class="row"><label class="row tight"><input type="radio" name="run-when" checked=${opts.when === 'now'} onChange=${() => setOpts((o) => ({ ...o, when: 'now' }))} /> Now</label>
        <label class="row tight"><input type="radio" name="run-when" checked=${opts.when === 'later'} onChange=${() => setOpts((o) => ({ ...o, when: 'later' }))} /> At</label>
        <input id="run-at" type="datetime-local" aria-label="Start at" value=${opts.at}
          onInput=${(e) => setOpts((o) => ({ ...o, at: e.target.value, when: 'later' }))} />
        <span class="muted small">${zone}</span></div>
      ${errors._when ? html`<div class="field-error" role="alert">${errors._when}</div>` : ''}</div>
    ${pool.queues.length ? html`<div class="field"><label for="run-queue">Work queue</label>
      <select id="run-queue" value=${opts.queue} onChange=${set('queue')}>
        ${pool.queues.map((q) => html`<option value=${q}>${q}${q === (deployment.work_queue_name || 'default') ? ' (the deployment\'s)' : ''}</option>`)}</select></div>` : ''}
    ${jobFields.length ? html`<details class="job-vars"><summary>Job variables${changed ? ` (${changed} changed)` : ''}</summary>
      <p class="muted small">Values for this run only; the deployment keeps its own.</p>
      ${jobFields.map((field) => html`<${Field} key=${field.name} prefix="jobvar" field=${field} value=${opts.job[field.name]} error=${errors[`job.${field.name}`]}
        onInput=${(v) => setOpts((o) => ({ ...o, job: { ...o.job, [field.name]: v } }))} />`)}</details>` : ''}
  </fieldset>`;
}

/** The dialog that creates a run of `deployment` with parameters and options from the form. */
export function RunDialog({ deployment, initial, title, onClose }) {
  const schema = deployment.parameter_openapi_schema || {};
  const fields = fieldsOf(schema);
  const start = { ...(deployment.parameters || {}), ...(initial || {}) };
  const [raw, setRaw] = useState(() => initialRaw(fields, start));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const pool = usePool(deployment);
  const [opts, setOpts] = useState({ name: '', tags: '', when: 'now', at: toLocalInput(new Date(Date.now() + 3600000)),
    queue: deployment.work_queue_name || 'default', job: null, job0: null });
  useEffect(() => {
    if (!pool.fields.length) return;
    const job = initialRaw(pool.fields, deployment.job_variables || {});
    setOpts((o) => ({ ...o, job, job0: job }));
  }, [pool.fields]);
  const extra = Object.keys(start).filter((k) => !fields.some((f) => f.name === k));
  const [extraJson, setExtraJson] = useState(fields.length ? '' : JSON.stringify(start, null, 2));
  const submit = async (e) => {
    e.preventDefault();
    let params = collect(fields, raw);
    const errs = {};
    if (!fields.length && extraJson.trim()) {
      try { params = JSON.parse(extraJson); } catch { errs._json = 'Not valid JSON'; }
    }
    const body = { parameters: params };
    if (opts.name.trim()) body.name = opts.name.trim();
    if (splitTags(opts.tags).length) body.tags = splitTags(opts.tags);
    if (pool.queues.length && opts.queue !== (deployment.work_queue_name || 'default')) body.work_queue_name = opts.queue;
    if (opts.when === 'later') {
      const at = new Date(opts.at);
      if (!opts.at || Number.isNaN(at.getTime())) errs._when = 'Choose a date and time';
      else body.state = { type: 'SCHEDULED', state_details: { scheduled_time: at.toISOString() } };
    }
    if (opts.job) {
      const now = collect(pool.fields, opts.job);
      const was = collect(pool.fields, opts.job0);
      const job = Object.fromEntries(Object.entries(now).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(was[k])));
      if (Object.keys(job).length) body.job_variables = job;
    }
    setErrors(errs);
    setFormError(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const run = await post(`/deployments/${deployment.id}/create_flow_run`, body);
      toast(body.state ? `Scheduled ${run.name}` : `Started ${run.name}`, `/runs/${run.id}`);
      onClose(run);
      navigate(`/runs/${run.id}`);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 422)) {
        const [byField, rest] = fieldErrors(err.detail, fields.map((f) => f.name));
        setErrors(byField);
        setFormError(rest ? new Error(rest) : null);
      } else setFormError(err);
    } finally { setBusy(false); }
  };
  return html`<${Dialog} title=${title || `Run ${deployment.name}`} onClose=${() => onClose(null)}>
    <form class="param-form" onSubmit=${submit} novalidate>
      ${fields.length ? html`<h3>Parameters</h3>` : ''}
      ${fields.map((field) => html`<${Field} key=${field.name} field=${field} value=${raw[field.name]} error=${errors[field.name]}
        onInput=${(v) => setRaw((r) => ({ ...r, [field.name]: v }))} />`)}
      ${!fields.length ? html`<div class=${`field ${errors._json ? 'has-error' : ''}`}><label for="param-json">Parameters (JSON)</label>
        <textarea id="param-json" class="mono" rows="5" value=${extraJson} onInput=${(e) => setExtraJson(e.target.value)}></textarea>
        ${errors._json ? html`<div class="field-error" role="alert">${errors._json}</div>` : ''}</div>` : ''}
      ${extra.length && fields.length ? html`<p class="muted small">Also passed: ${extra.join(', ')}</p>` : ''}
      <${RunOptions} deployment=${deployment} opts=${opts} setOpts=${setOpts} pool=${pool} errors=${errors} />
      <${ErrorNote} error=${formError} />
      <div class="row end"><button type="button" onClick=${() => onClose(null)}>Cancel</button>
        <button class="primary" type="submit" disabled=${busy}>${opts.when === 'later' ? 'Schedule run' : 'Start run'}</button></div>
    </form>
  </${Dialog}>`;
}
