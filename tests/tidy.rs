//! Code-shape rules, checked as a test: every source file opens with a `//!` doc, only `store/` touches
//! rusqlite, the pure layers import nothing from the edges, and files stay small.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
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

#[test]
fn only_the_store_uses_sqlite() {
    let offenders: Vec<String> = all_sources()
        .into_iter()
        .filter(|(p, text)| !p.starts_with("src/store/") && text.contains("rusqlite"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        offenders.is_empty(),
        "rusqlite outside src/store/: {offenders:?}"
    );
}

#[test]
fn layers_only_depend_downwards() {
    let rules: &[(&str, &[&str])] = &[
        (
            "src/domain/",
            &[
                "crate::store",
                "crate::services",
                "crate::api",
                "crate::wire",
                "crate::app",
                "tokio",
                "axum",
            ],
        ),
        (
            "src/store/",
            &[
                "crate::services",
                "crate::api",
                "crate::wire",
                "crate::app",
                "axum",
            ],
        ),
        (
            "src/services/",
            &["crate::api", "crate::wire", "crate::app", "axum"],
        ),
        ("src/wire/", &["crate::"]),
        ("src/worker/", &["crate::store", "crate::api", "crate::app"]),
    ];
    let mut bad = Vec::new();
    for (path, text) in all_sources() {
        for (prefix, banned) in rules {
            if path.starts_with(prefix) {
                for b in *banned {
                    if text.contains(b) {
                        bad.push(format!("{path} uses {b}"));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "layering violations: {bad:?}");
}

#[test]
fn files_stay_small() {
    let long: Vec<String> = all_sources()
        .into_iter()
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
