//! Exports: a report built from the log and its read models, rendered as PDF,
//! Excel or CSV, stored as a blob, with every request and download an event of
//! the `export_job` stream.

mod analysis;
pub mod content;
mod csv;
mod drift_histograms;
mod evaluation;
pub mod pdf;
pub mod report;
pub mod schedule;
mod xlsx;

use commands::{load, Batch, Until};
use domain::{
    export::{
        ExportCommand, ExportContent, ExportError, ExportFile, ExportFormat, ExportJob,
        ExportRequest,
    },
    ids::JobId,
    upcast::Upcasters,
    Metadata, Role,
};

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::Ctx,
    jobs::JobHandle,
    state::AppState,
};

pub use report::Report;

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            ExportError::NotFound => Self::not_found("export job"),
            ExportError::NotReady(_) => Self::conflict("export_not_ready", e.to_string()),
        }
    }
}

/// Whether `role` may read what `content` holds (downloads are authorized the same way).
pub fn may_read(role: Role, content: ExportContent) -> bool {
    match content {
        ExportContent::AuditLog => crate::access::AUDIT.contains(&role),
        ExportContent::ModelCard
        | ExportContent::DataQuality
        | ExportContent::Drift
        | ExportContent::Compliance
        | ExportContent::Fairness
        | ExportContent::Explainability
        | ExportContent::Evaluation => true,
    }
}

/// Renders a report in `format`.
pub fn render(format: ExportFormat, report: &Report) -> ApiResult<Vec<u8>> {
    match format {
        ExportFormat::Pdf => pdf::render(report).map_err(ApiError::internal),
        ExportFormat::Excel => xlsx::render(report).map_err(ApiError::internal),
        ExportFormat::Csv => Ok(csv::render(report)),
    }
}

/// Who an export is for: their id and the role its content is read with.
#[derive(Debug, Clone)]
pub struct Requester {
    /// The user the export belongs to.
    pub user_id: String,
    /// Their role (what they may read).
    pub role: Role,
}

