//! The `models` table: the registry as it stands now.

mod batch;

use async_trait::async_trait;
use domain::{
    decode::decode,
    model::{Model, ModelEvent, ModelSpec},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects model events into `models`.
#[derive(Debug, Clone, Copy)]
pub struct Models;

fn enum_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[async_trait]
impl Projection for Models {
    fn name(&self) -> &'static str {
        "models"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["models"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["model"]
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        batch::apply(tx, events).await
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Model::STREAM_TYPE {
            return Ok(());
        }
        let event: ModelEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            ModelEvent::ModelRegistered {
                model_id,
                spec,
                created_by,
            } => {
                let ModelSpec {
                    name,
                    model_type,
                    algorithm,
                    framework,
                    version,
                    status,
                    accuracy,
                    feature_names,
                    metadata,
                } = spec;
                sqlx::query(
                    "INSERT INTO models (id, name, model_type, algorithm, framework, version, status, accuracy, \
                     feature_names, metadata, created_by, created_at, updated_at, stream_version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
                )
                .bind(model_id.to_string())
                .bind(name)
                .bind(enum_str(&model_type))
                .bind(algorithm)
                .bind(framework)
                .bind(version)
                .bind(enum_str(&status))
                .bind(accuracy)
                .bind(json(&feature_names))
                .bind(json(&metadata))
                .bind(created_by)
                .bind(e.recorded_at)
                .bind(e.stream_version)
                .execute(&mut **tx)
                .await?;
            }
            ModelEvent::ModelUpdated { spec } => {
                let ModelSpec {
                    name,
                    model_type,
                    algorithm,
                    framework,
                    version,
                    status,
                    accuracy,
                    feature_names,
                    metadata,
                } = spec;
                sqlx::query(
                    "UPDATE models SET name = $1, model_type = $2, algorithm = $3, framework = $4, version = $5, \
                     status = $6, accuracy = $7, feature_names = $8, metadata = $9, updated_at = $10, \
                     stream_version = $11 WHERE id = $12",
                )
                .bind(name)
                .bind(enum_str(&model_type))
                .bind(algorithm)
                .bind(framework)
                .bind(version)
                .bind(enum_str(&status))
                .bind(accuracy)
                .bind(json(&feature_names))
                .bind(json(&metadata))
                .bind(e.recorded_at)
                .bind(e.stream_version)
                .bind(e.stream_id.clone())
                .execute(&mut **tx)
                .await?;
            }
            ModelEvent::ModelDeleted {} => {
                sqlx::query("DELETE FROM models WHERE id = $1")
                    .bind(e.stream_id.clone())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}
