// Which page module draws which address, and importing them. The router (app.js) imports this file, and
// index.html also runs it on its own as soon as it arrives (it imports nothing), so the current page's module
// is asked for while the dashboard's frame still loads, and is there when the frame first draws.

// Each page's module (ui/views/<file>.js) is imported when its route is first opened, so a first visit runs
// only the frame and the page it shows. [path, file, export name]
export const ROUTES = [
  [/^\/$/, 'overview', 'Overview'],
  [/^\/runs\/?$/, 'runs', 'Runs'],
  [/^\/runs\/([^/]+)$/, 'run', 'RunDetail'],
  [/^\/task-runs\/([^/]+)$/, 'task-run', 'TaskRunDetail'],
  [/^\/deployments\/?$/, 'deployments', 'Deployments'],
  [/^\/deployments\/([^/]+)$/, 'deployment', 'DeploymentDetail'],
  [/^\/work-pools\/?$/, 'pools', 'Pools'],
  [/^\/work-pools\/([^/]+)$/, 'pools', 'PoolDetail'],
  [/^\/concurrency\/?$/, 'concurrency', 'Concurrency'],
  [/^\/concurrency\/([^/]+)$/, 'concurrency', 'ConcurrencyDetail'],
  [/^\/flows\/?$/, 'flows', 'Flows'],
  [/^\/flows\/([^/]+)$/, 'flows', 'FlowDetail'],
  [/^\/variables\/?$/, 'variables', 'Variables'],
  [/^\/artifacts\/?$/, 'artifacts', 'ArtifactsPage'],
  [/^\/artifacts\/key\/([^/]+)$/, 'artifacts', 'ArtifactKey'],
  [/^\/blocks\/?$/, 'blocks', 'Blocks'],
  [/^\/blocks\/([^/]+(?:\/[^/]+)?)$/, 'blocks', 'BlockDetail'],
  [/^\/automations\/?$/, 'automations', 'Automations'],
  [/^\/automations\/automation\/([^/]+)\/?$/, 'automations', 'AutomationDetail'],
  [/^\/events\/?$/, 'events', 'Events'],
];

/** Page modules by file, once loaded: a page whose module is here is drawn at once, with no wait. */
export const loaded = new Map();
const loading = new Map();

/** Imports ui/views/`file`.js once. */
export function importPage(file) {
  if (!loading.has(file)) {
    const p = import(`./views/${file}.js`).then((m) => { loaded.set(file, m); return m; });
    p.catch(() => loading.delete(file)); // a later visit tries again
    loading.set(file, p);
  }
  return loading.get(file);
}

const first = ROUTES.find(([re]) => re.test(location.pathname));
if (first) importPage(first[1]);
