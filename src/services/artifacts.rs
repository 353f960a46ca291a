//! Artifact use cases: create (a keyed artifact becomes its key's latest), read, list, count, the latest
//! per key, patch (progress artifacts move this way), delete.

use super::{Result, ServiceError, Services};
use crate::domain::artifact::{self, Artifact, ArtifactCollection, ArtifactPatch};
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::Doc;
use crate::store::artifacts;
use serde_json::Value;
use uuid::Uuid;

/// What a new artifact holds.
#[derive(Clone, Debug, Default)]
pub struct NewArtifact {
    pub key: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub data: Option<Value>,
    pub metadata: Option<Doc>,
    pub flow_run_id: Option<Uuid>,
    pub task_run_id: Option<Uuid>,
}

impl Services {
    /// Creates an artifact.
    pub async fn create_artifact(&self, n: NewArtifact) -> Result<Artifact> {
        if let Some(k) = &n.key {
            artifact::check_key(k).map_err(ServiceError::Invalid)?;
        }
        let metadata = n
            .metadata
            .map(artifact::clean_metadata)
            .transpose()
            .map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let a = Artifact {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            key: n.key,
            kind: n.kind,
            description: n.description,
            data: n.data.filter(|d| !d.is_null()),
            metadata,
            flow_run_id: n.flow_run_id,
            task_run_id: n.task_run_id,
        };
        let stored = a.clone();
        self.store
            .write(move |tx| artifacts::insert(tx, &stored))
            .await?;
        Ok(a)
    }

    /// One artifact.
    pub async fn artifact(&self, id: Uuid) -> Result<Artifact> {
        self.store
            .read(move |tx| artifacts::get(tx, id))
            .await?
            .ok_or_else(not_found)
    }

    /// The latest artifact of a key.
    pub async fn latest_artifact(&self, key: String) -> Result<ArtifactCollection> {
        self.store
            .read(move |tx| artifacts::latest(tx, &key))
            .await?
            .ok_or_else(not_found)
    }

    /// Artifacts matching a query.
    pub async fn artifacts(&self, q: Query) -> Result<Vec<Artifact>> {
        Ok(self.store.read(move |tx| artifacts::list(tx, &q)).await?)
    }

    /// The latest artifact of each key, matching a query.
    pub async fn latest_artifacts(&self, q: Query) -> Result<Vec<ArtifactCollection>> {
        Ok(self
            .store
            .read(move |tx| artifacts::list_latest(tx, &q))
            .await?)
    }

    /// How many artifacts match (all versions, or with `latest` one per key).
    pub async fn count_artifacts(&self, cond: Cond, latest: bool) -> Result<u64> {
        let e = if latest {
            Entity::ArtifactCollection
        } else {
            Entity::Artifact
        };
        Ok(self
            .store
            .read(move |tx| artifacts::count(tx, e, &cond))
            .await?)
    }

    /// Changes an artifact's data, description or metadata.
    pub async fn update_artifact(&self, id: Uuid, mut patch: ArtifactPatch) -> Result<()> {
        if let Some(Some(m)) = &patch.metadata {
            let m = artifact::clean_metadata(m.clone()).map_err(ServiceError::Invalid)?;
            patch.metadata = Some(Some(m));
        }
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| {
                let Some(mut a) = artifacts::get(tx, id)? else {
                    return Ok(false);
                };
                a.apply(patch, now);
                artifacts::update(tx, &a)?;
                Ok(true)
            })
            .await?;
        found.then_some(()).ok_or_else(not_found)
    }

    /// Deletes an artifact (the key's previous artifact becomes its latest).
    pub async fn delete_artifact(&self, id: Uuid) -> Result<()> {
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| artifacts::delete(tx, id, now))
            .await?;
        found.then_some(()).ok_or_else(not_found)
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Artifact not found.".into())
}
