//! Concurrency slots: take slots of named limits (under a lease the holder renews, or counted on the
//! limit), give them back, renew and release leases. A client refused slots waits in the server's line
//! ([`slot_waiters`](super::slot_waiters)) and gets them, in the order it asked, as soon as they are free.
//!
//! Slots held by a lease count only while the lease is alive, so a holder that dies frees its slots when
//! its lease expires without anyone cleaning up; a run that ends, is cancelled or deleted frees its own and
//! its task runs' leases at once. The slot loop ([`run_slot_loop`]) serves the line when slots are freed,
//! when a rate limit has drained or a lease expires, and sweeps expired leases.

use super::slot_waiters::{Fingerprint, HOLD};
use super::{Result, ServiceError, Services};
use crate::domain::concurrency_limit::{self as rules, Limit, Refusal};
use crate::domain::lease::{self, Holder, Lease, SlotMode, SlotRequest};
use crate::domain::Ts;
use crate::store::{concurrency_leases as leases, concurrency_limits as limits, Tx};
use uuid::Uuid;

/// What a granted request got: the lease (when one was asked for) and every limit found by name.
#[derive(Clone, Debug)]
pub struct Taken {
    pub lease: Option<Lease>,
    pub limits: Vec<Limit>,
    /// Slots taken of each active limit.
    pub slots: i64,
}

/// How a slot request should hold its slots.
#[derive(Clone, Copy, Debug)]
pub struct Hold {
    /// Under a lease of this length; `None`: counted on the limits.
    pub lease: Option<chrono::Duration>,
    pub holder: Option<Holder>,
}

/// The line's grants: a taken request, or the error that ended its wait.
pub type Granted = std::result::Result<Taken, String>;

/// Why slots were not given.
#[derive(Debug)]
pub enum SlotError {
    /// Not now: try again after `retry_after` seconds (`None`: never, the limit is 0).
    Locked {
        detail: String,
        retry_after: Option<f64>,
    },
    Other(ServiceError),
}

impl From<ServiceError> for SlotError {
    fn from(e: ServiceError) -> Self {
        SlotError::Other(e)
    }
}

impl From<crate::store::StoreError> for SlotError {
    fn from(e: crate::store::StoreError) -> Self {
        SlotError::Other(e.into())
    }
}

pub(super) fn refusal(r: Refusal) -> ServiceError {
    match r {
        Refusal::OverLimit => {
            ServiceError::Invalid("Slots requested is greater than the limit".into())
        }
        Refusal::NoDecay(names) => ServiceError::Invalid(format!(
            "Only concurrency limits with slot decay can be used for rate limiting. The following limits do \
             not have a decay configured: {}",
            names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(",")
        )),
        Refusal::Full { .. } => ServiceError::Conflict("The limit is full".into()),
    }
}

/// Takes the request's slots of `found` in `tx` (writing the limits and the lease), or says why not.
pub(super) fn take_in(
    tx: &Tx,
    mut found: Vec<Limit>,
    slots: i64,
    mode: SlotMode,
    hold: Hold,
    now: Ts,
) -> crate::store::Result<std::result::Result<Taken, Refusal>> {
    let rate = mode == SlotMode::RateLimit;
    if let Err(r) = rules::take(&mut found, slots, rate, hold.lease.is_some(), now) {
        return Ok(Err(r));
    }
    for l in found.iter().filter(|l| l.active) {
        limits::update(tx, l)?;
    }
    let lease = match hold.lease {
        None => None,
        Some(length) => {
            let l = Lease {
                id: Uuid::now_v7(),
                limits: found.iter().map(|l| l.id).collect(),
                slots,
                holder: hold.holder,
                created: now,
                expires: now + length,
            };
            leases::insert(tx, &l)?;
            Some(l)
        }
    };
    Ok(Ok(Taken {
        lease,
        limits: found,
        slots,
    }))
}

/// The wait suggested to a request that waited its full hold: come back at once, the place is kept.
const COME_BACK_SECONDS: f64 = 0.05;

enum First {
    Done(Taken),
    Wait(u64, tokio::sync::oneshot::Receiver<Granted>),
}

