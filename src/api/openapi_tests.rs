//! The OpenAPI document matches the router: every `.route(...)` of the route table (and of the route
//! lists it merges) is documented with each of its methods, and nothing else is.

use super::*;
use std::collections::BTreeSet;

/// The files holding `.route(...)` calls that `api::router` mounts under `/api`.
const ROUTER_SOURCES: &[(&str, &str)] = &[
    ("mod.rs", include_str!("mod.rs")),
    ("variables.rs", include_str!("variables.rs")),
    ("artifacts.rs", include_str!("artifacts.rs")),
    ("catchup.rs", include_str!("catchup.rs")),
    ("concurrency_v1.rs", include_str!("concurrency_v1.rs")),
    ("concurrency_v2.rs", include_str!("concurrency_v2.rs")),
    ("concurrency_view.rs", include_str!("concurrency_view.rs")),
    ("work_queues.rs", include_str!("work_queues.rs")),
    ("blocks.rs", include_str!("blocks.rs")),
    ("block_documents.rs", include_str!("block_documents.rs")),
    ("automations.rs", include_str!("automations.rs")),
    ("events_api.rs", include_str!("events_api.rs")),
    ("run_inputs.rs", include_str!("run_inputs.rs")),
    ("bulk.rs", include_str!("bulk.rs")),
    ("saved_searches.rs", include_str!("saved_searches.rs")),
    ("task_workers.rs", include_str!("task_workers.rs")),
    ("graph.rs", include_str!("graph.rs")),
    ("paginate.rs", include_str!("paginate.rs")),
    ("ui_ops.rs", include_str!("ui_ops.rs")),
    ("read_ops.rs", include_str!("read_ops.rs")),
];

const METHODS: &[(&str, &str)] = &[
    ("get", "get"),
    ("g", "get"),
    ("post", "post"),
    ("patch", "patch"),
    ("put", "put"),
    ("delete", "delete"),
];

/// `(method, path)` of every `.route("path", method(h).method(h)...)` call in `src`.
fn routes_in(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("balanced .route( call");
        let call = &rest[..end];
        let path = call.split('"').nth(1).expect("a path literal").to_string();
        let after_path = call.split_once(',').expect("a method router").1;
        let mut ident = String::new();
        for c in after_path.chars() {
            if c.is_alphanumeric() || c == '_' {
                ident.push(c);
                continue;
            }
            if c == '(' {
                if let Some((_, m)) = METHODS.iter().find(|(name, _)| *name == ident) {
                    out.push((m.to_string(), path.clone()));
                }
            }
            ident.clear();
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let mut routed = BTreeSet::new();
    for (file, src) in ROUTER_SOURCES {
        let found = routes_in(src);
        assert!(!found.is_empty(), "no routes read from {file}");
        routed.extend(found);
    }
    let documented: BTreeSet<(String, String)> = operations()
        .map(|o| (o.method.to_string(), o.path.to_string()))
        .collect();
    assert_eq!(
        documented.len(),
        operations().count(),
        "an operation is listed twice"
    );
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in api/openapi_table.rs or openapi_pools.rs: {missing:?}"
    );
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
    assert!(
        routed.len() > 90,
        "the reader found {} routes",
        routed.len()
    );
}

/// The one operation whose handler's answer type cannot be named (an `impl IntoResponse`): the server-sent
/// event stream. Websockets answer a `Response` (the upgrade), which is described as no JSON body.
const STREAMS: &[&str] = &["/baton/live"];

/// Every other operation names its handler, so that its answer schema is derived from the handler's type.
#[test]
fn every_operation_derives_its_answer_from_its_handler() {
    let without: Vec<&str> = operations()
        .filter(|o| o.response.is_none())
        .map(|o| o.path)
        .collect();
    assert_eq!(without, STREAMS, "add .returns(answer(handler)) to these");
}

#[test]
fn every_schema_reference_resolves() {
    let doc = document();
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for piece in text.split("#/components/schemas/").skip(1) {
        let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(schemas.contains_key(&name), "no component {name}");
    }
    for o in operations() {
        let params = doc["paths"][o.path][o.method]["parameters"]
            .as_array()
            .unwrap();
        let braces = o.path.matches('{').count();
        assert_eq!(params.len(), braces + o.query.len(), "{}", o.path);
    }
}

/// `(method, path)` of every operation of an OpenAPI document, path parameters written `{}` (Baton and
/// Prefect name some of them differently).
fn operations_of(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let path: Vec<&str> = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
            .collect();
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((method.clone(), path.join("/")));
            }
        }
    }
    out
}

/// The most operations of Prefect 3.9.1 Baton served when this was last raised: coverage never goes back.
const SERVED_AT_LEAST: usize = 188;

/// Baton operations that are not operations of Prefect's document, on purpose: websockets (Prefect serves
/// them too, but FastAPI leaves websockets out of OpenAPI) and the document itself.
const NOT_IN_PREFECTS_DOCUMENT: &[(&str, &str)] = &[
    ("get", "/events/in"),
    ("get", "/events/out"),
    ("get", "/logs/out"),
    ("get", "/work_pools/{}/workers/connect"),
    ("get", "/task_runs/subscriptions/scheduled"),
    ("get", "/openapi.json"),
];

/// Whether Prefect's path template `theirs` covers Baton's path `ours` (a `{}` of theirs matches any
/// segment: Baton serves `/collections/views/aggregate-worker-metadata` of Prefect's `/collections/views/{}`).
fn covers(theirs: &str, ours: &str) -> bool {
    let (t, o): (Vec<&str>, Vec<&str>) = (theirs.split('/').collect(), ours.split('/').collect());
    t.len() == o.len() && t.iter().zip(&o).all(|(a, b)| a == b || *a == "{}")
}

/// Prefect 3.9.1's operations (tests/data, made by scripts/prefect-openapi.sh) against Baton's: prints the
/// coverage (scripts/test.sh shows it), and every Baton operation outside `/baton/` must be one of Prefect's.
#[test]
fn prefect_coverage() {
    let prefect: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/data/prefect-3.9.1-openapi.json"))
            .expect("the vendored Prefect document parses");
    let theirs = operations_of(&prefect);
    let ours = operations_of(&document());
    assert_eq!(theirs.len(), 188, "Prefect 3.9.1 has 188 operations");
    let served = theirs.intersection(&ours).count();
    let own: Vec<_> = ours
        .iter()
        .filter(|(m, p)| {
            !p.starts_with("/baton/")
                && !NOT_IN_PREFECTS_DOCUMENT.contains(&(m.as_str(), p.as_str()))
                && !theirs.iter().any(|(tm, tp)| tm == m && covers(tp, p))
        })
        .collect();
    println!("{served} of {} Prefect operations served", theirs.len());
    let missing: Vec<String> = theirs
        .difference(&ours)
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    println!("not served yet: {}", missing.join(", "));
    assert!(
        own.is_empty(),
        "operations outside /baton/ that Prefect does not have: {own:?}"
    );
    assert!(
        served >= SERVED_AT_LEAST,
        "coverage went back: {served} of 188 (was {SERVED_AT_LEAST})"
    );
}
