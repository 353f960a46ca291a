// Prefect's UI paths, as the Prefect SDK and CLI print them (`URL: http://host/runs/flow-run/<id>`) and as
// Prefect 2 printed them (`/flow-runs/flow-run/<id>`): each opens the matching Baton page, replacing the
// history entry. Paths whose object lives elsewhere (a work queue's pool, an artifact's key or run) are
// looked up first.
import { html, useEffect, useState } from '../lib.js';
import { get, seg } from '../api.js';
import { navigate } from '../router.js';
import { Page, ErrorNote, Loading } from '../components.js';

/** [pattern, target]: the target is a Baton path, or a promise of one, built from the matched id. */
export const PREFECT_PATHS = [
  [/^\/(?:runs|flow-runs)\/flow-run\/([^/]+)\/?$/, (id) => `/runs/${seg(id)}`],
  [/^\/(?:runs|task-runs)\/task-run\/([^/]+)\/?$/, (id) => `/task-runs/${seg(id)}`],
  [/^\/deployments\/deployment\/([^/]+)\/?$/, (id) => `/deployments/${seg(id)}`],
  [/^\/flows\/flow\/([^/]+)\/?$/, (id) => `/flows/${seg(id)}`],
  [/^\/artifacts\/artifact\/([^/]+)\/?$/, async (id) => {
    const a = await get(`/artifacts/${seg(id)}`);
    if (a.key) return `/artifacts/key/${seg(a.key)}`;
    if (a.flow_run_id) return `/runs/${seg(a.flow_run_id)}`;
    throw new Error(`Artifact ${id} has no key and belongs to no flow run.`);
  }],
  [/^\/work-pools\/work-pool\/([^/]+)(?:\/.*)?$/, (name) => `/work-pools/${seg(name)}`],
  [/^\/work-queues\/work-queue\/([^/]+)\/?$/, async (id) => {
    const queue = await get(`/work_queues/${seg(id)}`);
    return `/work-pools/${seg(queue.work_pool_name)}`;
  }],
  [/^\/blocks\/block\/([^/]+)\/?$/, (id) => `/blocks/${seg(id)}`],
  [/^\/blocks\/catalog(\/.*)?$/, () => '/blocks'],
  [/^\/concurrency-limits\/concurrency-limit\/([^/]+)\/?$/, (id) => `/concurrency/${seg(id)}`],
  [/^\/concurrency-limits(\/.*)?$/, () => '/concurrency'],
  [/^\/automations\/automation\/([^/]+)\/edit\/?$/, (id) => `/automations/automation/${seg(id)}`],
  [/^\/automations\/create\/?$/, () => '/automations'],
  [/^\/events\/event\/([^/]+\/[^/]+)\/?$/, (dayAndId) => {
    const [day, id] = dayAndId.split('/');
    return `/events?id=${seg(id)}&day=${seg(day)}`;
  }],
];

/** The Baton page of a Prefect UI path: goes there at once, or after the lookup it needs. */
export function PrefectLink({ id, target }) {
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    Promise.resolve()
      .then(() => target(id))
      .then((to) => { if (live) navigate(to, { replace: true }); })
      .catch((e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [id]);
  if (!error) return html`<${Loading} />`;
  return html`<${Page} title="Not found"><${ErrorNote} error=${error} /><p><a href="/">Go to the overview</a>.</p></${Page}>`;
}
