//! Server settings resolved from flags and the environment: where the data lives and where to listen.

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
}

impl ServeConfig {
    /// Serve `home` on `addr` with an in-process worker for the `default` pool.
    pub fn new(addr: SocketAddr, home: PathBuf) -> ServeConfig {
        ServeConfig {
            addr,
            home,
            worker_pools: vec!["default".into()],
            worker_limit: 8,
        }
    }
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

/// The database file inside a data dir.
pub fn database_path(home: &std::path::Path) -> PathBuf {
    home.join("baton.db")
}
