//! The composition root: open the store, build the services, bind, serve, and shut down in order
//! (stop accepting, let in-flight requests finish, stop long-lived tasks, close the database).

use crate::config::{database_path, ServeConfig};
use crate::services::replicas::while_leading;
use crate::services::{clock::Clock, Services};
use crate::store::Store;
use anyhow::Context;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long shutdown waits for open connections before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What the process sets up before anything opens a database: SQLite's page cache layer
/// ([`crate::store::page_cache`]), which SQLite accepts only before its first use. `false` when it came
/// too late (the default cache stays).
///
/// # Safety
/// As [`crate::store::page_cache::install`]: no other thread may be using SQLite meanwhile (call it first
/// in `main`).
pub unsafe fn prepare_process() -> bool {
    crate::store::page_cache::install()
}

/// Opens (creating when needed) the data dir at `home` and writes synthetic history into it.
pub async fn seed(
    home: &std::path::Path,
    runs: usize,
    logs: usize,
    days: i64,
) -> anyhow::Result<crate::services::seed::SeedReport> {
    std::fs::create_dir_all(home)
        .with_context(|| format!("cannot create the data dir {}", home.display()))?;
    let db = database_path(home);
    let store = Store::open(&db)
        .await
        .with_context(|| format!("cannot open the database {}", db.display()))?;
    let services = Services::new(store, Clock::System);
    services.ensure_default_pool().await?;
    let report = services.seed_history(runs, logs, days).await?;
    services.store.close().await?;
    Ok(report)
}

/// A built server: the store is open and the listener bound, nothing is served yet.
pub struct App {
    listener: TcpListener,
    _lock: crate::home::HomeLock,
    services: Arc<Services>,
    config: ServeConfig,
}

impl App {
    /// Creates the data dir, opens (and migrates) the database, and binds the listener.
    pub async fn build(config: ServeConfig) -> anyhow::Result<App> {
        std::fs::create_dir_all(&config.home)
            .with_context(|| format!("cannot create the data dir {}", config.home.display()))?;
        check_writable(&config.home)?;
        let lock = crate::home::lock(&config.home).map_err(|e| match e {
            crate::home::LockError::InUse(h) => anyhow::anyhow!(
                "another Baton server is already serving the data dir {} (stop it, or use --home)",
                h.display()
            ),
            other => other.into(),
        })?;
        let db = database_path(&config.home);
        let store = match &config.database {
            Some(url) => Store::open_target(url)
                .await
                .context("cannot open the PostgreSQL database")?,
            None => Store::open(&db)
                .await
                .with_context(|| format!("cannot open the database {}", db.display()))?,
        };
        let key = config.secrets_key();
        let cipher = crate::services::cipher::Cipher::load_or_create(&key)?;
        let services = Arc::new(Services::new(store, Clock::System).with_cipher(cipher));
        let _ = services
            .settings
            .set(settings_document(&config, &services.store.describe()));
        services
            .restore_task_queue()
            .await
            .context("queueing the background task runs that wait for task workers")?;
        // Servers starting together on one PostgreSQL database race to create these: a loser finds the
        // winner's rows when it tries again.
        seed_retrying(|| services.ensure_default_pool())
            .await
            .context("creating the default work pool")?;
        seed_retrying(|| services.install_system_block_types())
            .await
            .context("installing the system block types")?;
        let listener = TcpListener::bind(config.addr).await.with_context(|| {
            format!(
                "cannot listen on {} (is another server using it? try --port)",
                config.addr
            )
        })?;
        Ok(App {
            listener,
            _lock: lock,
            services,
            config,
        })
    }

    /// The bound address (useful with port 0).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| ([127, 0, 0, 1], 0).into())
    }

    /// Serves until `shutdown` resolves, then stops in order and closes the database.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let App {
            listener,
            _lock,
            services,
            config,
        } = self;
        let home = config.home.clone();
        let addr = listener.local_addr()?;
        println!(
            "Baton API http://{addr}/api · dashboard http://{addr}/ · data {}",
            home.display()
        );
        tracing::info!(%addr, data = %home.display(), "Baton is serving");
        let loops = tokio_util::task::TaskTracker::new();
        // With several servers on one PostgreSQL database, these run on the one that leads.
        let s = services.clone();
        loops.spawn(while_leading(s.clone(), move || {
            crate::services::scheduler::run(s.clone())
        }));
        let s = services.clone();
        loops.spawn(while_leading(s.clone(), move || {
            crate::services::late_runs::run(s.clone())
        }));
        let s = services.clone();
        loops.spawn(while_leading(s.clone(), move || {
            crate::services::reaper::run(s.clone())
        }));
        let s = services.clone();
        loops.spawn(while_leading(s.clone(), move || {
            crate::services::trigger_loop::run(s.clone())
        }));
        let (s, keep) = (services.clone(), config.retention);
        loops.spawn(while_leading(s.clone(), move || {
            crate::services::retention::run(s.clone(), keep)
        }));
        // Every server serves its own slot waiters, and hears what the others store.
        loops.spawn(crate::services::slot_loop::run(services.clone()));
        loops.spawn(crate::services::replicas::follow(services.clone()));
        loops.spawn(crate::services::trim_memory(services.clone()));
        let mut child_addr = addr;
        if child_addr.ip().is_unspecified() {
            child_addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        for pool in &config.worker_pools {
            // Servers sharing a database each name their worker apart (a worker reaps only its own runs).
            let name = if services.store.is_postgres() {
                format!("baton-serve-{pool}-{}", replica_name(addr))
            } else {
                format!("baton-serve-{pool}")
            };
            crate::worker::local::reap_orphans(&services, &name).await;
            let transport = Arc::new(crate::worker::local::Local::new(
                services.clone(),
                pool.clone(),
                Vec::new(),
                name.clone(),
            ));
            let cfg = crate::worker::WorkerConfig {
                name,
                pool: pool.clone(),
                queues: Vec::new(),
                limit: config.worker_limit,
                api_url: format!("http://{child_addr}/api"),
                base_dir: std::env::current_dir().unwrap_or_default(),
                cancel_grace: Duration::from_secs(5),
                heartbeat_every: Duration::from_secs(30),
                auth: config.auth.clone(),
                python: config.python.clone(),
            };
            if let Err(e) = services.ensure_pool(pool).await {
                tracing::warn!(%pool, error = %e, "cannot serve this pool");
                continue;
            }
            loops.spawn(crate::worker::run(transport, cfg, services.stop.clone()));
        }
        loops.close();
        let stop = services.stop.clone();
        if let Some(w) = exposure_warning(addr, config.auth.is_some()) {
            eprintln!("{w}");
            tracing::warn!(%addr, "serving a non-loopback address without --auth");
        }
        let app =
            crate::api::metrics::instrument(crate::api::router(services.clone()), services.clone());
        let app = crate::api::auth::protect(app, config.auth.clone());
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            stop.cancel();
        });
        let stopped = services.stop.clone();
        tokio::select! {
            r = server => r.context("the HTTP server failed")?,
            _ = async { stopped.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
                tracing::warn!("connections still open after the grace period; closing anyway");
            }
        }
        services.stop.cancel();
        if tokio::time::timeout(SHUTDOWN_GRACE, loops.wait())
            .await
            .is_err()
        {
            tracing::warn!("background loops did not stop in time");
        }
        match Arc::try_unwrap(services) {
            Ok(services) => services.store.close().await.context("closing the database")?,
            Err(_) => tracing::warn!("requests still hold the database at exit; SQLite will recover the WAL at next start"),
        }
        tracing::info!("Baton stopped");
        Ok(())
    }
}

