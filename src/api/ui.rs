//! The dashboard's files, embedded in the binary (release builds; debug builds read them from disk so an
//! edit shows on refresh): `ui/` is served under `/ui/`, the vendored libraries of `assets/` under
//! `/assets/`, and every other page path gets `ui/index.html`, whose router draws the page. Text files are
//! sent gzipped (compressed once each); the page names every file by its content hash, so browsers keep
//! files until they change and revalidate only the page.

use super::ui_modules::Modules;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use flate2::write::GzEncoder;
use flate2::Compression;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex};

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
        return page(uri.path(), &headers);
    };
    let Some(f) = file else {
        return not_found();
    };
    let hash = short_hash(&f);
    // A URL that names the file's content (`?v=<hash>`, as the page's import map writes it) never changes.
    let forever = uri
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == format!("v={hash}")));
    respond(
        f.data,
        f.metadata.mimetype(),
        &hash,
        forever,
        CSP.into(),
        &headers,
    )
}

/// The dashboard's page: `index.html` with every file's URL carrying its content hash, and an import map
/// that does the same for the modules' imports of each other, so a browser keeps each file until it changes
/// (still no build step: the map is made from the embedded files). Then a `modulepreload` for each module
/// the page at `path` runs before it draws (`ui_modules`): all are asked for at once, not one level of
/// imports per round trip, and no others (preloading every module made the browser compile all of them).
fn page(path: &str, headers: &HeaderMap) -> Response {
    let Some(index) = Ui::get("index.html") else {
        return not_found();
    };
    let mut files: Vec<(String, String)> = Vec::new();
    for name in Ui::iter().filter(|n| n != "index.html") {
        if let Some(f) = Ui::get(&name) {
            files.push((format!("/ui/{name}"), short_hash(&f)));
        }
    }
    for name in Assets::iter() {
        if let Some(f) = Assets::get(&name) {
            files.push((format!("/assets/{name}"), short_hash(&f)));
        }
    }
    let mut html = String::from_utf8_lossy(&index.data).into_owned();
    for (url, hash) in &files {
        html = html.replace(&format!("\"{url}\""), &format!("\"{url}?v={hash}\""));
    }
    let versioned: HashMap<&str, &str> = files
        .iter()
        .map(|(u, h)| (u.as_str(), h.as_str()))
        .collect();
    let imports: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .filter(|(url, _)| url.ends_with(".js"))
        .map(|(url, hash)| (url.clone(), format!("{url}?v={hash}").into()))
        .collect();
    let map = serde_json::json!({ "imports": imports }).to_string();
    let hints: String = modules(&files)
        .for_page(path)
        .iter()
        .filter_map(|url| versioned.get(url.as_str()).map(|h| (url, h)))
        .map(|(url, h)| format!("\n  <link rel=\"modulepreload\" href=\"{url}?v={h}\">"))
        .collect();
    // The map comes before the hints: a module load started before an import map ignores the map.
    let head = format!("<script type=\"importmap\">{map}</script>{hints}");
    html = if html.contains(MODULES_MARK) {
        html.replacen(MODULES_MARK, &head, 1)
    } else {
        html.replacen("<script", &format!("{head}\n  <script"), 1)
    };
    // The inline map is allowed by its hash; every other script still comes only from the server.
    let digest = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        Sha256::digest(map.as_bytes()),
    );
    let csp = CSP.replacen(
        "script-src 'self'",
        &format!("script-src 'self' 'sha256-{digest}'"),
        1,
    );
    let hash = hex(&Sha256::digest(html.as_bytes())[..8]);
    respond(
        Cow::Owned(html.into_bytes()),
        "text/html",
        &hash,
        false,
        csp,
        headers,
    )
}

/// Where `index.html` wants the import map and the module hints.
const MODULES_MARK: &str = "<!-- modules -->";

/// The modules' imports and the routes, read once per set of files (a debug build's files change on disk).
fn modules(files: &[(String, String)]) -> Arc<Modules> {
    /// The files' hashes, and what was read from those files.
    type Cached = Option<(String, Arc<Modules>)>;
    static CACHE: LazyLock<Mutex<Cached>> = LazyLock::new(Default::default);
    let key: String = files.iter().map(|(_, h)| h.as_str()).collect();
    if let Ok(cache) = CACHE.lock() {
        if let Some((k, m)) = cache.as_ref() {
            if *k == key {
                return m.clone();
            }
        }
    }
    let sources: Vec<(String, Cow<'static, [u8]>)> = files
        .iter()
        .filter(|(url, _)| url.ends_with(".js"))
        .filter_map(|(url, _)| {
            let f = match url.strip_prefix("/ui/") {
                Some(rest) => Ui::get(rest),
                None => Assets::get(url.strip_prefix("/assets/")?),
            }?;
            Some((url.clone(), f.data))
        })
        .collect();
    let m = Arc::new(Modules::new(sources.iter().map(|(url, data)| {
        (url.clone(), std::str::from_utf8(data).unwrap_or(""))
    })));
    if let Ok(mut cache) = CACHE.lock() {
        *cache = Some((key, m.clone()));
    }
    m
}

fn short_hash(f: &rust_embed::EmbeddedFile) -> String {
    hex(&f.metadata.sha256_hash()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Text files this large or larger are sent gzipped to a browser that takes it.
const GZIP_FROM: usize = 512;

/// Gzipped copies of the files, by content hash: each file is compressed once.
static GZIPPED: LazyLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = LazyLock::new(Default::default);

fn gzipped(hash: &str, data: &[u8]) -> Option<Arc<Vec<u8>>> {
    if let Some(z) = GZIPPED.lock().ok()?.get(hash) {
        return Some(z.clone());
    }
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(data).ok()?;
    let z = Arc::new(enc.finish().ok()?);
    let mut cache = GZIPPED.lock().ok()?;
    if cache.len() > 512 {
        cache.clear(); // debug builds read edited files from disk: old versions pile up
    }
    cache.insert(hash.to_string(), z.clone());
    Some(z)
}

fn respond(
    data: Cow<'static, [u8]>,
    mimetype: &str,
    hash: &str,
    forever: bool,
    csp: String,
    headers: &HeaderMap,
) -> Response {
    let textual = mimetype.starts_with("text/")
        || mimetype.contains("javascript")
        || mimetype.contains("json")
        || mimetype.contains("svg");
    let takes_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let zipped = (textual && takes_gzip && data.len() >= GZIP_FROM)
        .then(|| gzipped(hash, &data))
        .flatten();
    // Each representation has its own tag.
    let etag = match zipped {
        Some(_) => format!("\"{hash}-gz\""),
        None => format!("\"{hash}\""),
    };
    let mut out = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = match &zipped {
            Some(z) => z.as_ref().clone().into_response(),
            None => data.into_owned().into_response(),
        };
        if let Ok(v) = HeaderValue::from_str(mimetype) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let h = out.headers_mut();
    if zipped.is_some() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if textual {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if forever {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
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
#[path = "ui_tests.rs"]
mod tests;
