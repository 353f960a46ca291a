// Work pools: health at a glance, and per pool its queues (priority, limit, paused, status) and workers
// (last heartbeat, status).
import { html } from '../lib.js';
import { get, post, useData, seg } from '../api.js';
import { Page, Time, ErrorNote, Loading } from '../components.js';

const Status = ({ s, paused }) => html`<span class=${`badge pool-${(paused ? 'paused' : s || 'none').toLowerCase()}`}>${paused ? 'PAUSED' : (s || 'UNKNOWN')}</span>`;

export function Pools() {
  const data = useData(async () => {
    const pools = await post('/work_pools/filter', { limit: 200 });
    const extra = await Promise.all(pools.map((p) => Promise.all([
      post(`/work_pools/${seg(p.name)}/workers/filter`, { limit: 200 }),
      post(`/work_pools/${seg(p.name)}/queues/filter`, { limit: 200 }),
    ])));
    return pools.map((p, i) => ({ ...p, workers: extra[i][0], queues: extra[i][1] }));
  }, [], 1000);
  return html`<${Page} title="Work pools">
    <${ErrorNote} error=${data.error} />
    ${!data.data ? html`<${Loading} />` : !data.data.length ? html`<p class="muted empty">No work pools. <code>baton work-pool create NAME</code> makes one.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th>Pool</th><th>Type</th><th>Status</th><th>Workers online</th><th>Queues</th><th>Concurrency limit</th></tr></thead>
      <tbody>${data.data.map((p) => html`<tr key=${p.id} data-pool=${p.name}>
        <td><a href=${`/work-pools/${seg(p.name)}`}>${p.name}</a>${p.description ? html`<div class="muted small">${p.description}</div>` : ''}</td>
        <td>${p.type}</td><td><${Status} s=${p.status} paused=${p.is_paused} /></td>
        <td class="num">${p.workers.filter((w) => w.status === 'ONLINE').length} / ${p.workers.length}</td>
        <td class="num">${p.queues.length}</td><td class="num">${p.concurrency_limit ?? 'none'}</td></tr>`)}</tbody></table></div>`}
  </${Page}>`;
}

export function PoolDetail({ id: name }) {
  const data = useData(async () => {
    const [pool, queues, workers] = await Promise.all([
      get(`/work_pools/${seg(name)}`),
      post(`/work_pools/${seg(name)}/queues/filter`, { limit: 200 }),
      post(`/work_pools/${seg(name)}/workers/filter`, { limit: 200 }),
    ]);
    return { pool, queues: queues.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0)), workers };
  }, [name], 1000);
  if (!data.data) return html`<${Page} title=${name}>${data.error ? html`<${ErrorNote} error=${data.error} />` : html`<${Loading} />`}</${Page}>`;
  const { pool, queues, workers } = data.data;
  return html`<${Page} title=${pool.name} sub=${html`${pool.type} <${Status} s=${pool.status} paused=${pool.is_paused} />`}
    actions=${html`<a class="button" href=${`/runs?pool=${seg(pool.name)}`}>Runs in this pool</a>`}>
    <section class="panel"><h2>Queues</h2><div class="table-wrap"><table><thead><tr><th>Queue</th><th>Priority</th><th>Concurrency limit</th><th>Paused</th><th>Status</th><th>Last polled</th></tr></thead>
      <tbody>${queues.map((q) => html`<tr key=${q.id} data-queue=${q.name}><td>${q.name}</td><td class="num">${q.priority}</td>
        <td class="num">${q.concurrency_limit ?? 'none'}</td><td>${q.is_paused ? 'yes' : 'no'}</td><td><${Status} s=${q.status} /></td><td><${Time} iso=${q.last_polled} /></td></tr>`)}</tbody></table></div></section>
    <section class="panel"><h2>Workers</h2>${workers.length ? html`<div class="table-wrap"><table><thead><tr><th>Worker</th><th>Last heartbeat</th><th>Status</th></tr></thead>
      <tbody>${workers.map((w) => html`<tr key=${w.id || w.name} data-worker=${w.name}><td>${w.name}</td><td><${Time} iso=${w.last_heartbeat_time} rel /></td><td><${Status} s=${w.status} /></td></tr>`)}</tbody></table></div>`
      : html`<p class="muted">No workers have polled this pool.</p>`}</section>
  </${Page}>`;
}
