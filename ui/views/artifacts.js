// Artifacts (markdown, tables, links, progress), as `prefect.artifacts` creates them: a run's artifacts
// (hidden when it has none), the Artifacts page with the latest version of every key, and a key's page with
// its history. Artifact content is untrusted: it is only ever rendered as text nodes, never as HTML, and
// only http(s) and same-origin links become links.
import { html } from '../lib.js';
import { post, useData, seg } from '../api.js';
import { Page, Time, ErrorNote, Loading } from '../components.js';
import { setQuery } from '../router.js';

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
  let table = null;
  let code = null;
  const cells = (line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const flush = () => {
    if (list) { blocks.push(html`<ul>${list}</ul>`); list = null; }
    if (table) {
      const [head, ...body] = table.filter((r) => !r.every((c) => /^:?-{2,}:?$/.test(c)));
      blocks.push(html`<div class="table-wrap"><table class="md-table"><thead><tr>${head.map((c) => html`<th>${inline(c)}</th>`)}</tr></thead>
        <tbody>${body.map((r) => html`<tr>${r.map((c) => html`<td>${inline(c)}</td>`)}</tr>`)}</tbody></table></div>`);
      table = null;
    }
  };
  for (const line of String(text || '').split('\n')) {
    if (code) {
      if (/^\s*```/.test(line)) { blocks.push(html`<pre class="md-code">${code.join('\n')}</pre>`); code = null; } else code.push(line);
      continue;
    }
    if (/^\s*```/.test(line)) { flush(); code = []; continue; }
    const h = line.match(/^(#{1,4})\s+(.*)$/);
    const li = line.match(/^\s*[-*]\s+(.*)$/);
    if (/^\s*\|.*\|\s*$/.test(line)) { if (list) flush(); (table ||= []).push(cells(line)); continue; }
    if (li) { if (table) flush(); (list ||= []).push(html`<li>${inline(li[1])}</li>`); continue; }
    flush();
    if (h) blocks.push(html`<div class=${`md-h md-h${h[1].length}`}>${inline(h[2])}</div>`);
    else if (line.trim()) blocks.push(html`<p>${inline(line)}</p>`);
  }
  if (code) blocks.push(html`<pre class="md-code">${code.join('\n')}</pre>`);
  flush();
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

const SAFE_HREF = /^(https?:|\/)/;

/** A progress artifact's value, 0 to 100. */
const percent = (a) => Math.max(0, Math.min(100, Number(a.data) || 0));

function ProgressBar({ a }) {
  const v = percent(a);
  return html`<span class="artifact-progress"><progress max="100" value=${v} aria-label=${a.key || 'progress'}></progress> <span>${Math.round(v * 10) / 10}%</span></span>`;
}

function LinkData({ a }) {
  const href = String(a.data || '');
  return SAFE_HREF.test(href) ? html`<a href=${href} rel="noopener noreferrer">${a.description || href}</a>` : html`<code>${href}</code>`;
}

/** An artifact's content in full. */
export function ArtifactBody({ a }) {
  if (a.type === 'markdown') return html`<${Markdown} text=${a.data} />`;
  if (a.type === 'table') return html`<${TableData} data=${a.data} />`;
  if (a.type === 'link' || a.type === 'image') return html`<${LinkData} a=${a} />`;
  if (a.type === 'progress') return html`<${ProgressBar} a=${a} />`;
  return html`<pre class="json">${JSON.stringify(a.data, null, 2)}</pre>`;
}

/** An artifact's content in one short line, for lists. */
export function ArtifactSummary({ a }) {
  if (a.type === 'progress') return html`<${ProgressBar} a=${a} />`;
  if (a.type === 'link' || a.type === 'image') return html`<${LinkData} a=${{ ...a, description: null }} />`;
  let text;
  if (a.type === 'markdown') text = (String(a.data || '').split('\n').find((l) => l.trim()) || '').replace(/^#+\s*|[*`]/g, '');
  else if (a.type === 'table') {
    let rows = a.data;
    if (typeof rows === 'string') { try { rows = JSON.parse(rows); } catch { rows = null; } }
    const n = Array.isArray(rows) ? rows.length : rows && typeof rows === 'object' ? Math.max(0, ...Object.values(rows).map((c) => (Array.isArray(c) ? c.length : 0))) : 0;
    text = `${n} row${n === 1 ? '' : 's'}`;
  } else text = JSON.stringify(a.data) ?? '';
  return html`<span class="artifact-summary">${text.length > 100 ? `${text.slice(0, 99)}…` : text}</span>`;
}

const runLink = (a, runs) => (a.flow_run_id ? html`<a href=${`/runs/${seg(a.flow_run_id)}`}>${runs?.get(a.flow_run_id) || 'run'}</a>` : html`<span class="muted">—</span>`);

function Artifact({ a, runs, link = true, label }) {
  return html`<article class="artifact" data-type=${a.type} data-artifact=${a.id}>
    <header class="row">${a.key && link ? html`<a href=${`/artifacts/key/${seg(a.key)}`}><strong>${a.key}</strong></a>` : html`<strong>${label || a.key || a.type}</strong>`}
      <span class="muted small">${a.type}</span>
      ${runs ? html`<span class="small">${runLink(a, runs)}</span>` : ''}
      <span class="right small"><${Time} iso=${a.created} /></span></header>
    ${a.description && a.type !== 'link' ? html`<${Markdown} text=${a.description} />` : ''}
    <${ArtifactBody} a=${a} /></article>`;
}

export function Artifacts({ runId }) {
  const arts = useData(() => post('/artifacts/filter', { artifacts: { flow_run_id: { any_: [runId] } }, sort: 'CREATED_DESC', limit: 50 })
    .catch((e) => (e.status === 404 ? [] : Promise.reject(e))), [runId]);
  if (!arts.data || !arts.data.length) return '';
  return html`<section class="panel"><h2>Artifacts</h2>${arts.data.map((a) => html`<${Artifact} key=${a.id} a=${a} />`)}</section>`;
}

/** The names of the runs `arts` belong to (one lookup), as a Map id → name. */
async function runNames(arts) {
  const ids = [...new Set(arts.map((a) => a.flow_run_id).filter(Boolean))];
  const runs = ids.length ? await post('/flow_runs/filter', { flow_runs: { id: { any_: ids } }, limit: ids.length }) : [];
  return new Map(runs.map((r) => [r.id, r.name]));
}

/** The Artifacts page: the latest version of every key. */
export function ArtifactsPage({ query }) {
  const key = query.get('key') || '';
  const data = useData(async () => {
    const latest = await post('/artifacts/latest/filter', {
      sort: 'KEY_ASC', limit: 200, ...(key ? { artifacts: { key: { like_: key } } } : {}),
    });
    return { latest, runs: await runNames(latest) };
  }, [key]);
  const rows = data.data?.latest || [];
  return html`<${Page} title="Artifacts" sub="The latest version of each artifact key">
    <form class="row filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <label>Key <input type="search" aria-label="Search artifacts by key" placeholder="contains…" value=${key}
        onInput=${(e) => setQuery({ key: e.target.value }, { replace: true })} /></label>
    </form>
    <${ErrorNote} error=${data.error} />
    ${data.data === undefined ? html`<${Loading} />` : !rows.length
    ? html`<p class="muted empty">${key ? `No artifact key contains “${key}”.` : html`No artifacts with a key yet. Flows create them with <code>create_markdown_artifact(key="report", …)</code>.`}</p>`
    : html`<div class="table-wrap"><table class="artifacts"><thead><tr><th>Key</th><th>Type</th><th>Latest</th><th class="hide-narrow">Run</th><th class="hide-narrow">Updated</th></tr></thead>
      <tbody>${rows.map((a) => html`<tr key=${a.key} data-key=${a.key}>
        <td><a href=${`/artifacts/key/${seg(a.key)}`}>${a.key}</a></td>
        <td><span class="badge kind">${a.type}</span></td>
        <td class="artifact-latest"><${ArtifactSummary} a=${a} /></td>
        <td class="hide-narrow">${runLink(a, data.data.runs)}</td>
        <td class="hide-narrow"><${Time} iso=${a.updated} rel /></td></tr>`)}</tbody></table></div>`}
  </${Page}>`;
}

/** One key: its latest version, then its earlier versions, newest first. */
export function ArtifactKey({ id: key }) {
  const data = useData(async () => {
    const versions = await post('/artifacts/filter', { artifacts: { key: { any_: [key] } }, sort: 'CREATED_DESC', limit: 100 });
    return { versions, runs: await runNames(versions) };
  }, [key]);
  const versions = data.data?.versions || [];
  const [latest] = versions;
  return html`<${Page} title=${key} sub=${html`<a href="/artifacts">Artifacts</a>${latest ? html` · <span class="muted">${latest.type} · ${versions.length} version${versions.length === 1 ? '' : 's'}</span>` : ''}`}>
    <${ErrorNote} error=${data.error} />
    ${data.data === undefined ? html`<${Loading} />` : !latest ? html`<p class="muted empty">No artifact has the key <code>${key}</code>.</p>`
    : html`<section class="panel latest"><h2>Latest</h2>
        <${Artifact} a=${latest} runs=${data.data.runs} link=${false} label=${`Version ${versions.length}`} /></section>
      ${versions.length > 1 ? html`<section class="panel history"><h2>Earlier versions</h2>
        ${versions.slice(1).map((a, i) => html`<${Artifact} key=${a.id} a=${a} runs=${data.data.runs} link=${false} label=${`Version ${versions.length - 1 - i}`} />`)}</section>` : ''}`}
  </${Page}>`;
}
