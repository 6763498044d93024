//! The `datasets` and `data_quality_reports` tables: every uploaded version with its
//! schema, lineage, rules and latest quality score.

use async_trait::async_trait;
use domain::{
    dataset::{Dataset, DatasetEvent},
    decode::decode,
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects dataset events.
#[derive(Debug, Clone, Copy)]
pub struct Datasets;

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[async_trait]
impl Projection for Datasets {
    fn name(&self) -> &'static str {
        "datasets"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["datasets", "data_quality_reports"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["dataset"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Dataset::STREAM_TYPE {
            return Ok(());
        }
        let event: DatasetEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let id = e.stream_id.clone();
        let (at, v) = (e.recorded_at, e.stream_version);
        match event {
            DatasetEvent::DatasetUploaded {
                spec, uploaded_by, ..
            } => {
                sqlx::query(
                    "INSERT INTO datasets (id, name, description, filename, format, sheet, sha256, size_bytes, \
                     schema_json, row_count, column_count, version_of, family_id, version, derived_from, uploaded_by, \
                     quality_score, rules_json, rules_version, created_at, updated_at, deleted_at, stream_version, origin) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, NULL, '[]', 0, $17, $17, NULL, $18, $19)",
                )
                .bind(id)
                .bind(spec.name.clone())
                .bind(spec.description.clone())
                .bind(spec.filename.clone())
                .bind(spec.format.as_str().to_owned())
                .bind(spec.sheet.clone())
                .bind(spec.sha256.clone())
                .bind(spec.size_bytes as i64)
                .bind(json(&spec.schema))
                .bind(spec.row_count as i64)
                .bind(spec.column_count as i64)
                .bind(spec.version_of.map(|d| d.to_string()))
                .bind(spec.family_id.to_string())
                .bind(spec.version as i64)
                .bind(json(&spec.derived_from))
                .bind(uploaded_by)
                .bind(at)
                .bind(v)
                .bind(spec.origin.as_ref().map(json))
                .execute(&mut **tx)
                .await?;
            }
            DatasetEvent::DataQualityAssessed(a) => {
                let by = e.metadata().unwrap_or_default().actor_id;
                sqlx::query("DELETE FROM data_quality_reports WHERE dataset_id = $1")
                    .bind(id.clone())
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO data_quality_reports (dataset_id, score, assessment, assessed_by, assessed_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id.clone())
                .bind(a.score)
                .bind(json(&a))
                .bind(by)
                .bind(at)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE datasets SET quality_score = $1, updated_at = $2, stream_version = $3 WHERE id = $4",
                )
                .bind(a.score)
                .bind(at)
                .bind(v)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            }
            DatasetEvent::DataQualityRulesSet { rules } => {
                sqlx::query(
                    "UPDATE datasets SET rules_json = $1, rules_version = rules_version + 1, updated_at = $2, \
                     stream_version = $3 WHERE id = $4",
                )
                .bind(json(&rules))
                .bind(at)
                .bind(v)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            }
            DatasetEvent::DatasetValidated(_) => {
                sqlx::query(
                    "UPDATE datasets SET updated_at = $1, stream_version = $2 WHERE id = $3",
                )
                .bind(at)
                .bind(v)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            }
            DatasetEvent::DatasetDeleted {} => {
                sqlx::query(
                    "UPDATE datasets SET deleted_at = $1, updated_at = $1, stream_version = $2 WHERE id = $3",
                )
                .bind(at)
                .bind(v)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }
}
