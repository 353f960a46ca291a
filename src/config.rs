//! Settings resolved from flags and the environment: where the data lives, where to listen, how long data is
//! kept, the workers' fallback Python, and the basic-auth credentials the server requires and its clients
//! send. A leaf beside `domain`: the edges and the composition root read it; it imports only domain types.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings for `baton serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    pub home: PathBuf,
    /// Pools served by the in-process worker (none: no worker).
    pub worker_pools: Vec<String>,
    /// Concurrent runs per in-process worker.
    pub worker_limit: usize,
    /// HTTP basic auth required on every route (`user:pass`); none = open.
    pub auth: Option<String>,
    /// How long finished runs, logs and events are kept.
    pub retention: crate::domain::retention::RetentionPolicy,
    /// The in-process worker's `--python` / `BATON_PYTHON`.
    pub python: Option<String>,
    /// The key block data is sealed with (`--secrets-key-file` / `BATON_SECRETS_KEY_FILE`); none: the
    /// file `secrets.key` in the data dir.
    pub secrets_key_file: Option<PathBuf>,
    /// A PostgreSQL URL (`--database` / `BATON_DATABASE_URL` / `PREFECT_API_DATABASE_CONNECTION_URL`);
    /// none: the SQLite file in the data dir.
    pub database: Option<String>,
}

impl ServeConfig {
    /// The key file block data is sealed with.
    pub fn secrets_key(&self) -> PathBuf {
        self.secrets_key_file
            .clone()
            .unwrap_or_else(|| self.home.join("secrets.key"))
    }
}

impl ServeConfig {
    /// Serve `home` on `addr` with an in-process worker for the `default` pool.
    pub fn new(addr: SocketAddr, home: PathBuf) -> ServeConfig {
        ServeConfig {
            addr,
            home,
            worker_pools: vec!["default".into()],
            worker_limit: 8,
            auth: None,
            retention: Default::default(),
            python: None,
            secrets_key_file: None,
            database: None,
        }
    }
}

/// The key file block data is sealed with, for a data dir: `BATON_SECRETS_KEY_FILE`, else `secrets.key`
/// in the data dir (what `baton serve` uses without `--secrets-key-file`).
pub fn secrets_key_path(home: &std::path::Path) -> PathBuf {
    std::env::var_os("BATON_SECRETS_KEY_FILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join("secrets.key"))
}

/// The data dir: `--home`, else `BATON_HOME`, else the platform data dir (`~/.local/share/baton` on Linux).
pub fn resolve_home(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(h) = flag {
        return Ok(h);
    }
    if let Some(h) = std::env::var_os("BATON_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    directories::ProjectDirs::from("dev", "baton", "baton")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "cannot find a home directory for Baton's data; pass --home DIR or set BATON_HOME"
            )
        })
}

/// The database URL from Prefect's setting, when it names PostgreSQL (a Prefect SQLite URL is ignored: Baton
/// keeps its own file in the data dir).
pub fn prefect_database_url() -> Option<String> {
    std::env::var("PREFECT_API_DATABASE_CONNECTION_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// The database file inside a data dir.
pub fn database_path(home: &std::path::Path) -> PathBuf {
    home.join("baton.db")
}

/// The server's auth string: `--auth` / `BATON_AUTH_STRING`, else `PREFECT_SERVER_API_AUTH_STRING`.
pub fn server_auth(flag: Option<String>) -> Option<String> {
    flag.or_else(|| std::env::var("PREFECT_SERVER_API_AUTH_STRING").ok())
        .filter(|s| !s.is_empty())
}

/// The credentials Baton's clients (CLI, remote worker) send: `BATON_AUTH_STRING`, else
/// `PREFECT_API_AUTH_STRING`.
pub fn client_auth() -> Option<String> {
    ["BATON_AUTH_STRING", "PREFECT_API_AUTH_STRING"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|s| !s.is_empty()))
}

/// The `Authorization` header value for an auth string (`Basic base64(user:pass)`).
pub fn basic_header(auth: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(auth)
    )
}

/// Default headers for a reqwest client: the basic-auth credentials, when there are some.
pub fn auth_headers(auth: Option<&str>) -> anyhow::Result<reqwest::header::HeaderMap> {
    let mut h = reqwest::header::HeaderMap::new();
    if let Some(a) = auth {
        let mut v = reqwest::header::HeaderValue::from_str(&basic_header(a))?;
        v.set_sensitive(true);
        h.insert(reqwest::header::AUTHORIZATION, v);
    }
    Ok(h)
}
