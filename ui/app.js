// The dashboard's entry point: navigation, the page for the current URL, and toasts.
import { html, render } from './lib.js';
import { useLocation } from './router.js';
import { Toasts } from './components.js';
import { Overview } from './views/overview.js';
import { Runs } from './views/runs.js';
import { RunDetail } from './views/run.js';
import { TaskRunDetail } from './views/task-run.js';
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
import { Nav, NotFound, ConnectionBanner, useConnection, watchConnection, applyTheme, storedTheme, labelTables } from './views/shell.js';

const ROUTES = [
  [/^\/$/, Overview],
  [/^\/runs\/?$/, Runs],
  [/^\/runs\/([^/]+)$/, RunDetail],
  [/^\/task-runs\/([^/]+)$/, TaskRunDetail],
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

function App() {
  const { path, query } = useLocation();
  const [down, epoch] = useConnection();
  const frame = (page) => html`<${Nav} path=${path} /><${ConnectionBanner} down=${down} /><main id="main">${page}</main><${Toasts} />`;
  for (const [re, target] of PREFECT_PATHS) {
    const m = path.match(re);
    if (m) return frame(html`<${PrefectLink} key=${path} id=${decodeURIComponent(m[1])} target=${target} />`);
  }
  for (const [re, View] of ROUTES) {
    const m = path.match(re);
    if (m) {
      const id = m[1] && decodeURIComponent(m[1]);
      // A page is mounted afresh when the server comes back, so nothing stays on a failed request.
      return frame(html`<${View} key=${`${id || path}#${epoch}`} id=${id} query=${query} />`);
    }
  }
  return frame(html`<${NotFound} key=${path} path=${path} />`);
}

applyTheme(storedTheme());
watchConnection();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
labelTables(root);
