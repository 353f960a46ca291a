//! Concurrency slots held under leases (Prefect's `/v2/concurrency_limits/*-with-lease`): a lease names the
//! limits it holds slots of and expires unless its holder renews it. Pure rules: the bounds of a lease's
//! duration, what a request may ask for, and when a lease is still alive.

use super::Ts;
use uuid::Uuid;

/// The shortest lease a client may ask for, in seconds.
pub const MIN_LEASE_SECONDS: f64 = 60.0;
/// The longest lease a client may ask for (one day), in seconds.
pub const MAX_LEASE_SECONDS: f64 = 86_400.0;
/// The lease length when the client names none (five minutes).
pub const DEFAULT_LEASE_SECONDS: f64 = 300.0;

/// How slots are taken: held until released, or spent and refilled by decay (rate limits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlotMode {
    #[default]
    Concurrency,
    RateLimit,
}

/// What holds a lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderKind {
    FlowRun,
    TaskRun,
    Deployment,
}

impl HolderKind {
    /// Prefect's name of the holder type.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::FlowRun => "flow_run",
            HolderKind::TaskRun => "task_run",
            HolderKind::Deployment => "deployment",
        }
    }

    /// Reads Prefect's name of a holder type.
    pub fn parse(s: &str) -> Option<HolderKind> {
        Some(match s {
            "flow_run" => HolderKind::FlowRun,
            "task_run" => HolderKind::TaskRun,
            "deployment" => HolderKind::Deployment,
            _ => return None,
        })
    }
}

/// Who holds a lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holder {
    pub kind: HolderKind,
    pub id: Uuid,
}

/// A request for slots: how many of each named limit, in which mode.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotRequest {
    pub names: Vec<String>,
    pub slots: i64,
    pub mode: SlotMode,
}

impl SlotRequest {
    /// Checks what every slot request must satisfy: at least one name, at least one slot.
    pub fn check(&self) -> Result<(), String> {
        if self.names.is_empty() {
            return Err("names: at least one limit name is required".into());
        }
        if self.slots < 1 {
            return Err(format!(
                "slots: must be greater than 0 (got {})",
                self.slots
            ));
        }
        Ok(())
    }
}

/// A lease's length from the client's `lease_duration` (seconds), within Prefect's bounds.
pub fn lease_duration(seconds: Option<f64>) -> Result<chrono::Duration, String> {
    let secs = seconds.unwrap_or(DEFAULT_LEASE_SECONDS);
    if !(MIN_LEASE_SECONDS..=MAX_LEASE_SECONDS).contains(&secs) {
        return Err(format!(
            "lease_duration: must be between {MIN_LEASE_SECONDS} and {MAX_LEASE_SECONDS} seconds (got {secs})"
        ));
    }
    Ok(chrono::Duration::milliseconds(
        (secs * 1000.0).round() as i64
    ))
}

/// A lease on slots of some limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Lease {
    pub id: Uuid,
    /// The limits (by id) whose slots this lease holds; empty when none of the names had a limit.
    pub limits: Vec<Uuid>,
    pub slots: i64,
    pub holder: Option<Holder>,
    pub created: Ts,
    pub expires: Ts,
}

impl Lease {
    /// Whether the lease still holds its slots at `now`.
    pub fn is_alive(&self, now: Ts) -> bool {
        now < self.expires
    }

    /// How long the lease has held its slots at `now`, in seconds.
    pub fn held_seconds(&self, now: Ts) -> f64 {
        super::time::seconds_between(self.created, now).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Ts {
        chrono::DateTime::from_timestamp(s, 0).unwrap()
    }

    #[test]
    fn durations_within_bounds() {
        assert_eq!(lease_duration(None).unwrap().num_seconds(), 300);
        assert_eq!(lease_duration(Some(60.0)).unwrap().num_seconds(), 60);
        assert_eq!(
            lease_duration(Some(86_400.0)).unwrap().num_seconds(),
            86_400
        );
        assert_eq!(
            lease_duration(Some(90.5)).unwrap().num_milliseconds(),
            90_500
        );
        assert!(lease_duration(Some(59.9))
            .unwrap_err()
            .contains("lease_duration"));
        assert!(lease_duration(Some(86_401.0)).is_err());
        assert!(lease_duration(Some(f64::NAN)).is_err());
    }

    #[test]
    fn requests_need_names_and_slots() {
        let ok = SlotRequest {
            names: vec!["tag:etl".into()],
            slots: 1,
            mode: SlotMode::Concurrency,
        };
        assert!(ok.check().is_ok());
        let no_names = SlotRequest {
            names: vec![],
            ..ok.clone()
        };
        assert!(no_names.check().unwrap_err().starts_with("names"));
        let no_slots = SlotRequest { slots: 0, ..ok };
        assert!(no_slots.check().unwrap_err().starts_with("slots"));
    }

    #[test]
    fn a_lease_is_alive_until_it_expires() {
        let lease = Lease {
            id: Uuid::nil(),
            limits: vec![],
            slots: 1,
            holder: None,
            created: at(0),
            expires: at(60),
        };
        assert!(lease.is_alive(at(59)));
        assert!(!lease.is_alive(at(60)));
        assert_eq!(lease.held_seconds(at(30)), 30.0);
    }

    #[test]
    fn holder_kinds_round_trip() {
        for k in [
            HolderKind::FlowRun,
            HolderKind::TaskRun,
            HolderKind::Deployment,
        ] {
            assert_eq!(HolderKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(HolderKind::parse("worker"), None);
    }
}
