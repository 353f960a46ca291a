//! "Why is this run late?": the plain-words reasons a run is still waiting, from facts the caller gathers;
//! for a run that is not waiting, its state and the state's message (why it failed, say).

use super::{time, StateType, Ts};

/// What is known about a waiting run and what it waits on.
#[derive(Clone, Debug, Default)]
pub struct WhyFacts {
    pub state: Option<(StateType, String)>,
    /// The current state's message (for a run that ended, often the reason).
    pub state_message: Option<String>,
    pub scheduled_time: Option<Ts>,
    pub now: Option<Ts>,
    pub deployment: Option<(String, bool)>,
    pub pool_name: Option<String>,
    /// (exists, paused, has an online worker)
    pub pool: Option<(bool, bool, bool)>,
    /// (name, paused, last polled)
    pub queue: Option<(String, bool, Option<Ts>)>,
    /// (limit, ids of runs holding the slots)
    pub deployment_slots: Option<(i64, Vec<String>)>,
    pub queue_slots: Option<(i64, Vec<String>)>,
    pub pool_slots: Option<(i64, Vec<String>)>,
}

/// The reasons, most decisive first; one friendly line when nothing holds the run back.
pub fn reasons(f: &WhyFacts) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((kind, name)) = &f.state {
        if *kind != StateType::Scheduled {
            let mut out = vec![format!(
                "The run is {} ({name}); it is not waiting to start.",
                kind.as_str()
            )];
            out.extend(f.state_message.clone().filter(|m| !m.trim().is_empty()));
            return out;
        }
    }
    if let (Some(at), Some(now)) = (f.scheduled_time, f.now) {
        let ahead = time::seconds_between(now, at);
        if ahead > 0.0 {
            out.push(format!(
                "It is scheduled for {}, {:.0} s from now.",
                time::format(at),
                ahead
            ));
        }
    }
    if let Some((name, true)) = &f.deployment {
        out.push(format!("Its deployment '{name}' is paused."));
    }
    match (&f.pool_name, f.pool) {
        (None, _) => out.push(
            "It belongs to no work pool, so only the process serving its deployment (flow.serve) can start it.".into(),
        ),
        (Some(p), Some((false, _, _))) | (Some(p), None) => {
            out.push(format!("Its work pool '{p}' does not exist; create it with `baton work-pool create {p}`."))
        }
        (Some(p), Some((true, paused, online))) => {
            if paused {
                out.push(format!("Its work pool '{p}' is paused."));
            }
            if let Some((q, qpaused, polled)) = &f.queue {
                if *qpaused {
                    out.push(format!("Its work queue '{q}' is paused."));
                }
                let fresh = matches!((polled, f.now), (Some(t), Some(now)) if time::seconds_between(*t, now) < 60.0);
                if !online && !fresh {
                    out.push(format!(
                        "No worker has polled work pool '{p}' (queue '{q}') in the last minute; start one with \
                         `baton worker start --pool {p}`."
                    ));
                }
            }
        }
    }
    for (what, slots) in [
        ("deployment", &f.deployment_slots),
        ("work queue", &f.queue_slots),
        ("work pool", &f.pool_slots),
    ] {
        if let Some((limit, holders)) = slots {
            if holders.len() as i64 >= *limit {
                out.push(format!(
                    "Its {what}'s concurrency limit ({limit}) is held by run(s) {}.",
                    holders.join(", ")
                ));
            }
        }
    }
    if out.is_empty() {
        out.push("Nothing holds it back; a worker should start it at its next poll.".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_the_usual_causes() {
        let now = time::parse("2026-01-01T00:00:00Z").unwrap();
        let f = WhyFacts {
            state: Some((StateType::Scheduled, "Late".into())),
            scheduled_time: Some(now),
            now: Some(now),
            deployment: Some(("nightly".into(), true)),
            pool_name: Some("p".into()),
            pool: Some((true, false, false)),
            queue: Some(("default".into(), true, None)),
            deployment_slots: Some((1, vec!["abc".into()])),
            ..Default::default()
        };
        let r = reasons(&f);
        assert!(r[0].contains("deployment 'nightly' is paused"), "{r:?}");
        assert!(r.iter().any(|l| l.contains("queue 'default' is paused")));
        assert!(r.iter().any(|l| l.contains("No worker has polled")));
        assert!(r
            .iter()
            .any(|l| l.contains("limit (1) is held by run(s) abc")));
        let running = WhyFacts {
            state: Some((StateType::Running, "Running".into())),
            ..Default::default()
        };
        assert_eq!(reasons(&running).len(), 1);
        assert!(reasons(&running)[0].contains("not waiting"));
        let failed = WhyFacts {
            state: Some((StateType::Failed, "Failed".into())),
            state_message: Some("python3 cannot import prefect".into()),
            ..Default::default()
        };
        assert_eq!(reasons(&failed)[1], "python3 cannot import prefect");
        let fine = WhyFacts {
            pool_name: Some("p".into()),
            pool: Some((true, false, true)),
            ..Default::default()
        };
        assert!(reasons(&fine)[0].contains("Nothing holds it back"));
    }
}
