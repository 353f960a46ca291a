// Flows: every flow with its deployments, linking to its runs.
import { html } from '../lib.js';
import { post, useData } from '../api.js';
import { Page, Time, Tags, ErrorNote, Loading } from '../components.js';

export function Flows() {
  const data = useData(async () => {
    const [flows, deps] = await Promise.all([
      post('/flows/filter', { sort: 'NAME_ASC', limit: 200 }),
      post('/deployments/filter', { limit: 200 }),
    ]);
    return flows.map((f) => ({ ...f, deployments: deps.filter((d) => d.flow_id === f.id) }));
  }, []);
  return html`<${Page} title="Flows">
    <${ErrorNote} error=${data.error} />
    ${!data.data ? html`<${Loading} />` : !data.data.length ? html`<p class="muted empty">No flows yet: run a flow or deploy one.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th>Flow</th><th>Deployments</th><th>Created</th><th><span class="sr-only">Runs</span></th></tr></thead>
      <tbody>${data.data.map((f) => html`<tr key=${f.id} data-flow=${f.name}><td>${f.name} <${Tags} tags=${f.tags} /></td>
        <td>${f.deployments.length ? f.deployments.map((d, i) => html`${i ? ', ' : ''}<a href=${`/deployments/${d.id}`}>${d.name}</a>`) : html`<span class="muted">none</span>`}</td>
        <td><${Time} iso=${f.created} /></td><td><a href=${`/runs?flow=${f.id}`}>Runs</a></td></tr>`)}</tbody></table></div>`}
  </${Page}>`;
}
