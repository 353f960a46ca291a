//! How long finished runs, logs and events are kept, and the instant before which a kind of data goes. The
//! loop that deletes it is `services::retention`; `baton serve --keep-*-days` sets the policy.

use super::Ts;

/// How long each kind of data is kept, in days (0 = forever).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub flow_run_days: u32,
    pub log_days: u32,
    pub event_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            flow_run_days: 90,
            log_days: 30,
            event_days: 7,
        }
    }
}

/// The instant before which data `days` old is deleted; `None` keeps it (0 days, or a span so long that
/// nothing can be that old).
pub fn cutoff(now: Ts, days: u32) -> Option<Ts> {
    if days == 0 {
        return None;
    }
    chrono::Duration::try_days(i64::from(days)).and_then(|d| now.checked_sub_signed(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs() {
        let now = crate::domain::time::parse("2026-01-31T00:00:00Z").unwrap();
        assert_eq!(cutoff(now, 0), None);
        assert_eq!(
            cutoff(now, 30).map(crate::domain::time::format).as_deref(),
            Some("2026-01-01T00:00:00.000000Z")
        );
        assert_eq!(cutoff(now, u32::MAX), None, "no panic on absurd spans");
    }
}
