//! Code-shape rules, checked as a test: every source file opens with a `//!` doc, each top-level module of
//! `src/` imports only the modules its place in the data flow allows (`ALLOWED_IMPORTS`), layer crates
//! (rusqlite, axum) stay in their layer, and files stay small.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("node_modules") {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The Rust files under `dir` of the crate, with their paths relative to it.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join(dir), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn all_sources() -> Vec<(String, String)> {
    rust_files("src")
}

#[test]
fn every_module_opens_with_a_doc_comment() {
    let missing: Vec<String> = all_sources()
        .into_iter()
        .filter(|(_, text)| !text.trim_start().starts_with("//!"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc: {missing:?}"
    );
}

/// The crate modules each top-level module of `src/` may import besides itself, from the data flow
/// api / cli / worker → services → domain + store (ARCHITECTURE.md, "Invariants worth keeping"). Every
/// top-level module has an entry; a new one needs its own.
#[rustfmt::skip]
const ALLOWED_IMPORTS: &[(&str, &[&str])] = &[
    // Pure types and rules: nothing of the crate.
    ("domain", &[]),
    // SQLite, the only SQL: returns domain types.
    ("store", &["domain"]),
    // Use cases: the only caller of the store.
    ("services", &["domain", "store"]),
    // Leaves: Prefect's JSON shapes and versions (api, cli, worker), terminal output (cli, maintenance),
    // the data dir's lock.
    ("wire", &[]),
    ("output", &[]),
    ("home", &[]),
    // Settings from flags and the environment.
    ("config", &["domain"]),
    // The HTTP edge: one service call per handler, wire JSON ⇄ domain.
    ("api", &["domain", "services", "wire"]),
    // Execution: services in `baton serve`, HTTP in `baton worker start`; never the store.
    ("worker", &["config", "domain", "services", "wire"]),
    // An HTTP client: never the store, services, the API's handlers or the database file. It runs one flow
    // run in the foreground through the worker's code and its HTTP transport.
    ("cli", &["config", "domain", "output", "wire", "worker"]),
    // `baton db`, `backup`, `restore`: the database file, not the API.
    ("maintenance", &["config", "domain", "home", "output", "store"]),
    // The composition root of `baton serve`.
    ("app", &["api", "config", "domain", "home", "services", "store", "worker"]),
    // The binary: parses the command line and hands each command to app, cli, maintenance or worker.
    ("main", &["app", "cli", "config", "domain", "maintenance", "output", "worker"]),
    // The module list.
    ("lib", &[]),
];

/// The top-level module a source file belongs to: `src/cli/flow.rs` → `cli`, `src/main.rs` → `main`.
fn top_module(path: &str) -> &str {
    let rest = path.strip_prefix("src/").unwrap();
    let first = rest.split('/').next().unwrap();
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The crate's top-level modules that `text` names, each with its line: `crate::x…` (`baton::x…` in the
/// binary), and each `x` of a group `crate::{x::…, y}`.
fn crate_imports(text: &str, root: &str) -> Vec<(usize, String)> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in text.match_indices(root) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let line = text[..at].matches('\n').count() + 1;
        let rest = &text[at + root.len()..];
        let names = match rest.strip_prefix('{') {
            None => vec![ident(rest)],
            Some(group) => {
                let (mut depth, mut items, mut item) = (0, Vec::new(), String::new());
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                        _ => {}
                    }
                    item.push(c);
                }
                items.push(item);
                items
                    .iter()
                    .map(|i| ident(i.trim_start_matches(',')))
                    .collect()
            }
        };
        for n in names.into_iter().filter(|n| !n.is_empty() && n != "self") {
            found.push((line, n));
        }
    }
    found
}

#[test]
fn every_top_level_module_has_import_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    modules.sort();
    let ruled: Vec<&str> = ALLOWED_IMPORTS.iter().map(|(m, _)| *m).collect();
    let unruled: Vec<&String> = modules
        .iter()
        .filter(|m| !ruled.contains(&m.as_str()))
        .collect();
    assert!(
        unruled.is_empty(),
        "top-level modules of src/ without an entry in ALLOWED_IMPORTS (tests/tidy.rs): {unruled:?}"
    );
    let stale: Vec<&&str> = ruled
        .iter()
        .filter(|m| !modules.iter().any(|x| x == *m))
        .collect();
    assert!(
        stale.is_empty(),
        "ALLOWED_IMPORTS names modules src/ lacks: {stale:?}"
    );
}

