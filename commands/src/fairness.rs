//! Fairness commands: record an assessment or a mitigation run under a new report id.

use domain::{
    fairness::{Assessment, FairnessCommand, FairnessReport, FairnessReportError, Mitigation},
    ids::FairnessReportId,
    Metadata, StoredEvent,
};

use crate::{error::CommandError, handle::create, store::EventStore};

async fn record(
    store: &dyn EventStore,
    make: impl FnOnce(FairnessReportId) -> FairnessCommand,
    metadata: Metadata,
) -> Result<(FairnessReportId, Vec<StoredEvent>), CommandError<FairnessReportError>> {
    let report_id = FairnessReportId::from_uuid(uuid::Uuid::now_v7());
    let events =
        create::<FairnessReport>(store, &report_id.to_string(), make(report_id), metadata).await?;
    Ok((report_id, events))
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
