// Talking to Baton: JSON requests to the same-origin API, and the live stream (server-sent events).
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from './lib.js';

/** An API answer that was not 2xx: `status` and the server's `detail`. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

/** `method` on `/api${path}` with an optional JSON body; resolves to the parsed answer. */
export async function api(method, path, body) {
  const init = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`/api${path}`, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.detail) || res.statusText);
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/** Path segment encoding for names in URLs. */
export const seg = (s) => encodeURIComponent(s);

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** Whether `s` can be an object's id (a UUID): a page for anything else is not found without asking. */
export const isUuid = (s) => UUID.test(s);

/** Adds `flow_name` and `deployment_name` to runs (two lookups for the whole list). */
export async function withNames(runs) {
  const flowIds = [...new Set(runs.map((r) => r.flow_id))];
  const depIds = [...new Set(runs.map((r) => r.deployment_id).filter(Boolean))];
  const [flows, deps] = await Promise.all([
    flowIds.length ? post('/flows/filter', { flows: { id: { any_: flowIds } } }) : [],
    depIds.length ? post('/deployments/filter', { deployments: { id: { any_: depIds } } }) : [],
  ]);
  const fn = new Map(flows.map((f) => [f.id, f.name]));
  const dn = new Map(deps.map((d) => [d.id, d.name]));
  return runs.map((r) => ({ ...r, flow_name: fn.get(r.flow_id), deployment_name: dn.get(r.deployment_id) }));
}

/**
 * Subscribes to the live stream while the component is mounted. `onMessage(kind, data)` receives
 * `flow_run`, `task_run`, `logs` (with a runId) and `resync` messages. The browser reconnects by itself.
 */
export function useLive(runId, onMessage) {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    const url = runId ? `/api/baton/live?flow_run_id=${seg(runId)}` : '/api/baton/live';
    const source = new EventSource(url);
    const kinds = ['flow_run', 'task_run', 'logs', 'resync'];
    const listeners = kinds.map((kind) => {
      const fn = (e) => {
        let data = null;
        try { data = JSON.parse(e.data); } catch { return; }
        handler.current(kind, data);
      };
      source.addEventListener(kind, fn);
      return fn;
    });
    // After a reconnect the client may have missed changes: treat it as a resync. `data-live` on the
    // document says whether the stream is connected (tests wait for it before making changes).
    let opened = false;
    const root = document.documentElement;
    source.onopen = () => { if (opened) handler.current('resync', {}); opened = true; root.dataset.live = 'open'; };
    source.onerror = () => { root.dataset.live = 'retrying'; };
    return () => {
      kinds.forEach((k, i) => source.removeEventListener(k, listeners[i]));
      source.close();
      delete root.dataset.live;
    };
  }, [runId]);
}

/**
 * Loads data with `load()` now and whenever `deps` change; `reload()` refetches, and `soon()` refetches
 * after a short pause, merging bursts of live messages into one request.
 */
export function useData(load, deps, delay = 250) {
  const [state, setState] = useState({ data: undefined, error: null });
  const seq = useRef(0);
  const timer = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const data = await load();
      if (mine === seq.current) setState({ data, error: null });
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ data: s.data, error }));
    }
  }, deps);
  // Asked for as soon as the page is in the DOM, not after the browser paints it (an effect waits a frame).
  useLayoutEffect(() => { reload(); }, [reload]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const soon = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(reload, delay);
  }, [reload]);
  return { ...state, reload, soon };
}
