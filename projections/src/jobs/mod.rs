//! The `jobs` table: one row per background job with its status and progress.

use async_trait::async_trait;
use domain::{
    decode::decode,
    job::{Job, JobEvent, JobStatus},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects job events.
#[derive(Debug, Clone, Copy)]
pub struct Jobs;

async fn finish(
    tx: &mut Transaction<'static, Any>,
    e: &StoredEvent,
    status: JobStatus,
    result: Option<String>,
    error: Option<&str>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE jobs SET status = $1, result = $2, error = $3, updated_at = $4, finished_at = $4 \
         WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(result)
    .bind(error)
    .bind(e.recorded_at)
    .bind(&e.stream_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn set(
    tx: &mut Transaction<'static, Any>,
    e: &StoredEvent,
    assignment: &str,
) -> Result<(), ProjectionError> {
    sqlx::query(&format!(
        "UPDATE jobs SET {assignment}, updated_at = $1 WHERE id = $2"
    ))
    .bind(e.recorded_at)
    .bind(&e.stream_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for Jobs {
    fn name(&self) -> &'static str {
        "jobs"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["jobs"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[Job::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Job::STREAM_TYPE {
            return Ok(());
        }
        let event: JobEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            JobEvent::JobSubmitted {
                job_id,
                kind,
                params,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO jobs (id, kind, status, params, done, total, cancel_requested, \
                     submitted_by, created_at, updated_at) VALUES ($1, $2, 'queued', $3, 0, 0, 0, $4, $5, $5)",
                )
                .bind(job_id.to_string())
                .bind(kind)
                .bind(params.to_string())
                .bind(e.metadata().unwrap_or_default().actor_id)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            JobEvent::JobStarted => set(tx, e, "status = 'running'").await?,
            JobEvent::JobCancelRequested => set(tx, e, "cancel_requested = 1").await?,
            JobEvent::JobProgressed { done, total } => {
                sqlx::query("UPDATE jobs SET done = $1, total = $2, updated_at = $3 WHERE id = $4")
                    .bind(done as i64)
                    .bind(total as i64)
                    .bind(e.recorded_at)
                    .bind(&e.stream_id)
                    .execute(&mut **tx)
                    .await?;
            }
            JobEvent::JobSucceeded { result } => {
                finish(tx, e, JobStatus::Succeeded, Some(result.to_string()), None).await?;
            }
            JobEvent::JobFailed { error } => {
                finish(tx, e, JobStatus::Failed, None, Some(&error)).await?;
            }
            JobEvent::JobCancelled => finish(tx, e, JobStatus::Cancelled, None, None).await?,
        }
        Ok(())
    }
}
