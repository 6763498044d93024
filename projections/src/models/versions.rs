//! Version, lifecycle and alias events, applied one at a time after the bulk
//! row fold: `model_versions`, `model_aliases`, `model_evaluations`, and the
//! model row's status and stream version when the event comes after its last
//! full-row event in the batch.

use domain::{
    model::{headline_status, ModelEvent, ModelSpec, Transition, VersionStatus},
    Metadata, StoredEvent,
};
use sqlx::{Any, Row, Transaction};

use super::{enum_str, json};
use crate::error::ProjectionError;

/// An event that writes a whole `models` row (or removes it).
pub enum RowEvent {
    /// `ModelRegistered`.
    Registered {
        /// Fields.
        spec: ModelSpec,
        /// Actor.
        created_by: String,
    },
    /// `ModelUpdated`.
    Updated {
        /// Fields.
        spec: ModelSpec,
    },
    /// `ModelDeleted`.
    Deleted,
}

/// A model event sorted into row events and the rest.
pub enum Split {
    /// Handled by the bulk fold.
    Row(RowEvent),
    /// Handled here, one at a time.
    Other(ModelEvent),
}

/// Sorts an event.
pub fn split(e: ModelEvent) -> Split {
    match e {
        ModelEvent::ModelRegistered {
            spec, created_by, ..
        } => Split::Row(RowEvent::Registered { spec, created_by }),
        ModelEvent::ModelUpdated { spec } => Split::Row(RowEvent::Updated { spec }),
        ModelEvent::ModelDeleted {} => Split::Row(RowEvent::Deleted),
        other => Split::Other(other),
    }
}

/// Applies one non-row event. `after_row`: the event comes after the batch's
/// last full-row event for its model, so the model row (written from that
/// earlier event) must be brought up to this one here.
pub async fn apply(
    tx: &mut Transaction<'static, Any>,
    e: &StoredEvent,
    event: &ModelEvent,
    after_row: bool,
) -> Result<(), ProjectionError> {
    let id = e.stream_id.clone();
    let mut status = None;
    match event {
        ModelEvent::ModelRegistered { .. }
        | ModelEvent::ModelUpdated { .. }
        | ModelEvent::ModelDeleted {} => {}
        // The fairness projection keeps decision policies.
        ModelEvent::DecisionPolicyAttached(_) => {}
        ModelEvent::ModelVersionAdded {
            version,
            spec,
            created_by,
        } => {
            sqlx::query(
                "INSERT INTO model_versions (model_id, version, status, format, sha256, size, filename, \
                 signature, description, metadata, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
            )
            .bind(id.clone())
            .bind(i64::from(*version))
            .bind(VersionStatus::Draft.as_str())
            .bind(enum_str(&spec.artifact.format))
            .bind(spec.artifact.sha256.clone())
            .bind(i64::try_from(spec.artifact.size).unwrap_or(i64::MAX))
            .bind(spec.artifact.filename.clone())
            .bind(json(&spec.signature))
            .bind(spec.description.clone())
            .bind(json(&spec.metadata))
            .bind(created_by.clone())
            .bind(e.recorded_at)
            .execute(&mut **tx)
            .await?;
        }
        ModelEvent::ModelVersionSubmitted(t)
        | ModelEvent::ModelVersionApproved(t)
        | ModelEvent::ModelVersionRejected(t)
        | ModelEvent::ModelVersionDeployed(t)
        | ModelEvent::ModelVersionRetired(t) => {
            let was_deployed = transition(tx, &id, event, t, e.recorded_at).await?;
            status = headline_status(event, was_deployed);
        }
        ModelEvent::ModelAliasSet { alias, version } => {
            sqlx::query(
                "INSERT INTO model_aliases (model_id, alias, version, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
            )
            .bind(id.clone())
            .bind(alias.as_str().to_owned())
            .bind(i64::from(*version))
            .bind(e.recorded_at)
            .execute(&mut **tx)
            .await?;
        }
        ModelEvent::ModelAliasRemoved { alias } => {
            sqlx::query("DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2")
                .bind(id.clone())
                .bind(alias.as_str().to_owned())
                .execute(&mut **tx)
                .await?;
        }
        ModelEvent::ModelVersionEvaluated(ev) => {
            let caller = serde_json::from_str::<Metadata>(&e.metadata)
                .ok()
                .and_then(|m| m.actor_id);
            sqlx::query(
                "INSERT INTO model_evaluations (id, model_id, version, dataset, task, n_rows, metrics, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(ev.evaluation_id.clone())
            .bind(id.clone())
            .bind(i64::from(ev.version))
            .bind(ev.dataset.clone())
            .bind(ev.task.clone())
            .bind(i64::try_from(ev.n_rows).unwrap_or(i64::MAX))
            .bind(json(&ev.metrics))
            .bind(caller)
            .bind(e.recorded_at)
            .execute(&mut **tx)
            .await?;
        }
    }
    if matches!(event, ModelEvent::ModelDeleted {}) {
        for table in ["model_versions", "model_aliases", "model_evaluations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE model_id = $1"))
                .bind(id.clone())
                .execute(&mut **tx)
                .await?;
        }
    }
    if after_row {
        sqlx::query(
            "UPDATE models SET updated_at = $1, stream_version = $2, status = COALESCE($3, status) WHERE id = $4",
        )
        .bind(e.recorded_at)
        .bind(e.stream_version)
        .bind(status.as_ref().map(enum_str))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Moves a version to its new status; returns whether it was deployed before.
async fn transition(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    event: &ModelEvent,
    t: &Transition,
    at: i64,
) -> Result<bool, ProjectionError> {
    let (status, column) = match event {
        ModelEvent::ModelVersionSubmitted(_) => (VersionStatus::Submitted, Some("submitted_by")),
        ModelEvent::ModelVersionApproved(_) => (VersionStatus::Approved, Some("reviewed_by")),
        ModelEvent::ModelVersionRejected(_) => (VersionStatus::Rejected, Some("reviewed_by")),
        ModelEvent::ModelVersionDeployed(_) => (VersionStatus::Deployed, None),
        _ => (VersionStatus::Retired, None),
    };
    let before: Option<String> =
        sqlx::query("SELECT status FROM model_versions WHERE model_id = $1 AND version = $2")
            .bind(id.to_owned())
            .bind(i64::from(t.version))
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
    let actor = match column {
        Some(c) => format!(", {c} = $5"),
        None => String::new(),
    };
    let sql = format!(
        "UPDATE model_versions SET status = $1, last_comment = $2, updated_at = $3{actor} \
         WHERE model_id = $4 AND version = {}",
        i64::from(t.version)
    );
    let mut q = sqlx::query(&sql)
        .bind(status.as_str())
        .bind(t.comment.clone())
        .bind(at)
        .bind(id.to_owned());
    if column.is_some() {
        q = q.bind(t.by.clone());
    }
    q.execute(&mut **tx).await?;
    Ok(before.as_deref() == Some(VersionStatus::Deployed.as_str()))
}
