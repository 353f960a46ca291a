//! Concurrency limit use cases: global limits by id or name (Prefect's v2 API), tag limits (its v1 API,
//! which are the global limits named `tag:<tag>`), and who holds and waits for their slots.

use super::{Result, ServiceError, Services};
use crate::domain::concurrency_limit::{self as rules, Limit, LimitPatch};
use crate::domain::lease::{Holder, Lease};
use crate::domain::Ts;
use crate::store::{concurrency_leases as leases, concurrency_limits as limits, Tx};
use uuid::Uuid;

/// Which limit: by id, or by name.
#[derive(Clone, Debug)]
pub enum LimitRef {
    Id(Uuid),
    Name(String),
}

impl LimitRef {
    /// Prefect's `{id_or_name}`: a UUID is an id, anything else a name.
    pub fn parse(s: &str) -> LimitRef {
        s.parse()
            .map(LimitRef::Id)
            .unwrap_or_else(|_| LimitRef::Name(s.to_string()))
    }
}

/// A new limit's fields.
#[derive(Clone, Debug)]
pub struct NewLimit {
    pub name: String,
    pub limit: i64,
    pub active: bool,
    pub active_slots: i64,
    pub denied_slots: i64,
    pub slot_decay_per_second: f64,
}

/// A lease holding slots, with what Baton knows of its holder.
#[derive(Clone, Debug)]
pub struct HeldBy {
    pub lease: Lease,
    /// The flow run of the holder (the run itself, or a task run's run).
    pub flow_run_id: Option<Uuid>,
    pub holder_name: Option<String>,
}

/// A limit with its holders and waiters: (slots, since, holder) per waiter.
#[derive(Clone, Debug)]
pub struct LimitUse {
    pub limit: Limit,
    pub holders: Vec<HeldBy>,
    pub waiters: Vec<(i64, Ts, Option<Holder>)>,
}

pub(super) fn find(tx: &Tx, which: &LimitRef, now: Ts) -> crate::store::Result<Option<Limit>> {
    match which {
        LimitRef::Id(id) => limits::get(tx, *id, now),
        LimitRef::Name(n) => limits::by_name(tx, n, now),
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Concurrency Limit not found".into())
}

impl Services {
    /// Creates a limit; 409 when the name is taken.
    pub async fn create_limit(&self, new: NewLimit) -> Result<Limit> {
        rules::check_name(&new.name).map_err(ServiceError::Invalid)?;
        rules::check_counts(
            new.limit,
            new.active_slots,
            new.denied_slots,
            new.slot_decay_per_second,
        )
        .map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let l = Limit {
            active: new.active,
            active_slots: new.active_slots,
            denied_slots: new.denied_slots,
            slot_decay_per_second: new.slot_decay_per_second,
            ..Limit::new(new.name, new.limit, now)
        };
        let stored = l.clone();
        self.store
            .write(move |tx| limits::insert(tx, &stored))
            .await?;
        Ok(l)
    }

    /// One limit, as of now.
    pub async fn limit(&self, which: LimitRef) -> Result<Limit> {
        let now = self.clock.now();
        self.store
            .read(move |tx| find(tx, &which, now))
            .await?
            .ok_or_else(not_found)
    }

    /// A page of limits by name; with `prefix`, only the names that start with it.
    pub async fn limits_page(
        &self,
        prefix: Option<&'static str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Limit>> {
        if !(0..=200).contains(&limit) {
            return Err(ServiceError::Invalid(
                "Invalid limit: must be less than or equal to 200.".into(),
            ));
        }
        if offset < 0 {
            return Err(ServiceError::Invalid(format!(
                "offset: must be 0 or more (got {offset})"
            )));
        }
        let now = self.clock.now();
        Ok(self
            .store
            .read(move |tx| limits::page(tx, prefix, offset, limit, now))
            .await?)
    }

    /// Changes the given fields of a limit; waiters get the slots a larger limit frees.
    pub async fn update_limit(&self, which: LimitRef, patch: LimitPatch) -> Result<Limit> {
        patch.check().map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let updated = self
            .store
            .write(move |tx| {
                let Some(mut l) = find(tx, &which, now)? else {
                    return Ok(None);
                };
                l.apply(patch, now);
                limits::update(tx, &l)?;
                Ok(Some(l))
            })
            .await?
            .ok_or_else(not_found)?;
        self.slot_waiters.freed.notify_one();
        Ok(updated)
    }

    /// Deletes a limit; leases keep holding slots of their other limits.
    pub async fn delete_limit(&self, which: LimitRef) -> Result<Limit> {
        let now = self.clock.now();
        let gone = self
            .store
            .write(move |tx| {
                let Some(l) = find(tx, &which, now)? else {
                    return Ok(None);
                };
                limits::delete(tx, l.id)?;
                Ok(Some(l))
            })
            .await?
            .ok_or_else(not_found)?;
        self.slot_waiters.freed.notify_one();
        Ok(gone)
    }

    /// Frees every slot of any limit: its leases are released and its count zeroed.
    pub async fn reset_limit(&self, which: LimitRef) -> Result<Limit> {
        let now = self.clock.now();
        let l = self
            .store
            .write(move |tx| {
                let Some(mut l) = find(tx, &which, now)? else {
                    return Ok(None);
                };
                for lease in leases::of_limit(tx, l.id, now)? {
                    leases::release(tx, lease.id, now)?;
                }
                l.active_slots = 0;
                l.leased = 0;
                l.updated = now;
                limits::update(tx, &l)?;
                Ok(Some(l))
            })
            .await?
            .ok_or_else(not_found)?;
        self.slot_waiters.freed.notify_one();
        Ok(l)
    }

    /// The own limits of these deployments (those that have one), by deployment id.
    pub async fn deployment_limits(
        &self,
        ids: Vec<Uuid>,
    ) -> Result<std::collections::HashMap<Uuid, Limit>> {
        let now = self.clock.now();
        Ok(self
            .store
            .read(move |tx| {
                let mut out = std::collections::HashMap::new();
                for id in ids {
                    if let Some(l) = limits::by_name(tx, &limits::deployment_limit_name(id), now)? {
                        out.insert(id, l);
                    }
                }
                Ok(out)
            })
            .await?)
    }

    /// Every limit (hidden deployment limits included) with its holders and waiters.
    pub async fn limit_uses(&self) -> Result<Vec<LimitUse>> {
        let now = self.clock.now();
        let all = self
            .store
            .read(move |tx| {
                let mut out = Vec::new();
                for l in limits::page(tx, None, 0, i64::MAX, now)? {
                    let mut holders = Vec::new();
                    for lease in leases::of_limit(tx, l.id, now)? {
                        let (flow_run_id, holder_name) = leases::holder_names(tx, lease.holder)?;
                        holders.push(HeldBy {
                            lease,
                            flow_run_id,
                            holder_name,
                        });
                    }
                    out.push((l, holders));
                }
                Ok(out)
            })
            .await?;
        let line = self.slot_waiters.lock();
        Ok(all
            .into_iter()
            .map(|(limit, holders)| LimitUse {
                waiters: line.waiting_for(limit.id, now),
                limit,
                holders,
            })
            .collect())
    }
}
