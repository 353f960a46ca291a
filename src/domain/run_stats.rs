//! Numbers the UI's reads show about runs, as Prefect computes them: a flow run's duration and lateness,
//! the intervals of a history, and the window and buckets of the task run dashboard chart.

use super::flow_run::FlowRun;
use super::{time, StateType, Ts};
use chrono::{Duration, DurationRound};

/// The most intervals a history has (Prefect's cap).
pub const MAX_HISTORY_INTERVALS: i64 = 500;
/// How many buckets the task run dashboard chart has.
pub const DASHBOARD_BUCKETS: i64 = 20;

/// Seconds the run has run: its total run time, plus the time in its current state while RUNNING.
pub fn duration(run: &FlowRun, now: Ts) -> f64 {
    let running = match &run.state {
        Some(s) if s.kind == StateType::Running => time::seconds_between(s.timestamp, now).max(0.0),
        _ => 0.0,
    };
    run.total_run_time + running
}

/// Seconds the run started after its expected start; not started and not finished, how late it is now.
pub fn lateness(run: &FlowRun, now: Ts) -> f64 {
    let terminal = run.state_type().is_some_and(StateType::is_terminal);
    match (run.start_time, run.expected_start_time) {
        (Some(start), Some(exp)) if start > exp => time::seconds_between(exp, start),
        (None, Some(exp)) if !terminal && exp < now => time::seconds_between(exp, now),
        _ => 0.0,
    }
}

/// The intervals `[start + i·interval, start + (i+1)·interval)` covering `[start, end)`, at most
/// [`MAX_HISTORY_INTERVALS`]; none when `end` is not after `start`.
pub fn history_intervals(start: Ts, end: Ts, interval_secs: f64) -> Vec<(Ts, Ts)> {
    if end <= start || interval_secs.is_nan() || interval_secs < 1.0 {
        return Vec::new();
    }
    let span = (end - start).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
    let n = ((span / interval_secs).ceil() as i64).clamp(0, MAX_HISTORY_INTERVALS);
    // Saturating: an interval of 1e300 seconds is one interval, not an overflow.
    let step = |i: i64| {
        start
            .checked_add_signed(Duration::microseconds(
                (i as f64 * interval_secs * 1e6) as i64,
            ))
            .unwrap_or_else(time::latest)
            .min(time::latest())
    };
    (0..n).map(|i| (step(i), step(i + 1))).collect()
}

/// The dashboard chart's window: from `after` truncated to its minute to the end of the minute of
/// `before` (or of `now`), and the width of each of its [`DASHBOARD_BUCKETS`] buckets in seconds.
pub fn dashboard_window(after: Ts, before: Option<Ts>, now: Ts) -> (Ts, f64) {
    let minute = |t: Ts| t.duration_trunc(Duration::minutes(1)).unwrap_or(t);
    let start = minute(after);
    let last = minute(before.unwrap_or(now));
    let end = last
        .checked_add_signed(Duration::minutes(1) - Duration::microseconds(1))
        .unwrap_or(last);
    let span = (end - start).num_microseconds().unwrap_or(0) as f64 / 1e6;
    (start, span / DASHBOARD_BUCKETS as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::State;
    use chrono::{TimeZone, Utc};

    fn at(h: u32, m: u32, s: u32) -> Ts {
        Utc.with_ymd_and_hms(2026, 12, 5, h, m, s).unwrap()
    }

    fn run(kind: StateType, expected: Ts, start: Option<Ts>) -> FlowRun {
        let mut r = crate::domain::policy::tests::run(Some(State::new(kind, expected)));
        r.expected_start_time = Some(expected);
        r.start_time = start;
        r
    }

    #[test]
    fn lateness_is_the_late_start_or_the_wait_so_far() {
        let now = at(12, 10, 0);
        let started = run(StateType::Running, at(12, 0, 0), Some(at(12, 0, 30)));
        assert_eq!(lateness(&started, now), 30.0);
        let early = run(StateType::Completed, at(12, 0, 0), Some(at(11, 0, 0)));
        assert_eq!(lateness(&early, now), 0.0);
        let waiting = run(StateType::Scheduled, at(12, 0, 0), None);
        assert_eq!(lateness(&waiting, now), 600.0);
        let cancelled = run(StateType::Cancelled, at(12, 0, 0), None);
        assert_eq!(lateness(&cancelled, now), 0.0);
        let future = run(StateType::Scheduled, at(13, 0, 0), None);
        assert_eq!(lateness(&future, now), 0.0);
    }

    #[test]
    fn a_running_run_counts_its_time_so_far() {
        let mut r = run(StateType::Running, at(12, 0, 0), Some(at(12, 0, 0)));
        r.total_run_time = 2.0;
        assert_eq!(duration(&r, at(12, 0, 10)), 12.0);
        r.state = Some(State::new(StateType::Completed, at(12, 0, 5)));
        assert_eq!(duration(&r, at(12, 0, 10)), 2.0);
    }

    #[test]
    fn history_intervals_round_up_and_stop_at_500() {
        let iv = history_intervals(at(12, 7, 0), at(12, 8, 0), 30.0);
        assert_eq!(
            iv,
            vec![(at(12, 7, 0), at(12, 7, 30)), (at(12, 7, 30), at(12, 8, 0))]
        );
        assert_eq!(
            history_intervals(at(12, 0, 0), at(12, 0, 45), 30.0).len(),
            2
        );
        let day = history_intervals(at(0, 0, 0), at(23, 59, 59), 1.0);
        assert_eq!((day.len(), day[499].1), (500, at(0, 8, 20)));
        assert!(history_intervals(at(12, 0, 0), at(12, 0, 0), 30.0).is_empty());
        let huge = history_intervals(at(12, 0, 0), at(13, 0, 0), 1e300);
        assert_eq!(huge, vec![(at(12, 0, 0), time::latest())]);
    }

    #[test]
    fn dashboard_window_spans_whole_minutes_in_20_buckets() {
        let (start, width) = dashboard_window(at(12, 7, 30), Some(at(12, 8, 30)), at(13, 0, 0));
        assert_eq!(start, at(12, 7, 0));
        assert!((width - 5.99999995).abs() < 1e-6, "{width}");
        let (_, width) = dashboard_window(at(12, 0, 10), None, at(12, 19, 5));
        assert!((width * 20.0 - 1199.999999).abs() < 1e-6, "{width}");
        let (start, _) =
            dashboard_window(chrono::DateTime::<chrono::Utc>::MAX_UTC, None, at(0, 0, 0));
        assert!(start > at(0, 0, 0), "no overflow at the end of time");
    }
}
