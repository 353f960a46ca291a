//! One server among several on a PostgreSQL database. The background loops (scheduler, late runs, reaper,
//! triggers, retention) run only on the server that leads; another takes over when it goes. What another
//! server stores reaches this one's subscribers (event streams, the dashboard, workers waiting for a
//! cancellation) and wakes its loops and workers. On SQLite the one server always leads and hears nothing.

use super::Services;
use std::future::Future;
use std::sync::Arc;

/// Runs the loop `make` builds while this server leads: it is dropped when leading ends, and built again
/// when it starts again. Returns when the server stops.
pub async fn while_leading<F, Fut>(services: Arc<Services>, make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut leading = services.store.leadership();
    loop {
        while !*leading.borrow_and_update() {
            tokio::select! {
                changed = leading.changed() => if changed.is_err() { return },
                _ = services.stop.cancelled() => return,
            }
        }
        let lost = async {
            loop {
                if leading.changed().await.is_err() {
                    // Nothing can change it any more (SQLite): lead for good.
                    std::future::pending::<()>().await;
                }
                if !*leading.borrow_and_update() {
                    return;
                }
            }
        };
        tokio::select! {
            _ = make() => return,
            _ = lost => tracing::warn!("this server no longer leads: its background loops stop"),
            _ = services.stop.cancelled() => return,
        }
    }
}

/// Passes what the other servers announce to this server's bus and wakes its loops and workers, until the
/// server stops. Does nothing on SQLite.
pub async fn follow(services: Arc<Services>) {
    let Some(mut announced) = services.store.take_announcements() else {
        return;
    };
    let origin = services.store.origin().unwrap_or_default().to_string();
    loop {
        let payload = tokio::select! {
            p = announced.recv() => match p {
                Some(p) => p,
                None => return,
            },
            _ = services.stop.cancelled() => return,
        };
        if let Some(text) = payload {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if v["o"].as_str() == Some(origin.as_str()) {
                continue;
            }
            if let Some(ids) = v["logs"].as_array() {
                let ids: Vec<String> = ids
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect();
                match services
                    .store
                    .read(move |tx| crate::store::logs::by_ids(tx, &ids))
                    .await
                {
                    Ok(lines) if !lines.is_empty() => services.bus.publish_logs(lines),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read log lines another server stored")
                    }
                }
                continue;
            }
            let Some(id) = v["id"].as_str().map(str::to_string) else {
                continue;
            };
            match services
                .store
                .read(move |tx| crate::store::events::get(tx, &id))
                .await
            {
                Ok(Some(e)) => services.bus.publish([e]),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read an event another server stored"),
            }
        }
        wake_all(&services);
    }
}

/// Wakes everything that waits for a change this server did not make.
fn wake_all(s: &Services) {
    s.wake_workers();
    s.scheduler_wake.notify_one();
    s.late_wake.notify_one();
    s.automation_epoch
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    s.trigger_wake.notify_one();
}
