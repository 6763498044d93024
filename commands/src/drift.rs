//! Drift commands: record a comparison (and its alert).

use domain::{
    drift::{DriftCommand, DriftError, DriftFindings, DriftReport},
    ids::DriftReportId,
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{load, Batch},
    store::{EventStore, Until},
};

/// Records findings under a new report id; a drifted dataset also raises an alert.
pub async fn record(
    store: &dyn EventStore,
    findings: DriftFindings,
    metadata: Metadata,
) -> Result<(DriftReportId, Vec<StoredEvent>), CommandError<DriftError>> {
    let report_id = DriftReportId::from_uuid(uuid::Uuid::now_v7());
    let loaded = load::<DriftReport>(
        store,
        &Upcasters::domain(),
        &report_id.to_string(),
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(metadata);
    batch.decide(
        &loaded,
        None,
        DriftCommand::Record {
            report_id,
            findings: Box::new(findings),
        },
    )?;
    Ok((report_id, store.append(batch.into_events()).await?))
}
