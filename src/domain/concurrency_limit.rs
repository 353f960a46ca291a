//! Global concurrency and rate limits (Prefect's `ConcurrencyLimitV2`; a tag limit is the limit named
//! `tag:<tag>`): how many slots are taken, decay of a rate limit's slots, taking slots of several limits at
//! once or none, giving them back, and how long a refused client should wait. Pure rules: the store keeps
//! the numbers, the services the leases and the waiting line.

use super::{time, Ts};
use uuid::Uuid;

/// The prefix of a tag limit's name (`tag:db` is the limit on tasks tagged `db`).
pub const TAG_PREFIX: &str = "tag:";

/// Longest wait suggested for a tag limit, and for any other limit without decay, in seconds.
pub const TAG_WAIT_SECONDS: f64 = 10.0;
pub const MAX_WAIT_SECONDS: f64 = 30.0;

/// A limit's average slot occupancy before anything was measured, in seconds.
pub const INITIAL_OCCUPANCY_SECONDS: f64 = 2.0;

/// A global concurrency or rate limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub id: Uuid,
    pub created: Ts,
    /// When `active_slots` was last written: decay counts from here.
    pub updated: Ts,
    pub name: String,
    pub limit: i64,
    pub active: bool,
    /// Slots taken without a lease as of `updated` (before decay).
    pub active_slots: i64,
    /// Slots held under live leases when the limit was read (leases are their own rows; an expired lease
    /// holds nothing, so this is never written back).
    pub leased: i64,
    pub denied_slots: i64,
    /// Slots a rate limit gets back per second (0: a plain concurrency limit).
    pub slot_decay_per_second: f64,
    pub avg_slot_occupancy_seconds: f64,
}

/// The prefix of a deployment's own limit (`deployment:<id>`).
pub const DEPLOYMENT_PREFIX: &str = "deployment:";

/// Checks a limit's name: not empty, none of `/ % & > <` (they break URLs that name the limit).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name: must not be empty".into());
    }
    if let Some(c) = name.chars().find(|c| "/%&><".contains(*c)) {
        return Err(format!(
            "name: '{name}' contains '{c}'; a limit's name may not contain any of / % & > <"
        ));
    }
    Ok(())
}

/// Changes to a limit; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LimitPatch {
    pub name: Option<String>,
    pub limit: Option<i64>,
    pub active: Option<bool>,
    /// Slots in use, leased ones included: the slots counted on the limit become what leases do not hold.
    pub active_slots: Option<i64>,
    pub denied_slots: Option<i64>,
    pub slot_decay_per_second: Option<f64>,
}

impl LimitPatch {
    /// Checks every given field.
    pub fn check(&self) -> Result<(), String> {
        if let Some(n) = &self.name {
            check_name(n)?;
        }
        check_counts(
            self.limit.unwrap_or(0),
            self.active_slots.unwrap_or(0),
            self.denied_slots.unwrap_or(0),
            self.slot_decay_per_second.unwrap_or(0.0),
        )
    }
}

/// Checks a limit's numbers: none negative, decay finite.
pub fn check_counts(limit: i64, active_slots: i64, denied: i64, decay: f64) -> Result<(), String> {
    for (field, v) in [
        ("limit", limit),
        ("active_slots", active_slots),
        ("denied_slots", denied),
    ] {
        if v < 0 {
            return Err(format!("{field}: must be 0 or more (got {v})"));
        }
    }
    if !decay.is_finite() || decay < 0.0 {
        return Err(format!(
            "slot_decay_per_second: must be 0 or more (got {decay})"
        ));
    }
    Ok(())
}

/// Why slots were not taken.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// More slots asked for than a limit has (also any slot of a limit of 0): 422.
    OverLimit,
    /// A rate-limit request on limits without decay (their names): 422.
    NoDecay(Vec<String>),
    /// Not enough free slots now: 423; try again after about `wait_seconds`.
    Full { wait_seconds: f64 },
}

impl Limit {
    /// A new active limit of `limit` slots, nothing taken, created at `now`.
    pub fn new(name: String, limit: i64, now: Ts) -> Limit {
        Limit {
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
        }
    }

