// Editors for list and dict parameters: one row per item (or key and value), added and removed with
// buttons, each item typed by the schema's `items` / `additionalProperties`; "Edit as JSON" switches to the
// text. The editors read and write the field's JSON text, so the form collects them like any JSON field.
import { html, useState } from '../lib.js';

/** The editor of one value of kind `kind` ('text', 'int', 'number', 'bool', 'enum', 'json' or 'auto'). */
export function ValueInput({ kind, schema, value, label, onInput }) {
  if (kind === 'bool') {
    return html`<input type="checkbox" aria-label=${label} checked=${value === true || value === 'true'} onChange=${(e) => onInput(e.target.checked ? 'true' : 'false')} />`;
  }
  if (kind === 'enum') {
    return html`<select aria-label=${label} value=${value} onChange=${(e) => onInput(e.target.value)}>
      <option value="">(choose)</option>
      ${schema.enum.map((o) => html`<option value=${typeof o === 'string' ? o : JSON.stringify(o)}>${String(o)}</option>`)}</select>`;
  }
  return html`<input type="text" aria-label=${label} class=${kind === 'json' || kind === 'auto' ? 'mono' : ''}
    inputmode=${kind === 'int' || kind === 'number' ? 'decimal' : undefined} value=${value} onInput=${(e) => onInput(e.target.value)} />`;
}

/** The text an item of `kind` shows for the JSON value `v`. */
export function itemText(kind, v) {
  if (v === undefined || v === null) return '';
  if (kind === 'bool') return v ? 'true' : 'false';
  if (kind === 'text' && typeof v === 'string') return v;
  if (kind === 'enum' && typeof v === 'string') return v;
  if ((kind === 'int' || kind === 'number') && typeof v === 'number') return String(v);
  if (kind === 'auto' && typeof v === 'string') return v;
  return JSON.stringify(v);
}

/**
 * The JSON value of an item's text. A number that is not one, or JSON that does not parse, stays the text
 * typed, for the server's schema check to name; untyped items are JSON when they parse, else text.
 */
export function itemValue(kind, text, schema) {
  if (kind === 'bool') return text === 'true';
  if (kind === 'text') return text;
  if (kind === 'int' || kind === 'number') return text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
  if (kind === 'enum') {
    const pick = schema.enum.find((o) => (typeof o === 'string' ? o : JSON.stringify(o)) === text);
    return pick === undefined ? text : pick;
  }
  try { return JSON.parse(text); } catch { return text; }
}

const parse = (text) => {
  if (text === undefined || text === null || String(text).trim() === '') return { ok: true, value: undefined };
  try { return { ok: true, value: JSON.parse(text) }; } catch { return { ok: false }; }
};

/**
 * A list or dict field: `shape` is 'array' or 'object'; `item` is `{ kind, schema }` of its items (or of
 * its values), `keyItem(key)` the same for a model's named property. `value` is the field's JSON text.
 */
export function StructuredEditor({ id, name, shape, item, keyItem, value, describedBy, onInput }) {
  const initial = parse(value);
  const fits = initial.ok && (initial.value === undefined || (shape === 'array' ? Array.isArray(initial.value)
    : initial.value !== null && typeof initial.value === 'object' && !Array.isArray(initial.value)));
  const kindFor = (key) => (keyItem && keyItem(key)) || item;
  const rowsOf = (v) => (shape === 'array' ? (v || []).map((x) => ({ key: '', text: itemText(item.kind, x) }))
    : Object.entries(v || {}).map(([k, x]) => ({ key: k, text: itemText(kindFor(k).kind, x) })));
  const [rows, setRows] = useState(() => (fits ? rowsOf(initial.value) : []));
  const [raw, setRaw] = useState(!fits);
  const emit = (next) => {
    setRows(next);
    const out = shape === 'array' ? next.map((r) => itemValue(item.kind, r.text, item.schema))
      : Object.fromEntries(next.filter((r) => r.key !== '').map((r) => [r.key, itemValue(kindFor(r.key).kind, r.text, kindFor(r.key).schema)]));
    onInput(JSON.stringify(out));
  };
  const change = (i, part, v) => emit(rows.map((r, k) => (k === i ? { ...r, [part]: v } : r)));
  const toRows = () => {
    const p = parse(value);
    const ok = p.ok && (shape === 'array' ? p.value === undefined || Array.isArray(p.value) : p.value === undefined || (p.value && typeof p.value === 'object' && !Array.isArray(p.value)));
    if (ok) { setRows(rowsOf(p.value)); setRaw(false); }
  };
  const what = shape === 'array' ? 'item' : 'entry';
  if (raw) {
    return html`<div class="structured" id=${id}>
      <textarea id=${`${id}-json`} rows="3" class="mono" aria-label=${`${name} (JSON)`} aria-describedby=${describedBy} value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>
      <button type="button" class="link" onClick=${toRows}>Edit as ${shape === 'array' ? 'a list' : 'keys and values'}</button></div>`;
  }
  return html`<div class="structured" id=${id} role="group" aria-label=${name} aria-describedby=${describedBy}>
    <div class="items">${rows.map((r, i) => html`<div class="item-row" key=${i}>
      ${shape === 'object' ? html`<input type="text" class="key" aria-label=${`${name} key ${i + 1}`} placeholder="key" value=${r.key} onInput=${(e) => change(i, 'key', e.target.value)} />` : ''}
      <${ValueInput} kind=${kindFor(r.key).kind} schema=${kindFor(r.key).schema} value=${r.text}
        label=${shape === 'array' ? `${name} item ${i + 1}` : `${name} value ${i + 1}`} onInput=${(v) => change(i, 'text', v)} />
      <button type="button" aria-label=${`Remove ${what} ${i + 1} of ${name}`} title=${`Remove this ${what}`} onClick=${() => emit(rows.filter((_, k) => k !== i))}>−</button>
    </div>`)}</div>
    ${!rows.length ? html`<div class="muted small">${initial.value === undefined ? 'No value (the default applies)' : `No ${what}s`}</div>` : ''}
    <div class="row"><button type="button" aria-label=${`Add an ${what} to ${name}`} onClick=${() => emit([...rows, { key: '', text: item.kind === 'bool' ? 'false' : '' }])}>+ Add ${what}</button>
      <button type="button" class="link" onClick=${() => setRaw(true)}>Edit as JSON</button></div>
  </div>`;
}
