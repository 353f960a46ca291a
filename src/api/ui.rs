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
    if let Some(why) = unsafe_path(path) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"detail": format!("Invalid dashboard path: {why}")})),
        )
            .into_response();
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

/// Why a request path may not be served (checked on the raw and the percent-decoded path, so `%2e%2e`
/// and `..%2f` are caught as well as `..`), or `None` when it is a plain path.
fn unsafe_path(raw: &str) -> Option<&'static str> {
    let Some(decoded) = percent_decode(raw) else {
        return Some("malformed percent-encoding");
    };
    for p in [raw, decoded.as_str()] {
        if p.split('/').any(|seg| seg == ".." || seg == ".") {
            return Some("'..' and '.' segments are not allowed");
        }
        if p.contains('\\') || p.chars().any(char::is_control) {
            return Some("backslashes and control characters are not allowed");
        }
        if p.contains('%') && p != raw {
            return Some("doubly percent-encoded paths are not allowed");
        }
    }
    None
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8 or an escape is malformed.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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

    #[test]
    fn index_and_modules_are_embedded() {
        assert!(Ui::get("index.html").is_some());
        assert!(Ui::get("app.js").is_some());
    }
}
