// Client-side routing with the History API: every page and every filter lives in the URL.
import { useEffect, useState } from './lib.js';

const listeners = new Set();
const notify = () => listeners.forEach((fn) => fn(location.pathname + location.search));

/** Goes to `url` (same origin), adding a history entry unless `replace`. */
export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  notify();
  if (!replace) window.scrollTo(0, 0);
}

window.addEventListener('popstate', notify);

/** The current path and search string, re-rendering on navigation. */
export function useLocation() {
  const [loc, setLoc] = useState(location.pathname + location.search);
  useEffect(() => {
    listeners.add(setLoc);
    return () => listeners.delete(setLoc);
  }, []);
  const url = new URL(loc, location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/** Replaces query parameters (empty values are removed), keeping the path. */
export function setQuery(changes, { replace = false } = {}) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) q.delete(k);
    else if (Array.isArray(v)) { q.delete(k); v.forEach((x) => q.append(k, x)); } else q.set(k, v);
  }
  const s = q.toString();
  navigate(location.pathname + (s ? `?${s}` : ''), { replace });
}

/** Same-origin link clicks become client-side navigations. */
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  // An SVG link's `target` is an SVGAnimatedString, not a string.
  const target = typeof a.target === 'string' ? a.target : a.target && a.target.baseVal;
  if (!href.startsWith('/') || href.startsWith('/api/') || target) return;
  e.preventDefault();
  navigate(href);
});
