//! Large fairness runs as jobs: an analysis or mitigation over a dataset with more rows
//! than `fairness_job_rows` (config), or any run asked with `Prefer: respond-async`,
//! answers 202 with the job's `Location`; the job records the same events and keeps the
//! same answer as its result, with progress by phase (load, compute, record).

use std::future::Future;

use axum::response::Response;
use serde::Serialize;
use sqlx::Row;

use crate::{
    error::ApiResult, extract::Ctx, jobs::JobHandle, routes::datasets::live_row, state::AppState,
};

/// Phases a fairness job reports: loaded, computed, recorded.
pub(super) const PHASES: u64 = 3;

/// Whether a run over `dataset_id` becomes a job (checks the dataset exists either way).
pub(super) async fn wanted(
    state: &AppState,
    dataset_id: &str,
    respond_async: bool,
) -> ApiResult<bool> {
    let row = live_row(state, dataset_id).await?;
    let rows: i64 = row.try_get("row_count").unwrap_or(0);
    Ok(respond_async || usize::try_from(rows).unwrap_or(0) > state.config.fairness_job_rows)
}

/// Reports that `done` of the [`PHASES`] are finished, when running as a job.
pub(super) async fn phase(job: Option<&JobHandle>, done: u64) {
    if let Some(j) = job {
        j.progress(done, PHASES).await;
    }
}

/// Queues `work` as a job of `kind`; its answer becomes the job's result.
pub(super) async fn queue<T, F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    params: serde_json::Value,
    work: F,
) -> ApiResult<Response>
where
    T: Serialize + Send,
    F: FnOnce(JobHandle) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<T>> + Send + 'static,
{
    let job = crate::jobs::spawn(state, ctx, kind, params, move |job| async move {
        job.progress(0, PHASES).await;
        let out = work(job.clone()).await.map_err(|e| e.to_string())?;
        job.progress(PHASES, PHASES).await;
        serde_json::to_value(out).map_err(|e| e.to_string())
    })
    .await?;
    Ok(crate::jobs::accepted(job))
}
