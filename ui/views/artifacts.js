// A run's artifacts (markdown, tables, links, progress), as `prefect.artifacts` creates them. Hidden when
// the run has none.
import { html } from '../lib.js';
import { post, useData } from '../api.js';
import { Time } from '../components.js';

/** A small, safe markdown subset: headings, lists, bold, italics, code and links; text is never HTML. */
export function Markdown({ text }) {
  const inline = (s) => {
    const out = [];
    const re = /(\*\*[^*]+\*\*|`[^`]+`|\[[^\]]+\]\([^)\s]+\)|\*[^*]+\*)/g;
    let last = 0;
    for (const m of s.matchAll(re)) {
      out.push(s.slice(last, m.index));
      const t = m[0];
      if (t.startsWith('**')) out.push(html`<strong>${t.slice(2, -2)}</strong>`);
      else if (t.startsWith('`')) out.push(html`<code>${t.slice(1, -1)}</code>`);
      else if (t.startsWith('[')) {
        const [, label, href] = t.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
        out.push(/^(https?:|\/)/.test(href) ? html`<a href=${href} rel="noopener noreferrer">${label}</a>` : label);
      } else out.push(html`<em>${t.slice(1, -1)}</em>`);
      last = m.index + t.length;
    }
    out.push(s.slice(last));
    return out;
  };
  const blocks = [];
  let list = null;
  for (const line of String(text || '').split('\n')) {
    const h = line.match(/^(#{1,4})\s+(.*)$/);
    const li = line.match(/^\s*[-*]\s+(.*)$/);
    if (li) { (list ||= []).push(html`<li>${inline(li[1])}</li>`); continue; }
    if (list) { blocks.push(html`<ul>${list}</ul>`); list = null; }
    if (h) blocks.push(html`<div class=${`md-h md-h${h[1].length}`}>${inline(h[2])}</div>`);
    else if (line.trim()) blocks.push(html`<p>${inline(line)}</p>`);
  }
  if (list) blocks.push(html`<ul>${list}</ul>`);
  return html`<div class="markdown">${blocks}</div>`;
}

function TableData({ data }) {
  let rows = data;
  if (typeof rows === 'string') { try { rows = JSON.parse(rows); } catch { return html`<pre>${rows}</pre>`; } }
  if (rows && !Array.isArray(rows) && typeof rows === 'object') {
    const cols = Object.keys(rows);
    const n = Math.max(0, ...cols.map((c) => (Array.isArray(rows[c]) ? rows[c].length : 0)));
    rows = Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map((c) => [c, rows[c][i]])));
  }
  if (!Array.isArray(rows) || !rows.length) return html`<p class="muted">Empty table.</p>`;
  const cols = Array.isArray(rows[0]) ? rows[0].map((_, i) => i) : [...new Set(rows.flatMap((r) => Object.keys(r || {})))];
  const cell = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return html`<div class="table-wrap"><table><thead><tr>${cols.map((c) => html`<th>${c}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${cols.map((c) => html`<td>${cell(r[c])}</td>`)}</tr>`)}</tbody></table></div>`;
}

function Artifact({ a }) {
  let body;
  if (a.type === 'markdown') body = html`<${Markdown} text=${a.data} />`;
  else if (a.type === 'table') body = html`<${TableData} data=${a.data} />`;
  else if (a.type === 'link') {
    const href = String(a.data || '');
    body = /^(https?:|\/)/.test(href) ? html`<a href=${href} rel="noopener noreferrer">${a.description || href}</a>` : html`<code>${href}</code>`;
  } else if (a.type === 'progress') {
    const v = Math.max(0, Math.min(100, Number(a.data) || 0));
    body = html`<progress max="100" value=${v} aria-label=${a.key || 'progress'}></progress> <span>${v}%</span>`;
  } else body = html`<pre class="json">${JSON.stringify(a.data, null, 2)}</pre>`;
  return html`<article class="artifact" data-type=${a.type}>
    <header class="row"><strong>${a.key || a.type}</strong> <span class="muted small">${a.type}</span> <span class="right small"><${Time} iso=${a.updated || a.created} /></span></header>
    ${a.description && a.type !== 'link' ? html`<${Markdown} text=${a.description} />` : ''}
    ${body}</article>`;
}

export function Artifacts({ runId }) {
  const arts = useData(() => post('/artifacts/filter', { artifacts: { flow_run_id: { any_: [runId] } }, sort: 'CREATED_DESC', limit: 50 })
    .catch((e) => (e.status === 404 ? [] : Promise.reject(e))), [runId]);
  if (!arts.data || !arts.data.length) return '';
  return html`<section class="panel"><h2>Artifacts</h2>${arts.data.map((a) => html`<${Artifact} key=${a.id} a=${a} />`)}</section>`;
}