impl From<&Caller> for Requester {
    fn from(c: &Caller) -> Self {
        Self {
            user_id: c.user_id.to_string(),
            role: c.role,
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct Order {
    /// The export (stream) id to use.
    pub export_id: String,
    /// The format.
    pub format: ExportFormat,
    /// The content.
    pub content: ExportContent,
    /// The model, dataset or stream it is about.
    pub subject_id: Option<String>,
    /// The schedule that placed it.
    pub schedule_id: Option<String>,
}

impl Order {
    /// An order with a fresh export id.
    pub fn new(format: ExportFormat, content: ExportContent, subject_id: Option<String>) -> Self {
        Self {
            export_id: uuid::Uuid::now_v7().to_string(),
            format,
            content,
            subject_id,
            schedule_id: None,
        }
    }

    fn request(self, who: &Requester, job_id: Option<String>) -> ExportRequest {
        ExportRequest {
            export_id: self.export_id,
            format: self.format,
            content: self.content,
            subject_id: self.subject_id,
            requested_by: who.user_id.clone(),
            job_id,
            schedule_id: self.schedule_id,
        }
    }
}

/// Starts an export. The report is built at once from the read models (so
/// bad input is refused before anything is written, and the content is as of
/// the request); the request is recorded; a background job renders and stores
/// the file and records its completion or failure. Returns the job id.
pub async fn start(state: &AppState, ctx: &Ctx, who: &Requester, order: Order) -> ApiResult<JobId> {
    let (format, content, subject_id) = (order.format, order.content, order.subject_id.clone());
    let export_id = order.export_id.clone();
    if !may_read(who.role, content) {
        return Err(ApiError::forbidden("your role may not read this content"));
    }
    let report = content::build(state, content, subject_id.as_deref()).await?;
    let filename = format!(
        "{}.{}",
        stem(content, subject_id.as_deref()),
        format.extension()
    );
    // The job waits until its request is on record, so its completion can
    // never precede the request in the log.
    let (ready, recorded) = tokio::sync::oneshot::channel::<()>();
    let params = serde_json::json!({
        "export_id": export_id,
        "format": name(&format),
        "content": name(&content),
        "subject_id": subject_id,
    });
    let work = {
        let (state, metadata, export_id) = (state.clone(), ctx.metadata.clone(), export_id.clone());
        move |job: JobHandle| async move {
            recorded
                .await
                .map_err(|_| "the export request was not recorded".to_owned())?;
            let outcome = render_and_store(&state, &job, format, report, filename).await;
            let cmd = match &outcome {
                Ok(file) => ExportCommand::Complete(file.clone()),
                Err(e) => ExportCommand::Fail(e.clone()),
            };
            record(&state, metadata, &export_id, cmd)
                .await
                .map_err(|e| e.problem().detail.clone())?;
            outcome.map(
                |f| serde_json::json!({"export_id": export_id, "sha256": f.sha256, "size": f.size}),
            )
        }
    };
    let job_id = crate::jobs::spawn(state, ctx, "export", params, work).await?;
    let loaded = load::<ExportJob>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &export_id,
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(ctx.metadata.clone());
    batch.decide(
        &loaded,
        None,
        ExportCommand::Request(order.request(who, Some(job_id.to_string()))),
    )?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    let _ = ready.send(());
    Ok(job_id)
}

/// Records an export that could not even start (an unattended run whose
/// owner may no longer read the content, or whose subject is gone), so its
/// owner sees why in the job list.
pub async fn record_failed(
    state: &AppState,
    metadata: Metadata,
    who: &Requester,
    order: Order,
    error: String,
) -> ApiResult<()> {
    let loaded = load::<ExportJob>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &order.export_id,
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(metadata);
    batch.decide_all(
        &loaded,
        vec![
            ExportCommand::Request(order.request(who, None)),
            ExportCommand::Fail(error),
        ],
    )?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok(())
}

/// Renders `report` and stores the file, reporting progress on `job`.
async fn render_and_store(
    state: &AppState,
    job: &JobHandle,
    format: ExportFormat,
    report: Report,
    filename: String,
) -> Result<ExportFile, String> {
    job.progress(0, 2).await;
    let head_position = report.head_position;
    let bytes = tokio::task::spawn_blocking(move || render(format, &report))
        .await
        .map_err(|e| format!("rendering crashed: {e}"))?
        .map_err(|e| e.problem().detail.clone())?;
    if job.is_cancelled() {
        return Err("cancelled".into());
    }
    job.progress(1, 2).await;
    let blob = state
        .blobs
        .put_bytes(axum::body::Bytes::from(bytes))
        .await
        .map_err(|e| format!("storing the file: {e}"))?;
    job.progress(2, 2).await;
    Ok(ExportFile {
        sha256: blob.sha256,
        size: blob.size,
        filename,
        head_position,
    })
}

/// The file name stem: the content, and the subject when there is one.
fn stem(content: ExportContent, subject_id: Option<&str>) -> String {
    match subject_id {
        Some(s) => format!(
            "{}-{}",
            name(&content),
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(40)
                .collect::<String>()
        ),
        None => name(&content),
    }
}

/// The snake_case name of a serializable unit variant.
pub fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Records a step of a job (completion, failure, download, deletion).
pub async fn record(
    state: &AppState,
    metadata: Metadata,
    id: &str,
    cmd: ExportCommand,
) -> ApiResult<ExportJob> {
    let loaded =
        load::<ExportJob>(state.store.as_ref(), &Upcasters::domain(), id, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, None, cmd)?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok(loaded.state)
}

/// Fails the exports whose rendering job ended without them (interrupted by a
/// restart, or cancelled while queued), so none stays pending forever.
pub async fn fail_orphans(state: &AppState) -> ApiResult<usize> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT e.id, j.status FROM export_jobs e JOIN jobs j ON j.id = e.job_id \
         WHERE e.status = 'pending' AND j.status IN ('failed', 'cancelled')",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut failed = 0;
    for (id, status) in rows {
        let cmd = ExportCommand::Fail(format!("its rendering job was {status}"));
        match record(state, Metadata::system("export"), &id, cmd).await {
            Ok(_) => failed += 1,
            // Another node (or the job itself) recorded its end first.
            Err(e)
                if e.problem().code == "export_not_ready"
                    || e.problem().code == "version_conflict" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(failed)
}