impl Services {
    /// Takes `req.slots` of every limit named in `req`, all or none, waiting in line for them (at most
    /// [`HOLD`] per call). Names without a limit are skipped; inactive limits are listed but not counted.
    pub async fn take_slots(
        &self,
        req: &SlotRequest,
        hold: Hold,
    ) -> std::result::Result<Taken, SlotError> {
        req.check().map_err(ServiceError::Invalid)?;
        let fingerprint = Fingerprint::new(&req.names, req.slots, req.mode, hold.holder);
        let (names, slots, mode) = (req.names.clone(), req.slots, req.mode);
        let waiters = self.slot_waiters.clone();
        let now = self.clock.now();
        let fp = fingerprint;
        let first = self
            .store
            .write(move |tx| {
                let found = limits::by_names(tx, &names, now)?;
                rules::check(&found, slots, mode == SlotMode::RateLimit)
                    .map_err(|r| crate::store::StoreError::Invalid(refusal(r).to_string()))?;
                let ids: Vec<Uuid> = found.iter().filter(|l| l.active).map(|l| l.id).collect();
                let mut line = waiters.lock();
                if !line.blocks(&ids, &fp, now) && rules::fits(&found, slots, now) {
                    line.leave(&fp, now);
                    drop(line);
                    return match take_in(tx, found, slots, mode, hold, now)? {
                        Ok(t) => Ok(First::Done(t)),
                        Err(r) => Err(crate::store::StoreError::Invalid(refusal(r).to_string())),
                    };
                }
                let (send, recv) = tokio::sync::oneshot::channel();
                let id = line.join(fp, ids, hold.lease, send, now);
                Ok(First::Wait(id, recv))
            })
            .await
            .map_err(ServiceError::from)?;
        let (id, recv) = match first {
            First::Done(t) => return Ok(t),
            First::Wait(id, recv) => (id, recv),
        };
        self.slot_waiters.freed.notify_one();
        let mut recv = recv;
        let granted = match tokio::time::timeout(HOLD, &mut recv).await {
            Ok(g) => g,
            Err(_) => {
                let parked = self.slot_waiters.lock().park(id, self.clock.now());
                if parked {
                    return Err(SlotError::Locked {
                        detail: "Locked".into(),
                        retry_after: Some(COME_BACK_SECONDS),
                    });
                }
                recv.await
            }
        };
        match granted {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(e)) => Err(ServiceError::Invalid(e).into()),
            Err(_) => Err(ServiceError::Store(crate::store::StoreError::Invalid(
                "the wait for slots was interrupted".into(),
            ))
            .into()),
        }
    }

    /// Gives back `slots` taken without a lease of every limit named; `held_seconds` moves the limits'
    /// average occupancy. The limits found.
    pub async fn give_back_slots(
        &self,
        names: Vec<String>,
        slots: i64,
        held_seconds: Option<f64>,
    ) -> Result<Vec<Limit>> {
        if slots < 1 {
            return Err(ServiceError::Invalid(format!(
                "slots: must be greater than 0 (got {slots})"
            )));
        }
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| {
                let mut found = limits::by_names(tx, &names, now)?;
                rules::give_back(&mut found, slots, held_seconds, now);
                for l in found.iter().filter(|l| l.active) {
                    limits::update(tx, l)?;
                }
                Ok(found)
            })
            .await?;
        self.slot_waiters.freed.notify_one();
        Ok(found)
    }

    /// Extends a lease by `seconds` from now. An expired lease comes back only if its slots are still
    /// free (no one waits for them and they fit); otherwise `Gone`.
    pub async fn renew_lease(&self, id: Uuid, seconds: Option<f64>) -> Result<()> {
        let length = lease::lease_duration(seconds).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let waiters = self.slot_waiters.clone();
        let renewed = self
            .store
            .write(move |tx| {
                let Some(l) = leases::get(tx, id)? else {
                    return Ok(false);
                };
                if !l.is_alive(now) {
                    let found = limits::by_ids(tx, &l.limits, now)?;
                    let ids: Vec<Uuid> = found.iter().filter(|l| l.active).map(|l| l.id).collect();
                    let nobody = Fingerprint::new(&[], 0, SlotMode::Concurrency, None);
                    if waiters.lock().blocks(&ids, &nobody, now)
                        || !rules::fits(&found, l.slots, now)
                    {
                        leases::delete(tx, id)?;
                        return Ok(false);
                    }
                }
                leases::set_expiry(tx, id, now + length)?;
                Ok(true)
            })
            .await?;
        if !renewed {
            return Err(ServiceError::Gone(
                "Lease not found - it may have expired or been revoked".into(),
            ));
        }
        Ok(())
    }

    /// Releases a lease and its slots; releasing an unknown or released lease is not an error.
    pub async fn release_lease(&self, id: Uuid) -> Result<()> {
        let now = self.clock.now();
        self.store
            .write(move |tx| leases::release(tx, id, now).map(|_| ()))
            .await?;
        self.slot_waiters.freed.notify_one();
        Ok(())
    }
}