    /// Slots taken at `now`: a rate limit's slots drain at `slot_decay_per_second`.
    pub fn slots_at(&self, now: Ts) -> i64 {
        if self.slot_decay_per_second <= 0.0 {
            return self.active_slots.max(0);
        }
        let elapsed = time::seconds_between(self.updated, now).max(0.0);
        let drained = (self.slot_decay_per_second * elapsed).floor() as i64;
        (self.active_slots - drained).max(0)
    }

    /// Every slot in use at `now`: those taken without a lease (after decay) and those held by leases.
    pub fn in_use(&self, now: Ts) -> i64 {
        self.slots_at(now) + self.leased
    }

    /// The tag this limit limits, when it is a tag limit.
    pub fn tag(&self) -> Option<&str> {
        self.name.strip_prefix(TAG_PREFIX)
    }

    /// When a rate limit will have drained enough for `slots` more, from `now` (`None` when it never
    /// will: no decay, or the slots held by leases alone leave no room).
    pub fn drained_for(&self, slots: i64, now: Ts) -> Option<Ts> {
        let excess = self.in_use(now) + slots - self.limit;
        if excess <= 0 {
            return Some(now);
        }
        if self.slot_decay_per_second <= 0.0 || excess > self.slots_at(now) {
            return None;
        }
        // Decay counts whole slots from `updated`: find when `excess` more have drained.
        let drained_now = self.active_slots - self.slots_at(now);
        let secs = (drained_now + excess) as f64 / self.slot_decay_per_second;
        let at = self.updated + chrono::Duration::microseconds((secs * 1e6).ceil() as i64);
        Some(at.max(now))
    }

    /// Applies `patch` at `now` (a rate limit's drained slots are counted first).
    pub fn apply(&mut self, patch: LimitPatch, now: Ts) {
        self.active_slots = self.slots_at(now);
        if let Some(n) = patch.name {
            self.name = n;
        }
        if let Some(l) = patch.limit {
            self.limit = l;
        }
        if let Some(a) = patch.active {
            self.active = a;
        }
        if let Some(s) = patch.active_slots {
            self.active_slots = (s - self.leased).max(0);
        }
        if let Some(d) = patch.denied_slots {
            self.denied_slots = d;
        }
        if let Some(d) = patch.slot_decay_per_second {
            self.slot_decay_per_second = d;
        }
        self.updated = now;
    }

    /// Whether this is a tag limit.
    pub fn is_tag(&self) -> bool {
        self.name.starts_with(TAG_PREFIX)
    }

    /// The average occupancy after a holder gave slots back that it held for `seconds` (a moving average
    /// over twice the limit's samples, at least 0.1 s a slot).
    pub fn record_occupancy(&mut self, slots: i64, seconds: f64) {
        let per_slot = (seconds / slots.max(1) as f64).max(0.1);
        let samples = (self.limit.max(1) * 2) as f64;
        self.avg_slot_occupancy_seconds += (per_slot - self.avg_slot_occupancy_seconds) / samples;
    }
}

/// Checks what no wait can fix: more slots than an active limit has (also any slot of a limit of 0), and
/// a rate-limit request on a limit without decay.
pub fn check(limits: &[Limit], slots: i64, rate_limit: bool) -> Result<(), Refusal> {
    let active: Vec<&Limit> = limits.iter().filter(|l| l.active).collect();
    if active.iter().any(|l| l.limit < slots) {
        return Err(Refusal::OverLimit);
    }
    if rate_limit {
        let without: Vec<String> = active
            .iter()
            .filter(|l| l.slot_decay_per_second <= 0.0)
            .map(|l| l.name.clone())
            .collect();
        if !without.is_empty() {
            return Err(Refusal::NoDecay(without));
        }
    }
    Ok(())
}

/// Whether `slots` more fit in every active limit at `now`.
pub fn fits(limits: &[Limit], slots: i64, now: Ts) -> bool {
    limits
        .iter()
        .filter(|l| l.active)
        .all(|l| l.in_use(now) + slots <= l.limit)
}

