// Variables: named JSON values that flows read (`Variable.get("name")`), searched by name (kept in the URL);
// create and edit them with a JSON or text value and tags, delete after a confirmation. The server's
// refusal (a taken name, an invalid one) shows next to the form.
import { html, useState } from '../lib.js';
import { post, patch, del, useData, seg } from '../api.js';
import { Page, Time, Tags, ErrorNote, Loading, Dialog, ConfirmButton, toast } from '../components.js';
import { setQuery } from '../router.js';

/** The value as one line of text, cut to `max` characters: a string as it is, anything else as JSON. */
export function valuePreview(v, max = 80) {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const splitTags = (s) => [...new Set(s.split(',').map((t) => t.trim()).filter(Boolean))];

/** The create / edit form; `v` is the variable being edited, or nothing for a new one. */
function VariableForm({ v, onClose, onSaved }) {
  const [name, setName] = useState(v ? v.name : '');
  const [kind, setKind] = useState(v && typeof v.value === 'string' ? 'text' : 'json');
  const [value, setValue] = useState(v ? (typeof v.value === 'string' ? v.value : JSON.stringify(v.value, null, 2)) : '');
  const [tags, setTags] = useState(v ? v.tags.join(', ') : '');
  const [valueError, setValueError] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setValueError('');
    let parsed = value;
    if (kind === 'json') {
      try { parsed = JSON.parse(value); } catch (err) { setValueError(`Not valid JSON: ${err.message}`); return; }
    }
    const body = { name: name.trim(), value: parsed, tags: splitTags(tags) };
    setBusy(true);
    try {
      const saved = v ? await patch(`/variables/${seg(v.id)}`, body) : await post('/variables/', body);
      toast(`${v ? 'Saved' : 'Created'} variable ${body.name}`);
      onSaved(saved);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const nameBad = error && (error.status === 409 || /name/i.test(error.message));
  return html`<${Dialog} title=${v ? `Edit ${v.name}` : 'New variable'} onClose=${onClose}>
    <form class="variable-form" onSubmit=${submit} noValidate>
      <div class=${`field${nameBad ? ' has-error' : ''}`}><label for="var-name">Name <span class="req">*</span></label>
        <input id="var-name" type="text" required value=${name} autocomplete="off" spellcheck="false"
          onInput=${(e) => setName(e.target.value)} aria-invalid=${nameBad ? 'true' : undefined} />
        <span class="muted small">Lowercase letters, numbers, dashes and underscores.</span></div>
      <div class=${`field${valueError ? ' has-error' : ''}`}>
        <div class="row"><label for="var-value">Value</label>
          <span class="right"><span class="seg" role="group" aria-label="Value type">
            <button type="button" aria-pressed=${kind === 'json'} onClick=${() => setKind('json')}>JSON</button>
            <button type="button" aria-pressed=${kind === 'text'} onClick=${() => setKind('text')}>Text</button></span></span></div>
        <textarea id="var-value" class="mono" rows="6" spellcheck="false" value=${value} onInput=${(e) => setValue(e.target.value)}
          placeholder=${kind === 'json' ? '{"threshold": 3}' : 'any text'} aria-invalid=${valueError ? 'true' : undefined}></textarea>
        ${valueError ? html`<span class="field-error" role="alert">${valueError}</span>` : ''}</div>
      <div class="field"><label for="var-tags">Tags</label>
        <input id="var-tags" type="text" value=${tags} placeholder="comma, separated" onInput=${(e) => setTags(e.target.value)} /></div>
      <${ErrorNote} error=${error} />
      <div class="row end">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>${v ? 'Save' : 'Create'}</button>
      </div>
    </form></${Dialog}>`;
}

export function Variables({ query }) {
  const name = query.get('name') || '';
  const [editing, setEditing] = useState(null); // null, 'new', or the variable
  const data = useData(() => post('/variables/filter', {
    sort: 'NAME_ASC', limit: 200, ...(name ? { variables: { name: { like_: name } } } : {}),
  }), [name]);
  const remove = async (v) => {
    await del(`/variables/${seg(v.id)}`);
    toast(`Deleted variable ${v.name}`);
    data.reload();
  };
  const rows = data.data || [];
  return html`<${Page} title="Variables" sub="Named values that flows read with Variable.get"
    actions=${html`<button class="primary" onClick=${() => setEditing('new')}>New variable</button>`}>
    <form class="row filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <label>Name <input type="search" aria-label="Search variables by name" placeholder="contains…" value=${name}
        onInput=${(e) => setQuery({ name: e.target.value }, { replace: true })} /></label>
    </form>
    <${ErrorNote} error=${data.error} />
    ${data.data === undefined ? html`<${Loading} />` : !rows.length
    ? html`<p class="muted empty">${name ? `No variable name contains “${name}”.` : html`No variables yet. Create one here, or from Prefect code: <code>Variable.set("name", value)</code>.`}</p>`
    : html`<div class="table-wrap"><table class="variables"><thead><tr><th>Name</th><th>Value</th><th class="hide-narrow">Tags</th><th class="hide-narrow">Updated</th><th><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${rows.map((v) => html`<tr key=${v.id} data-variable=${v.name}>
        <td class="var-name">${v.name}</td>
        <td class="var-value mono small" title=${valuePreview(v.value, 2000)}>${valuePreview(v.value)}</td>
        <td class="hide-narrow"><${Tags} tags=${v.tags} /></td>
        <td class="hide-narrow"><${Time} iso=${v.updated} rel /></td>
        <td><span class="row tight">
          <button onClick=${() => setEditing(v)} aria-label=${`Edit ${v.name}`}>Edit</button>
          <${ConfirmButton} label="Delete" danger question=${`Delete the variable ${v.name}? Flows that read it get nothing (or their default).`}
            onConfirm=${() => remove(v)} /></span></td>
      </tr>`)}</tbody></table></div>`}
    ${editing ? html`<${VariableForm} key=${editing === 'new' ? 'new' : editing.id} v=${editing === 'new' ? null : editing}
      onClose=${() => setEditing(null)} onSaved=${() => { setEditing(null); data.reload(); }} />` : ''}
  </${Page}>`;
}
