//! Riding out an unreachable server: a remote worker cut off from the API keeps its runs' processes
//! going, buffers their log lines and retries its state reports with backoff until the server answers
//! again (for up to `RIDE_OUT`). A server that answers with a refusal (4xx) is not retried for long.

use std::time::Duration;

/// How long a worker keeps retrying a report while the server cannot be reached.
pub const RIDE_OUT: Duration = Duration::from_secs(600);

/// How many times a refused (4xx) report is retried.
pub const REFUSALS: u32 = 20;

/// The most log lines one run keeps buffered while the server is unreachable; older lines are dropped
/// beyond this (and the drop is logged).
pub const MAX_BUFFERED_LINES: usize = 100_000;

/// The pause before retry number `attempt` (0-based): 250 ms doubling up to 5 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((250u64 << attempt.min(5)).min(5_000))
}

/// Whether the server answered and refused the request (a 4xx over HTTP; not found, conflict or invalid
/// in-process), as opposed to being unreachable or failing.
pub fn refused(e: &anyhow::Error) -> bool {
    use crate::services::ServiceError;
    e.downcast_ref::<super::http::Refused>()
        .is_some_and(|r| (400..500).contains(&r.status))
        || e.downcast_ref::<ServiceError>()
            .is_some_and(|s| !matches!(s, ServiceError::Store(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(40), Duration::from_secs(5));
    }

    #[test]
    fn only_4xx_answers_are_refusals() {
        let r = |status| {
            anyhow::Error::new(crate::worker::http::Refused {
                url: "u".into(),
                status,
                text: String::new(),
            })
        };
        assert!(refused(&r(404)));
        assert!(!refused(&r(503)));
        assert!(!refused(&anyhow::anyhow!("cannot reach http://x")));
        let local = |e| anyhow::Error::new(e);
        assert!(refused(&local(crate::services::ServiceError::NotFound(
            "gone".into()
        ))));
    }
}
