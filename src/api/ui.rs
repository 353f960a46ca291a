//! The dashboard's files, embedded in the binary (release builds; debug builds read them from disk so an
//! edit shows on refresh): `ui/` is served under `/ui/`, the vendored libraries of `assets/` under
//! `/assets/`, and every other page path gets `ui/index.html`, whose router draws the page.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "ui/"]
struct Ui;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Serves a dashboard file or page for any path outside `/api`.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.split('/').any(|seg| seg == ".." || seg == ".") || path.contains('\\') {
        return not_found();
    }
    let file = if let Some(rest) = path.strip_prefix("ui/") {
        Ui::get(rest)
    } else if let Some(rest) = path.strip_prefix("assets/") {
        Assets::get(rest)
    } else if path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        // A missing file (favicon.ico, a mistyped script): not a page.
        None
    } else {
        Ui::get("index.html")
    };
    match file {
        Some(f) => respond(f, &headers),
        None => not_found(),
    }
}

fn respond(file: rust_embed::EmbeddedFile, headers: &HeaderMap) -> Response {
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let mut out = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = file.data.into_owned().into_response();
        if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let h = out.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"detail": "Not Found"})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
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
    fn index_and_modules_are_embedded() {
        assert!(Ui::get("index.html").is_some());
        assert!(Ui::get("app.js").is_some());
    }
}