/// Takes `slots` of every active limit in `limits` at `now`, or of none (all or nothing). Inactive limits
/// are neither counted nor checked. With `leased`, the slots are held by a lease the caller writes (each
/// limit's `leased` grows); otherwise they are counted on the limit itself (and a rate limit's drain
/// away). Each active limit's own count is written as of `now` either way.
pub fn take(
    limits: &mut [Limit],
    slots: i64,
    rate_limit: bool,
    leased: bool,
    now: Ts,
) -> Result<(), Refusal> {
    check(limits, slots, rate_limit)?;
    let active: Vec<usize> = (0..limits.len()).filter(|&i| limits[i].active).collect();
    if !fits(limits, slots, now) {
        return Err(Refusal::Full {
            wait_seconds: wait_seconds(
                &active.iter().map(|&i| &limits[i]).collect::<Vec<_>>(),
                slots,
            ),
        });
    }
    for &i in &active {
        let l = &mut limits[i];
        l.active_slots = l.slots_at(now) + if leased { 0 } else { slots };
        l.leased += if leased { slots } else { 0 };
        l.updated = now;
    }
    Ok(())
}

/// What a task run entering RUNNING meets at its tags' limits (the server-side rule for clients that
/// propose task states over REST, as Prefect 2's do).
#[derive(Clone, Debug, PartialEq)]
pub enum TagGate {
    /// No active limit on its tags, or a slot of each was free.
    Go,
    /// A tag's limit is 0: the task would never run.
    Abort(String),
    /// Every slot of some tag's limit is taken: try again in about `seconds`.
    Wait { seconds: i64, reason: String },
}

/// The gate for a task run whose tags have the `active` limits: `full` when one slot of each cannot be
/// taken now; `u` (uniform in 0..1) spreads the wait.
pub fn tag_gate(active: &[&Limit], full: bool, u: f64) -> TagGate {
    if let Some(zero) = active.iter().find(|l| l.limit == 0) {
        return TagGate::Abort(format!(
            "The concurrency limit on tag \"{}\" is 0 and will deadlock if the task tries to run again.",
            zero.tag().unwrap_or(&zero.name)
        ));
    }
    if active.is_empty() || !full {
        return TagGate::Go;
    }
    let tags: Vec<&str> = active.iter().map(|l| l.tag().unwrap_or(&l.name)).collect();
    TagGate::Wait {
        seconds: jittered(wait_seconds(active, 1), u).round().max(1.0) as i64,
        reason: format!("Concurrency limit reached for tags: {}", tags.join(", ")),
    }
}

/// Gives `slots` taken without a lease back to every active limit (never below 0); `held_seconds` (when
/// known) moves the average occupancy. Inactive limits keep their count, as Prefect does.
pub fn give_back(limits: &mut [Limit], slots: i64, held_seconds: Option<f64>, now: Ts) {
    for l in limits.iter_mut().filter(|l| l.active) {
        l.active_slots = (l.slots_at(now) - slots).max(0);
        l.updated = now;
        if let Some(s) = held_seconds.filter(|s| *s > 0.0) {
            l.record_occupancy(slots, s);
        }
    }
}

/// About how long a refused client should wait, from the limit that blocks most: for a rate limit the time
/// its slots take to drain; otherwise its average occupancy times how oversubscribed it is, capped (10 s for
/// tag limits, 30 s for others).
pub fn wait_seconds(active: &[&Limit], slots: i64) -> f64 {
    let key = |l: &Limit| {
        let want = (slots + l.denied_slots) as f64;
        if l.slot_decay_per_second > 0.0 {
            want
        } else {
            want / l.limit.max(1) as f64
        }
    };
    let Some(worst) = active.iter().max_by(|a, b| key(a).total_cmp(&key(b))) else {
        return 0.0;
    };
    if worst.slot_decay_per_second > 0.0 {
        return (slots + worst.denied_slots) as f64 / worst.slot_decay_per_second;
    }
    let cap = if worst.is_tag() {
        TAG_WAIT_SECONDS
    } else {
        MAX_WAIT_SECONDS
    };
    (worst.avg_slot_occupancy_seconds.min(cap) * key(worst)).min(cap)
}

/// A wait around `mean` seconds spread so that refused clients do not all come back at once: an
/// exponential draw from `u` (uniform in 0..1) kept within 75 %…130 % of the mean.
pub fn jittered(mean: f64, u: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    let u = u.clamp(1e-12, 1.0 - 1e-12);
    (-mean * (1.0 - u).ln()).clamp(0.7518 * mean, 1.3 * mean)
}

#[cfg(test)]
#[path = "concurrency_limit_tests.rs"]
mod tests;
