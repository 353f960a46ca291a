//! Tests of the dashboard's files and page (`ui.rs`).

use super::*;

/// Every vendored file listed in `assets/VENDOR.md` is there, unedited (its sha256 matches).
#[test]
fn vendored_files_match_their_recorded_hashes() {
    let table = include_str!("../../assets/VENDOR.md");
    let mut checked = 0;
    for line in table.lines().filter(|l| l.starts_with("| `vendor/")) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        let (file, want) = (cells[1], cells[4]);
        let got = Assets::get(file).unwrap_or_else(|| panic!("{file} is listed but missing"));
        let hex: String = got
            .metadata
            .sha256_hash()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, want, "{file} differs from the published file");
        checked += 1;
    }
    assert_eq!(checked, 3, "VENDOR.md lists three files");
}

#[test]
fn traversal_is_refused_in_every_encoding() {
    for p in [
        "ui/../Cargo.toml",
        "ui/%2e%2e/Cargo.toml",
        "ui/%2E%2E%2FCargo.toml",
        "ui/..%2fCargo.toml",
        "assets/%252e%252e/x",
        "ui/..\\x",
        "ui/%5c..",
        "ui/%00",
        "ui/%zz",
    ] {
        assert!(unsafe_path(p).is_some(), "{p} should be refused");
    }
    assert_eq!(unsafe_path("ui/app.js"), None);
    assert_eq!(unsafe_path("runs/some%20name"), None);
}

async fn get(path: &str, gzip: bool) -> Response {
    let mut headers = HeaderMap::new();
    if gzip {
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br"),
        );
    }
    serve(path.parse().unwrap(), headers).await
}

async fn body(r: Response) -> Vec<u8> {
    axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn the_page_names_every_file_by_its_content_and_allows_only_its_own_import_map() {
    let r = get("/runs", false).await;
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    let html = String::from_utf8(body(r).await).unwrap();
    let app = short_hash(&Ui::get("app.js").unwrap());
    assert!(
        html.contains(&format!("src=\"/ui/app.js?v={app}\"")),
        "{html}"
    );
    let map = html
        .split("<script type=\"importmap\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("an import map");
    let map: serde_json::Value = serde_json::from_str(map).unwrap();
    let api = short_hash(&Ui::get("api.js").unwrap());
    assert_eq!(map["imports"]["/ui/api.js"], format!("/ui/api.js?v={api}"));
    let digest = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        Sha256::digest(map.to_string().as_bytes()),
    );
    assert!(csp.contains(&format!("'sha256-{digest}'")), "{csp}");
}

#[tokio::test]
async fn a_versioned_file_is_kept_for_good_and_sent_gzipped_to_who_takes_it() {
    let plain = body(get("/ui/api.js", false).await).await;
    let hash = short_hash(&Ui::get("api.js").unwrap());
    let r = get(&format!("/ui/api.js?v={hash}"), true).await;
    let h = r.headers().clone();
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert!(h[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(h[header::ETAG], format!("\"{hash}-gz\"").as_str());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&body(r).await[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain);
    // Another version's URL, or none, is revalidated.
    let r = get("/ui/api.js?v=0000", false).await;
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
}

/// The page hints the frame's modules and its own route's, with their imports, after the import map.
#[tokio::test]
async fn a_page_preloads_the_modules_of_its_route_and_no_others() {
    let run = String::from_utf8(
        body(get("/runs/0193f7c2-5c2e-7000-8000-000000000000", false).await).await,
    )
    .unwrap();
    let v = |name: &str| format!("/ui/{name}?v={}", short_hash(&Ui::get(name).unwrap()));
    let preloads = |html: &str| -> Vec<String> {
        html.split("<link rel=\"modulepreload\" href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(String::from))
            .collect()
    };
    let hinted = preloads(&run);
    for module in [
        "app.js",
        "pages.js",
        "api.js",
        "views/shell.js",
        "views/run.js",
        "views/logs.js",
        "views/param-editors.js",
    ] {
        assert!(
            hinted.contains(&v(module)),
            "{module} not hinted: {hinted:?}"
        );
    }
    assert!(
        !hinted.contains(&v("views/runs.js")) && !hinted.contains(&v("views/overview.js")),
        "{hinted:?}"
    );
    assert!(run.find("type=\"importmap\"").unwrap() < run.find("rel=\"modulepreload\"").unwrap());
    // Every route of pages.js is read: the overview and a flow's page get their modules.
    let overview = preloads(&String::from_utf8(body(get("/", false).await).await).unwrap());
    assert!(overview.contains(&v("views/overview.js")), "{overview:?}");
    let flow = preloads(&String::from_utf8(body(get("/flows/x", false).await).await).unwrap());
    assert!(
        flow.contains(&v("views/flows.js")) && flow.contains(&v("views/runs.js")),
        "{flow:?}"
    );
}

#[test]
fn index_and_modules_are_embedded() {
    assert!(Ui::get("index.html").is_some());
    assert!(Ui::get("app.js").is_some());
}
