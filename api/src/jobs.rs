//! Background jobs: a handler hands long work to [`spawn`] and answers
//! `202 Accepted` with [`accepted`]; the work runs on this node, at most
//! `RAIA_JOB_WORKERS` at a time, reports progress, honours cancellation, and
//! ends as an event (`JobSucceeded`, `JobFailed` or `JobCancelled`).
//!
//! Cancellation is read from the log, so a cancel sent to any node reaches the
//! node that runs the job at its next progress report.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    ids::JobId,
    job::{JobCommand, JobError},
    Metadata,
};
use serde_json::json;
use tokio::sync::{Mutex, Semaphore};

use crate::{error::ApiError, extract::Ctx, state::AppState};

/// Progress is written to the log at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

impl From<JobError> for ApiError {
    fn from(e: JobError) -> Self {
        match e {
            JobError::NotFound => Self::not_found("job"),
            JobError::AlreadyExists => Self::conflict("job_exists", e.to_string()),
            JobError::Finished(_) => Self::conflict("job_finished", e.to_string()),
            JobError::NotStarted => Self::conflict("job_not_started", e.to_string()),
        }
    }
}

/// The node's job slots and identity.
#[derive(Debug)]
pub struct Jobs {
    slots: Arc<Semaphore>,
    /// This node's name, recorded on every job it runs.
    pub node: String,
}

impl Jobs {
    /// `workers` jobs may run at once on this node.
    pub fn new(workers: usize, node: String) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(workers.max(1))),
            node,
        }
    }
}

/// What running work sees of its job.
#[derive(Clone)]
pub struct JobHandle {
    /// The job.
    pub id: JobId,
    state: AppState,
    metadata: Metadata,
    cancelled: Arc<AtomicBool>,
    last: Arc<Mutex<Instant>>,
}

impl std::fmt::Debug for JobHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl JobHandle {
    /// Records progress (throttled; the final count always lands when
    /// `done == total`) and picks up a cancel request made on any node.
    pub async fn progress(&self, done: u64, total: u64) {
        let mut last = self.last.lock().await;
        if done < total && last.elapsed() < PROGRESS_EVERY {
            return;
        }
        *last = Instant::now();
        drop(last);
        let cmd = JobCommand::Progress { done, total };
        match commands::jobs::run(
            self.state.store.as_ref(),
            self.id,
            cmd,
            self.metadata.clone(),
        )
        .await
        {
            Ok(events) => self.state.settle(&events).await,
            Err(e) => tracing::warn!(job = %self.id, error = %e, "job progress not recorded"),
        }
        self.refresh_cancel().await;
    }

