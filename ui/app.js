// The dashboard's entry point: navigation, the page for the current URL, and toasts.
import { html, render } from './lib.js';
import { useLocation } from './router.js';
import { Toasts } from './components.js';
import { Overview } from './views/overview.js';
import { Runs } from './views/runs.js';
import { RunDetail } from './views/run.js';
import { Deployments } from './views/deployments.js';
import { DeploymentDetail } from './views/deployment.js';
import { Pools, PoolDetail } from './views/pools.js';
import { Flows, FlowDetail } from './views/flows.js';
import { Variables } from './views/variables.js';
import { ArtifactsPage, ArtifactKey } from './views/artifacts.js';
import { Blocks, BlockDetail } from './views/blocks.js';
import { Concurrency, ConcurrencyDetail } from './views/concurrency.js';
import { Events } from './views/events.js';
import { Automations, AutomationDetail } from './views/automations.js';
import { PREFECT_PATHS, PrefectLink } from './views/prefect-links.js';

const ROUTES = [
  [/^\/$/, Overview],
  [/^\/runs\/?$/, Runs],
  [/^\/runs\/([^/]+)$/, RunDetail],
  [/^\/deployments\/?$/, Deployments],
  [/^\/deployments\/([^/]+)$/, DeploymentDetail],
  [/^\/work-pools\/?$/, Pools],
  [/^\/work-pools\/([^/]+)$/, PoolDetail],
  [/^\/concurrency\/?$/, Concurrency],
  [/^\/concurrency\/([^/]+)$/, ConcurrencyDetail],
  [/^\/flows\/?$/, Flows],
  [/^\/flows\/([^/]+)$/, FlowDetail],
  [/^\/variables\/?$/, Variables],
  [/^\/artifacts\/?$/, ArtifactsPage],
  [/^\/artifacts\/key\/([^/]+)$/, ArtifactKey],
  [/^\/blocks\/?$/, Blocks],
  [/^\/blocks\/([^/]+(?:\/[^/]+)?)$/, BlockDetail],
  [/^\/automations\/?$/, Automations],
  [/^\/automations\/automation\/([^/]+)\/?$/, AutomationDetail],
  [/^\/events\/?$/, Events],
];

const NAV = [['/', 'Overview'], ['/runs', 'Runs'], ['/deployments', 'Deployments'], ['/work-pools', 'Work pools'], ['/concurrency', 'Concurrency'], ['/flows', 'Flows'], ['/blocks', 'Blocks'], ['/variables', 'Variables'], ['/artifacts', 'Artifacts'], ['/automations', 'Automations'], ['/events', 'Events']];

function Nav({ path }) {
  const current = (href) => (href === '/' ? path === '/' : path.startsWith(href));
  return html`<nav class="nav" aria-label="Main">
    <a class="brand" href="/"><img src="/ui/favicon.svg" alt="" width="22" height="22" /> Baton</a>
    <ul>${NAV.map(([href, label]) => html`<li><a href=${href} aria-current=${current(href) ? 'page' : undefined}>${label}</a></li>`)}</ul>
  </nav>`;
}

function NotFound({ path }) {
  return html`<section class="page"><h1>Not found</h1><p>No page at <code>${path}</code>. <a href="/">Go to the overview</a>.</p></section>`;
}

function App() {
  const { path, query } = useLocation();
  let page = html`<${NotFound} path=${path} />`;
  for (const [re, target] of PREFECT_PATHS) {
    const m = path.match(re);
    if (m) return html`<${Nav} path=${path} /><main id="main"><${PrefectLink} key=${path} id=${decodeURIComponent(m[1])} target=${target} /></main><${Toasts} />`;
  }
  for (const [re, View] of ROUTES) {
    const m = path.match(re);
    if (m) {
      const id = m[1] && decodeURIComponent(m[1]);
      page = html`<${View} key=${id || path} id=${id} query=${query} />`;
      break;
    }
  }
  return html`<${Nav} path=${path} /><main id="main">${page}</main><${Toasts} />`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
