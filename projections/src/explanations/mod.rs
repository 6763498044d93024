//! The `explanations` table: one row per recorded explanation.

use async_trait::async_trait;
use domain::{
    decode::decode,
    explanation::{Explanation, ExplanationEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects explanation events.
#[derive(Debug, Clone, Copy)]
pub struct Explanations;

#[async_trait]
impl Projection for Explanations {
    fn name(&self) -> &'static str {
        "explanations"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["explanations"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[Explanation::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Explanation::STREAM_TYPE {
            return Ok(());
        }
        let event: ExplanationEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            ExplanationEvent::ExplanationGenerated {
                explanation_id,
                record,
            } => {
                let by = e.metadata().unwrap_or_default().actor_id;
                sqlx::query(
                    "INSERT INTO explanations (id, model_id, version, artifact_sha256, kind, method, seed, \
                     rows_sha256, background_sha256, parameters, results, created_by, created_at, position) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(explanation_id.to_string())
                .bind(record.model_id)
                .bind(record.version)
                .bind(record.artifact_sha256)
                .bind(record.kind)
                .bind(record.method)
                .bind(record.seed.to_string())
                .bind(record.rows_sha256)
                .bind(record.background_sha256)
                .bind(record.parameters.to_string())
                .bind(record.results.to_string())
                .bind(by)
                .bind(e.recorded_at)
                .bind(e.position)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }
}