    /// Reads the job's stream for a cancel request made on any node.
    async fn refresh_cancel(&self) {
        if let Ok(loaded) = commands::jobs::state(self.state.store.as_ref(), self.id).await {
            if loaded.state.cancel_requested {
                self.cancelled.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Whether someone asked the job to stop; work should check between units.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Marks the job cancelled locally (used by the cancel route on this node).
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Cancel flags of jobs running on this node, so a local cancel is seen at once.
static RUNNING: std::sync::LazyLock<std::sync::Mutex<Vec<JobHandle>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(Vec::new()));

fn running(f: impl FnOnce(&mut Vec<JobHandle>)) {
    if let Ok(mut v) = RUNNING.lock() {
        f(&mut v);
    }
}

/// Signals a job running on this node to stop (no-op when it runs elsewhere).
pub fn signal_cancel(id: JobId) {
    running(|v| v.iter().filter(|h| h.id == id).for_each(JobHandle::cancel));
}

/// Queues `work` as a job of `kind` with `params` (recorded as given) and
/// returns its id at once. The work's `Ok` value becomes the job's result; an
/// `Err` its error. Work that returns after a cancel request ends `cancelled`.
pub async fn spawn<F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    params: serde_json::Value,
    work: F,
) -> Result<JobId, ApiError>
where
    F: FnOnce(JobHandle) -> Fut + Send + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send + 'static,
{
    let (id, events) = commands::jobs::submit(
        state.store.as_ref(),
        kind,
        params,
        &state.jobs.node,
        ctx.metadata.clone(),
    )
    .await?;
    state.settle(&events).await;
    let handle = JobHandle {
        id,
        state: state.clone(),
        metadata: ctx.metadata.clone(),
        cancelled: Arc::new(AtomicBool::new(false)),
        last: Arc::new(Mutex::new(Instant::now())),
    };
    running(|v| v.push(handle.clone()));
    let slots = state.jobs.slots.clone();
    tokio::spawn(async move {
        let outcome = match slots.acquire_owned().await {
            Ok(_permit) => run(handle.clone(), work).await,
            Err(_) => JobCommand::Fail {
                error: "the server is shutting down".into(),
            },
        };
        end(&handle, outcome).await;
        running(|v| v.retain(|h| h.id != handle.id));
    });
    Ok(id)
}

async fn run<F, Fut>(handle: JobHandle, work: F) -> JobCommand
where
    F: FnOnce(JobHandle) -> Fut + Send + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send + 'static,
{
    // Asked to stop while it waited for a slot.
    handle.refresh_cancel().await;
    if handle.is_cancelled() {
        return JobCommand::Cancelled;
    }
    let started = commands::jobs::run(
        handle.state.store.as_ref(),
        handle.id,
        JobCommand::Start,
        handle.metadata.clone(),
    )
    .await;
    match started {
        Ok(events) => handle.state.settle(&events).await,
        Err(e) => {
            return JobCommand::Fail {
                error: format!("could not start: {e}"),
            }
        }
    }
    // A panic in the work fails the job instead of leaving it running forever.
    let result = tokio::spawn(work(handle.clone())).await;
    match result {
        _ if handle.is_cancelled() => JobCommand::Cancelled,
        Ok(Ok(result)) => JobCommand::Succeed { result },
        Ok(Err(error)) => JobCommand::Fail { error },
        Err(e) => JobCommand::Fail {
            error: format!("the job crashed: {e}"),
        },
    }
}

async fn end(handle: &JobHandle, outcome: JobCommand) {
    match commands::jobs::run(
        handle.state.store.as_ref(),
        handle.id,
        outcome,
        handle.metadata.clone(),
    )
    .await
    {
        Ok(events) => handle.state.settle(&events).await,
        // Cancelled while queued: the cancel route already ended it.
        Err(commands::CommandError::Rejected(JobError::Finished(_))) => {}
        Err(e) => tracing::error!(job = %handle.id, error = %e, "job end not recorded"),
    }
}

/// `202 Accepted` with `Location: /api/v1/jobs/{id}` and `{job_id, status}`.
pub fn accepted(id: JobId) -> Response {
    let location = format!("/api/v1/jobs/{id}");
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location.clone())],
        Json(json!({ "job_id": id.to_string(), "status": "queued", "location": location })),
    )
        .into_response()
}

/// Fails the jobs this node left queued or running when it stopped: their work
/// died with the process. Jobs of other nodes are left to them.
pub async fn fail_interrupted(state: &AppState) -> anyhow::Result<usize> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, params FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut failed = 0;
    for (id, _) in rows {
        let Some(job_id) = JobId::parse(&id) else {
            continue;
        };
        let events = state
            .store
            .read_stream(
                <domain::job::Job as domain::Aggregate>::STREAM_TYPE,
                &id,
                commands::Until::Now,
            )
            .await?;
        let mine = events.first().is_some_and(|e| {
            serde_json::from_str::<serde_json::Value>(&e.payload)
                .is_ok_and(|p| p["node"].as_str() == Some(state.jobs.node.as_str()))
        });
        if !mine {
            continue;
        }
        let metadata = Metadata {
            actor_id: Some("system".into()),
            auth_method: Some("system".into()),
            ..Metadata::default()
        };
        let cmd = JobCommand::Fail {
            error: "interrupted: the server stopped before the job finished".into(),
        };
        let appended = commands::jobs::run(state.store.as_ref(), job_id, cmd, metadata).await?;
        state.settle(&appended).await;
        failed += 1;
    }
    Ok(failed)
}
