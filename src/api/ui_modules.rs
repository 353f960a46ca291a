//! Which dashboard modules a page needs, so that `index.html` can ask for all of them at once. Without
//! hints a browser learns a module's imports only after fetching and parsing it: the frame (`app.js` and
//! its imports), then the page's module (imported when its route opens), then that module's imports, and so
//! on, one round trip per level, each waiting for the browser's main thread. The server knows the route
//! from the URL, so it lists the frame's modules and the current page's with all their static imports.
//! Still no build step: the routes are read from `ui/pages.js` (its `ROUTES` table) and the imports from
//! each module's `import … from '…'` lines.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Static imports: `import … from '…'` and `export … from '…'` at the start of a line (a list of names may
/// span lines), and `import '…'`. Dynamic `import(…)` is left out: those modules load on demand.
static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^(?:import|export)\b(?:[^'";]*?\bfrom)?\s*['"]([^'"]+)['"]"#)
        .expect("import regex")
});

/// One `ROUTES` entry of `pages.js`: `[/^\/runs\/([^/]+)$/, 'run', 'RunDetail'],`.
static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*\[/(.+)/,\s*'([\w-]+)',\s*'\w+'\],?\s*$"#).expect("route regex")
});

/// The dashboard's modules (by URL path, `/ui/…` and `/assets/…`), their static imports, and its routes.
pub struct Modules {
    imports: BTreeMap<String, Vec<String>>,
    routes: Vec<(Regex, String)>,
}

impl Modules {
    /// From every JavaScript file as (URL path, source). Routes whose pattern is not a valid regex are
    /// skipped (the page then gets only the frame's hints).
    pub fn new<'a>(files: impl IntoIterator<Item = (String, &'a str)>) -> Self {
        let mut imports = BTreeMap::new();
        let mut routes = Vec::new();
        for (url, source) in files {
            let found = IMPORT
                .captures_iter(source)
                .filter_map(|c| resolve(&url, &c[1]))
                .collect();
            if url == "/ui/pages.js" {
                for c in ROUTE.captures_iter(source) {
                    // A JavaScript pattern escapes `/`; Rust's regex needs no escape there.
                    if let Ok(re) = Regex::new(&c[1].replace("\\/", "/")) {
                        routes.push((re, format!("/ui/views/{}.js", &c[2])));
                    }
                }
            }
            imports.insert(url, found);
        }
        Modules { imports, routes }
    }

    /// The modules a page at `path` runs before it draws: `app.js` and its imports, then the module of the
    /// first route matching `path` and its imports, each once, a module's imports before the module.
    pub fn for_page(&self, path: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        self.visit("/ui/app.js", &mut seen, &mut out);
        if let Some((_, module)) = self.routes.iter().find(|(re, _)| re.is_match(path)) {
            self.visit(module, &mut seen, &mut out);
        }
        out
    }

    fn visit(&self, url: &str, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        if !self.imports.contains_key(url) || !seen.insert(url.to_string()) {
            return;
        }
        for dep in &self.imports[url] {
            self.visit(dep, seen, out);
        }
        out.push(url.to_string());
    }
}

/// `spec` imported by the module at `from`, as a URL path; `None` for anything but a path.
fn resolve(from: &str, spec: &str) -> Option<String> {
    if spec.starts_with('/') {
        return Some(spec.to_string());
    }
    if !spec.starts_with("./") && !spec.starts_with("../") {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the importing file's name
    for seg in spec.split('/') {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: &str = "export const ROUTES = [\n  [/^\\/$/, 'overview', 'Overview'],\n  \
        [/^\\/runs\\/([^/]+)$/, 'run', 'RunDetail'],\n  [/^\\/runs\\/?$/, 'runs', 'Runs'],\n];\n";

    fn modules() -> Modules {
        Modules::new([
            ("/ui/pages.js".to_string(), PAGES),
            (
                "/ui/app.js".to_string(),
                "import { html } from './lib.js';\nimport { ROUTES } from './pages.js';\n",
            ),
            (
                "/ui/lib.js".to_string(),
                "export {\n  html,\n} from '/assets/vendor/x.js';\n",
            ),
            ("/assets/vendor/x.js".to_string(), "export const html = 1;"),
            (
                "/ui/views/run.js".to_string(),
                "import { html } from '../lib.js';\nimport {\n  Logs,\n} from './logs.js';\n\
                 // not an import: from './nothing.js'\nconst later = () => import('./graph.js');\n",
            ),
            (
                "/ui/views/logs.js".to_string(),
                "import '../lib.js';\n",
            ),
            ("/ui/views/graph.js".to_string(), ""),
        ])
    }

    #[test]
    fn a_page_gets_the_frame_then_its_route_module_with_its_static_imports() {
        let m = modules();
        let frame = [
            "/assets/vendor/x.js",
            "/ui/lib.js",
            "/ui/pages.js",
            "/ui/app.js",
        ];
        assert_eq!(
            m.for_page("/runs/abc"),
            [&frame[..], &["/ui/views/logs.js", "/ui/views/run.js"]].concat()
        );
        // `/runs` is not `/runs/<id>`; no module of that name is there: the frame alone.
        assert_eq!(m.for_page("/runs"), frame);
        assert_eq!(m.for_page("/nowhere"), frame);
    }

    #[test]
    fn imports_resolve_against_the_importing_module() {
        assert_eq!(
            resolve("/ui/views/run.js", "../api.js").as_deref(),
            Some("/ui/api.js")
        );
        assert_eq!(
            resolve("/ui/views/run.js", "./logs.js").as_deref(),
            Some("/ui/views/logs.js")
        );
        assert_eq!(
            resolve("/ui/lib.js", "/assets/a.js").as_deref(),
            Some("/assets/a.js")
        );
        assert_eq!(resolve("/ui/lib.js", "preact"), None);
    }
}
