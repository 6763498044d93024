//! Job commands: submit, start, progress, cancel and finish a background job.
//! Workers and cancel requests can race on one stream; each command reloads and
//! retries when another writer got there first.

use domain::{
    ids::JobId,
    job::{Job, JobCommand, JobError},
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{load, run_retrying, Loaded},
    store::{EventStore, Until},
};

/// Loads a job's state.
pub async fn state(
    store: &dyn EventStore,
    job_id: JobId,
) -> Result<Loaded<Job>, CommandError<JobError>> {
    load::<Job>(store, &Upcasters::domain(), &job_id.to_string(), Until::Now).await
}

/// Queues new work under a new id.
pub async fn submit(
    store: &dyn EventStore,
    kind: &str,
    params: serde_json::Value,
    node: &str,
    metadata: Metadata,
) -> Result<(JobId, Vec<StoredEvent>), CommandError<JobError>> {
    let job_id = JobId::from_uuid(uuid::Uuid::now_v7());
    let events = run(
        store,
        job_id,
        JobCommand::Submit {
            job_id,
            kind: kind.to_owned(),
            params,
            node: Some(node.to_owned()),
        },
        metadata,
    )
    .await?;
    Ok((job_id, events))
}

/// Runs one command on a job, retrying when a concurrent writer moved the stream.
/// A command that decides nothing (already started, already asked to stop)
/// appends nothing.
pub async fn run(
    store: &dyn EventStore,
    job_id: JobId,
    cmd: JobCommand,
    metadata: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<JobError>> {
    run_retrying::<Job>(store, &job_id.to_string(), cmd, metadata).await
}