/// The warning printed when the server is reachable beyond this machine and nobody needs credentials.
pub fn exposure_warning(addr: std::net::SocketAddr, has_auth: bool) -> Option<String> {
    (!has_auth && !addr.ip().is_loopback()).then(|| {
        format!(
            "warning: Baton is listening on {addr}, beyond this machine, with no authentication: anyone who \
             can reach it can run commands here. Use --auth user:pass (or BATON_AUTH_STRING)."
        )
    })
}

/// Fails with a clear message when the data dir cannot be written (SQLite would only say "unable to open
/// database file").
fn check_writable(home: &std::path::Path) -> anyhow::Result<()> {
    let probe = home.join(".baton-write-check");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| {
            format!(
                "the data dir {} is not writable (Baton keeps its database there; fix its permissions or \
                 choose another with --home or BATON_HOME)",
                home.display()
            )
        })
}

/// Runs `baton serve` until `shutdown` resolves.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    App::build(config).await?.run(shutdown).await
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Runs a start-up step that creates rows if absent, again (up to three times) when it lost a race with
/// another server creating the same rows.
async fn seed_retrying<T, F, Fut>(step: F) -> crate::services::Result<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = crate::services::Result<T>>,
{
    let mut tries = 0;
    loop {
        match step().await {
            Err(e) if tries < 2 => {
                tries += 1;
                tracing::debug!(error = %e, "a start-up step lost a race with another server; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            other => return other,
        }
    }
}

/// A server's name among the servers sharing its database: the host and port, stable across restarts so a
/// restarted server finds the runs its worker left.
fn replica_name(addr: std::net::SocketAddr) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!("{host}-{}", addr.port())
}

/// The settings document of a server: where it keeps its data, where it listens, how long it keeps
/// things. Secrets are masked as Prefect masks them.
fn settings_document(c: &ServeConfig, database: &str) -> serde_json::Value {
    let driver = if c.database.is_some() {
        "postgresql+asyncpg"
    } else {
        "sqlite"
    };
    let url = format!("http://{}/api", c.addr);
    serde_json::json!({
        "home": c.home,
        "debug_mode": false,
        "api": {"url": url, "auth_string": c.auth.as_ref().map(|_| "**********"), "key": null},
        "results": {"persist_by_default": false, "default_storage_block": null},
        "server": {
            "api": {
                "host": c.addr.ip().to_string(),
                "port": c.addr.port(),
                "auth_string": c.auth.as_ref().map(|_| "**********"),
                "default_limit": crate::domain::filter::MAX_LIMIT,
                "csrf_protection_enabled": false,
            },
            "database": {"driver": driver, "name": database, "connection_url": "**********"},
            "events": {"retention_period": format!("P{}D", c.retention.event_days)},
            "logs": {"retention_period": format!("P{}D", c.retention.log_days)},
            "flow_runs": {"retention_period": format!("P{}D", c.retention.flow_run_days)},
            "worker": {"pools": c.worker_pools, "limit": c.worker_limit},
        },
        "ui_url": format!("http://{}", c.addr),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn warns_only_when_exposed_without_auth() {
        let any: std::net::SocketAddr = "0.0.0.0:4200".parse().unwrap();
        let lo: std::net::SocketAddr = "127.0.0.1:4200".parse().unwrap();
        let lo6: std::net::SocketAddr = "[::1]:4200".parse().unwrap();
        assert!(super::exposure_warning(any, false)
            .unwrap()
            .contains("--auth"));
        assert!(super::exposure_warning(any, true).is_none());
        assert!(super::exposure_warning(lo, false).is_none());
        assert!(super::exposure_warning(lo6, false).is_none());
    }
}
