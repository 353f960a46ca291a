// Blocks: saved configuration and secrets, by type; a block's fields (secret ones hidden, as the API
// answers them without include_secrets), the blocks it refers to, and delete.
import { html } from '../lib.js';
import { get, post, del, useData, seg, isUuid, ApiError } from '../api.js';
import { navigate, setQuery } from '../router.js';
import { Page, Time, ErrorNote, Loading, ConfirmButton, toast } from '../components.js';
import { NotFound, isNotFound } from './shell.js';

const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

export function Blocks({ query }) {
  const type = query.get('type') || '';
  const data = useData(async () => {
    const [types, docs] = await Promise.all([
      post('/block_types/filter', {}),
      post('/block_documents/filter', {
        sort: 'BLOCK_TYPE_AND_NAME_ASC', limit: 200,
        ...(type ? { block_types: { slug: { any_: [type] } } } : {}),
      }),
    ]);
    return { types, docs };
  }, [type], 1000);
  return html`<${Page} title="Blocks" sub="Configuration and secrets that flows load by name">
    <${ErrorNote} error=${data.error} />
    ${!data.data ? html`<${Loading} />` : html`
      <div class="row filters"><label>Type <select aria-label="Block type" value=${type} onChange=${(e) => setQuery({ type: e.target.value || null })}>
        <option value="">All types</option>
        ${data.data.types.map((t) => html`<option value=${t.slug}>${t.name}</option>`)}</select></label></div>
      ${!data.data.docs.length ? html`<p class="muted empty">No blocks${type ? ' of this type' : ''} yet. Prefect code saves them: <code>Secret(value="…").save("api-key")</code>.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th>Block</th><th>Type</th><th>Fields</th><th>Updated</th></tr></thead>
        <tbody>${data.data.docs.map((d) => html`<tr key=${d.id} data-block=${`${d.block_type.slug}/${d.name}`}>
          <td><a href=${`/blocks/${seg(d.id)}`}>${d.name}</a></td><td>${d.block_type.name}</td>
          <td class="muted">${Object.keys(d.data).join(', ')}</td><td><${Time} iso=${d.updated} rel /></td></tr>`)}</tbody></table></div>`}`}
  </${Page}>`;
}

function secretPaths(schema) {
  return new Set((schema?.fields?.secret_fields || []).map((p) => p.split('.')[0]));
}

/** A block by id (`/blocks/<id>`) or by its type's slug and its name (`/blocks/<slug>/<name>`). */
export function BlockDetail({ id }) {
  const [slug, name] = id.split('/');
  const data = useData(async () => {
    if (name) return get(`/block_types/slug/${seg(slug)}/block_documents/name/${seg(name)}`);
    if (!isUuid(id)) throw new ApiError(404, 'Block document not found');
    return get(`/block_documents/${seg(id)}`);
  }, [id], 0);
  if (isNotFound(data.error) && !data.data) return html`<${NotFound} what="block" id=${id} back="/blocks" backLabel="All blocks" />`;
  if (!data.data) return html`<${Page} title="Block">${data.error ? html`<${ErrorNote} error=${data.error} />` : html`<${Loading} />`}</${Page}>`;
  const d = data.data;
  const secrets = secretPaths(d.block_schema);
  const refs = Object.entries(d.block_document_references || {});
  const remove = async () => {
    await del(`/block_documents/${seg(d.id)}`);
    toast(`Deleted block ${d.block_type.slug}/${d.name}`);
    navigate('/blocks');
  };
  return html`<${Page} title=${d.name} sub=${html`${d.block_type.name} · <code>${d.block_type.slug}/${d.name}</code>`}
    actions=${html`<${ConfirmButton} label="Delete" danger question=${`Delete the block ${d.block_type.slug}/${d.name}? Flows that load it will fail; blocks that refer to it lose that field.`} onConfirm=${remove} />`}>
    <section class="panel"><h2>Fields</h2>
      ${Object.keys(d.data).length ? html`<div class="table-wrap"><table><thead><tr><th>Field</th><th>Value</th></tr></thead>
        <tbody>${Object.entries(d.data).map(([k, v]) => html`<tr key=${k} data-field=${k}><td>${k}${secrets.has(k) ? html` <span class="badge">secret</span>` : ''}</td>
          <td><code>${show(v)}</code></td></tr>`)}</tbody></table></div>` : html`<p class="muted">No fields.</p>`}
      <p class="muted small">Secret fields are stored encrypted and never shown here.</p></section>
    ${refs.length ? html`<section class="panel"><h2>Refers to</h2><ul>${refs.map(([field, r]) => html`<li key=${field}>${field} → <a href=${`/blocks/${seg(r.block_document.id)}`}>${r.block_document.block_type.slug}/${r.block_document.name}</a></li>`)}</ul></section>` : ''}
    <section class="panel"><h2>Details</h2><dl class="details">
      <dt>Updated</dt><dd><${Time} iso=${d.updated} /></dd><dt>Created</dt><dd><${Time} iso=${d.created} /></dd>
      <dt>Schema</dt><dd><code>${d.block_schema.checksum}</code> (${d.block_schema.version})</dd></dl></section>
  </${Page}>`;
}
