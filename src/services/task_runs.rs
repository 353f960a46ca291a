//! Task-run use cases: Prefect 3 clients report task runs only as events (see `events`); older clients
//! create them over REST and set their states there.

use super::{Result, ServiceError, Services};
use crate::domain::filter::{Cond, Query};
use crate::domain::flow_run::ProposedState;
use crate::domain::task_run::{apply_state, TaskRun};
use crate::domain::{Decision, State, StateType};
use crate::store::{task_runs, StoreError};
use uuid::Uuid;

impl Services {
    /// Creates a task run over REST, or returns the existing one with the same id or the same flow run, task
    /// key and dynamic key (`false`).
    pub async fn create_task_run(
        &self,
        mut run: TaskRun,
        state: Option<ProposedState>,
    ) -> Result<(TaskRun, bool)> {
        let now = self.clock.now();
        run.created = now;
        run.updated = now;
        self.store
            .write(move |tx| {
                if let Some(existing) = task_runs::get(tx, run.id)? {
                    return Ok((existing, false));
                }
                if let Some(fr) = run.flow_run_id {
                    if let Some(existing) =
                        task_runs::by_key(tx, fr, &run.task_key, &run.dynamic_key)?
                    {
                        return Ok((existing, false));
                    }
                }
                let mut run = run;
                if let Some(p) = state {
                    apply_state(&mut run, p.into_state(now), true, now);
                }
                task_runs::upsert(tx, &run)?;
                if let Some(s) = &run.state {
                    task_runs::insert_state(tx, run.id, s)?;
                }
                Ok((run, true))
            })
            .await
            .map_err(ServiceError::from)
            .inspect(|(run, created)| {
                if *created {
                    self.offer_task_run(run);
                }
            })
    }

    /// The task run with this id.
    pub async fn task_run(&self, id: Uuid) -> Result<TaskRun> {
        self.store
            .read(move |tx| task_runs::get(tx, id))
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// A task run's state history.
    pub async fn task_run_states(&self, id: Uuid) -> Result<Vec<State>> {
        Ok(self.store.read(move |tx| task_runs::states(tx, id)).await?)
    }

    /// One state of a task run's history, by its id.
    pub async fn task_run_state(&self, id: Uuid) -> Result<State> {
        self.store
            .read(move |tx| task_runs::state(tx, id))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("Task run state {id} not found")))
    }

    /// Renames a task run (`PATCH /task_runs/{id}`).
    pub async fn rename_task_run(&self, id: Uuid, name: String) -> Result<()> {
        let now = self.clock.now();
        if self
            .store
            .write(move |tx| task_runs::rename(tx, id, &name, now))
            .await?
        {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// Task runs matching a query.
    pub async fn task_runs(&self, q: Query) -> Result<Vec<TaskRun>> {
        Ok(self.store.read(move |tx| task_runs::list(tx, &q)).await?)
    }

    /// How many task runs match.
    pub async fn count_task_runs(&self, cond: Cond) -> Result<u64> {
        Ok(self
            .store
            .read(move |tx| task_runs::count(tx, &cond))
            .await?)
    }

    /// Sets a task run's state over REST: the run's state afterwards and the decision. A task entering
    /// RUNNING first takes a slot of each of its tags' limits (held until it leaves RUNNING), or is told to
    /// wait (or, at a limit of 0, to give up).
    pub async fn set_task_run_state(
        &self,
        id: Uuid,
        proposed: ProposedState,
        force: bool,
    ) -> Result<(State, Decision)> {
        let now = self.clock.now();
        let waiters = self.slot_waiters.clone();
        let u = (Uuid::now_v7().as_u128() & 0xFFFF) as f64 / 65_536.0;
        let out = self
            .store
            .write(move |tx| {
                let mut run = task_runs::get(tx, id)?.ok_or(StoreError::NotFound("task run"))?;
                let mut state = proposed.into_state(now);
                state.details.task_run_id = Some(id);
                let current = |run: &TaskRun| {
                    run.state
                        .clone()
                        .unwrap_or_else(|| State::new(StateType::Pending, now))
                };
                let starting = state.kind == StateType::Running
                    && run.state.as_ref().map(|s| s.kind) != Some(StateType::Running);
                if !force && starting {
                    if let Some(held_back) =
                        super::tag_limits::gate_task_run(tx, &run, &waiters, u, now)?
                    {
                        return Ok((current(&run), held_back));
                    }
                }
                let accepted = apply_state(&mut run, state, force, now);
                if accepted {
                    task_runs::upsert(tx, &run)?;
                    if let Some(s) = &run.state {
                        task_runs::insert_state(tx, id, s)?;
                        if !matches!(s.kind, StateType::Running | StateType::Cancelling) {
                            crate::store::concurrency_leases::release_task_run(tx, id, now)?;
                        }
                    }
                }
                let state = current(&run);
                let decision = if accepted {
                    Decision::Accept(state.clone())
                } else {
                    Decision::Reject {
                        state: None,
                        reason: format!(
                            "This task run is already {}; only a retry or force can change it.",
                            state.kind.as_str()
                        ),
                    }
                };
                Ok((state, decision))
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_found(id),
                other => other.into(),
            })?;
        self.slot_waiters.freed.notify_one();
        if out.0.kind == StateType::Scheduled && out.0.details.deferred == Some(true) {
            // A background task run is due again (a retry): back to the task workers.
            if let Ok(run) = self.task_run(id).await {
                self.offer_task_run(&run);
            }
        }
        Ok(out)
    }

    /// Deletes a task run.
    pub async fn delete_task_run(&self, id: Uuid) -> Result<()> {
        if self
            .store
            .write(move |tx| task_runs::delete(tx, id))
            .await?
        {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }
}

fn not_found(id: Uuid) -> ServiceError {
    ServiceError::NotFound(format!("Task run {id} not found"))
}
