//! Schedule use cases of a deployment: add, list, change and delete schedules. A change replaces the
//! schedule's future unstarted runs and wakes the scheduler.

use super::deployments::{capital, not_found_as, validate_schedules};
use super::{Result, ServiceError, Services};
use crate::domain::deployment::{DeploymentSchedule, NewSchedule};
use crate::domain::schedule::Schedule;
use crate::domain::Doc;
use crate::store::{deployments, schedules, StoreError};
use uuid::Uuid;

/// A partial update of one schedule.
#[derive(Clone, Debug, Default)]
pub struct SchedulePatch {
    pub schedule: Option<Schedule>,
    pub active: Option<bool>,
    pub max_scheduled_runs: Option<Option<i64>>,
    pub parameters: Option<Doc>,
    pub slug: Option<Option<String>>,
}

impl Services {
    /// Adds schedules to a deployment.
    pub async fn add_schedules(
        &self,
        id: Uuid,
        new: Vec<NewSchedule>,
    ) -> Result<Vec<DeploymentSchedule>> {
        validate_schedules(&new)?;
        let now = self.clock.now();
        let added = self
            .store
            .write(move |tx| {
                deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                let mut added = Vec::new();
                for s in new {
                    let stored = s.into_stored(id, now);
                    schedules::insert_schedule(tx, &stored)?;
                    added.push(stored);
                }
                Ok(added)
            })
            .await
            .map_err(|e| not_found_as(e, id))?;
        self.scheduler_wake.notify_one();
        Ok(added)
    }

    /// A deployment's schedules.
    pub async fn deployment_schedules(&self, id: Uuid) -> Result<Vec<DeploymentSchedule>> {
        Ok(self.deployment(id).await?.schedules)
    }

    /// Changes one schedule; its future unstarted runs are replaced.
    pub async fn update_schedule(
        &self,
        id: Uuid,
        schedule_id: Uuid,
        patch: SchedulePatch,
    ) -> Result<()> {
        if let Some(s) = &patch.schedule {
            s.validate()
                .map_err(|e| ServiceError::Invalid(format!("schedule: {e}")))?;
        }
        let now = self.clock.now();
        self.store
            .write(move |tx| {
                let d = deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                let mut s = d
                    .schedules
                    .into_iter()
                    .find(|s| s.id == schedule_id)
                    .ok_or(StoreError::NotFound("schedule"))?;
                if let Some(v) = patch.schedule {
                    s.schedule = v;
                }
                if let Some(v) = patch.active {
                    s.active = v;
                }
                if let Some(v) = patch.max_scheduled_runs {
                    s.max_scheduled_runs = v;
                }
                if let Some(v) = patch.parameters {
                    s.parameters = v;
                }
                if let Some(v) = patch.slug {
                    s.slug = v;
                }
                s.updated = now;
                schedules::update_schedule(tx, &s)?;
                schedules::delete_future_runs_of_schedule(tx, id, schedule_id, now)?;
                Ok(())
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(what) => {
                    ServiceError::NotFound(format!("{} not found", capital(what)))
                }
                other => other.into(),
            })?;
        self.scheduler_wake.notify_one();
        Ok(())
    }

    /// Deletes one schedule and its future unstarted runs.
    pub async fn delete_schedule(&self, id: Uuid, schedule_id: Uuid) -> Result<()> {
        let now = self.clock.now();
        let deleted = self
            .store
            .write(move |tx| {
                let d = deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                if !d.schedules.iter().any(|s| s.id == schedule_id) {
                    return Ok(false);
                }
                schedules::delete_future_runs_of_schedule(tx, id, schedule_id, now)?;
                schedules::delete_schedule(tx, schedule_id)
            })
            .await
            .map_err(|e| not_found_as(e, id))?;
        if !deleted {
            return Err(ServiceError::NotFound(format!(
                "Schedule {schedule_id} not found"
            )));
        }
        Ok(())
    }
}
