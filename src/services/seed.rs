//! Synthetic history for benchmarks and demos: flow runs spread over the past days across a few flows and
//! deployments, each taken through its states by the real domain rules (with timestamps of that past),
//! and their log lines, written in large transactions.

use super::orchestration::build_run;
use super::{Result, Services};
use crate::domain::deployment::DeploymentPatch;
use crate::domain::flow_run::{FlowRun, NewFlowRun, ProposedState};
use crate::domain::log::Log;
use crate::domain::orchestration::Context;
use crate::domain::{orchestrate, Decision, Doc, State, StateType, Ts};
use crate::store::{flow_runs, logs};
use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

/// Runs and log lines written per transaction.
const CHUNK: usize = 2000;

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub runs: usize,
    pub logs: usize,
}

/// A small deterministic generator (xorshift), so two seeds of the same size look alike.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const FLOWS: [&str; 4] = ["etl", "reports", "ml-train", "backup"];
const TAGS: [&str; 4] = ["prod", "nightly", "team-data", "adhoc"];

/// Moves `run` to `kind` at `at` by orchestration (forced), returning the state written.
fn advance(run: &mut FlowRun, kind: StateType, at: Ts) -> Option<State> {
    let ctx = Context::new(at).forced(true);
    match orchestrate(run, ProposedState::of(kind), &ctx) {
        Decision::Accept(state) => Some(state),
        _ => None,
    }
}

impl Services {
    /// Writes `runs` finished flow runs expected over the last `days` days (the newest few still running),
    /// with `logs` log lines among them, across four flows with one deployment each.
    pub async fn seed_history(&self, runs: usize, logs: usize, days: i64) -> Result<SeedReport> {
        let now = self.clock.now();
        let mut targets = Vec::new();
        for name in FLOWS {
            let (flow, _) = self.create_flow(name.into(), vec![], Doc::new()).await?;
            let patch = DeploymentPatch {
                work_pool_name: Some(Some("default".into())),
                tags: Some(vec!["seeded".into()]),
                ..Default::default()
            };
            let (d, _) = self
                .upsert_deployment(format!("{name}-nightly"), flow.id, patch)
                .await?;
            targets.push((flow, d));
        }
        let span = (days.max(1) * 86_400 * 1000) as u64;
        let per_run = logs / runs.max(1);
        let mut extra = logs % runs.max(1);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut written = SeedReport { runs: 0, logs: 0 };
        while written.runs < runs {
            let n = CHUNK.min(runs - written.runs);
            let mut batch: Vec<(FlowRun, Vec<State>, Vec<Log>)> = Vec::with_capacity(n);
            for i in 0..n {
                let k = written.runs + i;
                // Oldest first, evenly spread, with jitter.
                let back = span - span * (k as u64) / (runs as u64) + rng.below(60_000);
                let expected = now - Duration::milliseconds(back as i64);
                let (flow, d) = &targets[rng.below(targets.len() as u64) as usize];
                let mut scheduled = ProposedState::of(StateType::Scheduled);
                scheduled.details.scheduled_time = Some(expected);
                let new = NewFlowRun {
                    flow_id: flow.id,
                    deployment_id: Some(d.id),
                    work_pool_name: Some("default".into()),
                    work_queue_name: Some("default".into()),
                    tags: vec![TAGS[rng.below(4) as usize].into()],
                    parameters: [
                        ("batch".to_string(), json!(k)),
                        ("full".to_string(), json!(k.is_multiple_of(7))),
                    ]
                    .into_iter()
                    .collect(),
                    state: Some(scheduled),
                    auto_scheduled: !k.is_multiple_of(3),
                    ..Default::default()
                };
                let (mut run, _) = build_run(new, &flow.name, expected - Duration::seconds(60));
                let mut states: Vec<State> = run.state.clone().into_iter().collect();
                let start = expected + Duration::milliseconds(rng.below(3000) as i64);
                let took = Duration::milliseconds(500 + rng.below(120_000) as i64);
                let end = start + took;
                let roll = rng.below(100);
                let last = if end > now {
                    StateType::Running
                } else if roll < 80 {
                    StateType::Completed
                } else if roll < 90 {
                    StateType::Failed
                } else if roll < 94 {
                    StateType::Crashed
                } else {
                    StateType::Cancelled
                };
                states.extend(advance(
                    &mut run,
                    StateType::Pending,
                    start - Duration::milliseconds(5),
                ));
                states.extend(advance(&mut run, StateType::Running, start));
                if last != StateType::Running {
                    states.extend(advance(&mut run, last, end));
                }
                let lines = per_run + usize::from(extra > 0);
                extra = extra.saturating_sub(1);
                let step = took.num_milliseconds().max(1) / (lines.max(1) as i64);
                let run_logs = (0..lines)
                    .map(|j| {
                        let at = start + Duration::milliseconds(step * j as i64);
                        let level = if j + 1 == lines && last == StateType::Failed {
                            40
                        } else {
                            20
                        };
                        Log {
                            id: Uuid::now_v7(),
                            created: at,
                            name: "seed".into(),
                            level,
                            message: format!(
                                "batch {k}: step {j} processed {} rows",
                                rng.below(10_000)
                            ),
                            timestamp: at,
                            flow_run_id: Some(run.id),
                            task_run_id: None,
                        }
                    })
                    .collect();
                batch.push((run, states, run_logs));
            }
            let count = batch.iter().map(|b| b.2.len()).sum::<usize>();
            self.store
                .write(move |tx| {
                    for (run, states, lines) in &batch {
                        flow_runs::insert(tx, run)?;
                        for s in states {
                            flow_runs::insert_state(tx, run.id, s)?;
                        }
                        logs::insert_many(tx, lines)?;
                    }
                    Ok(())
                })
                .await?;
            written.runs += n;
            written.logs += count;
        }
        Ok(written)
    }
}
