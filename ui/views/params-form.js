// A run form generated from a deployment's parameter JSON schema (the subset pydantic writes: types,
// defaults, required, enums, optionals, $ref), validated by the server, whose messages land at the field.
// The fields are shared with the resume form of a paused run that waits for input (run.js).
import { html, useState } from '../lib.js';
import { post, ApiError } from '../api.js';
import { Dialog, ErrorNote, toast } from '../components.js';
import { navigate } from '../router.js';

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

/** The fields of a schema, in the flow signature's order. */
export function fieldsOf(schema) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  return Object.entries(props)
    .map(([name, node]) => {
      const f = resolve(schema, node);
      return { name, f, kind: kindOf(f), required: required.has(name), position: node.position ?? 1e9 };
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

export function Field({ field, value, error, onInput }) {
  const { name, f, kind, required } = field;
  const id = `param-${name}`;
  const label = f.title && f.title !== name ? `${f.title} (${name})` : name;
  const describedBy = error ? `${id}-error` : undefined;
  const common = { id, name, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': describedBy };
  let input;
  if (kind === 'bool') input = html`<input type="checkbox" ...${common} checked=${!!value} onChange=${(e) => onInput(e.target.checked)} />`;
  else if (kind === 'enum') {
    input = html`<select ...${common} value=${value} onChange=${(e) => onInput(e.target.value)}>
      ${!required ? html`<option value="">(default)</option>` : ''}
      ${f.enum.map((o) => html`<option value=${typeof o === 'string' ? o : JSON.stringify(o)}>${String(o)}</option>`)}</select>`;
  } else if (kind === 'json') input = html`<textarea ...${common} rows="3" class="mono" value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>`;
  else input = html`<input ...${common} type=${kind === 'text' ? 'text' : 'text'} inputmode=${kind === 'text' ? undefined : 'decimal'} value=${value} onInput=${(e) => onInput(e.target.value)} />`;
  return html`<div class=${`field ${error ? 'has-error' : ''}`}>
    <label for=${id}>${label}${required ? html` <span class="req" aria-label="required">*</span>` : ''} <span class="muted small">${f.type || (f.enum ? 'choice' : 'json')}</span></label>
    ${input}
    ${f.description ? html`<div class="muted small">${f.description}</div>` : ''}
    ${error ? html`<div class="field-error" id=${`${id}-error`} role="alert">${error}</div>` : ''}
  </div>`;
}

/** The dialog that creates a run of `deployment` with parameters from the form. */
export function RunDialog({ deployment, initial, title, onClose }) {
  const schema = deployment.parameter_openapi_schema || {};
  const fields = fieldsOf(schema);
  const start = { ...(deployment.parameters || {}), ...(initial || {}) };
  const [raw, setRaw] = useState(() => initialRaw(fields, start));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const extra = Object.keys(start).filter((k) => !fields.some((f) => f.name === k));
  const [extraJson, setExtraJson] = useState(fields.length ? '' : JSON.stringify(start, null, 2));
  const submit = async (e) => {
    e.preventDefault();
    let params = collect(fields, raw);
    const errs = {};
    if (!fields.length && extraJson.trim()) {
      try { params = JSON.parse(extraJson); } catch { errs._json = 'Not valid JSON'; }
    }
    setErrors(errs);
    setFormError(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const run = await post(`/deployments/${deployment.id}/create_flow_run`, { parameters: params });
      toast(`Started ${run.name}`, `/runs/${run.id}`);
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
      ${fields.map((field) => html`<${Field} key=${field.name} field=${field} value=${raw[field.name]} error=${errors[field.name]}
        onInput=${(v) => setRaw((r) => ({ ...r, [field.name]: v }))} />`)}
      ${!fields.length ? html`<div class=${`field ${errors._json ? 'has-error' : ''}`}><label for="param-json">Parameters (JSON)</label>
        <textarea id="param-json" class="mono" rows="5" value=${extraJson} onInput=${(e) => setExtraJson(e.target.value)}></textarea>
        ${errors._json ? html`<div class="field-error" role="alert">${errors._json}</div>` : ''}</div>` : ''}
      ${extra.length && fields.length ? html`<p class="muted small">Also passed: ${extra.join(', ')}</p>` : ''}
      <${ErrorNote} error=${formError} />
      <div class="row end"><button type="button" onClick=${() => onClose(null)}>Cancel</button>
        <button class="primary" type="submit" disabled=${busy}>Start run</button></div>
    </form>
  </${Dialog}>`;
}
