// Resuming a paused run. A run that waits for input (its Paused state's run_input_keyset has a schema key)
// gets a form generated from that input schema, with the input's description above it; the server checks
// the values, and its reason for refusing shows next to the form.
import { html, useState } from '../lib.js';
import { get, post, useData, seg } from '../api.js';
import { Dialog, ErrorNote, Loading, toast } from '../components.js';
import { Field, collect, fieldsOf, initialRaw } from './params-form.js';

/** A stored run input is JSON text; the API client already parsed it once (a string may hold JSON again). */
function parsed(value) {
  if (typeof value !== 'string') return value;
  try { return JSON.parse(value); } catch { return value; }
}

/** The input under `key`, or null when there is none (looked up by filter: a missing key is not an error). */
async function inputOf(runId, key) {
  const found = await post(`/flow_runs/${runId}/input/filter`, { prefix: key, limit: 20 });
  const hit = found.find((x) => x.key === key);
  return hit ? parsed(hit.value) : null;
}

function ResumeForm({ run, schema, description, loadError, onClose, onResumed }) {
  const fields = fieldsOf(schema);
  const [raw, setRaw] = useState(() => initialRaw(fields));
  const [json, setJson] = useState('{}');
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    let runInput = null;
    if (schema || loadError) {
      if (fields.length) runInput = collect(fields, raw);
      else {
        try { runInput = JSON.parse(json || '{}'); } catch { setError(new Error('The input is not valid JSON')); return; }
      }
    }
    setBusy(true);
    try {
      const res = await post(`/flow_runs/${run.id}/resume`, { run_input: runInput });
      if (res.status === 'ACCEPT') {
        toast(`Resumed ${run.name}`);
        onResumed();
        onClose();
        return;
      }
      setReason(res.details?.reason || `The server answered ${res.status}`);
      if (res.state && res.state.type !== 'PAUSED') onResumed();
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  return html`<form class="param-form resume-form" onSubmit=${submit} novalidate>
    ${description ? html`<p class="resume-description">${typeof description === 'string' ? description : JSON.stringify(description)}</p>` : ''}
    ${!schema && !loadError ? html`<p>Resume ${run.name}? It continues from where it paused.</p>` : ''}
    <${ErrorNote} error=${loadError} />
    ${fields.map((field) => html`<${Field} key=${field.name} field=${field} value=${raw[field.name]}
      onInput=${(v) => setRaw((r) => ({ ...r, [field.name]: v }))} />`)}
    ${(schema || loadError) && !fields.length ? html`<div class="field"><label for="resume-json">Input (JSON)</label>
      <textarea id="resume-json" class="mono" rows="5" value=${json} onInput=${(e) => setJson(e.target.value)}></textarea></div>` : ''}
    ${reason ? html`<p class="error resume-reason" role="alert">${reason}</p>` : ''}
    <${ErrorNote} error=${error} />
    <div class="row end"><button type="button" onClick=${onClose}>Keep paused</button>
      <button class="primary" type="submit" disabled=${busy}>Resume</button></div>
  </form>`;
}

/** The dialog behind a paused run's Resume button. */
export function ResumeDialog({ run, onClose, onResumed }) {
  const keyset = run.state?.state_details?.run_input_keyset || null;
  const input = useData(async () => {
    if (!keyset || !keyset.schema) return { schema: null, description: null };
    const [schema, description] = await Promise.all([
      get(`/flow_runs/${run.id}/input/${seg(keyset.schema)}`).then(parsed),
      keyset.description ? inputOf(run.id, keyset.description).catch(() => null) : null,
    ]);
    return { schema: schema && typeof schema === 'object' ? schema : null, description };
  }, [run.id, keyset?.schema]);
  const loadError = input.error ? new Error(`The input form could not be loaded: ${input.error.message}`) : null;
  return html`<${Dialog} title=${`Resume ${run.name}`} onClose=${onClose}>
    ${input.data || loadError
      ? html`<${ResumeForm} run=${run} schema=${input.data?.schema} description=${input.data?.description} loadError=${loadError}
          onClose=${onClose} onResumed=${onResumed} />`
      : html`<${Loading} />`}
  </${Dialog}>`;
}
