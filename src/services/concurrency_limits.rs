//! Concurrency limit use cases: global limits by id or name (Prefect's v2 API), tag limits (its v1 API,
//! which are the global limits named `tag:<tag>`), and who holds and waits for their slots.

use super::leases::{Hold, SlotError};
use super::{Result, ServiceError, Services};
use crate::domain::concurrency_limit::{
    self as rules, Limit, LimitPatch, INITIAL_OCCUPANCY_SECONDS, TAG_PREFIX,
};
use crate::domain::lease::{Holder, HolderKind, Lease, SlotMode, SlotRequest, MAX_LEASE_SECONDS};
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

/// The length of a tag-limit slot taken through Prefect's v1 API, whose clients never renew: a day, or
/// until the task run ends.
const V1_LEASE_SECONDS: f64 = MAX_LEASE_SECONDS;

fn find(tx: &Tx, which: &LimitRef, now: Ts) -> crate::store::Result<Option<Limit>> {
    match which {
        LimitRef::Id(id) => limits::get(tx, *id, now),
        LimitRef::Name(n) => limits::by_name(tx, n, now),
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Concurrency Limit not found".into())
}

fn tag_not_found() -> ServiceError {
    ServiceError::NotFound("Concurrency limit not found".into())
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
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            name: new.name,
            limit: new.limit,
            active: new.active,
            active_slots: new.active_slots,
            leased: 0,
            denied_slots: new.denied_slots,
            slot_decay_per_second: new.slot_decay_per_second,
            avg_slot_occupancy_seconds: INITIAL_OCCUPANCY_SECONDS,
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

    /// Creates the limit of a tag, or sets its size when it exists; `true` when it was created.
    pub async fn upsert_tag_limit(&self, tag: String, limit: i64) -> Result<(Limit, bool)> {
        let name = format!("{TAG_PREFIX}{tag}");
        if tag.is_empty() {
            return Err(ServiceError::Invalid("tag: must not be empty".into()));
        }
        rules::check_name(&name)
            .map_err(|e| ServiceError::Invalid(e.replacen("name", "tag", 1)))?;
        rules::check_counts(limit, 0, 0, 0.0)
            .map_err(|e| ServiceError::Invalid(e.replacen("limit", "concurrency_limit", 1)))?;
        let now = self.clock.now();
        let out = self
            .store
            .write(move |tx| {
                if let Some(mut l) = limits::by_name(tx, &name, now)? {
                    l.apply(
                        LimitPatch {
                            limit: Some(limit),
                            ..Default::default()
                        },
                        now,
                    );
                    limits::update(tx, &l)?;
                    return Ok((l, false));
                }
                let l = Limit {
                    id: Uuid::now_v7(),
                    created: now,
                    updated: now,
                    name,
                    limit,
                    active: true,
                    active_slots: 0,
                    leased: 0,
                    denied_slots: 0,
                    slot_decay_per_second: 0.0,
                    avg_slot_occupancy_seconds: INITIAL_OCCUPANCY_SECONDS,
                };
                limits::insert(tx, &l)?;
                Ok((l, true))
            })
            .await?;
        self.slot_waiters.freed.notify_one();
        Ok(out)
    }

    /// A tag limit (by id, or by its tag) with the task runs holding its slots.
    pub async fn tag_limit(&self, which: LimitRef) -> Result<(Limit, Vec<Uuid>)> {
        let which = match which {
            LimitRef::Name(tag) => LimitRef::Name(format!("{TAG_PREFIX}{tag}")),
            id => id,
        };
        let now = self.clock.now();
        self.store
            .read(move |tx| {
                let Some(l) = find(tx, &which, now)?.filter(Limit::is_tag) else {
                    return Ok(None);
                };
                let holders = task_run_holders(tx, l.id, now)?;
                Ok(Some((l, holders)))
            })
            .await?
            .ok_or_else(tag_not_found)
    }

    /// A page of tag limits by tag, each with the task runs holding its slots.
    pub async fn tag_limits(&self, offset: i64, limit: i64) -> Result<Vec<(Limit, Vec<Uuid>)>> {
        let page = self.limits_page(Some(TAG_PREFIX), offset, limit).await?;
        let now = self.clock.now();
        Ok(self
            .store
            .read(move |tx| {
                page.into_iter()
                    .map(|l| Ok((task_run_holders(tx, l.id, now)?, l)))
                    .map(|r: crate::store::Result<_>| r.map(|(h, l)| (l, h)))
                    .collect()
            })
            .await?)
    }

    /// Deletes a tag limit, by id or by tag (a v1 delete by id deletes any limit with that id, as
    /// Prefect's does).
    pub async fn delete_tag_limit(&self, which: LimitRef) -> Result<()> {
        let which = match which {
            LimitRef::Name(tag) => LimitRef::Name(format!("{TAG_PREFIX}{tag}")),
            id => id,
        };
        self.delete_limit(which).await.map_err(|e| match e {
            ServiceError::NotFound(_) => tag_not_found(),
            other => other,
        })?;
        Ok(())
    }

    /// Frees every slot of a tag limit (its leases are released, its count zeroed); with `slot_override`,
    /// those task runs then hold one slot each.
    pub async fn reset_tag_limit(
        &self,
        tag: String,
        slot_override: Option<Vec<Uuid>>,
    ) -> Result<()> {
        let name = format!("{TAG_PREFIX}{tag}");
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| {
                let Some(mut l) = limits::by_name(tx, &name, now)? else {
                    return Ok(false);
                };
                for lease in leases::of_limit(tx, l.id, now)? {
                    leases::release(tx, lease.id, now)?;
                }
                l.active_slots = 0;
                l.updated = now;
                limits::update(tx, &l)?;
                for task_run in slot_override.unwrap_or_default() {
                    leases::insert(tx, &v1_lease(l.id, task_run, now))?;
                }
                Ok(true)
            })
            .await?;
        if !found {
            return Err(tag_not_found());
        }
        self.slot_waiters.freed.notify_one();
        Ok(())
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

    /// Prefect's v1 increment: one slot of each tag's limit for a task run, waiting in line. A limit of 0
    /// is refused at once (423 without a wait: the task would never run).
    pub async fn take_tag_slots(
        &self,
        tags: Vec<String>,
        task_run_id: Uuid,
    ) -> std::result::Result<Vec<Limit>, SlotError> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<String> = tags.iter().map(|t| format!("{TAG_PREFIX}{t}")).collect();
        let now = self.clock.now();
        let lookup = names.clone();
        let found = self
            .store
            .read(move |tx| limits::by_names(tx, &lookup, now))
            .await
            .map_err(ServiceError::from)?;
        if let Some(zero) = found.iter().find(|l| l.active && l.limit == 0) {
            return Err(SlotError::Locked {
                detail: format!(
                    "The concurrency limit on tag \"{}\" is 0 and will deadlock if the task tries to run again.",
                    zero.tag().unwrap_or_default()
                ),
                retry_after: None,
            });
        }
        if !found.iter().any(|l| l.active) {
            return Ok(found);
        }
        let req = SlotRequest {
            names,
            slots: 1,
            mode: SlotMode::Concurrency,
        };
        let hold = Hold {
            lease: Some(
                crate::domain::lease::lease_duration(Some(V1_LEASE_SECONDS))
                    .map_err(ServiceError::Invalid)?,
            ),
            holder: Some(Holder {
                kind: HolderKind::TaskRun,
                id: task_run_id,
            }),
        };
        Ok(self.take_slots(&req, hold).await?.limits)
    }

    /// Prefect's v1 decrement: releases the task run's leases on these tags' limits; the limits found.
    pub async fn give_back_tag_slots(
        &self,
        tags: Vec<String>,
        task_run_id: Uuid,
    ) -> Result<Vec<Limit>> {
        let names: Vec<String> = tags.iter().map(|t| format!("{TAG_PREFIX}{t}")).collect();
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| {
                let found = limits::by_names(tx, &names, now)?;
                for lease in leases::of_holder(tx, task_run_id)? {
                    if lease
                        .limits
                        .iter()
                        .any(|id| found.iter().any(|l| l.id == *id))
                    {
                        leases::release(tx, lease.id, now)?;
                    }
                }
                Ok(found)
            })
            .await?;
        self.slot_waiters.freed.notify_one();
        Ok(found)
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

/// A v1 slot: one slot of `limit` held by `task_run` for a day or until the task run ends.
fn v1_lease(limit: Uuid, task_run: Uuid, now: Ts) -> Lease {
    let length = chrono::Duration::seconds(V1_LEASE_SECONDS as i64);
    Lease {
        id: Uuid::now_v7(),
        limits: vec![limit],
        slots: 1,
        holder: Some(Holder {
            kind: HolderKind::TaskRun,
            id: task_run,
        }),
        created: now,
        expires: now + length,
    }
}

/// The task runs holding live leases of a limit (one entry per lease).
fn task_run_holders(tx: &Tx, limit: Uuid, now: Ts) -> crate::store::Result<Vec<Uuid>> {
    Ok(leases::of_limit(tx, limit, now)?
        .into_iter()
        .filter_map(|l| {
            l.holder
                .filter(|h| h.kind == HolderKind::TaskRun)
                .map(|h| h.id)
        })
        .collect())
}