#[test]
fn modules_import_only_what_the_data_flow_allows() {
    let mut bad = Vec::new();
    for (path, text) in all_sources() {
        let module = top_module(&path);
        let Some((_, allowed)) = ALLOWED_IMPORTS.iter().find(|(m, _)| *m == module) else {
            continue; // every_top_level_module_has_import_rules reports it
        };
        let root = if path == "src/main.rs" {
            "baton::"
        } else {
            "crate::"
        };
        for (line, used) in crate_imports(&text, root) {
            if used != module && !allowed.contains(&used.as_str()) {
                bad.push(format!(
                    "{path}:{line}: `{module}` imports `{root}{used}` (it may import only {allowed:?})"
                ));
            }
        }
        // `super::` that climbs out of the top-level module would hide an import from the check above.
        let depth = path.matches('/').count() - usize::from(path.ends_with("/mod.rs"));
        let file_level = text.lines().take_while(|l| {
            !(l.split_whitespace().any(|w| w == "mod") && l.trim_end().ends_with('{'))
        });
        for (i, l) in file_level.enumerate() {
            if l.contains(&"super::".repeat(depth)) {
                bad.push(format!(
                    "{path}:{}: `super::` climbs to the crate root; write `crate::…`",
                    i + 1
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the data flow (see ALLOWED_IMPORTS in tests/tidy.rs):\n{}",
        bad.join("\n")
    );
}

/// External crates that belong to one layer, and the top-level modules that may use them.
const CRATE_OWNERS: &[(&str, &[&str])] = &[("rusqlite", &["store"]), ("axum", &["api", "app"])];

#[test]
fn layer_crates_stay_in_their_layer() {
    let mut bad = Vec::new();
    for (path, text) in all_sources() {
        let module = top_module(&path);
        for (krate, owners) in CRATE_OWNERS {
            if !owners.contains(&module) && text.contains(krate) {
                bad.push(format!("{path} uses {krate} (only {owners:?} may)"));
            }
        }
        if module == "domain" && text.contains("tokio") {
            bad.push(format!(
                "{path} uses tokio (domain is pure and synchronous)"
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "crates outside their layer:\n{}",
        bad.join("\n")
    );
}

/// Source and test files alike.
#[test]
fn files_stay_small() {
    let long: Vec<String> = all_sources()
        .into_iter()
        .chain(rust_files("tests"))
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(p, text)| format!("{p}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn no_stubs_in_source() {
    let stubs: Vec<String> = all_sources()
        .into_iter()
        .filter(|(_, text)| text.contains("todo!(") || text.contains("unimplemented!("))
        .map(|(p, _)| p)
        .collect();
    assert!(stubs.is_empty(), "stubs in {stubs:?}");
}

/// The state names and types Baton's rules read or write are spelled once, in `src/domain/state.rs`
/// (`StateType` and `state::name`); everywhere else they are named, never written as literals (a state name
/// is free text in Prefect, so the names with a meaning are constants, not an enum). Test code (after
/// `#[cfg(test)]`, and `*_tests.rs`) may spell them.
#[test]
fn state_names_are_spelled_only_in_the_domain() {
    let all = all_sources();
    let state = &all
        .iter()
        .find(|(p, _)| p == "src/domain/state.rs")
        .unwrap()
        .1;
    // Every `pub const X: &str = "Name";` of `state::name`, and every type's `"SCHEDULED"`-style name.
    // A type's default name is also an everyday word ("Paused" a schedule): those are left out.
    let words = [
        "Scheduled",
        "Pending",
        "Running",
        "Completed",
        "Failed",
        "Cancelled",
        "Crashed",
        "Paused",
        "Cancelling",
    ];
    let mut spelled: Vec<String> = state
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| l.split('"').nth(1))
        .filter(|s| !words.contains(s))
        .map(|s| format!("\"{s}\""))
        .collect();
    spelled.extend(
        [
            "SCHEDULED",
            "PENDING",
            "RUNNING",
            "COMPLETED",
            "FAILED",
            "CANCELLED",
            "CRASHED",
        ]
        .iter()
        .map(|s| format!("\"{s}\"")),
    );
    assert!(
        spelled.contains(&"\"AwaitingRetry\"".to_string()),
        "{spelled:?}"
    );
    let mut bad = Vec::new();
    for (path, text) in &all {
        // The terminal's colour per state type is a leaf without the domain.
        if path == "src/domain/state.rs" || path.ends_with("_tests.rs") || path == "src/output.rs" {
            continue;
        }
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for s in &spelled {
                if line.contains(s.as_str()) {
                    bad.push(format!("{path}:{}: {s}", n + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "state names spelled outside src/domain/state.rs (use StateType or state::name):\n{}",
        bad.join("\n")
    );
}
