//! What several servers on one PostgreSQL database share besides the tables: which one leads (runs the
//! background loops), held as a session advisory lock, and what each announces to the others (the events it
//! stored), carried by LISTEN/NOTIFY. Each runs on a thread and session of its own.

use crate::store::sql::PgConn;
use postgres::fallible_iterator::FallibleIterator;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The advisory lock the leader holds ("baton-ld").
const LEADER_LOCK: i64 = 0x6261_746f_6e2d_6c64;

/// The channel events are announced on.
pub const CHANNEL: &str = "baton_events";

/// How often a follower tries to lead, and the leader checks its session.
const EVERY: Duration = Duration::from_millis(1000);

fn pause(stop: &AtomicBool) {
    for _ in 0..10 {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(EVERY / 10);
    }
}

fn session(cfg: &postgres::Config) -> Option<postgres::Client> {
    let mut cfg = cfg.clone();
    // A server that vanished without closing its socket is noticed by its peers within seconds.
    cfg.keepalives(true)
        .keepalives_idle(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5));
    cfg.connect(postgres::NoTls).ok()
}

/// Keeps trying to lead until `stop`; `lead` says whether this server leads now. Leading ends the moment its
/// session fails (another server may take the lock then), and starts again once the lock is won back.
pub fn lead(cfg: &postgres::Config, lead: &watch::Sender<bool>, stop: &AtomicBool) {
    let mut client: Option<postgres::Client> = None;
    while !stop.load(Ordering::Relaxed) {
        let held = *lead.borrow();
        let c = match client.as_mut() {
            Some(c) => c,
            None => match session(cfg) {
                Some(c) => client.insert(c),
                None => {
                    lead.send_if_modified(|l| std::mem::replace(l, false));
                    pause(stop);
                    continue;
                }
            },
        };
        let ok = if held {
            c.simple_query("SELECT 1").map(|_| true)
        } else {
            c.query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])
                .map(|r| r.get::<_, bool>(0))
        };
        match ok {
            Ok(now) => {
                lead.send_if_modified(|l| std::mem::replace(l, now) != now);
            }
            Err(e) => {
                tracing::warn!(error = %e, "lost the database session that holds leadership");
                client = None;
                lead.send_if_modified(|l| std::mem::replace(l, false));
            }
        }
        pause(stop);
    }
}

/// Listens for what other servers announce and passes each payload on, until `stop` or the receiver is
/// gone. After a lost session it listens again and passes on `None` (something may have been missed).
pub fn listen(
    cfg: &postgres::Config,
    out: &mpsc::UnboundedSender<Option<String>>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) && !out.is_closed() {
        let Some(mut c) = session(cfg) else {
            pause(stop);
            continue;
        };
        if c.batch_execute(&format!("LISTEN {CHANNEL}")).is_err() {
            pause(stop);
            continue;
        }
        let _ = out.send(None);
        loop {
            if stop.load(Ordering::Relaxed) || out.is_closed() {
                return;
            }
            let next = {
                let mut n = c.notifications();
                let mut it = n.timeout_iter(Duration::from_millis(500));
                it.next()
            };
            match next {
                Ok(Some(msg)) => {
                    let _ = out.send(Some(msg.payload().to_string()));
                }
                Ok(None) => {
                    if c.is_closed() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
}

/// Log lines per announcement: NOTIFY payloads must stay under 8,000 bytes.
pub const LOG_IDS_PER_NOTICE: usize = 150;

/// Announces (on commit) what this transaction stored to the other servers: `{"o": origin, …what}`.
pub fn announce(conn: &PgConn, what: serde_json::Value) -> crate::store::sql::Result<()> {
    let payload = notice(conn, what);
    conn.execute(&format!("SELECT pg_notify('{CHANNEL}', ?1)"), &[&payload])?;
    Ok(())
}

/// The payload that announces `what` from this server.
pub fn notice(conn: &PgConn, mut what: serde_json::Value) -> String {
    what["o"] = conn.origin().into();
    what.to_string()
}

/// A thread that ends with the store.
pub fn spawn(
    name: &str,
    stop: Arc<AtomicBool>,
    f: impl FnOnce(&AtomicBool) + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || f(&stop))
}
