// Names for the ids that events and automations carry (deployments, work pools and queues, blocks, automations):
// looked up in one request per kind, cached for the page's life. A failed lookup only costs the name.
import { useEffect, useState } from '../lib.js';
import { post } from '../api.js';

const cache = new Map();
const asked = new Set();
const listeners = new Set();

const LOOKUPS = {
  deployment: async (ids) => (await post('/deployments/filter', { deployments: { id: { any_: ids } } })).map((d) => [d.id, d.name]),
  'work-pool': async (ids) => (await post('/work_pools/filter', { work_pools: { id: { any_: ids } } })).map((p) => [p.id, p.name]),
  'work-queue': async (ids) => (await post('/work_queues/filter', { work_queues: { id: { any_: ids } } })).map((q) => [q.id, q.name]),
  block: async (ids) => (await post('/block_documents/filter', { block_documents: { id: { any_: ids } } }))
    .map((b) => [b.id, b.block_type ? `${b.block_type.slug}/${b.name}` : b.name]),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Remembers names the page already knows (an automation list, an event's `prefect.resource.name`). */
export function learnNames(pairs) {
  for (const [id, name] of pairs) if (id && name) cache.set(id, name);
}

/**
 * A Map of id → name covering `refs` ({ deployment: [ids], 'work-pool': [ids], block: [ids] }), re-rendering
 * once looked up. Ids already known or already asked for (even in vain) are not asked again.
 */
export function useNames(refs) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, []);
  const wanted = Object.entries(refs).map(([kind, ids]) => [kind, [...new Set(ids)].filter((id) => UUID.test(id) && !cache.has(id) && !asked.has(id))])
    .filter(([kind, ids]) => ids.length && LOOKUPS[kind]);
  const key = wanted.map(([kind, ids]) => `${kind}:${ids.join(',')}`).join(';');
  useEffect(() => {
    if (!wanted.length) return;
    // Every page part showing names re-renders with the answer (the one that asked may no longer want them).
    Promise.all(wanted.map(async ([kind, ids]) => {
      ids.forEach((id) => asked.add(id));
      try { learnNames(await LOOKUPS[kind](ids)); } catch { /* the ids show shortened */ }
    })).then(() => listeners.forEach((fn) => fn()));
  }, [key]);
  return cache;
}
