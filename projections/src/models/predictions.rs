//! `model_predictions`: every served prediction, one row each, from the
//! `PredictionsLogged` events (many rows per event, one multi-row insert).

use async_trait::async_trait;
use domain::{decode::decode, model::PredictionEvent, upcast::Upcasters, Metadata, StoredEvent};
use sqlx::{Any, Transaction};

use super::json;
use crate::{error::ProjectionError, Projection};

/// Projects prediction logs into `model_predictions`.
#[derive(Debug, Clone, Copy)]
pub struct ModelPredictions;

const COLS: usize = 10;
const ROWS_PER_STATEMENT: usize = 300;

#[async_trait]
impl Projection for ModelPredictions {
    fn name(&self) -> &'static str {
        "model_predictions"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["model_predictions"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[domain::model::PREDICTION_STREAM]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != domain::model::PREDICTION_STREAM {
            return Ok(());
        }
        let event: PredictionEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let PredictionEvent::PredictionsLogged { model_id, records } = event;
        let caller = serde_json::from_str::<Metadata>(&e.metadata)
            .ok()
            .and_then(|m| m.actor_id);
        for chunk in records.chunks(ROWS_PER_STATEMENT) {
            let mut sql = String::from(
                "INSERT INTO model_predictions (id, model_id, version, input, output, confidence, caller, \
                 request_id, created_at, position) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let marks: Vec<String> = (1..=COLS).map(|j| format!("${}", i * COLS + j)).collect();
                sql.push_str(&format!("({})", marks.join(",")));
            }
            // Not a cached statement: an `Option<f64>` binds as FLOAT4 when `None` and FLOAT8
            // when `Some` through `sqlx::Any`, and PostgreSQL refuses the second shape on a
            // statement prepared with the first ("incorrect binary data format").
            let mut q = sqlx::query(&sql).persistent(false);
            for r in chunk {
                q = q
                    .bind(r.id.clone())
                    .bind(model_id.to_string())
                    .bind(i64::from(r.version))
                    .bind(json(&r.input))
                    .bind(json(&r.output))
                    .bind(r.confidence)
                    .bind(caller.clone())
                    .bind(r.request_id.clone())
                    .bind(r.at)
                    .bind(e.position);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }
}
