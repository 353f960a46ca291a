// The frame around every page: the navigation (a menu button on phones), the light/dark/system theme
// switch, the "Disconnected — retrying" banner, the not-found page, and the labels that let tables turn into
// cards on narrow screens.
import { html, useEffect, useState } from '../lib.js';
import { Page, reportApiFailure } from '../components.js';

export const NAV = [['/', 'Overview'], ['/runs', 'Runs'], ['/deployments', 'Deployments'], ['/work-pools', 'Work pools'],
  ['/concurrency', 'Concurrency'], ['/flows', 'Flows'], ['/blocks', 'Blocks'], ['/variables', 'Variables'],
  ['/artifacts', 'Artifacts'], ['/automations', 'Automations'], ['/events', 'Events']];

// ---- Theme: "system" follows prefers-color-scheme; "light" and "dark" are kept in localStorage. ----

const THEME_KEY = 'baton.theme';
const THEMES = [['system', 'System'], ['light', 'Light'], ['dark', 'Dark']];

export function storedTheme() {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return THEMES.some(([k]) => k === t) ? t : 'system';
  } catch { return 'system'; }
}

const themeListeners = new Set();
const themeChanged = () => themeListeners.forEach((fn) => fn());

/** Sets `data-theme` on the root element (none for "system": the media query decides). */
export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
  themeChanged();
}

// Under "system" the colours also change when the system's scheme does.
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  if (!document.documentElement.dataset.theme) themeChanged();
});

/**
 * A number that grows whenever the theme's colours change, for what draws with colours read from CSS (the
 * overview's charts) and so must draw again.
 */
export function useThemeColors() {
  const [n, setN] = useState(0);
  useEffect(() => {
    const fn = () => setN((x) => x + 1);
    themeListeners.add(fn);
    return () => themeListeners.delete(fn);
  }, []);
  return n;
}

function ThemeSwitch() {
  const [theme, setTheme] = useState(storedTheme);
  const change = (e) => {
    const t = e.target.value;
    try { if (t === 'system') localStorage.removeItem(THEME_KEY); else localStorage.setItem(THEME_KEY, t); } catch { /* private mode */ }
    applyTheme(t);
    setTheme(t);
  };
  return html`<label class="theme-switch"><span class="sr-only">Theme</span>
    <select aria-label="Theme" value=${theme} onChange=${change}>
      ${THEMES.map(([k, label]) => html`<option value=${k}>${label === 'System' ? 'System theme' : `${label} theme`}</option>`)}
    </select></label>`;
}

// ---- Navigation ----

export function Nav({ path }) {
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const current = (href) => (href === '/' ? path === '/' : path.startsWith(href));
  return html`<nav class=${`nav ${open ? 'open' : ''}`} aria-label="Main">
    <a class="brand" href="/"><img src="/ui/favicon.svg" alt="" width="22" height="22" /> Baton</a>
    <ul id="nav-links">${NAV.map(([href, label]) => html`<li><a href=${href} aria-current=${current(href) ? 'page' : undefined}>${label}</a></li>`)}</ul>
    <span class="nav-tools"><${ThemeSwitch} />
      <button class="menu-btn" aria-controls="nav-links" aria-expanded=${open ? 'true' : 'false'}
        onClick=${() => setOpen(!open)}>${open ? 'Close' : 'Menu'}</button></span>
  </nav>`;
}

// ---- Connection: requests that fail to reach the server show a banner until /api/health answers again. ----

const connListeners = new Set();
let down = false;
let probe = 0;
const realFetch = window.fetch.bind(window);

function setDown(value) {
  if (down === value) return;
  down = value;
  connListeners.forEach((fn) => fn(value));
  clearTimeout(probe);
  if (value) probe = setTimeout(check, 1500);
}

async function check() {
  try {
    const res = await realFetch('/api/health', { cache: 'no-store' });
    if (res.ok || res.status === 401) { setDown(false); return; }
  } catch { /* still down */ }
  if (down) probe = setTimeout(check, 2000);
}

const describe = (detail) => (detail == null ? '' : typeof detail === 'string' ? detail : JSON.stringify(detail));

const isApi = (input) => {
  const url = typeof input === 'string' ? input : (input && input.url) || String(input);
  return url.startsWith('/api/') || url.startsWith(`${location.origin}/api/`);
};

/** Watches the dashboard's own API requests: one that cannot reach the server marks the connection down. */
export function watchConnection() {
  window.fetch = async (input, init) => {
    let res;
    try {
      res = await realFetch(input, init);
    } catch (e) {
      if (isApi(input) && e && e.name !== 'AbortError') {
        setDown(true);
        reportApiFailure({ message: 'the Baton server does not answer.' });
      }
      throw e;
    }
    if (!res.ok && isApi(input)) {
      res.clone().json().catch(() => null)
        .then((body) => reportApiFailure({ status: res.status, message: `${describe(body && body.detail) || res.statusText} (HTTP ${res.status})` }));
    }
    return res;
  };
  // An idle page notices a stopped server too.
  setInterval(() => { if (!down && document.visibilityState === 'visible') realFetch('/api/health', { cache: 'no-store' }).catch(() => setDown(true)); }, 5000);
}

/** `[down, epoch]`: whether the server is unreachable, and a number that grows each time it comes back. */
export function useConnection() {
  const [state, setState] = useState({ down, epoch: 0 });
  useEffect(() => {
    const fn = (d) => setState((s) => ({ down: d, epoch: d ? s.epoch : s.epoch + 1 }));
    connListeners.add(fn);
    return () => connListeners.delete(fn);
  }, []);
  return [state.down, state.epoch];
}

export function ConnectionBanner({ down: isDown }) {
  if (!isDown) return '';
  return html`<div class="conn-banner" role="alert"><strong>Disconnected — retrying…</strong>
    <span>The Baton server does not answer; this page updates once it is back.</span></div>`;
}

// ---- Not found ----

/** The page for an unknown address or an id the API does not know (`what`: "deployment", …). */
export function NotFound({ path, what, id, back, backLabel }) {
  return html`<${Page} title="Not found">
    <div class="panel not-found" data-not-found=${what || 'page'}>
      ${what ? html`<p>There is no ${what} <code>${id}</code>. It may have been deleted.</p>`
        : html`<p>No page at <code>${path}</code>.</p>`}
      <p>${back ? html`<a href=${back}>${backLabel}</a> · ` : ''}<a href="/">Go to the overview</a></p>
    </div></${Page}>`;
}

/** True for the API's "not found" answer. */
export const isNotFound = (error) => !!error && error.status === 404;

// ---- Tables as cards: each cell carries its column's heading, shown before it on narrow screens. ----

function labelCells(root) {
  for (const table of root.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll(':scope > thead > tr > th')].map((th) => th.textContent.trim());
    if (!heads.length) continue;
    for (const tr of table.querySelectorAll(':scope > tbody > tr')) {
      let i = 0;
      for (const td of tr.children) {
        const label = heads[i] || '';
        if (td.dataset.label !== label) td.dataset.label = label;
        i += td.colSpan || 1;
      }
    }
  }
}

export function labelTables(root) {
  let queued = false;
  const run = () => { queued = false; labelCells(root); };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(run); } })
    .observe(root, { childList: true, subtree: true });
  run();
}
