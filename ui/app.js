// The dashboard's entry point: navigation, the page for the current URL, and toasts.
import { html, render, useLayoutEffect, useState } from './lib.js';
import { useLocation } from './router.js';
import { Page, Toasts } from './components.js';
import { PREFECT_PATHS, PrefectLink } from './views/prefect-links.js';
import { ROUTES, loaded, importPage } from './pages.js';
import { Nav, NotFound, ConnectionBanner, useConnection, watchConnection, applyTheme, storedTheme, labelTables } from './views/shell.js';

/** The page `name` of ui/views/`file`.js, drawn with `props` once that module is loaded. */
function LazyPage({ file, name, props }) {
  const [mod, setMod] = useState(() => loaded.get(file));
  const [error, setError] = useState(null);
  useLayoutEffect(() => {
    if (mod) return undefined;
    let live = true;
    importPage(file).then((m) => { if (live) setMod(m); }, (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [file]);
  if (error) {
    return html`<${Page} title="Not loaded"><p class="error" role="alert">This page's code did not load (${error.message}). Reload to try again.</p></${Page}>`;
  }
  if (!mod) return '';
  const View = mod[name];
  return html`<${View} ...${props} />`;
}

function App() {
  const { path, query } = useLocation();
  const [down, epoch] = useConnection();
  const frame = (page) => html`<${Nav} path=${path} /><${ConnectionBanner} down=${down} /><main id="main">${page}</main><${Toasts} />`;
  for (const [re, target] of PREFECT_PATHS) {
    const m = path.match(re);
    if (m) return frame(html`<${PrefectLink} key=${path} id=${decodeURIComponent(m[1])} target=${target} />`);
  }
  for (const [re, file, name] of ROUTES) {
    const m = path.match(re);
    if (m) {
      const id = m[1] && decodeURIComponent(m[1]);
      importPage(file);
      // A page is mounted afresh when the server comes back, so nothing stays on a failed request.
      return frame(html`<${LazyPage} key=${`${id || path}#${epoch}`} file=${file} name=${name} props=${{ id, query }} />`);
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
