//! The slot loop: serves the line of clients waiting for concurrency slots whenever slots may have been
//! freed (a release, a run that ended, a changed limit), when a rate limit has drained or a lease expires,
//! and sweeps expired leases out of the store (recording how long they held their slots).

use super::leases::{refusal, take_in, Hold, Taken};
use super::{Result, Services};
use crate::domain::concurrency_limit::Refusal;
use crate::domain::Ts;
use crate::store::{concurrency_leases as leases, concurrency_limits as limits};
use std::sync::Arc;
use std::time::Duration;

/// How often expired leases are swept out of the store.
pub const SWEEP_EVERY: Duration = Duration::from_secs(15);
/// The most leases one sweep removes.
const SWEEP_BATCH: i64 = 500;

fn earliest(a: Option<Ts>, b: Option<Ts>) -> Option<Ts> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Services {
    /// Grants, in order, what the waiting line can have now; the next time it may get more by itself (a
    /// rate limit drains, a lease expires, a parked place runs out).
    pub async fn serve_slot_line(&self) -> Result<Option<Ts>> {
        if self.slot_waiters.lock().is_empty() {
            return Ok(None);
        }
        let now = self.clock.now();
        let waiters = self.slot_waiters.clone();
        let (grants, wake) = self
            .store
            .write(move |tx| {
                // The database's slot lock before the waiting line's (the order every slot path keeps).
                limits::serialize(tx)?;
                let mut line = waiters.lock();
                let (grants, blocked) = line.serve(now, |t| {
                    let found = limits::by_names(tx, &t.fingerprint.names, now)?;
                    let hold = Hold {
                        lease: t.lease,
                        holder: t.fingerprint.holder,
                    };
                    let (slots, mode) = (t.fingerprint.slots, t.fingerprint.mode);
                    Ok::<_, crate::store::StoreError>(
                        match take_in(tx, found, slots, mode, hold, now)? {
                            Ok(taken) => Some(Ok(taken)),
                            Err(Refusal::Full { .. }) => None,
                            Err(r) => Some(Err(refusal(r).to_string())),
                        },
                    )
                })?;
                let mut wake = line.next_parking_end();
                drop(line);
                if !blocked.is_empty() {
                    for l in limits::by_ids(tx, &blocked, now)? {
                        if l.slot_decay_per_second > 0.0 {
                            wake = earliest(wake, l.drained_for(1, now).filter(|t| *t > now));
                        }
                    }
                    wake = earliest(wake, leases::next_expiry(tx, now)?);
                }
                Ok((grants, wake))
            })
            .await?;
        for (to, granted) in grants {
            if let Err(Ok(taken)) = to.send(granted) {
                // The client left between the grant and now: give the slots back.
                self.undo_take(taken).await?;
            }
        }
        Ok(wake)
    }

    async fn undo_take(&self, taken: Taken) -> Result<()> {
        match taken.lease {
            Some(l) => self.release_lease(l.id).await,
            None => {
                let names = taken.limits.into_iter().map(|l| l.name).collect();
                self.give_back_slots(names, taken.slots, None)
                    .await
                    .map(|_| ())
            }
        }
    }

    /// Removes expired leases (their slots were already free); how many.
    pub async fn sweep_leases(&self) -> Result<usize> {
        let now = self.clock.now();
        Ok(self
            .store
            .write(move |tx| {
                let gone = leases::expired(tx, now, SWEEP_BATCH)?;
                for l in &gone {
                    leases::release(tx, l.id, now)?;
                }
                Ok(gone.len())
            })
            .await?)
    }
}

/// Runs the slot loop until the server stops.
pub async fn run(services: Arc<Services>) {
    let mut next_sweep = services.clock.now();
    // Runs and task runs that end free their slots inside their own transactions: their events wake the
    // line.
    let mut events = services.bus.subscribe();
    loop {
        let wake = match services.serve_slot_line().await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "serving the concurrency slot line failed");
                None
            }
        };
        if services.clock.now() >= next_sweep {
            if let Err(e) = services.sweep_leases().await {
                tracing::warn!(error = %e, "sweeping expired leases failed");
            }
            next_sweep =
                services.clock.now() + chrono::Duration::from_std(SWEEP_EVERY).unwrap_or_default();
        }
        let until = earliest(wake, Some(next_sweep)).unwrap_or(next_sweep);
        let sleep = (until - services.clock.now())
            .to_std()
            .unwrap_or_default()
            .min(SWEEP_EVERY);
        tokio::select! {
            _ = services.stop.cancelled() => return,
            _ = services.slot_waiters.freed.notified() => {}
            got = events.recv() => {
                if matches!(got, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
                while events.try_recv().is_ok() {}
            }
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}
