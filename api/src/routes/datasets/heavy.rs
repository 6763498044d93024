//! When dataset work is large enough to run as a job, and its progress in rows.
//!
//! Profiling, quality assessment and drift detection over at least
//! `dataset_job_cells` cells (rows × columns) answer `202 Accepted` with a job, as
//! does any call with `Prefer: respond-async`. Progress counts rows per phase: the
//! job's `total` is the rows times the phases (reading, then analysing), its `done`
//! the rows of the phases finished, so `fraction` is the share of the work done.

use sqlx::{any::AnyRow, Row};

use crate::{error::ApiResult, jobs::JobHandle, state::AppState};

/// Rows and cells of a dataset row.
pub(crate) fn size(r: &AnyRow) -> ApiResult<(u64, u64)> {
    let rows: i64 = r.try_get("row_count")?;
    let cols: i64 = r.try_get("column_count")?;
    let rows = rows.max(0) as u64;
    Ok((rows, rows.saturating_mul(cols.max(0) as u64)))
}

/// Whether work over `cells` cells runs as a job.
pub(crate) fn as_job(state: &AppState, respond_async: bool, cells: u64) -> bool {
    respond_async || cells >= state.config.dataset_job_cells
}

/// Progress of a job in rows (no-op outside a job).
#[derive(Debug, Clone)]
pub(crate) struct RowProgress {
    job: Option<JobHandle>,
    total: u64,
    done: u64,
}

impl RowProgress {
    /// Work over `rows` rows in `phases` phases, reported to `job` if any.
    pub(crate) async fn start(job: Option<JobHandle>, rows: u64, phases: u64) -> Self {
        let p = Self {
            job,
            total: rows.saturating_mul(phases).max(1),
            done: 0,
        };
        p.report().await;
        p
    }

    /// Records that `rows` more rows went through a phase.
    pub(crate) async fn advance(&mut self, rows: u64) {
        self.done = (self.done + rows).min(self.total);
        self.report().await;
    }

    /// Records the end of the work.
    pub(crate) async fn finish(&mut self) {
        self.done = self.total;
        self.report().await;
    }

    async fn report(&self) {
        if let Some(j) = &self.job {
            j.progress(self.done, self.total).await;
        }
    }
}
