//! Expired pauses: a run paused or suspended past its `pause_timeout` fails ("never resumed"), as
//! Prefect's server does. A blocking pause's own process fails the run too when it notices; a suspended
//! run has no process, so without this it would wait forever.

use super::orchestration::transition;
use super::{Result, Services};
use crate::domain::filter::{Cond, Field, Order, Query};
use crate::domain::flow_run::ProposedState;
use crate::domain::{StateType, Ts};
use crate::store::flow_runs;

/// How many paused runs one pass looks at.
const BATCH: u32 = 500;

impl Services {
    /// Fails every paused run whose pause timed out before `now`; returns how many.
    pub async fn fail_expired_pauses(&self, now: Ts) -> Result<usize> {
        let q = Query::new(
            Cond::state_types(&[StateType::Paused]),
            Order::asc(Field::Id),
            Some(BATCH),
            0,
        );
        let (n, events) = self
            .store
            .write(move |tx| {
                let mut events = Vec::new();
                let mut n = 0;
                for run in flow_runs::list(tx, &q)? {
                    let Some(state) = &run.state else { continue };
                    if state.details.pause_timeout.is_none_or(|t| t >= now) {
                        continue;
                    }
                    let what = state.name.to_lowercase();
                    let failed = ProposedState {
                        message: Some(format!("The flow was {what} and never resumed.")),
                        ..ProposedState::of(StateType::Failed)
                    };
                    let (out, evs) = transition(tx, run, failed, false, now)?;
                    if out.decision.written_state().is_some() {
                        n += 1;
                    }
                    events.extend(evs);
                }
                Ok((n, events))
            })
            .await?;
        self.bus.publish(events);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::flow_run::ProposedState;
    use crate::domain::StateType;
    use crate::services::clock::Clock;
    use crate::services::Services;
    use crate::store::Store;

    #[tokio::test]
    async fn a_pause_past_its_timeout_fails_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).await.unwrap();
        let s = Services::new(store, Clock::System);
        let (flow, _) = s
            .create_flow("f".into(), vec![], Default::default())
            .await
            .unwrap();
        let mut ids = Vec::new();
        for timeout_secs in [-5, 3600] {
            let new = crate::domain::flow_run::NewFlowRun {
                flow_id: flow.id,
                ..Default::default()
            };
            let (run, _) = s.create_flow_run(new).await.unwrap();
            s.set_flow_run_state(run.id, ProposedState::of(StateType::Running), false)
                .await
                .unwrap();
            let mut pause = ProposedState::of(StateType::Paused);
            pause.details.pause_timeout =
                Some(chrono::Utc::now() + chrono::Duration::seconds(timeout_secs));
            s.set_flow_run_state(run.id, pause, false).await.unwrap();
            ids.push(run.id);
        }
        assert_eq!(s.fail_expired_pauses(chrono::Utc::now()).await.unwrap(), 1);
        let expired = s.flow_run(ids[0]).await.unwrap();
        let state = expired.state.unwrap();
        assert_eq!(state.kind, StateType::Failed);
        assert_eq!(
            state.message.as_deref(),
            Some("The flow was paused and never resumed.")
        );
        let waiting = s.flow_run(ids[1]).await.unwrap();
        assert_eq!(waiting.state_type(), Some(StateType::Paused));
    }
}
