//! Drift commands: record a comparison (and its alert).

use domain::{
    drift::{DriftCommand, DriftError, DriftFindings, DriftReport},
    ids::DriftReportId,
    Metadata, StoredEvent,
};

use crate::{error::CommandError, handle::create, store::EventStore};

/// Records findings under a new report id; a drifted dataset also raises an alert.
pub async fn record(
    store: &dyn EventStore,
    findings: DriftFindings,
    metadata: Metadata,
) -> Result<(DriftReportId, Vec<StoredEvent>), CommandError<DriftError>> {
    let report_id = DriftReportId::from_uuid(uuid::Uuid::now_v7());
    let cmd = DriftCommand::Record {
        report_id,
        findings: Box::new(findings),
    };
    let events = create::<DriftReport>(store, &report_id.to_string(), cmd, metadata).await?;
    Ok((report_id, events))
}
