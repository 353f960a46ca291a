//! Catch-up after downtime (a Baton extension): what happens to a deployment's scheduled runs that went
//! Late while nothing could run them. `all` (Prefect's behaviour, the default) runs every one; `latest`
//! runs only the newest of the missed runs and skips the others; `none` skips every run that is Late (more
//! than the grace period past its time) and waits for the next one on schedule. Only runs the scheduler
//! created are concerned: a run someone asked for is never skipped. A skipped run ends CANCELLED, named
//! "Skipped".

use super::state::{name, State, StateType};
use super::Ts;
use chrono::Duration;

/// A deployment's catch-up policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Catchup {
    #[default]
    All,
    Latest,
    None,
}

impl Catchup {
    /// The policy named `s` (`all`, `latest`, `none`).
    pub fn parse(s: &str) -> Option<Catchup> {
        match s {
            "all" => Some(Catchup::All),
            "latest" => Some(Catchup::Latest),
            "none" => Some(Catchup::None),
            _ => None,
        }
    }

    /// The policy's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Catchup::All => "all",
            Catchup::Latest => "latest",
            Catchup::None => "none",
        }
    }

    /// Whether a scheduled run due at `at` is skipped at `now`: `newer_due` says whether a newer scheduled
    /// run of the same deployment is already due too; `grace` is how late a run may be before it is Late.
    pub fn skips(self, at: Ts, newer_due: bool, now: Ts, grace: Duration) -> bool {
        match self {
            Catchup::All => false,
            Catchup::Latest => newer_due,
            Catchup::None => now - at > grace,
        }
    }

    /// The state a skipped run ends in.
    pub fn skipped_state(self, now: Ts) -> State {
        let why = match self {
            Catchup::Latest => {
                "a newer scheduled run of this deployment is due too (catchup: latest)"
            }
            _ => "it was missed while nothing could run it (catchup: none)",
        };
        State::new(StateType::Cancelled, now)
            .named(name::SKIPPED)
            .with_message(format!("Skipped: {why}."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time;

    #[test]
    fn policies() {
        let now = time::parse("2026-01-01T12:00:00Z").unwrap();
        let grace = Duration::seconds(15);
        let hour_ago = now - Duration::hours(1);
        let just_now = now - Duration::seconds(5);
        assert!(!Catchup::All.skips(hour_ago, true, now, grace));
        assert!(Catchup::Latest.skips(hour_ago, true, now, grace));
        assert!(!Catchup::Latest.skips(hour_ago, false, now, grace));
        assert!(Catchup::None.skips(hour_ago, false, now, grace));
        assert!(!Catchup::None.skips(just_now, false, now, grace));
        for p in [Catchup::All, Catchup::Latest, Catchup::None] {
            assert_eq!(Catchup::parse(p.as_str()), Some(p));
        }
        assert_eq!(Catchup::parse("some"), None);
        let s = Catchup::Latest.skipped_state(now);
        assert_eq!((s.kind, s.name.as_str()), (StateType::Cancelled, "Skipped"));
    }
}
