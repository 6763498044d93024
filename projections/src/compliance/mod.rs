//! The `compliance_evidence` index: for each subject and kind of evidence, the
//! latest event that provides it, with its position and chain hash.

use async_trait::async_trait;
use domain::{compliance::classify, StoredEvent};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Indexes compliance evidence from every stream (other features' events count
/// by type name as soon as they exist).
#[derive(Debug, Clone, Copy)]
pub struct ComplianceEvidence;

#[async_trait]
impl Projection for ComplianceEvidence {
    fn name(&self) -> &'static str {
        "compliance_evidence"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["compliance_evidence"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        // An unparsable payload cannot be evidence of anything.
        let Ok(payload) = e.payload_json() else {
            return Ok(());
        };
        for claim in classify(&e.stream_type, &e.stream_id, &e.event_type, &payload) {
            sqlx::query(
                "INSERT INTO compliance_evidence (subject, kind, position, hash, event_type, recorded_at, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (subject, kind) DO UPDATE SET position = excluded.position, hash = excluded.hash, \
                 event_type = excluded.event_type, recorded_at = excluded.recorded_at, detail = excluded.detail",
            )
            .bind(claim.subject.key())
            .bind(claim.kind)
            .bind(e.position)
            .bind(e.hash.clone())
            .bind(e.event_type.clone())
            .bind(e.recorded_at)
            .bind(claim.detail.to_string())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}
