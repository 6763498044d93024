//! Fairness commands: record an assessment or a mitigation run under a new report id.

use domain::{
    fairness::{Assessment, FairnessCommand, FairnessReport, FairnessReportError, Mitigation},
    ids::FairnessReportId,
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{load, Batch},
    store::{EventStore, Until},
};

async fn record(
    store: &dyn EventStore,
    make: impl FnOnce(FairnessReportId) -> FairnessCommand,
    metadata: Metadata,
) -> Result<(FairnessReportId, Vec<StoredEvent>), CommandError<FairnessReportError>> {
    let report_id = FairnessReportId::from_uuid(uuid::Uuid::now_v7());
    let loaded = load::<FairnessReport>(
        store,
        &Upcasters::domain(),
        &report_id.to_string(),
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, None, make(report_id))?;
    Ok((report_id, store.append(batch.into_events()).await?))
}

/// Records `FairnessAssessed`.
pub async fn assess(
    store: &dyn EventStore,
    assessment: Assessment,
    metadata: Metadata,
) -> Result<(FairnessReportId, Vec<StoredEvent>), CommandError<FairnessReportError>> {
    record(
        store,
        |report_id| FairnessCommand::Assess {
            report_id,
            assessment: Box::new(assessment),
        },
        metadata,
    )
    .await
}

/// Records `BiasMitigationApplied`.
pub async fn mitigate(
    store: &dyn EventStore,
    mitigation: Mitigation,
    metadata: Metadata,
) -> Result<(FairnessReportId, Vec<StoredEvent>), CommandError<FairnessReportError>> {
    record(
        store,
        |report_id| FairnessCommand::Mitigate {
            report_id,
            mitigation: Box::new(mitigation),
        },
        metadata,
    )
    .await
}
