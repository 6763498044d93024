//! The `drift_reports` and `drift_alerts` tables.

use async_trait::async_trait;
use domain::{
    decode::decode,
    drift::{DriftEvent, DriftReport},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects drift events.
#[derive(Debug, Clone, Copy)]
pub struct Drift;

#[async_trait]
impl Projection for Drift {
    fn name(&self) -> &'static str {
        "drift"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["drift_reports", "drift_alerts"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["drift"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != DriftReport::STREAM_TYPE {
            return Ok(());
        }
        let event: DriftEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            DriftEvent::DriftDetected {
                report_id,
                findings,
            } => {
                let by = e.metadata().unwrap_or_default().actor_id;
                sqlx::query(
                    "INSERT INTO drift_reports (id, model_id, reference_dataset_id, current_dataset_id, dataset_drift, \
                     drifted_columns, share, findings, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(report_id.to_string())
                .bind(findings.model_id.clone())
                .bind(findings.reference_dataset_id.to_string())
                .bind(findings.current_dataset_id.to_string())
                .bind(i64::from(findings.dataset_drift))
                .bind(findings.drifted_columns as i64)
                .bind(findings.share_of_drifted_columns)
                .bind(serde_json::to_string(&findings).unwrap_or_else(|_| "null".into()))
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            DriftEvent::DriftAlertRaised {
                report_id,
                model_id,
                drifted_columns,
                share_of_drifted_columns,
            } => {
                sqlx::query(
                    "INSERT INTO drift_alerts (report_id, model_id, drifted_columns, share, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(report_id.to_string())
                .bind(model_id)
                .bind(serde_json::to_string(&drifted_columns).unwrap_or_else(|_| "[]".into()))
                .bind(share_of_drifted_columns)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }
}
