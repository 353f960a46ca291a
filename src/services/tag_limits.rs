//! Tag limits (Prefect's v1 API, `/api/concurrency_limits/…`): each is the global limit named `tag:<tag>`;
//! its slots are held by task runs, one lease each, and its `active_slots` lists those task runs.

use super::concurrency_limits::LimitRef;
use super::leases::{Hold, SlotError};
use super::{Result, ServiceError, Services};
use crate::domain::concurrency_limit::{self as rules, Limit, LimitPatch, TAG_PREFIX};
use crate::domain::lease::{Holder, HolderKind, Lease, SlotMode, SlotRequest, MAX_LEASE_SECONDS};
use crate::domain::Ts;
use crate::store::{concurrency_leases as leases, concurrency_limits as limits, Tx};
use uuid::Uuid;

/// The length of a tag-limit slot taken through Prefect's v1 API, whose clients never renew: a day, or
/// until the task run ends.
const V1_LEASE_SECONDS: f64 = MAX_LEASE_SECONDS;

fn tag_not_found() -> ServiceError {
    ServiceError::NotFound("Concurrency limit not found".into())
}

use super::concurrency_limits::find;

impl Services {
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
                let l = Limit::new(name, limit, now);
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

/// The server-side rule for a task run entering RUNNING with tags (clients that propose task states over
/// REST): takes one slot of each active tag limit under a lease the task run holds until it leaves
/// RUNNING; `Some` decision when it may not start now (WAIT while a limit is full or others wait in line,
/// ABORT at a limit of 0). A task run that already holds its slots goes on.
pub(super) fn gate_task_run(
    tx: &Tx,
    run: &crate::domain::task_run::TaskRun,
    waiters: &super::slot_waiters::Waiters<super::leases::Granted>,
    u: f64,
    now: Ts,
) -> crate::store::Result<Option<crate::domain::Decision>> {
    use crate::domain::concurrency_limit::TagGate;
    use crate::domain::Decision;
    if run.tags.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = run
        .tags
        .iter()
        .map(|t| format!("{TAG_PREFIX}{t}"))
        .collect();
    let found = limits::by_names(tx, &names, now)?;
    let active: Vec<&Limit> = found.iter().filter(|l| l.active).collect();
    let ids: Vec<Uuid> = active.iter().map(|l| l.id).collect();
    if ids.is_empty() {
        return Ok(None);
    }
    let holds = leases::of_holder(tx, run.id)?
        .iter()
        .any(|l| l.is_alive(now) && l.limits.iter().any(|id| ids.contains(id)));
    if holds {
        return Ok(None);
    }
    let holder = Holder {
        kind: HolderKind::TaskRun,
        id: run.id,
    };
    let fingerprint =
        super::slot_waiters::Fingerprint::new(&names, 1, SlotMode::Concurrency, Some(holder));
    let full = waiters.lock().blocks(&ids, &fingerprint, now) || !rules::fits(&found, 1, now);
    match rules::tag_gate(&active, full, u) {
        TagGate::Go => {
            let hold = Hold {
                lease: Some(chrono::Duration::seconds(V1_LEASE_SECONDS as i64)),
                holder: Some(holder),
            };
            let taken = super::leases::take_in(tx, found, 1, SlotMode::Concurrency, hold, now)?;
            Ok(taken.err().map(|_| Decision::Wait {
                delay_seconds: 1,
                reason: "Concurrency limit reached".into(),
            }))
        }
        TagGate::Abort(reason) => Ok(Some(Decision::Abort { reason })),
        TagGate::Wait { seconds, reason } => Ok(Some(Decision::Wait {
            delay_seconds: seconds,
            reason,
        })),
    }
}
